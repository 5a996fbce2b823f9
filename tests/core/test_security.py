"""Security basics: CSRF on every form, the app's own error pages, one commit per request,
passwords kept out of logs and stored as argon2 hashes, secure cookies in production, and pages
that satisfy the Content-Security-Policy."""

from __future__ import annotations

import html
import logging
import re

import pytest
from argon2 import PasswordHasher
from flask import Blueprint, abort
from sqlalchemy import select

from awards.accounts.models import Organisation, User
from awards.accounts.permissions import public
from awards.core.models import AuditEvent, OutboxMessage
from awards.security import safe_redirect_target
from config import ProductionConfig
from tests.accounts.helpers import link_path, only_message_to, other_apps
from tests.conftest import IsolatedClient
from tests.factories import (
    PASSWORD,
    AdminFactory,
    ApplicantFactory,
    JudgeFactory,
    SecretariatFactory,
    UserFactory,
)


def _client(app):
    return IsolatedClient(app, app.response_class, use_cookies=True)


@pytest.fixture
def client(app):
    return _client(app)


@pytest.fixture
def make_app(app):
    with other_apps(app) as build:
        yield build


def _csrf_token(page_html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page_html).group(1)


def assert_own_error_page(response, code: int, title: str) -> None:
    assert response.status_code == code
    assert response.mimetype == "text/html"
    page = html.unescape(response.text)
    assert f'<p class="display-5 text-body-secondary mb-2">{code}</p>' in page
    assert f'<h1 class="h2">{title}</h1>' in page
    assert "Go to the start page" in page
    assert 'aria-label="Main navigation"' in page  # the app's layout, not a bare server page
    assert "Content-Security-Policy" in response.headers


# CSRF ------------------------------------------------------------------------------------------


def test_csrf_post_without_token_gets_own_400_page_and_with_token_succeeds(make_app, db):
    UserFactory(email="ana@bogota.gov.co")
    client = _client(make_app(WTF_CSRF_ENABLED=True))
    form = {"email": "ana@bogota.gov.co", "password": PASSWORD}

    refused = client.post("/login", data=form)
    assert_own_error_page(refused, 400, "The request could not be understood")
    assert (
        "The form could not be accepted: it has expired or was not sent from this site. "
        "Please reload the page and try again." in refused.text
    )
    forged = client.post("/login", data=form | {"csrf_token": "forged"})
    assert forged.status_code == 400
    assert client.get("/account").status_code == 302  # still signed out

    token = _csrf_token(client.get("/login").text)
    accepted = client.post("/login", data=form | {"csrf_token": token})
    assert accepted.status_code == 302
    assert accepted.headers["Location"] == "/applications/"
    assert client.get("/account").status_code == 200


def test_csrf_protects_forms_outside_the_accounts_pages_too(make_app, db):
    client = _client(make_app(WTF_CSRF_ENABLED=True))
    assert client.post("/language", data={"locale": "fr"}).status_code == 400
    token = _csrf_token(client.get("/login").text)
    assert client.post("/language", data={"locale": "fr", "csrf_token": token}).status_code == 302


@pytest.mark.parametrize(
    ("target", "safe"),
    [
        ("/account", "/account"),
        ("/applications/?cycle=7#top", "/applications/?cycle=7#top"),
        ("", None),
        (None, None),
        ("account", None),
        ("//evil.example", None),
        ("/\\evil.example", None),
        ("/\t/evil.example", None),
        ("https://evil.example/", None),
        ("javascript:alert(1)", None),
    ],
)
def test_safe_redirect_target_keeps_only_paths_on_this_site(target, safe):
    assert safe_redirect_target(target) == safe


# Error pages -----------------------------------------------------------------------------------


def test_unknown_page_gets_own_404_page(client):
    assert_own_error_page(client.get("/no/such/page"), 404, "Page not found")


