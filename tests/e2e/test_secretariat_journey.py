"""The secretariat screens submitted entries and assigns judges in the browser: one entry marked
valid from its page, the rest in bulk from the queue, then the automatic assignment proposed,
reviewed and confirmed; and the screening decision made with the keyboard alone.

The submitted entries, the round and its panel come from factories: the applicants' and the
cycle settings' pages are what other tests are about."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from awards.models import Assignment, AssignmentStatus, Submission, SubmissionStatus
from tests.e2e.test_applicant_journey import sign_in, tab_to
from tests.factories import (
    CycleFactory,
    JudgeFactory,
    OrganisationFactory,
    PanelMemberFactory,
    RoundFactory,
    SecretariatFactory,
    SubmittedEntryFactory,
)

pytestmark = pytest.mark.e2e

ENTRIES = [
    ("GZT-0001", "Bus rapid transit for the periphery", "BR", "Curitiba"),
    ("GZT-0002", "Participatory budgeting online", "PT", "Lisbon"),
    ("GZT-0003", "Waste pickers' cooperatives", "IN", "Pune"),
    ("GZT-0004", "Cooling the city with trees", "AU", "Melbourne"),
]
JUDGES = [("Amina Diallo", "SN"), ("Jonas Berg", "SE"), ("Hana Sato", "JP")]


def make_cycle_to_screen():
    cycle = CycleFactory(name="7th Guangzhou Award", reference_prefix="GZT")
    domains = list(cycle.domains)
    for n, (code, title, country, city) in enumerate(ENTRIES):
        SubmittedEntryFactory(
            cycle=cycle,
            reference_code=code,
            title=title,
            summary=f"{title}, in {city}.",
            organisation=OrganisationFactory(
                name=f"City of {city}", city=city, country_code=country
            ),
            domains=[domains[n % len(domains)]],
        )
    round_ = RoundFactory(cycle=cycle, name="Technical committee", judges_per_entry=2)
    for name, country in JUDGES:
        PanelMemberFactory(
            round=round_, user=JudgeFactory(name=name, country_code=country, city=f"{name} city")
        )
    staff = SecretariatFactory(name="Li Wei", email="li.wei@gz.example")
    return cycle, round_, staff


def test_secretariat_screens_entries_and_confirms_the_automatic_assignment(page, db, mailbox):
    cycle, round_, staff = make_cycle_to_screen()
    round_id = round_.id
    sign_in(page, staff.email)
    page.get_by_role("link", name="Screening", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Screening · 7th Guangzhou Award")
    expect(page.locator("#status-counts")).to_contain_text("submitted: 4")
    expect(page.get_by_text("4 entries match.")).to_be_visible()

    # One entry from its own page.
    page.get_by_role("link", name="GZT-0001").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "GZT-0001 · Bus rapid transit for the periphery"
    )
    expect(page.get_by_role("heading", name="Screening decision")).to_be_visible()
    page.get_by_role("button", name="Mark valid").click()
    expect(page.get_by_role("status").first).to_contain_text("GZT-0001 is valid.")
    expect(page.locator("#status-counts")).to_contain_text("submitted: 3")

    # The other three in bulk from the queue.
    for code in ("GZT-0002", "GZT-0003", "GZT-0004"):
        page.get_by_label(f"Select {code}").check()
    page.get_by_label("Mark the selected entries").select_option("valid")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("status").first).to_contain_text("3 entries changed.")
    page.get_by_role("link", name="All", exact=True).first.click()
    expect(page.locator("#status-counts")).to_contain_text("valid: 4")
    db.session.expire_all()
    statuses = db.session.scalars(select(Submission.status)).all()
    assert statuses == [SubmissionStatus.VALID] * 4

    # The round: propose an assignment, read it, confirm it.
    page.get_by_role("link", name="Cycles", exact=True).first.click()
    page.get_by_role("link", name="7th Guangzhou Award").click()
    page.get_by_role("link", name="Rounds", exact=True).click()
    page.get_by_role("link", name="Technical committee").click()
    page.get_by_role("link", name="Assignment", exact=True).click()
    expect(page.get_by_text("4 entries, 2 judges each.")).to_be_visible()
    page.get_by_role("button", name="Propose an assignment").click()
    expect(page.get_by_role("heading", name="Proposed assignment")).to_be_visible()
    expect(page.get_by_text("Nothing has changed yet.")).to_be_visible()
    expect(page.locator("#proposal-summary")).to_contain_text("8 assignments, 4 entries.")
    expect(page.locator("#proposal-panels tbody tr")).to_have_count(4)
    loads = page.locator("#proposal-loads tbody tr")
    expect(loads).to_have_count(3)
    for name, _country in JUDGES:
        expect(page.locator("#proposal-loads")).to_contain_text(name)
    assert _active_assignments(db, round_id) == 0  # nothing changed before confirming

    page.get_by_role("button", name="Confirm and notify the judges").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "8 assignments made; the judges are told by e-mail."
    )
    expect(page.get_by_role("button", name="Propose an assignment")).to_have_count(0)
    assert _active_assignments(db, round_id) == 8
    for code, *_rest in ENTRIES:
        row = page.get_by_role("row").filter(has_text=code)
        expect(row).to_have_count(1)
        expect(row).to_contain_text(re.compile("|".join(n for n, _c in JUDGES)))


def _active_assignments(db, round_id) -> int:
    db.session.expire_all()
    return db.session.scalar(
        select(func.count()).where(
            Assignment.round_id == round_id, Assignment.status == AssignmentStatus.ACTIVE
        )
    )


def test_screening_decision_can_be_made_with_the_keyboard_alone(page, db):
    _cycle, _round, staff = make_cycle_to_screen()
    sign_in(page, staff.email)
    entry_id = db.session.scalar(
        select(Submission.id).where(Submission.reference_code == "GZT-0003")
    )
    page.goto(f"/secretariat/screening/{entry_id}")
    tab_to(page, "el.textContent.trim() === 'Mark valid'")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Reason", exact=True)).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # "Mark not valid" without a reason: refused, next to it
    expect(page.locator("#reason-error")).to_have_text(
        "Give the reason: the applicant will read it."
    )
    tab_to(page, "el.id === 'reason'")
    page.keyboard.type("The initiative started after the eligibility window.")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Mark not valid")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").first).to_contain_text(
        "GZT-0003 is marked not valid; the applicant is told."
    )
    db.session.expire_all()
    entry = db.session.get(Submission, entry_id)
    assert entry.status == SubmissionStatus.INVALID
    assert entry.invalid_reason == "The initiative started after the eligibility window."
