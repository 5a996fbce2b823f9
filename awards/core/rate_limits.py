"""Rate limits: counters in memory, or in Redis shared by every instance (RATELIMIT_STORAGE_URI).

Views count explicitly, where they know what to count: the sign-in form counts only failed
attempts, the vote counts per network and per address hash. Nothing runs on requests that
count nothing (a middleware checking every request for limits that only a few views have cost
about a tenth of a simple page).

Limits are strings such as "60 per minute;1000 per hour" (the `limits` library's notation),
parsed once. Over a limit, the view's request ends with 429 and a Retry-After header; the
error handlers word the page.
"""

from __future__ import annotations

import time
from functools import lru_cache

from flask import Flask, current_app
from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

EXTENSION_KEY = "awards_rate_limits"


@lru_cache(maxsize=64)
def _parsed(limits: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(limits))


class RateLimits:
    def __init__(self, storage_uri: str, *, key_prefix: str = "", enabled: bool = True) -> None:
        self.storage = storage_from_string(storage_uri)
        self.strategy = FixedWindowRateLimiter(self.storage)
        self.key_prefix = key_prefix
        self.enabled = enabled

    def _identifiers(self, scope: str, key: str) -> tuple[str, ...]:
        name = f"{scope}:{key}"
        return (self.key_prefix, name) if self.key_prefix else (name,)

    def hit(self, limits: str, scope: str, key: str) -> None:
        """Count one request of `key` against each limit; over any of them, 429."""
        self._apply(self.strategy.hit, limits, scope, key, refuse=True)

    def count(self, limits: str, scope: str, key: str) -> None:
        """Count one request of `key` against each limit, refusing nothing (the failures that
        `ensure_available` then refuses)."""
        self._apply(self.strategy.hit, limits, scope, key, refuse=False)

    def ensure_available(self, limits: str, scope: str, key: str) -> None:
        """429 if `key` has used up any of the limits, without counting this request (for
        limits that count only failures: `count` them once the request has failed)."""
        self._apply(self.strategy.test, limits, scope, key, refuse=True)

    def _apply(self, within_limit, limits: str, scope: str, key: str, *, refuse: bool) -> None:
        if not self.enabled:
            return
        identifiers = self._identifiers(scope, key)
        for item in _parsed(limits):
            if not within_limit(item, *identifiers) and refuse:
                self._refuse(item, identifiers)

    def _refuse(self, item: RateLimitItem, identifiers: tuple[str, ...]) -> None:
        reset_at = self.strategy.get_window_stats(item, *identifiers).reset_time
        raise TooManyRequests(retry_after=max(1, int(reset_at - time.time()) + 1))

    def reset(self) -> None:
        self.storage.reset()


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION_KEY] = RateLimits(
        app.config["RATELIMIT_STORAGE_URI"],
        key_prefix=app.config.get("RATELIMIT_KEY_PREFIX", ""),
        enabled=app.config.get("RATELIMIT_ENABLED", True),
    )


def rate_limits() -> RateLimits:
    return current_app.extensions[EXTENSION_KEY]


def enforce(limits: str, scope: str, key: str) -> None:
    """Count this request against `limits` for `key` in `scope`; over them, 429."""
    rate_limits().hit(limits, scope, key)
