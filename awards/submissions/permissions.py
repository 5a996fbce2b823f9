"""Who may see and change an application.

An application belongs to its organisation: every member sees and edits it, nobody else does
(the secretariat reads it). Views turn a False into a 404, so that nothing reveals that an
application exists. Deadlines and statuses are rules of the domain, checked by the services
with a message; these predicates only say whether to show the action at all.
"""

from __future__ import annotations

from awards.accounts.models import Role, User
from awards.accounts.permissions import is_staff
from awards.submissions.models import Attachment, Submission
from awards.submissions.models import SubmissionStatus as S
from awards.submissions.workflow import EDITABLE_STATUSES, TRANSITIONS


def is_member(user: User, submission: Submission) -> bool:
    """`user` is an applicant of the organisation that owns `submission`."""
    return (
        user.is_authenticated
        and user.role == Role.APPLICANT
        and user.organisation_id is not None
        and user.organisation_id == submission.organisation_id
    )


def can_view_submission(user: User, submission: Submission) -> bool:
    return is_member(user, submission) or is_staff(user)


def can_edit_submission(user: User, submission: Submission) -> bool:
    return is_member(user, submission) and submission.status in EDITABLE_STATUSES


def can_submit(user: User, submission: Submission) -> bool:
    return can_edit_submission(user, submission)


def can_withdraw(user: User, submission: Submission) -> bool:
    if not is_member(user, submission) or submission.reference_code is None:
        return False
    return (submission.status, S.WITHDRAWN) in TRANSITIONS


def can_delete_draft(user: User, submission: Submission) -> bool:
    """A draft that was never submitted can be thrown away (it has no reference code)."""
    return (
        is_member(user, submission)
        and submission.status == S.DRAFT
        and submission.reference_code is None
    )


def can_reopen(user: User, submission: Submission) -> bool:
    """An early-bird entry may be taken back to revise; the service checks the dates."""
    cycle = submission.cycle
    return (
        is_member(user, submission)
        and submission.status == S.SUBMITTED
        and cycle.early_bird_deadline is not None
        and submission.first_submitted_at is not None
        and submission.first_submitted_at <= cycle.early_bird_deadline
    )


def can_download_attachment(user: User, attachment: Attachment) -> bool:
    return can_view_submission(user, attachment.submission)
