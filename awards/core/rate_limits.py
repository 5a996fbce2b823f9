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

import threading
import time
from functools import lru_cache

from flask import Flask, current_app
from limits import RateLimitItem, parse_many
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

EXTENSION_KEY = "awards_rate_limits"


@lru_cache(maxsize=64)
def _parsed(limits: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(limits))


class MemoryCounters(Storage):
    """Fixed-window counters in this process's memory, for "memory://".

    The `limits` library's own memory storage expires keys from a timer thread that scans every
    key each 10 ms, and is started again by the next hit. A public vote keeps a key per voter's
    address for a day: with tens of thousands of them that scan alone kept a core busy. Here an
    expired counter is replaced when it is next hit, and the expired ones are swept out at most
    once a minute by the request that finds the sweep due, so memory holds the current windows.
    """

    STORAGE_SCHEME = None  # not registered: RateLimits picks it for "memory://"
    SWEEP_SECONDS = 60

    def __init__(self) -> None:
        super().__init__()
        self._counters: dict[str, list[float]] = {}  # key -> [count, expires at (time.time())]
        self._lock = threading.Lock()
        self._next_sweep = time.time() + self.SWEEP_SECONDS

    @property
    def base_exceptions(self) -> type[Exception]:
        return ValueError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        with self._lock:
            if now >= self._next_sweep:
                self._sweep(now)
            counter = self._counters.get(key)
            if counter is None or counter[1] <= now:
                counter = self._counters[key] = [0, now + expiry]
            counter[0] += amount
            return int(counter[0])

    def get(self, key: str) -> int:
        counter = self._counters.get(key)
        return int(counter[0]) if counter is not None and counter[1] > time.time() else 0

    def get_expiry(self, key: str) -> float:
        counter = self._counters.get(key)
        return counter[1] if counter is not None else time.time()

    def check(self) -> bool:
        return True

    def reset(self) -> int:
        with self._lock:
            count = len(self._counters)
            self._counters = {}
            return count

    def clear(self, key: str) -> None:
        with self._lock:
            self._counters.pop(key, None)

    def __len__(self) -> int:
        return len(self._counters)

    def _sweep(self, now: float) -> None:
        self._counters = {key: c for key, c in self._counters.items() if c[1] > now}
        self._next_sweep = now + self.SWEEP_SECONDS


def _storage(storage_uri: str) -> Storage:
    if storage_uri.rstrip("/") == "memory:":
        return MemoryCounters()
    return storage_from_string(storage_uri)


class RateLimits:
    def __init__(self, storage_uri: str, *, key_prefix: str = "", enabled: bool = True) -> None:
        self.storage = _storage(storage_uri)
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
