"""Fixtures for the applicant journey: an open cycle, two colleagues of one city, an outsider,
and helpers that fill in an application completely."""

from __future__ import annotations

import io
import zipfile
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, select

from awards.db import utcnow
from awards.extensions import db as _db
from awards.models import Cycle, FormSection, SectionAnswer, Submission
from tests.factories import (
    ApplicantFactory,
    CycleFactory,
    OrganisationFactory,
    SecretariatFactory,
)

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + b"x" * 2000
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 200
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\x00" * 200
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 500 + b"This program cannot be run"


def office_bytes(kind: str = "docx", *, macros: bool = False) -> bytes:
    main_part = {
        "docx": "word/document.xml",
        "pptx": "ppt/presentation.xml",
        "xlsx": "xl/workbook.xml",
    }[kind]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(main_part, "<document/>")
        if macros:
            archive.writestr("word/vbaProject.bin", b"\x00" * 64)
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def request_ctx(app):
    """Services format their messages in the user's language, so they run inside a request:
    one for the whole test (the client's own requests are isolated from it)."""
    ctx = app.test_request_context()
    ctx.push()
    yield
    ctx.pop()


@pytest.fixture
def cycle(db) -> Cycle:
    now = utcnow()
    return CycleFactory(
        name="7th Guangzhou Award",
        slug="gza7",
        reference_prefix="GZA7",
        opens_at=now - timedelta(days=60),
        early_bird_deadline=now + timedelta(days=10),
        final_deadline=now + timedelta(days=40),
    )


@pytest.fixture
def organisation(db):
    return OrganisationFactory(name="City of Bogotá", country_code="CO", region="Americas")


@pytest.fixture
def applicant(organisation):
    return ApplicantFactory(name="Ana Applicant", organisation=organisation)


@pytest.fixture
def colleague(organisation):
    return ApplicantFactory(name="Carlos Colleague", organisation=organisation)


@pytest.fixture
def outsider(db):
    return ApplicantFactory(name="Olga Outsider")


@pytest.fixture
def staff(db):
    return SecretariatFactory(name="Li Wei")


def new_draft(cycle, applicant, title="Bike lanes for everyone") -> Submission:
    from awards.submissions import services

    submission = services.create_submission(
        cycle=cycle, organisation=applicant.organisation, title=title, actor=applicant
    )
    _db.session.commit()
    return submission


@pytest.fixture
def draft(cycle, applicant) -> Submission:
    return new_draft(cycle, applicant)


def complete(submission: Submission, *, words: int = 20) -> Submission:
    """Fill in everything the checklist asks for, directly in the database."""
    from awards.models import Contact

    submission = _db.session.get(Submission, submission.id)
    submission.start_date = date(2022, 3, 1)
    submission.initiative_status = "ongoing"
    submission.sdgs = [11, 13]
    submission.domains = [submission.cycle.domains[0]]
    submission.contacts.append(
        Contact(name="Ana Applicant", role="Director", email="ana@bogota.gov.co", position=0)
    )
    for section in submission.cycle.sections:
        answer = _db.session.scalar(
            select(SectionAnswer).where(
                SectionAnswer.submission_id == submission.id,
                SectionAnswer.section_id == section.id,
            )
        )
        answer.body = " ".join(["word"] * words)
        answer.version += 1
    _db.session.commit()
    return submission


def basic_form(submission: Submission, **overrides) -> dict:
    """A full step-1 form post, as the browser sends it."""
    data = {
        "lock_version": str(submission.lock_version),
        "title": "Bike lanes for everyone",
        "umbrella_programme": "Bogotá moves",
        "summary": "Protected bike lanes across the city.",
        "start_date": "2022-03-01",
        "initiative_status": "ongoing",
        "end_date": "",
        "domains": [str(submission.cycle.domains[0].id)],
        "sdgs": ["11", "13"],
        "contacts-0-name": "Ana Applicant",
        "contacts-0-role": "Director of mobility",
        "contacts-0-email": "ana@bogota.gov.co",
        "contacts-0-phone": "+57 1 234 5678",
        "partners": "TransMilenio\nWorld Resources Institute",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def section_of(submission: Submission, key: str) -> FormSection:
    return next(s for s in submission.cycle.sections if s.key == key)


def answer_of(submission_id: int, section_id: int) -> SectionAnswer:
    return _db.session.scalar(
        select(SectionAnswer)
        .where(SectionAnswer.submission_id == submission_id, SectionAnswer.section_id == section_id)
        .execution_options(populate_existing=True)
    )


JSON = {"Accept": "application/json"}


@pytest.fixture
def count_queries(app):
    """Count the SQL statements run inside a block: `with count_queries() as counter: ...`."""

    @contextmanager
    def _count():
        statements: list[str] = []

        def before(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        engine = _db.engine
        event.listen(engine, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", before)

    return _count


def at(year, month, day, hour=0, minute=0, second=0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
