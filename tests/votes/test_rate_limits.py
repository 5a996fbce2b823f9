"""Floods get the app's own 429 page, per network prefix and per address, and the counters are
shared by every app instance when they live in Redis."""

from __future__ import annotations

import secrets

import redis
from limits.storage import RedisStorage

from awards.extensions import db as _db
from awards.votes import services
from tests.accounts.helpers import other_apps
from tests.conftest import IsolatedClient
from tests.votes.conftest import cast, confirm, votes

FLOOD_MESSAGE = "Too many votes came from your network or for this e-mail address"


def test_network_prefixes_group_ipv4_by_24_and_ipv6_by_48():
    assert services.network_prefix("203.0.113.77") == "203.0.113.0/24"
    assert services.network_prefix("2001:db8:abcd:12::1") == "2001:db8:abcd::/48"
    assert services.network_prefix("::ffff:203.0.113.77") == "203.0.113.0/24"
    assert services.network_prefix(None) == "unknown"
    assert services.network_prefix("not an ip") == "unknown"


def test_flood_from_one_network_gets_429(client, db, app, ballot, monkeypatch):
    monkeypatch.setitem(app.config, "VOTE_RATE_LIMIT_NETWORK", "3 per minute")
    entry = ballot.entries[0]
    for n in range(3):
        response = cast(client, ballot, entry, f"resident{n}@example.org", ip=f"203.0.113.{10 + n}")
        assert response.status_code == 302
    # Another machine of the same /24.
    response = cast(client, ballot, entry, "resident9@example.org", ip="203.0.113.99")
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert FLOOD_MESSAGE in page
    assert "Nothing was counted from this attempt." in page
    assert "Retry-After" in response.headers
    assert len(votes(db)) == 3
    # Other networks are not affected.
    assert cast(client, ballot, entry, "elsewhere@example.org", ip="192.0.2.5").status_code == 302


def test_many_attempts_for_one_address_get_429(client, db, app, ballot, monkeypatch):
    monkeypatch.setitem(app.config, "VOTE_RATE_LIMIT_ADDRESS", "2 per hour")
    entry = ballot.entries[0]
    assert cast(client, ballot, entry, "target@gmail.com", ip="192.0.2.1").status_code == 302
    assert cast(client, ballot, entry, "Target@gmail.com", ip="198.51.100.1").status_code == 302
    # The same mailbox spelt another way, from a third network.
    response = cast(client, ballot, entry, "t.a.r.g.e.t+spam@gmail.com", ip="203.0.113.1")
    assert response.status_code == 429
    assert FLOOD_MESSAGE in response.get_data(as_text=True)
    assert len(votes(db)) == 2
    response = cast(client, ballot, entry, "someone.else@gmail.com", ip="203.0.113.1")
    assert response.status_code == 302


def test_confirmation_flood_gets_429(client, app, ballot, monkeypatch):
    monkeypatch.setitem(app.config, "VOTE_RATE_LIMIT_CONFIRM", "2 per minute")
    assert confirm(client, "guess-1").status_code == 404
    assert confirm(client, "guess-2").status_code == 404
    response = confirm(client, "guess-3")
    assert response.status_code == 429
    assert FLOOD_MESSAGE in response.get_data(as_text=True)


def test_rate_limits_are_shared_between_instances_through_redis(app, db, ballot):
    """Two app instances (as two gunicorn machines would be) count against one Redis."""
    prefix = f"awards-test-{secrets.token_hex(4)}"
    overrides = {
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
        "RATELIMIT_KEY_PREFIX": prefix,
        "VOTE_RATE_LIMIT_ADDRESS": "2 per hour",
    }
    address = f"shared-{secrets.token_hex(3)}@example.org"
    server = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    instances = []
    with other_apps(app) as make_app:
        try:
            first = make_app(**overrides)
            instances.append(first)
            assert isinstance(first.extensions["awards_rate_limits"].storage, RedisStorage)
            client = IsolatedClient(first, first.response_class)
            for ip in ("192.0.2.10", "192.0.2.11"):
                assert cast(client, ballot, ballot.entries[0], address, ip=ip).status_code == 302

            # A second instance starts with nothing in its own memory, yet knows the count.
            second = make_app(**overrides)
            instances.append(second)
            client = IsolatedClient(second, second.response_class)
            response = cast(client, ballot, ballot.entries[0], address, ip="198.51.100.200")
            assert response.status_code == 429
            assert FLOOD_MESSAGE in response.get_data(as_text=True)

            keys = [k.decode() for k in server.scan_iter(match=f"*{prefix}*")]
            assert keys  # the counters are in Redis
            assert not [k for k in keys if address in k or "example.org" in k]  # hashed
            assert any(services.email_hash(address) in k for k in keys)
        finally:
            for key in server.scan_iter(match=f"*{prefix}*"):
                server.delete(key)
            server.close()
            for instance in instances:
                with instance.app_context():
                    _db.engine.dispose()
    assert len(votes(db)) == 2
