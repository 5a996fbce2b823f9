"""The installation the benchmarks run against, built with PostgreSQL COPY.

- The demo cycle at real size: 300 valid entries with every section written, 11 committee
  members, 3 judges per entry (one judge has exactly 75 entries, the others about 82), every
  review submitted with scores on the 5 criteria; the committee round is open.
- A large cycle: 10,000 valid entries from 2,000 governments, 100 judges, 5 submitted reviews
  per entry on 6 criteria (300,000 scores).
- An open call with 300 applicant accounts (each with its own organisation) for the deadline
  surge, and 60 judges for the assignment benchmark.

The people and the small cycle rows come from awards.demo (ORM, a few dozen rows); the bulk
rows go through COPY on the session's own connection, with explicit ids (sequences are moved
past them at the end) and every column default the models declare filled in, so that the rows
are exactly what the app would have written.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import Enum

from sqlalchemy import Table, text

from awards.accounts.models import GovernmentLevel, Organisation, Role, User
from awards.accounts.regions import region_for_country
from awards.accounts.services import hash_password
from awards.cycles.models import (
    Criterion,
    Cycle,
    Domain,
    FormSection,
    PanelMember,
    Round,
    RoundKind,
    RoundStatus,
)
from awards.db import utcnow
from awards.demo import DEMO_PASSWORD, _add_cycle, _add_people, pick_cities
from awards.demo_content import CRITERIA, CYCLE_DESCRIPTION, DOMAINS, SECTIONS, THEMES
from awards.extensions import db
from awards.judging.models import (
    Assignment,
    AssignmentStatus,
    Review,
    ReviewStatus,
    Score,
    score_values,
    weighted_total,
)
from awards.submissions.models import (
    Contact,
    InitiativeStatus,
    Partner,
    SectionAnswer,
    Submission,
    SubmissionStatus,
    submission_domains,
)

PASSWORD = DEMO_PASSWORD
DASHBOARD_JUDGE_ENTRIES = 75
DEMO_ENTRIES = 300
LARGE_ENTRIES = 10_000
LARGE_REVIEWS_PER_ENTRY = 5
LARGE_JUDGES = 100
SURGE_APPLICANTS = 300
ASSIGN_JUDGES = 60
ASSIGN_ENTRIES = 3_000


@dataclass
class Installation:
    demo_cycle_id: int = 0
    demo_round_id: int = 0
    dashboard_judge_email: str = ""
    dashboard_judge_id: int = 0
    judge_entry_id: int = 0  # one of that judge's entries
    secretariat_email: str = ""
    admin_email: str = ""
    large_cycle_id: int = 0
    large_round_id: int = 0
    surge_cycle_id: int = 0
    surge_cycle_slug: str = ""
    surge_applicants: list[str] = field(default_factory=list)
    surge_sections: list[tuple[int, int]] = field(default_factory=list)  # (id, word limit)
    surge_domain_ids: list[int] = field(default_factory=list)
    upload_applicant: str = ""
    upload_submission_id: int = 0
    assign_cycle_id: int = 0
    assign_round_id: int = 0
    counts: dict[str, int] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# COPY with the models' defaults


class Bulk:
    """COPY rows into tables on the session's connection, handing out explicit ids."""

    def __init__(self) -> None:
        self.connection = db.session.connection()
        self.raw = self.connection.connection.dbapi_connection  # psycopg 3
        self.rows: dict[str, int] = {}

    def ids(self, table: Table, n: int) -> list[int]:
        """`n` ids drawn from the table's own sequence, so that rows the running app inserts at
        the same time never collide with them."""
        if n <= 0:
            return []
        return list(
            self.connection.scalars(
                text(
                    "SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
                    "FROM generate_series(1, :n)"
                ),
                {"table": table.name, "n": n},
            )
        )

    def copy(self, table: Table, rows: list[dict]) -> None:
        if not rows:
            return
        given = list(rows[0])
        defaults = {}
        for column in table.columns:
            if column.name in given or column.default is None:
                continue
            default = column.default
            if default.is_scalar:
                defaults[column.name] = default.arg
            elif default.is_callable:
                defaults[column.name] = default.arg(None)
        names = given + list(defaults)
        extra = [_plain(v) for v in defaults.values()]
        statement = f"COPY {table.name} ({', '.join(names)}) FROM STDIN"
        with self.raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([_plain(row[name]) for name in given] + extra)
        self.rows[table.name] = self.rows.get(table.name, 0) + len(rows)

    def finish(self) -> None:
        self.connection.execute(text("ANALYZE"))


