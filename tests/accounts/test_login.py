"""Sign-in, sign-out and the limits on sign-in attempts."""

from __future__ import annotations

import re
import secrets

import pytest
import redis

from awards.accounts.models import User
from tests.accounts.helpers import field_error, input_value, sign_in
from tests.conftest import IsolatedClient
from tests.factories import PASSWORD, ApplicantFactory, JudgeFactory, UserFactory

WRONG = "The e-mail address or the password is not right."


def _error_page_parts(response) -> tuple[int, str]:
    main = re.search(r"<main.*</main>", response.text, re.S).group(0)
    return response.status_code, re.sub(r'value="[^"]*"', 'value=""', main)


def test_login_with_right_password_signs_in_and_goes_to_the_role_home(client, db):
    judge = JudgeFactory(email="judge@lyon.fr")
    response = sign_in(client, "Judge@Lyon.fr ")
    assert response.status_code == 302
    assert response.headers["Location"] == "/judging/"
    assert client.get("/judging/").status_code == 200
    assert db.session.get(User, judge.id).last_login_at is not None


def test_login_wrong_password_and_unknown_account_get_the_same_answer(client, db):
    UserFactory(email="known@city.gov")
    wrong_password = sign_in(client, "known@city.gov", "not-the-password")
    unknown = sign_in(client, "nobody@city.gov", "not-the-password")
    assert wrong_password.status_code == 401
    assert field_error(wrong_password.text, "password") == WRONG
    assert field_error(unknown.text, "password") == WRONG
    assert _error_page_parts(wrong_password) == _error_page_parts(unknown)
    # The typed address stays in the form; the password does not.
    assert input_value(wrong_password.text, "email") == "known@city.gov"
    assert "not-the-password" not in wrong_password.text
    assert client.get("/account").status_code == 302


@pytest.mark.parametrize(
    ("account", "message"),
    [
        (
            {"is_active_account": False},
            "This account has been deactivated. Contact the award secretariat.",
        ),
        (
            {"email_verified_at": None},
            "Please confirm your e-mail address first: use the link we sent you.",
        ),
    ],
    ids=["deactivated", "unverified"],
)
def test_login_refused_with_message_next_to_email(client, db, account, message):
    UserFactory(email="someone@city.gov", **account)
    response = sign_in(client, "someone@city.gov")
    assert response.status_code == 401
    assert field_error(response.text, "email") == message
    assert client.get("/account").status_code == 302


def test_login_follows_a_local_next(client, db):
    ApplicantFactory(email="ana@bogota.gov.co")
    response = sign_in(client, "ana@bogota.gov.co", next="/account?tab=1")
    assert response.headers["Location"] == "/account?tab=1"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/phish",
        "/\\evil.example/phish",
        "https://evil.example/phish",
        "javascript:alert(1)",
        "/\tevil",
    ],
)
def test_login_never_follows_a_next_to_another_site(client, db, target):
    ApplicantFactory(email="ana@bogota.gov.co")
    response = sign_in(client, "ana@bogota.gov.co", next=target)
    assert response.headers["Location"] == "/applications/"


def test_protected_page_sends_anonymous_visitor_to_login_with_next(client, db):
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/account"


def test_logout_signs_out(client, db):
    ApplicantFactory(email="ana@bogota.gov.co")
    sign_in(client, "ana@bogota.gov.co")
    assert client.get("/account").status_code == 200
    response = client.post("/logout")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "You are signed out." in client.get("/").text
    assert client.get("/account").status_code == 302


def test_logout_by_get_is_not_allowed(client, db):
    ApplicantFactory(email="ana@bogota.gov.co")
    sign_in(client, "ana@bogota.gov.co")
    assert client.get("/logout").status_code == 405
    assert client.get("/account").status_code == 200


# Rate limits -----------------------------------------------------------------------------------


def _assert_too_many(response):
    assert response.status_code == 429
    assert "Too many attempts" in response.text
    assert "Please wait a minute before trying again." in response.text
    assert 'class="navbar' in response.text  # the app's own layout, not a bare server page


