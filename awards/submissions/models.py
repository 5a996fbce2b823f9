"""The applicant's initiative: step 1 fields, step 2 sections, attachments and versions."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from awards.accounts.models import Organisation, User
from awards.cycles.models import Cycle, Domain, FormSection
from awards.db import TimestampMixin, str_enum
from awards.extensions import db


class SubmissionStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    CLARIFICATION = "clarification"  # reopened by the secretariat with a personal deadline
    VALID = "valid"
    INVALID = "invalid"
    WITHDRAWN = "withdrawn"


class InitiativeStatus(StrEnum):
    ONGOING = "ongoing"
    COMPLETED = "completed"


INITIATIVE_STATUS_LABELS = {
    InitiativeStatus.ONGOING: _l("ongoing"),
    InitiativeStatus.COMPLETED: _l("completed"),
}


submission_domains = db.Table(
    "submission_domains",
    db.Column("submission_id", ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True),
    db.Column("domain_id", ForeignKey("domains.id", ondelete="CASCADE"), primary_key=True),
)


class Submission(TimestampMixin, db.Model):
    __tablename__ = "submissions"
    __table_args__ = (
        CheckConstraint(
            "status = 'draft' OR reference_code IS NOT NULL", name="submitted_has_reference"
        ),
        CheckConstraint(
            "end_date IS NULL OR start_date IS NULL OR end_date >= start_date",
            name="end_after_start",
        ),
        CheckConstraint(
            "status != 'invalid' OR length(invalid_reason) > 0", name="invalid_has_reason"
        ),
        CheckConstraint("lock_version > 0", name="lock_version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[SubmissionStatus] = mapped_column(
        str_enum(SubmissionStatus, "submission_status"), default=SubmissionStatus.DRAFT, index=True
    )
    reference_code: Mapped[str | None] = mapped_column(String(24), unique=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    umbrella_programme: Mapped[str] = mapped_column(String(300), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    start_date: Mapped[date | None]
    initiative_status: Mapped[InitiativeStatus | None] = mapped_column(
        str_enum(InitiativeStatus, "initiative_status")
    )
    end_date: Mapped[date | None]
    sdgs: Mapped[list] = mapped_column(JSON, default=list)  # SDG numbers 1..17
    video_links: Mapped[list] = mapped_column(JSON, default=list)
    submitted_at: Mapped[datetime | None]
    first_submitted_at: Mapped[datetime | None]
    personal_deadline: Mapped[datetime | None]
    secretariat_message: Mapped[str] = mapped_column(Text, default="")
    invalid_reason: Mapped[str] = mapped_column(Text, default="")
    withdrawn_reason: Mapped[str] = mapped_column(Text, default="")
    duplicate_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("submissions.id", ondelete="SET NULL")
    )
    # Optimistic concurrency for step 1: a save must name the version it was edited from.
    lock_version: Mapped[int] = mapped_column(default=1)

    cycle: Mapped[Cycle] = relationship()
    organisation: Mapped[Organisation] = relationship()
    created_by: Mapped[User | None] = relationship()
    domains: Mapped[list[Domain]] = relationship(secondary=submission_domains)
    contacts: Mapped[list[Contact]] = relationship(
        back_populates="submission", order_by="Contact.position", cascade="all, delete-orphan"
    )
    partners: Mapped[list[Partner]] = relationship(
        back_populates="submission", order_by="Partner.position", cascade="all, delete-orphan"
    )
    answers: Mapped[list[SectionAnswer]] = relationship(
        back_populates="submission", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="submission", order_by="Attachment.id", cascade="all, delete-orphan"
    )
    versions: Mapped[list[SubmissionVersion]] = relationship(
        back_populates="submission",
        order_by="SubmissionVersion.number",
        cascade="all, delete-orphan",
    )
    # The older entry of the same organisation whose title is very similar (a likely duplicate).
    duplicate_of: Mapped[Submission | None] = relationship(remote_side=[id])

    __mapper_args__ = {"version_id_col": lock_version}

    @property
    def display_title(self) -> str:
        return self.title or "(untitled initiative)"

    def __repr__(self) -> str:
        return f"<Submission {self.id} {self.reference_code or 'draft'} {self.status}>"


class Contact(db.Model):
    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str] = mapped_column(String(60), default="")
    position: Mapped[int] = mapped_column(default=0)

    submission: Mapped[Submission] = relationship(back_populates="contacts")


class Partner(db.Model):
    """A named partner organisation; a judge from it is conflicted with the entry."""

    __tablename__ = "partners"
    __table_args__ = (UniqueConstraint("submission_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)

    submission: Mapped[Submission] = relationship(back_populates="partners")


class SectionAnswer(db.Model):
    """The text of one step-2 section; saved on its own with its own version counter."""

    __tablename__ = "section_answers"
    __table_args__ = (
        UniqueConstraint("submission_id", "section_id"),
        CheckConstraint("version > 0", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    section_id: Mapped[int] = mapped_column(ForeignKey("form_sections.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime | None]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    submission: Mapped[Submission] = relationship(back_populates="answers")
    section: Mapped[FormSection] = relationship()
    updated_by: Mapped[User | None] = relationship()


class Attachment(TimestampMixin, db.Model):
    __tablename__ = "attachments"
    __table_args__ = (CheckConstraint("size_bytes > 0", name="size_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    storage_key: Mapped[str] = mapped_column(String(300), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(10))  # the sniffed type: pdf, jpeg, png, docx...
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    caption: Mapped[str] = mapped_column(String(500), default="")
    public: Mapped[bool] = mapped_column(default=False)  # may be shown on the public vote page
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    submission: Mapped[Submission] = relationship(back_populates="attachments")


class SubmissionVersion(db.Model):
    """A frozen copy of the application each time it is submitted."""

    __tablename__ = "submission_versions"
    __table_args__ = (
        UniqueConstraint("submission_id", "number"),
        CheckConstraint("number > 0", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    number: Mapped[int]
    snapshot: Mapped[dict] = mapped_column(JSON)
    submitted_at: Mapped[datetime]
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    submission: Mapped[Submission] = relationship(back_populates="versions")


class Feedback(TimestampMixin, db.Model):
    """Written feedback from the secretariat to an early-bird entry."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime | None]

    submission: Mapped[Submission] = relationship()
    author: Mapped[User | None] = relationship()
