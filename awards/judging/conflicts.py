"""Conflicts of interest: detected automatically, added or lifted by the secretariat.

A judge is conflicted with an entry when
- they belong to its organisation (User.organisation_id, or their affiliation is its name),
- they live in its city (User.city against Organisation.city, case-insensitive),
- they come from its country (User.country_code against Organisation.country_code), or
- their affiliation is one of the entry's named partners (case-insensitive, trimmed).

Every conflict is a row in `conflicts`, one per (judge, entry). Lifting keeps the row with its
reason, and detection never touches a pair that has a row: a conflict the secretariat lifted is
never re-added. An active conflict recuses any active assignment of the pair.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import insert, select, tuple_

from awards import audit
from awards.accounts.models import Organisation, User
from awards.accounts.regions import country_name
from awards.cycles.models import PanelMember, Round
from awards.db import utcnow
from awards.errors import DomainError
from awards.extensions import db
from awards.judging.models import Assignment, AssignmentStatus, Conflict, ConflictSource
from awards.submissions.models import Partner, Submission, SubmissionStatus

# Entries whose conflicts matter: in screening or judged.
DETECTABLE_STATUSES = (
    SubmissionStatus.SUBMITTED,
    SubmissionStatus.CLARIFICATION,
    SubmissionStatus.VALID,
)


def normalise_name(text: str | None) -> str:
    """Case-insensitive, accent-preserving, whitespace-collapsed form of a name ("  SÃO  Paulo"
    and "são paulo" match). Done in Python: SQLite's lower() only folds ASCII."""
    if not text:
        return ""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


@dataclass
class DetectionResult:
    created: int = 0
    recused: int = 0


def detect_pairs(judges: Iterable[User], submission_ids: Iterable[int]) -> dict:
    """{(judge_id, submission_id): [reason, ...]} for every rule that matches.

    Two queries (entries with their organisation, and their partners) and hash lookups per
    judge: linear in judges + entries, never judges x entries.
    """
    judges = list(judges)
    ids = list(submission_ids)
    if not judges or not ids:
        return {}
    by_org: dict[int, set[int]] = defaultdict(set)
    by_org_name: dict[str, set[int]] = defaultdict(set)
    by_city: dict[str, set[int]] = defaultdict(set)
    by_country: dict[str, set[int]] = defaultdict(set)
    by_partner: dict[str, set[int]] = defaultdict(set)
    city_label: dict[str, str] = {}
    for chunk in _chunks(ids):
        rows = db.session.execute(
            select(
                Submission.id,
                Organisation.id,
                Organisation.name,
                Organisation.city,
                Organisation.country_code,
            )
            .join(Organisation, Submission.organisation_id == Organisation.id)
            .where(Submission.id.in_(chunk))
        ).all()
        for sid, org_id, org_name, city, country in rows:
            by_org[org_id].add(sid)
            if normalise_name(org_name):
                by_org_name[normalise_name(org_name)].add(sid)
            if normalise_name(city):
                by_city[normalise_name(city)].add(sid)
                city_label.setdefault(normalise_name(city), city.strip())
            if country:
                by_country[country.upper()].add(sid)
        for sid, name in db.session.execute(
            select(Partner.submission_id, Partner.name).where(Partner.submission_id.in_(chunk))
        ).all():
            if normalise_name(name):
                by_partner[normalise_name(name)].add(sid)

    found: dict[tuple[int, int], list[str]] = defaultdict(list)
    for judge in judges:
        affiliation = normalise_name(judge.affiliation)
        same_org = set(by_org.get(judge.organisation_id, ())) if judge.organisation_id else set()
        if affiliation:
            same_org |= by_org_name.get(affiliation, set())
        for sid in same_org:
            found[(judge.id, sid)].append(_("Same organisation"))
        city = normalise_name(judge.city)
        if city:
            for sid in by_city.get(city, ()):
                found[(judge.id, sid)].append(
                    _("Same city (%(city)s)", city=city_label.get(city, judge.city))
                )
        if judge.country_code:
            code = judge.country_code.upper()
            for sid in by_country.get(code, ()):
                found[(judge.id, sid)].append(
                    _("Same country (%(country)s)", country=country_name(code))
                )
        if affiliation:
            for sid in by_partner.get(affiliation, ()):
                found[(judge.id, sid)].append(
                    _("%(org)s is a partner of the entry", org=judge.affiliation.strip())
                )
    return dict(found)


def _chunks(ids: list[int], size: int = 900) -> Iterable[list[int]]:
    # Keeps IN lists under SQLite's bound-parameter limit.
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def detect_conflicts(
    judges: Iterable[User], submission_ids: Iterable[int], *, actor: User | None
) -> DetectionResult:
    """Record every detected conflict that has no row yet, and recuse active assignments of the
    new pairs. Pairs with a row (active, lifted or declared) are left alone."""
    judges = list(judges)
    found = detect_pairs(judges, submission_ids)
    if not found:
        return DetectionResult()
    existing = existing_pairs([j.id for j in judges])
    new = {pair: reasons for pair, reasons in found.items() if pair not in existing}
    if not new:
        return DetectionResult()
    now = utcnow()
    db.session.execute(
        insert(Conflict),
        [
            {
                "judge_id": judge_id,
                "submission_id": sid,
                "source": ConflictSource.DETECTED,
                "reason": "; ".join(reasons),
                "created_by_id": getattr(actor, "id", None),
                "created_at": now,
                "updated_at": now,
                "lifted_reason": "",
            }
            for (judge_id, sid), reasons in sorted(new.items())
        ],
    )
    recused = _recuse_pairs(set(new), actor=actor, reason=_("Conflict detected"))
    return DetectionResult(created=len(new), recused=recused)


