"""Rendered public pages kept in memory for anonymous visitors.

On results day thousands of people with no account open the same page. What they see depends
only on the page's data and their language, so each app process renders it once and then serves
the same bytes, without a database round trip. Entries expire after PUBLIC_PAGE_CACHE_SECONDS
(0 turns the cache off): the same time the response's Cache-Control lets a CDN in front keep it,
so a change (publishing again, taking results down, a vote invalidated after it closed) shows
everywhere within that time. The process that makes such a change drops its own copies at once
(`forget_public_pages`).

Only visitors with nothing personal in the page are served from it: not signed in and no
flashed message waiting. Pages for anonymous visitors carry no form token in their layout (see
the language links in base.html), so nothing else in them belongs to one visitor.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

from flask import Response, current_app, has_app_context, make_response, request, session
from flask_babel import get_locale
from flask_login import current_user

# Enough for every language of a few dozen cycles' pages; the oldest goes first beyond that.
MAX_ENTRIES = 256


class PageCache:
    """Rendered pages by key, each for at most `ttl_seconds`; the least recently used go first
    beyond `max_entries` or `max_bytes`. Thread-safe (gunicorn's threaded workers share it)."""

    def __init__(
        self, ttl_seconds: float, max_entries: int = MAX_ENTRIES, max_bytes: int | None = None
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, tuple[float, bytes]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> bytes | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            expires, body = found
            if expires <= time.monotonic():
                self._drop(key)
                return None
            self._entries.move_to_end(key)
            return body

    def put(self, key: Hashable, body: bytes, ttl_seconds: float | None = None) -> None:
        """Keep `body` for the cache's TTL, or for `ttl_seconds` when that is shorter."""
        ttl = self.ttl_seconds if ttl_seconds is None else min(ttl_seconds, self.ttl_seconds)
        if ttl <= 0 or (self.max_bytes is not None and len(body) > self.max_bytes):
            return
        with self._lock:
            if key in self._entries:
                self._drop(key)
            self._entries[key] = (time.monotonic() + ttl, body)
            self._bytes += len(body)
            while len(self._entries) > self.max_entries or (
                self.max_bytes is not None and self._bytes > self.max_bytes
            ):
                self._drop(next(iter(self._entries)))

    def _drop(self, key: Hashable) -> None:
        _, body = self._entries.pop(key)
        self._bytes -= len(body)

    @property
    def size_in_bytes(self) -> int:
        return self._bytes

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0


PUBLIC_PAGE_ATTRIBUTE = "awards_public_page"


def init_app(app) -> None:
    app.extensions["awards_page_cache"] = PageCache(app.config["PUBLIC_PAGE_CACHE_SECONDS"])
    # First of all: a page served from memory skips every other hook (rate limits, sign-in).
    app.before_request_funcs.setdefault(None, []).insert(0, serve_from_public_cache)


def kept_for_anonymous(view: Callable) -> Callable:
    """Marks a view that answers through `cached_for_anonymous`, so that a request its cache
    can answer is answered before anything else runs."""
    setattr(view, PUBLIC_PAGE_ATTRIBUTE, True)
    return view


def page_cache() -> PageCache:
    return current_app.extensions["awards_page_cache"]


def is_anonymous_visit() -> bool:
    """Nothing in the page depends on who is asking: no account, and no message waiting to be
    flashed. (The language a visitor picked is in the session too, and part of the key.)"""
    return not current_user.is_authenticated and "_flashes" not in session


def forget_public_pages() -> None:
    """Called by the changes that alter public pages, so that their author sees the result at
    once (other processes within the TTL)."""
    if has_app_context():
        page_cache().clear()


def cached_for_anonymous(render: Callable[[], str]) -> Response:
    """`render()` as a response, from the cache when the visitor is anonymous and this page in
    this language was rendered less than the TTL ago. `render` may abort (a 404 is not kept)."""
    if not is_anonymous_visit():
        return make_response(render())
    key = _anonymous_key()
    cache = page_cache()
    body = cache.get(key)
    if body is None:
        body = render().encode()
        cache.put(key, body)
    return _public_response(body, cache)


def serve_from_public_cache():
    if request.method != "GET" or request.endpoint is None:
        return None
    view = current_app.view_functions.get(request.endpoint)
    if not getattr(view, PUBLIC_PAGE_ATTRIBUTE, False) or not is_anonymous_visit():
        return None
    cache = page_cache()
    body = cache.get(_anonymous_key())
    return None if body is None else _public_response(body, cache)


def _anonymous_key() -> tuple:
    return (request.full_path, str(get_locale()))


def _public_response(body: bytes, cache: PageCache) -> Response:
    response = current_app.response_class(body, content_type="text/html; charset=utf-8")
    # Shared caches in front of the app (a CDN) may keep it for as long as this process does.
    response.headers["Cache-Control"] = f"public, max-age={int(cache.ttl_seconds)}"
    return response
