"""Configuring a cycle: deadlines, the form, domains, criteria, rounds and their panels.

Services take aware datetimes (views convert what the secretariat typed in the cycle's zone with
`awards.cycles.zones.to_utc`), flush, audit and queue mail; they never commit.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select

from awards import audit
from awards.accounts.models import Role, User
from awards.cycles import defaults
from awards.cycles.fields import blind_field_choices
from awards.cycles.models import (
    DEFAULT_ALLOWED_TYPES,
    DEFAULT_TIME_ZONE,
    Criterion,
    Cycle,
    Domain,
    FormSection,
    PanelMember,
    Round,
    RoundKind,
    RoundStatus,
    ScoreVisibility,
    round_criteria,
)
from awards.cycles.queries import applicant_recipients
from awards.cycles.zones import is_time_zone
from awards.errors import DomainError
from awards.extensions import db
from awards.mail import queue_mail

KNOWN_FILE_TYPES = ("pdf", "jpeg", "png", "webp", "docx", "pptx", "xlsx")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
PREFIX_RE = re.compile(r"^[A-Z][A-Z0-9]{1,11}$")
KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")

CYCLE_FIELDS = (
    "name",
    "slug",
    "reference_prefix",
    "time_zone",
    "opens_at",
    "early_bird_deadline",
    "final_deadline",
    "eligibility_years",
    "max_file_mb",
    "max_files",
    "max_total_mb",
    "allowed_types",
    "description",
)
DEADLINE_FIELDS = ("early_bird_deadline", "final_deadline")
DEADLINE_LABELS = {
    "early_bird_deadline": _l("early-bird deadline"),
    "final_deadline": _l("final deadline"),
}


# ---------------------------------------------------------------------------------------------
# Cycles


def _check_cycle_values(values: dict[str, Any], cycle: Cycle | None) -> None:
    name = (values.get("name") or "").strip()
    if not name:
        raise DomainError(_("Give the cycle a name."), field="name")
    slug = values.get("slug") or ""
    if not SLUG_RE.match(slug) or len(slug) > 60:
        raise DomainError(
            _("Use lowercase letters, digits and hyphens, for example gza7-2026."), field="slug"
        )
    prefix = values.get("reference_prefix") or ""
    if not PREFIX_RE.match(prefix):
        raise DomainError(
            _("Use 2 to 12 capital letters or digits, starting with a letter, for example GZA7."),
            field="reference_prefix",
        )
    if not is_time_zone(values.get("time_zone") or ""):
        raise DomainError(_("Choose a time zone from the list."), field="time_zone")
    opens_at: datetime | None = values.get("opens_at")
    final: datetime | None = values.get("final_deadline")
    early: datetime | None = values.get("early_bird_deadline")
    if opens_at is None:
        raise DomainError(_("Enter the date and time the call opens."), field="opens_at")
    if final is None:
        raise DomainError(_("Enter the final deadline."), field="final_deadline")
    if final <= opens_at:
        raise DomainError(
            _("The final deadline must come after the opening."), field="final_deadline"
        )
    if early is not None:
        if early <= opens_at:
            raise DomainError(
                _("The early-bird deadline must come after the opening."),
                field="early_bird_deadline",
            )
        if early > final:
            raise DomainError(
                _("The early-bird deadline cannot be after the final deadline."),
                field="early_bird_deadline",
            )
    if (values.get("eligibility_years") or 0) < 1:
        raise DomainError(_("Enter at least 1 year."), field="eligibility_years")
    if (values.get("max_file_mb") or 0) < 1:
        raise DomainError(_("Allow at least 1 MB per file."), field="max_file_mb")
    if (values.get("max_files") or 0) < 1:
        raise DomainError(_("Allow at least one file."), field="max_files")
    if (values.get("max_total_mb") or 0) < values["max_file_mb"]:
        raise DomainError(
            _("The total must be at least the size allowed for one file."), field="max_total_mb"
        )
    types = [t for t in (values.get("allowed_types") or "").split(",") if t]
    if not types:
        raise DomainError(_("Allow at least one type of file."), field="allowed_types")
    unknown = sorted(set(types) - set(KNOWN_FILE_TYPES))
    if unknown:
        raise DomainError(
            _("Unknown file types: %(types)s.", types=", ".join(unknown)), field="allowed_types"
        )

    others = select(Cycle.id).where(Cycle.id != cycle.id) if cycle else select(Cycle.id)
    if db.session.scalar(others.where(Cycle.slug == slug).limit(1)) is not None:
        raise DomainError(_("Another cycle uses this address already."), field="slug")
    if db.session.scalar(others.where(Cycle.reference_prefix == prefix).limit(1)) is not None:
        raise DomainError(_("Another cycle uses this prefix already."), field="reference_prefix")


def create_cycle(*, actor: User, with_defaults: bool = True, **values: Any) -> Cycle:
    """Create a cycle; `with_defaults` adds the real award's sections, domains, criteria and
    rounds (technical committee, then jury) as a starting point."""
    values = _normalise_cycle_values(values)
    _check_cycle_values(values, None)
    cycle = Cycle(**values)
    if with_defaults:
        _add_defaults(cycle)
    db.session.add(cycle)
    db.session.flush()
    audit.record(
        actor,
        "cycle.created",
        cycle,
        after={key: getattr(cycle, key) for key in CYCLE_FIELDS},
    )
    return cycle


def _normalise_cycle_values(values: dict[str, Any]) -> dict[str, Any]:
    out = {key: values[key] for key in CYCLE_FIELDS if key in values}
    out.setdefault("time_zone", DEFAULT_TIME_ZONE)
    out.setdefault("eligibility_years", 2)
    out.setdefault("max_file_mb", 20)
    out.setdefault("max_files", 10)
    out.setdefault("max_total_mb", 100)
    out.setdefault("allowed_types", DEFAULT_ALLOWED_TYPES)
    out.setdefault("description", "")
    out.setdefault("early_bird_deadline", None)
    out["name"] = (out.get("name") or "").strip()
    out["slug"] = (out.get("slug") or "").strip().lower()
    out["reference_prefix"] = (out.get("reference_prefix") or "").strip().upper()
    if isinstance(out["allowed_types"], list | tuple):
        out["allowed_types"] = ",".join(out["allowed_types"])
    out["allowed_types"] = ",".join(
        t.strip().lower() for t in out["allowed_types"].split(",") if t.strip()
    )
    return out


def _add_defaults(cycle: Cycle) -> None:
    for position, (key, title, help_text, limit, required) in enumerate(defaults.DEFAULT_SECTIONS):
        cycle.sections.append(
            FormSection(
                key=key,
                title=title,
                help_text=help_text,
                word_limit=limit,
                required=required,
                position=position,
            )
        )
    for position, (key, name) in enumerate(defaults.DEFAULT_DOMAINS):
        cycle.domains.append(Domain(key=key, name=name, position=position))
    criteria = []
    for position, (name, rubric) in enumerate(defaults.DEFAULT_CRITERIA):
        criterion = Criterion(
            name=name,
            rubric=rubric,
            weight=defaults.DEFAULT_WEIGHT,
            scale_min=1,
            scale_max=10,
            position=position,
        )
        criteria.append(criterion)
        cycle.criteria.append(criterion)
    for position, (name, kind, per_entry, select_limit, deserving) in enumerate(
        defaults.DEFAULT_ROUNDS, start=1
    ):
        cycle.rounds.append(
            Round(
                name=name,
                kind=kind,
                position=position,
                judges_per_entry=per_entry,
                select_limit=select_limit,
                deserving_limit=deserving,
                criteria=list(criteria),
            )
        )


def update_cycle(cycle: Cycle, *, actor: User, announce: bool = False, **values: Any) -> list[str]:
    """Save the cycle's settings. Returns the names of the deadlines that moved.

    A moved deadline gets its own audit row ("cycle.deadline_extended" or
    "cycle.deadline_brought_forward"); with `announce`, every applicant with an entry in the
    cycle is e-mailed the new deadline in the cycle's time zone.
    """
    values = _normalise_cycle_values({**{k: getattr(cycle, k) for k in CYCLE_FIELDS}, **values})
    _check_cycle_values(values, cycle)
    if values["reference_prefix"] != cycle.reference_prefix and cycle.reference_counter > 0:
        raise DomainError(
            _(
                "Entries already carry reference codes starting with %(prefix)s; "
                "the prefix can no longer change.",
                prefix=cycle.reference_prefix,
            ),
            field="reference_prefix",
        )
    before = {key: getattr(cycle, key) for key in CYCLE_FIELDS}
    changed = {key: value for key, value in values.items() if before[key] != value}
    if not changed:
        return []
    for key, value in changed.items():
        setattr(cycle, key, value)
    db.session.flush()
    moved = [key for key in DEADLINE_FIELDS if key in changed]
    for key in moved:
        old, new = before[key], changed[key]
        action = (
            "cycle.deadline_extended"
            if old is None or (new is not None and new > old)
            else "cycle.deadline_brought_forward"
        )
        audit.record(actor, action, cycle, before={key: old}, after={key: new})
    others = {k: v for k, v in changed.items() if k not in DEADLINE_FIELDS}
    if others:
        audit.record(
            actor,
            "cycle.updated",
            cycle,
            before={k: before[k] for k in others},
            after=others,
        )
    if announce and moved:
        announce_deadlines(cycle, moved)
    return moved


def announce_deadlines(cycle: Cycle, moved: list[str]) -> int:
    """Queue the new deadlines to every applicant with an entry in the cycle."""
    recipients = applicant_recipients(cycle)
    for user in recipients:
        queue_mail(
            user.email,
            _l("New deadline: %(cycle)s", cycle=cycle.name),
            "deadline_changed",
            locale=user.locale,
            category="deadline",
            user=user,
            cycle=cycle,
            moved=moved,
        )
    return len(recipients)


# ---------------------------------------------------------------------------------------------
# Form sections


def _check_key(cycle_id: int, model, key: str, *, exclude_id: int | None = None) -> None:
    if not KEY_RE.match(key):
        raise DomainError(
            _("Use lowercase letters, digits and underscores, starting with a letter."),
            field="key",
        )
    query = select(model.id).where(model.cycle_id == cycle_id, model.key == key)
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    if db.session.scalar(query.limit(1)) is not None:
        raise DomainError(_("This key is used already in this cycle."), field="key")


def _slugify_key(text: str) -> str:
    key = re.sub(r"[^a-z0-9]+", "_", text.strip().lower()).strip("_")
    if not key or not key[0].isalpha():
        key = f"s_{key}" if key else "section"
    return key[:40]


def _next_position(model, cycle_id: int) -> int:
    current = db.session.scalar(select(func.max(model.position)).where(model.cycle_id == cycle_id))
    return 0 if current is None else current + 1


def add_section(
    cycle: Cycle,
    *,
    actor: User,
    title: str,
    key: str = "",
    help_text: str = "",
    word_limit: int = 500,
    required: bool = True,
) -> FormSection:
    title = title.strip()
    if not title:
        raise DomainError(_("Give the section a title."), field="title")
    key = (key or _slugify_key(title)).strip()
    _check_key(cycle.id, FormSection, key)
    _check_word_limit(word_limit)
    section = FormSection(
        cycle=cycle,
        key=key,
        title=title,
        help_text=help_text.strip(),
        word_limit=word_limit,
        required=required,
        position=_next_position(FormSection, cycle.id),
    )
    db.session.add(section)
    db.session.flush()
    audit.record(actor, "section.created", section, after={"key": key, "title": title})
    return section


def _check_word_limit(word_limit: int | None) -> None:
    if word_limit is None or word_limit < 1:
        raise DomainError(_("The word limit must be at least 1."), field="word_limit")


def update_section(
    section: FormSection,
    *,
    actor: User,
    title: str,
    help_text: str,
    word_limit: int,
    required: bool,
) -> FormSection:
    title = title.strip()
    if not title:
        raise DomainError(_("Give the section a title."), field="title")
    _check_word_limit(word_limit)
    _update(
        section,
        actor,
        "section.updated",
        title=title,
        help_text=help_text.strip(),
        word_limit=word_limit,
        required=required,
    )
    return section


def delete_section(section: FormSection, *, actor: User) -> None:
    from awards.submissions.models import SectionAnswer

    written = db.session.scalar(
        select(func.count())
        .select_from(SectionAnswer)
        .where(SectionAnswer.section_id == section.id, SectionAnswer.body != "")
    )
    if written:
        raise DomainError(
            _(
                "Applicants have written %(n)d answers in this section; it cannot be deleted. "
                "Make it optional instead.",
                n=written,
            )
        )
    audit.record(actor, "section.deleted", section, before={"key": section.key})
    db.session.delete(section)
    db.session.flush()


def move(item, direction: int, *, actor: User) -> None:
    """Swap an ordered item (section, domain, criterion, round) with its neighbour."""
    model = type(item)
    scope = model.cycle_id == item.cycle_id
    if direction < 0:
        query = select(model).where(scope, model.position < item.position)
        neighbour = db.session.scalar(query.order_by(model.position.desc()).limit(1))
    else:
        query = select(model).where(scope, model.position > item.position)
        neighbour = db.session.scalar(query.order_by(model.position).limit(1))
    if neighbour is None:
        return
    mine, theirs = item.position, neighbour.position
    # Positions of rounds are unique: park one out of the way while they swap.
    item.position = -1 - mine
    db.session.flush()
    neighbour.position = mine
    db.session.flush()
    item.position = theirs
    db.session.flush()
    audit.record(
        actor,
        f"{model.__tablename__}.moved",
        item,
        before={"position": mine},
        after={"position": theirs},
    )


def _update(obj, actor: User, action: str, **values: Any) -> dict[str, Any]:
    before = {key: getattr(obj, key) for key in values}
    changed = {key: value for key, value in values.items() if before[key] != value}
    for key, value in changed.items():
        setattr(obj, key, value)
    if changed:
        db.session.flush()
        audit.record(actor, action, obj, before={k: before[k] for k in changed}, after=changed)
    return changed


# ---------------------------------------------------------------------------------------------
# Domains


def add_domain(cycle: Cycle, *, actor: User, name: str, key: str = "") -> Domain:
    name = name.strip()
    if not name:
        raise DomainError(_("Give the domain a name."), field="name")
    key = (key or _slugify_key(name)).strip()
    _check_key(cycle.id, Domain, key)
    domain = Domain(cycle=cycle, key=key, name=name, position=_next_position(Domain, cycle.id))
    db.session.add(domain)
    db.session.flush()
    audit.record(actor, "domain.created", domain, after={"key": key, "name": name})
    return domain


def update_domain(domain: Domain, *, actor: User, name: str) -> Domain:
    name = name.strip()
    if not name:
        raise DomainError(_("Give the domain a name."), field="name")
    _update(domain, actor, "domain.updated", name=name)
    return domain


def delete_domain(domain: Domain, *, actor: User) -> None:
    from awards.submissions.models import submission_domains

    used = db.session.scalar(
        select(func.count())
        .select_from(submission_domains)
        .where(submission_domains.c.domain_id == domain.id)
    )
    if used:
        raise DomainError(
            _("%(n)d entries are filed under this domain; it cannot be deleted.", n=used)
        )
    audit.record(actor, "domain.deleted", domain, before={"key": domain.key})
    db.session.delete(domain)
    db.session.flush()


# ---------------------------------------------------------------------------------------------
# Criteria


def _check_criterion_values(weight: Any, scale_min: Any, scale_max: Any) -> Decimal:
    try:
        weight = Decimal(str(weight))
    except (InvalidOperation, ValueError) as exc:
        raise DomainError(
            _("Enter the weight as a number, for example 1 or 1.5."), field="weight"
        ) from exc
    if not weight.is_finite() or weight <= 0:
        raise DomainError(_("The weight must be more than zero."), field="weight")
    if weight >= Decimal("10000"):
        raise DomainError(_("The weight must be less than 10,000."), field="weight")
    if scale_min is None or scale_max is None:
        raise DomainError(_("Enter both ends of the scale."), field="scale_max")
    if scale_min >= scale_max:
        raise DomainError(
            _("The top of the scale must be higher than the bottom."), field="scale_max"
        )
    return weight.quantize(Decimal("0.01"))


def scored_round_using(criterion: Criterion) -> Round | None:
    """The first round that uses `criterion` and in which any score has been given."""
    from awards.judging.models import Review, Score

    scored = exists(
        select(Score.id)
        .join(Review, Score.review_id == Review.id)
        .where(Review.round_id == Round.id)
    )
    return db.session.scalar(
        select(Round)
        .join(round_criteria, round_criteria.c.round_id == Round.id)
        .where(round_criteria.c.criterion_id == criterion.id, scored)
        .order_by(Round.position)
        .limit(1)
    )


def round_has_scores(round_: Round) -> bool:
    from awards.judging.models import Review, Score

    return (
        db.session.scalar(
            select(Score.id)
            .join(Review, Score.review_id == Review.id)
            .where(Review.round_id == round_.id)
            .limit(1)
        )
        is not None
    )


def add_criterion(
    cycle: Cycle,
    *,
    actor: User,
    name: str,
    rubric: str = "",
    weight: Any = 1,
    scale_min: int = 1,
    scale_max: int = 10,
) -> Criterion:
    name = name.strip()
    if not name:
        raise DomainError(_("Give the criterion a name."), field="name")
    weight = _check_criterion_values(weight, scale_min, scale_max)
    _check_criterion_name(cycle.id, name)
    criterion = Criterion(
        cycle=cycle,
        name=name,
        rubric=rubric.strip(),
        weight=weight,
        scale_min=scale_min,
        scale_max=scale_max,
        position=_next_position(Criterion, cycle.id),
    )
    db.session.add(criterion)
    db.session.flush()
    audit.record(
        actor,
        "criterion.created",
        criterion,
        after={"name": name, "weight": weight, "scale_min": scale_min, "scale_max": scale_max},
    )
    return criterion


def _check_criterion_name(cycle_id: int, name: str, exclude_id: int | None = None) -> None:
    query = select(Criterion.id).where(
        Criterion.cycle_id == cycle_id, func.lower(Criterion.name) == name.lower()
    )
    if exclude_id is not None:
        query = query.where(Criterion.id != exclude_id)
    if db.session.scalar(query.limit(1)) is not None:
        raise DomainError(_("This cycle has a criterion with that name already."), field="name")


def update_criterion(
    criterion: Criterion,
    *,
    actor: User,
    name: str,
    rubric: str,
    weight: Any,
    scale_min: int,
    scale_max: int,
) -> Criterion:
    """Save a criterion. Once any score exists in a round that uses it, only the rubric text may
    change (audited as "criterion.rubric_changed"); name, weight and scale are refused."""
    name = name.strip()
    if not name:
        raise DomainError(_("Give the criterion a name."), field="name")
    weight = _check_criterion_values(weight, scale_min, scale_max)
    _check_criterion_name(criterion.cycle_id, name, criterion.id)
    rubric = rubric.strip()
    fixed = {"name": name, "weight": weight, "scale_min": scale_min, "scale_max": scale_max}
    changing = [key for key, value in fixed.items() if getattr(criterion, key) != value]
    if changing:
        scored = scored_round_using(criterion)
        if scored is not None:
            field = "weight" if "weight" in changing else changing[0]
            if field == "scale_min":
                field = "scale_max"
            raise DomainError(
                _(
                    "Judges have started scoring in %(round)s, which uses this criterion: its "
                    "name, weight and scale can no longer change. You can still edit the rubric.",
                    round=scored.name,
                ),
                field=field,
            )
    if rubric != criterion.rubric:
        _update(criterion, actor, "criterion.rubric_changed", rubric=rubric)
    _update(criterion, actor, "criterion.updated", **fixed)
    return criterion


def delete_criterion(criterion: Criterion, *, actor: User) -> None:
    in_rounds = db.session.scalars(
        select(Round.name)
        .join(round_criteria, round_criteria.c.round_id == Round.id)
        .where(round_criteria.c.criterion_id == criterion.id)
        .order_by(Round.position)
    ).all()
    if in_rounds:
        raise DomainError(
            _(
                "This criterion is used by %(rounds)s. Take it out of those rounds first.",
                rounds=", ".join(in_rounds),
            )
        )
    audit.record(actor, "criterion.deleted", criterion, before={"name": criterion.name})
    db.session.delete(criterion)
    db.session.flush()


# ---------------------------------------------------------------------------------------------
# Rounds

ROUND_FIELDS = (
    "name",
    "kind",
    "judges_per_entry",
    "opens_at",
    "closes_at",
    "select_limit",
    "deserving_limit",
    "blind_fields",
    "score_visibility",
    "comment_required",
    "severity_min_reviews",
    "reminder_days",
)


def parse_reminder_days(text: str) -> str:
    """ "7, 1" -> "7,1": positive whole days, largest first, no repeats; empty means none."""
    days: set[int] = set()
    for part in (text or "").replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit() or int(part) < 1 or int(part) > 365:
            raise DomainError(
                _("List whole numbers of days between 1 and 365, for example 7,1."),
                field="reminder_days",
            )
        days.add(int(part))
    return ",".join(str(d) for d in sorted(days, reverse=True))


def _check_round_values(cycle: Cycle, values: dict[str, Any]) -> dict[str, Any]:
    values = dict(values)
    values["name"] = (values.get("name") or "").strip()
    if not values["name"]:
        raise DomainError(_("Give the round a name."), field="name")
    values["kind"] = RoundKind(values.get("kind") or RoundKind.COMMITTEE)
    values["score_visibility"] = ScoreVisibility(
        values.get("score_visibility") or ScoreVisibility.NEVER
    )
    if (values.get("judges_per_entry") or 0) < 1:
        raise DomainError(_("Each entry needs at least one judge."), field="judges_per_entry")
    for key in ("select_limit", "deserving_limit"):
        if values.get(key) is None or values[key] < 0:
            raise DomainError(_("Enter zero or more."), field=key)
    if (values.get("severity_min_reviews") or 0) < 2:
        raise DomainError(
            _("At least 2 reviews are needed to estimate a judge's severity."),
            field="severity_min_reviews",
        )
    opens_at, closes_at = values.get("opens_at"), values.get("closes_at")
    if opens_at is not None and closes_at is not None and closes_at <= opens_at:
        raise DomainError(_("The round must close after it opens."), field="closes_at")
    values["reminder_days"] = parse_reminder_days(values.get("reminder_days") or "")
    allowed = {key for key, _label in blind_field_choices(cycle)}
    blind = list(values.get("blind_fields") or [])
    unknown = [key for key in blind if key not in allowed]
    if unknown:
        raise DomainError(
            _("Unknown fields: %(fields)s.", fields=", ".join(unknown)), field="blind_fields"
        )
    values["blind_fields"] = blind
    return values


def _criteria_for(cycle: Cycle, criterion_ids: list[int] | None) -> list[Criterion]:
    ids = set(criterion_ids or [])
    chosen = [c for c in cycle.criteria if c.id in ids]
    if len(chosen) != len(ids):
        raise DomainError(_("Choose criteria of this cycle."), field="criteria")
    return chosen


def create_round(
    cycle: Cycle, *, actor: User, criterion_ids: list[int] | None = None, **values: Any
) -> Round:
    values = _check_round_values(cycle, {k: values.get(k) for k in ROUND_FIELDS})
    criteria = _criteria_for(cycle, criterion_ids)
    position = _next_round_position(cycle)
    round_ = Round(cycle=cycle, position=position, criteria=criteria, **values)
    db.session.add(round_)
    db.session.flush()
    audit.record(
        actor,
        "round.created",
        round_,
        after={**values, "criteria": [c.name for c in round_.criteria]},
    )
    return round_


def _next_round_position(cycle: Cycle) -> int:
    current = db.session.scalar(select(func.max(Round.position)).where(Round.cycle_id == cycle.id))
    return 1 if current is None else current + 1


def update_round(
    round_: Round, *, actor: User, criterion_ids: list[int] | None = None, **values: Any
) -> Round:
    """Save a round's settings. Its set of criteria cannot change once scoring has started."""
    values = _check_round_values(round_.cycle, {k: values.get(k) for k in ROUND_FIELDS})
    if criterion_ids is not None:
        chosen = _criteria_for(round_.cycle, criterion_ids)
        if {c.id for c in chosen} != {c.id for c in round_.criteria}:
            if round_has_scores(round_):
                raise DomainError(
                    _(
                        "Judges have started scoring in this round: its criteria can no "
                        "longer change."
                    ),
                    field="criteria",
                )
            before = [c.name for c in round_.criteria]
            round_.criteria = chosen
            db.session.flush()
            audit.record(
                actor,
                "round.criteria_changed",
                round_,
                before={"criteria": before},
                after={"criteria": [c.name for c in chosen]},
            )
    _update(round_, actor, "round.updated", **values)
    return round_


