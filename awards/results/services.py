"""Results services: ranking settings, pre-selection and decisions, closing (freezing) a round,
notification e-mails, publication. They flush and never commit; every change is audited."""

from __future__ import annotations

import secrets
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import joinedload

from awards import audit
from awards.core.models import OutboxMessage, OutboxStatus
from awards.core.page_cache import forget_public_pages
from awards.cycles.models import Cycle, Round, RoundKind, RoundStatus
from awards.db import utcnow
from awards.errors import DomainError
from awards.extensions import db
from awards.mail import queue_mail, release_held
from awards.results.models import (
    Decision,
    DecisionStatus,
    FrozenRanking,
    Outcome,
    RankBy,
    RankingSettings,
)
from awards.results.queries import (
    current_mail_batch,
    entries_condition,
    outcome_counts,
    ranking_settings,
)
from awards.results.ranking import RANK_BY_CHOICES, compute_ranking, options_for
from awards.submissions.models import Submission

OUTCOMES_BY_KIND: dict[RoundKind, tuple[Outcome, ...]] = {
    RoundKind.COMMITTEE: (Outcome.SHORTLISTED, Outcome.DESERVING, Outcome.NOT_SELECTED),
    RoundKind.JURY: (Outcome.WINNER, Outcome.MEDAL_OF_HONOR, Outcome.SPECIAL_MENTION),
}

OUTCOME_LABELS = {
    Outcome.SHORTLISTED: _l("shortlisted"),
    Outcome.DESERVING: _l("deserving"),
    Outcome.NOT_SELECTED: _l("not selected"),
    Outcome.WINNER: _l("winner"),
    Outcome.MEDAL_OF_HONOR: _l("Medal of Honor"),
    Outcome.SPECIAL_MENTION: _l("special mention"),
}


def outcome_label(outcome: Outcome | str | None) -> str:
    if not outcome:
        return ""
    return str(OUTCOME_LABELS[Outcome(outcome)])


def outcome_limit(round_: Round, outcome: Outcome) -> int | None:
    """How many entries of the round may receive `outcome` (None: no limit)."""
    if round_.kind == RoundKind.COMMITTEE:
        return {
            Outcome.SHORTLISTED: round_.select_limit,
            Outcome.DESERVING: round_.deserving_limit,
        }.get(outcome)
    return {Outcome.WINNER: round_.select_limit}.get(outcome)


def _limit_message(round_: Round, outcome: Outcome, limit: int) -> str:
    return _(
        "%(round)s may give at most %(limit)d entries the outcome “%(outcome)s”, and %(limit)d "
        "already have it. Change one of them first.",
        round=round_.name,
        limit=limit,
        outcome=outcome_label(outcome),
    )


def _require_not_closed(round_: Round) -> None:
    if round_.status == RoundStatus.CLOSED:
        raise DomainError(_("This round is closed: its ranking and decisions are frozen."))


# ---------------------------------------------------------------------------------------------
# Ranking settings


def update_ranking_settings(
    round_: Round,
    *,
    rank_by: str,
    tie_break: list[str],
    disagreement_threshold: Decimal | float | str,
    actor,
) -> RankingSettings:
    """Choose the column that ranks, the tie-break order and the disagreement threshold."""
    _require_not_closed(round_)
    if rank_by not in {key.value for key in RANK_BY_CHOICES}:
        raise DomainError(_("Choose a score to rank by."), field="rank_by")
    keys: list[str] = []
    for key in tie_break:
        if not key:
            continue
        if key not in {k.value for k in RankBy}:
            raise DomainError(_("Choose tie-breakers from the list."), field="tie_break_1")
        if key in keys or key == rank_by:
            raise DomainError(
                _("Each tie-breaker can appear only once, after the ranking column."),
                field="tie_break_1",
            )
        keys.append(key)
    try:
        threshold = Decimal(str(disagreement_threshold))
    except InvalidOperation:
        threshold = Decimal("-1")
    if not (Decimal("0") < threshold <= Decimal("100")):
        raise DomainError(
            _("Enter a threshold above 0 and at most 100 points."), field="disagreement_threshold"
        )
    settings = ranking_settings(round_)
    before = None
    if settings is None:
        settings = RankingSettings(round_id=round_.id)
        db.session.add(settings)
    else:
        before = {
            "rank_by": settings.rank_by,
            "tie_break": list(settings.tie_break),
            "disagreement_threshold": str(settings.disagreement_threshold),
        }
    settings.rank_by = RankBy(rank_by)
    settings.tie_break = keys
    settings.disagreement_threshold = threshold
    settings.updated_by_id = getattr(actor, "id", None)
    db.session.flush()
    audit.record(
        actor,
        "round.ranking_settings_changed",
        round_,
        before=before,
        after={"rank_by": rank_by, "tie_break": keys, "disagreement_threshold": str(threshold)},
    )
    return settings


