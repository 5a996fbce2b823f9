"""The database itself refuses rows that break the application's rules."""

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from awards.models import Attachment, Partner, SectionAnswer, Submission, SubmissionVersion
from tests.submissions.conftest import new_draft


def refused(db, change) -> None:
    with pytest.raises(IntegrityError):
        change()
        db.session.flush()
    db.session.rollback()


def test_submitted_entry_without_reference_code_is_rejected(db, draft):
    refused(
        db,
        lambda: db.session.execute(
            update(Submission.__table__)
            .where(Submission.__table__.c.id == draft.id)
            .values(status="submitted")
        ),
    )


def test_reference_codes_are_unique(db, draft, cycle, applicant):
    other = new_draft(cycle, applicant, title="Composting")
    draft.reference_code = "GZA7-0001"
    db.session.commit()
    other_id = other.id

    def clash():
        db.session.get(Submission, other_id).reference_code = "GZA7-0001"

    refused(db, clash)


def test_one_answer_per_section(db, draft):
    section_id = draft.cycle.sections[0].id
    refused(
        db, lambda: db.session.add(SectionAnswer(submission_id=draft.id, section_id=section_id))
    )


def test_answer_versions_are_positive(db, draft):
    refused(
        db,
        lambda: db.session.execute(
            update(SectionAnswer.__table__)
            .where(SectionAnswer.__table__.c.submission_id == draft.id)
            .values(version=0)
        ),
    )


def test_empty_attachment_rows_are_rejected(db, draft):
    refused(
        db,
        lambda: db.session.add(
            Attachment(
                submission_id=draft.id,
                storage_key="attachments/x",
                original_name="x.pdf",
                content_type="application/pdf",
                kind="pdf",
                size_bytes=0,
            )
        ),
    )


def test_partner_names_are_unique_per_application(db, draft):
    def twice():
        db.session.add_all(
            [
                Partner(submission_id=draft.id, name="UN-Habitat", position=0),
                Partner(submission_id=draft.id, name="UN-Habitat", position=1),
            ]
        )

    refused(db, twice)


def test_version_numbers_are_unique_per_application(db, draft):
    from awards.db import utcnow

    def twice():
        for _ in range(2):
            db.session.add(
                SubmissionVersion(
                    submission_id=draft.id, number=1, snapshot={}, submitted_at=utcnow()
                )
            )

    refused(db, twice)


def test_deleting_the_original_clears_the_duplicate_flag(db, cycle, applicant, draft):
    copy = new_draft(cycle, applicant, title="Bike lanes for everyone!")
    assert copy.duplicate_of_id == draft.id
    copy_id = copy.id
    db.session.delete(draft)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Submission, copy_id).duplicate_of_id is None
