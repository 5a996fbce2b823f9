"""Helpers shared by the account and security tests: a test client whose requests run in an
app context of their own, and readers for received e-mails and rendered forms."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from flask import Flask

from tests.factories import PASSWORD

NEW_PASSWORD = "a-brand-new-passphrase"


# What a second app shares with the suite's app: the same database, S3 store and SMTP server.
_SHARED_CONFIG = (
    "SQLALCHEMY_DATABASE_URI",
    "S3_ENDPOINT_URL",
    "S3_ACCESS_KEY_ID",
    "S3_SECRET_ACCESS_KEY",
    "S3_BUCKET",
    "SMTP_HOST",
    "SMTP_PORT",
    "SMTP_TIMEOUT",
)


@contextmanager
def other_apps(app: Flask) -> Iterator[Callable[..., Flask]]:
    """Yields a builder of apps like the suite's `app` but with config overrides.

    Each app counts rate limits in its own storage (or the Redis its config names).
    """
    from awards import create_app
    from config import TestConfig

    def build(config=TestConfig, **overrides) -> Flask:
        return create_app(config, {key: app.config[key] for key in _SHARED_CONFIG} | overrides)

    yield build


def only_message_to(mailbox, address: str):
    """The one message `address` received (fails if there are none or several)."""
    received = mailbox.messages_to(address)
    assert len(received) == 1, [m["Subject"] for m in received]
    return received[0]


def link_path(message) -> str:
    """The path of the single http(s) link in a received message's text."""
    links = re.findall(r"https?://\S+", message.get_content())
    links = [link for link in links if urlsplit(link).path not in ("", "/")]
    assert len(links) == 1, links
    return urlsplit(links[0]).path


def field_error(html: str, field_id: str) -> str:
    """The error text shown next to a form field by the field() macro."""
    match = re.search(rf'<div id="{field_id}-error"[^>]*>(.*?)</div>', html, re.S)
    assert match, f"no error shown next to #{field_id}"
    return " ".join(match.group(1).split())


def input_value(html: str, field_id: str) -> str | None:
    match = re.search(rf'<input[^>]*\bid="{field_id}"[^>]*>', html)
    assert match, f"no input #{field_id}"
    value = re.search(r'\bvalue="([^"]*)"', match.group(0))
    return value.group(1) if value else None


def sign_in(client, email: str, password: str = PASSWORD, **extra):
    return client.post("/login", data={"email": email, "password": password, **extra})
