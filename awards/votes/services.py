"""The public vote's state changes: cast, confirm, configure, close, invalidate and restore.

`cast_vote` and `confirm_vote` are the two calls a load test drives. Like every service they
flush and never commit; the caller (a request, the worker, a benchmark) commits.

Privacy: the voter's address is used for exactly two things, the HMAC that stands in for it in
the `votes` table and the confirmation e-mail, which goes through the outbox. The outbox row holds
the address until the worker has sent (or given up on) the message, then `awards.mail` blanks it
for the "vote" category. Rate-limit keys use the same HMAC, never the address.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, exists, func, insert, literal, select, tuple_, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from awards import audit
from awards.accounts.tokens import ExpiredToken, InvalidToken, make_token, read_token
from awards.core import group_commit
from awards.core.changes import remembered
from awards.core.models import OutboxStatus
from awards.core.page_cache import forget_public_pages
from awards.cycles.models import Cycle
from awards.db import as_stored, commit_without_waiting_for_disk, utcnow
from awards.errors import DomainError
from awards.extensions import db
from awards.i18n import in_zone
from awards.mail import queue_rendered_mails, render_mail
from awards.submissions.models import Submission
from awards.votes import queries
from awards.votes.models import Vote, VoteCampaign, VoteInvalidation, VoteRule, VoteStatus
from awards.votes.queries import BallotFacts, VoteState, vote_state

MAIL_CATEGORY = "vote"
VOTES = Vote.__table__  # the writers use Core statements on it

# Well-known throwaway-mail services; VOTE_EXTRA_DISPOSABLE_DOMAINS adds more without a release.
# Subdomains of these match too.
DISPOSABLE_DOMAINS = frozenset(
    {
        "10minutemail.com",
        "10minutemail.net",
        "20minutemail.com",
        "33mail.com",
        "burnermail.io",
        "discard.email",
        "dispostable.com",
        "dropmail.me",
        "emailondeck.com",
        "fakeinbox.com",
        "fakemail.net",
        "getairmail.com",
        "getnada.com",
        "grr.la",
        "guerrillamail.biz",
        "guerrillamail.com",
        "guerrillamail.de",
        "guerrillamail.info",
        "guerrillamail.net",
        "guerrillamail.org",
        "guerrillamailblock.com",
        "inboxkitten.com",
        "mail.tm",
        "mailcatch.com",
        "maildrop.cc",
        "mailinator.com",
        "mailinator.net",
        "mailnesia.com",
        "mintemail.com",
        "mohmal.com",
        "moakt.com",
        "mytemp.email",
        "nada.email",
        "pokemail.net",
        "sharklasers.com",
        "spam4.me",
        "spamgourmet.com",
        "temp-mail.io",
        "temp-mail.org",
        "tempail.com",
        "tempinbox.com",
        "tempmail.com",
        "tempmail.net",
        "tempmailo.com",
        "throwawaymail.com",
        "tmpmail.net",
        "tmpmail.org",
        "trashmail.com",
        "trashmail.de",
        "trashmail.net",
        "yopmail.com",
        "yopmail.fr",
        "yopmail.net",
    }
)

# Providers that ignore dots in the local part; for every provider "+tag" is dropped, so that
# name+1@, name+2@... count as one address.
DOTLESS_PROVIDERS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}


class VoteLinkProblem(DomainError):
    """A confirmation link that cannot count a vote; `status` is the HTTP status to answer."""

    def __init__(self, message: str, *, status: int = 400, vote: Vote | None = None):
        super().__init__(message, field="token")
        self.status = status
        self.vote = vote


@dataclass(frozen=True)
class VoterContext:
    """What the request tells about the voter, for fraud analysis (hashed or truncated)."""

    ip: str | None = None
    user_agent: str = ""
    accept_language: str = ""


@dataclass(frozen=True)
class VoterAddress:
    send_to: str  # where the confirmation link goes, as email-validator normalised it
    canonical: str  # what is hashed: lower case, no +tag, gmail without dots
    domain: str  # ASCII (IDNA) domain, lower case


# --- addresses, hashes and prefixes ----------------------------------------------------------


def _hash_key() -> bytes:
    return current_app.config["VOTE_HASH_KEY"].encode()


def _hmac(kind: str, value: str) -> str:
    return hmac.new(_hash_key(), f"{kind}\x00{value}".encode(), hashlib.sha256).hexdigest()


def email_hash(canonical_address: str) -> str:
    return _hmac("email", canonical_address)


def fingerprint_hash(user_agent: str, accept_language: str) -> str:
    return _hmac("fingerprint", f"{user_agent}\n{accept_language}")


@lru_cache(maxsize=4096)  # a network's voters come in bursts
def network_prefix(ip: str | None) -> str:
    """The /24 of an IPv4 address or the /48 of an IPv6 one ("unknown" when there is none)."""
    try:
        address = ipaddress.ip_address((ip or "").strip())
    except ValueError:
        return "unknown"
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    bits = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{bits}", strict=False))


def _disposable_domains() -> frozenset[str]:
    extra = current_app.config.get("VOTE_EXTRA_DISPOSABLE_DOMAINS", "") or ""
    more = {d.strip().lower() for d in extra.split(",") if d.strip()}
    return DISPOSABLE_DOMAINS | more if more else DISPOSABLE_DOMAINS


def is_disposable(domain: str) -> bool:
    domain = domain.lower().rstrip(".")
    listed = _disposable_domains()
    parts = domain.split(".")
    return any(".".join(parts[i:]) in listed for i in range(len(parts) - 1))


def _canonical(local_part: str, domain: str) -> str:
    local = local_part.lower()
    if "+" in local.lstrip("+"):
        local = local[: local.index("+", 1)]
    if domain in DOTLESS_PROVIDERS:
        local, domain = local.replace(".", ""), DOTLESS_PROVIDERS[domain]
    return f"{local}@{domain}"


def parse_address(raw: str) -> VoterAddress:
    """Check an address's syntax (no DNS: installations may have no internet) and refuse
    disposable-mail domains. Raises DomainError(field="email") with a message for the voter."""
    raw = (raw or "").strip()
    if not raw:
        raise DomainError(_("Enter your e-mail address."), field="email")
    if len(raw) > 254:
        raise DomainError(_("This address is too long."), field="email")
    try:
        info = validate_email(raw, check_deliverability=False)
    except EmailNotValidError as exc:
        raise DomainError(
            _(
                "We cannot send e-mail to this address. Please check it: it should look like "
                "name@example.com."
            ),
            field="email",
        ) from exc
    domain = (info.ascii_domain or info.domain).lower()
    if is_disposable(domain):
        raise DomainError(
            _(
                "Addresses from disposable e-mail services cannot vote. Please use an address "
                "you keep."
            ),
            field="email",
        )
    return VoterAddress(
        send_to=info.normalized, canonical=_canonical(info.local_part, domain), domain=domain
    )


def period_key(ballot: BallotFacts, at: datetime) -> str:
    if ballot.rule == VoteRule.PER_DAY:
        return at.astimezone(ZoneInfo(ballot.time_zone)).date().isoformat()
    return "cycle"


def _when(time_zone: str, at: datetime) -> str:
    from awards.i18n import utc_offset_label

    return f"{in_zone(at, time_zone)} ({utc_offset_label(time_zone, at)})"


def already_voted_message(rule: VoteRule) -> str:
    if rule == VoteRule.PER_DAY:
        return _(
            "This e-mail address has already voted today. Thank you! You can vote again "
            "tomorrow (days follow the award's time zone)."
        )
    return _(
        "This e-mail address has already voted in this vote. Thank you! Each address counts once."
    )


def _link(endpoint: str, values: dict) -> str:
    """An absolute link for an e-mail, built without needing a request (the worker and load
    tests call the services too)."""
    path = current_app.url_map.bind("").build(endpoint, values)
    return current_app.config["BASE_URL"].rstrip("/") + path


# --- casting and confirming ------------------------------------------------------------------
#
# A vote is cast in two steps: `check_vote` (no database: the ballot comes from memory) and
# `record_pending_votes`, which writes a batch of checked votes and their e-mails. A request
# hands its checked vote to the process's writer (`submit_vote`), which batches the requests
# that arrive together; a script calls `cast_vote`, which does both in its own session.
# Confirming works alike: `confirm_vote_at_once` in a request, `confirm_vote` otherwise and to
# explain every link that cannot count.


@dataclass(frozen=True)
class PendingVote:
    """A vote that passed every check and waits to be written."""

    campaign_id: int
    submission_id: int
    rule: VoteRule
    email_hash: str
    email_domain: str
    period_key: str
    created_at: datetime
    network_prefix: str
    fingerprint_hash: str
    send_to: str  # for the confirmation e-mail only; never stored with the vote
    locale: str


def ensure_open(ballot: BallotFacts, now: datetime) -> None:
    state = vote_state(ballot, now)
    if state == VoteState.UPCOMING:
        raise DomainError(
            _(
                "The vote has not opened yet. It opens on %(when)s; please come back then.",
                when=_when(ballot.time_zone, ballot.opens_at),
            )
        )
    if state == VoteState.CLOSED:
        raise DomainError(
            _(
                "The vote closed on %(when)s. Thank you for your interest; the result is on the "
                "vote's page.",
                when=_when(ballot.time_zone, ballot.closes_at),
            )
        )


def note_honeypot(voter: VoterContext) -> None:
    """A bot filled the hidden field: nothing is recorded, and it is shown the usual "check
    your inbox" page, so that it learns nothing."""
    current_app.logger.info(
        "vote: honeypot filled from %s; nothing recorded", network_prefix(voter.ip)
    )


