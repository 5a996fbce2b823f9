"""Reusable reads of the results feature: which entries a round judges, decisions, the public
results of a cycle."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, case, false, func, select
from sqlalchemy.orm import joinedload

from awards.accounts.models import Organisation
from awards.core.models import OutboxMessage, OutboxStatus
from awards.cycles.models import Cycle, Round, RoundStatus
from awards.extensions import db
from awards.results.models import Decision, DecisionStatus, Outcome, RankingSettings
from awards.submissions.models import Submission, SubmissionStatus

# Outcomes that carry an entry into the next round.
ADVANCING_OUTCOMES = (Outcome.SHORTLISTED,)


def previous_round(round_: Round) -> Round | None:
    """The round just before `round_` in its cycle (by position), if any."""
    return db.session.scalar(
        select(Round)
        .where(Round.cycle_id == round_.cycle_id, Round.position < round_.position)
        .order_by(Round.position.desc())
        .limit(1)
    )


def entries_condition(round_: Round) -> ColumnElement[bool]:
    """The WHERE clause (on `Submission`) of the entries `round_` judges; see entries_for_round."""
    valid = and_(
        Submission.cycle_id == round_.cycle_id, Submission.status == SubmissionStatus.VALID
    )
    previous = previous_round(round_)
    if previous is None:
        return valid
    if previous.status != RoundStatus.CLOSED:
        return false()
    advancing = select(Decision.submission_id).where(
        Decision.round_id == previous.id, Decision.outcome.in_(ADVANCING_OUTCOMES)
    )
    return and_(valid, Submission.id.in_(advancing))


def entries_for_round_query(round_: Round):
    """`select(Submission)` of the entries `round_` judges, ordered by reference code.

    The first round of a cycle judges every valid submission of the cycle. A later round judges
    the entries shortlisted in the round just before it, once that round is closed (its
    selection is then frozen); before that it has no entries. Entries withdrawn or found invalid
    since are left out. Assignment, rankings and exports all start from this query.
    """
    return select(Submission).where(entries_condition(round_)).order_by(Submission.reference_code)


def entries_for_round(round_: Round) -> list[Submission]:
    """The entries of `round_` as a list (see entries_for_round_query)."""
    return list(db.session.scalars(entries_for_round_query(round_)))


def ranking_settings(round_: Round) -> RankingSettings | None:
    return db.session.scalar(select(RankingSettings).where(RankingSettings.round_id == round_.id))


def decision_for(round_: Round, submission_id: int) -> Decision | None:
    return db.session.scalar(
        select(Decision)
        .options(joinedload(Decision.submission))
        .where(Decision.round_id == round_.id, Decision.submission_id == submission_id)
    )


def outcome_counts(round_: Round) -> dict[Outcome, int]:
    rows = db.session.execute(
        select(Decision.outcome, func.count())
        .where(Decision.round_id == round_.id)
        .group_by(Decision.outcome)
    ).all()
    return {outcome: count for outcome, count in rows}


def decision_status_counts(round_: Round) -> dict[DecisionStatus, int]:
    rows = db.session.execute(
        select(Decision.status, func.count())
        .where(Decision.round_id == round_.id)
        .group_by(Decision.status)
    ).all()
    return {status: count for status, count in rows}


def current_mail_batch(round_: Round) -> str:
    """The batch id of the round's held notification e-mails ('' when none are held)."""
    return (
        db.session.scalar(
            select(Decision.mail_batch)
            .where(Decision.round_id == round_.id, Decision.status == DecisionStatus.HELD)
            .limit(1)
        )
        or ""
    )


def held_messages(batch: str, *, limit: int, offset: int = 0) -> tuple[list[OutboxMessage], int]:
    """The held e-mails of a batch, a page at a time, and how many there are in all."""
    if not batch:
        return [], 0
    where = (OutboxMessage.batch == batch, OutboxMessage.status == OutboxStatus.HELD)
    total = db.session.scalar(select(func.count()).select_from(OutboxMessage).where(*where)) or 0
    messages = db.session.scalars(
        select(OutboxMessage).where(*where).order_by(OutboxMessage.id).limit(limit).offset(offset)
    ).all()
    return list(messages), total


