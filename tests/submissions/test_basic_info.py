"""Step 1: basic information, saved as the applicant types, never silently overwritten."""

from datetime import date, timedelta

import pytest

from awards.db import frozen_clock, utcnow
from awards.errors import DeadlinePassed, StaleEdit
from awards.models import Submission
from awards.submissions import services
from awards.submissions.models import InitiativeStatus
from awards.submissions.queries import eligibility_window
from tests.submissions.conftest import JSON, at, basic_form, new_draft


def reload(db, submission_id) -> Submission:
    return db.session.get(Submission, submission_id)


def test_basic_info_page_shows_the_saved_values(client, login_as, applicant, draft):
    login_as(applicant)
    response = client.get(f"/applications/{draft.id}/basic")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'value="Bike lanes for everyone"' in page
    assert 'data-autosave="awards:' in page
    assert f'name="lock_version" type="hidden" value="{draft.lock_version}"' in page
    assert "11. Sustainable cities and communities" in page


def test_basic_info_saves_every_field_through_the_form(client, login_as, applicant, draft, db):
    login_as(applicant)
    version = draft.lock_version
    response = client.post(f"/applications/{draft.id}/basic", data=basic_form(draft))
    assert response.status_code == 302
    saved = reload(db, draft.id)
    assert saved.lock_version == version + 1
    assert saved.umbrella_programme == "Bogotá moves"
    assert saved.start_date == date(2022, 3, 1)
    assert saved.initiative_status == InitiativeStatus.ONGOING
    assert [d.key for d in saved.domains] == ["social"]
    assert saved.sdgs == [11, 13]
    assert [(c.name, c.email, c.phone) for c in saved.contacts] == [
        ("Ana Applicant", "ana@bogota.gov.co", "+57 1 234 5678")
    ]
    assert [p.name for p in saved.partners] == ["TransMilenio", "World Resources Institute"]


def test_basic_info_autosave_answers_json_with_the_new_version(client, login_as, applicant, draft):
    login_as(applicant)
    version = draft.lock_version
    response = client.post(f"/applications/{draft.id}/basic", data=basic_form(draft), headers=JSON)
    assert response.status_code == 200
    body = response.get_json()
    assert body["ok"] is True
    assert body["version"] == version + 1
    assert body["saved_at"].startswith(str(utcnow().year))
    second = client.post(
        f"/applications/{draft.id}/basic",
        data=basic_form(draft, lock_version=str(body["version"]), title="Bike lanes for all"),
        headers=JSON,
    )
    assert second.status_code == 200
    assert second.get_json()["version"] == body["version"] + 1


def test_partners_and_contacts_can_be_changed_and_removed(client, login_as, applicant, draft, db):
    login_as(applicant)
    client.post(f"/applications/{draft.id}/basic", data=basic_form(draft))
    saved = reload(db, draft.id)
    form = basic_form(
        saved,
        partners="World Resources Institute\nTRANSMILENIO\nUN-Habitat\nun-habitat",
        **{
            "contacts-0-name": "Carlos Colleague",
            "contacts-0-email": "Carlos@Bogota.gov.co",
            "contacts-1-name": "Ana Applicant",
            "contacts-1-email": "ana@bogota.gov.co",
        },
    )
    assert client.post(f"/applications/{draft.id}/basic", data=form).status_code == 302
    saved = reload(db, draft.id)
    assert [p.name for p in saved.partners] == [
        "World Resources Institute",
        "TRANSMILENIO",
        "UN-Habitat",
    ]
    assert [(c.name, c.email) for c in saved.contacts] == [
        ("Carlos Colleague", "carlos@bogota.gov.co"),
        ("Ana Applicant", "ana@bogota.gov.co"),
    ]
    form = basic_form(saved, partners="", **{"contacts-0-name": "", "contacts-0-email": ""})
    form = {k: v for k, v in form.items() if not k.startswith("contacts-0-")}
    assert client.post(f"/applications/{draft.id}/basic", data=form).status_code == 302
    saved = reload(db, draft.id)
    assert saved.partners == []
    assert saved.contacts == []