def _copy_array(values: list) -> str:
    """COPY's text form of a PostgreSQL int[] (_plain would write a list as JSON)."""
    return "{" + ",".join("NULL" if value is None else str(value) for value in values) + "}"


def _plain(value):
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None)
    if isinstance(value, list | dict):
        return json.dumps(value)
    return value


# --------------------------------------------------------------------------------------------
# Text


def _vocabulary() -> list[str]:
    words: list[str] = []
    for theme in THEMES:
        for item in (*theme.titles, *theme.partners):
            words += [w.strip(".,;:()") for w in item.replace("{city}", "").split()]
    for _key, _title, _limit, _required, help_text in SECTIONS:
        words += [w.strip(".,;:()") for w in help_text.split()]
    words += [w.strip(".,;:()") for w in CYCLE_DESCRIPTION.split()]
    return [w for w in words if w and "{" not in w]


class Writer:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.words = _vocabulary()

    def sentence(self) -> str:
        n = self.rng.randint(9, 24)
        body = " ".join(self.rng.choice(self.words) for _ in range(n))
        return body[0].upper() + body[1:] + "."

    def text(self, words: int) -> str:
        paragraphs, sentences, count = [], [], 0
        while count < words:
            sentence = self.sentence()
            sentences.append(sentence)
            count += sentence.count(" ") + 1
            if len(sentences) >= self.rng.randint(4, 7):
                paragraphs.append(" ".join(sentences))
                sentences = []
        if sentences:
            paragraphs.append(" ".join(sentences))
        return "\n\n".join(paragraphs)


# --------------------------------------------------------------------------------------------
# Shared pieces


def _organisations(bulk: Bulk, rng: random.Random, n: int, tag: str) -> list[dict]:
    """`n` governments in real cities (the demo's ~190, then numbered districts of them)."""
    cities = pick_cities(random.Random(7))
    rows = []
    for i, org_id in enumerate(bulk.ids(Organisation.__table__, n)):
        city = cities[i % len(cities)]
        lap = i // len(cities)
        name = city.organisation if lap == 0 else f"{city.organisation} ({tag} district {lap})"
        if lap == 0 and tag:
            name = f"{city.organisation} ({tag})"
        rows.append(
            {
                "id": org_id,
                "name": name[:200],
                "city": city.name,
                "country_code": city.country_code,
                "region": region_for_country(city.country_code),
                "population": city.population,
                "level": city.level if lap == 0 else GovernmentLevel.CITY,
                "website": "",
            }
        )
    bulk.copy(Organisation.__table__, rows)
    return rows


def _users(bulk: Bulk, password_hash: str, emails: list[str], role: Role, **per_user) -> list[dict]:
    now = utcnow()
    rows = []
    for i, (user_id, email) in enumerate(
        zip(bulk.ids(User.__table__, len(emails)), emails, strict=True)
    ):
        row = {
            "id": user_id,
            "email": email,
            "name": email.split("@")[0].replace(".", " ").title(),
            "password_hash": password_hash,
            "role": role,
            "is_active_account": True,
            "email_verified_at": now,
            "organisation_id": None,
            "affiliation": "",
            "city": "",
            "country_code": None,
            "expertise": "",
        }
        for key, values in per_user.items():
            row[key] = values[i]
        rows.append(row)
    bulk.copy(User.__table__, rows)
    return rows


