"""The entry page: a judge reaches only entries assigned to them (anything else is a 404), sees
the application as submitted minus the round's hidden fields, and opens attachments through
a permission check and a short-lived link."""

import io
import urllib.request
from html import unescape

import pytest
from sqlalchemy import select

from awards.models import (
    AssignmentStatus,
    Attachment,
    Contact,
    Partner,
    Review,
    RoundStatus,
    SectionAnswer,
    SubmissionStatus,
)
from tests.factories import ApplicantFactory, JudgeFactory, SecretariatFactory
from tests.judging.scoring_setup import form_data, make_setting

ENDPOINTS = ["", "/autosave", "/conflict"]


def _fill_application(db, setting, storage):
    """Give the first entry the details a real application has, and two stored files."""
    submission = setting.submissions[0]
    org = submission.organisation
    org.name, org.city, org.country_code, org.region = (
        "Alcaldía de Medellín",
        "Medellín",
        "CO",
        "Americas",
    )
    org.population, org.website = 2_600_000, "https://www.medellin.gov.co"
    submission.summary = "Cable cars connect hillside comunas to the metro."
    submission.umbrella_programme = "Urbanismo social"
    submission.video_links = ["https://video.example.org/metrocable", "javascript:alert(1)"]
    submission.contacts.append(Contact(name="Ana Gómez", role="Director", email="ana@medellin.co"))
    submission.partners.append(Partner(name="Empresa de Transporte Masivo"))
    sections = {s.key: s for s in setting.cycle.sections}
    submission.answers.append(
        SectionAnswer(section_id=sections["background"].id, body="Steep slopes, no transport.")
    )
    submission.answers.append(
        SectionAnswer(section_id=sections["innovation"].id, body="Aerial cable as mass transit.")
    )
    files = {}
    for name, kind, content_type, payload in [
        ("Impact report.pdf", "pdf", "application/pdf", b"%PDF-1.4 impact"),
        ("Budget.docx", "docx", "application/vnd.openxmlformats", b"PK budget"),
    ]:
        key = storage.new_key("attachments")
        storage.put(key, io.BytesIO(payload), content_type=content_type)
        attachment = Attachment(
            storage_key=key,
            original_name=name,
            content_type=content_type,
            kind=kind,
            size_bytes=len(payload),
            caption=f"{name} caption",
        )
        submission.attachments.append(attachment)
        files[name] = attachment
    db.session.commit()
    return {name: a.id for name, a in files.items()}


def test_entry_page_shows_the_application_as_submitted(client, login_as, db, storage):
    setting = make_setting()
    _fill_application(db, setting, storage)
    login_as(setting.judge)
    html = unescape(client.get(setting.entry_url()).get_data(as_text=True))
    for expected in [
        "Alcaldía de Medellín",
        "https://www.medellin.gov.co",
        "Medellín",
        "Colombia",
        "Americas",
        "2,600,000",
        "Urbanismo social",
        "Cable cars connect hillside comunas to the metro.",
        "Steep slopes, no transport.",
        "Aerial cable as mass transit.",
        "Ana Gómez, Director",
        "Empresa de Transporte Masivo",
        "Impact report.pdf",
        "Budget.docx",
        '<a href="https://video.example.org/metrocable" rel="noopener noreferrer"',
    ]:
        assert expected in html, expected
    assert 'href="javascript:alert(1)"' not in html
    assert "ana@medellin.co" not in html  # judges need no contact details to judge
    assert "No answer." in html  # the outcomes section is empty
    assert "Hidden from judges in this round" not in html


def test_entry_page_hides_the_rounds_blind_fields(client, login_as, db, storage):
    setting = make_setting(
        blind_fields=[
            "organisation",
            "city",
            "country",
            "contacts",
            "partners",
            "section:innovation",
            "attachments",
        ]
    )
    files = _fill_application(db, setting, storage)
    login_as(setting.judge)
    html = unescape(client.get(setting.entry_url()).get_data(as_text=True))
    for hidden in [
        "Alcaldía de Medellín",
        "www.medellin.gov.co",
        "Medellín",
        "Colombia",
        "Ana Gómez",
        "Empresa de Transporte Masivo",
        "Aerial cable as mass transit.",
        "Impact report.pdf",
    ]:
        assert hidden not in html, hidden
    assert "Steep slopes, no transport." in html  # a section not hidden
    assert "Americas" in html  # the region is not hidden here
    assert (
        "Hidden from judges in this round: Applying government and its website, City, Country, "
        "Contact persons, Partners, Attachments, Innovation." in html
    )
    url = f"{setting.entry_url()}/attachments/{files['Impact report.pdf']}"
    assert client.get(url).status_code == 404


