"""Reusable reads about the public vote: the ballot, the tally, the fraud report and the winner.

`city_of_your_choice(cycle)` is what the public results page calls for the winner.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, desc, distinct, func, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from awards.core.changes import remembered
from awards.cycles.models import Cycle, Round, RoundKind, RoundStatus
from awards.db import utcnow
from awards.extensions import db
from awards.results.models import Decision, Outcome
from awards.submissions.models import Attachment, Submission, SubmissionStatus
from awards.votes.models import Vote, VoteCampaign, VoteInvalidation, VoteRule, VoteStatus

# Stated on the public page, the secretariat's page and the results page.
TIE_RULE = _l(
    "The initiative with the most confirmed votes wins. If two or more initiatives have the same "
    "number of votes, the one that reached that number first wins (the earlier time of its last "
    "counted confirmation). Should even that time be equal, the lower reference code wins."
)

IMAGE_KINDS = frozenset({"jpeg", "png", "webp", "gif"})


class VoteState(StrEnum):
    UPCOMING = "upcoming"
    OPEN = "open"
    CLOSED = "closed"


def vote_state(campaign: VoteCampaign | BallotFacts, now: datetime | None = None) -> VoteState:
    now = now or utcnow()
    if campaign.closed_at is not None or now >= campaign.closes_at:
        return VoteState.CLOSED
    if now < campaign.opens_at:
        return VoteState.UPCOMING
    return VoteState.OPEN


def totals_are_public(campaign: VoteCampaign, now: datetime | None = None) -> bool:
    """Counts reach the public only when the secretariat chose so, or once the vote has closed."""
    return campaign.show_running_totals or vote_state(campaign, now) == VoteState.CLOSED


def campaign_for(cycle: Cycle) -> VoteCampaign | None:
    return db.session.scalar(select(VoteCampaign).where(VoteCampaign.cycle_id == cycle.id))


def campaign_by_slug(slug: str) -> VoteCampaign | None:
    """With its cycle, in one statement (every vote request starts here)."""
    return db.session.scalar(
        select(VoteCampaign)
        .join(VoteCampaign.cycle)
        .where(Cycle.slug == slug)
        .options(contains_eager(VoteCampaign.cycle))
    )


@dataclass(frozen=True)
class BallotFacts:
    """What casting or confirming a vote needs to know about its campaign, as plain values that
    outlive the request: kept in memory until the data changes (`remembered`), so that the
    rush of a popular vote does not read the same campaign and shortlist on every request.
    Has the attributes `vote_state` reads."""

    campaign_id: int
    cycle_id: int
    slug: str
    time_zone: str
    opens_at: datetime
    closes_at: datetime
    closed_at: datetime | None
    rule: VoteRule
    candidate_ids: frozenset[int]

    @classmethod
    def of(cls, campaign: VoteCampaign) -> BallotFacts:
        cycle = campaign.cycle
        return cls(
            campaign_id=campaign.id,
            cycle_id=cycle.id,
            slug=cycle.slug,
            time_zone=cycle.time_zone,
            opens_at=campaign.opens_at,
            closes_at=campaign.closes_at,
            closed_at=campaign.closed_at,
            rule=campaign.rule,
            candidate_ids=frozenset(candidate_ids(cycle)),
        )


def ballot_by_slug(slug: str) -> BallotFacts | None:
    def read() -> BallotFacts | None:
        campaign = campaign_by_slug(slug)
        return BallotFacts.of(campaign) if campaign is not None else None

    return remembered(("vote-ballot-by-slug", slug), read)


def ballot_by_campaign_id(campaign_id: int) -> BallotFacts | None:
    def read() -> BallotFacts | None:
        campaign = db.session.get(VoteCampaign, campaign_id)
        return BallotFacts.of(campaign) if campaign is not None else None

    return remembered(("vote-ballot-by-campaign", campaign_id), read)


def public_campaigns() -> list[VoteCampaign]:
    """Every vote the public may see: open, upcoming and closed ones, newest first."""
    return list(
        db.session.scalars(
            select(VoteCampaign)
            .options(selectinload(VoteCampaign.cycle), selectinload(VoteCampaign.winner))
            .order_by(VoteCampaign.closes_at.desc())
        )
    )


def cycles_with_campaigns() -> list[tuple[Cycle, VoteCampaign | None]]:
    rows = db.session.execute(
        select(Cycle, VoteCampaign)
        .outerjoin(VoteCampaign, VoteCampaign.cycle_id == Cycle.id)
        .order_by(Cycle.opens_at.desc())
    ).all()
    return [(cycle, campaign) for cycle, campaign in rows]


def candidate_ids_query(cycle_id: int):
    """Ids of the entries the committee shortlisted in the cycle (the ballot), as a subquery.
    Only a closed round's decisions are final: until then the shortlist may still change."""
    return (
        select(Decision.submission_id)
        .join(Round, Round.id == Decision.round_id)
        .join(Submission, Submission.id == Decision.submission_id)
        .where(
            Round.cycle_id == cycle_id,
            Round.kind == RoundKind.COMMITTEE,
            Round.status == RoundStatus.CLOSED,
            Decision.outcome == Outcome.SHORTLISTED,
            Submission.status != SubmissionStatus.WITHDRAWN,
        )
    )


