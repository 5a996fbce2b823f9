"""Who may see and do what on the judge's side. An entry a judge may not see is a 404."""

from __future__ import annotations

from datetime import datetime

from awards.accounts.permissions import is_staff
from awards.cycles.models import Round, RoundStatus, ScoreVisibility
from awards.db import utcnow
from awards.judging.models import Assignment, AssignmentStatus, Review, ReviewStatus
from awards.judging.queries import VISIBLE_ROUND_STATUSES
from awards.submissions.models import Attachment, SubmissionStatus


def round_accepts_reviews(round_: Round, now: datetime | None = None) -> bool:
    """Reviews can be written and changed while the round is open and its closing time (if
    set) has not passed; before it opens or after it closes they are read-only."""
    now = now or utcnow()
    if round_.status != RoundStatus.OPEN:
        return False
    if round_.opens_at is not None and now < round_.opens_at:
        return False
    return round_.closes_at is None or now < round_.closes_at


def next_change_of_access(rounds, now: datetime | None = None) -> datetime | None:
    """The next moment one of `rounds` opens or closes for reviews by the clock alone: pages
    showing whether they accept reviews change then."""
    now = now or utcnow()
    moments = [
        moment
        for round_ in rounds
        for moment in (round_.opens_at, round_.closes_at)
        if moment is not None and moment > now
    ]
    return min(moments, default=None)


def can_view_entry(user, assignment: Assignment | None) -> bool:
    """A judge sees an entry only through their own active assignment in a round that has
    opened (open, or closed and then read-only). Anything else is a 404."""
    return (
        assignment is not None
        and getattr(user, "is_authenticated", False)
        and assignment.judge_id == user.id
        and assignment.status == AssignmentStatus.ACTIVE
        and assignment.round.status in VISIBLE_ROUND_STATUSES
        and assignment.submission.status != SubmissionStatus.WITHDRAWN
    )


def can_edit_review(user, assignment: Assignment | None) -> bool:
    return can_view_entry(user, assignment) and round_accepts_reviews(assignment.round)


def can_declare_conflict(user, assignment: Assignment | None) -> bool:
    """Before or while scoring; once the round is closed its scores are frozen, so a late
    conflict goes through the secretariat."""
    return can_view_entry(user, assignment) and assignment.round.status == RoundStatus.OPEN


def can_see_other_reviews(user, assignment: Assignment, own_review: Review | None) -> bool:
    """Other judges' scores stay hidden unless the round shows them after the judge's own
    review, and this judge's review of the entry is submitted."""
    return (
        can_view_entry(user, assignment)
        and assignment.round.score_visibility == ScoreVisibility.AFTER_OWN
        and own_review is not None
        and own_review.judge_id == user.id
        and own_review.status == ReviewStatus.SUBMITTED
    )


def can_download_attachment(
    user, assignment: Assignment | None, attachment: Attachment | None
) -> bool:
    return (
        attachment is not None
        and can_view_entry(user, assignment)
        and attachment.submission_id == assignment.submission_id
        and "attachments" not in (assignment.round.blind_fields or [])
    )


def can_view_review_history(user) -> bool:
    """The secretariat sees every change to a review (never the judge's private notes, which
    the history does not record)."""
    return is_staff(user)