def _cycle(slug: str, prefix: str, name: str, opens: datetime, final: datetime) -> Cycle:
    cycle = Cycle(
        name=name,
        slug=slug,
        reference_prefix=prefix,
        time_zone="Asia/Shanghai",
        opens_at=opens,
        final_deadline=final,
        description=CYCLE_DESCRIPTION,
    )
    for position, (key, title, limit, required, help_text) in enumerate(SECTIONS):
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
    for position, (key, dname) in enumerate(DOMAINS):
        cycle.domains.append(Domain(key=key, name=dname, position=position))
    return cycle


def _submissions(
    bulk: Bulk,
    rng: random.Random,
    writer: Writer,
    cycle: Cycle,
    organisations: list[dict],
    n: int,
    *,
    created_by: list[int | None],
    sections: bool,
    now: datetime,
) -> list[int]:
    ids = list(bulk.ids(Submission.__table__, n))
    rows, answers, partners, contacts, domains = [], [], [], [], []
    domain_ids = [d.id for d in cycle.domains]
    section_list = list(cycle.sections)
    for i, sub_id in enumerate(ids):
        org = organisations[i % len(organisations)]
        theme = THEMES[i % len(THEMES)]
        title = rng.choice(theme.titles).format(city=org["city"])
        submitted = now - timedelta(days=rng.randint(20, 60), minutes=rng.randint(0, 1440))
        rows.append(
            {
                "id": sub_id,
                "cycle_id": cycle.id,
                "organisation_id": org["id"],
                "created_by_id": created_by[i % len(created_by)],
                "status": SubmissionStatus.VALID,
                "reference_code": f"{cycle.reference_prefix}-{i + 1:05d}",
                "title": title[:300],
                "umbrella_programme": "",
                "summary": writer.text(rng.randint(60, 120)),
                "start_date": date(2021 + i % 4, 1 + i % 12, 1),
                "initiative_status": InitiativeStatus.ONGOING,
                "end_date": None,
                "sdgs": sorted({11, *theme.sdgs}),
                "video_links": [],
                "submitted_at": submitted,
                "first_submitted_at": submitted,
                "secretariat_message": "",
                "invalid_reason": "",
                "withdrawn_reason": "",
                "lock_version": 1,
                "created_at": submitted - timedelta(days=10),
                "updated_at": submitted,
            }
        )
        for key in dict.fromkeys(theme.domains):
            match = [d.id for d in cycle.domains if d.key == key]
            domains.append({"submission_id": sub_id, "domain_id": (match or domain_ids)[0]})
        if sections:
            for section in section_list:
                answers.append(
                    {
                        "submission_id": sub_id,
                        "section_id": section.id,
                        "body": writer.text(int(section.word_limit * rng.uniform(0.6, 0.95))),
                        "version": 1,
                        "updated_at": submitted,
                        "updated_by_id": created_by[i % len(created_by)],
                    }
                )
            for position, partner in enumerate(rng.sample(theme.partners, 2)):
                partners.append(
                    {
                        "submission_id": sub_id,
                        "name": partner.format(city=org["city"], country=org["country_code"])[:200],
                        "position": position,
                    }
                )
            contacts.append(
                {
                    "submission_id": sub_id,
                    "name": f"Contact {i}",
                    "role": "Project lead",
                    "email": f"contact{i}@{cycle.slug}.example.org",
                    "phone": "",
                    "position": 0,
                }
            )
    bulk.copy(Submission.__table__, rows)
    bulk.copy(submission_domains, domains)
    for table, data in (
        (SectionAnswer.__table__, answers),
        (Partner.__table__, partners),
        (Contact.__table__, contacts),
    ):
        for row, row_id in zip(data, bulk.ids(table, len(data)), strict=True):
            row["id"] = row_id
        bulk.copy(table, data)
    return ids