def test_login_rate_limit_per_address_blocks_after_the_limit(app, client, db, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "3 per minute")
    UserFactory(email="known@city.gov")
    for n in range(3):
        assert sign_in(client, f"guess{n}@city.gov", "wrong-password").status_code == 401
    # The fourth attempt from the same address is refused even with the right password.
    _assert_too_many(sign_in(client, "known@city.gov"))
    # Another address is not affected.
    other = IsolatedClient(app, app.response_class, use_cookies=True)
    response = other.post(
        "/login",
        data={"email": "known@city.gov", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
    )
    assert response.status_code == 302


def test_login_rate_limit_per_account_blocks_guesses_from_many_addresses(
    app, client, db, monkeypatch
):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "3 per minute")
    UserFactory(email="target@city.gov")
    for n in range(3):
        response = client.post(
            "/login",
            data={"email": "Target@City.gov", "password": f"guess-{n}"},
            environ_base={"REMOTE_ADDR": f"198.51.100.{n + 1}"},
        )
        assert response.status_code == 401
    blocked = client.post(
        "/login",
        data={"email": "target@city.gov", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "198.51.100.200"},
    )
    _assert_too_many(blocked)
    # Other accounts can still sign in from those addresses.
    UserFactory(email="other@city.gov")
    response = client.post(
        "/login",
        data={"email": "other@city.gov", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "198.51.100.1"},
    )
    assert response.status_code == 302


def test_login_rate_limit_counts_only_failed_attempts(app, client, db, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "2 per minute")
    UserFactory(email="busy@city.gov")
    for _ in range(4):
        assert sign_in(client, "busy@city.gov").status_code == 302
        client.post("/logout")
    assert client.get("/login").status_code == 200  # GET is never limited


def test_login_rate_limit_counts_each_client_behind_a_trusted_load_balancer(make_app, db):
    other = make_app(TRUSTED_PROXY_COUNT=1, LOGIN_RATE_LIMIT="2/minute")
    balancer = {"REMOTE_ADDR": "10.0.0.2"}  # every request arrives from the load balancer
    client = IsolatedClient(other, other.response_class, use_cookies=True)

    def attempt(client_address: str, email: str):
        return client.post(
            "/login",
            data={"email": email, "password": "wrong-password"},
            environ_base=balancer,
            headers={"X-Forwarded-For": client_address},
        )

    for n in range(2):
        assert attempt("203.0.113.7", f"a{n}@city.gov").status_code == 401
    _assert_too_many(attempt("203.0.113.7", "a9@city.gov"))
    # Another client behind the same balancer still has its own attempts.
    assert attempt("198.51.100.4", "b0@city.gov").status_code == 401


@pytest.fixture
def redis_url():
    """A Redis database of its own on the machine's Redis: the test fails if Redis is down."""
    url = "redis://127.0.0.1:6379/7"
    redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    return url


def test_login_rate_limit_works_on_redis_storage(make_app, db, redis_url):
    prefix = f"awards-test-{secrets.token_hex(4)}"
    other = make_app(
        RATELIMIT_STORAGE_URI=redis_url, RATELIMIT_KEY_PREFIX=prefix, LOGIN_RATE_LIMIT="2/minute"
    )
    UserFactory(email="known@city.gov")
    client = IsolatedClient(other, other.response_class, use_cookies=True)
    for _ in range(2):
        assert sign_in(client, "known@city.gov", "wrong-password").status_code == 401
    _assert_too_many(sign_in(client, "known@city.gov"))

    # The counters live in Redis, so every instance behind the load balancer shares them.
    store = redis.Redis.from_url(redis_url)
    keys = [key.decode() for key in store.keys(f"*{prefix}*")]
    assert any("login-account:known@city.gov" in key for key in keys), keys
    assert any("127.0.0.1" in key for key in keys), keys
    store.delete(*keys)
