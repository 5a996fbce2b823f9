"""A city official registers, confirms the address from the e-mail, signs in and registers the
organisation: through the user interface only."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import axe_violations, mail_link, screenshot

pytestmark = pytest.mark.e2e


def test_applicant_registers_confirms_and_creates_organisation(
    page, live_server, mailbox, deliver_mail
):
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Guangzhou International Award")
    page.get_by_role("link", name="Register your city").first.click()

    page.get_by_label("Your full name").fill("Ana María Restrepo")
    page.get_by_label("Work e-mail address").fill("ana.restrepo@bogota.gov.co")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_label("Repeat the password").fill("short")
    page.get_by_role("button", name="Create my account").click()
    # A bad password: the message sits next to the field, and what was typed is still there.
    expect(page.locator("#password-error")).to_contain_text("at least 10 characters")
    expect(page.get_by_label("Your full name")).to_have_value("Ana María Restrepo")
    expect(page.get_by_label("Work e-mail address")).to_have_value("ana.restrepo@bogota.gov.co")

    page.get_by_label("Password", exact=True).fill("bogota-innovates-2026")
    page.get_by_label("Repeat the password").fill("bogota-innovates-2026")
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()

    deliver_mail()
    page.goto(mail_link(mailbox, "ana.restrepo@bogota.gov.co"))
    expect(page.get_by_role("status").or_(page.get_by_role("alert")).first).to_contain_text(
        "your e-mail address is confirmed"
    )

    page.get_by_label("E-mail address").fill("ana.restrepo@bogota.gov.co")
    page.get_by_label("Password").fill("bogota-innovates-2026")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My applications")).to_be_visible()
    page.get_by_role("link", name="Register the organisation").click()

    page.get_by_label("Name of the city or regional government").fill("Alcaldía Mayor de Bogotá")
    page.get_by_label("Country", exact=True).select_option("CO")
    page.get_by_label("City", exact=True).fill("Bogotá")
    page.get_by_label("Population").fill("7900000")
    page.get_by_role("button", name="Register the organisation").click()
    expect(page.get_by_role("status").first).to_contain_text("Your organisation is registered")
    page.get_by_role("link", name="My organisation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Alcaldía Mayor de Bogotá")
    expect(page.get_by_text("Bogotá, Colombia · Americas")).to_be_visible()
    assert axe_violations(page) == []
    screenshot(page, "applicant-organisation-desktop")


def test_sign_in_form_can_be_completed_with_the_keyboard_alone(page, db):
    from tests.factories import PASSWORD, ApplicantFactory

    user = ApplicantFactory(email="keyboard@example.org")
    page.goto("/login")
    page.get_by_label("E-mail address").focus()
    page.keyboard.type(user.email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="My applications")).to_be_visible()