def detect_for_round(round_: Round, *, actor: User | None) -> DetectionResult:
    """Detection for the round's panel against the cycle's entries in screening or judging."""
    judges = db.session.scalars(
        select(User)
        .join(PanelMember, PanelMember.user_id == User.id)
        .where(PanelMember.round_id == round_.id)
    ).all()
    submission_ids = db.session.scalars(
        select(Submission.id).where(
            Submission.cycle_id == round_.cycle_id, Submission.status.in_(DETECTABLE_STATUSES)
        )
    ).all()
    result = detect_conflicts(judges, submission_ids, actor=actor)
    if result.created:
        audit.record(
            actor,
            "conflicts.detected",
            round_,
            after={"created": result.created, "recused": result.recused},
        )
    return result


def existing_pairs(judge_ids: list[int]) -> set[tuple[int, int]]:
    if not judge_ids:
        return set()
    return {
        (j, s)
        for j, s in db.session.execute(
            select(Conflict.judge_id, Conflict.submission_id).where(
                Conflict.judge_id.in_(judge_ids)
            )
        ).all()
    }


def active_pairs(judge_ids: list[int], submission_ids: list[int] | None = None) -> set:
    """(judge_id, submission_id) of every conflict not lifted, for these judges."""
    if not judge_ids:
        return set()
    query = select(Conflict.judge_id, Conflict.submission_id).where(
        Conflict.judge_id.in_(judge_ids), Conflict.lifted_at.is_(None)
    )
    pairs = {(j, s) for j, s in db.session.execute(query).all()}
    if submission_ids is not None:
        wanted = set(submission_ids)
        pairs = {(j, s) for j, s in pairs if s in wanted}
    return pairs


def active_conflict(judge_id: int, submission_id: int) -> Conflict | None:
    return db.session.scalar(
        select(Conflict).where(
            Conflict.judge_id == judge_id,
            Conflict.submission_id == submission_id,
            Conflict.lifted_at.is_(None),
        )
    )


def _recuse_pairs(pairs: set[tuple[int, int]], *, actor: User | None, reason: str) -> int:
    """Active assignments of conflicted pairs become RECUSED (their reviews stop counting)."""
    if not pairs:
        return 0
    affected: list[Assignment] = []
    ordered = sorted(pairs)
    for start in range(0, len(ordered), 400):
        chunk = ordered[start : start + 400]
        affected += db.session.scalars(
            select(Assignment).where(
                tuple_(Assignment.judge_id, Assignment.submission_id).in_(chunk),
                Assignment.status == AssignmentStatus.ACTIVE,
            )
        ).all()
    for assignment in affected:
        assignment.status = AssignmentStatus.RECUSED
        audit.record(
            actor,
            "assignment.recused",
            assignment,
            before={"status": "active"},
            after={"status": "recused"},
            message=reason,
        )
    db.session.flush()
    return len(affected)


def add_conflict(judge: User, submission: Submission, *, actor: User, reason: str) -> Conflict:
    """The secretariat records a conflict (or re-activates a lifted one); an active assignment
    of the pair is recused."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for the conflict."), field="reason")
    conflict = db.session.scalar(
        select(Conflict).where(
            Conflict.judge_id == judge.id, Conflict.submission_id == submission.id
        )
    )
    if conflict is not None and conflict.is_active:
        raise DomainError(
            _(
                "%(judge)s already has a conflict with %(code)s: %(reason)s",
                judge=judge.name,
                code=submission.reference_code,
                reason=conflict.reason,
            ),
            field="reference_code",
        )
    if conflict is None:
        conflict = Conflict(
            judge_id=judge.id,
            submission_id=submission.id,
            source=ConflictSource.SECRETARIAT,
            reason=reason,
            created_by_id=actor.id,
        )
        db.session.add(conflict)
    else:
        conflict.source = ConflictSource.SECRETARIAT
        conflict.reason = reason
        conflict.created_by_id = actor.id
        conflict.lifted_at = None
        conflict.lifted_reason = ""
    db.session.flush()
    audit.record(
        actor,
        "conflict.added",
        conflict,
        after={"judge_id": judge.id, "submission_id": submission.id, "reason": reason},
    )
    _recuse_pairs({(judge.id, submission.id)}, actor=actor, reason=reason)
    return conflict


def lift_conflict(conflict: Conflict, *, actor: User, reason: str) -> Conflict:
    """Lift a conflict, keeping the row and the reason; detection will not re-add it."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for lifting the conflict."), field="reason")
    if not conflict.is_active:
        raise DomainError(_("This conflict has been lifted already."))
    conflict.lifted_at = utcnow()
    conflict.lifted_reason = reason
    db.session.flush()
    audit.record(
        actor,
        "conflict.lifted",
        conflict,
        before={"reason": conflict.reason},
        after={"lifted_reason": reason},
    )
    return conflict


def conflicts_for_round(round_: Round) -> list[Conflict]:
    """Every conflict (active or lifted) between the round's panel and the cycle's entries."""
    from sqlalchemy.orm import joinedload

    panel = select(PanelMember.user_id).where(PanelMember.round_id == round_.id)
    return list(
        db.session.scalars(
            select(Conflict)
            .join(Submission, Conflict.submission_id == Submission.id)
            .where(Conflict.judge_id.in_(panel), Submission.cycle_id == round_.cycle_id)
            .options(joinedload(Conflict.judge), joinedload(Conflict.submission))
            .order_by(Conflict.lifted_at.is_not(None), Submission.reference_code, Conflict.id)
        )
    )