# ---------------------------------------------------------------------------------------------
# Pre-selection and decisions


def preselect_from_ranking(round_: Round, *, actor) -> dict[Outcome, int]:
    """Draft a decision for every entry of the round from its current ranking.

    Committee: the top `select_limit` reviewed entries shortlisted, the next `deserving_limit`
    deserving, the rest not selected. Jury: the top `select_limit` reviewed entries winners, the
    rest Medal of Honor. Entries without a counted review are never pre-selected upwards.
    Replaces every earlier draft decision of the round, hand changes included.
    """
    _require_not_closed(round_)
    undrafted = db.session.scalar(
        select(func.count())
        .select_from(Decision)
        .where(Decision.round_id == round_.id, Decision.status != DecisionStatus.DRAFT)
    )
    if undrafted:
        raise DomainError(_("Notifications exist for this round's decisions already."))
    ranking = compute_ranking(round_, with_criteria=False)
    if round_.kind == RoundKind.COMMITTEE:
        tiers = [
            (Outcome.SHORTLISTED, round_.select_limit),
            (Outcome.DESERVING, round_.deserving_limit),
        ]
        rest = Outcome.NOT_SELECTED
    else:
        tiers = [(Outcome.WINNER, round_.select_limit)]
        rest = Outcome.MEDAL_OF_HONOR
    db.session.execute(delete(Decision).where(Decision.round_id == round_.id))
    now = utcnow()
    rows = []
    counts: dict[Outcome, int] = {}
    tier_index, used = 0, 0
    for row in ranking.rows:
        while tier_index < len(tiers) and used >= tiers[tier_index][1]:
            tier_index, used = tier_index + 1, 0
        if row.n_reviews > 0 and tier_index < len(tiers):
            outcome = tiers[tier_index][0]
            used += 1
        else:
            outcome = rest
        counts[outcome] = counts.get(outcome, 0) + 1
        rows.append(
            {
                "round_id": round_.id,
                "submission_id": row.submission_id,
                "outcome": outcome,
                "preselected_outcome": outcome,
                "status": DecisionStatus.DRAFT,
                "reason": "",
                "mail_batch": "",
                "decided_by_id": getattr(actor, "id", None),
                "created_at": now,
                "updated_at": now,
            }
        )
    if rows:
        db.session.execute(insert(Decision), rows)
    db.session.flush()
    audit.record(
        actor,
        "round.decisions_preselected",
        round_,
        after={outcome.value: count for outcome, count in counts.items()},
    )
    return counts


def change_outcome(decision: Decision, *, outcome: str, reason: str, actor) -> Decision:
    """Set a decision's outcome by hand. An outcome other than the pre-selected one needs a
    reason; the round's limits hold."""
    round_ = decision.round
    _require_not_closed(round_)
    if decision.status != DecisionStatus.DRAFT:
        raise DomainError(_("The notification for this decision exists already."))
    allowed = OUTCOMES_BY_KIND[round_.kind]
    if outcome not in {o.value for o in allowed}:
        raise DomainError(_("Choose one of the outcomes of this round."), field="outcome")
    target = Outcome(outcome)
    reason = (reason or "").strip()
    if target != decision.preselected_outcome and not reason:
        raise DomainError(
            _("Say why this entry's outcome differs from the ranking."), field="reason"
        )
    limit = outcome_limit(round_, target)
    if limit is not None and target != decision.outcome:
        taken = outcome_counts(round_).get(target, 0)
        if taken >= limit:
            raise DomainError(_limit_message(round_, target, limit), field="outcome")
    before = {"outcome": decision.outcome, "reason": decision.reason}
    decision.outcome = target
    decision.reason = reason if target != decision.preselected_outcome else ""
    decision.decided_by_id = getattr(actor, "id", None)
    db.session.flush()
    audit.record(
        actor,
        "decision.outcome_changed",
        decision,
        before=before,
        after={"outcome": decision.outcome, "reason": decision.reason},
    )
    return decision


# ---------------------------------------------------------------------------------------------
# Closing a round