def _reviews(
    bulk: Bulk,
    rng: random.Random,
    round_: Round,
    pairs: list[tuple[int, int]],
    criteria: list[Criterion],
    now: datetime,
    *,
    comments: bool,
) -> None:
    """An active assignment and a submitted review with every criterion scored, per
    (judge, entry) pair. Scores: entry quality plus judge severity plus noise."""
    quality: dict[int, float] = {}
    severity: dict[int, float] = {}
    assignments, reviews, scores = [], [], []
    assignment_ids = bulk.ids(Assignment.__table__, len(pairs))
    review_ids = bulk.ids(Review.__table__, len(pairs))
    score_ids = iter(bulk.ids(Score.__table__, len(pairs) * len(criteria)))
    for (judge_id, sub_id), a_id, r_id in zip(pairs, assignment_ids, review_ids, strict=True):
        q = quality.setdefault(sub_id, rng.gauss(6.0, 1.4))
        s = severity.setdefault(judge_id, rng.gauss(0.0, 0.8))
        when = now - timedelta(hours=rng.randint(1, 200))
        assignments.append(
            {
                "id": a_id,
                "round_id": round_.id,
                "judge_id": judge_id,
                "submission_id": sub_id,
                "status": AssignmentStatus.ACTIVE,
                "sort_key": rng.randint(0, 2**30),
                "notified_at": when - timedelta(days=10),
                "created_at": when - timedelta(days=10),
                "updated_at": when - timedelta(days=10),
            }
        )
        values = []
        for criterion in criteria:
            value = round(q + s + rng.gauss(0, 1.2))
            value = max(criterion.scale_min, min(criterion.scale_max, value))
            values.append((criterion.weight, value, criterion.scale_min, criterion.scale_max))
            scores.append(
                {
                    "id": next(score_ids),
                    "review_id": r_id,
                    "criterion_id": criterion.id,
                    "scale_min": criterion.scale_min,
                    "scale_max": criterion.scale_max,
                    "value": value,
                    "comment": "Clear objectives and measured results." if comments else "",
                }
            )
        reviews.append(
            {
                "id": r_id,
                "round_id": round_.id,
                "judge_id": judge_id,
                "submission_id": sub_id,
                "assignment_id": a_id,
                "status": ReviewStatus.SUBMITTED,
                "overall_comment": (
                    "A well documented initiative; the evidence of impact is convincing, "
                    "the transfer to other cities would need adapting the financing model."
                    if comments
                    else ""
                ),
                "private_notes": "",
                "submitted_at": when,
                "lock_version": 1,
                # As the judge's submit stores it (Review.store_weighted_total).
                "weighted_total": weighted_total(values),
                "score_values": _copy_array(
                    score_values(
                        (criterion.id, value)
                        for criterion, (_, value, _, _) in zip(criteria, values, strict=True)
                    )
                ),
                "created_at": when - timedelta(days=2),
                "updated_at": when,
            }
        )
    bulk.copy(Assignment.__table__, assignments)
    bulk.copy(Review.__table__, reviews)
    bulk.copy(Score.__table__, scores)


# --------------------------------------------------------------------------------------------
# The installation


