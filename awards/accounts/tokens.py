"""Signed, expiring tokens for e-mailed links."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from awards.db import utcnow
from awards.errors import DomainError

PURPOSE_MAX_AGE = {
    "verify": "TOKEN_MAX_AGE_VERIFY",
    "reset": "TOKEN_MAX_AGE_RESET",
    "invite": "TOKEN_MAX_AGE_INVITE",
    "vote": "TOKEN_MAX_AGE_VOTE",
}


class InvalidToken(DomainError):
    pass


class ExpiredToken(InvalidToken):
    """The signature is good but the link is older than its purpose's max age."""


class _AppClockSigner(TimestampSigner):
    """Stamps and ages tokens with the app's own clock (`utcnow`), so a link expires on the same
    clock as everything else, and a test that freezes the clock sees it expire."""

    def get_timestamp(self) -> int:
        return int(utcnow().timestamp())


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return _serializer_for(current_app.config["SECRET_KEY"], purpose)


@lru_cache(maxsize=16)  # a rush of votes signs and reads a link per request
def _serializer_for(secret_key: str, purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=f"awards-{purpose}", signer=_AppClockSigner)


def make_token(purpose: str, payload: dict[str, Any]) -> str:
    return _serializer(purpose).dumps(payload)


def read_token(purpose: str, token: str) -> dict[str, Any]:
    max_age = current_app.config[PURPOSE_MAX_AGE[purpose]]
    try:
        return _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise ExpiredToken(
            _("This link has expired. Please ask for a new one."), field="token"
        ) from exc
    except BadSignature as exc:
        raise InvalidToken(
            _(
                "This link is not valid. Please use the latest link we sent you, "
                "or ask for a new one."
            ),
            field="token",
        ) from exc


def password_fingerprint(password_hash: str | None) -> str:
    """Changes whenever the password changes, which makes a reset link single-use."""
    return hashlib.sha256((password_hash or "").encode()).hexdigest()[:16]