def delete_round(round_: Round, *, actor: User) -> None:
    from awards.judging.models import Assignment

    if db.session.scalar(select(Assignment.id).where(Assignment.round_id == round_.id).limit(1)):
        raise DomainError(_("Judges are assigned in this round; it cannot be deleted."))
    if round_.status != RoundStatus.DRAFT:
        raise DomainError(_("Only a round that has not opened can be deleted."))
    audit.record(actor, "round.deleted", round_, before={"name": round_.name})
    db.session.delete(round_)
    db.session.flush()


def open_round(round_: Round, *, actor: User) -> Round:
    """Open a draft round to its judges: it needs criteria and a panel, and the round before it
    must be closed."""
    if round_.status != RoundStatus.DRAFT:
        raise DomainError(_("This round is open or closed already."))
    if not round_.criteria:
        raise DomainError(_("Choose the criteria of this round before opening it."))
    if not round_.panel:
        raise DomainError(_("Add judges to the panel before opening the round."))
    earlier = db.session.scalar(
        select(Round)
        .where(
            Round.cycle_id == round_.cycle_id,
            Round.position < round_.position,
            Round.status != RoundStatus.CLOSED,
        )
        .order_by(Round.position)
        .limit(1)
    )
    if earlier is not None:
        raise DomainError(_("%(name)s must be closed before this round opens.", name=earlier.name))
    round_.status = RoundStatus.OPEN
    db.session.flush()
    audit.record(
        actor, "round.opened", round_, before={"status": "draft"}, after={"status": "open"}
    )
    return round_