def candidate_ids(cycle: Cycle) -> set[int]:
    return set(db.session.scalars(candidate_ids_query(cycle.id)))


def candidates(cycle: Cycle) -> list[Submission]:
    """The shortlisted entries with their organisation loaded (one query each, no N+1)."""
    return list(
        db.session.scalars(
            select(Submission)
            .where(Submission.id.in_(candidate_ids_query(cycle.id)))
            .options(selectinload(Submission.organisation))
            .order_by(Submission.reference_code, Submission.id)
        )
    )


def candidate(cycle: Cycle, submission_id: int) -> Submission | None:
    return db.session.scalar(
        select(Submission)
        .where(
            Submission.id == submission_id,
            Submission.id.in_(candidate_ids_query(cycle.id)),
        )
        .options(joinedload(Submission.organisation))  # one statement: a many-to-one
    )


def public_attachments(submission_ids: list[int]) -> dict[int, list[Attachment]]:
    """Only the attachments their applicants marked public, grouped by entry."""
    if not submission_ids:
        return {}
    rows = db.session.scalars(
        select(Attachment)
        .where(Attachment.submission_id.in_(submission_ids), Attachment.public.is_(True))
        .order_by(Attachment.submission_id, Attachment.id)
    )
    grouped: dict[int, list[Attachment]] = {sid: [] for sid in submission_ids}
    for attachment in rows:
        grouped[attachment.submission_id].append(attachment)
    return grouped


def is_image(attachment: Attachment) -> bool:
    return attachment.kind in IMAGE_KINDS


def attachment_on_public_ballot(attachment_id: int) -> Attachment | None:
    """A public attachment of an entry on a ballot that has opened; None for anything else."""
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or not attachment.public:
        return None
    now = utcnow()
    campaign = db.session.scalar(
        select(VoteCampaign).where(
            VoteCampaign.cycle_id == attachment.submission.cycle_id,
            VoteCampaign.opens_at <= now,
        )
    )
    if campaign is None or attachment.submission_id not in candidate_ids(campaign.cycle):
        return None
    return attachment


@dataclass(frozen=True)
class Standing:
    position: int
    submission: Submission
    votes: int
    reached_at: datetime | None  # when the entry reached its present count (the tie-break)
    tied_on_votes: bool  # another entry has the same count: the tie rule decided the order


def standings(campaign: VoteCampaign) -> list[Standing]:
    """Every ballot entry with its confirmed votes, in the order of the tie rule (SQL GROUP BY)."""
    counts = (
        select(
            Vote.submission_id.label("submission_id"),
            func.count().label("votes"),
            func.max(Vote.confirmed_at).label("reached_at"),
        )
        .where(Vote.campaign_id == campaign.id, Vote.status == VoteStatus.CONFIRMED)
        .group_by(Vote.submission_id)
        .subquery()
    )
    votes = func.coalesce(counts.c.votes, 0)
    rows = db.session.execute(
        select(
            Submission,
            votes.label("votes"),
            counts.c.reached_at,
            func.count().over(partition_by=votes).label("same_count"),
        )
        .outerjoin(counts, counts.c.submission_id == Submission.id)
        .where(Submission.id.in_(candidate_ids_query(campaign.cycle_id)))
        .options(selectinload(Submission.organisation))
        .order_by(
            desc(votes),
            counts.c.reached_at.asc().nulls_last(),
            Submission.reference_code,
            Submission.id,
        )
    ).all()
    return [
        Standing(
            position=index,
            submission=row[0],
            votes=row.votes,
            reached_at=row.reached_at,
            tied_on_votes=row.same_count > 1,
        )
        for index, row in enumerate(rows, start=1)
    ]


def leader(campaign: VoteCampaign) -> Standing | None:
    """The first entry under the tie rule, if it has at least one counted vote."""
    rows = standings(campaign)
    return rows[0] if rows and rows[0].votes > 0 else None


