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
    def __init__(self, ttl_seconds: float, max_entries: int = MAX_ENTRIES) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, tuple[float, bytes]] = OrderedDict()
        self._lock = threading.Lock()  # gunicorn's threaded workers share one process

    def get(self, key: Hashable) -> bytes | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            expires, body = found
            if expires <= time.monotonic():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return body

    def put(self, key: Hashable, body: bytes) -> None:
        if self.ttl_seconds <= 0:
            return
        with self._lock:
            self._entries[key] = (time.monotonic() + self.ttl_seconds, body)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def init_app(app) -> None:
    app.extensions["awards_page_cache"] = PageCache(app.config["PUBLIC_PAGE_CACHE_SECONDS"])


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
    key = (request.full_path, str(get_locale()))
    cache = page_cache()
    body = cache.get(key)
    if body is None:
        body = render().encode()
        cache.put(key, body)
    response = make_response(body)
    response.content_type = "text/html; charset=utf-8"
    # Shared caches in front of the app (a CDN) may keep it for as long as this process does.
    response.headers["Cache-Control"] = f"public, max-age={int(cache.ttl_seconds)}"
    return response
