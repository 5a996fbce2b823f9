"""Reusable reads about applications: loading them for a user, the dashboard, the checklist of
what is missing, deadlines and the eligibility window."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from awards.accounts.models import User
from awards.cycles.models import Cycle
from awards.db import utcnow
from awards.extensions import db
from awards.submissions.models import (
    Attachment,
    Feedback,
    InitiativeStatus,
    SectionAnswer,
    Submission,
)
from awards.submissions.models import SubmissionStatus as S
from awards.submissions.permissions import can_view_submission, is_member

# Chinese and Japanese are written without spaces between words; as word processors do, each
# ideograph or kana counts as one word (Korean separates words with spaces). The same ranges are
# in static/js/autosave.js, so that the counter under the field agrees with the limit.
CJK_WORD_CHARACTERS = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_PUNCTUATION = r"\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"
_WORD = re.compile(rf"[{CJK_WORD_CHARACTERS}]|[^\s{CJK_WORD_CHARACTERS}{CJK_PUNCTUATION}]+")


def count_words(text: str | None) -> int:
    """Words as the browser's counter counts them: runs of other characters between spaces and
    punctuation of Chinese and Japanese, and each Chinese or Japanese character on its own."""
    return len(_WORD.findall(text or ""))


# ---------------------------------------------------------------------------------- loading


def _by_id(submission_id: int, *, lock: bool = False) -> Submission | None:
    stmt = select(Submission).where(Submission.id == submission_id)
    if lock:
        # PostgreSQL holds the row until commit, so concurrent saves of one application queue
        # up instead of overwriting each other; SQLite serialises writers anyway.
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return db.session.scalar(stmt)


def member_submission_or_404(user: User, submission_id: int, *, lock: bool = False) -> Submission:
    """The application if `user`'s organisation owns it; 404 otherwise (nothing leaks)."""
    submission = _by_id(submission_id, lock=lock)
    if submission is None or not is_member(user, submission):
        abort(404)
    return submission


def viewable_submission_or_404(user: User, submission_id: int) -> Submission:
    """Members and the secretariat may read an application (print view, attachments)."""
    submission = _by_id(submission_id)
    if submission is None or not can_view_submission(user, submission):
        abort(404)
    return submission


def attachment_of_or_404(submission: Submission, attachment_id: int) -> Attachment:
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.submission_id != submission.id:
        abort(404)
    return attachment


def reload_locked(submission: Submission) -> Submission | None:
    """Re-read `submission` with a row lock (PostgreSQL) and fresh values; None if it is gone."""
    return _by_id(submission.id, lock=True)


def dashboard_submissions(organisation_id: int) -> list[Submission]:
    """The organisation's applications with everything the dashboard shows, in a fixed number
    of queries however many there are."""
    return list(
        db.session.scalars(
            select(Submission)
            .where(Submission.organisation_id == organisation_id)
            .options(
                selectinload(Submission.cycle).selectinload(Cycle.sections),
                selectinload(Submission.answers),
                selectinload(Submission.contacts),
                selectinload(Submission.domains),
                selectinload(Submission.duplicate_of),
            )
            .order_by(Submission.created_at.desc(), Submission.id.desc())
        )
    )


def answers_by_section(submission: Submission) -> dict[int, SectionAnswer]:
    return {answer.section_id: answer for answer in submission.answers}


def attachment_usage(submission_id: int, *, excluding: int | None = None) -> tuple[int, int]:
    """(number of files, total bytes) attached to an application, optionally not counting one."""
    stmt = select(func.count(Attachment.id), func.coalesce(func.sum(Attachment.size_bytes), 0))
    stmt = stmt.where(Attachment.submission_id == submission_id)
    if excluding is not None:
        stmt = stmt.where(Attachment.id != excluding)
    count, total = db.session.execute(stmt).one()
    return int(count), int(total)


def sent_feedback(submission: Submission) -> list[Feedback]:
    return list(
        db.session.scalars(
            select(Feedback)
            .where(Feedback.submission_id == submission.id, Feedback.sent_at.is_not(None))
            .order_by(Feedback.sent_at)
        )
    )


# ------------------------------------------------------------------------- dates and windows


def effective_deadline(submission: Submission) -> datetime:
    """The moment after which the application cannot change: a personal deadline set by the
    secretariat when it reopened this entry, otherwise the cycle's final deadline."""
    return submission.personal_deadline or submission.cycle.final_deadline


