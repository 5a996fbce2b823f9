"""Reusable reads for the judge's side of judging.

The results code aggregates scores through `counted_reviews_select` / `counted_scores_select`
(or the clause `counted_review_clause`): a review counts only when it is submitted, its
assignment is still active (not recused, not removed) and no active conflict of interest links
its judge to the entry. Everything else a judge wrote is kept, and flagged by
`reviews_with_standing`, but never counts.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import g
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, case, exists, or_, select, tuple_
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from awards.core.models import AuditEvent
from awards.cycles.fields import SUBMISSION_BLIND_FIELDS, section_blind_key
from awards.cycles.models import PanelMember, Round, RoundStatus
from awards.extensions import db
from awards.judging.models import (
    Assignment,
    AssignmentStatus,
    Conflict,
    Review,
    ReviewStatus,
    Score,
)
from awards.submissions.models import Attachment, Submission, SubmissionStatus

# Rounds whose entries an assigned judge may open: read-write while open, read-only once closed.
VISIBLE_ROUND_STATUSES = (RoundStatus.OPEN, RoundStatus.CLOSED)

INLINE_KINDS = frozenset({"pdf", "jpeg", "jpg", "png", "gif", "webp"})


# --- order --------------------------------------------------------------------------------------


def stable_order_key(judge_id: int, submission_id: int) -> int:
    """A pseudo-random number fixed for one judge and one entry: each judge gets their own
    order, the same on every visit, so that no entry is always read first or last."""
    digest = hashlib.blake2b(f"{judge_id}:{submission_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


def order_key(judge_id: int, submission_id: int, sort_key: int) -> tuple[int, int]:
    """The judge's order: the assignment's own sort_key when the secretariat set one, else the
    stable hash; ties broken by entry id."""
    return (sort_key or stable_order_key(judge_id, submission_id), submission_id)


# --- the dashboard ------------------------------------------------------------------------------


class EntryState:
    NOT_STARTED = "not_started"
    DRAFT = "draft"
    SUBMITTED = "submitted"


STATE_LABELS = {
    EntryState.NOT_STARTED: _l("Not started"),
    EntryState.DRAFT: _l("Draft"),
    EntryState.SUBMITTED: _l("Submitted"),
}


def state_labels() -> dict[str, str]:
    """The three labels in the viewer's language, translated once per request (a dashboard
    shows one per entry)."""
    if "judging_state_labels" not in g:
        g.judging_state_labels = {state: str(label) for state, label in STATE_LABELS.items()}
    return g.judging_state_labels


@dataclass(frozen=True)
class OrderedEntry:
    assignment_id: int
    round_id: int
    submission_id: int
    reference_code: str
    title: str
    state: str
    saved_at: datetime | None

    @property
    def state_label(self) -> str:
        return state_labels()[self.state]


@dataclass
class RoundProgress:
    round: Round
    entries: list[OrderedEntry] = field(default_factory=list)
    total: int = 0
    submitted: int = 0
    drafts: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.submitted / self.total) if self.total else 0

    @property
    def next_unscored(self) -> OrderedEntry | None:
        return next((e for e in self.entries if e.state != EntryState.SUBMITTED), None)


def _active_assignments_of(judge_id: int):
    return and_(
        Assignment.judge_id == judge_id,
        Assignment.status == AssignmentStatus.ACTIVE,
        Submission.status != SubmissionStatus.WITHDRAWN,
    )


def _state_of(review_status: ReviewStatus | None) -> str:
    if review_status is None:
        return EntryState.NOT_STARTED
    return EntryState.SUBMITTED if review_status == ReviewStatus.SUBMITTED else EntryState.DRAFT


def judge_dashboard(judge_id: int) -> list[RoundProgress]:
    """The rounds a judge sits on (open ones first, then closed ones), each with the judge's
    active entries in the judge's own order and the progress.

    Two statements whatever the number of rounds and entries.
    """
    rounds = db.session.scalars(
        select(Round)
        .options(joinedload(Round.cycle))
        .where(
            Round.status.in_(VISIBLE_ROUND_STATUSES),
            or_(
                exists().where(PanelMember.round_id == Round.id, PanelMember.user_id == judge_id),
                exists().where(Assignment.round_id == Round.id, Assignment.judge_id == judge_id),
            ),
        )
        .order_by(
            case((Round.status == RoundStatus.OPEN, 0), else_=1),
            Round.closes_at.is_(None),  # rounds without a closing date last, on every database
            Round.closes_at,
            Round.cycle_id,
            Round.position,
        )
    ).all()
    if not rounds:
        return []
    by_id = {r.id: RoundProgress(round=r) for r in rounds}

    rows = db.session.execute(
        select(
            Assignment.id,
            Assignment.round_id,
            Assignment.submission_id,
            Assignment.sort_key,
            Submission.reference_code,
            Submission.title,
            Review.status,
            Review.updated_at,
        )
        .join(Submission, Submission.id == Assignment.submission_id)
        .outerjoin(Review, Review.assignment_id == Assignment.id)
        .where(_active_assignments_of(judge_id), Assignment.round_id.in_(by_id))
    ).all()
    rows.sort(key=lambda r: order_key(judge_id, r.submission_id, r.sort_key))
    for row in rows:
        by_id[row.round_id].entries.append(
            OrderedEntry(
                assignment_id=row.id,
                round_id=row.round_id,
                submission_id=row.submission_id,
                reference_code=row.reference_code or "",
                title=row.title,
                state=_state_of(row.status),
                saved_at=row.updated_at,
            )
        )

    # The progress counts come from the same rows: no second pass over the assignments.
    for progress in by_id.values():
        states = [entry.state for entry in progress.entries]
        progress.total = len(states)
        progress.submitted = states.count(EntryState.SUBMITTED)
        progress.drafts = states.count(EntryState.DRAFT)
    return list(by_id.values())


def judge_round_order(judge_id: int, round_id: int) -> list[OrderedEntry]:
    """The judge's active entries of one round, in the judge's order."""
    rows = db.session.execute(
        select(
            Assignment.id,
            Assignment.submission_id,
            Assignment.sort_key,
            Submission.reference_code,
            Submission.title,
            Review.status,
            Review.updated_at,
        )
        .join(Submission, Submission.id == Assignment.submission_id)
        .outerjoin(Review, Review.assignment_id == Assignment.id)
        .where(_active_assignments_of(judge_id), Assignment.round_id == round_id)
    ).all()
    rows.sort(key=lambda r: order_key(judge_id, r.submission_id, r.sort_key))
    return [
        OrderedEntry(
            assignment_id=r.id,
            round_id=round_id,
            submission_id=r.submission_id,
            reference_code=r.reference_code or "",
            title=r.title,
            state=_state_of(r.status),
            saved_at=r.updated_at,
        )
        for r in rows
    ]


def next_unscored(order: list[OrderedEntry], current_submission_id: int) -> OrderedEntry | None:
    """The first entry after the current one (wrapping round) whose review is not submitted."""
    ids = [e.submission_id for e in order]
    start = ids.index(current_submission_id) + 1 if current_submission_id in ids else 0
    for entry in order[start:] + order[:start]:
        if entry.submission_id != current_submission_id and entry.state != EntryState.SUBMITTED:
            return entry
    return None


# --- one entry ----------------------------------------------------------------------------------


def assignment_for(judge_id: int, round_id: int, submission_id: int) -> Assignment | None:
    """The judge's assignment to an entry in a round, with its round, cycle and entry loaded.
    Whether the judge may use it is `permissions.can_view_entry`'s decision."""
    return db.session.scalar(
        select(Assignment)
        .join(Assignment.round)
        .join(Assignment.submission)
        .options(
            contains_eager(Assignment.round).joinedload(Round.cycle),
            contains_eager(Assignment.submission),
        )
        .where(
            Assignment.judge_id == judge_id,
            Assignment.round_id == round_id,
            Assignment.submission_id == submission_id,
        )
    )


