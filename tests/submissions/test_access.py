"""Only the organisation's members reach its applications; everyone else gets a 404."""

import io

import pytest

from awards.models import Attachment
from awards.submissions import services
from tests.factories import JudgeFactory
from tests.submissions.conftest import PDF_BYTES, complete


@pytest.fixture
def application_urls(app, draft, applicant, db):
    """Every URL of the submissions blueprint that names an application, filled in."""
    complete(draft)
    attachment = services.add_attachment(
        draft, services.Upload(io.BytesIO(PDF_BYTES), "plan.pdf"), actor=applicant
    )
    services.submit_submission(draft, actor=applicant)
    services.reopen_for_revision(draft, actor=applicant)
    db.session.commit()
    values = {
        "submission_id": draft.id,
        "attachment_id": db.session.get(Attachment, attachment.id).id,
        "section_id": draft.cycle.sections[0].id,
        "number": 1,
        "index": 0,
    }
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("submissions.") or "submission_id" not in rule.arguments:
            continue
        path = rule.rule
        for name, value in values.items():
            path = path.replace(f"<int:{name}>", str(value))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            urls.append((method, path, rule.endpoint))
    assert len(urls) >= 20
    return urls


def test_another_organisations_applicant_gets_404_everywhere(
    client, login_as, outsider, application_urls
):
    login_as(outsider)
    for method, path, endpoint in application_urls:
        response = client.open(path, method=method)
        assert response.status_code == 404, (method, path, endpoint, response.status_code)


def test_an_applicant_without_organisation_gets_404_everywhere(client, login_as, application_urls):
    from tests.factories import UserFactory

    login_as(UserFactory(organisation=None))
    for method, path, _ in application_urls:
        assert client.open(path, method=method).status_code == 404, (method, path)


def test_a_judge_never_reaches_an_application(client, login_as, application_urls):
    login_as(JudgeFactory())
    for method, path, _ in application_urls:
        status = client.open(path, method=method).status_code
        assert status in (403, 404), (method, path, status)


def test_anonymous_visitors_are_sent_to_sign_in(client, application_urls):
    for method, path, _ in application_urls:
        response = client.open(path, method=method)
        assert response.status_code == 302, (method, path)
        assert "/login" in response.headers["Location"]


def test_the_organisations_members_and_the_secretariat_read_it(
    client, login_as, colleague, staff, draft, application_urls
):
    login_as(colleague)
    assert client.get(f"/applications/{draft.id}").status_code == 200
    assert client.get(f"/applications/{draft.id}/basic").status_code == 200
    login_as(staff)
    assert client.get(f"/applications/{draft.id}/print").status_code == 200
    assert client.get(f"/applications/{draft.id}/versions/1").status_code == 200
    assert client.get(f"/applications/{draft.id}/basic").status_code == 403


def test_every_submissions_view_declares_its_audience(app):
    from awards.accounts.permissions import ACCESS_ATTRIBUTE

    for endpoint, view in app.view_functions.items():
        if endpoint.startswith("submissions."):
            assert getattr(view, ACCESS_ATTRIBUTE, None), endpoint
