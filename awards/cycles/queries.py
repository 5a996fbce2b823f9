"""Reusable reads about cycles."""

from __future__ import annotations

from sqlalchemy import select

from awards.cycles.models import Cycle
from awards.db import utcnow
from awards.extensions import db


def open_cycles() -> list[Cycle]:
    """Cycles whose call is open now (opened, final deadline not passed)."""
    now = utcnow()
    return list(
        db.session.scalars(
            select(Cycle)
            .where(Cycle.opens_at <= now, Cycle.final_deadline > now)
            .order_by(Cycle.final_deadline)
        )
    )


def cycle_by_slug(slug: str) -> Cycle | None:
    return db.session.scalar(select(Cycle).where(Cycle.slug == slug))


def cycle_or_none(cycle_id: int) -> Cycle | None:
    return db.session.get(Cycle, cycle_id)


def latest_cycle() -> Cycle | None:
    return db.session.scalar(select(Cycle).order_by(Cycle.opens_at.desc(), Cycle.id.desc()))


def applicant_recipients(cycle: Cycle) -> list:
    """Active applicant accounts of every organisation with a (not withdrawn) entry in `cycle`."""
    from awards.accounts.models import Role, User
    from awards.submissions.models import Submission, SubmissionStatus

    organisations = select(Submission.organisation_id).where(
        Submission.cycle_id == cycle.id, Submission.status != SubmissionStatus.WITHDRAWN
    )
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.role == Role.APPLICANT,
                User.is_active_account.is_(True),
                User.organisation_id.in_(organisations),
            )
            .order_by(User.email)
        )
    )


def judges() -> list:
    from awards.accounts.models import Role, User

    return list(db.session.scalars(select(User).where(User.role == Role.JUDGE).order_by(User.name)))


def staff() -> list:
    from awards.accounts.models import Role, User

    return list(
        db.session.scalars(
            select(User).where(User.role.in_([Role.SECRETARIAT, Role.ADMIN])).order_by(User.name)
        )
    )


def all_domain_choices() -> list[tuple[str, str]]:
    """Every domain key used by any cycle, for a judge's expertise (keys, newest name wins)."""
    from awards.cycles.models import Domain

    rows = db.session.execute(
        select(Domain.key, Domain.name).order_by(Domain.cycle_id, Domain.position)
    ).all()
    names: dict[str, str] = {}
    for key, name in rows:
        names[key] = name
    return sorted(names.items(), key=lambda pair: pair[1])


def open_invitations() -> list:
    """Invitations to judges and staff not accepted, revoked or expired yet."""
    from awards.accounts.models import Invitation, Role

    return list(
        db.session.scalars(
            select(Invitation)
            .where(
                Invitation.role.in_([Role.JUDGE, Role.SECRETARIAT, Role.ADMIN]),
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
                Invitation.expires_at > utcnow(),
            )
            .order_by(Invitation.created_at.desc())
        )
    )