def review_for(assignment: Assignment) -> Review | None:
    return db.session.scalar(
        select(Review)
        .options(selectinload(Review.scores))
        .where(Review.assignment_id == assignment.id)
        .execution_options(populate_existing=True)
    )


@dataclass(frozen=True)
class EntrySection:
    key: str
    title: str
    body: str


@dataclass(frozen=True)
class EntryAttachment:
    id: int
    name: str
    caption: str
    kind: str
    size_bytes: int
    opens_inline: bool


@dataclass
class EntryView:
    """What a judge may see of an application: the template gets this, never the Submission,
    so a hidden field cannot leak through a template slip."""

    reference_code: str
    title: str
    summary: str
    submitted_at: datetime | None
    start_date: date | None
    end_date: date | None
    initiative_status: str
    sdgs: list[int]
    domains: list[str]
    umbrella_programme: str | None = None
    organisation_name: str | None = None
    website: str | None = None
    government_level: str | None = None
    city: str | None = None
    country_code: str | None = None
    region: str | None = None
    population: int | None = None
    contacts: list[dict[str, str]] | None = None
    partners: list[str] | None = None
    video_links: list[str] | None = None
    attachments: list[EntryAttachment] | None = None
    sections: list[EntrySection] = field(default_factory=list)
    hidden: list[str] = field(default_factory=list)