def test_end_date_outside_the_window_is_refused_and_nothing_is_lost(
    client, login_as, applicant, draft, db
):
    login_as(applicant)
    client.post(f"/applications/{draft.id}/basic", data=basic_form(draft))
    saved = reload(db, draft.id)
    version = saved.lock_version
    earliest, _ = eligibility_window(saved.cycle)
    too_old = (earliest - timedelta(days=1)).isoformat()
    form = basic_form(
        saved,
        title="Bike lanes, revised title",
        initiative_status="completed",
        start_date="2015-01-01",
        end_date=too_old,
    )
    response = client.post(f"/applications/{draft.id}/basic", data=form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f"A completed initiative is eligible if it ended between {earliest.isoformat()}" in page
    assert f"Your date, {too_old}, is outside that window." in page
    assert 'id="end_date-error"' in page
    # What the user typed is still on the page...
    assert 'value="Bike lanes, revised title"' in page
    assert f'value="{too_old}"' in page
    # ...and what was saved before is untouched.
    saved = reload(db, draft.id)
    assert saved.lock_version == version
    assert saved.title == "Bike lanes for everyone"
    assert saved.end_date is None


def test_end_date_outside_the_window_autosave_gets_the_message_per_field(
    client, login_as, applicant, draft
):
    login_as(applicant)
    form = basic_form(draft, initiative_status="completed", end_date="2001-01-01")
    response = client.post(f"/applications/{draft.id}/basic", data=form, headers=JSON)
    assert response.status_code == 422
    body = response.get_json()
    assert body["ok"] is False
    assert "outside that window" in body["errors"]["end_date"][0]
    assert body["version"] == draft.lock_version


def test_completed_initiative_inside_the_window_is_accepted(client, login_as, applicant, draft, db):
    login_as(applicant)
    latest = eligibility_window(draft.cycle)[1]
    form = basic_form(draft, initiative_status="completed", end_date=latest.isoformat())
    assert client.post(f"/applications/{draft.id}/basic", data=form).status_code == 302
    assert reload(db, draft.id).end_date == latest


def test_ongoing_initiative_with_an_end_date_is_refused(client, login_as, applicant, draft):
    login_as(applicant)
    form = basic_form(draft, initiative_status="ongoing", end_date="2024-01-01")
    response = client.post(f"/applications/{draft.id}/basic", data=form, headers=JSON)
    assert response.status_code == 422
    assert (
        "Only a completed initiative has an end date"
        in response.get_json()["errors"]["end_date"][0]
    )


def test_start_date_in_the_future_and_bad_email_are_refused(client, login_as, applicant, draft):
    login_as(applicant)
    future = (utcnow() + timedelta(days=400)).date().isoformat()
    response = client.post(
        f"/applications/{draft.id}/basic",
        data=basic_form(draft, **{"contacts-0-email": "not-an-address"}),
        headers=JSON,
    )
    assert response.status_code == 422
    assert response.get_json()["errors"]["contacts-0-email"] == [
        "Enter an e-mail address like name@city.gov."
    ]
    response = client.post(
        f"/applications/{draft.id}/basic", data=basic_form(draft, start_date=future), headers=JSON
    )
    assert response.status_code == 422
    assert "must have started already" in response.get_json()["errors"]["start_date"][0]


def test_contact_without_email_is_refused_next_to_the_contact(client, login_as, applicant, draft):
    login_as(applicant)
    form = basic_form(draft, **{"contacts-0-email": ""})
    response = client.post(f"/applications/{draft.id}/basic", data=form)
    assert response.status_code == 422
    assert "Give each contact person a name and an e-mail address." in response.get_data(
        as_text=True
    )


def test_stale_step1_save_is_refused_and_keeps_both_texts(
    client, login_as, applicant, colleague, draft, db
):
    """Two members edit step 1 at once: the second save is told, and keeps their text."""
    opened_at_version = draft.lock_version
    login_as(colleague)
    first = client.post(
        f"/applications/{draft.id}/basic",
        data=basic_form(draft, title="Carlos's title"),
        headers=JSON,
    )
    assert first.status_code == 200

    login_as(applicant)
    form = basic_form(draft, title="Ana's title", lock_version=str(opened_at_version))
    response = client.post(f"/applications/{draft.id}/basic", data=form)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "A colleague saved the basic information at" in page
    assert "Your changes are not saved yet and are still in the form" in page
    assert 'value="Ana&#39;s title"' in page
    current = reload(db, draft.id)
    assert current.title == "Carlos's title"
    # The re-rendered form now carries the current version: saving again keeps Ana's text.
    assert f'name="lock_version" type="hidden" value="{current.lock_version}"' in page
    form["lock_version"] = str(current.lock_version)
    assert client.post(f"/applications/{draft.id}/basic", data=form).status_code == 302
    assert reload(db, draft.id).title == "Ana's title"


def test_stale_step1_autosave_answers_409_with_the_current_version(
    client, login_as, applicant, colleague, draft, db
):
    stale = draft.lock_version
    login_as(colleague)
    client.post(f"/applications/{draft.id}/basic", data=basic_form(draft), headers=JSON)
    login_as(applicant)
    response = client.post(
        f"/applications/{draft.id}/basic",
        data=basic_form(draft, title="Mine", lock_version=str(stale)),
        headers=JSON,
    )
    assert response.status_code == 409
    body = response.get_json()
    assert body["conflict"] is True
    assert "A colleague saved the basic information" in body["message"]
    assert body["version"] == reload(db, draft.id).lock_version
    assert reload(db, draft.id).title == "Bike lanes for everyone"


def test_save_after_the_deadline_is_refused_with_the_deadline(
    client, login_as, applicant, draft, db
):
    login_as(applicant)
    deadline = draft.cycle.final_deadline
    with frozen_clock(deadline):
        response = client.post(
            f"/applications/{draft.id}/basic", data=basic_form(draft, title="Late"), headers=JSON
        )
    assert response.status_code == 409
    body = response.get_json()
    assert body["closed"] is True
    assert "The deadline passed on" in body["message"]
    assert "(UTC+8)" in body["message"]
    assert reload(db, draft.id).title == "Bike lanes for everyone"


def test_save_one_second_before_the_deadline_is_accepted(client, login_as, applicant, draft, db):
    login_as(applicant)
    with frozen_clock(draft.cycle.final_deadline - timedelta(seconds=1)):
        response = client.post(
            f"/applications/{draft.id}/basic", data=basic_form(draft, title="Just in time")
        )
    assert response.status_code == 302
    assert reload(db, draft.id).title == "Just in time"


def test_save_basic_info_service_refuses_a_stale_version(draft, applicant):
    data = services.BasicInfo(title="New")
    with pytest.raises(StaleEdit):
        services.save_basic_info(
            draft, data, expected_version=draft.lock_version - 1, actor=applicant
        )


def test_save_basic_info_service_refuses_after_a_personal_deadline(draft, applicant, db):
    draft.personal_deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    with pytest.raises(DeadlinePassed):
        services.save_basic_info(
            draft,
            services.BasicInfo(title="x"),
            expected_version=draft.lock_version,
            actor=applicant,
        )


def test_likely_duplicate_is_flagged_and_shown(client, login_as, applicant, cycle, draft, db):
    other = new_draft(cycle, applicant, title="Bike lanes for every one!")
    assert other.duplicate_of_id == draft.id
    unrelated = new_draft(cycle, applicant, title="Community composting")
    assert unrelated.duplicate_of_id is None
    login_as(applicant)
    page = client.get("/applications/").get_data(as_text=True)
    assert "Possible duplicate of" in page
    page = client.get(f"/applications/{other.id}/basic").get_data(as_text=True)
    assert "Possible duplicate" in page and f"/applications/{draft.id}" in page
    # Renaming the duplicate clears the flag; renaming the other one sets it.
    response = client.post(
        f"/applications/{unrelated.id}/basic",
        data=basic_form(unrelated, title="Bike lanes for everyone"),
        headers=JSON,
    )
    assert response.get_json()["duplicate_of"]["id"] == draft.id
    assert reload(db, unrelated.id).duplicate_of_id == draft.id


def test_window_is_counted_from_the_call_in_the_cycle_zone(cycle, db):
    cycle.opens_at = at(2025, 9, 28, 17, 0)  # 29 Sep 2025, 01:00 in Guangzhou
    cycle.eligibility_years = 2
    with frozen_clock(at(2025, 10, 1, 12)):
        earliest, latest = eligibility_window(cycle)
    assert earliest == date(2023, 9, 29)
    assert latest == date(2025, 10, 1)
