"""Validity screening: the queue and its counts, valid, invalid with a reason, clarification,
bulk actions and likely duplicates."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from awards.core.models import AuditEvent, OutboxMessage
from awards.db import frozen_clock
from awards.errors import DomainError
from awards.models import Submission, SubmissionStatus
from awards.screening import queries, services
from tests.factories import (
    ApplicantFactory,
    OrganisationFactory,
    SubmissionFactory,
    SubmittedEntryFactory,
    ValidEntryFactory,
)

NOW = datetime(2026, 4, 10, 2, 0, tzinfo=UTC)


@pytest.fixture
def nairobi(db):
    return OrganisationFactory(
        name="Nairobi City County", city="Nairobi", country_code="KE", region="Africa"
    )


@pytest.fixture
def entry(db, cycle, nairobi):
    ApplicantFactory(organisation=nairobi, email="officer@nairobi.go.ke", name="Wanjiru")
    return SubmittedEntryFactory(
        cycle=cycle, organisation=nairobi, reference_code="GZT-0042", title="Green Nairobi"
    )


def _status(db, submission_id):
    return db.session.get(Submission, submission_id).status


def test_queue_lists_submitted_entries_with_counts(as_staff, db, cycle, entry):
    bogota = OrganisationFactory(name="Bogotá", country_code="CO", region="Americas")
    SubmittedEntryFactory(cycle=cycle, organisation=bogota, title="Bike lanes")
    ValidEntryFactory(cycle=cycle, organisation=bogota, title="Night buses")
    SubmissionFactory(cycle=cycle, title="Still a draft")
    page = as_staff.get(f"/secretariat/screening/?cycle={cycle.id}").get_data(as_text=True)
    assert "Green Nairobi" in page and "Bike lanes" in page
    assert "Night buses" not in page  # the queue shows submitted entries by default
    assert "Still a draft" not in page
    assert "submitted: <strong>2</strong>" in page
    assert "valid: <strong>1</strong>" in page
    assert "Americas: 2" in page and "Africa: 1" in page
    assert "Colombia (CO): 2" in page and "Kenya (KE): 1" in page


def test_counts_are_grouped_in_the_database(db, cycle, entry):
    SubmittedEntryFactory(
        cycle=cycle, organisation=OrganisationFactory(country_code="FR", region="Europe")
    )
    counts = queries.counts(cycle.id)
    assert counts["status"] == [(SubmissionStatus.SUBMITTED, 2)]
    assert sorted(counts["region"]) == [("Africa", 1), ("Europe", 1)]
    assert sorted(counts["country"]) == [("FR", 1), ("KE", 1)]


def test_queue_filters_by_region_and_search(as_staff, db, cycle, entry):
    SubmittedEntryFactory(
        cycle=cycle,
        title="Paris canals",
        organisation=OrganisationFactory(country_code="FR", region="Europe"),
    )
    cycle_id = cycle.id
    page = as_staff.get(f"/secretariat/screening/?cycle={cycle_id}&region=Europe").get_data(
        as_text=True
    )
    assert "Paris canals" in page and "Green Nairobi" not in page
    page = as_staff.get(f"/secretariat/screening/?cycle={cycle_id}&q=gzt-0042").get_data(
        as_text=True
    )
    assert "Green Nairobi" in page and "Paris canals" not in page


def test_mark_valid(as_staff, db, entry):
    entry_id = entry.id
    response = as_staff.post(f"/secretariat/screening/{entry_id}/valid")
    assert response.status_code == 302
    assert _status(db, entry_id) == SubmissionStatus.VALID
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.subject_id == entry_id))
    assert (event.action, event.before, event.after) == (
        "submission.marked_valid",
        {"status": "submitted"},
        {"status": "valid"},
    )


def test_mark_invalid_needs_a_reason(as_staff, db, entry):
    entry_id = entry.id
    response = as_staff.post(f"/secretariat/screening/{entry_id}/invalid", data={"reason": "  "})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Give the reason: the applicant will read it." in page
    assert 'id="reason-error"' in page
    assert _status(db, entry_id) == SubmissionStatus.SUBMITTED


def test_mark_invalid_keeps_the_reason_and_mails_the_applicant(
    as_staff, db, entry, mailbox, deliver_mail
):
    entry_id = entry.id
    reason = "The initiative is run by a private company, not a local government."
    response = as_staff.post(f"/secretariat/screening/{entry_id}/invalid", data={"reason": reason})
    assert response.status_code == 302
    saved = db.session.get(Submission, entry_id)
    assert (saved.status, saved.invalid_reason) == (SubmissionStatus.INVALID, reason)
    deliver_mail()
    assert [m["To"] for m in mailbox.messages] == ["officer@nairobi.go.ke"]
    assert mailbox.messages[0]["Subject"] == "Your entry GZT-0042 is not valid"
    assert reason in mailbox.messages[0].get_content()


def test_clarification_reopens_the_entry_with_a_personal_deadline(
    as_staff, db, cycle, entry, mailbox, deliver_mail
):
    entry_id = entry.id
    with frozen_clock(NOW):
        response = as_staff.post(
            f"/secretariat/screening/{entry_id}/clarification",
            data={"message": "Please add the 2024 budget figures.", "deadline": "2026-04-20T18:00"},
        )
    assert response.status_code == 302
    saved = db.session.get(Submission, entry_id)
    assert saved.status == SubmissionStatus.CLARIFICATION
    assert saved.secretariat_message == "Please add the 2024 budget figures."
    assert saved.personal_deadline == datetime(2026, 4, 20, 10, 0, tzinfo=UTC)  # 18:00 UTC+8
    deliver_mail()
    body = mailbox.messages[0].get_content()
    assert "Please add the 2024 budget figures." in body
    assert "April 20, 2026" in body and "6:00:00" in body and "UTC+8" in body


def test_clarification_with_a_past_deadline_is_refused(as_staff, db, entry):
    entry_id = entry.id
    with frozen_clock(NOW):
        response = as_staff.post(
            f"/secretariat/screening/{entry_id}/clarification",
            data={"message": "Budget?", "deadline": "2026-04-09T18:00"},
        )
    assert response.status_code == 422
    assert "The personal deadline must be in the future." in response.get_data(as_text=True)
    assert _status(db, entry_id) == SubmissionStatus.SUBMITTED
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_clarification_without_a_message_is_refused(as_staff, db, entry):
    response = as_staff.post(
        f"/secretariat/screening/{entry.id}/clarification",
        data={"message": "", "deadline": "2099-01-01T00:00"},
    )
    assert response.status_code == 422
    assert "Write what the applicant should clarify or complete." in response.get_data(as_text=True)


def test_a_change_the_workflow_does_not_allow_is_refused(db, cycle, staff):
    withdrawn = SubmittedEntryFactory(cycle=cycle, status=SubmissionStatus.WITHDRAWN)
    with pytest.raises(DomainError) as exc:
        services.mark_valid(withdrawn, actor=staff)
    assert exc.value.message == "This application is withdrawn; it cannot become valid."


def test_bulk_valid_changes_what_it_can_and_reports_the_rest(as_staff, db, cycle):
    first = SubmittedEntryFactory(cycle=cycle)
    second = SubmittedEntryFactory(cycle=cycle)
    clarifying = SubmittedEntryFactory(
        cycle=cycle, status=SubmissionStatus.CLARIFICATION, reference_code="GZT-0900"
    )
    ids = [first.id, second.id, clarifying.id]
    response = as_staff.post(
        f"/secretariat/screening/bulk?cycle={cycle.id}",
        data={"ids": [str(i) for i in ids], "action": "valid"},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "2 entries changed." in page
    assert "GZT-0900: This application is waiting for clarification" in page
    assert [_status(db, i) for i in ids] == [
        SubmissionStatus.VALID,
        SubmissionStatus.VALID,
        SubmissionStatus.CLARIFICATION,
    ]


def test_bulk_invalid_needs_a_reason(as_staff, db, cycle):
    entry = SubmittedEntryFactory(cycle=cycle)
    entry_id = entry.id
    response = as_staff.post(
        f"/secretariat/screening/bulk?cycle={cycle.id}",
        data={"ids": [str(entry_id)], "action": "invalid", "reason": ""},
    )
    assert response.status_code == 422
    assert "Give the reason: the applicants will read it." in response.get_data(as_text=True)
    assert _status(db, entry_id) == SubmissionStatus.SUBMITTED


def test_bulk_invalid_mails_each_applicant(db, cycle, staff):
    entries = []
    for n in range(3):
        organisation = OrganisationFactory()
        ApplicantFactory(organisation=organisation, email=f"city{n}@example.org")
        entries.append(SubmittedEntryFactory(cycle=cycle, organisation=organisation))
    result = services.bulk_screen(
        entries, actor=staff, action="invalid", reason="Outside the eligibility window."
    )
    db.session.commit()
    assert len(result.done) == 3 and result.skipped == []
    assert sorted(db.session.scalars(select(OutboxMessage.to_address))) == [
        "city0@example.org",
        "city1@example.org",
        "city2@example.org",
    ]


def test_bulk_ignores_entries_of_another_cycle(as_staff, db, cycle):
    from tests.factories import CycleFactory

    elsewhere = SubmittedEntryFactory(cycle=CycleFactory())
    elsewhere_id = elsewhere.id
    as_staff.post(
        f"/secretariat/screening/bulk?cycle={cycle.id}",
        data={"ids": [str(elsewhere_id)], "action": "valid"},
    )
    assert _status(db, elsewhere_id) == SubmissionStatus.SUBMITTED


def test_marked_duplicate_is_shown_and_compared_side_by_side(as_staff, db, cycle, entry):
    twin = SubmittedEntryFactory(
        cycle=cycle, duplicate_of_id=entry.id, reference_code="GZT-0043", title="Greener Nairobi 2"
    )
    entry_id, twin_id = entry.id, twin.id
    page = as_staff.get(f"/secretariat/screening/{entry_id}").get_data(as_text=True)
    assert "Compare with GZT-0043" in page
    page = as_staff.get(f"/secretariat/screening/{entry_id}/compare/{twin_id}").get_data(
        as_text=True
    )
    assert "GZT-0042" in page and "GZT-0043" in page
    assert "Green Nairobi" in page and "Greener Nairobi 2" in page


def test_similar_titles_of_one_organisation_are_likely_duplicates(db, cycle, nairobi, entry):
    same = SubmittedEntryFactory(cycle=cycle, organisation=nairobi, title="Green  nairobi!")
    different = SubmittedEntryFactory(cycle=cycle, organisation=nairobi, title="Water kiosks")
    elsewhere = SubmittedEntryFactory(cycle=cycle, title="Green Nairobi")  # another city
    assert [s.id for s in queries.likely_duplicates(entry)] == [same.id]
    assert queries.duplicate_flags([entry, different, elsewhere]) == {entry.id}


def test_queue_flags_likely_duplicates(as_staff, db, cycle, nairobi, entry):
    SubmittedEntryFactory(cycle=cycle, organisation=nairobi, title="Green Nairobi.")
    page = as_staff.get(f"/secretariat/screening/?cycle={cycle.id}").get_data(as_text=True)
    assert page.count("possible duplicate") == 2


def test_a_draft_is_not_visible_to_screening(as_staff, db, cycle):
    draft = SubmissionFactory(cycle=cycle)
    assert as_staff.get(f"/secretariat/screening/{draft.id}").status_code == 404


def test_entry_page_offers_the_actions_the_status_allows(as_staff, db, cycle):
    valid = ValidEntryFactory(cycle=cycle)
    page = as_staff.get(f"/secretariat/screening/{valid.id}").get_data(as_text=True)
    assert "Mark not valid" in page
    assert "Mark valid</button>" not in page
    assert "Ask for clarification" not in page


def test_database_rejects_invalid_without_a_reason(db, cycle):
    from sqlalchemy.exc import IntegrityError

    entry = SubmittedEntryFactory(cycle=cycle)
    entry.status = SubmissionStatus.INVALID
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_clarification_default_deadline_is_not_in_the_past(as_staff, db, cycle, entry):
    with frozen_clock(datetime.now(UTC) + timedelta(days=400)):
        page = as_staff.get(f"/secretariat/screening/{entry.id}").get_data(as_text=True)
    assert 'name="deadline"' in page


def test_queue_queries_do_not_grow_with_the_number_of_entries(as_staff, db, cycle):
    from sqlalchemy import event

    cycle_id = cycle.id

    def count_queries():
        statements = []

        def count(*_args, **_kwargs):
            statements.append(1)

        db.session.remove()
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            as_staff.get(f"/secretariat/screening/?cycle={cycle_id}&status=all")
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    from awards.models import Cycle

    SubmittedEntryFactory(cycle=db.session.get(Cycle, cycle_id))
    few = count_queries()
    for _ in range(15):
        SubmittedEntryFactory(cycle=db.session.get(Cycle, cycle_id))
    assert count_queries() == few
    page = as_staff.get(f"/secretariat/screening/?cycle={cycle_id}").get_data(as_text=True)
    assert "16 entries match." in page
