"""What a judge does: save and submit reviews, declare conflicts of interest."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from awards import audit
from awards.accounts.models import Role, User
from awards.cycles.models import Criterion, Round, RoundStatus
from awards.db import utcnow
from awards.errors import DeadlinePassed, DomainError, PermissionDenied, StaleEdit
from awards.extensions import db
from awards.judging.models import (
    Assignment,
    AssignmentStatus,
    Conflict,
    ConflictSource,
    Review,
    ReviewStatus,
    Score,
)
from awards.judging.permissions import round_accepts_reviews
from awards.mail import queue_mail

MAX_TEXT = 20_000


class ReviewIntent(StrEnum):
    DRAFT = "draft"  # "Save draft" and "Save and next"
    SUBMIT = "submit"  # "Submit review": checks completeness
    AUTOSAVE = "autosave"  # the page saving a draft on its own


@dataclass(frozen=True)
class ScoreInput:
    value: int | None = None
    comment: str = ""


@dataclass(frozen=True)
class ReviewInput:
    """What the judge typed. `lock_version` is the version the form was loaded from (0 when
    no review existed yet)."""

    scores: Mapping[int, ScoreInput] = field(default_factory=dict)
    overall_comment: str = ""
    private_notes: str = ""
    lock_version: int = 0


class ReviewErrors(DomainError):
    """Several fields are wrong at once; `field_errors` maps form field names to messages."""

    def __init__(self, field_errors: dict[str, str]):
        super().__init__(_("Please correct the fields marked below. Nothing you typed is lost."))
        self.field_errors = field_errors


def score_field(criterion_id: int) -> str:
    return f"score_{criterion_id}"


def comment_field(criterion_id: int) -> str:
    return f"comment_{criterion_id}"


def scale_message(criterion: Criterion) -> str:
    return _(
        "Choose a score from %(low)d to %(high)d for %(name)s.",
        low=criterion.scale_min,
        high=criterion.scale_max,
        name=criterion.name,
    )


def _check_judge_may_write(assignment: Assignment, actor: User) -> None:
    if actor is None or actor.id != assignment.judge_id:
        raise PermissionDenied(_("This entry is not assigned to you."))
    if assignment.status != AssignmentStatus.ACTIVE:
        raise DomainError(
            _("You declared a conflict of interest with this entry; it is no longer yours.")
        )
    if not round_accepts_reviews(assignment.round):
        if assignment.round.status == RoundStatus.OPEN and (
            assignment.round.closes_at is None or utcnow() < assignment.round.closes_at
        ):
            raise DeadlinePassed(_("This round is not open for scoring yet."))
        raise DeadlinePassed(
            _("This round is closed: reviews are read-only now. Nothing was saved.")
        )


def _input_errors(
    criteria: list[Criterion], data: ReviewInput, *, complete: bool, comment_required: bool
) -> dict[str, str]:
    errors: dict[str, str] = {}
    for criterion in criteria:
        given = data.scores.get(criterion.id, ScoreInput())
        if given.value is not None and not (
            criterion.scale_min <= given.value <= criterion.scale_max
        ):
            errors[score_field(criterion.id)] = scale_message(criterion)
        elif complete and given.value is None:
            errors[score_field(criterion.id)] = _(
                "Give a score for %(name)s before submitting.", name=criterion.name
            )
        if len(given.comment) > MAX_TEXT:
            errors[comment_field(criterion.id)] = _(
                "Keep the comment under %(n)d characters.", n=MAX_TEXT
            )
        elif complete and comment_required and not given.comment.strip():
            errors[comment_field(criterion.id)] = _(
                "This round asks for a comment on each criterion: add one for %(name)s.",
                name=criterion.name,
            )
    for name in ("overall_comment", "private_notes"):
        if len(getattr(data, name)) > MAX_TEXT:
            errors[name] = _("Keep this under %(n)d characters.", n=MAX_TEXT)
    return errors


def _snapshot(review: Review) -> dict[str, Any]:
    """What the audit trail keeps of a review: status, scores and comments, never the
    private notes (only the judge sees those)."""
    values: dict[str, Any] = {"status": review.status.value if review.status else "draft"}
    for score in sorted(review.scores, key=lambda s: s.criterion_id):
        values[score_field(score.criterion_id)] = score.value
        values[comment_field(score.criterion_id)] = score.comment
    values["overall_comment"] = review.overall_comment
    return values


def save_review(
    assignment: Assignment,
    data: ReviewInput,
    *,
    actor: User,
    intent: ReviewIntent = ReviewIntent.DRAFT,
) -> Review:
    """Save the judge's review of an assigned entry, creating it on the first save.

    A draft may have empty scores; submitting (or changing a review already submitted, which
    stays submitted) needs every criterion scored and, if the round says so, commented. A
    score outside its criterion's scale is refused before the database would refuse it.
    `data.lock_version` must be the review's current version, else StaleEdit (another tab
    saved in between); on StaleEdit the session has been rolled back. Submitting and each
    change to a submitted review are audited with the scores before and after. Raises
    PermissionDenied, DeadlinePassed, ReviewErrors (field -> message) or DomainError.
    """
    _check_judge_may_write(assignment, actor)
    round_ = assignment.round
    review = db.session.scalar(
        select(Review)
        .where(Review.assignment_id == assignment.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    current_version = review.lock_version if review is not None else 0
    if data.lock_version != current_version:
        raise StaleEdit(_stale_message())
    was_submitted = review is not None and review.status == ReviewStatus.SUBMITTED
    if was_submitted and intent == ReviewIntent.AUTOSAVE:
        raise DomainError(
            _(
                "This review is submitted, so it is not saved automatically. "
                "Use “Save changes” to change it."
            )
        )
    complete = intent == ReviewIntent.SUBMIT or was_submitted
    criteria = list(round_.criteria)
    errors = _input_errors(
        criteria, data, complete=complete, comment_required=round_.comment_required
    )
    if errors:
        raise ReviewErrors(errors)

    created = review is None
    before = None if created else _snapshot(review)
    if created:
        review = Review(
            round_id=assignment.round_id,
            judge_id=assignment.judge_id,
            submission_id=assignment.submission_id,
            assignment=assignment,
            status=ReviewStatus.DRAFT,
        )
        db.session.add(review)
    existing = {score.criterion_id: score for score in review.scores}
    for criterion in criteria:
        given = data.scores.get(criterion.id, ScoreInput())
        score = existing.get(criterion.id)
        if score is None:
            score = Score(criterion_id=criterion.id)
            review.scores.append(score)
        # The composite foreign key pins the copy of the scale to the criterion's own.
        score.scale_min, score.scale_max = criterion.scale_min, criterion.scale_max
        score.value = given.value
        score.comment = given.comment
    review.overall_comment = data.overall_comment
    review.private_notes = data.private_notes
    now = utcnow()
    review.updated_at = now  # always an UPDATE, so the version moves even if only scores did
    if complete and not was_submitted:
        review.status = ReviewStatus.SUBMITTED
        review.submitted_at = review.submitted_at or now
    # On submitting and on every change to a submitted review (its scores may change): the
    # ranking reads this stored total, not the scores.
    review.store_weighted_total(criteria)
    try:
        db.session.flush()
    except (StaleDataError, IntegrityError) as exc:
        # Another tab saved between our read and our write (or created the review first).
        db.session.rollback()
        raise StaleEdit(_stale_message()) from exc

    after = _snapshot(review)
    if created:
        audit.record(actor, "review.started", review, after={"status": "draft"})
    if complete and not was_submitted:
        audit.record(actor, "review.submitted", review, before=before, after=after)
    elif was_submitted and before != after:
        audit.record(actor, "review.changed", review, before=before, after=after)
    return review


def _stale_message() -> str:
    return _(
        "This review was saved from another tab or window after you opened this page, so "
        "nothing was overwritten. Your text is below, next to what is saved now; check it "
        "and save again to keep your version."
    )


def declare_conflict(assignment: Assignment, *, actor: User, reason: str) -> Conflict:
    """The judge declares a conflict of interest with an assigned entry.

    Creates the Conflict (source "declared"), or re-activates a lifted one with the new
    reason; recuses every active assignment of this judge to this entry in rounds not yet
    closed (their reviews stop counting at once, see `queries.counted_review_clause`); audits
    both; e-mails the secretariat. Raises PermissionDenied, DeadlinePassed or DomainError.
    """
    if actor is None or actor.id != assignment.judge_id:
        raise PermissionDenied(_("This entry is not assigned to you."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            _("Tell the secretariat briefly why you cannot judge this entry."), field="reason"
        )
    if len(reason) > 2000:
        raise DomainError(_("Keep the reason under %(n)d characters.", n=2000), field="reason")
    if assignment.status != AssignmentStatus.ACTIVE:
        raise DomainError(_("You have already stepped back from this entry."))
    if assignment.round.status != RoundStatus.OPEN:
        raise DeadlinePassed(
            _("This round is closed. Please write to the secretariat about the conflict.")
        )

    conflict = db.session.scalar(
        select(Conflict)
        .where(
            Conflict.judge_id == assignment.judge_id,
            Conflict.submission_id == assignment.submission_id,
        )
        .with_for_update()
    )
    if conflict is None:
        conflict = Conflict(
            judge_id=assignment.judge_id,
            submission_id=assignment.submission_id,
            source=ConflictSource.DECLARED,
            reason=reason,
            created_by_id=actor.id,
        )
        db.session.add(conflict)
        audit.record(
            actor,
            "conflict.declared",
            conflict,
            after={"source": ConflictSource.DECLARED, "reason": reason},
        )
    elif not conflict.is_active:
        before = {"source": conflict.source, "reason": conflict.reason, "lifted": True}
        conflict.source = ConflictSource.DECLARED
        conflict.reason = reason
        conflict.created_by_id = actor.id
        conflict.lifted_at = None
        conflict.lifted_reason = ""
        audit.record(
            actor,
            "conflict.declared",
            conflict,
            before=before,
            after={"source": ConflictSource.DECLARED, "reason": reason, "lifted": False},
        )
    else:
        # Already known (detected or set by the secretariat) yet still assigned: keep the
        # original record and add the judge's words to the trail.
        audit.record(actor, "conflict.declared", conflict, message=reason)

    recused = db.session.scalars(
        select(Assignment)
        .join(Assignment.round)
        .where(
            Assignment.judge_id == assignment.judge_id,
            Assignment.submission_id == assignment.submission_id,
            Assignment.status == AssignmentStatus.ACTIVE,
            Round.status == RoundStatus.OPEN,
        )
    ).all()
    for each in recused:
        each.status = AssignmentStatus.RECUSED
        audit.record(
            actor,
            "assignment.recused",
            each,
            before={"status": AssignmentStatus.ACTIVE},
            after={"status": AssignmentStatus.RECUSED},
            message=reason,
        )
    db.session.flush()
    _tell_secretariat_of_conflict(assignment, actor=actor, reason=reason)
    return conflict


def secretariat_recipients() -> list[User]:
    """Active secretariat accounts; the administrators when there are none."""
    for role in (Role.SECRETARIAT, Role.ADMIN):
        users = db.session.scalars(
            select(User).where(User.role == role, User.is_active_account.is_(True))
        ).all()
        if users:
            return list(users)
    return []


def _tell_secretariat_of_conflict(assignment: Assignment, *, actor: User, reason: str) -> None:
    submission = assignment.submission
    for recipient in secretariat_recipients():
        queue_mail(
            recipient.email,
            _l(
                "Conflict of interest declared on %(reference)s",
                reference=submission.reference_code or submission.id,
            ),
            "conflict_declared",
            locale=recipient.locale,
            category="judging",
            recipient=recipient,
            judge=actor,
            submission=submission,
            round=assignment.round,
            reason=reason,
        )
