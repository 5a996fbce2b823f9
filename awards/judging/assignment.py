"""Automatic assignment of judges to entries, with an integer program (SciPy's HiGHS `milp`).

The guarantees, all hard constraints of the program:
- every eligible entry gets exactly the round's `judges_per_entry` judges from its panel;
- no judge is assigned an entry they have an active conflict with;
- loads are balanced: with water-filling level U (the smallest with sum(min(capacity, U)) >=
  the reviews needed), every judge reviews between min(capacity, U - 1) and min(capacity, U)
  entries, so judges without a personal capacity differ by at most one entry.
The preferences, in the objective: a judge whose expertise matches one of the entry's domains,
and judges from different world regions on the same entry (a penalty for each extra judge from
a region already on the entry). A tiny stable pseudo-random term breaks ties so that the same
trios of judges do not repeat across entries.

The constraint matrix is the union of two laminar families (entries and their region groups;
judges), hence totally unimodular: the linear relaxation already has an integral optimum, and
HiGHS solves 3,000 entries x 60 judges in seconds. A feasibility check runs first and explains
in plain words what makes the problem impossible; a time limit stops the solver with a message
rather than leaving the secretariat waiting.

Nothing is written until the secretariat confirms the proposal: the proposal travels to the
confirmation as a signed token, and is validated again under a lock on the round row.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import Select, func, insert, select, update

from awards import audit
from awards.accounts.models import Organisation, User
from awards.accounts.regions import country_name, region_for_country
from awards.cycles.models import Domain, PanelMember, Round, RoundStatus
from awards.db import utcnow
from awards.errors import DomainError
from awards.extensions import db
from awards.judging import conflicts as conflict_rules
from awards.judging.models import Assignment, AssignmentStatus, Review, ReviewStatus
from awards.mail import queue_mail
from awards.submissions.models import Submission, SubmissionStatus, submission_domains

if TYPE_CHECKING:
    import numpy as np

DEFAULT_TIME_LIMIT = 120  # seconds; config ASSIGNMENT_TIME_LIMIT
EXPERTISE_BONUS = 1.0
REGION_PENALTY = 1.5
TIE_BREAK = 1e-3
TOPUP_LOAD_WEIGHT = 10.0
MAX_LISTED = 20
PROPOSAL_MAX_AGE = 6 * 60 * 60

FULL = "full"
TOPUP = "topup"


class AssignmentInfeasible(DomainError):
    """The round cannot be assigned as asked; `problems` says why, in plain words."""

    def __init__(self, problems: list[str]):
        super().__init__(problems[0])
        self.problems = problems


@dataclass(frozen=True)
class JudgeInfo:
    id: int
    name: str
    email: str
    locale: str | None
    country_code: str | None
    region: str | None
    expertise: frozenset[str]
    capacity: int | None


@dataclass(frozen=True)
class EntryInfo:
    id: int
    code: str
    title: str
    country_code: str
    region: str
    domains: frozenset[str]


@dataclass
class AssignmentProblem:
    round: Round
    kind: str
    judges: list[JudgeInfo]
    entries: list[EntryInfo]
    need: dict[int, int]  # entry id -> judges still to assign
    current: dict[int, list[int]]  # entry id -> judges actively assigned now
    loads: dict[int, int]  # judge id -> active assignments now
    conflicts: set[tuple[int, int]]  # (judge id, entry id), active
    taken: set[tuple[int, int]]  # pairs with an active or recused assignment

    @property
    def demand(self) -> int:
        return sum(self.need.values())

    def allowed(self, judge_id: int, entry_id: int) -> bool:
        pair = (judge_id, entry_id)
        return pair not in self.conflicts and pair not in self.taken


@dataclass
class JudgeLoad:
    judge: JudgeInfo
    before: int
    added: int

    @property
    def total(self) -> int:
        return self.before + self.added


@dataclass
class EntryPanel:
    entry: EntryInfo
    judges: list[JudgeInfo]
    added: set[int]

    @property
    def regions(self) -> list[str]:
        return sorted({j.region or "?" for j in self.judges})

    def matches(self, judge: JudgeInfo) -> bool:
        """The judge's expertise covers one of the entry's domains."""
        return bool(judge.expertise & self.entry.domains)


@dataclass
class Proposal:
    round_id: int
    kind: str
    pairs: list[tuple[int, int]]
    loads: list[JudgeLoad] = field(default_factory=list)
    panels: list[EntryPanel] = field(default_factory=list)
    token: str = ""

    @property
    def spread(self) -> int:
        totals = [row.total for row in self.loads if row.judge.capacity is None]
        return max(totals) - min(totals) if totals else 0

    @property
    def regional_mix(self) -> list[tuple[int, int]]:
        """(number of distinct regions on an entry's panel, number of entries)."""
        counts = Counter(len(panel.regions) for panel in self.panels)
        return sorted(counts.items())

    @property
    def expertise_share(self) -> float:
        added = [(panel, j) for panel in self.panels for j in panel.judges if j.id in panel.added]
        if not added:
            return 0.0
        return sum(1 for panel, j in added if j.expertise & panel.entry.domains) / len(added)


# ---------------------------------------------------------------------------------------------
# Who and what


def eligible_entries_query(round_: Round) -> Select:
    """Ids of the entries a round judges: the cycle's valid entries for its first round, the
    entries shortlisted by the round before for a later one."""
    query = select(Submission.id).where(
        Submission.cycle_id == round_.cycle_id, Submission.status == SubmissionStatus.VALID
    )
    previous = db.session.scalar(
        select(Round)
        .where(Round.cycle_id == round_.cycle_id, Round.position < round_.position)
        .order_by(Round.position.desc())
        .limit(1)
    )
    if previous is not None:
        from awards.results.models import Decision, Outcome

        query = query.where(
            Submission.id.in_(
                select(Decision.submission_id).where(
                    Decision.round_id == previous.id, Decision.outcome == Outcome.SHORTLISTED
                )
            )
        )
    return query


def is_eligible(round_: Round, submission: Submission) -> bool:
    return (
        db.session.scalar(
            eligible_entries_query(round_).where(Submission.id == submission.id).limit(1)
        )
        is not None
    )


def _judges(round_: Round) -> list[JudgeInfo]:
    rows = db.session.execute(
        select(User, PanelMember.capacity)
        .join(PanelMember, PanelMember.user_id == User.id)
        .where(PanelMember.round_id == round_.id)
        .order_by(User.id)
    ).all()
    return [
        JudgeInfo(
            id=user.id,
            name=user.name,
            email=user.email,
            locale=user.locale,
            country_code=user.country_code,
            region=region_for_country(user.country_code) if user.country_code else None,
            expertise=frozenset(user.expertise_keys),
            capacity=capacity,
        )
        for user, capacity in rows
    ]


def _entries(round_: Round) -> list[EntryInfo]:
    eligible = eligible_entries_query(round_).subquery()
    rows = db.session.execute(
        select(
            Submission.id,
            Submission.reference_code,
            Submission.title,
            Organisation.country_code,
            Organisation.region,
        )
        .join(Organisation, Submission.organisation_id == Organisation.id)
        .where(Submission.id.in_(select(eligible.c.id)))
        .order_by(Submission.reference_code, Submission.id)
    ).all()
    domains: dict[int, set[str]] = defaultdict(set)
    for sid, key in db.session.execute(
        select(submission_domains.c.submission_id, Domain.key)
        .join(Domain, Domain.id == submission_domains.c.domain_id)
        .where(submission_domains.c.submission_id.in_(select(eligible.c.id)))
    ).all():
        domains[sid].add(key)
    return [
        EntryInfo(
            id=sid,
            code=code or f"#{sid}",
            title=title,
            country_code=country,
            region=region,
            domains=frozenset(domains.get(sid, ())),
        )
        for sid, code, title, country, region in rows
    ]


def load_problem(round_: Round, kind: str) -> AssignmentProblem:
    judges = _judges(round_)
    entries = _entries(round_)
    entry_ids = {e.id for e in entries}
    current: dict[int, list[int]] = defaultdict(list)
    loads: dict[int, int] = defaultdict(int)
    taken: set[tuple[int, int]] = set()
    for judge_id, sid, status in db.session.execute(
        select(Assignment.judge_id, Assignment.submission_id, Assignment.status).where(
            Assignment.round_id == round_.id,
            Assignment.status.in_([AssignmentStatus.ACTIVE, AssignmentStatus.RECUSED]),
        )
    ).all():
        taken.add((judge_id, sid))
        if status == AssignmentStatus.ACTIVE:
            loads[judge_id] += 1
            if sid in entry_ids:
                current[sid].append(judge_id)
    k = round_.judges_per_entry
    need = {e.id: max(k - len(current.get(e.id, [])), 0) for e in entries}
    return AssignmentProblem(
        round=round_,
        kind=kind,
        judges=judges,
        entries=entries,
        need=need,
        current=dict(current),
        loads=dict(loads),
        conflicts=conflict_rules.active_pairs([j.id for j in judges], list(entry_ids)),
        taken=taken,
    )


# ---------------------------------------------------------------------------------------------
# Feasibility, in plain words


def load_bands(problem: AssignmentProblem) -> tuple[int, dict[int, tuple[int, int]]]:
    """Water-filling: the level U and each judge's (lowest, highest) load for a full run."""
    demand = problem.demand
    caps = [j.capacity for j in problem.judges]
    if not caps:
        return 0, {}
    level = max(-(-demand // len(caps)), 0)
    while sum(min(c, level) if c is not None else level for c in caps) < demand:
        level += 1
    bands = {}
    for judge in problem.judges:
        cap = judge.capacity
        high = level if cap is None else min(cap, level)
        low = max(level - 1, 0) if cap is None else min(cap, max(level - 1, 0))
        bands[judge.id] = (low, high)
    return level, bands


def _remaining_capacity(problem: AssignmentProblem, judge: JudgeInfo) -> int | None:
    if judge.capacity is None:
        return None
    return max(judge.capacity - problem.loads.get(judge.id, 0), 0)


def _entry_label(entry: EntryInfo) -> str:
    return _(
        "Entry %(code)s from %(country)s", code=entry.code, country=country_name(entry.country_code)
    )


def check_feasibility(problem: AssignmentProblem) -> list[str]:
    """Reasons the round cannot be assigned as asked (empty if none is found before solving)."""
    k = problem.round.judges_per_entry
    if not problem.entries:
        if problem.round.position > 1 and _has_earlier_round(problem.round):
            return [_("No entry has been shortlisted for this round yet.")]
        return [_("There are no valid entries to assign in this round yet.")]
    if not problem.judges:
        return [_("The panel of this round has no judges. Add judges to the panel first.")]
    problems: list[str] = []
    if problem.kind == FULL and len(problem.judges) < k:
        problems.append(
            ngettext(
                "Each entry needs %(k)d judges, but the panel has only %(num)d judge.",
                "Each entry needs %(k)d judges, but the panel has only %(num)d judges.",
                len(problem.judges),
                k=k,
            )
        )
        return problems

    usable = [
        j for j in problem.judges if (left := _remaining_capacity(problem, j)) is None or left > 0
    ]
    short: list[str] = []
    for entry in problem.entries:
        needed = problem.need[entry.id]
        if needed == 0:
            continue
        free = sum(1 for j in usable if problem.allowed(j.id, entry.id))
        if free >= needed:
            continue
        if problem.kind == FULL:
            short.append(
                ngettext(
                    "%(entry)s has only %(num)d judge without a conflict; it needs %(k)d.",
                    "%(entry)s has only %(num)d judges without a conflict; it needs %(k)d.",
                    free,
                    entry=_entry_label(entry),
                    k=needed,
                )
            )
        elif free == 0:
            short.append(
                ngettext(
                    "%(entry)s needs %(num)d more judge, but no judge on the panel is free of a "
                    "conflict, not assigned to it already and with capacity left.",
                    "%(entry)s needs %(num)d more judges, but no judge on the panel is free of a "
                    "conflict, not assigned to it already and with capacity left.",
                    needed,
                    entry=_entry_label(entry),
                )
            )
        else:
            short.append(
                ngettext(
                    "%(entry)s needs %(k)d more judges, but only %(num)d judge on the panel is "
                    "free of a conflict, not assigned to it already and with capacity left.",
                    "%(entry)s needs %(k)d more judges, but only %(num)d judges on the panel are "
                    "free of a conflict, not assigned to it already and with capacity left.",
                    free,
                    entry=_entry_label(entry),
                    k=needed,
                )
            )
    problems += _capped_list(short, _("entries"))

    demand = problem.demand
    remaining = [_remaining_capacity(problem, j) for j in problem.judges]
    if all(r is not None for r in remaining) and sum(remaining) < demand:
        problems.append(
            _(
                "The judges' capacities leave room for %(have)d reviews, but %(need)d are "
                "needed (%(entries)d entries, %(k)d judges each). Raise capacities or add "
                "judges to the panel.",
                have=sum(remaining),
                need=demand,
                entries=sum(1 for n in problem.need.values() if n),
                k=k,
            )
            if problem.kind == FULL
            else _(
                "The judges' remaining capacities leave room for %(have)d reviews, but "
                "%(need)d are needed to fill the gaps. Raise capacities or add judges.",
                have=sum(remaining),
                need=demand,
            )
        )
    if problem.kind == FULL and not problems:
        level, bands = load_bands(problem)
        entry_count = len(problem.entries)
        for judge in problem.judges:
            low, _high = bands[judge.id]
            free = sum(1 for e in problem.entries if problem.allowed(judge.id, e.id))
            if free < low:
                problems.append(
                    _(
                        "%(judge)s has a conflict with %(conflicts)d of the %(entries)d entries, "
                        "so can review at most %(free)d; a balanced load is %(low)d or "
                        "%(high)d entries. Set a personal capacity for this judge on the panel "
                        "page, or lift conflicts that are wrong.",
                        judge=judge.name,
                        conflicts=entry_count - free,
                        entries=entry_count,
                        free=free,
                        low=low,
                        high=level,
                    )
                )
    return problems


def _has_earlier_round(round_: Round) -> bool:
    return (
        db.session.scalar(
            select(Round.id)
            .where(Round.cycle_id == round_.cycle_id, Round.position < round_.position)
            .limit(1)
        )
        is not None
    )


def _capped_list(messages: list[str], noun: str) -> list[str]:
    if len(messages) <= MAX_LISTED:
        return messages
    rest = len(messages) - MAX_LISTED
    return messages[:MAX_LISTED] + [_("... and %(n)d more %(noun)s like these.", n=rest, noun=noun)]


# ---------------------------------------------------------------------------------------------
# The integer program


def stable_noise(judge_id: int, entry_id: int) -> float:
    digest = hashlib.blake2b(f"{judge_id}:{entry_id}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") / 0xFFFFFFFF


def sort_key_for(judge_id: int, submission_id: int) -> int:
    """The judge's own random-but-stable order of their entries (fits a signed 32-bit int)."""
    digest = hashlib.blake2b(f"order:{judge_id}:{submission_id}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") & 0x7FFFFFFF


@dataclass
class _Model:
    candidates: list[tuple[int, int]]  # (judge index, entry index) per x variable
    c: np.ndarray
    integrality: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    matrix: object
    row_lower: np.ndarray
    row_upper: np.ndarray


def _build(problem: AssignmentProblem, mode: str) -> _Model:
    """mode: FULL (hard load bands), TOPUP (convex load cost on top of current loads), or
    "coverage" (maximise coverage under capacities only: the diagnosis of an infeasible run)."""
    import numpy as np  # here, not at import: like SciPy, only the solver needs it (~20 MB)

    judges, entries = problem.judges, problem.entries
    n_judges, n_entries = len(judges), len(entries)
    open_entries = [i for i, e in enumerate(entries) if problem.need[e.id] > 0]

    cand_j: list[int] = []
    cand_e: list[int] = []
    cost: list[float] = []
    for ei in open_entries:
        entry = entries[ei]
        for ji, judge in enumerate(judges):
            if not problem.allowed(judge.id, entry.id):
                continue
            cand_j.append(ji)
            cand_e.append(ei)
            if mode == "coverage":
                cost.append(-1.0)
            else:
                bonus = EXPERTISE_BONUS if judge.expertise & entry.domains else 0.0
                cost.append(-bonus + TIE_BREAK * stable_noise(judge.id, entry.id))
    n_x = len(cand_j)
    cj = np.asarray(cand_j, dtype=np.int64)
    ce = np.asarray(cand_e, dtype=np.int64)

    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    row_lower: list[np.ndarray] = []
    row_upper: list[np.ndarray] = []
    n_rows = 0
    n_cols = n_x
    extra_cost: list[np.ndarray] = []
    extra_integral: list[np.ndarray] = []
    extra_upper: list[np.ndarray] = []

    # Coverage: each open entry gets exactly (at most, in diagnosis) the judges it needs.
    need = np.array([problem.need[e.id] for e in entries], dtype=float)
    rows.append(ce)
    cols.append(np.arange(n_x))
    vals.append(np.ones(n_x))
    row_lower.append(np.zeros(n_entries) if mode == "coverage" else need)
    row_upper.append(need)
    n_rows += n_entries

    # Loads.
    rows.append(n_rows + cj)
    cols.append(np.arange(n_x))
    vals.append(np.ones(n_x))
    if mode == FULL:
        _level, bands = load_bands(problem)
        row_lower.append(np.array([bands[j.id][0] for j in judges], dtype=float))
        row_upper.append(np.array([bands[j.id][1] for j in judges], dtype=float))
    elif mode == "coverage":
        caps = [_remaining_capacity(problem, j) for j in judges]
        row_lower.append(np.zeros(n_judges))
        row_upper.append(np.array([np.inf if c is None else c for c in caps], dtype=float))
    else:
        # Top-up: sum(x) - sum(units) = 0; unit t of judge j costs W * (current load + t), a
        # convex cost, so the gaps go to the least loaded judges.
        per_judge = np.bincount(cj, minlength=n_judges) if n_x else np.zeros(n_judges, int)
        demand = problem.demand
        unit_rows, unit_costs = [], []
        for ji, judge in enumerate(judges):
            cap = _remaining_capacity(problem, judge)
            units = min(int(per_judge[ji]), demand, cap if cap is not None else demand)
            base = problem.loads.get(judge.id, 0)
            unit_rows += [ji] * units
            unit_costs += [TOPUP_LOAD_WEIGHT * (base + t) for t in range(1, units + 1)]
        n_units = len(unit_rows)
        rows.append(n_rows + np.asarray(unit_rows, dtype=np.int64))
        cols.append(n_cols + np.arange(n_units))
        vals.append(-np.ones(n_units))
        row_lower.append(np.zeros(n_judges))
        row_upper.append(np.zeros(n_judges))
        extra_cost.append(np.asarray(unit_costs, dtype=float))
        extra_integral.append(np.ones(n_units))
        extra_upper.append(np.ones(n_units))
        n_cols += n_units
    n_rows += n_judges

    # Regions: for each entry and region, sum(x) - slack <= 1 - judges of that region already
    # on the entry; the slack costs REGION_PENALTY per extra judge from the same region.
    if mode != "coverage":
        region_of = [j.region for j in judges]
        groups: dict[tuple[int, str], list[int]] = defaultdict(list)
        for var, (ji, ei) in enumerate(zip(cand_j, cand_e, strict=True)):
            if region_of[ji]:
                groups[(ei, region_of[ji])].append(var)
        judge_index = {j.id: ji for ji, j in enumerate(judges)}
        existing = Counter()
        for ei, entry in enumerate(entries):
            for judge_id in problem.current.get(entry.id, []):
                ji = judge_index.get(judge_id)
                if ji is not None and region_of[ji]:
                    existing[(ei, region_of[ji])] += 1
        kept = [
            (key, members) for key, members in groups.items() if len(members) + existing[key] > 1
        ]
        g_rows, g_cols = [], []
        g_upper = []
        for gi, (key, members) in enumerate(kept):
            g_rows += [n_rows + gi] * len(members)
            g_cols += members
            g_upper.append(1.0 - existing[key])
        n_groups = len(kept)
        if n_groups:
            rows.append(np.asarray(g_rows, dtype=np.int64))
            cols.append(np.asarray(g_cols, dtype=np.int64))
            vals.append(np.ones(len(g_rows)))
            rows.append(n_rows + np.arange(n_groups))
            cols.append(n_cols + np.arange(n_groups))
            vals.append(-np.ones(n_groups))
            row_lower.append(np.full(n_groups, -np.inf))
            row_upper.append(np.asarray(g_upper, dtype=float))
            extra_cost.append(np.full(n_groups, REGION_PENALTY))
            extra_integral.append(np.zeros(n_groups))
            extra_upper.append(np.array([len(m) for _k, m in kept], dtype=float))
            n_cols += n_groups
            n_rows += n_groups

    from scipy.sparse import coo_matrix  # here, not at import: SciPy costs every web worker ~60 MB

    matrix = coo_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(n_rows, n_cols),
    ).tocsr()
    c = np.concatenate([np.asarray(cost, dtype=float), *extra_cost])
    integrality = np.concatenate([np.ones(n_x), *extra_integral])
    upper = np.concatenate([np.ones(n_x), *extra_upper])
    return _Model(
        candidates=list(zip(cand_j, cand_e, strict=True)),
        c=c,
        integrality=integrality,
        lower=np.zeros(n_cols),
        upper=upper,
        matrix=matrix,
        row_lower=np.concatenate(row_lower),
        row_upper=np.concatenate(row_upper),
    )


def _run(model: _Model, time_limit: float):
    if model.matrix.shape[1] == 0:
        return None
    from scipy.optimize import Bounds, LinearConstraint, milp

    return milp(
        model.c,
        integrality=model.integrality,
        bounds=Bounds(model.lower, model.upper),
        constraints=LinearConstraint(model.matrix, model.row_lower, model.row_upper),
        options={"time_limit": time_limit, "disp": False},
    )


def _time_limit() -> float:
    return float(current_app.config.get("ASSIGNMENT_TIME_LIMIT", DEFAULT_TIME_LIMIT))


def solve(problem: AssignmentProblem) -> list[tuple[int, int]]:
    """The optimal (judge id, entry id) pairs to add, or AssignmentInfeasible with reasons."""
    import numpy as np

    problems = check_feasibility(problem)
    if problems:
        raise AssignmentInfeasible(problems)
    if problem.demand == 0:
        return []
    limit = _time_limit()
    model = _build(problem, problem.kind)
    result = _run(model, limit)
    if result is None or result.x is None:
        if result is not None and result.status == 1:
            raise AssignmentInfeasible(
                [
                    _(
                        "The optimiser did not finish within %(s)d seconds. Nothing was "
                        "changed. Try again, or assign this round in smaller parts.",
                        s=int(limit),
                    )
                ]
            )
        raise AssignmentInfeasible(_diagnose(problem, limit))
    chosen = np.flatnonzero(result.x[: len(model.candidates)] > 0.5)
    pairs = [
        (problem.judges[model.candidates[i][0]].id, problem.entries[model.candidates[i][1]].id)
        for i in chosen
    ]
    _verify(problem, pairs)
    return pairs


def _diagnose(problem: AssignmentProblem, limit: float) -> list[str]:
    """Why the solver found no assignment: entries that cannot all be covered, or balance."""
    import numpy as np

    model = _build(problem, "coverage")
    result = _run(model, limit)
    chosen: list[tuple[int, int]] = []
    if result is not None and result.x is not None:
        for i in np.flatnonzero(result.x[: len(model.candidates)] > 0.5):
            ji, ei = model.candidates[i]
            chosen.append((problem.judges[ji].id, problem.entries[ei].id))
    covered = Counter(e for _j, e in chosen)
    short = [e for e in problem.entries if covered[e.id] < problem.need[e.id]]
    if short:
        entries, judges = _bottleneck(problem, chosen, short)
        codes = ", ".join(e.code for e in entries[:MAX_LISTED])
        if len(entries) > MAX_LISTED:
            codes += _(" and %(n)d more", n=len(entries) - MAX_LISTED)
        names = ", ".join(j.name for j in judges[:MAX_LISTED]) or _("nobody")
        return [
            _(
                "Entries %(codes)s cannot all get their %(k)d judges at the same time: apart "
                "from judges with a conflict, they depend on %(names)s, whose personal "
                "capacities are used up. Raise those capacities or add judges to the panel.",
                codes=codes,
                k=problem.round.judges_per_entry,
                names=names,
            )
        ]
    if problem.kind == FULL:
        level, bands = load_bands(problem)
        conflicted = Counter(j for j, _e in problem.conflicts)
        worst = [j for j in problem.judges if conflicted[j.id]]
        worst.sort(key=lambda j: -conflicted[j.id])
        names = ", ".join(
            _("%(name)s (%(n)d conflicts)", name=j.name, n=conflicted[j.id]) for j in worst[:5]
        )
        return [
            _(
                "No assignment keeps every judge's load between %(low)d and %(high)d entries "
                "while avoiding conflicts. Give a personal capacity on the panel page to the "
                "judges with the most conflicts: %(names)s.",
                low=max(level - 1, 0),
                high=level,
                names=names or _("none"),
            )
        ]
    return [_("No assignment fills the gaps without a conflict or exceeding a capacity.")]


def _bottleneck(
    problem: AssignmentProblem, chosen: list[tuple[int, int]], short: list[EntryInfo]
) -> tuple[list[EntryInfo], list[JudgeInfo]]:
    """The entries and judges of a maximum coverage's bottleneck (Hall's condition fails for
    them): from each entry left short, every judge it could still take is full, and each of
    those judges' entries could only hand the judge over by falling short itself."""
    by_entry: dict[int, set[int]] = defaultdict(set)
    by_judge: dict[int, set[int]] = defaultdict(set)
    for judge_id, entry_id in chosen:
        by_entry[entry_id].add(judge_id)
        by_judge[judge_id].add(entry_id)
    entries = {e.id: e for e in problem.entries}
    judges = {j.id: j for j in problem.judges}
    seen_entries = {e.id for e in short}
    seen_judges: set[int] = set()
    queue = [e.id for e in short]
    while queue:
        entry_id = queue.pop()
        for judge in problem.judges:
            if judge.id in seen_judges or judge.id in by_entry[entry_id]:
                continue
            if not problem.allowed(judge.id, entry_id):
                continue
            seen_judges.add(judge.id)
            for other in by_judge[judge.id]:
                if other not in seen_entries:
                    seen_entries.add(other)
                    queue.append(other)
    return (
        sorted((entries[i] for i in seen_entries), key=lambda e: e.code),
        sorted((judges[i] for i in seen_judges), key=lambda j: j.name),
    )


def _verify(problem: AssignmentProblem, pairs: list[tuple[int, int]]) -> None:
    """The solver's answer is checked against the hard rules before anyone sees it."""
    per_entry = Counter(e for _j, e in pairs)
    per_judge = Counter(j for j, _e in pairs)
    bad = [p for p in pairs if not problem.allowed(*p)]
    uncovered = [e for e in problem.entries if per_entry[e.id] != problem.need[e.id]]
    overloaded = []
    bands = load_bands(problem)[1] if problem.kind == FULL else {}
    for judge in problem.judges:
        total = problem.loads.get(judge.id, 0) + per_judge[judge.id]
        if judge.capacity is not None and total > judge.capacity:
            overloaded.append(judge)
        if problem.kind == FULL:
            low, high = bands[judge.id]
            if not low <= per_judge[judge.id] <= high:
                overloaded.append(judge)
    if bad or uncovered or overloaded or len(set(pairs)) != len(pairs):
        raise AssignmentInfeasible(
            [_("The optimiser returned an answer that breaks the rules; nothing was changed.")]
        )


# ---------------------------------------------------------------------------------------------
# Proposals


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"], salt="awards-assignment-proposal"
    )


def describe(problem: AssignmentProblem, pairs: list[tuple[int, int]]) -> Proposal:
    judges = {j.id: j for j in problem.judges}
    added_by_entry: dict[int, set[int]] = defaultdict(set)
    per_judge = Counter()
    for judge_id, entry_id in pairs:
        added_by_entry[entry_id].add(judge_id)
        per_judge[judge_id] += 1
    loads = [
        JudgeLoad(judge=j, before=problem.loads.get(j.id, 0), added=per_judge[j.id])
        for j in problem.judges
    ]
    panels = []
    for entry in problem.entries:
        added = added_by_entry.get(entry.id, set())
        if problem.kind == TOPUP and not added:
            continue
        members = [judges[j] for j in problem.current.get(entry.id, []) if j in judges]
        members += [judges[j] for j in sorted(added)]
        panels.append(EntryPanel(entry=entry, judges=members, added=added))
    flat: list[int] = []
    for judge_id, entry_id in sorted(pairs):
        flat += [judge_id, entry_id]
    token = _serializer().dumps({"r": problem.round.id, "k": problem.kind, "p": flat})
    return Proposal(
        round_id=problem.round.id,
        kind=problem.kind,
        pairs=sorted(pairs),
        loads=loads,
        panels=panels,
        token=token,
    )


def has_active_assignments(round_: Round) -> bool:
    return (
        db.session.scalar(
            select(Assignment.id)
            .where(Assignment.round_id == round_.id, Assignment.status == AssignmentStatus.ACTIVE)
            .limit(1)
        )
        is not None
    )


def _refuse_closed(round_: Round) -> None:
    if round_.status == RoundStatus.CLOSED:
        raise DomainError(_("This round is closed; its assignments can no longer change."))


def propose_assignment(round_: Round, *, actor: User) -> Proposal:
    """Detect conflicts, check feasibility and solve; nothing is assigned yet."""
    _refuse_closed(round_)
    if has_active_assignments(round_):
        raise DomainError(
            _(
                "Judges are assigned in this round already. Use the top-up to fill gaps, or "
                "add and remove assignments by hand."
            )
        )
    conflict_rules.detect_for_round(round_, actor=actor)
    problem = load_problem(round_, FULL)
    return describe(problem, solve(problem))


def propose_top_up(round_: Round, *, actor: User) -> Proposal:
    """Fill the gaps (entries with fewer active judges than needed, e.g. after recusals)
    without moving any existing assignment."""
    _refuse_closed(round_)
    conflict_rules.detect_for_round(round_, actor=actor)
    problem = load_problem(round_, TOPUP)
    if problem.entries and problem.demand == 0:
        raise DomainError(
            _(
                "Every entry has its %(k)d judges; there is nothing to top up.",
                k=round_.judges_per_entry,
            )
        )
    return describe(problem, solve(problem))


def _lock_round(round_: Round) -> None:
    # A write on the round row: on PostgreSQL a row lock (like SELECT ... FOR UPDATE), on
    # SQLite the database write lock. A second confirmation waits here until the first has
    # committed, then sees its assignments and is refused.
    db.session.execute(
        update(Round)
        .where(Round.id == round_.id)
        .values(updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def read_proposal(token: str) -> dict:
    try:
        payload = _serializer().loads(token, max_age=PROPOSAL_MAX_AGE)
    except SignatureExpired as exc:
        raise DomainError(
            _("This proposal is more than six hours old. Run the assignment again.")
        ) from exc
    except BadSignature as exc:
        raise DomainError(_("This proposal is not valid. Run the assignment again.")) from exc
    return payload


def confirm_proposal(round_: Round, token: str, *, actor: User) -> int:
    """Make a shown proposal take effect, after checking it against the round as it is now.

    Two confirmations of the same round at once: the round row is locked first, so one wins
    and the other is refused with a message; nothing is half-written.
    """
    payload = read_proposal(token)
    if payload.get("r") != round_.id or payload.get("k") not in (FULL, TOPUP):
        raise DomainError(_("This proposal is for another round."))
    kind = payload["k"]
    flat = payload.get("p") or []
    pairs = list(zip(flat[::2], flat[1::2], strict=True))
    _refuse_closed(round_)
    _lock_round(round_)
    if kind == FULL and has_active_assignments(round_):
        raise DomainError(
            _(
                "Judges have just been assigned in this round by someone else; nothing was "
                "changed. Their assignment is shown below."
            )
        )
    conflict_rules.detect_for_round(round_, actor=actor)
    problem = load_problem(round_, kind)
    try:
        _verify(problem, pairs)
    except AssignmentInfeasible as exc:
        raise DomainError(
            _(
                "The round has changed since this proposal was made (entries, panel, conflicts "
                "or assignments). Nothing was changed; run the assignment again."
            )
        ) from exc
    created = write_assignments(round_, pairs, actor=actor)
    audit.record(
        actor,
        "round.assigned" if kind == FULL else "round.topped_up",
        round_,
        after={
            "assignments": created,
            "entries": len({e for _j, e in pairs}),
            "judges": len({j for j, _e in pairs}),
        },
    )
    return created


def write_assignments(round_: Round, pairs: list[tuple[int, int]], *, actor: User) -> int:
    """Insert (or reactivate removed) assignments in bulk and tell each judge once."""
    if not pairs:
        return 0
    now = utcnow()
    removed = {
        (a.judge_id, a.submission_id): a
        for a in db.session.scalars(
            select(Assignment).where(
                Assignment.round_id == round_.id,
                Assignment.status == AssignmentStatus.REMOVED,
            )
        )
    }
    fresh = []
    for judge_id, sid in pairs:
        row = removed.get((judge_id, sid))
        if row is not None:
            row.status = AssignmentStatus.ACTIVE
            row.notified_at = now
            continue
        fresh.append(
            {
                "round_id": round_.id,
                "judge_id": judge_id,
                "submission_id": sid,
                "status": AssignmentStatus.ACTIVE,
                "sort_key": sort_key_for(judge_id, sid),
                "notified_at": now,
                "created_at": now,
                "updated_at": now,
            }
        )
    if fresh:
        db.session.execute(insert(Assignment), fresh)
    db.session.flush()
    per_judge = Counter(j for j, _s in pairs)
    _notify_judges(round_, per_judge)
    return len(pairs)


def _notify_judges(round_: Round, per_judge: Counter) -> None:
    totals = dict(
        db.session.execute(
            select(Assignment.judge_id, func.count())
            .where(
                Assignment.round_id == round_.id,
                Assignment.status == AssignmentStatus.ACTIVE,
                Assignment.judge_id.in_(list(per_judge)),
            )
            .group_by(Assignment.judge_id)
        ).all()
    )
    judges = db.session.scalars(select(User).where(User.id.in_(list(per_judge)))).all()
    for judge in judges:
        queue_mail(
            judge.email,
            _l("Entries to review: %(round)s", round=round_.name),
            "judge_assigned",
            locale=judge.locale,
            category="assignment",
            judge=judge,
            round=round_,
            cycle=round_.cycle,
            added=per_judge[judge.id],
            total=totals.get(judge.id, per_judge[judge.id]),
        )


# ---------------------------------------------------------------------------------------------
# By hand


def add_assignment(round_: Round, judge: User, submission: Submission, *, actor: User) -> None:
    """Assign one judge to one entry by hand; a conflicted pair is refused."""
    _refuse_closed(round_)
    member = db.session.scalar(
        select(PanelMember).where(
            PanelMember.round_id == round_.id, PanelMember.user_id == judge.id
        )
    )
    if member is None:
        raise DomainError(
            _("%(name)s is not on the panel of this round.", name=judge.name), field="judge_id"
        )
    if submission.cycle_id != round_.cycle_id or not is_eligible(round_, submission):
        raise DomainError(
            _("%(code)s is not an entry of this round.", code=submission.reference_code),
            field="reference_code",
        )
    conflict_rules.detect_conflicts([judge], [submission.id], actor=actor)
    conflict = conflict_rules.active_conflict(judge.id, submission.id)
    if conflict is not None:
        raise DomainError(
            _(
                "%(name)s has a conflict with %(code)s (%(reason)s) and cannot be assigned to "
                "it. If the conflict is wrong, lift it first.",
                name=judge.name,
                code=submission.reference_code,
                reason=conflict.reason,
            ),
            field="judge_id",
        )
    row = db.session.scalar(
        select(Assignment).where(
            Assignment.round_id == round_.id,
            Assignment.judge_id == judge.id,
            Assignment.submission_id == submission.id,
        )
    )
    if row is not None and row.status == AssignmentStatus.ACTIVE:
        raise DomainError(
            _(
                "%(name)s is assigned to %(code)s already.",
                name=judge.name,
                code=submission.reference_code,
            ),
            field="judge_id",
        )
    if member.capacity is not None:
        load = db.session.scalar(
            select(func.count())
            .select_from(Assignment)
            .where(
                Assignment.round_id == round_.id,
                Assignment.judge_id == judge.id,
                Assignment.status == AssignmentStatus.ACTIVE,
            )
        )
        if load >= member.capacity:
            raise DomainError(
                _(
                    "%(name)s has reached their capacity of %(n)d entries. Raise it on the "
                    "panel page first.",
                    name=judge.name,
                    n=member.capacity,
                ),
                field="judge_id",
            )
    now = utcnow()
    if row is None:
        row = Assignment(
            round_id=round_.id,
            judge_id=judge.id,
            submission_id=submission.id,
            sort_key=sort_key_for(judge.id, submission.id),
            notified_at=now,
        )
        db.session.add(row)
    else:
        before = row.status
        row.status = AssignmentStatus.ACTIVE
        row.notified_at = now
        audit.record(
            actor,
            "assignment.reactivated",
            row,
            before={"status": before},
            after={"status": "active"},
        )
    db.session.flush()
    audit.record(
        actor,
        "assignment.added",
        row,
        after={"judge_id": judge.id, "submission_id": submission.id},
    )
    _notify_judges(round_, Counter({judge.id: 1}))


def remove_assignment(assignment: Assignment, *, actor: User) -> None:
    """Take an entry away from a judge, unless their review is submitted (then the right tool
    is a conflict, which keeps the record and takes the scores out of the averages)."""
    _refuse_closed(assignment.round)
    if assignment.status != AssignmentStatus.ACTIVE:
        raise DomainError(_("This assignment is not active."))
    submitted = db.session.scalar(
        select(Review.id).where(
            Review.assignment_id == assignment.id, Review.status == ReviewStatus.SUBMITTED
        )
    )
    if submitted is not None:
        raise DomainError(
            _(
                "%(name)s has submitted a review of %(code)s, so the assignment cannot be "
                "removed. If there is a conflict of interest, record it instead: the review "
                "then stops counting.",
                name=assignment.judge.name,
                code=assignment.submission.reference_code,
            )
        )
    assignment.status = AssignmentStatus.REMOVED
    db.session.flush()
    audit.record(
        actor,
        "assignment.removed",
        assignment,
        before={"status": "active"},
        after={"status": "removed"},
    )


# ---------------------------------------------------------------------------------------------
# The current state, for the assignment page


@dataclass
class AssignmentState:
    loads: list[tuple[JudgeInfo, int, int]]  # judge, active, recused
    panels: list[EntryPanel]
    gaps: int  # judges missing across entries
    entries: int


def current_state(round_: Round) -> AssignmentState:
    problem = load_problem(round_, TOPUP)
    judges = {j.id: j for j in problem.judges}
    recused = dict(
        db.session.execute(
            select(Assignment.judge_id, func.count())
            .where(
                Assignment.round_id == round_.id,
                Assignment.status == AssignmentStatus.RECUSED,
            )
            .group_by(Assignment.judge_id)
        ).all()
    )
    loads = [(j, problem.loads.get(j.id, 0), recused.get(j.id, 0)) for j in problem.judges]
    panels = []
    for entry in problem.entries:
        members = [judges[j] for j in problem.current.get(entry.id, []) if j in judges]
        panels.append(EntryPanel(entry=entry, judges=members, added=set()))
    return AssignmentState(
        loads=loads, panels=panels, gaps=problem.demand, entries=len(problem.entries)
    )
