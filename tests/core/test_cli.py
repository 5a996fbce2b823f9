"""`flask awards ...`: create-user (with a password or an invitation) and seed-demo."""

from __future__ import annotations

from sqlalchemy import func, select

from awards.accounts.services import check_password
from awards.core.models import OutboxMessage
from awards.models import Invitation, Role, Submission, User
from tests.factories import UserFactory


def _run(app, *args: str):
    return app.test_cli_runner().invoke(args=["awards", *args])


def _user(db, email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def test_create_user_with_password_can_sign_in_at_once(app, db):
    result = _run(
        app,
        "create-user",
        "--email",
        "Wang.Fang@Example.org",
        "--name",
        "Wang Fang",
        "--role",
        "secretariat",
        "--password",
        "a-long-enough-password",
    )
    assert result.exit_code == 0, result.output
    assert result.output == "Created secretariat wang.fang@example.org.\n"
    user = _user(db, "wang.fang@example.org")
    assert (user.name, user.role) == ("Wang Fang", Role.SECRETARIAT)
    assert user.is_verified
    assert check_password(user, "a-long-enough-password")
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0


def test_create_user_without_password_sends_an_invitation(app, db, mailbox, deliver_mail):
    result = _run(app, "create-user", "--email", "juror@example.org", "--role", "judge")
    assert result.exit_code == 0, result.output
    assert result.output == "Invited juror@example.org as judge; the e-mail is queued.\n"
    assert _user(db, "juror@example.org") is None  # the account exists once accepted
    invitation = db.session.scalar(select(Invitation))
    assert (invitation.email, invitation.role) == ("juror@example.org", Role.JUDGE)
    assert invitation.is_open
    assert deliver_mail() == (1, 0)
    received = mailbox.messages_to("juror@example.org")
    assert len(received) == 1
    body = received[0].get_content()
    assert "as judge" in body
    assert "http://localhost/invitation/" in body


def test_create_user_refuses_a_taken_email(app, db):
    UserFactory(email="taken@example.org")
    result = _run(
        app,
        "create-user",
        "--email",
        "TAKEN@example.org",
        "--role",
        "admin",
        "--password",
        "a-long-enough-password",
    )
    assert result.exit_code == 1
    assert "This e-mail address has an account already." in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_create_user_refuses_a_short_password(app, db):
    result = _run(
        app, "create-user", "--email", "a@example.org", "--role", "admin", "--password", "short"
    )
    assert result.exit_code == 1
    assert "Use at least 10 characters." in result.output
    assert _user(db, "a@example.org") is None


def test_create_user_refuses_an_unknown_role(app, db):
    result = _run(app, "create-user", "--email", "a@example.org", "--role", "mayor")
    assert result.exit_code == 2
    assert "'mayor' is not one of" in result.output


def test_seed_demo_loads_once_and_prints_the_accounts(app, db):
    result = _run(app, "seed-demo")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Demo data loaded."
    assert lines[1].startswith(
        "7th Guangzhou International Award for Urban Innovation: 300 initiatives from "
    )
    assert "11 committee members, 5 jurors." in lines[1]
    assert "Every demo account's password is 'demo-password-2026'." in result.output
    assert "applicant@demo.gzaward.org" in result.output
    users = db.session.scalar(select(func.count()).select_from(User))
    assert db.session.scalar(select(func.count()).select_from(Submission)) == 300

    again = _run(app, "seed-demo")
    assert again.exit_code == 0
    assert again.output == (
        "Users exist already; nothing seeded (use --force to add a demo cycle anyway).\n"
    )
    forced = _run(app, "seed-demo", "--force")
    assert forced.exit_code == 1
    assert "The demo cycle 'gza7' exists already; nothing was added." in forced.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(User)) == users
    assert db.session.scalar(select(func.count()).select_from(Submission)) == 300
    # Seeding queues no e-mail: nobody is told about demo accounts.
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_seed_demo_force_adds_the_demo_next_to_real_users(app, db):
    UserFactory(email="real.admin@example.org", role=Role.ADMIN)
    result = _run(app, "seed-demo", "--force")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Demo data loaded.\n")
    assert _user(db, "real.admin@example.org") is not None
    assert _user(db, "admin@demo.gzaward.org").role == Role.ADMIN
