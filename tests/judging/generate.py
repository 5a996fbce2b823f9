"""Generated cycles for the optimiser's tests: organisations, valid entries with domains and
partners, judges and a panel, written with bulk inserts (a 3,000-entry cycle in about a second).

Conflicts come from the data, as in real life: a judge from Kenya conflicts with every Kenyan
entry, and a few entries name a judge's institute as partner.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from sqlalchemy import insert, select

from awards.accounts.regions import region_for_country
from awards.db import utcnow
from awards.extensions import db
from awards.models import (
    Organisation,
    PanelMember,
    Partner,
    Role,
    Round,
    Submission,
    SubmissionStatus,
    User,
)
from awards.submissions.models import submission_domains
from tests.factories import CycleFactory, RoundFactory

COUNTRIES = [
    "KE",
    "NG",
    "ZA",
    "GH",
    "SN",
    "EG",
    "UG",
    "BR",
    "CO",
    "MX",
    "US",
    "CA",
    "AR",
    "EC",
    "CN",
    "IN",
    "ID",
    "KR",
    "JP",
    "IR",
    "PS",
    "FR",
    "DE",
    "ES",
    "GR",
    "AT",
    "GB",
    "AU",
    "NZ",
    "FJ",
]


@dataclass
class Generated:
    round_id: int
    cycle_id: int
    entry_ids: list[int]
    judge_ids: list[int]


def generate_round(
    *,
    entries: int,
    judges: int,
    judges_per_entry: int = 3,
    seed: int = 7,
    prefix: str = "GZG",
    partner_conflicts: int = 10,
) -> Generated:
    rng = random.Random(seed)
    cycle = CycleFactory(reference_prefix=prefix)
    round_ = RoundFactory(cycle=cycle, judges_per_entry=judges_per_entry)
    cycle_id, round_id = cycle.id, round_.id
    domain_ids = [d.id for d in cycle.domains]
    domain_keys = [d.key for d in cycle.domains]
    now = utcnow()

    n_orgs = max(entries // 5, 1)
    org_rows = []
    for i in range(n_orgs):
        country = COUNTRIES[i % len(COUNTRIES)]
        org_rows.append(
            {
                "name": f"{prefix} City {i}",
                "city": f"{prefix} Town {i}",
                "country_code": country,
                "region": region_for_country(country),
                "created_at": now,
                "updated_at": now,
            }
        )
    db.session.execute(insert(Organisation), org_rows)
    org_ids = db.session.scalars(
        select(Organisation.id)
        .where(Organisation.name.like(f"{prefix} City %"))
        .order_by(Organisation.id)
    ).all()

    sub_rows = [
        {
            "cycle_id": cycle_id,
            "organisation_id": org_ids[rng.randrange(len(org_ids))],
            "status": SubmissionStatus.VALID,
            "reference_code": f"{prefix}-{i + 1:04d}",
            "title": f"Initiative {i + 1}",
            "sdgs": [],
            "video_links": [],
            "submitted_at": now,
            "first_submitted_at": now,
            "created_at": now,
            "updated_at": now,
        }
        for i in range(entries)
    ]
    db.session.execute(insert(Submission), sub_rows)
    entry_ids = db.session.scalars(
        select(Submission.id).where(Submission.cycle_id == cycle_id).order_by(Submission.id)
    ).all()
    link_rows = []
    for sid in entry_ids:
        for domain_id in rng.sample(domain_ids, rng.choice((1, 2))):
            link_rows.append({"submission_id": sid, "domain_id": domain_id})
    db.session.execute(insert(submission_domains), link_rows)

    judge_rows = []
    for j in range(judges):
        # Spread judges over countries of every region, round-robin by region.
        country = COUNTRIES[(j * 7) % len(COUNTRIES)]
        judge_rows.append(
            {
                "email": f"{prefix.lower()}-judge{j}@example.org",
                "name": f"Judge {j:02d}",
                "role": Role.JUDGE,
                "country_code": country,
                "city": f"Judgetown {j}",
                "affiliation": f"{prefix} Institute {j}",
                "expertise": ",".join(rng.sample(domain_keys, 2)),
                "created_at": now,
                "updated_at": now,
            }
        )
    db.session.execute(insert(User), judge_rows)
    judge_ids = db.session.scalars(
        select(User.id).where(User.email.like(f"{prefix.lower()}-judge%")).order_by(User.id)
    ).all()
    db.session.execute(
        insert(PanelMember), [{"round_id": round_id, "user_id": j} for j in judge_ids]
    )
    partner_rows = []
    for n, sid in enumerate(rng.sample(entry_ids, min(partner_conflicts, len(entry_ids)))):
        # Mixed case and spaces: detection trims and ignores case.
        partner_rows.append(
            {"submission_id": sid, "name": f"  {prefix} INSTITUTE {n % judges} ", "position": 0}
        )
    if partner_rows:
        db.session.execute(insert(Partner), partner_rows)
    db.session.commit()
    assert db.session.get(Round, round_id) is not None
    return Generated(
        round_id=round_id, cycle_id=cycle_id, entry_ids=list(entry_ids), judge_ids=list(judge_ids)
    )
