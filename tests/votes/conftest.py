"""Fixtures for the public vote: a cycle whose committee shortlisted a few entries, and a vote."""

from __future__ import annotations

import contextvars
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from awards.core.models import OutboxMessage
from awards.db import utcnow
from awards.models import (
    Decision,
    Outcome,
    RoundKind,
    RoundStatus,
    Submission,
    SubmissionStatus,
    Vote,
    VoteCampaign,
    VoteRule,
)
from tests.factories import CycleFactory, OrganisationFactory, RoundFactory, SubmissionFactory

CITIES = [
    ("Kampala", "UG", "Smart street lights for market vendors"),
    ("Xianning", "CN", "Green corridors along the river"),
    ("Mannheim", "DE", "Neighbourhood energy cooperatives"),
]

VOTER_IP = "198.51.100.23"


@pytest.fixture
def login_as(client):
    def _login(user):
        user_id = str(user.id)

        def sign_in():  # in a context of its own, like IsolatedClient's requests
            with client.session_transaction() as session:
                session["_user_id"] = user_id
                session["_fresh"] = True

        contextvars.Context().run(sign_in)
        return client

    return _login


@dataclass
class Ballot:
    cycle: object
    campaign: VoteCampaign
    entries: list[Submission]
    outsider: Submission  # in the cycle, judged "deserving": not on the ballot
    extra: dict = field(default_factory=dict)


def make_ballot(
    db,
    *,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
    rule: VoteRule = VoteRule.PER_CYCLE,
    show_running_totals: bool = False,
    with_campaign: bool = True,
) -> Ballot:
    now = utcnow()
    cycle = CycleFactory(time_zone="Asia/Shanghai")
    committee = RoundFactory(cycle=cycle, kind=RoundKind.COMMITTEE, status=RoundStatus.CLOSED)
    entries = []
    for number, (city, country, title) in enumerate(CITIES, start=1):
        organisation = OrganisationFactory(
            name=f"City of {city} ({cycle.slug})", city=city, country_code=country
        )
        entries.append(
            SubmissionFactory(
                cycle=cycle,
                organisation=organisation,
                title=title,
                summary=f"How {city} did it: {title.lower()}.",
                status=SubmissionStatus.VALID,
                reference_code=f"{cycle.reference_prefix}-{number:03d}",
            )
        )
    outsider = SubmissionFactory(
        cycle=cycle,
        organisation=OrganisationFactory(name=f"Nowhere ({cycle.slug})", city="Nowhere"),
        title="Not shortlisted initiative",
        status=SubmissionStatus.VALID,
        reference_code=f"{cycle.reference_prefix}-099",
    )
    for entry in entries:
        db.session.add(
            Decision(round_id=committee.id, submission_id=entry.id, outcome=Outcome.SHORTLISTED)
        )
    db.session.add(
        Decision(round_id=committee.id, submission_id=outsider.id, outcome=Outcome.DESERVING)
    )
    campaign = None
    if with_campaign:
        campaign = VoteCampaign(
            cycle_id=cycle.id,
            opens_at=opens_at or now - timedelta(days=1),
            closes_at=closes_at or now + timedelta(days=7),
            rule=rule,
            show_running_totals=show_running_totals,
        )
        db.session.add(campaign)
    db.session.commit()
    return Ballot(cycle=cycle, campaign=campaign, entries=entries, outsider=outsider)


@pytest.fixture
def ballot(db) -> Ballot:
    return make_ballot(db)


def entry_url(ballot: Ballot, entry: Submission) -> str:
    return f"/vote/{ballot.cycle.slug}/entry/{entry.id}"


def cast(client, ballot: Ballot, entry: Submission, email: str, *, ip: str = VOTER_IP, **extra):
    data = {"email": email, "website": ""} | extra
    return client.post(
        entry_url(ballot, entry),
        data=data,
        environ_base={"REMOTE_ADDR": ip},
        headers={"User-Agent": "Mozilla/5.0 (Test phone)", "Accept-Language": "en-GB,en;q=0.8"},
    )


# Any host: the browser tests point BASE_URL at their live server for the whole session.
LINK = re.compile(r"https?://[^/\s]+/votes/confirm/(\S+)")


def last_token(db) -> str:
    """The confirmation token of the newest queued vote e-mail."""
    message = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.category == "vote")
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    ).one()
    return LINK.search(message.body_text).group(1)


def confirm(client, token: str, *, ip: str = VOTER_IP):
    """Press "Confirm my vote". A counted vote answers with a redirect to its own link, whose
    page then thanks this browser (a reload sends nothing again); a refusal answers at once."""
    response = client.post(f"/votes/confirm/{token}", environ_base={"REMOTE_ADDR": ip})
    if response.status_code != 303:
        return response
    assert response.location == f"/votes/confirm/{token}"
    return client.get(response.location, environ_base={"REMOTE_ADDR": ip})


def vote_and_confirm(client, db, ballot, entry, email, *, ip: str = VOTER_IP):
    response = cast(client, ballot, entry, email, ip=ip)
    assert response.status_code == 302, response.get_data(as_text=True)
    response = confirm(client, last_token(db), ip=ip)
    assert response.status_code == 200, response.get_data(as_text=True)


def votes(db) -> list[Vote]:
    db.session.expire_all()
    return list(db.session.scalars(select(Vote).order_by(Vote.id)))
