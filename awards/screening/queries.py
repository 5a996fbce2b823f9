"""Reads for validity screening: the queue, its counts, and likely duplicates."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from awards.accounts.models import Organisation, Role, User
from awards.extensions import db
from awards.submissions.models import Submission, SubmissionStatus

PAGE_SIZE = 100
SIMILAR_TITLE_RATIO = 0.8
SCREENED_STATUSES = (
    SubmissionStatus.SUBMITTED,
    SubmissionStatus.CLARIFICATION,
    SubmissionStatus.VALID,
    SubmissionStatus.INVALID,
    SubmissionStatus.WITHDRAWN,
)


@dataclass(frozen=True)
class QueueFilter:
    status: SubmissionStatus | None = SubmissionStatus.SUBMITTED
    country: str = ""
    region: str = ""
    search: str = ""


def _base(cycle_id: int) -> Select:
    return (
        select(Submission)
        .join(Organisation, Submission.organisation_id == Organisation.id)
        .where(
            Submission.cycle_id == cycle_id,
            Submission.reference_code.is_not(None),
            Submission.status != SubmissionStatus.DRAFT,
        )
    )


def queue(cycle_id: int, filters: QueueFilter, *, page: int = 1) -> tuple[list[Submission], int]:
    """One page of the screening queue, oldest submission first, and the number of matches."""
    query = _base(cycle_id)
    if filters.status is not None:
        query = query.where(Submission.status == filters.status)
    if filters.country:
        query = query.where(Organisation.country_code == filters.country)
    if filters.region:
        query = query.where(Organisation.region == filters.region)
    if filters.search:
        pattern = f"%{filters.search.strip().lower()}%"
        query = query.where(
            or_(
                func.lower(Submission.title).like(pattern),
                func.lower(Submission.reference_code).like(pattern),
                func.lower(Organisation.name).like(pattern),
            )
        )
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(
        query.options(selectinload(Submission.organisation))
        .order_by(Submission.first_submitted_at, Submission.id)
        .limit(PAGE_SIZE)
        .offset((max(page, 1) - 1) * PAGE_SIZE)
    ).all()
    return list(rows), total or 0


def counts(cycle_id: int) -> dict[str, list[tuple[str, int]]]:
    """Entries by status, by country and by region (GROUP BY in the database)."""
    base = (
        select(Submission.id, Submission.status, Organisation.country_code, Organisation.region)
        .join(Organisation, Submission.organisation_id == Organisation.id)
        .where(
            Submission.cycle_id == cycle_id,
            Submission.reference_code.is_not(None),
            Submission.status != SubmissionStatus.DRAFT,
        )
        .subquery()
    )

    def grouped(column):
        return [
            (key, n)
            for key, n in db.session.execute(
                select(column, func.count()).group_by(column).order_by(func.count().desc(), column)
            ).all()
        ]

    return {
        "status": grouped(base.c.status),
        "country": grouped(base.c.country_code),
        "region": grouped(base.c.region),
    }


def normalise_title(title: str) -> str:
    text = unicodedata.normalize("NFKD", title or "").encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def titles_similar(a: str, b: str) -> bool:
    left, right = normalise_title(a), normalise_title(b)
    if not left or not right:
        return False
    return left == right or SequenceMatcher(None, left, right).ratio() >= SIMILAR_TITLE_RATIO


def likely_duplicates(submission: Submission) -> list[Submission]:
    """Entries of the same cycle marked as its duplicate (either way), or from the same
    organisation with a very similar title."""
    marked = select(Submission).where(
        Submission.cycle_id == submission.cycle_id,
        Submission.id != submission.id,
        Submission.status != SubmissionStatus.DRAFT,
        or_(
            Submission.duplicate_of_id == submission.id,
            Submission.id == (submission.duplicate_of_id or -1),
        ),
    )
    found = {s.id: s for s in db.session.scalars(marked)}
    siblings = db.session.scalars(
        select(Submission).where(
            Submission.cycle_id == submission.cycle_id,
            Submission.organisation_id == submission.organisation_id,
            Submission.id != submission.id,
            Submission.status != SubmissionStatus.DRAFT,
        )
    )
    for sibling in siblings:
        if sibling.id not in found and titles_similar(sibling.title, submission.title):
            found[sibling.id] = sibling
    return sorted(found.values(), key=lambda s: s.id)


def duplicate_flags(submissions: list[Submission]) -> set[int]:
    """Ids among `submissions` that have a likely duplicate (one query for the whole page)."""
    if not submissions:
        return set()
    cycle_id = submissions[0].cycle_id
    organisation_ids = {s.organisation_id for s in submissions}
    rows = db.session.execute(
        select(
            Submission.id, Submission.organisation_id, Submission.title, Submission.duplicate_of_id
        ).where(
            Submission.cycle_id == cycle_id,
            Submission.status != SubmissionStatus.DRAFT,
            or_(
                Submission.organisation_id.in_(organisation_ids),
                Submission.duplicate_of_id.in_([s.id for s in submissions]),
            ),
        )
    ).all()
    flagged: set[int] = set()
    by_org: dict[int, list[tuple[int, str]]] = {}
    for sid, org, title, duplicate_of in rows:
        by_org.setdefault(org, []).append((sid, title))
        if duplicate_of is not None:
            flagged.update({sid, duplicate_of})
    for submission in submissions:
        for other_id, other_title in by_org.get(submission.organisation_id, []):
            if other_id != submission.id and titles_similar(other_title, submission.title):
                flagged.add(submission.id)
                break
    return flagged & {s.id for s in submissions}


def applicant_recipients(submission: Submission) -> list[User]:
    """The active applicant accounts of the entry's organisation."""
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.organisation_id == submission.organisation_id,
                User.role == Role.APPLICANT,
                User.is_active_account.is_(True),
            )
            .order_by(User.email)
        )
    )


def screening_history(submission: Submission) -> list:
    from awards.core.models import AuditEvent

    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.subject_type == "submissions", AuditEvent.subject_id == submission.id)
            .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
            .limit(50)
        )
    )