def opens_inline(attachment: Attachment) -> bool:
    return (
        attachment.kind.lower() in INLINE_KINDS
        or attachment.content_type == "application/pdf"
        or attachment.content_type.startswith("image/")
    )


def visible_entry(submission: Submission, round_: Round) -> EntryView:
    """The application as submitted, minus the fields and sections the round hides."""
    blind = set(round_.blind_fields or [])
    org = submission.organisation
    view = EntryView(
        reference_code=submission.reference_code or "",
        title=submission.title,
        summary=submission.summary,
        submitted_at=submission.first_submitted_at or submission.submitted_at,
        start_date=submission.start_date,
        end_date=submission.end_date,
        initiative_status=(
            submission.initiative_status.value if submission.initiative_status else ""
        ),
        sdgs=sorted(int(n) for n in submission.sdgs or []),
        domains=[d.name for d in submission.domains],
    )
    if "umbrella_programme" not in blind:
        view.umbrella_programme = submission.umbrella_programme
    if "organisation" not in blind:
        view.organisation_name = org.name
        view.website = org.website
        view.government_level = org.level.value
    if "city" not in blind:
        view.city = org.city
    if "country" not in blind:
        view.country_code = org.country_code
    if "region" not in blind:
        view.region = org.region
    if "population" not in blind:
        view.population = org.population
    if "contacts" not in blind:
        view.contacts = [
            {"name": c.name, "role": c.role, "email": c.email, "phone": c.phone}
            for c in submission.contacts
        ]
    if "partners" not in blind:
        view.partners = [p.name for p in submission.partners]
    if "video_links" not in blind:
        view.video_links = list(submission.video_links or [])
    if "attachments" not in blind:
        view.attachments = [
            EntryAttachment(
                id=a.id,
                name=a.original_name,
                caption=a.caption,
                kind=a.kind,
                size_bytes=a.size_bytes,
                opens_inline=opens_inline(a),
            )
            for a in submission.attachments
        ]
    answers = {a.section_id: a.body for a in submission.answers}
    for section in submission.cycle.sections:
        if section_blind_key(section.key) in blind:
            continue
        view.sections.append(EntrySection(section.key, section.title, answers.get(section.id, "")))
    view.hidden = [str(label) for key, label in SUBMISSION_BLIND_FIELDS if key in blind] + [
        s.title for s in submission.cycle.sections if section_blind_key(s.key) in blind
    ]
    return view


# --- which reviews count ------------------------------------------------------------------------


def _active_conflict_exists():
    return exists().where(
        Conflict.judge_id == Review.judge_id,
        Conflict.submission_id == Review.submission_id,
        Conflict.lifted_at.is_(None),
    )


def counted_review_clause():
    """The SQL condition for "this review counts" (use it with Review joined to its
    Assignment on Review.assignment_id): submitted, assignment active, no active conflict.

    The conflict test is NOT IN over the (few) active conflicts rather than NOT EXISTS:
    PostgreSQL hashes that list once instead of probing the conflicts table for each of a
    large round's 50,000 reviews (5 % of the 10,000-entry ranking). Both columns are NOT NULL,
    so NOT IN means exactly what NOT EXISTS did."""
    active_conflicts = select(Conflict.judge_id, Conflict.submission_id).where(
        Conflict.lifted_at.is_(None)
    )
    return and_(
        Review.status == ReviewStatus.SUBMITTED,
        Assignment.status == AssignmentStatus.ACTIVE,
        tuple_(Review.judge_id, Review.submission_id).not_in(active_conflicts),
    )


