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
