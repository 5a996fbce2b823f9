"""The life of a submission: every status change passes through `transition`, and the allowed
changes are this table, not `if`s scattered across services."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from awards import audit
from awards.errors import DomainError
from awards.submissions.models import Submission
from awards.submissions.models import SubmissionStatus as S

# (from, to) -> the audited action name.
TRANSITIONS: dict[tuple[S, S], str] = {
    (S.DRAFT, S.SUBMITTED): "submission.submitted",
    # An early-bird entry reopened by its applicant to act on feedback; it keeps its code.
    (S.SUBMITTED, S.DRAFT): "submission.reopened_for_revision",
    (S.SUBMITTED, S.WITHDRAWN): "submission.withdrawn",
    (S.DRAFT, S.WITHDRAWN): "submission.withdrawn",
    (S.VALID, S.WITHDRAWN): "submission.withdrawn",
    (S.CLARIFICATION, S.WITHDRAWN): "submission.withdrawn",
    # Validity screening by the secretariat.
    (S.SUBMITTED, S.VALID): "submission.marked_valid",
    (S.SUBMITTED, S.INVALID): "submission.marked_invalid",
    (S.SUBMITTED, S.CLARIFICATION): "submission.clarification_requested",
    (S.CLARIFICATION, S.SUBMITTED): "submission.resubmitted",
    (S.VALID, S.INVALID): "submission.marked_invalid",
    (S.INVALID, S.VALID): "submission.marked_valid",
    (S.INVALID, S.SUBMITTED): "submission.screening_undone",
    (S.VALID, S.SUBMITTED): "submission.screening_undone",
}

STATUS_LABELS = {
    S.DRAFT: _l("draft"),
    S.SUBMITTED: _l("submitted"),
    S.CLARIFICATION: _l("waiting for clarification"),
    S.VALID: _l("valid"),
    S.INVALID: _l("not valid"),
    S.WITHDRAWN: _l("withdrawn"),
}

EDITABLE_STATUSES = frozenset({S.DRAFT, S.CLARIFICATION})


def can_transition(submission: Submission, to: S) -> bool:
    return (submission.status, to) in TRANSITIONS


def transition(submission: Submission, to: S, *, actor, reason: str = "") -> None:
    """Move `submission` to `to`, or raise DomainError if that change is not allowed.

    Writes the audit row. Callers do the rest of the work of the step (reference codes,
    versions, e-mails) in the same transaction.
    """
    current = submission.status
    action = TRANSITIONS.get((current, to))
    if action is None:
        raise DomainError(
            _(
                "This application is %(current)s; it cannot become %(target)s.",
                current=status_label(current),
                target=status_label(to),
            )
        )
    submission.status = to
    audit.record(
        actor,
        action,
        submission,
        before={"status": current},
        after={"status": to},
        message=reason,
    )


def status_label(status: S) -> str:
    return str(STATUS_LABELS.get(status, status.value))
