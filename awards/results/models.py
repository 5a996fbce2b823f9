"""Decisions per round, the secretariat's ranking settings, frozen rankings of closed rounds."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from awards.accounts.models import User
from awards.cycles.models import Round
from awards.db import TimestampMixin, str_enum
from awards.extensions import db
from awards.submissions.models import Submission


class Outcome(StrEnum):
    SHORTLISTED = "shortlisted"
    DESERVING = "deserving"
    NOT_SELECTED = "not_selected"
    WINNER = "winner"
    MEDAL_OF_HONOR = "medal_of_honor"
    SPECIAL_MENTION = "special_mention"


class DecisionStatus(StrEnum):
    DRAFT = "draft"
    HELD = "held"  # the notification e-mail is written and waits in the outbox to be read
    RELEASED = "released"  # the applicant has been told


def _same_as_outcome(context) -> str:
    return context.get_current_parameters()["outcome"]


class Decision(TimestampMixin, db.Model):
    """The outcome of one entry in one round. Created by pre-selection from the ranking
    (`preselected_outcome`); a different outcome chosen by hand must say why."""

    __tablename__ = "decisions"
    __table_args__ = (
        UniqueConstraint("round_id", "submission_id"),
        CheckConstraint(
            "outcome = preselected_outcome OR length(reason) > 0", name="hand_change_has_reason"
        ),
        CheckConstraint(
            "status != 'released' OR released_at IS NOT NULL", name="released_has_time"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    outcome: Mapped[Outcome] = mapped_column(str_enum(Outcome, "outcome"))
    # What the ranking suggested when the secretariat pre-selected (when not given: the outcome).
    preselected_outcome: Mapped[Outcome] = mapped_column(
        str_enum(Outcome, "preselected_outcome"), default=_same_as_outcome
    )
    status: Mapped[DecisionStatus] = mapped_column(
        str_enum(DecisionStatus, "decision_status"), default=DecisionStatus.DRAFT
    )
    reason: Mapped[str] = mapped_column(Text, default="")  # why it differs from the ranking
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    mail_batch: Mapped[str] = mapped_column(String(60), default="", index=True)
    released_at: Mapped[datetime | None]

    round: Mapped[Round] = relationship()
    submission: Mapped[Submission] = relationship()
    decided_by: Mapped[User | None] = relationship()

    @property
    def changed_by_hand(self) -> bool:
        return self.outcome != self.preselected_outcome


class RankBy(StrEnum):
    """The columns a ranking can be sorted on (also the tie-breakers)."""

    CORRECTED_MEAN = "corrected_mean"
    MEAN = "mean"
    MEDIAN = "median"
    N_REVIEWS = "n_reviews"
    SD = "sd"
    MIN = "min"


DEFAULT_RANK_BY = RankBy.CORRECTED_MEAN
DEFAULT_TIE_BREAK = [RankBy.MEDIAN.value, RankBy.N_REVIEWS.value]
DEFAULT_DISAGREEMENT_THRESHOLD = Decimal("15")


class RankingSettings(TimestampMixin, db.Model):
    """How the secretariat ranks one round. Absent means the defaults; frozen with the round."""

    __tablename__ = "ranking_settings"
    __table_args__ = (
        CheckConstraint(
            "disagreement_threshold > 0 AND disagreement_threshold <= 100",
            name="threshold_on_scale",
        ),
        CheckConstraint(
            "rank_by IN ('corrected_mean', 'mean', 'median')", name="rank_by_is_a_score"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), unique=True)
    rank_by: Mapped[RankBy] = mapped_column(str_enum(RankBy, "rank_by"), default=DEFAULT_RANK_BY)
    # Keys of RankBy in order; the reference code always breaks what is left.
    tie_break: Mapped[list] = mapped_column(JSON, default=lambda: list(DEFAULT_TIE_BREAK))
    # An entry whose totals (0 to 100) have a standard deviation above this is discussed first.
    disagreement_threshold: Mapped[Decimal] = mapped_column(
        Numeric(5, 2), default=DEFAULT_DISAGREEMENT_THRESHOLD
    )
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    round: Mapped[Round] = relationship()


class FrozenRanking(db.Model):
    """One entry's line of a round's ranking, exactly as it stood when the round closed."""

    __tablename__ = "frozen_rankings"
    __table_args__ = (
        UniqueConstraint("round_id", "submission_id"),
        UniqueConstraint("round_id", "rank"),
        CheckConstraint("rank > 0", name="rank_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    rank: Mapped[int]
    statistics: Mapped[dict] = mapped_column(JSON)
    frozen_at: Mapped[datetime]
