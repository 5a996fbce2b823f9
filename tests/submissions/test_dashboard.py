"""The applicant dashboard and starting a new application."""

from datetime import timedelta

from sqlalchemy import select

from awards.db import utcnow
from awards.models import AuditEvent, SectionAnswer, Submission
from awards.submissions import services
from tests.factories import ApplicantFactory, CycleFactory, UserFactory
from tests.submissions.conftest import at, complete, new_draft


def test_dashboard_without_organisation_explains_how_to_join(client, login_as):
    login_as(UserFactory(organisation=None))
    page = client.get("/applications/").get_data(as_text=True)
    assert "Register the organisation" in page
    assert "ask a colleague there to invite you" in page
    assert "New application" not in page


def test_dashboard_shows_open_cycle_deadlines_in_utc8_and_local_time(
    client, login_as, applicant, cycle, db
):
    cycle.final_deadline = at(2031, 3, 31, 15, 59)  # 23:59 in Guangzhou
    db.session.commit()
    login_as(applicant)
    page = client.get("/applications/").get_data(as_text=True)
    assert "Mar 31, 2031, 11:59:00\u202fPM" in page or "Mar 31, 2031, 11:59:00 PM" in page
    assert "(UTC+8)" in page
    assert 'datetime="2031-03-31T15:59:00+00:00"' in page
    assert 'data-deadline="2031-03-31T15:59:00+00:00"' in page
    assert f'href="/applications/new/{cycle.slug}"' in page
    assert "/static/js/applicant.js" in page


def test_dashboard_lists_the_organisations_applications_with_next_steps(
    client, login_as, applicant, colleague, cycle, db
):
    draft = new_draft(cycle, applicant, title="Bike lanes")
    ready = complete(new_draft(cycle, colleague, title="Community composting"))
    done = complete(new_draft(cycle, applicant, title="Night markets"))
    services.submit_submission(done, actor=applicant)
    db.session.commit()
    new_draft(cycle, ApplicantFactory(), title="Someone else's initiative")
    login_as(colleague)
    page = client.get("/applications/").get_data(as_text=True)
    assert "Someone else&#39;s initiative" not in page
    assert "Complete the application: 8 item(s) missing." in page
    assert f'href="/applications/{draft.id}/basic#start_date"' in page
    assert "Everything is filled in: submit the application." in page
    assert f'href="/applications/{ready.id}/submit"' in page
    assert "Submitted. The secretariat checks every entry" in page
    assert "GZA7-0001" in page


def test_dashboard_query_count_does_not_grow_with_applications(
    client, login_as, applicant, cycle, db, count_queries
):
    login_as(applicant)
    complete(new_draft(cycle, applicant, title="First initiative"))
    complete(new_draft(cycle, applicant, title="First initiative!"))  # a duplicate, as later
    with count_queries() as few:
        assert client.get("/applications/").status_code == 200
    for n in range(6):
        sub = complete(new_draft(cycle, applicant, title=f"Initiative number {n} of many"))
        if n % 2:
            services.submit_submission(sub, actor=applicant)
    db.session.commit()
    with count_queries() as many:
        page = client.get("/applications/").get_data(as_text=True)
    assert page.count('<tr data-submission="') == 8
    assert len(many) == len(few)


def test_new_application_starts_a_draft_with_empty_sections(client, login_as, applicant, cycle, db):
    login_as(applicant)
    form = client.get(f"/applications/new/{cycle.slug}").get_data(as_text=True)
    assert "Title of the initiative" in form
    response = client.post(f"/applications/new/{cycle.slug}", data={"title": "  Bike  lanes "})
    assert response.status_code == 302
    submission = db.session.scalar(select(Submission))
    assert response.headers["Location"].endswith(f"/applications/{submission.id}/basic")
    assert submission.title == "Bike lanes"
    assert submission.organisation_id == applicant.organisation_id
    assert submission.created_by_id == applicant.id
    answers = db.session.scalars(
        select(SectionAnswer).where(SectionAnswer.submission_id == submission.id)
    ).all()
    assert sorted(a.body for a in answers) == ["", "", "", ""]
    assert (
        db.session.scalar(select(AuditEvent.action).where(AuditEvent.subject_id == submission.id))
        == "submission.created"
    )


def test_new_application_needs_a_title(client, login_as, applicant, cycle):
    login_as(applicant)
    response = client.post(f"/applications/new/{cycle.slug}", data={"title": ""})
    assert response.status_code == 422
    assert "Give the initiative a title." in response.get_data(as_text=True)


def test_new_application_in_a_closed_cycle_is_refused(client, login_as, applicant, db):
    closed = CycleFactory(
        opens_at=utcnow() - timedelta(days=90), final_deadline=utcnow() - timedelta(days=1)
    )
    login_as(applicant)
    page = client.get(f"/applications/new/{closed.slug}").get_data(as_text=True)
    assert "This call for applications is not open." in page
    response = client.post(f"/applications/new/{closed.slug}", data={"title": "Late idea"})
    assert response.status_code == 422
    assert "is not open" in response.get_data(as_text=True)
    assert db.session.scalar(select(Submission)) is None


def test_new_application_flags_a_likely_duplicate(client, login_as, applicant, cycle, db):
    new_draft(cycle, applicant, title="Bike lanes for everyone")
    login_as(applicant)
    response = client.post(
        f"/applications/new/{cycle.slug}", data={"title": "Bike-lanes for everyone"}
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your organisation has an application with a very similar title already." in page


def test_unknown_cycle_is_404(client, login_as, applicant):
    login_as(applicant)
    assert client.get("/applications/new/no-such-cycle").status_code == 404