# ---------------------------------------------------------------------------------------------
# Panels


def add_panel_members(round_: Round, judges: list[User], *, actor: User) -> int:
    """Put judges on a round's panel; those on it already are left as they are."""
    present = {member.user_id for member in round_.panel}
    added = 0
    for judge in judges:
        if judge.role != Role.JUDGE:
            raise DomainError(_("%(name)s is not a judge.", name=judge.name), field="judges")
        if judge.id in present:
            continue
        round_.panel.append(PanelMember(user=judge))
        present.add(judge.id)
        added += 1
    db.session.flush()
    if added:
        audit.record(
            actor,
            "panel.members_added",
            round_,
            after={"judges": sorted(j.id for j in judges)},
        )
    return added


def set_panel_capacity(member: PanelMember, *, actor: User, capacity: int | None) -> None:
    if capacity is not None and capacity < 0:
        raise DomainError(_("Enter zero or more, or leave it empty."), field="capacity")
    _update(member, actor, "panel.capacity_changed", capacity=capacity)


def remove_panel_member(member: PanelMember, *, actor: User) -> None:
    from awards.judging.models import Assignment, AssignmentStatus

    active = db.session.scalar(
        select(func.count())
        .select_from(Assignment)
        .where(
            Assignment.round_id == member.round_id,
            Assignment.judge_id == member.user_id,
            Assignment.status == AssignmentStatus.ACTIVE,
        )
    )
    if active:
        raise DomainError(
            _(
                "%(name)s has %(n)d entries assigned in this round. Remove those assignments "
                "first.",
                name=member.user.name,
                n=active,
            )
        )
    audit.record(
        actor,
        "panel.member_removed",
        (Round.__tablename__, member.round_id),
        before={"judge_id": member.user_id},
    )
    db.session.delete(member)
    db.session.flush()
