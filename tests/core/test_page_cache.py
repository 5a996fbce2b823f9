"""The in-process cache of public pages: expiry, size bound, and who is served from it."""

from __future__ import annotations

import pytest

from awards.core import page_cache as module
from awards.core.page_cache import PageCache


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(module.time, "monotonic", lambda: now[0])
    return now


def test_an_entry_is_served_until_its_time_is_up(clock):
    cache = PageCache(ttl_seconds=60)
    cache.put("results", b"<h1>Winners</h1>")

    clock[0] += 59.9
    assert cache.get("results") == b"<h1>Winners</h1>"
    clock[0] += 0.1
    assert cache.get("results") is None


def test_the_oldest_used_entry_goes_first_beyond_the_limit(clock):
    cache = PageCache(ttl_seconds=60, max_entries=2)
    cache.put("en", b"en")
    cache.put("zh", b"zh")
    assert cache.get("en") == b"en"  # now the most recently used
    cache.put("fr", b"fr")

    assert (cache.get("en"), cache.get("zh"), cache.get("fr")) == (b"en", None, b"fr")


def test_a_ttl_of_zero_keeps_nothing(clock):
    cache = PageCache(ttl_seconds=0)
    cache.put("results", b"page")
    assert cache.get("results") is None


def test_clear_forgets_everything(clock):
    cache = PageCache(ttl_seconds=60)
    cache.put("results", b"page")
    cache.clear()
    assert cache.get("results") is None
