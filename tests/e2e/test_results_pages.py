"""Results in the browser: the secretariat's ranking of a round (raw and corrected means) and
the public results page a visitor without an account reads, at desktop and phone size.

The scored rounds, the decisions, closing and publishing are made with the results services
(tests/results/test_publication.py's award_cycle): the clicks through those steps are not
covered by a browser journey yet (see the module's report)."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from awards.db import frozen_clock, utcnow
from awards.results import services
from tests.e2e.conftest import PHONE, axe_violations, screenshot
from tests.e2e.test_applicant_journey import sign_in
from tests.results.conftest import ResultsBuilder
from tests.results.test_publication import award_cycle

pytestmark = pytest.mark.e2e


def test_secretariat_reads_the_ranking_with_raw_and_corrected_means(page, db):
    _cycle, jury, staff = award_cycle(ResultsBuilder(), db)
    sign_in(page, staff.email, f"/secretariat/results/rounds/{jury.id}")
    table = page.locator("table").first
    expect(table.get_by_role("columnheader", name="Mean")).to_be_visible()
    expect(table.get_by_role("columnheader", name="Corrected")).to_be_visible()
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Bogotá initiative")
    expect(rows.nth(1)).to_contain_text("Chalandri initiative")
    assert axe_violations(page) == []
    screenshot(page, "desktop-results-ranking")
    page.set_viewport_size(PHONE)
    page.reload()
    assert axe_violations(page) == []
    screenshot(page, "phone-results-ranking")


def test_visitor_reads_the_published_results_without_an_account(page, db):
    cycle, jury, staff = award_cycle(ResultsBuilder(), db)
    with frozen_clock(utcnow() + timedelta(hours=1)):
        services.close_round(jury, actor=staff)
    with frozen_clock(utcnow() + timedelta(hours=2)):
        services.publish_results(cycle, actor=staff)
    db.session.commit()

    page.goto("/results/gza6")
    expect(page.get_by_role("heading", level=1)).to_contain_text("6th Guangzhou Award")
    expect(page.get_by_role("heading", name="Winners")).to_be_visible()
    expect(page.get_by_role("heading", name="Medal of Honor")).to_be_visible()
    expect(page.get_by_text("Bogotá initiative").first).to_be_visible()
    expect(page.get_by_text("Chalandri initiative").first).to_be_visible()
    expect(page.get_by_text("Kampala initiative").first).to_be_visible()
    expect(page.get_by_text("Tehran")).to_have_count(0)  # not selected is never public
    expect(page.get_by_text("Sign out")).to_have_count(0)
    assert axe_violations(page) == []
    screenshot(page, "desktop-results-public")
    page.set_viewport_size(PHONE)
    page.reload()
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "phone-results-public")
