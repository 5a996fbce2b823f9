"""Password reset by a signed, expiring, single-use e-mailed link."""

from __future__ import annotations

import html
from datetime import timedelta

from awards.accounts.models import User
from awards.accounts.services import check_password
from awards.accounts.tokens import make_token
from awards.db import frozen_clock, utcnow
from tests.accounts.helpers import (
    NEW_PASSWORD,
    field_error,
    link_path,
    only_message_to,
    sign_in,
)
from tests.conftest import IsolatedClient
from tests.factories import PASSWORD, UserFactory

USED = "This link has been used already. Please ask for a new one."
EXPIRED = "This link has expired. Please ask for a new one."
NOT_VALID = "This link is not valid. Please use the latest link we sent you, or ask for a new one."


def _request_reset(client, deliver_mail, mailbox, email: str) -> str:
    response = client.post("/password/forgot", data={"email": email})
    assert response.status_code == 302
    deliver_mail()
    message = only_message_to(mailbox, email)
    assert message["Subject"] == "Reset your password"
    return link_path(message)


def _choose(client, path: str, password: str = NEW_PASSWORD):
    return client.post(path, data={"password": password, "confirm": password})


def test_reset_link_changes_the_password_once(client, db, mailbox, deliver_mail):
    user = UserFactory(email="ana@bogota.gov.co", name="Ana")
    path = _request_reset(client, deliver_mail, mailbox, "ana@bogota.gov.co")
    assert client.get(path).status_code == 200

    response = _choose(client, path)
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert "Your password is changed. Please sign in." in client.get("/login").text

    user = db.session.get(User, user.id)
    assert check_password(user, NEW_PASSWORD)
    assert not check_password(user, PASSWORD)
    assert user.password_hash.startswith("$argon2id$")
    assert sign_in(client, "ana@bogota.gov.co", PASSWORD).status_code == 401
    assert sign_in(client, "ana@bogota.gov.co", NEW_PASSWORD).status_code == 302
    client.post("/logout")

    # The same link a second time: refused, and the password stays.
    again = client.get(path)
    assert again.status_code == 400
    assert USED in html.unescape(again.text)
    refused = _choose(client, path, "yet-another-password")
    assert refused.status_code == 400
    assert check_password(db.session.get(User, user.id), NEW_PASSWORD)


def test_reset_link_expired_is_refused(client, db, mailbox, deliver_mail):
    UserFactory(email="ana@bogota.gov.co")
    path = _request_reset(client, deliver_mail, mailbox, "ana@bogota.gov.co")
    two_hours = timedelta(seconds=client.application.config["TOKEN_MAX_AGE_RESET"])
    with frozen_clock(utcnow() + two_hours - timedelta(seconds=5)):
        assert client.get(path).status_code == 200
    with frozen_clock(utcnow() + two_hours + timedelta(seconds=5)):
        response = _choose(client, path)
    assert response.status_code == 400
    assert EXPIRED in html.unescape(response.text)
    assert sign_in(client, "ana@bogota.gov.co", PASSWORD).status_code == 302


def test_reset_link_tampered_is_refused(client, db, mailbox, deliver_mail):
    user = UserFactory(email="ana@bogota.gov.co")
    path = _request_reset(client, deliver_mail, mailbox, "ana@bogota.gov.co")
    payload, _timestamp, signature = path.rsplit("/", 1)[1].split(".")
    # The first character: the last one can carry only padding bits, which decode the same.
    flip = {"A": "B"}.get(signature[0], "A")
    verify_token = make_token("verify", {"uid": user.id, "email": user.email})
    for bad in (
        path[: -len(signature)] + flip + signature[1:],  # signature changed
        path.replace(payload, payload[:-1] + {"A": "B"}.get(payload[-1], "A")),  # payload changed
        f"/password/reset/{verify_token}",  # a genuine token, signed for another purpose
        "/password/reset/not-a-token",
    ):
        response = _choose(client, bad)
        assert response.status_code == 400, bad
        assert NOT_VALID in html.unescape(response.text)
    assert check_password(db.session.get(User, user.id), PASSWORD)


def test_reset_form_refuses_short_or_mismatched_password(client, db, mailbox, deliver_mail):
    UserFactory(email="ana@bogota.gov.co")
    path = _request_reset(client, deliver_mail, mailbox, "ana@bogota.gov.co")
    short = _choose(client, path, "short")
    assert short.status_code == 422
    assert field_error(short.text, "password") == "Use at least 10 characters."
    mismatch = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "!"})
    assert mismatch.status_code == 422
    assert field_error(mismatch.text, "confirm") == "The two passwords are not the same."
    # The link still works after a refused attempt.
    assert _choose(client, path).status_code == 302


def test_forgot_form_answers_the_same_for_known_and_unknown_addresses(
    client, db, mailbox, deliver_mail
):
    UserFactory(email="ana@bogota.gov.co")
    known = client.post("/password/forgot", data={"email": "ana@bogota.gov.co"})
    known_page = client.get(known.headers["Location"]).text
    unknown = client.post("/password/forgot", data={"email": "nobody@bogota.gov.co"})
    unknown_page = client.get(unknown.headers["Location"]).text
    assert (known.status_code, known.headers["Location"]) == (
        unknown.status_code,
        unknown.headers["Location"],
    )
    assert known_page == unknown_page
    assert (
        "If an account uses that address, we have sent it a link to choose a new password."
        in html.unescape(known_page)
    )
    assert deliver_mail() == (1, 0)
    assert mailbox.messages_to("nobody@bogota.gov.co") == []


def test_reset_of_unverified_account_also_verifies_it(client, db, mailbox, deliver_mail):
    user = UserFactory(email="new@bogota.gov.co", email_verified_at=None)
    path = _request_reset(client, deliver_mail, mailbox, "new@bogota.gov.co")
    assert _choose(client, path).status_code == 302
    assert db.session.get(User, user.id).email_verified_at is not None
    assert sign_in(client, "new@bogota.gov.co", NEW_PASSWORD).status_code == 302


def test_password_change_ends_every_other_session(app, client, db, mailbox, deliver_mail):
    UserFactory(email="ana@bogota.gov.co")
    elsewhere = IsolatedClient(app, app.response_class, use_cookies=True)
    sign_in(elsewhere, "ana@bogota.gov.co", remember="y")
    assert elsewhere.get("/account").status_code == 200

    path = _request_reset(client, deliver_mail, mailbox, "ana@bogota.gov.co")
    assert _choose(client, path).status_code == 302

    # Neither the session nor the remember-me cookie of the old password opens a page.
    assert elsewhere.get("/account").status_code == 302
    with elsewhere.session_transaction() as session:
        session.clear()
    assert elsewhere.get("/account").status_code == 302
    assert sign_in(elsewhere, "ana@bogota.gov.co", NEW_PASSWORD).status_code == 302
    assert elsewhere.get("/account").status_code == 200


def test_forgot_form_limits_mails_to_one_address(client, db, mailbox, deliver_mail):
    UserFactory(email="ana@bogota.gov.co")
    for n in range(5):
        response = client.post(
            "/password/forgot",
            data={"email": "ana@bogota.gov.co"},
            environ_base={"REMOTE_ADDR": f"198.51.100.{n + 1}"},
        )
        assert response.status_code == 302
    refused = client.post(
        "/password/forgot",
        data={"email": "ANA@bogota.gov.co"},
        environ_base={"REMOTE_ADDR": "198.51.100.99"},
    )
    assert refused.status_code == 429
    deliver_mail()
    assert len(mailbox.messages_to("ana@bogota.gov.co")) == 5
