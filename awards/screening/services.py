"""Validity screening: valid, invalid with a reason, or back to the applicant for clarification.

Every status change goes through `awards.submissions.workflow.transition`; the applicant is told
by e-mail (outbox) when the entry is invalid or needs clarification.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from awards.accounts.models import User
from awards.db import utcnow
from awards.errors import DomainError
from awards.extensions import db
from awards.mail import queue_mail
from awards.screening.queries import applicant_recipients
from awards.submissions.models import Submission
from awards.submissions.models import SubmissionStatus as S
from awards.submissions.workflow import transition

MAX_REASON = 5000


def mark_valid(submission: Submission, *, actor: User) -> None:
    transition(submission, S.VALID, actor=actor)
    submission.invalid_reason = ""
    db.session.flush()


def mark_invalid(submission: Submission, *, actor: User, reason: str) -> None:
    """Declare the entry not valid; the reason is kept and e-mailed to the applicant."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason: the applicant will read it."), field="reason")
    if len(reason) > MAX_REASON:
        raise DomainError(_("Keep the reason under 5,000 characters."), field="reason")
    with db.session.no_autoflush:  # the database wants the reason with the status
        transition(submission, S.INVALID, actor=actor, reason=reason)
        submission.invalid_reason = reason
    db.session.flush()
    for user in applicant_recipients(submission):
        queue_mail(
            user.email,
            _l("Your entry %(code)s is not valid", code=submission.reference_code),
            "screening_invalid",
            locale=user.locale,
            category="screening",
            user=user,
            submission=submission,
            reason=reason,
        )


def request_clarification(
    submission: Submission, *, actor: User, message: str, deadline: datetime | None
) -> None:
    """Reopen the entry for its applicant with a message and a personal deadline (aware)."""
    message = (message or "").strip()
    if not message:
        raise DomainError(
            _("Write what the applicant should clarify or complete."), field="message"
        )
    if deadline is None:
        raise DomainError(_("Enter the personal deadline."), field="deadline")
    if deadline <= utcnow():
        raise DomainError(_("The personal deadline must be in the future."), field="deadline")
    with db.session.no_autoflush:
        transition(submission, S.CLARIFICATION, actor=actor, reason=message)
        submission.secretariat_message = message
        submission.personal_deadline = deadline
    db.session.flush()
    for user in applicant_recipients(submission):
        queue_mail(
            user.email,
            _l("Please clarify your entry %(code)s", code=submission.reference_code),
            "screening_clarification",
            locale=user.locale,
            category="screening",
            user=user,
            submission=submission,
            message=message,
            deadline=deadline,
        )


@dataclass
class BulkResult:
    done: list[Submission] = field(default_factory=list)
    skipped: list[tuple[Submission, str]] = field(default_factory=list)


def bulk_screen(
    submissions: list[Submission], *, actor: User, action: str, reason: str = ""
) -> BulkResult:
    """Mark several entries valid or invalid at once. Entries whose status does not allow the
    change are skipped and reported, the others are changed."""
    if action not in ("valid", "invalid"):
        raise DomainError(_("Choose what to do with the selected entries."), field="action")
    if not submissions:
        raise DomainError(_("Select at least one entry."), field="ids")
    if action == "invalid" and not (reason or "").strip():
        raise DomainError(_("Give the reason: the applicants will read it."), field="reason")
    result = BulkResult()
    for submission in submissions:
        try:
            if action == "valid":
                mark_valid(submission, actor=actor)
            else:
                mark_invalid(submission, actor=actor, reason=reason)
        except DomainError as exc:
            result.skipped.append((submission, exc.message))
        else:
            result.done.append(submission)
    return result
