"""Who may screen what: staff, and only entries that have been submitted at least once."""

from __future__ import annotations

from awards.accounts.permissions import is_staff
from awards.submissions.models import Submission, SubmissionStatus


def can_screen(user, submission: Submission) -> bool:
    # A draft that was never submitted is the applicant's private work in progress.
    return (
        is_staff(user)
        and submission.reference_code is not None
        and submission.status != SubmissionStatus.DRAFT
    )
