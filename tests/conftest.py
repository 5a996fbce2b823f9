"""Fixtures: the app on a real database (SQLite, or PostgreSQL with TEST_DATABASE_URL), a real
SeaweedFS for attachments and a real SMTP server for mail."""

from __future__ import annotations

import contextvars
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from flask_login.utils import _create_identifier
from sqlalchemy import create_engine, make_url, text

from awards import create_app
from awards.devstack import SeaweedFS, SMTPSink
from awards.extensions import db as _db
from config import TestConfig

S3_ACCESS_KEY = "test-access-key"
S3_SECRET_KEY = "test-secret-key-0123456789"


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory) -> Iterator[SeaweedFS]:
    server = SeaweedFS(
        tmp_path_factory.mktemp("seaweedfs"), access_key=S3_ACCESS_KEY, secret_key=S3_SECRET_KEY
    ).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SMTPSink]:
    sink = SMTPSink().start()
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    """A database of its own for this run: parallel runs never share tables."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'awards-test.sqlite3'}"
        return
    name = f"awards_test_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(base).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def app_overrides(database_url: str, seaweed: SeaweedFS, smtp_server: SMTPSink) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "S3_ENDPOINT_URL": seaweed.endpoint_url,
        "S3_ACCESS_KEY_ID": S3_ACCESS_KEY,
        "S3_SECRET_ACCESS_KEY": S3_SECRET_KEY,
        "S3_BUCKET": f"awards-test-{secrets.token_hex(3)}",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": smtp_server.port,
        "SMTP_TIMEOUT": 5,
    }


class IsolatedClient(FlaskClient):
    """A test client whose every request gets a fresh app context, as in production.

    The suite keeps an app context open for the whole test (for factories and queries), and
    Flask reuses an open context for requests: `g` (Flask-Login's user, Flask-Babel's locale)
    and the database session would leak from one request into the next. Here each request is
    isolated, and the test's own session re-reads what the request committed.
    """

    def open(self, *args, **kwargs):
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():
            _db.session.expire_all()
        return response

    @contextmanager
    def session_transaction(self, *args, **kwargs):
        # Flask opens the session in a throw-away request context whose teardown would close
        # the test's database session; it gets a context of its own too.
        isolated = contextvars.Context()
        transaction = super().session_transaction(*args, **kwargs)
        session = isolated.run(transaction.__enter__)
        try:
            yield session
        finally:
            isolated.run(transaction.__exit__, None, None, None)


@pytest.fixture(scope="session")
def app(database_url, seaweed, smtp_server):
    app = create_app(TestConfig, app_overrides(database_url, seaweed, smtp_server))
    app.test_client_class = IsolatedClient
    with app.app_context():
        _db.create_all()
        app.extensions["awards_storage"].ensure_bucket()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


def _empty_all_tables() -> None:
    tables = list(reversed(_db.metadata.sorted_tables))
    if _db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        _db.session.execute(text(f"TRUNCATE TABLE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            _db.session.execute(table.delete())
    _db.session.commit()


@pytest.fixture(autouse=True)
def _clean_state(request, smtp_server):
    """Each test starts with empty tables, an empty mailbox, fresh rate limits and no cached
    page."""
    smtp_server.messages.clear()
    if "app" not in request.fixturenames:
        yield
        return
    app = request.getfixturevalue("app")
    app.extensions["awards_page_cache"].clear()
    app.extensions["awards_private_cache"].clear()
    with app.app_context():
        app.extensions["awards_rate_limits"].reset()
        yield
        _db.session.rollback()
        _empty_all_tables()
        _db.session.remove()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()  # an IsolatedClient (see `app`)


@pytest.fixture
def storage(app):
    return app.extensions["awards_storage"]


@pytest.fixture
def mailbox(smtp_server) -> SMTPSink:
    return smtp_server


def login(client, user) -> None:
    """Sign a test client in as `user` without going through the form."""
    user_id = str(user.id)  # read first: the session transaction ends the db session
    identifier = contextvars.Context().run(_identifier_of, client)
    with client.session_transaction() as session:
        session["_user_id"] = user_id
        session["_fresh"] = True
        # What Flask-Login's own sign-in stores: with it, pages kept per viewer are served from
        # memory in every test that signs in this way, as in production.
        session["_id"] = identifier
        # The sign-in form left its form token behind, as in a browser.
        session["csrf_token"] = secrets.token_hex(20)


def _identifier_of(client) -> str:
    """The browser fingerprint Flask-Login would record for this client's requests."""
    with client.application.test_request_context(environ_base=client.environ_base):
        return _create_identifier()


@pytest.fixture
def login_as(client):
    def _login(user):
        login(client, user)
        return client

    return _login


@pytest.fixture
def deliver_mail(app):
    """Run the worker's delivery pass, as `flask awards worker --once` does."""
    from awards.mail import deliver_due

    def _deliver():
        return deliver_due()

    return _deliver


@pytest.fixture
def project_root() -> Path:
    return Path(__file__).resolve().parent.parent