def deadline_passed(submission: Submission) -> bool:
    return utcnow() >= effective_deadline(submission)


def cycle_is_open(cycle: Cycle) -> bool:
    now = utcnow()
    return cycle.opens_at <= now < cycle.final_deadline


def today_in(cycle: Cycle) -> date:
    return utcnow().astimezone(cycle.zone).date()


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def eligibility_window(cycle: Cycle) -> tuple[date, date]:
    """A completed initiative must have ended in this window: from `eligibility_years` before
    the call opened, up to today (in the cycle's time zone)."""
    opened = cycle.opens_at.astimezone(cycle.zone).date()
    return _years_before(opened, cycle.eligibility_years), today_in(cycle)


# ------------------------------------------------------------------------ what is missing


@dataclass(frozen=True)
class MissingItem:
    label: str
    endpoint: str  # the page to fix it on
    anchor: str  # the id of the field on that page


def missing_items(submission: Submission) -> list[MissingItem]:
    """Everything that stops `submission` from being submitted, in the order of the form."""
    items: list[MissingItem] = []
    basic = "submissions.basic"

    def need(condition: bool, label, anchor: str, endpoint: str = basic) -> None:
        if condition:
            items.append(MissingItem(str(label), endpoint, anchor))

    need(not submission.title.strip(), _l("The title of the initiative"), "title")
    need(submission.start_date is None, _l("The start date"), "start_date")
    need(
        submission.initiative_status is None,
        _l("Whether the initiative is ongoing or completed"),
        "initiative_status",
    )
    need(
        submission.initiative_status == InitiativeStatus.COMPLETED and submission.end_date is None,
        _l("The end date of the completed initiative"),
        "end_date",
    )
    need(not submission.contacts, _l("At least one contact person"), "contacts")
    need(not submission.domains, _l("At least one domain"), "domains")
    need(not submission.sdgs, _l("At least one Sustainable Development Goal"), "sdgs")
    answers = answers_by_section(submission)
    for section in submission.cycle.sections:
        answer = answers.get(section.id)
        body = answer.body if answer else ""
        words = count_words(body)
        anchor = f"section-{section.key}"
        if section.required and words == 0:
            label = _l("Section “%(title)s”", title=section.title)
            need(True, label, anchor, "submissions.initiative")
        elif words > section.word_limit:
            need(
                True,
                _l(
                    "Section “%(title)s” is %(over)d words over its limit of %(limit)d",
                    title=section.title,
                    over=words - section.word_limit,
                    limit=section.word_limit,
                ),
                anchor,
                "submissions.initiative",
            )
    return items


@dataclass(frozen=True)
class NextStep:
    text: str
    endpoint: str | None = None
    anchor: str = ""
    tone: str = "info"  # a Bootstrap colour


def next_step(submission: Submission, missing: list[MissingItem] | None = None) -> NextStep:
    """What the applicant should do now, in one sentence."""
    status = submission.status
    if status in (S.DRAFT, S.CLARIFICATION):
        if deadline_passed(submission):
            return NextStep(
                str(_l("The deadline has passed: this application can no longer be submitted.")),
                tone="secondary",
            )
        missing = missing_items(submission) if missing is None else missing
        if status == S.CLARIFICATION:
            return NextStep(
                str(
                    _l(
                        "The secretariat asked for changes: update the application and submit "
                        "it again."
                    )
                ),
                "submissions.overview",
                tone="warning",
            )
        if missing:
            first = missing[0]
            return NextStep(
                str(_l("Complete the application: %(n)d item(s) missing.", n=len(missing))),
                first.endpoint,
                first.anchor,
                tone="warning",
            )
        if submission.reference_code:
            return NextStep(
                str(_l("Submit your revised application again before the deadline.")),
                "submissions.submit",
                tone="warning",
            )
        return NextStep(
            str(_l("Everything is filled in: submit the application.")),
            "submissions.submit",
            tone="primary",
        )
    if status == S.SUBMITTED:
        return NextStep(
            str(_l("Submitted. The secretariat checks every entry's validity after the deadline.")),
            tone="success",
        )
    if status == S.VALID:
        return NextStep(
            str(_l("Valid: the entry takes part in the judging. Results are announced publicly.")),
            tone="success",
        )
    if status == S.INVALID:
        return NextStep(str(_l("Not valid: see the secretariat's reason.")), tone="danger")
    return NextStep(str(_l("Withdrawn.")), tone="secondary")
