"""The applicant's side of an application: create, save step 1 and each step-2 section,
attachments and video links, submit, revise, withdraw.

Services flush and never commit (the request boundary does). They refuse with a DomainError
whose message can be shown next to the field it names. Saves are optimistic: each names the
version it was edited from (`Submission.lock_version` for step 1, `SectionAnswer.version` for a
section) and a stale one is refused with `StaleEdit`, so two colleagues never silently
overwrite each other. Status changes go through `workflow.transition` only.
"""

from __future__ import annotations

import difflib
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import IO
from urllib.parse import urlsplit

from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from awards import audit
from awards.accounts.models import Organisation, User
from awards.cycles.models import Cycle, FormSection
from awards.db import utcnow
from awards.errors import DeadlinePassed, DomainError, StaleEdit
from awards.extensions import db
from awards.i18n import in_zone, utc_offset_label
from awards.mail import queue_mail
from awards.storage import StorageError, get_storage
from awards.submissions import files
from awards.submissions.models import (
    Attachment,
    Contact,
    InitiativeStatus,
    Partner,
    SectionAnswer,
    Submission,
    SubmissionVersion,
)
from awards.submissions.models import SubmissionStatus as S
from awards.submissions.queries import (
    attachment_usage,
    count_words,
    cycle_is_open,
    effective_deadline,
    eligibility_window,
    missing_items,
    reload_locked,
    today_in,
)
from awards.submissions.workflow import EDITABLE_STATUSES, status_label, transition

log = logging.getLogger(__name__)

MAX_CONTACTS = 5
MAX_PARTNERS = 30
MAX_VIDEO_LINKS = 5
SUMMARY_WORD_LIMIT = 150
DUPLICATE_RATIO = 0.85
MB = 1024 * 1024


class AlreadySubmitted(DomainError):
    """A second submit of an entry that is submitted already (a double click)."""


class Incomplete(DomainError):
    """Submission refused: `items` lists what is missing."""

    def __init__(self, message: str, items):
        super().__init__(message)
        self.items = items


class StorageProblem(DomainError):
    """The file store failed; the message says what to do (usually: try again shortly)."""


class FieldErrors(DomainError):
    """Several fields of one form are wrong at once."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(_("Please correct the marked fields. Nothing you typed has been lost."))
        self.errors = errors


# ------------------------------------------------------------------ deadlines and statuses


def _deadline_text(submission: Submission) -> str:
    deadline = effective_deadline(submission)
    zone = submission.cycle.time_zone
    return f"{in_zone(deadline, zone)} ({utc_offset_label(zone, deadline)})"


def _moment(value, cycle: Cycle) -> str:
    """A time as the messages show it: in the cycle's zone, with its UTC offset."""
    zone = cycle.time_zone
    return f"{in_zone(value, zone, 'short')} ({utc_offset_label(zone, value)})"


def ensure_before_deadline(submission: Submission) -> None:
    if utcnow() >= effective_deadline(submission):
        raise DeadlinePassed(
            _(
                "The deadline passed on %(when)s. The application can no longer be changed or "
                "submitted. If you need more time, write to the award secretariat.",
                when=_deadline_text(submission),
            )
        )


def ensure_editable(submission: Submission) -> None:
    """Refuse any change to an application that is submitted, withdrawn or past its deadline."""
    if submission.status not in EDITABLE_STATUSES:
        if submission.status == S.SUBMITTED and submission.reference_code:
            raise DomainError(
                _(
                    "This application has been submitted (reference %(code)s) and is read-only.",
                    code=submission.reference_code,
                )
            )
        raise DomainError(
            _(
                "This application is %(status)s and can no longer be changed.",
                status=status_label(submission.status),
            )
        )
    ensure_before_deadline(submission)


def _locked(submission: Submission) -> Submission:
    locked = reload_locked(submission)
    if locked is None:
        raise DomainError(_("This application no longer exists."))
    return locked


def _refused_as_stale(message: str) -> StaleEdit:
    """A concurrent writer got there between our read and our write (SQLite has no row locks):
    start over cleanly and tell the user, keeping what they typed on their page."""
    db.session.rollback()
    return StaleEdit(message)


# ---------------------------------------------------------------------------- creation


