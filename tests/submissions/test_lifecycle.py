"""After submission: early-bird revision, withdrawal, deleting a draft."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from awards.db import frozen_clock, utcnow
from awards.errors import DomainError
from awards.models import (
    AuditEvent,
    Decision,
    DecisionStatus,
    Outcome,
    Submission,
    SubmissionStatus,
)
from awards.submissions import services
from tests.factories import RoundFactory
from tests.submissions.conftest import (
    JSON,
    PDF_BYTES,
    answer_of,
    complete,
    section_of,
)


def reload(db, submission_id) -> Submission:
    return db.session.get(Submission, submission_id)


@pytest.fixture
def submitted(draft, applicant, db):
    complete(draft)
    services.submit_submission(draft, actor=applicant)
    db.session.commit()
    return draft


def test_early_bird_entry_can_be_revised_and_resubmitted(
    client, login_as, applicant, submitted, db
):
    login_as(applicant)
    overview = client.get(f"/applications/{submitted.id}").get_data(as_text=True)
    assert "Revise and resubmit" in overview
    response = client.post(f"/applications/{submitted.id}/reopen")
    assert response.status_code == 302
    saved = reload(db, submitted.id)
    assert saved.status == SubmissionStatus.DRAFT
    assert saved.reference_code == "GZA7-0001"  # kept
    section = section_of(saved, "background")
    version = answer_of(saved.id, section.id).version
    edit = client.post(
        f"/applications/{saved.id}/sections/{section.id}",
        data={f"s{section.id}-body": "Revised after feedback.", f"s{section.id}-version": version},
        headers=JSON,
    )
    assert edit.status_code == 200
    assert client.post(f"/applications/{saved.id}/submit").status_code == 302
    saved = reload(db, submitted.id)
    assert saved.status == SubmissionStatus.SUBMITTED
    assert saved.reference_code == "GZA7-0001"
    first, second = saved.versions
    assert first.snapshot["sections"][0]["body"].startswith("word word")
    assert second.snapshot["sections"][0]["body"] == "Revised after feedback."
    assert saved.first_submitted_at == first.submitted_at


def test_reopened_entry_warns_that_it_must_be_submitted_again(
    client, login_as, applicant, submitted
):
    login_as(applicant)
    response = client.post(f"/applications/{submitted.id}/reopen")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Submit it again before" in page
    assert "Submit your revised application again before the deadline." in page


def test_entry_submitted_after_the_early_bird_deadline_cannot_be_reopened(applicant, draft, db):
    complete(draft)
    with frozen_clock(draft.cycle.early_bird_deadline + timedelta(hours=1)):
        services.submit_submission(draft, actor=applicant)
        db.session.commit()
        with pytest.raises(DomainError, match="Only entries submitted by the early-bird"):
            services.reopen_for_revision(draft, actor=applicant)


def test_revision_ends_at_the_final_deadline(client, login_as, applicant, submitted, db):
    login_as(applicant)
    with frozen_clock(submitted.cycle.final_deadline):
        response = client.post(f"/applications/{submitted.id}/reopen")
    assert response.status_code == 302
    assert reload(db, submitted.id).status == SubmissionStatus.SUBMITTED
    with frozen_clock(submitted.cycle.final_deadline):
        page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The deadline passed on" in page


def test_withdraw_needs_a_reason(client, login_as, applicant, submitted, db):
    login_as(applicant)
    response = client.post(f"/applications/{submitted.id}/withdraw", data={"reason": "  "})
    assert response.status_code == 422
    assert "Tell the secretariat why you withdraw." in response.get_data(as_text=True)
    assert reload(db, submitted.id).status == SubmissionStatus.SUBMITTED


def test_withdraw_with_a_reason_is_recorded_and_confirmed(
    client, login_as, applicant, submitted, db, deliver_mail, mailbox
):
    login_as(applicant)
    response = client.post(
        f"/applications/{submitted.id}/withdraw",
        data={"reason": "The project lost its funding."},
    )
    assert response.status_code == 302
    saved = reload(db, submitted.id)
    assert saved.status == SubmissionStatus.WITHDRAWN
    assert saved.withdrawn_reason == "The project lost its funding."
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "submission.withdrawn"))
    assert (event.actor_id, event.subject_id, event.message) == (
        applicant.id,
        submitted.id,
        "The project lost its funding.",
    )
    deliver_mail()
    [receipt, notice] = mailbox.messages_to(applicant.email)
    assert notice["Subject"] == "Application withdrawn: GZA7-0001"
    assert "The project lost its funding." in notice.get_content()
    page = client.get(f"/applications/{submitted.id}").get_data(as_text=True)
    assert "The project lost its funding." in page
    assert "Withdraw the application" not in page


def test_withdraw_after_a_released_decision_is_refused(applicant, staff, submitted, db):
    round_ = RoundFactory(cycle=submitted.cycle)
    db.session.add(
        Decision(
            round=round_,
            submission=submitted,
            outcome=Outcome.SHORTLISTED,
            status=DecisionStatus.RELEASED,
            released_at=utcnow(),
        )
    )
    db.session.commit()
    with pytest.raises(DomainError, match="A decision on this application has been announced"):
        services.withdraw_submission(submitted, reason="Changed our minds", actor=applicant)


def test_a_valid_entry_can_still_be_withdrawn(applicant, staff, submitted, db):
    from awards.submissions.workflow import transition

    transition(submitted, SubmissionStatus.VALID, actor=staff)
    db.session.commit()
    services.withdraw_submission(submitted, reason="Merged with another entry", actor=applicant)
    assert submitted.status == SubmissionStatus.WITHDRAWN


def test_withdrawn_entry_is_not_a_duplicate_target(cycle, applicant, submitted, db):
    from tests.submissions.conftest import new_draft

    services.withdraw_submission(submitted, reason="Replaced", actor=applicant)
    db.session.commit()
    again = new_draft(cycle, applicant, title="Bike lanes for everyone")
    assert again.duplicate_of_id is None


def test_never_submitted_draft_can_be_deleted_with_its_files(
    client, login_as, applicant, draft, db, storage
):
    import io

    login_as(applicant)
    client.post(
        f"/applications/{draft.id}/attachments",
        data={"file": (io.BytesIO(PDF_BYTES), "plan.pdf")},
        content_type="multipart/form-data",
    )
    key = reload(db, draft.id).attachments[0].storage_key
    overview = client.get(f"/applications/{draft.id}").get_data(as_text=True)
    assert "Delete this draft" in overview
    assert "Withdraw the application" not in overview
    response = client.post(f"/applications/{draft.id}/delete")
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(Submission.id))) == 0
    assert storage.head(key) is None


def test_submitted_entry_cannot_be_deleted(applicant, submitted):
    with pytest.raises(DomainError, match="withdraw it instead"):
        services.delete_draft(submitted, actor=applicant)


def test_files_of_a_submitted_version_are_kept_when_replaced_in_a_revision(
    client, login_as, applicant, draft, db, storage
):
    import io

    complete(draft)
    login_as(applicant)
    client.post(
        f"/applications/{draft.id}/attachments",
        data={"file": (io.BytesIO(PDF_BYTES), "v1.pdf")},
        content_type="multipart/form-data",
    )
    client.post(f"/applications/{draft.id}/submit")
    client.post(f"/applications/{draft.id}/reopen")
    saved = reload(db, draft.id)
    old_key = saved.attachments[0].storage_key
    response = client.post(f"/applications/{draft.id}/attachments/{saved.attachments[0].id}/delete")
    assert response.status_code == 302
    assert storage.head(old_key) is not None  # version 1 still refers to it
    assert saved.versions[0].snapshot["attachments"][0]["storage_key"] == old_key
