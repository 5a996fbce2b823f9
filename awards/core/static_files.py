"""Stylesheets, scripts and images cached by browsers for a year, and renewed on every change.

Each `url_for('static', ...)` gets `?v=` and the first characters of the file's SHA-256, so a
changed file has a new address. A request that names the current version is answered with
`Cache-Control: public, max-age=31536000`: a browser on a slow connection loads the
pages' assets once instead of asking again for each of them on every page. A request without
the version (or with an old one) gets the default: the browser checks again each time.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache

from flask import Flask, request
from werkzeug.security import safe_join

ONE_YEAR = 365 * 24 * 60 * 60
VERSION_LENGTH = 12


def init_app(app: Flask) -> None:
    static_folder = app.static_folder

    @app.url_defaults
    def add_static_version(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values and "v" not in values:
            version = file_version(static_folder, values["filename"])
            if version:
                values["v"] = version

    default_max_age = app.get_send_file_max_age

    def get_send_file_max_age(filename: str | None) -> int | None:
        version = request.args.get("v")
        if filename and version and version == file_version(static_folder, filename):
            return ONE_YEAR
        return default_max_age(filename)

    app.get_send_file_max_age = get_send_file_max_age


@lru_cache(maxsize=1024)
def file_version(folder: str, filename: str) -> str | None:
    """The start of the SHA-256 of `filename` in `folder`, read once per process (files change
    only with a deploy, which starts new processes); None when there is no such file there. The
    name may come from a request: it never leaves the folder, and only regular files are read."""
    path = safe_join(folder, filename)
    if path is None or not os.path.isfile(path):
        return None
    try:
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()[:VERSION_LENGTH]
    except OSError:
        return None
