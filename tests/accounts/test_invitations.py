"""Invitations by e-mail: judges and staff invited by the secretariat, colleagues by applicants."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from sqlalchemy import select

from awards.accounts.models import Invitation, Role, User
from awards.accounts.permissions import can_invite_role
from awards.accounts.services import check_password, invite_user
from awards.db import frozen_clock, utcnow
from awards.errors import DomainError
from tests.accounts.helpers import NEW_PASSWORD, field_error, link_path, only_message_to
from tests.factories import (
    AdminFactory,
    ApplicantFactory,
    JudgeFactory,
    SecretariatFactory,
    UserFactory,
)


def _invite_judge(db, deliver_mail, mailbox, email="marie@lyon.fr") -> tuple[Invitation, str]:
    staff = SecretariatFactory(name="Li Wei")
    invitation = invite_user(email=email, name="Marie Dupont", role=Role.JUDGE, invited_by=staff)
    db.session.commit()
    assert deliver_mail() == (1, 0)
    message = only_message_to(mailbox, email)
    assert message["Subject"] == "You are invited to the Guangzhou Award platform"
    assert "Hello Marie Dupont," in message.get_content()
    return invitation, link_path(message)


def _accept(client, path, name="Marie Dupont-Leroy", password=NEW_PASSWORD):
    return client.post(path, data={"name": name, "password": password, "confirm": password})


def test_invited_judge_accepts_sets_name_and_password_and_is_signed_in(
    client, db, mailbox, deliver_mail
):
    invitation, path = _invite_judge(db, deliver_mail, mailbox)
    form = client.get(path)
    assert form.status_code == 200
    assert 'value="Marie Dupont"' in form.text  # the name the secretariat typed, to correct
    assert "You are invited as judge with the address marie@lyon.fr." in form.text

    response = _accept(client, path)
    assert response.status_code == 302
    assert response.headers["Location"] == "/judging/"
    dashboard = client.get("/judging/")
    assert dashboard.status_code == 200
    assert "Welcome, Marie Dupont-Leroy. Your account is ready." in html.unescape(dashboard.text)

    user = db.session.scalar(select(User).where(User.email == "marie@lyon.fr"))
    assert user.role == Role.JUDGE
    assert user.name == "Marie Dupont-Leroy"
    assert user.email_verified_at is not None
    assert check_password(user, NEW_PASSWORD)
    assert db.session.get(Invitation, invitation.id).accepted_at is not None


def test_invitation_second_use_is_refused(client, db, mailbox, deliver_mail):
    _invitation, path = _invite_judge(db, deliver_mail, mailbox)
    assert _accept(client, path).status_code == 302
    client.post("/logout")
    for response in (client.get(path), _accept(client, path, name="Intruder")):
        assert response.status_code == 400
        assert "This invitation has been used already. Please sign in." in html.unescape(
            response.text
        )
    assert db.session.scalars(select(User.name).where(User.role == Role.JUDGE)).all() == [
        "Marie Dupont-Leroy"
    ]


def test_invitation_expired_link_is_refused(client, db, mailbox, deliver_mail):
    _invitation, path = _invite_judge(db, deliver_mail, mailbox)
    fourteen_days = timedelta(seconds=client.application.config["TOKEN_MAX_AGE_INVITE"])
    with frozen_clock(utcnow() + fourteen_days + timedelta(seconds=1)):
        response = _accept(client, path)
    assert response.status_code == 400
    assert "This link has expired. Please ask for a new one." in html.unescape(response.text)
    assert db.session.scalar(select(User).where(User.email == "marie@lyon.fr")) is None


def test_invitation_past_its_expiry_date_is_refused(client, db, mailbox, deliver_mail):
    invitation, path = _invite_judge(db, deliver_mail, mailbox)
    invitation.expires_at = utcnow() - timedelta(minutes=1)  # e.g. shortened by the secretariat
    db.session.commit()
    response = client.get(path)
    assert response.status_code == 400
    assert "This invitation has expired. Please ask for a new one." in html.unescape(response.text)


def test_invitation_revoked_is_refused(client, db, mailbox, deliver_mail):
    invitation, path = _invite_judge(db, deliver_mail, mailbox)
    invitation.revoked_at = utcnow()
    db.session.commit()
    response = _accept(client, path)
    assert response.status_code == 400
    assert "This invitation is not valid any more." in html.unescape(response.text)


def test_invitation_form_refuses_short_password_and_keeps_the_name(
    client, db, mailbox, deliver_mail
):
    _invitation, path = _invite_judge(db, deliver_mail, mailbox)
    response = _accept(client, path, name="Marie D.", password="short")
    assert response.status_code == 422
    assert field_error(response.text, "password") == "Use at least 10 characters."
    assert 'value="Marie D."' in response.text
    assert db.session.scalar(select(User).where(User.email == "marie@lyon.fr")) is None


def test_invite_refuses_an_address_that_has_an_account(db):
    UserFactory(email="marie@lyon.fr")
    with pytest.raises(DomainError) as refused:
        invite_user(
            email="Marie@Lyon.fr", name="", role=Role.JUDGE, invited_by=SecretariatFactory()
        )
    assert refused.value.field == "email"
    assert refused.value.message == "marie@lyon.fr has an account already."


@pytest.mark.parametrize(
    ("factory", "allowed"),
    [
        (AdminFactory, {Role.ADMIN, Role.SECRETARIAT, Role.JUDGE}),
        (SecretariatFactory, {Role.SECRETARIAT, Role.JUDGE}),
        (JudgeFactory, set()),
        (ApplicantFactory, {Role.APPLICANT}),  # colleagues of their own organisation
    ],
)
def test_who_may_invite_whom(db, factory, allowed):
    user = factory()
    assert {role for role in Role if can_invite_role(user, role)} == allowed


def test_applicant_without_organisation_may_invite_nobody(db):
    assert not any(can_invite_role(UserFactory(role=Role.APPLICANT), role) for role in Role)


def test_colleague_invitation_joins_the_organisation(client, login_as, db, mailbox, deliver_mail):
    founder = ApplicantFactory(name="Ana Gómez", organisation__name="Bogotá D.C.")
    organisation_id = founder.organisation_id
    login_as(founder)
    response = client.post(
        "/organisation", data={"name": "Luis Pérez", "email": "luis@bogota.gov.co"}
    )
    assert response.status_code == 302
    assert "Invitation sent to luis@bogota.gov.co." in client.get("/organisation").text
    client.post("/logout")

    deliver_mail()
    message = only_message_to(mailbox, "luis@bogota.gov.co")
    assert "Ana Gómez invites you to work on the applications of Bogotá D.C." in (
        message.get_content()
    )
    response = _accept(client, link_path(message), name="Luis Pérez")
    assert response.status_code == 302
    assert response.headers["Location"] == "/applications/"

    luis = db.session.scalar(select(User).where(User.email == "luis@bogota.gov.co"))
    assert luis.role == Role.APPLICANT
    assert luis.organisation_id == organisation_id
    page = client.get("/organisation")
    assert "Ana Gómez" in html.unescape(page.text)
    assert "Luis Pérez" in html.unescape(page.text)


def test_colleague_invitation_to_taken_address_shows_message_next_to_field(client, login_as, db):
    founder = ApplicantFactory()
    UserFactory(email="luis@bogota.gov.co")
    login_as(founder)
    response = client.post("/organisation", data={"name": "Luis", "email": "luis@bogota.gov.co"})
    assert response.status_code == 422
    assert field_error(response.text, "email") == "luis@bogota.gov.co has an account already."
    assert 'value="Luis"' in response.text
    assert db.session.scalars(select(Invitation)).all() == []


def test_cli_create_user_without_password_mails_an_invitation(app, db, mailbox, deliver_mail):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["awards", "create-user", "--email", "Chair@UCLG.org", "--role", "secretariat"]
    )
    assert result.exit_code == 0, result.output
    assert result.output == "Invited chair@uclg.org as secretariat; the e-mail is queued.\n"
    deliver_mail()
    path = link_path(only_message_to(mailbox, "chair@uclg.org"))
    assert path.startswith("/invitation/")

    UserFactory(email="taken@uclg.org")
    taken = runner.invoke(
        args=["awards", "create-user", "--email", "taken@uclg.org", "--role", "judge"]
    )
    assert taken.exit_code == 1
    assert "Error: taken@uclg.org has an account already." in taken.output


def test_invitation_link_opened_while_signed_in_switches_only_on_accept(
    client, login_as, db, mailbox, deliver_mail
):
    _invitation, path = _invite_judge(db, deliver_mail, mailbox)
    login_as(ApplicantFactory(name="Ana Gómez"))
    assert client.get(path).status_code == 200
    assert "Ana Gómez" in html.unescape(client.get("/account").text)  # still signed in
    assert _accept(client, path).headers["Location"] == "/judging/"
    assert client.get("/judging/").status_code == 200
