"""Results in the browser: the secretariat's ranking of a round (raw and corrected means) at
desktop and phone size, without accessibility violations.

The scored rounds are made with the results services (tests/results/test_publication.py's
award_cycle). The clicks from a ranking to the public results (pre-selection, decisions,
closing, the decision e-mails, publication) and the visitor's results page at desktop and
phone size are test_results_journey.py's."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, axe_violations, screenshot
from tests.e2e.test_applicant_journey import sign_in
from tests.results.conftest import ResultsBuilder
from tests.results.test_publication import award_cycle

pytestmark = pytest.mark.e2e


def test_secretariat_reads_the_ranking_with_raw_and_corrected_means(page, db):
    _cycle, jury, staff = award_cycle(ResultsBuilder(), db)
    sign_in(page, staff.email, f"/secretariat/results/rounds/{jury.id}")
    table = page.locator("table").first
    expect(table.get_by_role("columnheader", name="Raw mean", exact=True)).to_be_visible()
    expect(table.get_by_role("columnheader", name="Corrected mean", exact=True)).to_be_visible()
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