def test_attachment_opens_through_a_short_lived_link(client, login_as, db, storage):
    setting = make_setting()
    files = _fill_application(db, setting, storage)
    login_as(setting.judge)
    response = client.get(f"{setting.entry_url()}/attachments/{files['Impact report.pdf']}")
    assert response.status_code == 302
    assert response.headers["Cache-Control"] == "no-store"
    link = response.headers["Location"]
    assert "X-Amz-Expires=120" in link
    with urllib.request.urlopen(link, timeout=10) as download:
        assert download.read() == b"%PDF-1.4 impact"
        assert download.headers["Content-Disposition"].startswith("inline;")
    response = client.get(f"{setting.entry_url()}/attachments/{files['Budget.docx']}")
    with urllib.request.urlopen(response.headers["Location"], timeout=10) as download:
        assert download.read() == b"PK budget"
        assert download.headers["Content-Disposition"].startswith("attachment;")


def test_attachment_of_another_entry_is_not_found(client, login_as, db, storage):
    setting = make_setting(entries=2)
    files = _fill_application(db, setting, storage)
    login_as(setting.judge)
    other_entry = setting.entry_url(setting.submission_ids[1])
    response = client.get(f"{other_entry}/attachments/{files['Impact report.pdf']}")
    assert response.status_code == 404
    assert client.get(f"{setting.entry_url()}/attachments/999999").status_code == 404


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_entry_not_assigned_to_the_judge_is_not_found(client, login_as, db, endpoint):
    setting = make_setting(judges=2, entries=1)
    outsider = JudgeFactory()
    login_as(outsider)
    url = setting.entry_url() + endpoint
    assert client.get(url).status_code in (404, 405)
    assert client.post(url, data=form_data(setting, 5) | {"reason": "x"}).status_code == 404
    assert db.session.scalars(select(Review)).all() == []


@pytest.mark.parametrize(
    "change",
    ["recused", "removed", "draft round", "withdrawn", "other round", "no such entry"],
)
def test_entry_outside_an_active_assignment_in_an_opened_round_is_not_found(
    client, login_as, db, change
):
    setting = make_setting()
    url = setting.entry_url()
    if change == "recused":
        setting.assignment().status = AssignmentStatus.RECUSED
    elif change == "removed":
        setting.assignment().status = AssignmentStatus.REMOVED
    elif change == "draft round":
        setting.round.status = RoundStatus.DRAFT
    elif change == "withdrawn":
        setting.submissions[0].status = SubmissionStatus.WITHDRAWN
    elif change == "other round":
        url = setting.entry_url(round_=setting.round_id + 1000)
    elif change == "no such entry":
        url = setting.entry_url(setting.submission_ids[0] + 1000)
    db.session.commit()
    login_as(setting.judge)
    assert client.get(url).status_code == 404
    assert client.post(url, data=form_data(setting, 5)).status_code == 404
    assert client.post(url + "/autosave", data=form_data(setting, 5)).status_code == 404
    assert db.session.scalars(select(Review)).all() == []


def test_entry_page_is_for_judges_only(client, login_as, db):
    setting = make_setting()
    url = setting.entry_url()
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/login?next={url}"
    login_as(ApplicantFactory())
    assert client.get(url).status_code == 403
    login_as(SecretariatFactory())
    assert client.get(url).status_code == 403


def test_entry_page_before_the_round_opens_is_readable_but_not_editable(client, login_as, db):
    from datetime import timedelta

    from awards.db import utcnow

    setting = make_setting()
    setting.round.opens_at = utcnow() + timedelta(days=1)
    db.session.commit()
    login_as(setting.judge)
    html = unescape(client.get(setting.entry_url()).get_data(as_text=True))
    assert "This round is not open for scoring yet. You can read the entry now." in html
    assert "Submit review" not in html