def status_totals(campaign: VoteCampaign) -> dict[VoteStatus, int]:
    rows = db.session.execute(
        select(Vote.status, func.count())
        .where(Vote.campaign_id == campaign.id)
        .group_by(Vote.status)
    ).all()
    totals = {status: 0 for status in VoteStatus}
    totals.update({status: count for status, count in rows})
    return totals


@dataclass(frozen=True)
class VoteWinner:
    campaign: VoteCampaign
    submission: Submission
    votes: int


def city_of_your_choice(cycle: Cycle) -> VoteWinner | None:
    """The winner of the cycle's public vote once it has closed; None while it runs, when there
    was no vote, or when nobody's vote counted.

    The result stored when the vote was finalised is used when there is one (the secretariat's
    later invalidations update it); between the closing time and the worker's next pass it is
    computed from the votes, with the same tie rule (`TIE_RULE`).
    """
    campaign = campaign_for(cycle)
    if campaign is None or vote_state(campaign) != VoteState.CLOSED:
        return None
    if campaign.closed_at is not None:
        if campaign.winner is None or not campaign.winner_votes:
            return None
        return VoteWinner(campaign, campaign.winner, campaign.winner_votes)
    top = leader(campaign)
    return VoteWinner(campaign, top.submission, top.votes) if top else None


# --- fraud report ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Burst:
    key: tuple
    total: int
    confirmed: int
    pending: int
    invalidated: int
    addresses: int
    fingerprints: int


def _status_sum(status: VoteStatus):
    return func.sum(case((Vote.status == status, 1), else_=0))


def bursts(campaign: VoteCampaign, *columns, limit: int = 50) -> list[Burst]:
    """Votes grouped by the given columns (network prefix, e-mail domain, hour...), the largest
    groups first, with how many distinct addresses and browser fingerprints each holds: many votes
    from few fingerprints is what a script looks like."""
    rows = db.session.execute(
        select(
            *columns,
            func.count().label("total"),
            _status_sum(VoteStatus.CONFIRMED).label("confirmed"),
            _status_sum(VoteStatus.PENDING).label("pending"),
            _status_sum(VoteStatus.INVALIDATED).label("invalidated"),
            func.count(distinct(Vote.email_hash)).label("addresses"),
            func.count(distinct(Vote.fingerprint_hash)).label("fingerprints"),
        )
        .where(Vote.campaign_id == campaign.id)
        .group_by(*columns)
        .order_by(desc("total"), *columns)
        .limit(limit)
    ).all()
    width = len(columns)
    return [
        Burst(
            key=tuple(row[:width]),
            total=row.total,
            confirmed=row.confirmed or 0,
            pending=row.pending or 0,
            invalidated=row.invalidated or 0,
            addresses=row.addresses,
            fingerprints=row.fingerprints,
        )
        for row in rows
    ]


def fraud_report(campaign: VoteCampaign, limit: int = 50) -> dict[str, list[Burst]]:
    return {
        "network": bursts(campaign, Vote.network_prefix, limit=limit),
        "domain": bursts(campaign, Vote.email_domain, limit=limit),
        "hour": bursts(campaign, Vote.created_hour, limit=limit),
        "network_hour": bursts(campaign, Vote.network_prefix, Vote.created_hour, limit=limit),
    }


def batch_filter(
    campaign: VoteCampaign,
    *,
    network_prefix: str | None = None,
    email_domain: str | None = None,
    hour: datetime | None = None,
):
    """The WHERE clause that selects a batch of one vote's votes."""
    conditions = [Vote.campaign_id == campaign.id]
    if network_prefix:
        conditions.append(Vote.network_prefix == network_prefix)
    if email_domain:
        conditions.append(Vote.email_domain == email_domain)
    if hour is not None:
        conditions.append(Vote.created_hour == hour)
    return and_(*conditions)


def batch_counts(campaign: VoteCampaign, **criteria) -> dict[VoteStatus, int]:
    rows = db.session.execute(
        select(Vote.status, func.count())
        .where(batch_filter(campaign, **criteria))
        .group_by(Vote.status)
    ).all()
    counts = {status: 0 for status in VoteStatus}
    counts.update({status: count for status, count in rows})
    return counts


def invalidations(campaign: VoteCampaign) -> list[VoteInvalidation]:
    return list(
        db.session.scalars(
            select(VoteInvalidation)
            .where(VoteInvalidation.campaign_id == campaign.id)
            .options(
                selectinload(VoteInvalidation.created_by),
                selectinload(VoteInvalidation.reversed_by),
            )
            .order_by(VoteInvalidation.created_at.desc(), VoteInvalidation.id.desc())
        )
    )
