"""The public "City of Your Choice" vote: one campaign per cycle, votes confirmed by e-mail.

A voter's address is never stored: a vote keeps a keyed hash of it (HMAC-SHA256 under
VOTE_HASH_KEY), its domain, the network prefix and a browser fingerprint hash, which is what the
fraud report groups by.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from awards.accounts.models import User
from awards.cycles.models import Cycle
from awards.db import TimestampMixin, str_enum, utcnow
from awards.extensions import db
from awards.submissions.models import Submission

# Millions of votes per cycle, several cycles per installation. SQLite only auto-increments an
# INTEGER PRIMARY KEY, hence the variant.
BigId = BigInteger().with_variant(Integer, "sqlite")


class VoteRule(StrEnum):
    PER_CYCLE = "per_cycle"  # one counted vote per address for the whole vote
    PER_DAY = "per_day"  # one counted vote per address per calendar day in the cycle's zone


class VoteStatus(StrEnum):
    PENDING = "pending"  # cast, waiting for the voter to open the e-mailed link
    CONFIRMED = "confirmed"  # counts
    INVALIDATED = "invalidated"  # set aside by the secretariat in a batch (reversible)


class VoteCampaign(TimestampMixin, db.Model):
    __tablename__ = "vote_campaigns"
    __table_args__ = (
        CheckConstraint("opens_at < closes_at", name="opens_before_closes"),
        CheckConstraint(
            "winner_submission_id IS NULL OR closed_at IS NOT NULL", name="winner_only_when_closed"
        ),
        CheckConstraint("winner_votes IS NULL OR winner_votes > 0", name="winner_votes_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"), unique=True)
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    show_running_totals: Mapped[bool] = mapped_column(default=False)
    rule: Mapped[VoteRule] = mapped_column(
        str_enum(VoteRule, "vote_rule"), default=VoteRule.PER_CYCLE
    )
    # Set when the result is final (closes_at has passed and the tally was stored).
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    winner_submission_id: Mapped[int | None] = mapped_column(
        ForeignKey("submissions.id", ondelete="SET NULL")
    )
    winner_votes: Mapped[int | None]

    cycle: Mapped[Cycle] = relationship()
    closed_by: Mapped[User | None] = relationship()
    winner: Mapped[Submission | None] = relationship()

    def __repr__(self) -> str:
        return f"<VoteCampaign cycle={self.cycle_id} {self.opens_at}..{self.closes_at}>"


class VoteInvalidation(db.Model):
    """A batch of votes the secretariat set aside (by network prefix, e-mail domain and/or hour),
    with its reason; reversing it restores the votes exactly as they were."""

    __tablename__ = "vote_invalidations"
    __table_args__ = (
        CheckConstraint(
            "network_prefix IS NOT NULL OR email_domain IS NOT NULL OR created_hour IS NOT NULL",
            name="has_a_criterion",
        ),
        CheckConstraint("length(reason) > 0", name="has_reason"),
        CheckConstraint("vote_count > 0", name="vote_count_positive"),
        CheckConstraint(
            "reversed_at IS NULL OR length(reversal_reason) > 0", name="reversal_has_reason"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("vote_campaigns.id", ondelete="CASCADE"), index=True
    )
    network_prefix: Mapped[str | None] = mapped_column(String(64))
    email_domain: Mapped[str | None] = mapped_column(String(255))
    created_hour: Mapped[datetime | None]
    reason: Mapped[str] = mapped_column(Text)
    vote_count: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reversed_at: Mapped[datetime | None]
    reversed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reversal_reason: Mapped[str] = mapped_column(Text, default="")

    campaign: Mapped[VoteCampaign] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    reversed_by: Mapped[User | None] = relationship(foreign_keys=[reversed_by_id])


class Vote(db.Model):
    __tablename__ = "votes"
    __table_args__ = (
        # The rule in the database: at most one vote per address and period that was ever
        # confirmed (confirmed, or confirmed and then set aside, which keeps its place so that a
        # reversal can never collide). Pending votes do not take the place.
        Index(
            "uq_votes_counted_per_address_period",
            "campaign_id",
            "email_hash",
            "period_key",
            unique=True,
            sqlite_where=text("confirmed_at IS NOT NULL"),
            postgresql_where=text("confirmed_at IS NOT NULL"),
        ),
        # The tally: an index-only GROUP BY of confirmed votes per entry, with the tie-break time.
        Index("ix_votes_tally", "campaign_id", "status", "submission_id", "confirmed_at"),
        Index("ix_votes_network_prefix", "campaign_id", "network_prefix"),
        Index("ix_votes_email_domain", "campaign_id", "email_domain"),
        Index("ix_votes_created_hour", "campaign_id", "created_hour"),
        CheckConstraint(
            "status != 'confirmed' OR confirmed_at IS NOT NULL", name="confirmed_has_time"
        ),
        CheckConstraint("status != 'pending' OR confirmed_at IS NULL", name="pending_unconfirmed"),
        CheckConstraint(
            "status != 'invalidated' OR invalidation_id IS NOT NULL", name="invalidated_in_batch"
        ),
        CheckConstraint("length(email_hash) = 64", name="email_hash_is_sha256_hex"),
        CheckConstraint("email_domain NOT LIKE '%@%'", name="domain_without_local_part"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("vote_campaigns.id", ondelete="CASCADE"))
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[VoteStatus] = mapped_column(
        str_enum(VoteStatus, "vote_status"), default=VoteStatus.PENDING
    )
    # HMAC-SHA256 (hex) of the normalised address under VOTE_HASH_KEY: never the address.
    email_hash: Mapped[str] = mapped_column(String(64))
    email_domain: Mapped[str] = mapped_column(String(255))
    # "cycle" for a once-per-vote rule, else the voting day (YYYY-MM-DD) in the cycle's zone.
    period_key: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_hour: Mapped[datetime]  # created_at truncated to the UTC hour: the report's buckets
    confirmed_at: Mapped[datetime | None]
    network_prefix: Mapped[str] = mapped_column(String(64))  # IPv4 /24 or IPv6 /48
    fingerprint_hash: Mapped[str] = mapped_column(String(64))  # HMAC of user agent + languages
    invalidation_id: Mapped[int | None] = mapped_column(
        ForeignKey("vote_invalidations.id"), index=True
    )

    campaign: Mapped[VoteCampaign] = relationship()
    submission: Mapped[Submission] = relationship()
    invalidation: Mapped[VoteInvalidation | None] = relationship()

    @property
    def invalidation_reason(self) -> str:
        return self.invalidation.reason if self.invalidation else ""
