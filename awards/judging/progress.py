"""How a round is going: reviews done per judge and per entry, overdue judges, entries short of
reviews. Every figure is a GROUP BY in the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, select

from awards.accounts.models import Organisation, User
from awards.cycles.models import PanelMember, Round
from awards.db import utcnow
from awards.extensions import db
from awards.judging.assignment import eligible_entries_query
from awards.judging.models import Assignment, AssignmentStatus, Review, ReviewStatus
from awards.submissions.models import Submission

SHORT_LIST_LIMIT = 500


@dataclass(frozen=True)
class JudgeProgress:
    judge_id: int
    name: str
    email: str
    assigned: int
    submitted: int
    drafts: int
    recused: int
    overdue: bool

    @property
    def remaining(self) -> int:
        return self.assigned - self.submitted

    @property
    def percent(self) -> int:
        return round(100 * self.submitted / self.assigned) if self.assigned else 100


@dataclass(frozen=True)
class EntryProgress:
    submission_id: int
    code: str
    title: str
    country_code: str
    judges: int
    submitted: int
    required: int

    @property
    def missing(self) -> int:
        return max(self.required - self.submitted, 0)


@dataclass(frozen=True)
class RoundSummary:
    assignments: int
    submitted: int
    drafts: int
    entries: int
    entries_complete: int
    entries_short: int
    overdue_judges: int
    closes_at: datetime | None

    @property
    def percent(self) -> int:
        return round(100 * self.submitted / self.assignments) if self.assignments else 0


def _submitted():
    return func.coalesce(func.sum(case((Review.status == ReviewStatus.SUBMITTED, 1), else_=0)), 0)


def _drafts():
    return func.coalesce(func.sum(case((Review.status == ReviewStatus.DRAFT, 1), else_=0)), 0)


def is_past_close(round_: Round, now: datetime | None = None) -> bool:
    return round_.closes_at is not None and (now or utcnow()) >= round_.closes_at


def judge_progress(round_: Round) -> list[JudgeProgress]:
    """One row per panel member (those without assignments too), slowest first."""
    active = and_(
        Assignment.judge_id == User.id,
        Assignment.round_id == round_.id,
        Assignment.status == AssignmentStatus.ACTIVE,
    )
    recused = (
        select(Assignment.judge_id, func.count().label("n"))
        .where(Assignment.round_id == round_.id, Assignment.status == AssignmentStatus.RECUSED)
        .group_by(Assignment.judge_id)
        .subquery()
    )
    rows = db.session.execute(
        select(
            User.id,
            User.name,
            User.email,
            func.count(Assignment.id),
            _submitted(),
            _drafts(),
            func.coalesce(func.max(recused.c.n), 0),
        )
        .select_from(PanelMember)
        .join(User, User.id == PanelMember.user_id)
        .outerjoin(Assignment, active)
        .outerjoin(Review, Review.assignment_id == Assignment.id)
        .outerjoin(recused, recused.c.judge_id == User.id)
        .where(PanelMember.round_id == round_.id)
        .group_by(User.id, User.name, User.email)
    ).all()
    late = is_past_close(round_)
    result = [
        JudgeProgress(
            judge_id=judge_id,
            name=name,
            email=email,
            assigned=int(assigned),
            submitted=int(submitted),
            drafts=int(drafts),
            recused=int(recused_n),
            overdue=late and int(submitted) < int(assigned),
        )
        for judge_id, name, email, assigned, submitted, drafts, recused_n in rows
    ]
    result.sort(key=lambda row: (row.percent, row.name))
    return result


def _entry_counts(round_: Round):
    return (
        select(
            Assignment.submission_id.label("submission_id"),
            func.count(Assignment.id).label("judges"),
            _submitted().label("submitted"),
        )
        .outerjoin(Review, Review.assignment_id == Assignment.id)
        .where(Assignment.round_id == round_.id, Assignment.status == AssignmentStatus.ACTIVE)
        .group_by(Assignment.submission_id)
        .subquery()
    )


def entry_progress(round_: Round, *, short_only: bool = False) -> list[EntryProgress]:
    """Reviews per entry; with `short_only`, only entries with fewer submitted reviews than the
    round requires (at most SHORT_LIST_LIMIT, the fewest reviews first)."""
    counts = _entry_counts(round_)
    judges = func.coalesce(counts.c.judges, 0)
    submitted = func.coalesce(counts.c.submitted, 0)
    query = (
        select(
            Submission.id,
            Submission.reference_code,
            Submission.title,
            Organisation.country_code,
            judges,
            submitted,
        )
        .join(Organisation, Organisation.id == Submission.organisation_id)
        .outerjoin(counts, counts.c.submission_id == Submission.id)
        .where(Submission.id.in_(eligible_entries_query(round_)))
    )
    if short_only:
        query = query.where(submitted < round_.judges_per_entry).order_by(
            submitted, Submission.reference_code
        )
        query = query.limit(SHORT_LIST_LIMIT)
    else:
        query = query.order_by(Submission.reference_code)
    return [
        EntryProgress(
            submission_id=sid,
            code=code or f"#{sid}",
            title=title,
            country_code=country,
            judges=int(n_judges),
            submitted=int(n_submitted),
            required=round_.judges_per_entry,
        )
        for sid, code, title, country, n_judges, n_submitted in db.session.execute(query).all()
    ]


def summary(round_: Round, judges: list[JudgeProgress] | None = None) -> RoundSummary:
    """Totals of the round; pass `judges` (judge_progress) if you have it, to save a query."""
    totals = db.session.execute(
        select(func.count(Assignment.id), _submitted(), _drafts())
        .select_from(Assignment)
        .outerjoin(Review, Review.assignment_id == Assignment.id)
        .where(Assignment.round_id == round_.id, Assignment.status == AssignmentStatus.ACTIVE)
    ).one()
    counts = _entry_counts(round_)
    submitted = func.coalesce(counts.c.submitted, 0)
    per_entry = db.session.execute(
        select(
            func.count(Submission.id),
            func.coalesce(func.sum(case((submitted >= round_.judges_per_entry, 1), else_=0)), 0),
        )
        .select_from(Submission)
        .outerjoin(counts, counts.c.submission_id == Submission.id)
        .where(Submission.id.in_(eligible_entries_query(round_)))
    ).one()
    judges = judge_progress(round_) if judges is None else judges
    overdue = sum(1 for row in judges if row.overdue)
    entries, complete = int(per_entry[0]), int(per_entry[1])
    return RoundSummary(
        assignments=int(totals[0]),
        submitted=int(totals[1]),
        drafts=int(totals[2]),
        entries=entries,
        entries_complete=complete,
        entries_short=entries - complete,
        overdue_judges=overdue,
        closes_at=round_.closes_at,
    )
