"""Registration of applicant users, e-mail verification, and the form's bad inputs."""

from __future__ import annotations

import html

from sqlalchemy import select

from awards.accounts.models import Role, User
from awards.core.models import AuditEvent
from tests.accounts.helpers import field_error, input_value, link_path, only_message_to, sign_in
from tests.factories import PASSWORD, UserFactory


def test_register_success_mails_a_link_that_verifies_and_allows_sign_in(
    client, db, mailbox, deliver_mail, register_form
):
    response = client.post("/register", data=register_form(email="  Ana.Gomez@Bogota.gov.co "))
    assert response.status_code == 302
    assert response.headers["Location"] == "/register/check-inbox?email=ana.gomez@bogota.gov.co"

    user = db.session.scalar(select(User).where(User.email == "ana.gomez@bogota.gov.co"))
    assert user.name == "Ana Lucía Gómez"
    assert user.role == Role.APPLICANT
    assert user.email_verified_at is None
    assert user.organisation_id is None

    # Unverified: refused with a message next to the e-mail field.
    refused = sign_in(client, "ana.gomez@bogota.gov.co")
    assert refused.status_code == 401
    assert field_error(refused.text, "email") == (
        "Please confirm your e-mail address first: use the link we sent you."
    )

    assert deliver_mail() == (1, 0)
    message = only_message_to(mailbox, "ana.gomez@bogota.gov.co")
    assert message["Subject"] == "Confirm your e-mail address"
    assert "Dear Ana Lucía Gómez," in message.get_content()

    verified = client.get(link_path(message))
    assert verified.status_code == 302
    assert verified.headers["Location"] == "/login"
    page = client.get("/login")
    assert "Thank you, your e-mail address is confirmed. You can sign in now." in page.text

    user = db.session.scalar(select(User).where(User.email == "ana.gomez@bogota.gov.co"))
    assert user.email_verified_at is not None
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.subject_id == user.id)
    ).all()
    assert actions == ["user.created", "user.email_verified"]

    signed_in = sign_in(client, "ana.gomez@bogota.gov.co")
    assert signed_in.status_code == 302
    assert signed_in.headers["Location"] == "/applications/"
    assert client.get("/account").status_code == 200


def test_register_taken_email_shows_message_next_to_field_and_keeps_input(
    client, db, mailbox, register_form
):
    UserFactory(email="taken@bogota.gov.co")
    response = client.post(
        "/register", data=register_form(name="Second Person", email="TAKEN@bogota.gov.co")
    )
    assert response.status_code == 422
    assert field_error(response.text, "email") == (
        "This e-mail address has an account already. Sign in, or reset the password."
    )
    assert input_value(response.text, "name") == "Second Person"
    assert input_value(response.text, "email") == "TAKEN@bogota.gov.co"
    assert db.session.scalar(select(User).where(User.name == "Second Person")) is None


def test_register_short_password_is_refused_next_to_field(client, db, register_form):
    response = client.post("/register", data=register_form(password="short1", confirm="short1"))
    assert response.status_code == 422
    assert field_error(response.text, "password") == "Use at least 10 characters."
    assert input_value(response.text, "name") == html.escape("Ana Lucía Gómez")
    assert input_value(response.text, "email") == "ana.gomez@bogota.gov.co"
    # A password is never sent back into the page.
    assert input_value(response.text, "password") == ""
    assert "short1" not in response.text
    assert db.session.scalars(select(User)).all() == []


def test_register_mismatched_confirmation_is_refused(client, db, register_form):
    response = client.post("/register", data=register_form(confirm=PASSWORD + "x"))
    assert response.status_code == 422
    assert field_error(response.text, "confirm") == "The two passwords are not the same."
    assert input_value(response.text, "email") == "ana.gomez@bogota.gov.co"
    assert db.session.scalars(select(User)).all() == []


def test_register_invalid_email_is_refused(client, db, register_form):
    response = client.post("/register", data=register_form(email="ana.gomez-at-bogota"))
    assert response.status_code == 422
    assert field_error(response.text, "email") == "Enter an e-mail address like name@city.gov."
    assert input_value(response.text, "email") == "ana.gomez-at-bogota"
    assert input_value(response.text, "name") == html.escape("Ana Lucía Gómez")
    assert (
        "Please correct the fields marked below. Nothing you typed has been lost." in response.text
    )
    assert db.session.scalars(select(User)).all() == []


def test_register_missing_name_is_refused(client, db, register_form):
    response = client.post("/register", data=register_form(name="  "))
    assert response.status_code == 422
    assert field_error(response.text, "name") == "Enter your name."


def test_verify_link_tampered_is_refused(client, db, mailbox, deliver_mail, register_form):
    client.post("/register", data=register_form())
    deliver_mail()
    path = link_path(only_message_to(mailbox, "ana.gomez@bogota.gov.co"))
    tampered = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    response = client.get(tampered)
    assert response.status_code == 400
    assert (
        "This link is not valid. Please use the latest link we sent you, or ask for a new one."
        in html.unescape(response.text)
    )
    user = db.session.scalar(select(User))
    assert user.email_verified_at is None


def test_resend_verification_sends_a_fresh_link_only_to_unverified_accounts(
    client, db, mailbox, deliver_mail, register_form
):
    client.post("/register", data=register_form())
    UserFactory(email="verified@bogota.gov.co")
    for address in ("ana.gomez@bogota.gov.co", "verified@bogota.gov.co", "nobody@x.org"):
        response = client.post("/verify/resend", data={"email": address})
        assert response.status_code == 302
        assert response.headers["Location"] == "/login"
    deliver_mail()
    assert len(mailbox.messages_to("ana.gomez@bogota.gov.co")) == 2
    assert mailbox.messages_to("verified@bogota.gov.co") == []
    assert mailbox.messages_to("nobody@x.org") == []
