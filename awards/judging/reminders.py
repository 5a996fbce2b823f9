"""Reminders to judges: by hand to selected judges, and on a schedule before a round closes
(Round.reminder_days, default 7 and 1 days before), queued once per (round, judge, kind) thanks
to ReminderSent. When every active assignment of an open round has a submitted review, the
secretariat is told once (Round.all_reviews_in_notified_at)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, select

from awards import audit
from awards.accounts.models import Role, User
from awards.cycles.models import Round, RoundStatus
from awards.db import utcnow
from awards.errors import DomainError
from awards.extensions import db
from awards.judging.models import (
    Assignment,
    AssignmentStatus,
    ReminderSent,
    Review,
    ReviewStatus,
)
from awards.judging.progress import entry_progress
from awards.mail import queue_mail


def _path(endpoint: str, **values) -> str:
    # No request in the worker: build the path from the URL map; BASE_URL goes in front.
    return current_app.url_map.bind("localhost").build(endpoint, values)


def reminder_days(round_: Round) -> list[int]:
    return sorted(
        {int(part) for part in (round_.reminder_days or "").split(",") if part.strip().isdigit()},
        reverse=True,
    )


def due_kind(round_: Round, now: datetime) -> str | None:
    """The reminder due at `now`: the closest of the round's reminder days already reached
    (so a worker that was down sends one reminder, not a burst), or None."""
    if round_.closes_at is None or now >= round_.closes_at:
        return None
    reached = [d for d in reminder_days(round_) if now >= round_.closes_at - timedelta(days=d)]
    return f"before_{min(reached)}d" if reached else None


def outstanding(round_: Round) -> dict[int, tuple[int, int]]:
    """{judge id: (reviews not submitted, active assignments)} for judges with work left."""
    submitted = func.coalesce(
        func.sum(case((Review.status == ReviewStatus.SUBMITTED, 1), else_=0)), 0
    )
    rows = db.session.execute(
        select(Assignment.judge_id, func.count(Assignment.id), submitted)
        .outerjoin(Review, Review.assignment_id == Assignment.id)
        .where(Assignment.round_id == round_.id, Assignment.status == AssignmentStatus.ACTIVE)
        .group_by(Assignment.judge_id)
    ).all()
    return {
        judge_id: (int(total) - int(done), int(total))
        for judge_id, total, done in rows
        if int(total) > int(done)
    }


def _queue_reminder(round_: Round, judge: User, remaining: int, total: int, note: str) -> None:
    queue_mail(
        judge.email,
        _l("Reminder: %(n)d reviews to finish in %(round)s", n=remaining, round=round_.name),
        "judge_reminder",
        locale=judge.locale,
        category="reminder",
        judge=judge,
        round=round_,
        cycle=round_.cycle,
        remaining=remaining,
        total=total,
        note=note,
        link=_path("judging.dashboard"),
    )


def send_reminders(
    round_: Round, judges: list[User], *, actor: User, note: str = ""
) -> tuple[int, list[User]]:
    """Remind the chosen judges now. Judges with nothing left to do are skipped and returned."""
    if not judges:
        raise DomainError(_("Choose at least one judge."), field="judge_ids")
    left = outstanding(round_)
    sent, skipped = 0, []
    for judge in judges:
        if judge.id not in left:
            skipped.append(judge)
            continue
        remaining, total = left[judge.id]
        _queue_reminder(round_, judge, remaining, total, note.strip())
        sent += 1
    if sent:
        audit.record(
            actor,
            "round.reminders_sent",
            round_,
            after={"judges": sorted(j.id for j in judges if j.id in left)},
            message=note.strip(),
        )
    return sent, skipped


def queue_scheduled_reminders(now: datetime | None = None) -> int:
    """Queue the reminders due now for every open round; each (round, judge, kind) once."""
    now = now or utcnow()
    queued = 0
    rounds = db.session.scalars(
        select(Round).where(
            Round.status == RoundStatus.OPEN,
            Round.closes_at.is_not(None),
            Round.closes_at > now,
        )
    ).all()
    for round_ in rounds:
        kind = due_kind(round_, now)
        if kind is None:
            continue
        # Workers on PostgreSQL serialise per round here; the unique (round, judge, kind)
        # constraint is the last word.
        db.session.execute(select(Round.id).where(Round.id == round_.id).with_for_update())
        left = outstanding(round_)
        if not left:
            continue
        done = set(
            db.session.scalars(
                select(ReminderSent.judge_id).where(
                    ReminderSent.round_id == round_.id, ReminderSent.kind == kind
                )
            )
        )
        todo = [judge_id for judge_id in left if judge_id not in done]
        if not todo:
            continue
        for judge in db.session.scalars(select(User).where(User.id.in_(todo))):
            remaining, total = left[judge.id]
            db.session.add(
                ReminderSent(round_id=round_.id, judge_id=judge.id, kind=kind, sent_at=now)
            )
            _queue_reminder(round_, judge, remaining, total, "")
            queued += 1
        db.session.flush()
    return queued


def notify_all_reviews_in(now: datetime | None = None) -> int:
    """Tell the secretariat, once per round, when every active assignment has a submitted
    review. Returns the number of rounds notified."""
    now = now or utcnow()
    submitted = func.coalesce(
        func.sum(case((Review.status == ReviewStatus.SUBMITTED, 1), else_=0)), 0
    )
    complete = (
        db.session.execute(
            select(Assignment.round_id)
            .join(Round, and_(Round.id == Assignment.round_id))
            .outerjoin(Review, Review.assignment_id == Assignment.id)
            .where(
                Round.status == RoundStatus.OPEN,
                Round.all_reviews_in_notified_at.is_(None),
                Assignment.status == AssignmentStatus.ACTIVE,
            )
            .group_by(Assignment.round_id)
            .having(func.count(Assignment.id) == submitted)
        )
        .scalars()
        .all()
    )
    if not complete:
        return 0
    staff = db.session.scalars(
        select(User).where(
            User.role.in_([Role.SECRETARIAT, Role.ADMIN]), User.is_active_account.is_(True)
        )
    ).all()
    notified = 0
    for round_ in db.session.scalars(select(Round).where(Round.id.in_(complete))):
        claimed = db.session.execute(
            Round.__table__.update()
            .where(Round.id == round_.id, Round.all_reviews_in_notified_at.is_(None))
            .values(all_reviews_in_notified_at=now)
        )
        if claimed.rowcount != 1:
            continue  # another worker got there first
        db.session.expire(round_, ["all_reviews_in_notified_at"])
        short = entry_progress(round_, short_only=True)
        for person in staff:
            queue_mail(
                person.email,
                _l("All reviews are in: %(round)s", round=round_.name),
                "round_all_reviews_in",
                locale=person.locale,
                category="progress",
                person=person,
                round=round_,
                cycle=round_.cycle,
                short=short,
                link=_path("rounds_admin.progress_index", round_id=round_.id),
            )
        audit.record(None, "round.all_reviews_in", round_, after={"notified": len(staff)})
        notified += 1
    return notified


def run_round_reminders() -> None:
    """The worker's periodic job: scheduled reminders, then the "all reviews are in" notice."""
    queue_scheduled_reminders()
    notify_all_reviews_in()
