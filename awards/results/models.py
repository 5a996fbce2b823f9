"""Decisions per round, frozen rankings of closed rounds."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Text, UniqueConstraint
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
    RELEASED = "released"  # the applicant has been told


class Decision(TimestampMixin, db.Model):
    __tablename__ = "decisions"
    __table_args__ = (UniqueConstraint("round_id", "submission_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    outcome: Mapped[Outcome] = mapped_column(str_enum(Outcome, "outcome"))
    status: Mapped[DecisionStatus] = mapped_column(
        str_enum(DecisionStatus, "decision_status"), default=DecisionStatus.DRAFT
    )
    reason: Mapped[str] = mapped_column(Text, default="")  # why it differs from the ranking
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    released_at: Mapped[datetime | None]

    round: Mapped[Round] = relationship()
    submission: Mapped[Submission] = relationship()
    decided_by: Mapped[User | None] = relationship()


class FrozenRanking(db.Model):
    """One entry's line of a round's ranking, exactly as it stood when the round closed."""

    __tablename__ = "frozen_rankings"
    __table_args__ = (
        UniqueConstraint("round_id", "submission_id"),
        CheckConstraint("rank > 0", name="rank_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    rank: Mapped[int]
    statistics: Mapped[dict] = mapped_column(JSON)
    frozen_at: Mapped[datetime]