def build(seed: int = 2026) -> Installation:
    """Build everything, commit, and say where things are."""
    rng = random.Random(seed)
    writer = Writer(rng)
    now = utcnow().replace(microsecond=0)
    password_hash = hash_password(PASSWORD)
    info = Installation()

    # People and the demo cycle, from the demo's own builders (ORM, few rows).
    admin, secretariat, committee, jury = _add_people(password_hash)
    cycle = _add_cycle(now, committee, jury)
    # Judging happens after the call: the call closed three weeks ago, the round is open.
    cycle.opens_at = now - timedelta(days=150)
    cycle.early_bird_deadline = now - timedelta(days=90)
    cycle.final_deadline = now - timedelta(days=21)
    committee_round = cycle.rounds[0]
    committee_round.status = RoundStatus.OPEN
    committee_round.opens_at = now - timedelta(days=14)
    committee_round.closes_at = now + timedelta(days=7)
    jury_round = cycle.rounds[1]
    jury_round.opens_at = now + timedelta(days=14)
    jury_round.closes_at = now + timedelta(days=30)
    db.session.flush()
    info.demo_cycle_id, info.demo_round_id = cycle.id, committee_round.id
    info.admin_email, info.secretariat_email = admin.email, secretariat.email

    bulk = Bulk()
    orgs = _organisations(bulk, rng, 190, "")
    applicants = _users(
        bulk,
        password_hash,
        [f"applicant{i}@demo-bench.example.org" for i in range(len(orgs))],
        Role.APPLICANT,
        organisation_id=[o["id"] for o in orgs],
    )
    demo_ids = _submissions(
        bulk,
        rng,
        writer,
        cycle,
        orgs,
        DEMO_ENTRIES,
        created_by=[u["id"] for u in applicants],
        sections=True,
        now=now,
    )
    # 3 judges per entry: the first committee member takes exactly 75 entries, the ten others
    # share the remaining 825 slots in turn (82 or 83 each).
    first, others = committee[0], committee[1:]
    pairs: list[tuple[int, int]] = []
    turn = 0
    for index, sub_id in enumerate(demo_ids):
        judges = [first.id] if index < DASHBOARD_JUDGE_ENTRIES else []
        while len(judges) < committee_round.judges_per_entry:
            judges.append(others[turn % len(others)].id)
            turn += 1
        pairs += [(judge_id, sub_id) for judge_id in judges]
    _reviews(bulk, rng, committee_round, pairs, list(committee_round.criteria), now, comments=True)
    info.dashboard_judge_email, info.dashboard_judge_id = first.email, first.id
    info.judge_entry_id = demo_ids[DASHBOARD_JUDGE_ENTRIES // 2]

    # The large cycle: 10,000 entries, 100 judges, 5 reviews each on 6 criteria.
    large = _cycle("bench10k", "BIG", "Benchmark cycle: 10,000 initiatives", now, now)
    large.opens_at = now - timedelta(days=200)
    large.final_deadline = now - timedelta(days=60)
    for position, (cname, weight, rubric) in enumerate(
        [*CRITERIA, ("Context", "10", "How well the initiative fits its city's context.")][:6]
    ):
        large.criteria.append(
            Criterion(
                name=cname,
                rubric=rubric,
                weight=Decimal(weight),
                scale_min=1,
                scale_max=10,
                position=position,
            )
        )
    large_round = Round(
        name="Technical Committee review",
        kind=RoundKind.COMMITTEE,
        position=1,
        status=RoundStatus.OPEN,
        judges_per_entry=LARGE_REVIEWS_PER_ENTRY,
        opens_at=now - timedelta(days=30),
        closes_at=now + timedelta(days=5),
        select_limit=15,
        deserving_limit=30,
    )
    large.rounds.append(large_round)
    db.session.add(large)
    db.session.flush()
    large_round.criteria = list(large.criteria)
    db.session.flush()
    big_judges = _users(
        bulk,
        password_hash,
        [f"judge{i}@large-bench.example.org" for i in range(LARGE_JUDGES)],
        Role.JUDGE,
    )
    bulk.copy(
        PanelMember.__table__,
        [
            {"id": pid, "round_id": large_round.id, "user_id": u["id"], "capacity": None}
            for pid, u in zip(
                bulk.ids(PanelMember.__table__, len(big_judges)), big_judges, strict=True
            )
        ],
    )
    big_orgs = _organisations(bulk, rng, 2000, "L")
    big_ids = _submissions(
        bulk,
        rng,
        writer,
        large,
        big_orgs,
        LARGE_ENTRIES,
        created_by=[None],
        sections=False,
        now=now,
    )
    judge_ids = [u["id"] for u in big_judges]
    big_pairs = []
    for index, sub_id in enumerate(big_ids):
        start = (index * LARGE_REVIEWS_PER_ENTRY) % LARGE_JUDGES
        big_pairs += [
            (judge_ids[(start + k) % LARGE_JUDGES], sub_id) for k in range(LARGE_REVIEWS_PER_ENTRY)
        ]
    _reviews(bulk, rng, large_round, big_pairs, list(large.criteria), now, comments=False)
    info.large_cycle_id, info.large_round_id = large.id, large_round.id

    # The open call for the deadline surge: 300 applicants, each with its own government.
    surge = _cycle("surge", "SRG", "Benchmark cycle: the last hours before the deadline", now, now)
    surge.opens_at = now - timedelta(days=60)
    surge.final_deadline = now + timedelta(days=1)
    db.session.add(surge)
    db.session.flush()
    surge_orgs = _organisations(bulk, rng, SURGE_APPLICANTS + 1, "S")
    surge_users = _users(
        bulk,
        password_hash,
        [f"city{i}@surge-bench.example.org" for i in range(SURGE_APPLICANTS + 1)],
        Role.APPLICANT,
        organisation_id=[o["id"] for o in surge_orgs],
    )
    info.surge_cycle_id, info.surge_cycle_slug = surge.id, surge.slug
    info.surge_sections = [(section.id, section.word_limit) for section in surge.sections]
    info.surge_domain_ids = [domain.id for domain in surge.domains]
    info.surge_applicants = [u["email"] for u in surge_users[:SURGE_APPLICANTS]]
    info.upload_applicant = surge_users[SURGE_APPLICANTS]["email"]

    # The assignment benchmark: 3,000 valid entries, a round with 60 judges and some conflicts
    # (judges who live in an applicant's city), nothing assigned yet.
    assign = _cycle("assign3k", "ASG", "Benchmark cycle: assignment of 3,000 entries", now, now)
    assign.opens_at = now - timedelta(days=90)
    assign.final_deadline = now - timedelta(days=10)
    for position, (cname, weight, rubric) in enumerate(CRITERIA):
        assign.criteria.append(
            Criterion(name=cname, rubric=rubric, weight=Decimal(weight), position=position)
        )
    assign_round = Round(
        name="Technical Committee review",
        kind=RoundKind.COMMITTEE,
        position=1,
        status=RoundStatus.DRAFT,
        judges_per_entry=3,
        opens_at=now + timedelta(days=2),
        closes_at=now + timedelta(days=30),
    )
    assign.rounds.append(assign_round)
    db.session.add(assign)
    db.session.flush()
    assign_round.criteria = list(assign.criteria)
    db.session.flush()
    assign_orgs = _organisations(bulk, rng, 600, "A")
    expertise = [k for k, _ in DOMAINS]
    assign_judges = _users(
        bulk,
        password_hash,
        [f"panel{i}@assign-bench.example.org" for i in range(ASSIGN_JUDGES)],
        Role.JUDGE,
        # Every fifth judge lives in one of the applicant cities: detected conflicts.
        city=[assign_orgs[i * 7]["city"] if i % 5 == 0 else "" for i in range(ASSIGN_JUDGES)],
        country_code=[
            assign_orgs[i * 7]["country_code"] if i % 5 == 0 else None for i in range(ASSIGN_JUDGES)
        ],
        affiliation=[f"University {i}" for i in range(ASSIGN_JUDGES)],
        expertise=[",".join(rng.sample(expertise, 2)) for _ in range(ASSIGN_JUDGES)],
    )
    bulk.copy(
        PanelMember.__table__,
        [
            {"id": pid, "round_id": assign_round.id, "user_id": u["id"], "capacity": None}
            for pid, u in zip(
                bulk.ids(PanelMember.__table__, len(assign_judges)), assign_judges, strict=True
            )
        ],
    )
    _submissions(
        bulk,
        rng,
        writer,
        assign,
        assign_orgs,
        ASSIGN_ENTRIES,
        created_by=[None],
        sections=False,
        now=now,
    )
    info.assign_cycle_id, info.assign_round_id = assign.id, assign_round.id

    bulk.finish()
    db.session.commit()
    info.counts = dict(bulk.rows)
    return info