def create_submission(
    *, cycle: Cycle, organisation: Organisation, title: str, actor: User
) -> Submission:
    """Start a draft application of `organisation` in `cycle` (the call must be open)."""
    if not cycle_is_open(cycle):
        raise DomainError(
            _("The call for applications of %(cycle)s is not open.", cycle=cycle.name)
        )
    title = _clean_line(title)
    if not title:
        raise DomainError(_("Give the initiative a title."), field="title")
    if len(title) > 300:
        raise DomainError(_("Keep the title under 300 characters."), field="title")
    submission = Submission(
        cycle=cycle,
        organisation=organisation,
        created_by=actor,
        title=title,
        status=S.DRAFT,
        duplicate_of_id=find_likely_duplicate(
            organisation_id=organisation.id, cycle_id=cycle.id, title=title
        ),
    )
    db.session.add(submission)
    db.session.flush()
    ensure_answer_rows(submission)
    audit.record(actor, "submission.created", submission, after={"title": title})
    return submission


def ensure_answer_rows(submission: Submission) -> None:
    """Give every section of the cycle an (empty) answer row, so that each save is an UPDATE
    guarded by its version. Idempotent and safe when two requests race."""
    section_ids = [section.id for section in submission.cycle.sections]
    existing = set(
        db.session.scalars(
            select(SectionAnswer.section_id).where(SectionAnswer.submission_id == submission.id)
        )
    )
    missing = [sid for sid in section_ids if sid not in existing]
    if not missing:
        return
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = (
        insert(SectionAnswer)
        .values(
            [
                {"submission_id": submission.id, "section_id": sid, "body": "", "version": 1}
                for sid in missing
            ]
        )
        .on_conflict_do_nothing(index_elements=["submission_id", "section_id"])
    )
    db.session.execute(stmt)
    db.session.expire(submission, ["answers"])


# --------------------------------------------------------------------------- duplicates


def _normalised_title(title: str) -> str:
    text = unicodedata.normalize("NFKC", title).casefold()
    text = re.sub(r"[^\w\s]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def find_likely_duplicate(
    *, organisation_id: int, cycle_id: int, title: str, excluding: int | None = None
) -> int | None:
    """The oldest other live application of the organisation in the cycle whose title is nearly
    `title` (difflib ratio of the normalised titles), or None. An organisation has a handful
    of applications, so comparing in Python is cheap and works the same on every database."""
    mine = _normalised_title(title)
    if len(mine) < 4:
        return None
    stmt = (
        select(Submission.id, Submission.title)
        .where(
            Submission.organisation_id == organisation_id,
            Submission.cycle_id == cycle_id,
            Submission.status != S.WITHDRAWN,
        )
        .order_by(Submission.id)
    )
    if excluding is not None:
        stmt = stmt.where(Submission.id != excluding)
    rows = db.session.execute(stmt).all()
    for other_id, other_title in rows:
        theirs = _normalised_title(other_title)
        if not theirs:
            continue
        if theirs == mine or difflib.SequenceMatcher(None, mine, theirs).ratio() >= DUPLICATE_RATIO:
            return other_id
    return None


# --------------------------------------------------------------------------- step 1


@dataclass
class ContactData:
    name: str = ""
    role: str = ""
    email: str = ""
    phone: str = ""

    @property
    def blank(self) -> bool:
        return not (self.name or self.role or self.email or self.phone)


@dataclass
class BasicInfo:
    """Step 1 as typed by the applicant (already checked for format by the form)."""

    title: str = ""
    umbrella_programme: str = ""
    summary: str = ""
    start_date: date | None = None
    initiative_status: InitiativeStatus | None = None
    end_date: date | None = None
    domain_ids: list[int] = field(default_factory=list)
    sdgs: list[int] = field(default_factory=list)
    contacts: list[ContactData] = field(default_factory=list)
    partners: list[str] = field(default_factory=list)


def _clean_line(text: str | None) -> str:
    text = "".join(ch for ch in (text or "") if unicodedata.category(ch)[0] != "C")
    return re.sub(r"\s+", " ", text).strip()


