"""Rate limits counted by the views that need them (awards/core/rate_limits.py)."""

from __future__ import annotations

import threading
import time

import pytest
from werkzeug.exceptions import TooManyRequests

from awards.core.rate_limits import MemoryCounters, RateLimits


@pytest.fixture
def limits() -> RateLimits:
    return RateLimits("memory://")


def test_the_request_over_the_limit_is_refused_with_retry_after(limits):
    for _ in range(3):
        limits.hit("3 per minute", "scope", "key")
    with pytest.raises(TooManyRequests) as refused:
        limits.hit("3 per minute", "scope", "key")
    assert 1 <= refused.value.retry_after <= 61
    # Another key, or the same key in another scope, counts on its own.
    limits.hit("3 per minute", "scope", "other key")
    limits.hit("3 per minute", "other scope", "key")


def test_every_limit_of_a_list_counts(limits):
    limits.hit("5 per minute;2 per hour", "scope", "key")
    limits.hit("5 per minute;2 per hour", "scope", "key")
    with pytest.raises(TooManyRequests):
        limits.hit("5 per minute;2 per hour", "scope", "key")


def test_counting_only_failures(limits):
    """The sign-in form asks first without counting, and counts the attempts that failed."""
    for _ in range(10):
        limits.ensure_available("2 per minute", "login", "ana")  # successes: nothing counted
    limits.count("2 per minute", "login", "ana")
    limits.count("2 per minute", "login", "ana")
    with pytest.raises(TooManyRequests):
        limits.ensure_available("2 per minute", "login", "ana")


def test_reset_forgets_every_count(limits):
    limits.hit("1 per minute", "scope", "key")
    limits.reset()
    limits.hit("1 per minute", "scope", "key")


def test_switched_off_counts_nothing():
    limits = RateLimits("memory://", enabled=False)
    for _ in range(5):
        limits.hit("1 per minute", "scope", "key")


def test_pages_that_limit_nothing_touch_no_counter(app, client, db):
    """No hook looks for limits on every request: a page view leaves the storage empty."""
    storage = app.extensions["awards_rate_limits"].storage
    assert client.get("/login").status_code == 200
    assert client.get("/vote/").status_code in (200, 302)
    assert len(storage) == 0


def test_a_counter_starts_again_when_its_window_has_passed():
    counters = MemoryCounters()
    assert [counters.incr("key", expiry=60) for _ in range(3)] == [1, 2, 3]
    assert counters.get("key") == 3
    counters._counters["key"][1] = time.time() - 1  # the window has passed
    assert counters.get("key") == 0
    assert counters.incr("key", expiry=60) == 1
    assert time.time() + 59 < counters.get_expiry("key") <= time.time() + 60


def test_memory_counters_start_no_thread_and_sweep_out_old_windows():
    """The library's memory storage scanned every key from a timer thread every 10 ms; with a
    key per voter that took a core. These counters sweep old windows out once in a while."""
    counters = MemoryCounters()
    threads = threading.active_count()
    for number in range(1000):
        counters.incr(f"voter-{number}", expiry=60)
    assert threading.active_count() == threads
    assert len(counters) == 1000
    for number in range(900):
        counters._counters[f"voter-{number}"][1] = time.time() - 1
    counters.incr("one more", expiry=60)  # the sweep is not due yet
    assert len(counters) == 1001
    counters._next_sweep = time.time()
    counters.incr("and another", expiry=60)
    assert len(counters) == 102
    assert counters.get("voter-950") == 1


def test_memory_is_chosen_for_the_memory_uri():
    assert isinstance(RateLimits("memory://").storage, MemoryCounters)
