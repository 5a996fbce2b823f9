"""Submit: a checklist until complete, then one reference code, a frozen version, a receipt."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from awards.db import frozen_clock, utcnow
from awards.models import Cycle, OutboxMessage, Submission, SubmissionStatus, SubmissionVersion
from awards.submissions import services
from tests.conftest import IsolatedClient
from tests.submissions.conftest import (
    JSON,
    answer_of,
    basic_form,
    complete,
    new_draft,
    section_of,
)


def versions_of(db, submission_id):
    return list(
        db.session.scalars(
            select(SubmissionVersion)
            .where(SubmissionVersion.submission_id == submission_id)
            .order_by(SubmissionVersion.number)
        )
    )


def reload(db, submission_id) -> Submission:
    return db.session.get(Submission, submission_id)


def test_submit_page_lists_what_is_missing_with_links(client, login_as, applicant, draft):
    login_as(applicant)
    page = client.get(f"/applications/{draft.id}/submit").get_data(as_text=True)
    assert "Still missing before you can submit" in page
    for anchor, label in [
        ("basic#start_date", "The start date"),
        ("basic#initiative_status", "Whether the initiative is ongoing or completed"),
        ("basic#contacts", "At least one contact person"),
        ("basic#domains", "At least one domain"),
        ("basic#sdgs", "At least one Sustainable Development Goal"),
        ("initiative#section-background", "Section “Background”"),
        ("initiative#section-outcomes", "Section “Outcomes and evidence”"),
    ]:
        assert f'href="/applications/{draft.id}/{anchor}">{label}</a>' in page
    assert "Replicability" not in page  # optional
    assert "Submit the application</button>" not in page


def test_incomplete_submit_is_refused_with_the_list(client, login_as, applicant, draft, db):
    login_as(applicant)
    response = client.post(f"/applications/{draft.id}/submit")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "The application is not complete yet. Please fill in what is listed below." in page
    assert "At least one contact person" in page
    saved = reload(db, draft.id)
    assert saved.status == SubmissionStatus.DRAFT
    assert saved.reference_code is None
    assert db.session.get(Cycle, draft.cycle_id).reference_counter == 0


def test_section_over_its_limit_blocks_the_submission(client, login_as, applicant, draft, db):
    complete(draft)
    section = section_of(draft, "background")
    section.word_limit = 5  # the secretariat lowered it after the text was written
    db.session.commit()
    login_as(applicant)
    response = client.post(f"/applications/{draft.id}/submit")
    assert response.status_code == 422
    assert "Section “Background” is 15 words over its limit of 5" in response.get_data(as_text=True)


def test_complete_submit_allocates_a_code_freezes_a_version_and_sends_a_receipt(
    client, login_as, applicant, draft, db, deliver_mail, mailbox
):
    complete(draft)
    login_as(applicant)
    response = client.post(f"/applications/{draft.id}/submit")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/applications/{draft.id}/submitted")
    saved = reload(db, draft.id)
    assert saved.status == SubmissionStatus.SUBMITTED
    assert saved.reference_code == "GZA7-0001"
    assert saved.submitted_at == saved.first_submitted_at
    [version] = versions_of(db, draft.id)
    assert version.number == 1
    assert version.submitted_by_id == applicant.id
    snapshot = version.snapshot
    assert snapshot["reference_code"] == "GZA7-0001"
    assert snapshot["title"] == "Bike lanes for everyone"
    assert snapshot["sdgs"] == [11, 13]
    assert snapshot["contacts"][0]["email"] == "ana@bogota.gov.co"
    assert [s["key"] for s in snapshot["sections"]] == [
        "background",
        "innovation",
        "outcomes",
        "replicability",
    ]
    assert snapshot["sections"][0]["words"] == 20

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="reference-code">GZA7-0001<' in page
    assert "A receipt is on its way to" in page

    assert deliver_mail() == (1, 0)
    [mail] = mailbox.messages_to(applicant.email)
    assert mail["Subject"] == "Application received: GZA7-0001"
    body = mail.get_content()
    assert "Reference code: GZA7-0001" in body
    assert "Initiative: Bike lanes for everyone" in body
    assert "(UTC+8)" in body
    assert f"http://localhost/applications/{draft.id}/print" in body


def test_reference_codes_count_up_per_cycle(cycle, applicant, db):
    first = complete(new_draft(cycle, applicant, title="Bike lanes"))
    second = complete(new_draft(cycle, applicant, title="Community composting"))
    services.submit_submission(first, actor=applicant)
    services.submit_submission(second, actor=applicant)
    db.session.commit()
    assert [reload(db, first.id).reference_code, reload(db, second.id).reference_code] == [
        "GZA7-0001",
        "GZA7-0002",
    ]
    assert db.session.get(Cycle, cycle.id).reference_counter == 2


def test_allocate_reference_code_is_one_atomic_update(cycle, db):
    cycle.reference_counter = 41
    db.session.commit()
    assert services.allocate_reference_code(cycle) == "GZA7-0042"
    assert cycle.reference_counter == 42  # the loaded object was refreshed


def test_submitted_application_is_read_only(client, login_as, applicant, draft, db):
    complete(draft)
    login_as(applicant)
    client.post(f"/applications/{draft.id}/submit")
    saved = reload(db, draft.id)
    response = client.post(
        f"/applications/{draft.id}/basic", data=basic_form(saved, title="Changed"), headers=JSON
    )
    assert response.status_code == 409
    assert response.get_json()["message"] == (
        "This application has been submitted (reference GZA7-0001) and is read-only."
    )
    section = section_of(saved, "background")
    response = client.post(
        f"/applications/{draft.id}/sections/{section.id}",
        data={f"s{section.id}-body": "Changed", f"s{section.id}-version": "2"},
        headers=JSON,
    )
    assert response.status_code == 422
    assert answer_of(draft.id, section.id).body.startswith("word word")
    # The edit pages lead back to the read-only overview.
    assert client.get(f"/applications/{draft.id}/basic").status_code == 302
    overview = client.get(f"/applications/{draft.id}").get_data(as_text=True)
    assert "Bike lanes for everyone" in overview
    assert "1. Basic information" not in overview


def test_second_submit_is_refused_cleanly(client, login_as, applicant, draft, db, deliver_mail):
    complete(draft)
    login_as(applicant)
    assert client.post(f"/applications/{draft.id}/submit").status_code == 302
    again = client.post(f"/applications/{draft.id}/submit")
    assert again.status_code == 302
    assert again.headers["Location"].endswith(f"/applications/{draft.id}/submitted")
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "This application has been submitted already (reference GZA7-0001)." in page
    assert len(versions_of(db, draft.id)) == 1
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 1


def test_double_clicked_submit_produces_exactly_one_submission(app, applicant, draft, db):
    """Submits of the same entry at the same moment: one wins, the others are refused. On
    PostgreSQL fifty at once (row locks decide); SQLite serialises writers, so two suffice."""
    clicks = 50 if db.engine.dialect.name == "postgresql" else 2
    complete(draft)
    url = f"/applications/{draft.id}/submit"
    clients = [IsolatedClient(app, app.response_class, use_cookies=True) for _ in range(clicks)]
    for client in clients:
        with client.session_transaction() as session:
            session["_user_id"] = str(applicant.id)
            session["_fresh"] = True
    barrier = threading.Barrier(clicks)
    statuses: list[int] = []

    def click(client):
        barrier.wait()
        statuses.append(client.post(url).status_code)

    threads = [threading.Thread(target=click, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [302] * clicks
    db.session.expire_all()
    saved = reload(db, draft.id)
    assert saved.status == SubmissionStatus.SUBMITTED
    assert saved.reference_code == "GZA7-0001"
    assert len(versions_of(db, draft.id)) == 1
    assert db.session.get(Cycle, draft.cycle_id).reference_counter == 1
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 1


def test_submit_after_the_final_deadline_is_refused_and_the_text_stays(
    client, login_as, applicant, draft, db
):
    complete(draft)
    login_as(applicant)
    with frozen_clock(draft.cycle.final_deadline):
        response = client.post(f"/applications/{draft.id}/submit")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "The deadline passed on" in page
    assert "can no longer be changed or submitted" in page
    saved = reload(db, draft.id)
    assert saved.status == SubmissionStatus.DRAFT
    assert answer_of(draft.id, section_of(saved, "background").id).body.startswith("word")


def test_submit_one_second_before_the_deadline_is_accepted(applicant, draft, db):
    complete(draft)
    with frozen_clock(draft.cycle.final_deadline - timedelta(seconds=1)):
        services.submit_submission(draft, actor=applicant)
    assert draft.status == SubmissionStatus.SUBMITTED


def test_personal_deadline_lets_a_reopened_entry_submit_after_the_final_deadline(
    applicant, draft, db
):
    complete(draft)
    final = draft.cycle.final_deadline
    draft.personal_deadline = final + timedelta(days=3)
    db.session.commit()
    with frozen_clock(final + timedelta(days=1)):
        services.submit_submission(draft, actor=applicant)
    assert draft.status == SubmissionStatus.SUBMITTED


def test_clarification_entry_is_resubmitted_with_a_new_version(applicant, staff, draft, db):
    from awards.submissions.workflow import transition

    complete(draft)
    services.submit_submission(draft, actor=applicant)
    transition(draft, SubmissionStatus.CLARIFICATION, actor=staff, reason="Add the budget")
    draft.personal_deadline = utcnow() + timedelta(days=2)
    db.session.commit()
    services.submit_submission(draft, actor=applicant)
    db.session.commit()
    assert draft.status == SubmissionStatus.SUBMITTED
    assert draft.reference_code == "GZA7-0001"
    assert [v.number for v in versions_of(db, draft.id)] == [1, 2]


def test_submit_service_refuses_an_incomplete_entry_with_its_items(draft, applicant):
    with pytest.raises(services.Incomplete) as excinfo:
        services.submit_submission(draft, actor=applicant)
    assert [item.anchor for item in excinfo.value.items][:3] == [
        "start_date",
        "initiative_status",
        "contacts",
    ]


def test_printable_view_shows_the_whole_application(client, login_as, applicant, draft):
    complete(draft)
    login_as(applicant)
    page = client.get(f"/applications/{draft.id}/print").get_data(as_text=True)
    assert "Bike lanes for everyone" in page
    assert "City of Bogotá" in page
    assert "11. Sustainable cities and communities" in page
    assert "Ana Applicant (Director)" in page
    assert "Outcomes and evidence" in page
    assert "data-print" in page
    assert "Draft, not submitted" in page


def test_each_submitted_version_stays_readable(client, login_as, applicant, draft, db):
    complete(draft)
    services.submit_submission(draft, actor=applicant)
    db.session.commit()
    login_as(applicant)
    page = client.get(f"/applications/{draft.id}/versions/1").get_data(as_text=True)
    assert "Version 1, submitted" in page
    assert "GZA7-0001" in page
    assert client.get(f"/applications/{draft.id}/versions/2").status_code == 404
