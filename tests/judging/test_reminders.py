"""Reminders before a round closes (once per judge and kind, with a frozen clock), reminders by
hand, and the "all reviews are in" notice to the secretariat."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from awards.cli import run_periodic_jobs
from awards.core.models import OutboxMessage
from awards.db import frozen_clock
from awards.extensions import db as _db
from awards.judging import reminders
from awards.models import AssignmentStatus, ReminderSent, Round, RoundStatus
from awards.worker_jobs import PERIODIC_JOBS
from tests.factories import (
    AdminFactory,
    AssignmentFactory,
    CycleFactory,
    JudgeFactory,
    PanelMemberFactory,
    RoundFactory,
    ValidEntryFactory,
    make_review,
)
from tests.judging import secretariat_fixtures

request_context = secretariat_fixtures.request_context
staff = secretariat_fixtures.staff
as_staff = secretariat_fixtures.as_staff

CLOSES = datetime(2026, 6, 30, 10, 0, tzinfo=UTC)  # 18:00 in Guangzhou


@pytest.fixture
def round_(db):
    """An open round: Ana has 2 entries, 1 reviewed; Ben has reviewed his only entry."""
    cycle = CycleFactory(reference_prefix="GZT")
    round_ = RoundFactory(
        cycle=cycle, status=RoundStatus.OPEN, closes_at=CLOSES, judges_per_entry=1
    )
    round_.criteria = list(cycle.criteria)
    ana = PanelMemberFactory(
        round=round_,
        user=JudgeFactory(name="Ana", email="ana@example.org", timezone="Europe/Paris"),
    ).user
    ben = PanelMemberFactory(round=round_, user=JudgeFactory(name="Ben")).user
    entries = [ValidEntryFactory(cycle=cycle) for _ in range(3)]
    make_review(AssignmentFactory(round=round_, judge=ana, submission=entries[0]))
    AssignmentFactory(round=round_, judge=ana, submission=entries[1])
    make_review(AssignmentFactory(round=round_, judge=ben, submission=entries[2]))
    return round_


def _outbox(db):
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def _run_at(when):
    with frozen_clock(when):
        return reminders.queue_scheduled_reminders()


def test_nothing_is_sent_eight_days_before_closing(db, round_):
    assert _run_at(CLOSES - timedelta(days=8)) == 0
    assert _outbox(db) == []


def test_the_seven_day_reminder_goes_once_to_judges_with_work_left(db, round_):
    assert _run_at(CLOSES - timedelta(days=7)) == 1
    assert _run_at(CLOSES - timedelta(days=6, hours=23)) == 0
    assert _run_at(CLOSES - timedelta(days=2)) == 0
    [message] = _outbox(db)
    assert message.to_address == "ana@example.org"
    assert message.subject == "Reminder: 1 reviews to finish in Technical committee"
    assert "1 of your 2 entries in Technical committee" in message.body_text
    assert "Tuesday, June 30, 2026" in message.body_text and "UTC+8" in message.body_text
    assert "Europe/Paris" in message.body_text  # the judge's own zone too
    assert db.session.scalars(select(ReminderSent.kind)).all() == ["before_7d"]


def test_the_one_day_reminder_follows(db, round_):
    _run_at(CLOSES - timedelta(days=7))
    assert _run_at(CLOSES - timedelta(hours=24)) == 1
    assert _run_at(CLOSES - timedelta(hours=1)) == 0
    assert sorted(db.session.scalars(select(ReminderSent.kind))) == ["before_1d", "before_7d"]


def test_a_worker_that_was_down_sends_one_reminder_not_a_burst(db, round_):
    assert _run_at(CLOSES - timedelta(hours=12)) == 1
    assert db.session.scalars(select(ReminderSent.kind)).all() == ["before_1d"]


def test_nothing_after_the_round_closed(db, round_):
    assert _run_at(CLOSES) == 0
    assert _run_at(CLOSES + timedelta(days=1)) == 0


def test_nothing_for_a_round_not_open(db, round_):
    round_.status = RoundStatus.DRAFT
    db.session.commit()
    assert _run_at(CLOSES - timedelta(days=1)) == 0


def test_the_rounds_own_reminder_days_are_used(db, round_):
    round_.reminder_days = "3"
    db.session.commit()
    assert _run_at(CLOSES - timedelta(days=7)) == 0
    assert _run_at(CLOSES - timedelta(days=3)) == 1
    round_.reminder_days = ""
    db.session.commit()
    assert reminders.due_kind(round_, CLOSES - timedelta(hours=1)) is None


def test_the_worker_runs_the_reminders_outside_any_request(app, db, round_, mailbox):
    """As `flask awards worker` does: an app context in another thread, no request."""
    assert reminders.run_round_reminders in PERIODIC_JOBS
    from awards.mail import deliver_due

    errors = []

    def work():
        with app.app_context():
            try:
                with frozen_clock(CLOSES - timedelta(days=7)):
                    run_periodic_jobs()
                deliver_due()
            except Exception as exc:  # noqa: BLE001  (reported below)
                errors.append(exc)
            finally:
                _db.session.remove()

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(timeout=60)
    assert errors == []
    assert [m["To"] for m in mailbox.messages] == ["ana@example.org"]
    assert "http://localhost/judging/" in mailbox.messages[0].get_content()


def test_manual_reminder_goes_to_the_chosen_judges_with_work_left(db, round_, staff):
    judges = [member.user for member in round_.panel]
    sent, skipped = reminders.send_reminders(
        round_, judges, actor=staff, note="The committee meets on Friday."
    )
    assert sent == 1
    assert [j.name for j in skipped] == ["Ben"]
    [message] = _outbox(db)
    assert message.to_address == "ana@example.org"
    assert "The committee meets on Friday." in message.body_text
    # By hand, as often as the secretariat likes: nothing is recorded against the schedule.
    assert db.session.scalar(select(func.count()).select_from(ReminderSent)) == 0


def test_manual_reminder_over_http(as_staff, db, round_):
    ana_id = next(m.user_id for m in round_.panel if m.user.name == "Ana")
    response = as_staff.post(
        f"/secretariat/rounds/{round_.id}/reminders",
        data={"judge_ids": [str(ana_id)], "note": ""},
        follow_redirects=True,
    )
    assert "1 reminder queued." in response.get_data(as_text=True)
    assert [m.to_address for m in _outbox(db)] == ["ana@example.org"]


def test_manual_reminder_without_judges_is_refused(as_staff, db, round_):
    response = as_staff.post(f"/secretariat/rounds/{round_.id}/reminders", data={"note": "x"})
    assert response.status_code == 422
    assert "Choose at least one judge." in response.get_data(as_text=True)


def test_all_reviews_in_is_told_to_the_secretariat_once(db, round_, staff):
    AdminFactory(email="admin@example.org")
    round_id = round_.id
    assert reminders.notify_all_reviews_in() == 0  # Ana still has one to do
    open_one = next(a for a in _assignments(db, round_id) if not a.review_submitted)
    make_review(open_one.assignment)
    with frozen_clock(CLOSES - timedelta(days=2)):
        assert reminders.notify_all_reviews_in() == 1
    assert reminders.notify_all_reviews_in() == 0
    assert db.session.get(Round, round_id).all_reviews_in_notified_at == CLOSES - timedelta(days=2)
    messages = _outbox(db)
    assert sorted(m.to_address for m in messages) == ["admin@example.org", "li.wei@gz.example"]
    assert messages[0].subject == "All reviews are in: Technical committee"


def test_recused_assignments_do_not_hold_up_the_all_reviews_in_notice(db, round_, staff):
    from awards.models import Assignment

    pending = db.session.scalar(
        select(Assignment)
        .where(Assignment.round_id == round_.id)
        .order_by(Assignment.id)
        .offset(1)
        .limit(1)
    )
    pending.status = AssignmentStatus.RECUSED
    db.session.commit()
    assert reminders.notify_all_reviews_in() == 1
    body = _outbox(db)[0].body_text
    assert "1 entry has fewer submitted reviews than required" in body


class _Row:
    def __init__(self, assignment, submitted):
        self.assignment = assignment
        self.review_submitted = submitted


def _assignments(db, round_id):
    from awards.models import Assignment, Review, ReviewStatus

    rows = db.session.scalars(select(Assignment).where(Assignment.round_id == round_id)).all()
    done = set(
        db.session.scalars(
            select(Review.assignment_id).where(Review.status == ReviewStatus.SUBMITTED)
        )
    )
    return [_Row(a, a.id in done) for a in rows]
