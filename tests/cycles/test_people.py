"""Judges and staff: invitations by e-mail, judges' profiles."""

import pytest
from sqlalchemy import select

from awards.cycles import people
from awards.errors import DomainError
from awards.models import Invitation, Role, User
from tests.factories import AdminFactory, JudgeFactory, SecretariatFactory


def test_invite_a_judge_sends_the_invitation(as_staff, db, mailbox, deliver_mail):
    response = as_staff.post(
        "/secretariat/people/invite",
        data={"name": "Maria Lopez", "email": "Maria@Example.org", "role": "judge"},
    )
    assert response.status_code == 302
    invitation = db.session.scalar(select(Invitation))
    assert (invitation.email, invitation.role, invitation.name) == (
        "maria@example.org",
        Role.JUDGE,
        "Maria Lopez",
    )
    deliver_mail()
    assert [m["To"] for m in mailbox.messages] == ["maria@example.org"]
    assert "as judge" in mailbox.messages[0].get_content()


def test_invite_secretariat_staff(as_staff, db):
    as_staff.post(
        "/secretariat/people/invite", data={"email": "colleague@gz.gov.cn", "role": "secretariat"}
    )
    assert db.session.scalar(select(Invitation.role)) == Role.SECRETARIAT


def test_secretariat_cannot_invite_an_administrator(db, staff):
    with pytest.raises(DomainError) as exc:
        people.invite_person(actor=staff, email="boss@example.org", name="", role=Role.ADMIN)
    assert exc.value.field == "role"


def test_admin_can_invite_an_administrator(db):
    invitation = people.invite_person(
        actor=AdminFactory(), email="boss@example.org", name="", role=Role.ADMIN
    )
    assert invitation.role == Role.ADMIN


def test_inviting_an_existing_account_is_refused_next_to_the_email(as_staff, db):
    JudgeFactory(email="taken@example.org")
    response = as_staff.post(
        "/secretariat/people/invite", data={"email": "taken@example.org", "role": "judge"}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "taken@example.org has an account already." in page
    assert 'id="email-error"' in page


def test_people_page_lists_judges_staff_and_open_invitations(as_staff, db, staff):
    JudgeFactory(name="Kwame Mensah", affiliation="University of Ghana", country_code="GH")
    people.invite_person(actor=staff, email="pending@example.org", name="", role=Role.JUDGE)
    db.session.commit()
    page = as_staff.get("/secretariat/people").get_data(as_text=True)
    assert "Kwame Mensah" in page and "University of Ghana" in page and "Ghana" in page
    assert "Li Wei" in page
    assert "pending@example.org" in page


def test_edit_a_judges_profile(as_staff, db, cycle):
    judge = JudgeFactory(expertise="")
    judge_id = judge.id
    response = as_staff.post(
        f"/secretariat/people/judges/{judge_id}",
        data={
            "name": "Kwame Mensah",
            "affiliation": "  University of Ghana ",
            "city": "Accra",
            "country_code": "GH",
            "expertise": ["governance", "social"],
            "languages": "English, French",
            "bio": "Urban planner.",
        },
    )
    assert response.status_code == 302
    saved = db.session.get(User, judge_id)
    assert (saved.name, saved.affiliation, saved.city, saved.country_code) == (
        "Kwame Mensah",
        "University of Ghana",
        "Accra",
        "GH",
    )
    assert saved.expertise == "governance,social"
    assert saved.languages == "English, French"


def test_judge_profile_with_unknown_expertise_is_refused(as_staff, db, cycle):
    judge = JudgeFactory()
    response = as_staff.post(
        f"/secretariat/people/judges/{judge.id}",
        data={"name": "X", "expertise": ["astrology"], "country_code": ""},
    )
    assert response.status_code == 422
    assert "is not a valid choice" in response.get_data(as_text=True)


def test_profile_page_of_a_non_judge_is_404(as_staff, db):
    assert as_staff.get(f"/secretariat/people/judges/{SecretariatFactory().id}").status_code == 404
