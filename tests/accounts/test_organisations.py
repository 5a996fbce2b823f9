"""Registering the city or regional government an applicant works for."""

from __future__ import annotations

import html

from sqlalchemy import select

from awards.accounts.models import GovernmentLevel, Organisation, User
from tests.accounts.helpers import field_error, input_value
from tests.factories import ApplicantFactory, JudgeFactory, OrganisationFactory, UserFactory


def _organisation_form(**overrides):
    fields = {
        "name": "Alcaldía Mayor de Bogotá",
        "level": "city",
        "country_code": "CO",
        "city": "Bogotá",
        "population": "7900000",
        "website": "https://bogota.gov.co",
    }
    fields.update(overrides)
    return fields


def test_create_organisation_makes_the_founder_a_member(client, login_as, db):
    founder = UserFactory(name="Ana Gómez")
    login_as(founder)
    assert client.get("/organisation").headers["Location"] == "/organisation/new"

    response = client.post("/organisation/new", data=_organisation_form())
    assert response.status_code == 302
    assert response.headers["Location"] == "/applications/"

    organisation = db.session.scalar(select(Organisation))
    assert organisation.name == "Alcaldía Mayor de Bogotá"
    assert organisation.country_code == "CO"
    assert organisation.region == "Americas"
    assert organisation.population == 7_900_000
    assert organisation.level == GovernmentLevel.CITY
    assert db.session.get(User, founder.id).organisation_id == organisation.id

    page = client.get("/organisation")
    assert page.status_code == 200
    assert "Alcaldía Mayor de Bogotá" in html.unescape(page.text)
    assert "Colombia" in page.text
    # A member does not found a second one.
    assert client.get("/organisation/new").headers["Location"] == "/organisation"


def test_create_organisation_duplicate_name_and_country_is_refused_next_to_name(
    client, login_as, db
):
    OrganisationFactory(name="Alcaldía Mayor de Bogotá", country_code="CO", region="Americas")
    login_as(UserFactory())
    response = client.post(
        "/organisation/new", data=_organisation_form(name="alcaldía mayor de bogotá ")
    )
    assert response.status_code == 422
    assert html.unescape(field_error(response.text, "name")) == (
        "Alcaldía Mayor de Bogotá is registered already. Ask one of its members to invite you, "
        "so that you can work on its applications."
    )
    assert html.unescape(input_value(response.text, "city")) == "Bogotá"
    assert input_value(response.text, "population") == "7900000"
    assert db.session.scalar(select(Organisation.id).where(Organisation.city == "Bogotá")) is None


def test_create_organisation_same_name_in_another_country_is_allowed(client, login_as, db):
    OrganisationFactory(name="San José", country_code="CR", region="Americas")
    login_as(UserFactory())
    response = client.post(
        "/organisation/new", data=_organisation_form(name="San José", country_code="US")
    )
    assert response.status_code == 302
    assert db.session.scalars(
        select(Organisation.country_code).order_by(Organisation.country_code)
    ).all() == ["CR", "US"]


def test_create_organisation_bad_inputs_are_refused(client, login_as, db):
    login_as(UserFactory())
    response = client.post(
        "/organisation/new",
        data=_organisation_form(country_code="XX", population="-5", website="bogota"),
    )
    assert response.status_code == 422
    assert field_error(response.text, "country_code") == "Choose a country from the list."
    assert field_error(response.text, "population") == "Enter a number of inhabitants."
    assert field_error(response.text, "website") == "Enter a web address starting with https://"
    assert db.session.scalars(select(Organisation)).all() == []


def test_organisation_pages_are_for_applicants_only(client, login_as, db):
    login_as(JudgeFactory())
    response = client.get("/organisation/new")
    assert response.status_code == 403
    assert "You do not have access to this page" in response.text


def test_organisation_page_lists_only_its_own_members(client, login_as, db):
    ana = ApplicantFactory(name="Ana Gómez")
    ApplicantFactory(name="Someone Elsewhere")
    login_as(ana)
    page = html.unescape(client.get("/organisation").text)
    assert "Ana Gómez" in page
    assert "Someone Elsewhere" not in page