def _clean_text(text: str | None) -> str:
    """Multi-line text: normalised line ends, no control characters except newlines and tabs."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")


def _check_basic_info(cycle: Cycle, data: BasicInfo) -> dict[str, str]:
    errors: dict[str, str] = {}
    if len(data.title) > 300:
        errors["title"] = _("Keep the title under 300 characters.")
    if count_words(data.summary) > SUMMARY_WORD_LIMIT:
        errors["summary"] = _(
            "The summary has %(n)d words; the limit is %(limit)d.",
            n=count_words(data.summary),
            limit=SUMMARY_WORD_LIMIT,
        )
    today = today_in(cycle)
    if data.start_date is not None and data.start_date > today:
        errors["start_date"] = _(
            "The initiative must have started already: choose a date up to today."
        )
    if data.end_date is not None:
        earliest, latest = eligibility_window(cycle)
        if data.initiative_status != InitiativeStatus.COMPLETED:
            errors["end_date"] = _(
                "Only a completed initiative has an end date: choose “completed”, or clear "
                "the end date."
            )
        elif not earliest <= data.end_date <= latest:
            errors["end_date"] = _(
                "A completed initiative is eligible if it ended between %(earliest)s and "
                "%(latest)s. Your date, %(date)s, is outside that window.",
                earliest=earliest.isoformat(),
                latest=latest.isoformat(),
                date=data.end_date.isoformat(),
            )
        elif data.start_date is not None and data.end_date < data.start_date:
            errors["end_date"] = _("The end date cannot be before the start date.")
    allowed_domains = {domain.id for domain in cycle.domains}
    if any(domain_id not in allowed_domains for domain_id in data.domain_ids):
        errors["domains"] = _("Choose domains from the list.")
    if any(not 1 <= number <= 17 for number in data.sdgs):
        errors["sdgs"] = _("Choose goals from 1 to 17.")
    contacts = [c for c in data.contacts if not c.blank]
    if len(contacts) > MAX_CONTACTS:
        errors["contacts"] = _("Name at most %(n)d contact persons.", n=MAX_CONTACTS)
    for index, contact in enumerate(contacts):
        if not contact.name or not contact.email:
            errors[f"contacts-{index}"] = _(
                "Give each contact person a name and an e-mail address."
            )
    if len(data.partners) > MAX_PARTNERS:
        errors["partners"] = _("Name at most %(n)d partners.", n=MAX_PARTNERS)
    if any(len(name) > 200 for name in data.partners):
        errors["partners"] = _("Keep each partner's name under 200 characters.")
    return errors


def save_basic_info(
    submission: Submission, data: BasicInfo, *, expected_version: int, actor: User
) -> Submission:
    """Save step 1, or refuse: StaleEdit if someone saved it since `expected_version`,
    FieldErrors for wrong values, DeadlinePassed after the deadline. Nothing is saved when
    refused; the caller keeps the user's values on the page."""
    submission = _locked(submission)
    ensure_editable(submission)
    if submission.lock_version != expected_version:
        raise StaleEdit(
            _(
                "A colleague saved the basic information at %(when)s, after you opened this "
                "page. Your changes are not saved yet and are still in the form: compare them "
                "with the saved version, then save again to keep yours.",
                when=_moment(submission.updated_at, submission.cycle),
            )
        )
    data.title = _clean_line(data.title)
    data.umbrella_programme = _clean_line(data.umbrella_programme)
    data.summary = _clean_text(data.summary).strip()
    data.partners = _unique_names(data.partners)
    for contact in data.contacts:
        contact.name, contact.role = _clean_line(contact.name), _clean_line(contact.role)
        contact.email = _clean_line(contact.email).lower()
        contact.phone = _clean_line(contact.phone)
    errors = _check_basic_info(submission.cycle, data)
    if errors:
        raise FieldErrors(errors)

    try:
        _apply_basic_info(submission, data)
    except StaleDataError as exc:
        raise _refused_as_stale(
            _(
                "A colleague saved the basic information at the same moment. Your changes are "
                "not saved yet and are still in the form: save again to keep yours."
            )
        ) from exc
    return submission


def _apply_basic_info(submission: Submission, data: BasicInfo) -> None:
    # Reads and deletions first, then every change to the row in one UPDATE: lock_version moves
    # by exactly one per save.
    duplicate_of_id = submission.duplicate_of_id
    if submission.title != data.title:
        duplicate_of_id = find_likely_duplicate(
            organisation_id=submission.organisation_id,
            cycle_id=submission.cycle_id,
            title=data.title,
            excluding=submission.id,
        )
    domains_by_id = {domain.id: domain for domain in submission.cycle.domains}
    _drop_partners_not_in(submission, data.partners)
    submission.domains, submission.contacts  # noqa: B018  (load before changing anything)
    with db.session.no_autoflush:
        submission.title = data.title
        submission.umbrella_programme = data.umbrella_programme
        submission.summary = data.summary
        submission.start_date = data.start_date
        submission.initiative_status = data.initiative_status
        submission.end_date = data.end_date
        submission.domains = [domains_by_id[i] for i in dict.fromkeys(data.domain_ids)]
        submission.sdgs = sorted(set(data.sdgs))
        _replace_contacts(submission, [c for c in data.contacts if not c.blank])
        _add_partners(submission, data.partners)
        submission.duplicate_of_id = duplicate_of_id
        # Always UPDATE the row, so that lock_version moves even when only contacts changed.
        submission.updated_at = utcnow()
    db.session.flush()


