"""Award cycles: deadlines in the cycle's own time zone, the form, criteria and rounds."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

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

from awards.db import TimestampMixin, str_enum
from awards.extensions import db

DEFAULT_TIME_ZONE = "Asia/Shanghai"
DEFAULT_ALLOWED_TYPES = "pdf,jpeg,png,docx,pptx,xlsx"


class Cycle(TimestampMixin, db.Model):
    __tablename__ = "cycles"
    __table_args__ = (
        CheckConstraint("opens_at < final_deadline", name="opens_before_final_deadline"),
        CheckConstraint(
            "early_bird_deadline IS NULL OR "
            "(early_bird_deadline > opens_at AND early_bird_deadline <= final_deadline)",
            name="early_bird_within_call",
        ),
        CheckConstraint("eligibility_years > 0", name="eligibility_years_positive"),
        CheckConstraint("max_file_mb > 0", name="max_file_mb_positive"),
        CheckConstraint("max_files > 0", name="max_files_positive"),
        CheckConstraint("max_total_mb >= max_file_mb", name="total_at_least_one_file"),
        CheckConstraint("reference_counter >= 0", name="reference_counter_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    reference_prefix: Mapped[str] = mapped_column(String(12), unique=True)
    time_zone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TIME_ZONE)
    opens_at: Mapped[datetime]
    early_bird_deadline: Mapped[datetime | None]
    final_deadline: Mapped[datetime]
    eligibility_years: Mapped[int] = mapped_column(default=2)
    max_file_mb: Mapped[int] = mapped_column(default=20)
    max_files: Mapped[int] = mapped_column(default=10)
    max_total_mb: Mapped[int] = mapped_column(default=100)
    allowed_types: Mapped[str] = mapped_column(String(200), default=DEFAULT_ALLOWED_TYPES)
    # Incremented atomically on each first submission to hand out reference codes.
    reference_counter: Mapped[int] = mapped_column(default=0)
    results_published_at: Mapped[datetime | None]
    description: Mapped[str] = mapped_column(Text, default="")

    sections: Mapped[list[FormSection]] = relationship(
        back_populates="cycle", order_by="FormSection.position", cascade="all, delete-orphan"
    )
    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="cycle", order_by="Criterion.position", cascade="all, delete-orphan"
    )
    rounds: Mapped[list[Round]] = relationship(
        back_populates="cycle", order_by="Round.position", cascade="all, delete-orphan"
    )
    domains: Mapped[list[Domain]] = relationship(
        back_populates="cycle", order_by="Domain.position", cascade="all, delete-orphan"
    )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def allowed_type_list(self) -> list[str]:
        return [t.strip() for t in self.allowed_types.split(",") if t.strip()]

    def __repr__(self) -> str:
        return f"<Cycle {self.slug}>"


class Domain(db.Model):
    """A thematic domain an initiative can be filed under (multi-select, no prize per domain)."""

    __tablename__ = "domains"
    __table_args__ = (UniqueConstraint("cycle_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(default=0)

    cycle: Mapped[Cycle] = relationship(back_populates="domains")


class FormSection(db.Model):
    """A part of step 2 of the application, with its own word limit and help text."""

    __tablename__ = "form_sections"
    __table_args__ = (
        UniqueConstraint("cycle_id", "key"),
        CheckConstraint("word_limit > 0", name="word_limit_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(200))
    help_text: Mapped[str] = mapped_column(Text, default="")
    word_limit: Mapped[int] = mapped_column(default=500)
    required: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)

    cycle: Mapped[Cycle] = relationship(back_populates="sections")


class Criterion(db.Model):
    """A weighted judging criterion with its rubric and score scale."""

    __tablename__ = "criteria"
    __table_args__ = (
        UniqueConstraint("cycle_id", "name"),
        CheckConstraint("weight > 0", name="weight_positive"),
        CheckConstraint("scale_min < scale_max", name="scale_min_below_max"),
        # Target of the composite foreign key that keeps every score inside its scale.
        UniqueConstraint("id", "scale_min", "scale_max", name="uq_criteria_id_scale"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    rubric: Mapped[str] = mapped_column(Text, default="")
    weight: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal("1"))
    scale_min: Mapped[int] = mapped_column(default=1)
    scale_max: Mapped[int] = mapped_column(default=10)
    position: Mapped[int] = mapped_column(default=0)

    cycle: Mapped[Cycle] = relationship(back_populates="criteria")


class RoundKind(StrEnum):
    COMMITTEE = "committee"
    JURY = "jury"


class RoundStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class ScoreVisibility(StrEnum):
    NEVER = "never"
    AFTER_OWN = "after_own"


round_criteria = db.Table(
    "round_criteria",
    db.Column("round_id", ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True),
    db.Column("criterion_id", ForeignKey("criteria.id", ondelete="RESTRICT"), primary_key=True),
)


class Round(TimestampMixin, db.Model):
    """A judging round: its own panel, criteria and reviews; closing it freezes them."""

    __tablename__ = "rounds"
    __table_args__ = (
        UniqueConstraint("cycle_id", "position"),
        CheckConstraint("judges_per_entry > 0", name="judges_per_entry_positive"),
        CheckConstraint("select_limit >= 0", name="select_limit_not_negative"),
        CheckConstraint("deserving_limit >= 0", name="deserving_limit_not_negative"),
        CheckConstraint("severity_min_reviews >= 2", name="severity_min_reviews_at_least_two"),
        CheckConstraint(
            "opens_at IS NULL OR closes_at IS NULL OR opens_at < closes_at",
            name="opens_before_closes",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[RoundKind] = mapped_column(str_enum(RoundKind, "round_kind"))
    position: Mapped[int] = mapped_column(default=1)
    status: Mapped[RoundStatus] = mapped_column(
        str_enum(RoundStatus, "round_status"), default=RoundStatus.DRAFT
    )
    judges_per_entry: Mapped[int] = mapped_column(default=3)
    opens_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]
    select_limit: Mapped[int] = mapped_column(default=15)
    deserving_limit: Mapped[int] = mapped_column(default=0)
    blind_fields: Mapped[list] = mapped_column(JSON, default=list)
    score_visibility: Mapped[ScoreVisibility] = mapped_column(
        str_enum(ScoreVisibility, "score_visibility"), default=ScoreVisibility.NEVER
    )
    comment_required: Mapped[bool] = mapped_column(default=False)
    severity_min_reviews: Mapped[int] = mapped_column(default=5)
    reminder_days: Mapped[str] = mapped_column(String(40), default="7,1")
    closed_at: Mapped[datetime | None]
    all_reviews_in_notified_at: Mapped[datetime | None]

    cycle: Mapped[Cycle] = relationship(back_populates="rounds")
    criteria: Mapped[list[Criterion]] = relationship(
        secondary=round_criteria, order_by="Criterion.position"
    )
    panel: Mapped[list[PanelMember]] = relationship(
        back_populates="round", cascade="all, delete-orphan"
    )

    @property
    def is_open(self) -> bool:
        return self.status == RoundStatus.OPEN

    def __repr__(self) -> str:
        return f"<Round {self.name} of cycle {self.cycle_id}>"


class PanelMember(db.Model):
    __tablename__ = "panel_members"
    __table_args__ = (
        UniqueConstraint("round_id", "user_id"),
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    capacity: Mapped[int | None]

    round: Mapped[Round] = relationship(back_populates="panel")
    user: Mapped[User] = relationship()  # noqa: F821


from awards.accounts.models import User  # noqa: E402,F401  (resolves the relationship above)