def counted_reviews_select(round_id: int) -> Select:
    """SELECT of the round's reviews that count, for the results code to aggregate or join."""
    return (
        select(Review)
        .join(Assignment, Assignment.id == Review.assignment_id)
        .where(Review.round_id == round_id, counted_review_clause())
    )


def counted_reviews(round_: Round) -> list[Review]:
    """The round's reviews that count: submitted, by a judge still assigned (not recused or
    removed) and not in conflict with the entry. Never drafts."""
    return list(
        db.session.scalars(
            counted_reviews_select(round_.id)
            .options(selectinload(Review.scores))
            .order_by(Review.submission_id, Review.id)
        )
    )


def counted_scores_select(round_id: int) -> Select:
    """One row per counted score of the round: (submission_id, judge_id, review_id,
    criterion_id, value). Scores a judge left empty in a draft never appear (drafts never
    count); a submitted review has every criterion scored."""
    return (
        select(
            Review.submission_id,
            Review.judge_id,
            Review.id.label("review_id"),
            Score.criterion_id,
            Score.value,
        )
        .join(Score, Score.review_id == Review.id)
        .join(Assignment, Assignment.id == Review.assignment_id)
        .where(Review.round_id == round_id, counted_review_clause(), Score.value.is_not(None))
    )


@dataclass(frozen=True)
class ReviewStanding:
    review_id: int
    judge_id: int
    submission_id: int
    status: ReviewStatus
    assignment_status: AssignmentStatus
    conflicted: bool
    counted: bool

    @property
    def excluded_because(self) -> str | None:
        if self.counted:
            return None
        if self.assignment_status == AssignmentStatus.RECUSED or self.conflicted:
            return "recused"
        if self.assignment_status == AssignmentStatus.REMOVED:
            return "removed"
        return "draft"


def _standing_select() -> Select:
    conflicted = _active_conflict_exists()
    return select(
        Review.id,
        Review.judge_id,
        Review.submission_id,
        Review.status,
        Assignment.status,
        case((conflicted, True), else_=False),
        case((counted_review_clause(), True), else_=False),
    ).join(Assignment, Assignment.id == Review.assignment_id)


def reviews_with_standing(round_id: int) -> list[ReviewStanding]:
    """Every review of the round with whether it counts, decided in SQL by the same clause as
    `counted_reviews`: a recused judge's scores are there, flagged as excluded."""
    rows = db.session.execute(
        _standing_select()
        .where(Review.round_id == round_id)
        .order_by(Review.submission_id, Review.id)
    ).all()
    return [ReviewStanding(*row) for row in rows]


def standing_of(review: Review) -> ReviewStanding:
    row = db.session.execute(_standing_select().where(Review.id == review.id)).one()
    return ReviewStanding(*row)


def other_counted_reviews(assignment: Assignment) -> list[Review]:
    """Other judges' counted reviews of the same entry in the same round (for rounds that show
    them after the judge's own review; the caller checks `can_see_other_reviews`)."""
    return list(
        db.session.scalars(
            counted_reviews_select(assignment.round_id)
            .options(selectinload(Review.scores))
            .where(
                Review.submission_id == assignment.submission_id,
                Review.judge_id != assignment.judge_id,
            )
            .order_by(Review.id)
        )
    )


# --- history ------------------------------------------------------------------------------------


def review_history(review: Review) -> list[tuple[AuditEvent, str | None]]:
    """The audit events of a review, oldest first, each with its author's name."""
    from awards.accounts.models import User

    rows = db.session.execute(
        select(AuditEvent, User.name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.subject_type == Review.__tablename__, AuditEvent.subject_id == review.id)
        .order_by(AuditEvent.created_at, AuditEvent.id)
    ).all()
    return [(event, name) for event, name in rows]
