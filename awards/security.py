"""Security headers on every response, trusted proxies, safe redirect targets, and the request
class (NUL characters stripped, truncated bodies refused)."""

from __future__ import annotations

import io
from functools import cache
from urllib.parse import urlsplit

from babel import support
from flask import Flask, Request
from flask.sessions import SecureCookieSessionInterface
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.exceptions import BadRequest, ClientDisconnected
from werkzeug.formparser import FormDataParser
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.utils import cached_property
from wtforms.i18n import messages_path


def _without_nul(values: MultiDict) -> ImmutableMultiDict:
    pairs = values.items(multi=True)
    return ImmutableMultiDict((k.replace("\x00", ""), v.replace("\x00", "")) for k, v in pairs)


class IncompleteBody(BadRequest):
    """The body ended before the form it carries did: its length and content disagree."""

    awards_message = True  # the error page shows this description, not a generic one
    description = _l(
        "Nothing was saved from this upload: it did not arrive complete (the connection may "
        "have been interrupted). Your draft is unchanged. Please try again."
    )


class StrictFormDataParser(FormDataParser):
    """Werkzeug's parser is silent by default: a multipart body cut short, with no closing
    boundary, becomes an empty form, which pages would answer with "choose a file". Raising
    lets the request say what really happened."""

    #: How much of the body each read from the server asks for. Werkzeug's multipart parser reads
    #: 64 KiB at a time; gunicorn receives up to 1 MiB per recv() and keeps the rest in a buffer
    #: it copies whole on every read, so a 10 MB upload was copied about 150 times over (half
    #: the time of parsing it, measured in a worker). Reading in steps of the server's own size
    #: takes each received block once; the parser still gets its 64 KiB pieces from memory.
    read_bytes = 1024 * 1024

    def __init__(self, *args, **kwargs) -> None:
        kwargs["silent"] = False
        super().__init__(*args, **kwargs)

    def _parse_multipart(self, stream, mimetype, content_length, options):
        if isinstance(stream, io.RawIOBase):  # Werkzeug's LimitedStream: a Content-Length
            stream = io.BufferedReader(stream, self.read_bytes)
        return super()._parse_multipart(stream, mimetype, content_length, options)


class CleanRequest(Request):
    """A request whose form fields and query arguments never contain NUL characters (nobody
    types them, and PostgreSQL refuses them in text columns: every form would answer 500), and
    whose form is either complete or refused with IncompleteBody."""

    form_data_parser_class = StrictFormDataParser

    @cached_property
    def wtforms_translations(self):
        """WTForms' own messages in the page's language. Flask-WTF looks for this attribute and
        otherwise reads and parses the catalog file again on every request with a form."""
        return wtforms_catalog(str(get_locale()))

    def _load_form_data(self) -> None:
        if "form" in self.__dict__:
            return
        try:
            super()._load_form_data()
        except (ValueError, ClientDisconnected) as exc:
            # A body shorter than its Content-Length (the client stopped sending) or longer
            # (the server stopped reading at the declared length, before the closing boundary).
            self.__dict__["form"] = self.__dict__["files"] = self.parameter_storage_class()
            raise IncompleteBody() from exc
        self.form = _without_nul(self.form)

    @cached_property
    def args(self) -> ImmutableMultiDict:
        return _without_nul(super().args)


@cache
def wtforms_catalog(locale: str) -> support.Translations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


def safe_redirect_target(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None: a `next` parameter must never send the
    user to another site ("//evil.example", "/\\evil.example" and "https://..." are refused)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(char) < 32 for char in target):
        return None  # browsers read "/\\host" as "//host"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def content_security_policy(storage_origin: str) -> str:
    img = f"'self' data: {storage_origin}".strip()
    return "; ".join(
        [
            "default-src 'self'",
            f"img-src {img}",
            "script-src 'self'",
            "style-src 'self'",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def register(app: Flask) -> None:
    app.request_class = CleanRequest
    # Behind N trusted proxies (a load balancer), take the client's address and scheme from the
    # headers they set: rate limits count per client, not per load balancer. Never trust these
    # headers when nothing in front sets them, or a client could choose its own address.
    proxies = int(app.config.get("TRUSTED_PROXY_COUNT") or 0)
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)

    endpoint = app.config.get("S3_PUBLIC_ENDPOINT_URL") or app.config.get("S3_ENDPOINT_URL", "")
    parts = urlsplit(endpoint)
    storage_origin = f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""
    policy = content_security_policy(storage_origin)

    headers = [
        ("Content-Security-Policy", policy),
        ("X-Frame-Options", "DENY"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ]
    if app.config.get("SESSION_COOKIE_SECURE"):
        headers.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
    headers = [(name.lower(), name, value) for name, value in headers]
    app.session_interface = SigningOnceSessionInterface()

    @app.after_request
    def set_security_headers(response):
        # One pass over the response's headers, where a `setdefault` per header searched them
        # all each time (a tenth of a small request's time). A view's own value stays.
        present = {name.lower() for name, _value in response.headers}
        for key, name, value in headers:
            if key not in present:
                response.headers.add(name, value)
        return response


class SigningOnceSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the signing serializer built once per secret key
    rather than twice per request (opening and saving), cookie or not."""

    _serializer: tuple | None = None  # (the keys it was built for, the serializer)

    def get_signing_serializer(self, app: Flask):
        if not app.secret_key:
            return None
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        cached = self._serializer
        if cached is None or cached[0] != key:
            cached = self._serializer = (key, super().get_signing_serializer(app))
        return cached[1]