def close_round(round_: Round, *, actor) -> int:
    """Close the round and freeze it: its ranking (every statistic, the settings used and the
    decision of each entry) is written to FrozenRanking, and from then on its ranking, settings
    and decisions are read-only (the judges' side refuses review changes in a closed round).
    The next round's entries are the ones shortlisted here. Returns the number of entries.
    """
    if round_.status != RoundStatus.OPEN:
        raise DomainError(_("Only an open round can be closed."))
    # Draft decisions of entries that left the round since (withdrawn, invalid) go.
    db.session.execute(
        delete(Decision).where(
            Decision.round_id == round_.id,
            Decision.submission_id.not_in(select(Submission.id).where(entries_condition(round_))),
        )
    )
    undecided = db.session.scalar(
        select(func.count())
        .select_from(Submission)
        .where(
            entries_condition(round_),
            Submission.id.not_in(
                select(Decision.submission_id).where(Decision.round_id == round_.id)
            ),
        )
    )
    if undecided:
        raise DomainError(
            _(
                "%(n)d entries have no decision yet. Pre-select from the ranking first.",
                n=undecided,
            )
        )
    counts = outcome_counts(round_)
    for outcome, count in counts.items():
        limit = outcome_limit(round_, outcome)
        if limit is not None and count > limit:
            raise DomainError(_limit_message(round_, outcome, limit))
    options = options_for(round_)
    ranking = compute_ranking(round_, options)
    now = utcnow()
    settings = options.as_json()
    rows = []
    for row in ranking.rows:
        statistics = row.statistics()
        statistics["settings"] = settings
        rows.append(
            {
                "round_id": round_.id,
                "submission_id": row.submission_id,
                "rank": row.rank,
                "statistics": statistics,
                "frozen_at": now,
            }
        )
    if rows:
        db.session.execute(insert(FrozenRanking), rows)
    before = {"status": round_.status}
    round_.status = RoundStatus.CLOSED
    round_.closed_at = now
    db.session.flush()
    audit.record(
        actor,
        "round.closed",
        round_,
        before=before,
        after={"status": round_.status, "frozen_entries": len(rows)},
    )
    return len(rows)


# ---------------------------------------------------------------------------------------------
# Decision notifications: drafted, held in the outbox, read, released


D = DecisionStatus
# (from, to) -> the audited action name. Every status change of a decision passes here.
DECISION_TRANSITIONS: dict[tuple[DecisionStatus, DecisionStatus], str] = {
    (D.DRAFT, D.HELD): "decision.notification_held",
    (D.HELD, D.DRAFT): "decision.notification_discarded",
    (D.HELD, D.RELEASED): "decision.released",
}


def transition_decision(decision: Decision, to: DecisionStatus, *, actor, batch: str = "") -> None:
    """Move a decision to `to`, or raise DomainError if the table does not allow it."""
    current = decision.status
    action = DECISION_TRANSITIONS.get((current, to))
    if action is None:
        raise DomainError(
            _(
                "This decision is %(current)s; it cannot become %(target)s.",
                current=current.value,
                target=to.value,
            )
        )
    decision.status = to
    if to == D.HELD:
        decision.mail_batch = batch
    elif to == D.DRAFT:
        decision.mail_batch = ""
    elif to == D.RELEASED:
        decision.released_at = utcnow()
    audit.record(actor, action, decision, before={"status": current}, after={"status": to})


# Lazy subjects: queue_mail renders them in the recipient's language.
SUBJECTS = {
    Outcome.SHORTLISTED: lambda title: _l("Your initiative is shortlisted: %(title)s", title=title),
    Outcome.DESERVING: lambda title: _l(
        "Your initiative is recognised as deserving: %(title)s", title=title
    ),
    Outcome.NOT_SELECTED: lambda title: _l(
        "The Technical Committee's decision on %(title)s", title=title
    ),
    Outcome.WINNER: lambda title: _l("Your initiative is a winner: %(title)s", title=title),
    Outcome.MEDAL_OF_HONOR: lambda title: _l("Medal of Honor for %(title)s", title=title),
    Outcome.SPECIAL_MENTION: lambda title: _l("Special mention for %(title)s", title=title),
}


def _recipient(submission: Submission) -> tuple[str, str | None] | None:
    user = submission.created_by
    if user is not None and user.is_active_account:
        return user.email, user.locale
    if submission.contacts:
        return submission.contacts[0].email, None
    return None