def _unique_names(names: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for raw in names:
        name = _clean_line(raw)
        if name and name.casefold() not in seen:
            seen[name.casefold()] = name
    return list(seen.values())


def _replace_contacts(submission: Submission, contacts: list[ContactData]) -> None:
    """Update rows in place by position (few writes per autosave), add or drop the rest."""
    rows = list(submission.contacts)
    for position, data in enumerate(contacts):
        if position < len(rows):
            row = rows[position]
        else:
            row = Contact(position=position)
            submission.contacts.append(row)
        row.name, row.role, row.email, row.phone = data.name, data.role, data.email, data.phone
        row.position = position
    for row in rows[len(contacts) :]:
        submission.contacts.remove(row)


def _drop_partners_not_in(submission: Submission, names: list[str]) -> None:
    """Delete the partners no longer named, before any insert (names are unique per
    application, and a partner may come back under the same name)."""
    wanted = {name.casefold() for name in names}
    seen: set[str] = set()
    for row in list(submission.partners):
        key = row.name.casefold()
        if key in wanted and key not in seen:
            seen.add(key)
        else:
            submission.partners.remove(row)
    db.session.flush()


def _add_partners(submission: Submission, names: list[str]) -> None:
    kept = {row.name.casefold(): row for row in submission.partners}
    for position, name in enumerate(names):
        row = kept.get(name.casefold())
        if row is None:
            row = Partner(name=name, position=position)
            submission.partners.append(row)
        row.name, row.position = name, position


# --------------------------------------------------------------------------- step 2


def save_section(
    submission: Submission,
    section: FormSection,
    *,
    body: str,
    expected_version: int,
    actor: User,
) -> SectionAnswer:
    """Save one section's text. Refused over the word limit (field "body"), after the
    deadline, or when a colleague saved this section since `expected_version` (StaleEdit).
    The section's row is updated only if its version is still the expected one, in a single
    statement, so two saves cannot both win."""
    submission = _locked(submission)  # a colleague's submit waits for this save, or wins
    ensure_editable(submission)
    if section.cycle_id != submission.cycle_id:
        raise DomainError(_("This section is not part of the application."))
    body = _clean_text(body).rstrip()
    words = count_words(body)
    if words > section.word_limit:
        raise DomainError(
            _(
                "This section has %(words)d words; the limit is %(limit)d. Shorten it by "
                "%(over)d words. Your text is kept here but is not saved yet.",
                words=words,
                limit=section.word_limit,
                over=words - section.word_limit,
            ),
            field="body",
        )
    ensure_answer_rows(submission)
    now = utcnow()
    result = db.session.execute(
        update(SectionAnswer)
        .where(
            SectionAnswer.submission_id == submission.id,
            SectionAnswer.section_id == section.id,
            SectionAnswer.version == expected_version,
        )
        .values(
            body=body,
            version=SectionAnswer.version + 1,
            updated_at=now,
            updated_by_id=actor.id,
        )
        .execution_options(synchronize_session=False)
    )
    answer = db.session.scalar(
        select(SectionAnswer)
        .where(SectionAnswer.submission_id == submission.id, SectionAnswer.section_id == section.id)
        .execution_options(populate_existing=True)
    )
    if result.rowcount != 1:
        who = answer.updated_by.name if answer and answer.updated_by else _("A colleague")
        when = _moment(answer.updated_at, submission.cycle) if answer and answer.updated_at else ""
        raise StaleEdit(
            _(
                "%(who)s saved this section at %(when)s, after you started editing it. Your "
                "text is not saved yet and is still here. Compare it with theirs, then choose "
                "which to keep.",
                who=who,
                when=when,
            ),
            field="body",
        )
    return answer


# ---------------------------------------------------------------------- attachments


@dataclass
class Upload:
    """A file as received: a seekable stream (Werkzeug spools big uploads to disk) and the
    name the browser sent."""

    stream: IO[bytes]
    filename: str


def _after_commit_delete(key: str) -> None:
    db.session.info.setdefault("awards_delete_after_commit", []).append(key)


def _after_rollback_delete(key: str) -> None:
    db.session.info.setdefault("awards_delete_after_rollback", []).append(key)


@event.listens_for(Session, "after_commit")
def _delete_superseded_objects(session: Session) -> None:
    session.info.pop("awards_delete_after_rollback", None)
    _delete_quietly(session.info.pop("awards_delete_after_commit", []))


@event.listens_for(Session, "after_rollback")
def _delete_orphaned_uploads(session: Session) -> None:
    session.info.pop("awards_delete_after_commit", None)
    _delete_quietly(session.info.pop("awards_delete_after_rollback", []))


def _delete_quietly(keys: list[str]) -> None:
    if not keys:
        return
    storage = get_storage()
    for key in keys:
        try:
            storage.delete(key)
        except StorageError as exc:  # an orphan object costs space, never correctness
            log.warning("could not delete %s from the file store: %s", key, exc)


def _allowed_kinds(cycle: Cycle) -> list[files.FileKind]:
    return [files.KINDS[key] for key in cycle.allowed_type_list if key in files.KINDS]


def allowed_types_label(cycle: Cycle) -> str:
    return ", ".join(kind.label for kind in _allowed_kinds(cycle))


def _check_limits(
    submission: Submission, *, size: int, name: str, replacing: Attachment | None
) -> None:
    cycle = submission.cycle
    count, total = attachment_usage(
        submission.id, excluding=replacing.id if replacing is not None else None
    )
    if count + 1 > cycle.max_files:
        raise DomainError(
            _(
                "This application has %(n)d files already, the most allowed. Remove or replace "
                "one to add %(name)s.",
                n=count,
                name=name,
            ),
            field="file",
        )
    if total + size > cycle.max_total_mb * MB:
        raise DomainError(
            _(
                "%(name)s (%(size)s) would bring the files of this application to %(total)s; "
                "the limit is %(limit)d MB in total. Remove a file or upload a smaller one.",
                name=name,
                size=files.human_size(size),
                total=files.human_size(total + size),
                limit=cycle.max_total_mb,
            ),
            field="file",
        )


def add_attachment(
    submission: Submission,
    upload: Upload,
    *,
    caption: str = "",
    public: bool = False,
    actor: User,
    replacing: Attachment | None = None,
) -> Attachment:
    """Check an uploaded file (size, type by content, limits), stream it to the store under a
    random key and record it; with `replacing`, the new file takes that attachment's place.

    Refusals name the field "file". If the store is unreachable nothing is recorded and the
    rest of the application is untouched: the user can simply try again.
    """
    ensure_editable(submission)
    cycle = submission.cycle
    display_name = files.sanitise_filename(upload.filename)
    size = files.measure(upload.stream)
    if size == 0:
        raise DomainError(_("%(name)s is empty.", name=display_name), field="file")
    if size > cycle.max_file_mb * MB:
        raise DomainError(
            _(
                "%(name)s is %(size)s; the limit is %(limit)d MB per file. Nothing was saved "
                "from this upload. Compress the file or split it, then try again.",
                name=display_name,
                size=files.human_size(size),
                limit=cycle.max_file_mb,
            ),
            field="file",
        )
    sniffed = files.sniff(upload.stream)
    allowed = _allowed_kinds(cycle)
    if sniffed.kind is None or sniffed.kind not in allowed:
        raise DomainError(
            _(
                "%(name)s is not a file type we accept: its content is %(what)s, whatever its "
                "name says. Accepted types: %(allowed)s.",
                name=display_name,
                what=sniffed.description,
                allowed=allowed_types_label(cycle),
            ),
            field="file",
        )
    if sniffed.has_macros:
        raise DomainError(
            _(
                "%(name)s contains macros, which we do not accept. Save it as a plain %(kind)s "
                "document and upload it again.",
                name=display_name,
                kind=sniffed.kind.label,
            ),
            field="file",
        )
    kind = sniffed.kind
    display_name = files.sanitise_filename(upload.filename, kind=kind)
    caption = _clean_line(caption)[:500]
    _check_limits(submission, size=size, name=display_name, replacing=replacing)

    storage = get_storage()
    key = storage.new_key(f"attachments/{cycle.id}")
    upload.stream.seek(0)
    try:
        storage.put(key, upload.stream, content_type=kind.content_type)
    except StorageError as exc:
        raise StorageProblem(exc.message, field="file") from exc
    _after_rollback_delete(key)

    # Two uploads at once must not pass the limits together: check again under the row lock.
    submission = _locked(submission)
    ensure_editable(submission)
    _check_limits(submission, size=size, name=display_name, replacing=replacing)

    if replacing is not None:
        old = {"name": replacing.original_name, "size": replacing.size_bytes}
        if not submission.versions:
            _after_commit_delete(replacing.storage_key)
        attachment = replacing
        attachment.storage_key = key
        attachment.original_name = display_name
        attachment.content_type = kind.content_type
        attachment.kind = kind.key
        attachment.size_bytes = size
        attachment.uploaded_by_id = actor.id
        if caption:
            attachment.caption = caption
        attachment.public = public
        action = "attachment.replaced"
    else:
        old = None
        attachment = Attachment(
            submission=submission,
            storage_key=key,
            original_name=display_name,
            content_type=kind.content_type,
            kind=kind.key,
            size_bytes=size,
            caption=caption,
            public=public,
            uploaded_by_id=actor.id,
        )
        db.session.add(attachment)
        action = "attachment.added"
    db.session.flush()
    audit.record(
        actor,
        action,
        attachment,
        before=old,
        after={"name": display_name, "kind": kind.key, "size": size},
    )
    return attachment


def update_attachment(
    submission: Submission, attachment: Attachment, *, caption: str, public: bool, actor: User
) -> Attachment:
    submission = _locked(submission)
    ensure_editable(submission)
    attachment.caption = _clean_line(caption)[:500]
    attachment.public = public
    db.session.flush()
    return attachment


def remove_attachment(submission: Submission, attachment: Attachment, *, actor: User) -> None:
    """Take a file off the application. Its stored object goes once the change commits, unless
    a submitted version still refers to it (every submitted version is kept whole)."""
    submission = _locked(submission)
    ensure_editable(submission)
    if not submission.versions:
        _after_commit_delete(attachment.storage_key)
    audit.record(
        actor,
        "attachment.removed",
        attachment,
        before={"name": attachment.original_name, "size": attachment.size_bytes},
    )
    submission.attachments.remove(attachment)
    db.session.flush()


def attachment_download_url(attachment: Attachment) -> str:
    """A short-lived URL for the file; PDFs and images open in the browser."""
    kind = files.KINDS.get(attachment.kind)
    return get_storage().presigned_get(
        attachment.storage_key,
        filename=attachment.original_name,
        content_type=attachment.content_type,
        inline=bool(kind and kind.inline),
    )


# ---------------------------------------------------------------------- video links


def _valid_video_url(url: str) -> bool:
    parts = urlsplit(url)
    return (
        parts.scheme in {"http", "https"}
        and bool(parts.netloc)
        and len(url) <= 500
        and not re.search(r"\s", url)
    )


def _set_video_links(submission: Submission, links: list[dict]) -> None:
    # A plain UPDATE under the row lock: adding a video must not count as an edit of step 1
    # (that would make a colleague's open step-1 form stale for nothing).
    db.session.execute(
        update(Submission.__table__)
        .where(Submission.__table__.c.id == submission.id)
        .values(video_links=links)
    )
    db.session.expire(submission, ["video_links"])


def add_video_link(submission: Submission, *, url: str, title: str, actor: User) -> None:
    submission = _locked(submission)
    ensure_editable(submission)
    url = (url or "").strip()
    if not _valid_video_url(url):
        raise DomainError(
            _("Enter the full address of the video, starting with https://"), field="url"
        )
    links = list(submission.video_links or [])
    if len(links) >= MAX_VIDEO_LINKS:
        raise DomainError(_("Add at most %(n)d video links.", n=MAX_VIDEO_LINKS), field="url")
    if any(link.get("url") == url for link in links):
        raise DomainError(_("This video is in the list already."), field="url")
    links.append({"url": url, "title": _clean_line(title)[:200]})
    _set_video_links(submission, links)
    audit.record(actor, "submission.video_added", submission, after={"url": url})


def remove_video_link(submission: Submission, *, index: int, actor: User) -> None:
    submission = _locked(submission)
    ensure_editable(submission)
    links = list(submission.video_links or [])
    if not 0 <= index < len(links):
        raise DomainError(_("This video link is not in the list any more."))
    removed = links.pop(index)
    _set_video_links(submission, links)
    audit.record(actor, "submission.video_removed", submission, before={"url": removed["url"]})


# --------------------------------------------------------------------------- submit


def allocate_reference_code(cycle: Cycle) -> str:
    """The cycle's next reference code, e.g. GZA7-0042: one atomic UPDATE ... RETURNING, so
    two submissions at the same moment never get the same number (SQLite and PostgreSQL)."""
    table = Cycle.__table__
    number = db.session.execute(
        update(table)
        .where(table.c.id == cycle.id)
        .values(reference_counter=table.c.reference_counter + 1)
        .returning(table.c.reference_counter)
    ).scalar_one()
    db.session.expire(cycle, ["reference_counter"])
    return f"{cycle.reference_prefix}-{number:04d}"


def build_snapshot(submission: Submission) -> dict:
    """The whole application as plain data: frozen in each SubmissionVersion, and what the
    printable view renders."""
    answers = {answer.section_id: answer.body for answer in submission.answers}
    organisation = submission.organisation
    return {
        "schema": 1,
        "reference_code": submission.reference_code,
        "cycle": {"name": submission.cycle.name, "slug": submission.cycle.slug},
        "organisation": {
            "name": organisation.name,
            "city": organisation.city,
            "country_code": organisation.country_code,
            "region": organisation.region,
            "population": organisation.population,
            "level": str(organisation.level),
        },
        "title": submission.title,
        "umbrella_programme": submission.umbrella_programme,
        "summary": submission.summary,
        "start_date": submission.start_date.isoformat() if submission.start_date else None,
        "initiative_status": (
            str(submission.initiative_status) if submission.initiative_status else None
        ),
        "end_date": submission.end_date.isoformat() if submission.end_date else None,
        "domains": [{"key": d.key, "name": d.name} for d in submission.domains],
        "sdgs": list(submission.sdgs or []),
        "contacts": [
            {"name": c.name, "role": c.role, "email": c.email, "phone": c.phone}
            for c in submission.contacts
        ],
        "partners": [p.name for p in submission.partners],
        "sections": [
            {
                "key": s.key,
                "title": s.title,
                "word_limit": s.word_limit,
                "required": s.required,
                "body": answers.get(s.id, ""),
                "words": count_words(answers.get(s.id, "")),
            }
            for s in submission.cycle.sections
        ],
        "attachments": [
            {
                "id": a.id,
                "name": a.original_name,
                "kind": a.kind,
                "content_type": a.content_type,
                "size_bytes": a.size_bytes,
                "caption": a.caption,
                "public": a.public,
                "storage_key": a.storage_key,
            }
            for a in submission.attachments
        ],
        "video_links": list(submission.video_links or []),
        "submitted_at": submission.submitted_at.isoformat() if submission.submitted_at else None,
    }


def submit_submission(submission: Submission, *, actor: User) -> SubmissionVersion:
    """Submit (or resubmit) the application: refused if it is submitted already (a double
    click gets AlreadySubmitted, and exactly one submission happens), past its deadline, or
    incomplete (Incomplete lists what is missing). Allocates the reference code on the first
    submission, freezes a SubmissionVersion and queues the e-mail receipt."""
    submission = _locked(submission)
    if submission.status not in EDITABLE_STATUSES:
        if submission.status == S.SUBMITTED:
            raise AlreadySubmitted(
                _(
                    "This application has been submitted already (reference %(code)s). "
                    "Nothing else needs doing.",
                    code=submission.reference_code,
                )
            )
        ensure_editable(submission)
    ensure_before_deadline(submission)
    ensure_answer_rows(submission)
    missing = missing_items(submission)
    if missing:
        raise Incomplete(
            _("The application is not complete yet. Please fill in what is listed below."),
            missing,
        )
    number = (
        db.session.scalar(
            select(func.coalesce(func.max(SubmissionVersion.number), 0)).where(
                SubmissionVersion.submission_id == submission.id
            )
        )
        + 1
    )
    submission.answers, submission.attachments  # noqa: B018  (loaded before the changes)
    try:
        # On SQLite a concurrent submit of the same entry is caught here: its UPDATE names the
        # lock_version it read, finds no row and raises StaleDataError (PostgreSQL queued it
        # behind our row lock instead, and it saw the new status above).
        with db.session.no_autoflush:
            if submission.reference_code is None:
                submission.reference_code = allocate_reference_code(submission.cycle)
            now = utcnow()
            transition(submission, S.SUBMITTED, actor=actor)
            submission.submitted_at = now
            submission.first_submitted_at = submission.first_submitted_at or now
            version = SubmissionVersion(
                submission=submission,
                number=number,
                snapshot=build_snapshot(submission),
                submitted_at=now,
                submitted_by_id=actor.id,
            )
            db.session.add(version)
        db.session.flush()
    except (StaleDataError, IntegrityError) as exc:
        db.session.rollback()
        status_now = db.session.scalar(
            select(Submission.status).where(Submission.id == submission.id)
        )
        if status_now == S.SUBMITTED:
            raise AlreadySubmitted(
                _("This application has just been submitted by another click or a colleague.")
            ) from exc
        raise StaleEdit(
            _("A colleague changed the application at the same moment. Please submit again.")
        ) from exc
    queue_mail(
        actor.email,
        _l("Application received: %(code)s", code=submission.reference_code),
        "submission_receipt",
        locale=actor.locale,
        user=actor,
        submission=submission,
        version=version,
        link=_absolute("submissions.print_view", submission_id=submission.id),
    )
    return version


def _absolute(endpoint: str, **values) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + url_for(endpoint, **values)


# ----------------------------------------------------------------- revise, withdraw, delete


def reopen_for_revision(submission: Submission, *, actor: User) -> Submission:
    """Take an early-bird entry back to revise it; it keeps its reference code and must be
    submitted again before the final deadline (the earlier version stays on record)."""
    submission = _locked(submission)
    cycle = submission.cycle
    if submission.status != S.SUBMITTED:
        raise DomainError(
            _(
                "Only a submitted application can be reopened; this one is %(status)s.",
                status=status_label(submission.status),
            )
        )
    if (
        cycle.early_bird_deadline is None
        or submission.first_submitted_at is None
        or submission.first_submitted_at > cycle.early_bird_deadline
    ):
        raise DomainError(
            _("Only entries submitted by the early-bird deadline can be revised and resubmitted.")
        )
    ensure_before_deadline(submission)
    transition(submission, S.DRAFT, actor=actor)
    ensure_answer_rows(submission)
    db.session.flush()
    return submission


def withdraw_submission(submission: Submission, *, reason: str, actor: User) -> Submission:
    """Withdraw a submitted entry before the decision, with the applicant's reason."""
    from awards.results.models import Decision, DecisionStatus

    submission = _locked(submission)
    reason = _clean_text(reason).strip()
    if not reason:
        raise DomainError(_("Tell the secretariat why you withdraw."), field="reason")
    if len(reason) > 2000:
        raise DomainError(_("Keep the reason under 2,000 characters."), field="reason")
    if submission.reference_code is None:
        raise DomainError(_("This draft was never submitted: delete it instead."))
    decided = db.session.scalar(
        select(func.count(Decision.id)).where(
            Decision.submission_id == submission.id,
            Decision.status == DecisionStatus.RELEASED,
        )
    )
    if decided or submission.cycle.results_published_at is not None:
        raise DomainError(
            _("A decision on this application has been announced; it can no longer be withdrawn.")
        )
    submission.withdrawn_reason = reason
    transition(submission, S.WITHDRAWN, actor=actor, reason=reason)
    db.session.flush()
    queue_mail(
        actor.email,
        _l("Application withdrawn: %(code)s", code=submission.reference_code),
        "submission_withdrawn",
        locale=actor.locale,
        user=actor,
        submission=submission,
    )
    return submission


def delete_draft(submission: Submission, *, actor: User) -> None:
    """Throw away a draft that was never submitted, with its files."""
    submission = _locked(submission)
    if submission.status != S.DRAFT or submission.reference_code is not None:
        raise DomainError(
            _("Only a draft that was never submitted can be deleted; withdraw it instead.")
        )
    for attachment in submission.attachments:
        _after_commit_delete(attachment.storage_key)
    audit.record(
        actor,
        "submission.deleted",
        ("submissions", submission.id),
        before={"title": submission.title},
    )
    db.session.delete(submission)
    db.session.flush()
