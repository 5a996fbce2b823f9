"""Pages of signed-in people kept in memory until the data under them changes.

A committee member works through 75 entries, going back to the dashboard and to entries again
and again; nearly every one of those requests asks for a page exactly as it was last rendered.
A view marked `@private_page` is rendered as usual the first time; the bytes are then kept
under a key made of everything the page can depend on, and the next identical request is
answered from memory before anything else runs (no sign-in lookup, no query, no template):

- who asks and in which state: the whole Flask session (the account and its password
  fingerprint, the form token, language and time zone choices), and the browser and address
  Flask-Login's session protection checks;
- what is asked: the path and query, host and scheme, and the Accept-Language header;
- the data: the data generation of `changes.py`, which moves on every commit in any process.
  A page rendered from the old rows is never stored under the new number;
- the time: an entry lives at most PRIVATE_PAGE_CACHE_SECONDS, and a view whose page changes at
  a known moment (a round closing) says so with `expire_private_page_at`.

Nothing is served or stored when a message is waiting to be flashed, when rendering changed the
session, or for any answer but a 200 HTML page. A request that committed a write also changes
its session (`_wrote`): the writer's next page is rendered afresh even if the other processes'
notification of that commit has not arrived yet.

Each process keeps at most PRIVATE_PAGE_CACHE_MB of pages; the least recently used go first.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import datetime
from functools import wraps

from flask import Flask, current_app, g, has_request_context, make_response, request, session
from flask_login.utils import _create_identifier

from awards.core.changes import change_feed
from awards.core.page_cache import PageCache

CACHE_KEY = "awards_private_cache"
# Enough for every page the judges of a cycle open; bytes are the real bound.
MAX_ENTRIES = 20_000
PRIVATE_PAGE_ATTRIBUTE = "awards_private_page"
CSRF_SESSION_KEY = "csrf_token"  # Flask-WTF's WTF_CSRF_FIELD_NAME, where it keeps the raw token


def init_app(app: Flask) -> None:
    app.extensions[CACHE_KEY] = PageCache(
        app.config["PRIVATE_PAGE_CACHE_SECONDS"],
        max_entries=MAX_ENTRIES,
        max_bytes=int(app.config["PRIVATE_PAGE_CACHE_MB"] * 1024 * 1024),
    )
    app.extensions["awards_changes"].after_local_write.append(note_write_in_session)
    # First of all, so that a page served from memory skips every other hook before it.
    app.before_request_funcs.setdefault(None, []).insert(0, serve_from_private_cache)


def private_cache() -> PageCache:
    return current_app.extensions[CACHE_KEY]


def private_page(view: Callable) -> Callable:
    """Keep this view's pages per viewer (place it under the access decorator: only a page the
    viewer was allowed to see is stored, and only that viewer's requests find it)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        eligible = request.method == "GET" and _viewer_key() is not None
        before = dict(session)
        feed = change_feed()
        generation = feed.current() if eligible and feed.is_reliable() else None
        response = make_response(view(*args, **kwargs))
        if generation is not None and _may_keep(response, before) and feed.current() == generation:
            # The key of the session as the viewer's next request will bring it.
            private_cache().put((generation, _viewer_key()), response.get_data(), _seconds_left())
        return response

    setattr(wrapper, PRIVATE_PAGE_ATTRIBUTE, True)
    return wrapper


def expire_private_page_at(moment: datetime | None) -> None:
    """The page being rendered changes by itself at `moment` (a round opens or closes): it may
    be served from memory until then, no longer."""
    if moment is None:
        return
    from awards.db import utcnow

    seconds = (moment - utcnow()).total_seconds()
    g.private_page_seconds = min(seconds, g.get("private_page_seconds", float("inf")))


def note_write_in_session() -> None:
    """A signed-in request committed a write: its next page must not come from memory (see the
    module docstring)."""
    if has_request_context() and "_user_id" in session:
        session["_wrote"] = time.time_ns()


def serve_from_private_cache():
    if request.method != "GET" or request.endpoint is None:
        return None
    view = current_app.view_functions.get(request.endpoint)
    if not getattr(view, PRIVATE_PAGE_ATTRIBUTE, False):
        return None
    key = _viewer_key()
    if key is None:
        return None
    feed = change_feed()
    if not feed.is_reliable():
        return None
    body = private_cache().get((feed.current(), key))
    if body is None:
        return None
    return current_app.response_class(body, content_type="text/html; charset=utf-8")


def _viewer_key() -> tuple | None:
    if "_user_id" not in session or "_flashes" in session:
        return None
    # Flask-Login's session protection would mark this session as not fresh: let it run.
    if session.get("_id") != _create_identifier():
        return None
    return (
        request.path,
        request.query_string,
        request.host,
        request.scheme,
        request.headers.get("Accept-Language", ""),
        json.dumps(dict(session), sort_keys=True, separators=(",", ":"), default=str),
    )


def _may_keep(response, session_before: dict) -> bool:
    """A 200 HTML page whose rendering left the session as it was, but for the form token it
    may have created (the first page after signing in): then the page carries that token and
    is kept for the session that now holds it."""
    if not session.modified:
        unchanged = True
    else:
        unchanged = {k: v for k, v in session.items() if k != CSRF_SESSION_KEY} == {
            k: v for k, v in session_before.items() if k != CSRF_SESSION_KEY
        } and session_before.get(CSRF_SESSION_KEY) in (None, session.get(CSRF_SESSION_KEY))
    return (
        unchanged
        and response.status_code == 200
        and response.mimetype == "text/html"
        and not response.direct_passthrough
        and "_flashes" not in session
    )


def _seconds_left() -> float | None:
    return g.get("private_page_seconds")