def generate_notifications(round_: Round, *, actor) -> str:
    """Write one notification e-mail per decision of the closed round into the outbox, held
    under one batch id for the secretariat to read before release. Returns the batch id."""
    if round_.status != RoundStatus.CLOSED:
        raise DomainError(_("Close the round before writing the notifications."))
    decisions = db.session.scalars(
        select(Decision)
        .options(
            joinedload(Decision.submission).joinedload(Submission.created_by),
            joinedload(Decision.submission).selectinload(Submission.contacts),
        )
        .where(Decision.round_id == round_.id)
        .order_by(Decision.id)
    ).all()
    if any(d.status == D.HELD for d in decisions):
        raise DomainError(_("Release or discard the notifications already written first."))
    pending = [d for d in decisions if d.status == D.DRAFT]
    if not pending:
        raise DomainError(_("Every decision of this round has its notification already."))
    missing = [d.submission.reference_code for d in pending if _recipient(d.submission) is None]
    if missing:
        raise DomainError(_("No e-mail address for: %(codes)s.", codes=", ".join(sorted(missing))))
    batch = f"round-{round_.id}-{secrets.token_hex(6)}"
    cycle = round_.cycle
    for decision in pending:
        submission = decision.submission
        address, locale = _recipient(submission)  # type: ignore[misc]
        queue_mail(
            address,
            SUBJECTS[decision.outcome](submission.display_title),
            "results_decision",
            locale=locale,
            category="decision",
            held=True,
            batch=batch,
            outcome=decision.outcome.value,
            title=submission.display_title,
            reference_code=submission.reference_code,
            cycle_name=cycle.name,
            round_name=round_.name,
        )
        transition_decision(decision, D.HELD, actor=actor, batch=batch)
    db.session.flush()
    audit.record(
        actor,
        "round.notifications_held",
        round_,
        after={"batch": batch, "messages": len(pending)},
    )
    return batch


def release_notifications(round_: Round, *, actor) -> int:
    """Let the worker send the round's held notifications; the decisions become released."""
    batch = current_mail_batch(round_)
    if not batch:
        raise DomainError(_("There are no held notifications to release."))
    released = release_held(batch)
    decisions = db.session.scalars(
        select(Decision).where(
            Decision.round_id == round_.id, Decision.status == D.HELD, Decision.mail_batch == batch
        )
    ).all()
    for decision in decisions:
        transition_decision(decision, D.RELEASED, actor=actor)
    db.session.flush()
    audit.record(
        actor, "round.notifications_released", round_, after={"batch": batch, "messages": released}
    )
    return released


def discard_notifications(round_: Round, *, actor) -> int:
    """Delete the round's held notifications (nothing was sent); decisions go back to draft."""
    batch = current_mail_batch(round_)
    if not batch:
        raise DomainError(_("There are no held notifications to discard."))
    result = db.session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.batch == batch, OutboxMessage.status == OutboxStatus.HELD
        )
    )
    decisions = db.session.scalars(
        select(Decision).where(
            Decision.round_id == round_.id, Decision.status == D.HELD, Decision.mail_batch == batch
        )
    ).all()
    for decision in decisions:
        transition_decision(decision, D.DRAFT, actor=actor)
    db.session.flush()
    audit.record(
        actor,
        "round.notifications_discarded",
        round_,
        after={"batch": batch, "messages": result.rowcount},
    )
    return result.rowcount


# ---------------------------------------------------------------------------------------------
# Publication


def publish_results(cycle: Cycle, *, actor) -> None:
    """Publish (or publish again) the cycle's results: the public page and the JSON then show
    the decisions of every round closed up to now."""
    closed = db.session.scalar(
        select(func.count())
        .select_from(Round)
        .where(Round.cycle_id == cycle.id, Round.status == RoundStatus.CLOSED)
    )
    if not closed:
        raise DomainError(_("Close a round before publishing its results."))
    before = {"results_published_at": cycle.results_published_at}
    cycle.results_published_at = utcnow()
    db.session.flush()
    forget_public_pages()
    audit.record(
        actor,
        "cycle.results_published",
        cycle,
        before=before,
        after={"results_published_at": cycle.results_published_at},
    )


def unpublish_results(cycle: Cycle, *, actor, reason: str) -> None:
    """Take the public results down again (for example after a mistake)."""
    if cycle.results_published_at is None:
        raise DomainError(_("The results of this cycle are not published."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the results are taken down."), field="reason")
    before = {"results_published_at": cycle.results_published_at}
    cycle.results_published_at = None
    db.session.flush()
    forget_public_pages()
    audit.record(
        actor,
        "cycle.results_unpublished",
        cycle,
        before=before,
        after={"results_published_at": None},
        message=reason,
    )
