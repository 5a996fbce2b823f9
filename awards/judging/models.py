"""Conflicts of interest, assignments, reviews and their per-criterion scores."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Double,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column, relationship

from awards.accounts.models import User
from awards.cycles.models import Criterion, Round
from awards.db import TimestampMixin, str_enum
from awards.extensions import db
from awards.submissions.models import Submission


class ConflictSource(StrEnum):
    DETECTED = (
        "detected"  # same organisation, city or country, or judge's organisation is a partner
    )
    SECRETARIAT = "secretariat"
    DECLARED = "declared"  # by the judge


class Conflict(TimestampMixin, db.Model):
    """A judge who must not judge an entry. Lifting keeps the row (and its reason) for the audit."""

    __tablename__ = "conflicts"
    __table_args__ = (
        UniqueConstraint("judge_id", "submission_id"),
        CheckConstraint(
            "lifted_at IS NULL OR length(lifted_reason) > 0", name="lifting_has_reason"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    source: Mapped[ConflictSource] = mapped_column(str_enum(ConflictSource, "conflict_source"))
    reason: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    lifted_at: Mapped[datetime | None]
    lifted_reason: Mapped[str] = mapped_column(Text, default="")

    judge: Mapped[User] = relationship(foreign_keys=[judge_id])
    submission: Mapped[Submission] = relationship()

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None


class AssignmentStatus(StrEnum):
    ACTIVE = "active"
    RECUSED = "recused"  # the judge declared a conflict after assignment: scores stop counting
    REMOVED = "removed"


class Assignment(TimestampMixin, db.Model):
    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("round_id", "judge_id", "submission_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[AssignmentStatus] = mapped_column(
        str_enum(AssignmentStatus, "assignment_status"), default=AssignmentStatus.ACTIVE
    )
    # The judge's own random order (fixed per judge) to avoid order bias.
    sort_key: Mapped[int] = mapped_column(default=0)
    notified_at: Mapped[datetime | None]

    round: Mapped[Round] = relationship()
    judge: Mapped[User] = relationship()
    submission: Mapped[Submission] = relationship()


class ReviewStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


def weighted_total(scores: Iterable[tuple[Decimal | float, int | None, int, int]]) -> float | None:
    """A review's weighted total on 0..100 from (weight, value, scale_min, scale_max) per
    criterion, whatever the criteria's scales:

        total = 100 * sum(w_c * (score_c - min_c) / (max_c - min_c)) / sum(w_c)

    over the criteria scored (a value of None is left out); None when none is. In double
    precision, as the statistics built on it are; each sum is exact-rounded (fsum), so the
    total does not depend on the order the scores come in."""
    terms, weights = [], []
    for weight, value, low, high in scores:
        if value is None:
            continue
        weights.append(float(weight))
        terms.append(float(weight) * (float(value - low) / float(high - low)))
    if not weights:
        return None
    return 100.0 * math.fsum(terms) / math.fsum(weights)


def score_values(scores: Iterable[tuple[int, int | None]]) -> list[int | None]:
    """A review's score values from (criterion_id, value) pairs, in criterion-id order: the
    form `Review.score_values` keeps them in (the ids never change, so neither does the order)."""
    return [value for _, value in sorted(scores, key=lambda pair: pair[0])]


# A list of small integers: an int[] on PostgreSQL, where reading an element is cheap; JSON text
# elsewhere (SQLite has no arrays). SQL NULL, not JSON 'null', for a review without one.
IntegerList = JSON(none_as_null=True).with_variant(ARRAY(Integer), "postgresql")


class Review(TimestampMixin, db.Model):
    """One judge's review of one entry in one round: never shared between rounds."""

    __tablename__ = "reviews"
    __table_args__ = (
        UniqueConstraint("round_id", "judge_id", "submission_id"),
        CheckConstraint("lock_version > 0", name="lock_version_positive"),
        # A submitted review always has every criterion of its round scored, so a total; a
        # draft never has one (it does not count, and its scores may still be missing).
        CheckConstraint(
            "(status = 'submitted' AND weighted_total IS NOT NULL)"
            " OR (status <> 'submitted' AND weighted_total IS NULL)",
            name="weighted_total_when_submitted",
        ),
        # The same for the score values the ranking reads (`score_values`).
        CheckConstraint(
            "(status = 'submitted' AND score_values IS NOT NULL)"
            " OR (status <> 'submitted' AND score_values IS NULL)",
            name="score_values_when_submitted",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), unique=True
    )
    status: Mapped[ReviewStatus] = mapped_column(
        str_enum(ReviewStatus, "review_status"), default=ReviewStatus.DRAFT
    )
    overall_comment: Mapped[str] = mapped_column(Text, default="")
    private_notes: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime | None]
    lock_version: Mapped[int] = mapped_column(default=1)
    # The weighted total of the scores (see `weighted_total`), stored when the review is
    # submitted and on every later save, so the ranking reads one number per review instead
    # of aggregating every score (issue 9). It never goes stale otherwise: a criterion's
    # weight and scale, and a round's set of criteria, are locked once any score exists in a
    # round using them (awards.cycles.services.update_criterion and update_round), and a
    # submitted review never returns to draft. Double precision, like the statistics: stored
    # and read back (and through export-cycle/import-cycle) bit for bit.
    weighted_total: Mapped[float | None] = mapped_column(Double)
    # The values of its scores on the round's criteria, in criterion-id order (None where a
    # criterion has no value), stored and kept in step exactly like `weighted_total`: the
    # ranking's per-criterion means read these 50,000 short lists in the same pass as the
    # totals instead of joining and grouping 300,000 score rows a second time (issue 9). The
    # order stays valid because a round's set of criteria is locked once scoring starts.
    score_values: Mapped[list[int | None] | None] = mapped_column(IntegerList)

    round: Mapped[Round] = relationship()
    judge: Mapped[User] = relationship()
    submission: Mapped[Submission] = relationship()
    assignment: Mapped[Assignment] = relationship()
    scores: Mapped[list[Score]] = relationship(
        back_populates="review", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": lock_version}

    def store_weighted_total(self, criteria: Iterable[Criterion]) -> None:
        """Set `weighted_total` and `score_values` from the scores on `criteria` (the round's;
        their weights), or clear both while the review is a draft. Call it after changing the
        status or any score."""
        if self.status != ReviewStatus.SUBMITTED:
            self.weighted_total = None
            self.score_values = None
            return
        criteria = list(criteria)
        values = {score.criterion_id: score for score in self.scores}
        self.weighted_total = weighted_total(
            (c.weight, values[c.id].value, values[c.id].scale_min, values[c.id].scale_max)
            for c in criteria
            if c.id in values
        )
        self.score_values = score_values(
            (c.id, values[c.id].value if c.id in values else None) for c in criteria
        )


class Score(db.Model):
    """A score on one criterion. The composite foreign key copies the criterion's scale, so the
    database itself refuses a value outside it."""

    __tablename__ = "scores"
    __table_args__ = (
        UniqueConstraint("review_id", "criterion_id"),
        ForeignKeyConstraint(
            ["criterion_id", "scale_min", "scale_max"],
            ["criteria.id", "criteria.scale_min", "criteria.scale_max"],
            name="fk_scores_criterion_scale",
            ondelete="RESTRICT",
        ),
        CheckConstraint(
            "value IS NULL OR (value >= scale_min AND value <= scale_max)", name="value_in_scale"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"))
    criterion_id: Mapped[int] = mapped_column(index=True)
    scale_min: Mapped[int]
    scale_max: Mapped[int]
    value: Mapped[int | None]
    comment: Mapped[str] = mapped_column(Text, default="")

    @classmethod
    def on(cls, criterion: Criterion, value: int | None, comment: str = "") -> Score:
        """A score on `criterion`, carrying the copy of its scale the foreign key checks."""
        return cls(
            criterion_id=criterion.id,
            scale_min=criterion.scale_min,
            scale_max=criterion.scale_max,
            value=value,
            comment=comment,
        )

    review: Mapped[Review] = relationship(back_populates="scores")
    criterion: Mapped[Criterion] = relationship(
        foreign_keys=[criterion_id], primaryjoin="Score.criterion_id == Criterion.id"
    )


class ReminderSent(db.Model):
    """Remembers scheduled reminders already queued, so the worker never sends one twice."""

    __tablename__ = "reminders_sent"
    __table_args__ = (UniqueConstraint("round_id", "judge_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    judge_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    sent_at: Mapped[datetime]