def test_unknown_api_path_gets_a_json_error(client):
    response = client.get("/api/nothing")
    assert response.status_code == 404
    assert response.get_json() == {
        "error": "Page not found",
        "message": "The address may be mistyped, or the page no longer exists.",
        "status": 404,
    }


def test_page_of_another_role_gets_own_403_page(client, login_as, db):
    login_as(ApplicantFactory())
    assert_own_error_page(client.get("/secretariat/"), 403, "You do not have access to this page")


def test_wrong_method_gets_own_405_page(client, login_as, db):
    login_as(ApplicantFactory())
    assert_own_error_page(client.get("/logout"), 405, "This action is not allowed here")


def test_too_large_request_gets_own_413_page(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    response = client.post("/password/forgot", data={"email": "a@b.org", "padding": "x" * 4096})
    assert_own_error_page(response, 413, "The upload is too large")
    assert "Nothing was saved from this upload." in response.text


def test_too_many_attempts_gets_own_429_page(app, client, db, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "1 per minute")
    assert client.post("/login", data={"email": "a@b.org", "password": "nope"}).status_code == 401
    response = client.post("/login", data={"email": "a@b.org", "password": "nope"})
    assert_own_error_page(response, 429, "Too many attempts")
    assert int(response.headers["Retry-After"]) > 0


def _boundary_blueprint():
    """Test-only views that change the database and then end in different ways."""
    from awards.extensions import db

    bp = Blueprint("boundary_test", __name__)

    def add(name):
        db.session.add(Organisation(name=name, country_code="KE", region="Africa"))
        db.session.flush()

    @bp.post("/test/explode")
    @public
    def explode():
        add("Half-made by a crash")
        raise RuntimeError("secret internal detail")

    @bp.post("/test/refuse")
    @public
    def refuse():
        add("Half-made by a refusal")
        abort(403)

    @bp.post("/test/succeed")
    @public
    def succeed():
        add("Made")
        return "done"

    return bp


def test_unexpected_error_rolls_back_and_gets_own_500_page(make_app, db, caplog):
    other = make_app()
    other.register_blueprint(_boundary_blueprint())
    client = _client(other)

    response = client.post("/test/explode")
    assert_own_error_page(response, 500, "Something went wrong on our side")
    assert "secret internal detail" not in response.text
    assert "Unhandled error on POST /test/explode" in caplog.text

    assert client.post("/test/refuse").status_code == 403
    assert client.post("/test/succeed").status_code == 200
    # Only the request that succeeded left its row.
    assert db.session.scalars(select(Organisation.name)).all() == ["Made"]


# Passwords -------------------------------------------------------------------------------------


def test_passwords_never_reach_logs_mail_or_audit_and_are_stored_argon2_hashed(
    client, db, caplog, mailbox, deliver_mail
):
    caplog.set_level(logging.DEBUG)
    # Even with every SQL statement and its parameters logged, as when debugging production.
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    first, second = "First-secret-passphrase", "Second-secret-passphrase"
    client.post(
        "/register",
        data={"name": "Ana", "email": "ana@bogota.gov.co", "password": first, "confirm": first},
    )
    client.post("/login", data={"email": "ana@bogota.gov.co", "password": first})
    deliver_mail()
    client.get(link_path(only_message_to(mailbox, "ana@bogota.gov.co")))
    client.post("/login", data={"email": "ana@bogota.gov.co", "password": first + "typo"})
    client.post("/password/forgot", data={"email": "ana@bogota.gov.co"})
    deliver_mail()
    reset = link_path(mailbox.messages_to("ana@bogota.gov.co")[-1])
    assert client.post(reset, data={"password": second, "confirm": second}).status_code == 302
    assert (
        client.post("/login", data={"email": "ana@bogota.gov.co", "password": second}).headers[
            "Location"
        ]
        == "/applications/"
    )

    logged = {record.name for record in caplog.records}
    assert {"sqlalchemy.engine.Engine", "mail.log"} <= logged, "the capture would prove nothing"
    stored = db.session.scalar(select(User.password_hash))
    traces = [
        caplog.text,
        *(str(record.args) for record in caplog.records),
        *(m.as_string() for m in mailbox.messages),
        *db.session.scalars(select(OutboxMessage.body_text)),
        *(f"{e.before} {e.after} {e.message}" for e in db.session.scalars(select(AuditEvent))),
        stored,
    ]
    for secret in (first, second):
        assert not [trace for trace in traces if secret in trace]

    assert stored.startswith("$argon2id$")
    assert PasswordHasher().verify(stored, second)


# Cookies in production -------------------------------------------------------------------------


def _cookie_flags(response, name: str) -> set[str]:
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}="))
    return {part.strip() for part in header.split(";")[1:]}


