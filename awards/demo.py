"""Realistic demo data for `make run` and `flask awards seed-demo`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from awards.accounts.services import create_user
from awards.db import utcnow
from awards.extensions import db
from awards.models import Criterion, Cycle, Domain, FormSection, Role

# Demo accounts only; the README lists them.
DEMO_PASSWORD = "demo-password-2026"  # noqa: S105  # nosec B105


def seed_demo() -> None:
    create_user(
        email="admin@demo.gzaward.org",
        name="Ada Admin",
        role=Role.ADMIN,
        password=DEMO_PASSWORD,
        verified=True,
    )
    create_user(
        email="secretariat@demo.gzaward.org",
        name="Li Wei",
        role=Role.SECRETARIAT,
        password=DEMO_PASSWORD,
        verified=True,
    )
    now = utcnow()
    cycle = Cycle(
        name="7th Guangzhou Award (2026)",
        slug="gza7",
        reference_prefix="GZA7",
        opens_at=now - timedelta(days=60),
        early_bird_deadline=now + timedelta(days=5),
        final_deadline=datetime(now.year + 1, 3, 31, 15, 59, tzinfo=UTC),
    )
    for position, (key, title) in enumerate([("background", "Background")]):
        cycle.sections.append(FormSection(key=key, title=title, position=position))
    cycle.domains.append(Domain(key="governance", name="Governance"))
    cycle.criteria.append(Criterion(name="Innovation"))
    db.session.add(cycle)
    db.session.flush()
