"""Users, their roles, organisations (city and regional governments) and invitations."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from awards.db import TimestampMixin, str_enum, utcnow
from awards.extensions import db


class Role(StrEnum):
    APPLICANT = "applicant"
    JUDGE = "judge"
    SECRETARIAT = "secretariat"
    ADMIN = "admin"


# How a role is named to people, in their language.
ROLE_LABELS = {
    Role.APPLICANT: _l("applicant"),
    Role.JUDGE: _l("judge"),
    Role.SECRETARIAT: _l("member of the secretariat"),
    Role.ADMIN: _l("administrator"),
}


class GovernmentLevel(StrEnum):
    CITY = "city"
    REGIONAL = "regional"
    ASSOCIATION = "association"
    OTHER = "other"


class Organisation(TimestampMixin, db.Model):
    """A city or regional government (or an association of them) that applies."""

    __tablename__ = "organisations"
    __table_args__ = (
        UniqueConstraint("name", "country_code"),
        CheckConstraint("population IS NULL OR population >= 0", name="population_not_negative"),
        CheckConstraint("length(country_code) = 2", name="country_code_iso2"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(200), default="")
    country_code: Mapped[str] = mapped_column(String(2), index=True)
    region: Mapped[str] = mapped_column(String(40), index=True)
    population: Mapped[int | None]
    level: Mapped[GovernmentLevel] = mapped_column(
        str_enum(GovernmentLevel, "government_level"), default=GovernmentLevel.CITY
    )
    website: Mapped[str] = mapped_column(String(300), default="")

    members: Mapped[list[User]] = relationship(back_populates="organisation")

    def __repr__(self) -> str:
        return f"<Organisation {self.name} ({self.country_code})>"


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("email = lower(email)", name="email_lowercase"),
        CheckConstraint(
            "country_code IS NULL OR length(country_code) = 2", name="country_code_iso2"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role, "user_role"), default=Role.APPLICANT)
    is_active_account: Mapped[bool] = mapped_column(default=True)
    email_verified_at: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    locale: Mapped[str | None] = mapped_column(String(10))
    timezone: Mapped[str | None] = mapped_column(String(64))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    # A judge's profile: used to detect conflicts of interest and to match expertise.
    affiliation: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(200), default="")
    country_code: Mapped[str | None] = mapped_column(String(2))
    expertise: Mapped[str] = mapped_column(String(300), default="")  # comma-separated domain keys
    languages: Mapped[str] = mapped_column(String(200), default="")
    bio: Mapped[str] = mapped_column(Text, default="")

    organisation: Mapped[Organisation | None] = relationship(back_populates="members")

    @property
    def is_active(self) -> bool:  # Flask-Login: a deactivated account cannot sign in
        return self.is_active_account

    def get_id(self) -> str:
        """What the session and the remember cookie keep: the id and a fingerprint of the
        password, so that changing the password signs out every other session."""
        from awards.accounts.tokens import password_fingerprint

        return f"{self.id}:{password_fingerprint(self.password_hash)}"

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def expertise_keys(self) -> set[str]:
        return {key.strip() for key in self.expertise.split(",") if key.strip()}

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.SECRETARIAT, Role.ADMIN)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class Invitation(TimestampMixin, db.Model):
    """An e-mailed invitation to join as a judge, staff member or organisation colleague.

    The token in the e-mail is signed and carries this row's id; accepting sets `accepted_at`,
    which makes the link single-use.
    """

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[Role] = mapped_column(str_enum(Role, "invitation_role"))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE")
    )
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    accepted_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    expires_at: Mapped[datetime]

    organisation: Mapped[Organisation | None] = relationship()
    invited_by: Mapped[User | None] = relationship()

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > utcnow()