def test_production_cookies_are_secure_httponly_samesite_and_https_is_pinned(
    make_app, db, monkeypatch
):
    monkeypatch.setenv("SECRET_KEY", "production-secret-" + "x" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://unused@127.0.0.1/unused")
    monkeypatch.setenv("VOTE_HASH_KEY", "vote-hash-key-" + "y" * 40)
    production = make_app(ProductionConfig)
    UserFactory(email="ana@bogota.gov.co")
    client = _client(production)
    site = "https://awards.example.org"

    page = client.get("/login", base_url=site)
    assert {"Secure", "HttpOnly", "SameSite=Lax"} <= _cookie_flags(page, "session")
    assert page.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"

    response = client.post(
        "/login",
        base_url=site,
        headers={"Referer": f"{site}/login"},  # CSRF over HTTPS also checks the referrer
        data={
            "email": "ana@bogota.gov.co",
            "password": PASSWORD,
            "remember": "y",
            "csrf_token": _csrf_token(page.text),
        },
    )
    assert response.status_code == 302
    assert {"Secure", "HttpOnly", "SameSite=Lax"} <= _cookie_flags(response, "session")
    assert {"Secure", "HttpOnly", "SameSite=Lax"} <= _cookie_flags(response, "remember_token")


# Content-Security-Policy -----------------------------------------------------------------------

INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline script"),
    (re.compile(r"<style\b", re.I), "style element"),
    (re.compile(r"\sstyle=", re.I), "style attribute"),
    (re.compile(r"\son[a-z]+=", re.I), "event-handler attribute"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


@pytest.mark.parametrize(
    ("factory", "paths"),
    [
        (None, ["/", "/login", "/register", "/password/forgot", "/no/such/page"]),
        (ApplicantFactory, ["/applications/", "/organisation", "/account"]),
        (UserFactory, ["/organisation/new"]),
        (JudgeFactory, ["/judging/", "/account"]),
        (SecretariatFactory, ["/secretariat/"]),
        (AdminFactory, ["/secretariat/"]),
    ],
)
def test_pages_use_no_inline_script_or_style_the_policy_would_block(
    client, login_as, db, factory, paths
):
    if factory is not None:
        login_as(factory())
    for path in paths:
        response = client.get(path)
        assert response.status_code in (200, 404), path
        for pattern, what in INLINE:
            assert not pattern.search(response.text), f"{what} on {path}"


def test_the_session_signer_is_built_once_per_secret_key(app):
    """Every request opens the session and most save it: the signer is kept, and a new one is
    made when the secret key changes (a rotation), so old cookies stop opening sessions."""
    from itsdangerous import BadSignature

    interface = app.session_interface
    first = interface.get_signing_serializer(app)
    assert interface.get_signing_serializer(app) is first
    cookie = first.dumps({"_user_id": "7"})
    old_key = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"] = "a-new-secret-key-after-rotation-0123456789"
    try:
        rotated = interface.get_signing_serializer(app)
        assert rotated is not first
        with pytest.raises(BadSignature):
            rotated.loads(cookie)
    finally:
        app.config["SECRET_KEY"] = old_key
    assert interface.get_signing_serializer(app).loads(cookie) == {"_user_id": "7"}