def check_vote(
    ballot: BallotFacts,
    submission_id: int,
    email: str,
    *,
    voter: VoterContext,
    locale: str | None = None,
) -> PendingVote:
    """Every check a vote must pass before it is written. Raises DomainError when the vote is
    not open, the entry is not on the ballot, or the address is invalid or disposable."""
    now = utcnow()
    ensure_open(ballot, now)
    if submission_id not in ballot.candidate_ids:
        raise DomainError(_("This initiative is not on the ballot."))
    address = parse_address(email)
    return PendingVote(
        campaign_id=ballot.campaign_id,
        submission_id=submission_id,
        rule=ballot.rule,
        email_hash=email_hash(address.canonical),
        email_domain=address.domain,
        period_key=period_key(ballot, now),
        created_at=now,
        network_prefix=network_prefix(voter.ip),
        fingerprint_hash=fingerprint_hash(voter.user_agent[:512], voter.accept_language[:256]),
        send_to=address.send_to,
        locale=locale or "en",
    )


# Stands for the confirmation link in a kept e-mail text (PostgreSQL text never holds NUL).
_LINK_PLACEHOLDER = "\x00confirmation-link\x00"
_ANY_SEGMENT = "-"  # builds the start of every confirmation link


def _confirmation_mail(campaign_id: int, submission_id: int, locale: str) -> tuple[str, str]:
    """The confirmation e-mail's subject and text in `locale`, with a placeholder for the link:
    every voter for an entry gets the same text but for that link, so it is rendered once per
    entry and language until the data changes."""

    def render() -> tuple[str, str]:
        campaign = db.session.get(VoteCampaign, campaign_id)
        with force_locale(locale):
            closes_at = _when(campaign.cycle.time_zone, campaign.closes_at)
        return render_mail(
            _l("Please confirm your vote for the City of Your Choice"),
            "vote_confirm",
            locale=locale,
            link=_LINK_PLACEHOLDER,
            submission=db.session.get(Submission, submission_id),
            cycle=campaign.cycle,
            closes_at=closes_at,
            hours=max(1, current_app.config["TOKEN_MAX_AGE_VOTE"] // 3600),
        )

    return remembered(("vote-confirmation-mail", campaign_id, submission_id, locale), render)


def record_pending_votes(
    connection: Connection, pending: Sequence[PendingVote]
) -> list[int | None]:
    """Write checked votes as pending and queue their confirmation e-mails, in the connection's
    transaction. Returns each vote's id, or None where the address already has a counted vote
    in that period (one counted vote per address per cycle or day). An address may ask again
    while its vote is pending (a lost e-mail): the first link confirmed counts."""
    # A pending vote lost in a crash costs the voter one more request for the e-mail; not
    # waiting for the disk lets a campaign's rush of votes commit faster.
    commit_without_waiting_for_disk(connection)
    if connection.dialect.name == "postgresql":
        return _record_in_one_statement(connection, pending)
    return _record_in_steps(connection, pending)


def _counted_key(vote: PendingVote) -> tuple[int, str, str]:
    return (vote.campaign_id, vote.email_hash, vote.period_key)


def _confirmation_mails(
    pending: Sequence[PendingVote], ids: Sequence[int]
) -> list[tuple[str, str, str]]:
    """(to, subject, text) of each vote's confirmation e-mail, with its own link."""
    link_start = _link("votes.confirm", {"token": _ANY_SEGMENT})[: -len(_ANY_SEGMENT)]
    mails = []
    for vote, vote_id in zip(pending, ids, strict=True):
        subject, text = _confirmation_mail(vote.campaign_id, vote.submission_id, vote.locale)
        token = make_token("vote", {"v": vote_id, "c": vote.campaign_id})
        mails.append((vote.send_to, subject, text.replace(_LINK_PLACEHOLDER, link_start + token)))
    return mails


def _record_in_steps(connection: Connection, pending: Sequence[PendingVote]) -> list[int | None]:
    """Any database: look for counted votes, insert the others, then queue their e-mails."""
    places = {_counted_key(p) for p in pending}
    counted = {
        tuple(row)
        for row in connection.execute(
            select(VOTES.c.campaign_id, VOTES.c.email_hash, VOTES.c.period_key).where(
                tuple_(VOTES.c.campaign_id, VOTES.c.email_hash, VOTES.c.period_key).in_(places),
                VOTES.c.confirmed_at.is_not(None),
            )
        )
    }
    fresh = [p for p in pending if _counted_key(p) not in counted]
    if not fresh:
        return [None] * len(pending)
    ids = connection.scalars(
        insert(VOTES).returning(VOTES.c.id, sort_by_parameter_order=True),
        [
            {
                "campaign_id": p.campaign_id,
                "submission_id": p.submission_id,
                "status": VoteStatus.PENDING,
                "email_hash": p.email_hash,
                "email_domain": p.email_domain,
                "period_key": p.period_key,
                "created_at": p.created_at,
                "created_hour": p.created_at.replace(minute=0, second=0, microsecond=0),
                "network_prefix": p.network_prefix,
                "fingerprint_hash": p.fingerprint_hash,
            }
            for p in fresh
        ],
    ).all()
    queue_rendered_mails(connection, _confirmation_mails(fresh, ids), category=MAIL_CATEGORY)
    written = iter(ids)
    return [None if _counted_key(p) in counted else next(written) for p in pending]


# PostgreSQL: the batch in one statement, so one plan whatever its size. Its rows travel as one
# JSON document (turning a dozen Python lists into PostgreSQL arrays cost more than the statement
# itself); the ids are taken from the sequence just before, since each e-mail's link names its
# vote. A vote whose address has a counted vote in its period is left out, and so is its e-mail.
_RECORD_ON_POSTGRESQL = """
WITH batch AS (
    SELECT * FROM json_to_recordset(%(rows)s::json) AS b(
        id bigint, campaign_id integer, submission_id integer, email_hash text,
        email_domain text, period_key text, created_at timestamp, network_prefix text,
        fingerprint_hash text, to_address text, subject text, body_text text)
), fresh AS (
    SELECT * FROM batch WHERE NOT EXISTS (
        SELECT FROM votes AS counted
        WHERE counted.campaign_id = batch.campaign_id AND counted.email_hash = batch.email_hash
            AND counted.period_key = batch.period_key AND counted.confirmed_at IS NOT NULL)
), new_votes AS (
    INSERT INTO votes (id, campaign_id, submission_id, status, email_hash, email_domain,
                       period_key, created_at, created_hour, network_prefix, fingerprint_hash)
    SELECT id, campaign_id, submission_id, %(pending)s, email_hash, email_domain, period_key,
           created_at, date_trunc('hour', created_at), network_prefix, fingerprint_hash
    FROM fresh
), mails AS (
    INSERT INTO outbox_messages (to_address, subject, body_text, category, status, attempts,
                                 created_at, next_attempt_at, last_error, batch)
    SELECT to_address, subject, body_text, %(category)s, %(queued)s, 0, %(now)s, %(now)s, '', ''
    FROM fresh
)
SELECT id FROM fresh
"""


def _new_vote_ids(connection: Connection, count: int) -> list[int]:
    """Ids for `count` votes, from their sequence. Taken for each batch, never kept for later:
    a sequence can be set back (a test's TRUNCATE ... RESTART IDENTITY, a restored backup),
    and ids kept from before would then collide with new rows."""
    return list(
        connection.exec_driver_sql(
            "SELECT nextval(pg_get_serial_sequence('votes', 'id')) "
            "FROM generate_series(1, %(count)s)",
            {"count": count},
        ).scalars()
    )


def _record_in_one_statement(
    connection: Connection, pending: Sequence[PendingVote]
) -> list[int | None]:
    ids = _new_vote_ids(connection, len(pending))
    rows = [
        {
            "id": vote_id,
            "campaign_id": p.campaign_id,
            "submission_id": p.submission_id,
            "email_hash": p.email_hash,
            "email_domain": p.email_domain,
            "period_key": p.period_key,
            "created_at": as_stored(p.created_at).isoformat(),
            "network_prefix": p.network_prefix,
            "fingerprint_hash": p.fingerprint_hash,
            "to_address": to,
            "subject": subject,
            "body_text": body,
        }
        for p, vote_id, (to, subject, body) in zip(
            pending, ids, _confirmation_mails(pending, ids), strict=True
        )
    ]
    now = as_stored(utcnow())
    fresh = set(
        connection.exec_driver_sql(
            _RECORD_ON_POSTGRESQL,
            {
                "rows": json.dumps(rows),
                "pending": VoteStatus.PENDING.value,
                "category": MAIL_CATEGORY,
                "queued": OutboxStatus.PENDING.value,
                "now": now,
            },
        ).scalars()
    )
    return [vote_id if vote_id in fresh else None for vote_id in ids]


def _refuse_counted_address(vote_id: int | None, pending: PendingVote) -> int:
    if vote_id is None:
        raise DomainError(already_voted_message(pending.rule), field="email")
    return vote_id


def submit_vote(pending: PendingVote) -> int:
    """Write a checked vote through this process's writer, with the other requests' votes of
    the moment; returns its id once committed. Raises DomainError when the address already
    has a counted vote."""
    writer = group_commit.writer("vote-cast", record_pending_votes, wait_for_disk=False)
    return _refuse_counted_address(writer.submit(pending), pending)


def cast_vote(
    campaign: VoteCampaign,
    submission_id: int,
    email: str,
    *,
    voter: VoterContext,
    locale: str | None = None,
) -> Vote:
    """Check and record one pending vote in the session (scripts and benchmarks; the caller
    commits). Raises DomainError as `check_vote` does, and when the address already voted."""
    pending = check_vote(BallotFacts.of(campaign), submission_id, email, voter=voter, locale=locale)
    written = record_pending_votes(db.session.connection(), [pending])
    vote_id = _refuse_counted_address(written[0], pending)
    return db.session.get(Vote, vote_id)


def vote_from_token(token: str) -> Vote:
    """The vote a confirmation link names, without changing anything (the page before the
    button). Raises VoteLinkProblem for an expired or forged link."""
    payload = _read_link(token)
    vote = db.session.get(Vote, payload.get("v"))
    if vote is None or vote.campaign_id != payload.get("c"):
        raise VoteLinkProblem(
            _("This link is not valid. Please vote again to receive a new one."), status=404
        )
    return vote


def _read_link(token: str) -> dict:
    try:
        payload = read_token("vote", token)
    except ExpiredToken as exc:
        raise VoteLinkProblem(
            _(
                "This confirmation link has expired, so the vote was not counted. If the vote is "
                "still open, please vote again: we will send you a new link."
            ),
            status=410,
        ) from exc
    except InvalidToken as exc:
        raise VoteLinkProblem(
            _(
                "This link is not valid. Please open the link exactly as it appears in our "
                "e-mail, or vote again to receive a new one."
            ),
            status=404,
        ) from exc
    if not isinstance(payload, dict):
        raise VoteLinkProblem(
            _("This link is not valid. Please vote again to receive a new one."), status=404
        )
    return payload


def _problem_for(vote: Vote) -> VoteLinkProblem:
    if vote.status == VoteStatus.CONFIRMED:
        return VoteLinkProblem(
            _("This link has been used already: your vote is confirmed and counted. Thank you!"),
            status=409,
            vote=vote,
        )
    return VoteLinkProblem(
        _(
            "This vote was set aside by the secretariat's checks against vote rigging, so it "
            "cannot be confirmed. If you think this is a mistake, please write to the secretariat."
        ),
        status=409,
        vote=vote,
    )


def ensure_confirmable(vote: Vote, now: datetime | None = None) -> None:
    """Raise the VoteLinkProblem that stops `vote` from being confirmed now, if any."""
    if vote.status != VoteStatus.PENDING:
        raise _problem_for(vote)
    campaign = vote.campaign
    if vote_state(campaign, now or utcnow()) == VoteState.CLOSED:
        raise VoteLinkProblem(
            _(
                "The vote closed on %(when)s, before this confirmation; it cannot count. Thank "
                "you for your interest.",
                when=_when(campaign.cycle.time_zone, campaign.closes_at),
            ),
            status=409,
            vote=vote,
        )


def _count_pending(connection: Connection, *conditions) -> list[int]:
    return list(
        connection.scalars(
            update(VOTES)
            .where(*conditions, VOTES.c.status == VoteStatus.PENDING)
            .values(status=VoteStatus.CONFIRMED, confirmed_at=utcnow())
            .returning(VOTES.c.id)
        )
    )


def confirm_pending_votes(connection: Connection, links: Sequence[tuple[int, int]]) -> list[bool]:
    """Count each (vote id, campaign id) still pending whose address has no counted vote in
    its period, in one statement; True where it was counted. The partial unique index still
    refuses a second counted vote of one address and period (two of its links in one batch, or
    in two processes at once): the IntegrityError then fails the whole batch, and each of its
    requests asks again on its own (`confirm_vote`), which tells the loser why."""
    counted_before = aliased(VOTES)
    counted = set(
        _count_pending(
            connection,
            tuple_(VOTES.c.id, VOTES.c.campaign_id).in_(set(links)),
            ~exists().where(
                counted_before.c.campaign_id == VOTES.c.campaign_id,
                counted_before.c.email_hash == VOTES.c.email_hash,
                counted_before.c.period_key == VOTES.c.period_key,
                counted_before.c.confirmed_at.is_not(None),
            ),
        )
    )
    answers = []
    for vote_id, _campaign_id in links:  # a link sent twice in one batch counts for the first
        answers.append(vote_id in counted)
        counted.discard(vote_id)
    return answers


def confirm_vote_at_once(token: str) -> int | None:
    """The request's way to confirm: the vote's id once counted, through this process's writer
    with the other confirmations of the moment. None whenever it was not counted (a bad or
    used link, a closed vote, an address that voted already, a batch that collided with
    another): `confirm_vote` then decides, and says why."""
    try:
        payload = _read_link(token)
    except VoteLinkProblem:
        return None
    vote_id, campaign_id = payload.get("v"), payload.get("c")
    if not isinstance(vote_id, int) or not isinstance(campaign_id, int):
        return None
    ballot = queries.ballot_by_campaign_id(campaign_id)
    if ballot is None or vote_state(ballot, utcnow()) != VoteState.OPEN:
        return None
    writer = group_commit.writer("vote-confirm", confirm_pending_votes)
    try:
        return vote_id if writer.submit((vote_id, campaign_id)) else None
    except IntegrityError:
        return None


def confirm_vote(token: str) -> Vote:
    """Count the vote a confirmation link names. Works once per link, only while the vote is open.

    Safe under concurrency: one conditional UPDATE (pending -> confirmed) decides which of many
    simultaneous requests for the same link wins, and the partial unique index on (campaign,
    address hash, period) refuses a second counted vote from the same address even when two of
    its links are confirmed at the same instant. Raises VoteLinkProblem otherwise.
    """
    vote = vote_from_token(token)
    ensure_confirmable(vote, utcnow())
    try:
        with db.session.begin_nested() as savepoint:
            counted = _count_pending(savepoint.session.connection(), VOTES.c.id == vote.id)
    except IntegrityError as exc:
        raise VoteLinkProblem(
            already_voted_message(vote.campaign.rule), status=409, vote=vote
        ) from exc
    db.session.refresh(vote)
    if not counted:
        raise _problem_for(vote)  # another request for the same link got there first
    return vote


# --- the secretariat -------------------------------------------------------------------------


def _settings(campaign: VoteCampaign | None) -> dict | None:
    if campaign is None:
        return None
    return {
        "opens_at": campaign.opens_at.isoformat(),
        "closes_at": campaign.closes_at.isoformat(),
        "show_running_totals": campaign.show_running_totals,
        "rule": campaign.rule,
    }


def configure_vote(
    cycle: Cycle,
    *,
    opens_at: datetime,
    closes_at: datetime,
    show_running_totals: bool,
    rule: VoteRule,
    actor,
) -> VoteCampaign:
    """Create or change the cycle's vote. Times are aware datetimes (the form reads them in the
    cycle's zone). The rule cannot change once votes exist, nor anything once it is final."""
    campaign = queries.campaign_for(cycle)
    now = utcnow()
    if campaign is not None and campaign.closed_at is not None:
        raise DomainError(_("This vote is closed and its result is final; it cannot be changed."))
    if not queries.candidate_ids(cycle):
        raise DomainError(
            _(
                "No initiative of this cycle is shortlisted yet. The vote is among the "
                "Technical Committee's shortlist, so record the shortlist and close the "
                "committee's round first."
            )
        )
    if closes_at <= opens_at:
        raise DomainError(_("The vote must close after it opens."), field="closes_at")
    if closes_at <= now:
        raise DomainError(
            _(
                "This closing time has passed already. To end the vote now, use "
                "\u201cClose the vote now\u201d."
            ),
            field="closes_at",
        )
    before = _settings(campaign)
    if campaign is None:
        campaign = VoteCampaign(cycle_id=cycle.id)
        db.session.add(campaign)
    elif campaign.rule != rule and _has_votes(campaign):
        raise DomainError(
            _("Votes have been cast under the present rule, so it can no longer change."),
            field="rule",
        )
    campaign.opens_at = opens_at
    campaign.closes_at = closes_at
    campaign.show_running_totals = show_running_totals
    campaign.rule = rule
    db.session.flush()
    audit.record(actor, "vote.configured", campaign, before=before, after=_settings(campaign))
    return campaign


def _has_votes(campaign: VoteCampaign) -> bool:
    return (
        db.session.scalar(select(Vote.id).where(Vote.campaign_id == campaign.id).limit(1))
        is not None
    )


def _store_result(campaign: VoteCampaign) -> queries.Standing | None:
    forget_public_pages()  # the results page shows the vote's winner
    top = queries.leader(campaign)
    campaign.winner_submission_id = top.submission.id if top else None
    campaign.winner_votes = top.votes if top else None
    return top


def finalise_vote(campaign: VoteCampaign, *, actor=None) -> None:
    """Store the result of a vote whose closing time has come (idempotent)."""
    if campaign.closed_at is not None:
        return
    now = utcnow()
    if now < campaign.closes_at:
        raise DomainError(_("This vote is still open."))
    campaign.closed_at = now
    campaign.closed_by_id = getattr(actor, "id", None)
    top = _store_result(campaign)
    db.session.flush()
    audit.record(
        actor,
        "vote.closed",
        campaign,
        after={
            "winner_submission_id": top.submission.id if top else None,
            "winner_votes": top.votes if top else 0,
        },
    )


def close_vote(campaign: VoteCampaign, *, actor) -> None:
    """End the vote now (or confirm the end of one whose closing time passed) and store the
    result."""
    now = utcnow()
    if campaign.closed_at is not None:
        raise DomainError(_("This vote is closed already."))
    if now <= campaign.opens_at:
        raise DomainError(_("The vote has not opened yet; change its dates instead."))
    if now < campaign.closes_at:
        campaign.closes_at = now
    finalise_vote(campaign, actor=actor)


def finalise_due_votes() -> int:
    """Worker job: store the result of every vote whose closing time has passed. Several
    workers may run it at once: each campaign row is locked by one of them."""
    due = db.session.scalars(
        select(VoteCampaign)
        .where(VoteCampaign.closed_at.is_(None), VoteCampaign.closes_at <= utcnow())
        .with_for_update(skip_locked=True)
    ).all()
    for campaign in due:
        finalise_vote(campaign, actor=None)
    return len(due)


def _refresh_result(campaign: VoteCampaign, actor) -> None:
    """After votes were set aside or restored, a final result follows the new counts."""
    if campaign.closed_at is None:
        return
    before = {"winner_submission_id": campaign.winner_submission_id, "votes": campaign.winner_votes}
    _store_result(campaign)
    after = {"winner_submission_id": campaign.winner_submission_id, "votes": campaign.winner_votes}
    if before != after:
        audit.record(actor, "vote.result_changed", campaign, before=before, after=after)


def _criteria(network_prefix_value, email_domain, hour) -> dict:
    criteria = {}
    if network_prefix_value and network_prefix_value.strip():
        criteria["network_prefix"] = network_prefix_value.strip()
    if email_domain and email_domain.strip():
        criteria["email_domain"] = email_domain.strip().lower()
    if hour is not None:
        criteria["hour"] = hour.replace(minute=0, second=0, microsecond=0)
    return criteria


def invalidate_votes(
    campaign: VoteCampaign,
    *,
    network_prefix: str | None = None,
    email_domain: str | None = None,
    hour: datetime | None = None,
    reason: str,
    actor,
) -> VoteInvalidation:
    """Set aside every vote (confirmed or pending) matching all the given criteria, as one
    audited batch. Pending votes so set aside can no longer be confirmed. `restore_votes`
    reverses it."""
    reason = (reason or "").strip()
    criteria = _criteria(network_prefix, email_domain, hour)
    if not criteria:
        raise DomainError(
            _("Choose the batch: a network prefix, an e-mail domain, an hour, or several.")
        )
    if not reason:
        raise DomainError(_("Give the reason for setting these votes aside."), field="reason")
    where = queries.batch_filter(campaign, **criteria)
    live = Vote.status != VoteStatus.INVALIDATED
    count = db.session.scalar(select(func.count()).select_from(Vote).where(where, live))
    if not count:
        raise DomainError(_("No counted or pending vote matches this batch."))
    batch = VoteInvalidation(
        campaign_id=campaign.id,
        network_prefix=criteria.get("network_prefix"),
        email_domain=criteria.get("email_domain"),
        created_hour=criteria.get("hour"),
        reason=reason,
        vote_count=count,
        created_by_id=getattr(actor, "id", None),
        created_at=utcnow(),
    )
    db.session.add(batch)
    db.session.flush()
    result = db.session.execute(
        update(Vote)
        .where(where, live)
        .values(status=VoteStatus.INVALIDATED, invalidation_id=batch.id)
        .execution_options(synchronize_session=False)
    )
    batch.vote_count = result.rowcount
    if batch.vote_count < 1:
        raise DomainError(_("No counted or pending vote matches this batch."))
    db.session.flush()
    audit.record(
        actor,
        "vote.batch_invalidated",
        batch,
        after={**criteria, "votes": batch.vote_count},
        message=reason,
    )
    _refresh_result(campaign, actor)
    return batch


def restore_votes(batch: VoteInvalidation, *, reason: str, actor) -> int:
    """Reverse a batch: its votes return to what they were (confirmed, or pending). Returns how
    many came back."""
    reason = (reason or "").strip()
    if batch.reversed_at is not None:
        raise DomainError(_("This batch has been restored already."))
    if not reason:
        raise DomainError(_("Give the reason for restoring these votes."), field="reason")
    result = db.session.execute(
        update(Vote)
        .where(Vote.invalidation_id == batch.id, Vote.status == VoteStatus.INVALIDATED)
        .values(
            status=case(
                (Vote.confirmed_at.is_(None), literal(VoteStatus.PENDING.value)),
                else_=literal(VoteStatus.CONFIRMED.value),
            )
        )
        .execution_options(synchronize_session=False)
    )
    batch.reversed_at = utcnow()
    batch.reversed_by_id = getattr(actor, "id", None)
    batch.reversal_reason = reason
    db.session.flush()
    audit.record(
        actor,
        "vote.batch_restored",
        batch,
        before={"status": VoteStatus.INVALIDATED},
        after={"votes": result.rowcount},
        message=reason,
    )
    _refresh_result(batch.campaign, actor)
    return result.rowcount


def default_window(cycle: Cycle) -> tuple[datetime, datetime]:
    """A starting suggestion for the form: opens tomorrow, runs four weeks."""
    start = utcnow().replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    return start, start + timedelta(days=28)