# ---------------------------------------------------------------------------------------------
# Public results


@dataclass(frozen=True)
class PublicEntry:
    """What the public may know about a recognised entry: never a score or a rank."""

    title: str
    summary: str
    city: str
    country_code: str
    outcome: Outcome
    shortlisted: bool

    def as_json(self, country: str) -> dict:
        return {
            "title": self.title,
            "summary": self.summary,
            "city": self.city,
            "country_code": self.country_code,
            "country": country,
            "shortlisted": self.shortlisted,
        }


PUBLIC_OUTCOMES = (
    Outcome.WINNER,
    Outcome.MEDAL_OF_HONOR,
    Outcome.SPECIAL_MENTION,
    Outcome.SHORTLISTED,
    Outcome.DESERVING,
)


def is_published(cycle: Cycle) -> bool:
    return cycle.results_published_at is not None


def published_cycle(slug: str) -> Cycle | None:
    """The cycle with this slug if its results are published, else None (the caller 404s)."""
    return db.session.scalar(
        select(Cycle).where(Cycle.slug == slug, Cycle.results_published_at.is_not(None))
    )


def public_results(cycle: Cycle) -> dict[Outcome, list[PublicEntry]]:
    """Each recognised entry under its latest published outcome, in one query.

    Only rounds closed before the last publication count, so closing the jury round after the
    shortlist was published reveals nothing until the secretariat publishes again. `not
    selected` is never public.
    """
    if cycle.results_published_at is None:
        return {}
    published_rounds = select(Round.id, Round.position).where(
        Round.cycle_id == cycle.id,
        Round.status == RoundStatus.CLOSED,
        Round.closed_at <= cycle.results_published_at,
    )
    pr = published_rounds.subquery()
    latest = func.row_number().over(
        partition_by=Decision.submission_id, order_by=pr.c.position.desc()
    )
    ever_shortlisted = func.max(case((Decision.outcome == Outcome.SHORTLISTED, 1), else_=0)).over(
        partition_by=Decision.submission_id
    )
    ranked = (
        select(
            Decision.submission_id,
            Decision.outcome,
            latest.label("latest"),
            ever_shortlisted.label("ever_shortlisted"),
        )
        .join(pr, pr.c.id == Decision.round_id)
        .subquery()
    )
    rows = db.session.execute(
        select(
            ranked.c.outcome,
            ranked.c.ever_shortlisted,
            Submission.title,
            Submission.summary,
            Organisation.city,
            Organisation.name,
            Organisation.country_code,
        )
        .join(Submission, Submission.id == ranked.c.submission_id)
        .join(Organisation, Organisation.id == Submission.organisation_id)
        .where(ranked.c.latest == 1, ranked.c.outcome.in_(PUBLIC_OUTCOMES))
        .order_by(Organisation.city, Organisation.name, Submission.title)
    ).all()
    grouped: dict[Outcome, list[PublicEntry]] = {outcome: [] for outcome in PUBLIC_OUTCOMES}
    for row in rows:
        outcome = Outcome(row.outcome)
        grouped[outcome].append(
            PublicEntry(
                title=row.title,
                summary=row.summary,
                city=row.city or row.name,
                country_code=row.country_code,
                outcome=outcome,
                shortlisted=bool(row.ever_shortlisted) or outcome == Outcome.SHORTLISTED,
            )
        )
    return grouped


def city_of_your_choice(cycle: Cycle) -> PublicEntry | None:
    """The public vote's "City of Your Choice" for the public results, or None.

    The hook between the two features: the vote decides (`awards.votes.queries`, None while the
    vote runs or when nobody's vote counted); this only shapes it like the other public entries.
    It is a separate honour and never changes the jury's outcomes.
    """
    from awards.votes.queries import city_of_your_choice as vote_winner

    winner = vote_winner(cycle)
    if winner is None:
        return None
    submission = winner.submission
    organisation = submission.organisation
    return PublicEntry(
        title=submission.title,
        summary=submission.summary,
        city=organisation.city or organisation.name,
        country_code=organisation.country_code,
        outcome=Outcome.SHORTLISTED,
        shortlisted=True,
    )
