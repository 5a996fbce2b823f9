"""From scores to public results in the browser: the secretariat reads the Technical
Committee's ranking (raw and corrected means), pre-selects and changes a decision by hand,
closes the round and sends its letters; adds the jury round, its panel and its assignment,
opens it; picks the winners from the jury's ranking, closes it, reads the decision e-mails
before releasing them; and publishes. A visitor without an account then reads the results.

Every secretariat step is a click. Only the starting data come from factories (a cycle whose
committee round has every review submitted) and, once the jury round is assigned through the
user interface, the jury's submitted reviews: the judges' own pages are test_judge_journey.py's
subject."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from awards.models import (
    Assignment,
    AssignmentStatus,
    Criterion,
    Cycle,
    Decision,
    DecisionStatus,
    Round,
    RoundKind,
    RoundStatus,
)
from tests.e2e.conftest import DESKTOP, PHONE, _new_page, axe_violations, screenshot
from tests.e2e.test_applicant_journey import sign_in
from tests.factories import (
    ApplicantFactory,
    OrganisationFactory,
    ValidEntryFactory,
    make_review,
)
from tests.results.conftest import ResultsBuilder

pytestmark = pytest.mark.e2e

CYCLE = "9th Guangzhou Award"
SLUG = "gz9"

# (code, title, city, country, committee judge, score out of 10). A harsh judge and a lenient
# one each scored three entries (one criterion, 0 to 10, so a total is ten times the score).
ENTRIES = [
    ("GZ9-0001", "Bus lanes up the hillside", "Medellín", "CO", "harsh", 7),
    ("GZ9-0002", "Rain gardens on every roof", "Rotterdam", "NL", "lenient", 9),
    ("GZ9-0003", "Night markets for street vendors", "Penang", "MY", "lenient", 8),
    ("GZ9-0004", "Schools that open at weekends", "Kigali", "RW", "harsh", 3),
    ("GZ9-0005", "Public toilets mapped online", "Surabaya", "ID", "harsh", 2),
    ("GZ9-0006", "Cool roofs for markets", "Accra", "GH", "lenient", 7),
]
TITLE = {code: title for code, title, *_rest in ENTRIES}


def applicant_email(code: str) -> str:
    return f"mayor.office@{code.lower()}.city.example"


# The committee's ranking by corrected mean. Harsh judge: totals 70, 30, 20 (mean 40, SD
# 26.46); lenient: 90, 80, 70 (mean 80, SD 10); the round: mean 60, SD 28.28. Each total is
# put on the round's scale (60 + z * 28.28): Medellín's 70 from the harsh judge becomes 92.1
# and Accra's 70 from the lenient one 31.7, the same raw mean at opposite ends.
# (rank, code, raw mean, corrected mean, pre-selected outcome)
COMMITTEE_RANKING = [
    ("1", "GZ9-0001", "70.0", "92.1", "shortlisted"),
    ("2", "GZ9-0002", "90.0", "88.3", "shortlisted"),
    ("3", "GZ9-0003", "80.0", "60.0", "shortlisted"),
    ("4", "GZ9-0004", "30.0", "49.3", "deserving"),
    ("5", "GZ9-0005", "20.0", "38.6", "deserving"),
    ("6", "GZ9-0006", "70.0", "31.7", "not selected"),
]
# The jury (two judges, both on every shortlisted entry; too few reviews each to correct
# severity, so corrected = raw): (code, scores of the two jurors, mean)
JURY_SCORES = [
    ("GZ9-0001", (8, 7), "75.0"),
    ("GZ9-0002", (9, 10), "95.0"),
    ("GZ9-0003", (6, 7), "65.0"),
]
JURORS = [("Amina Diallo", "SN"), ("Jonas Berg", "SE")]


def make_scored_cycle():
    """The cycle, its criterion, its open committee round with every review submitted, and
    two jurors who are not on any panel yet."""
    build = ResultsBuilder()
    cycle = build.cycle(name=CYCLE, slug=SLUG, reference_prefix="GZ9")
    impact = build.criterion(cycle, "Impact", low=0, high=10)
    committee = build.round(
        cycle, [impact], select_limit=3, deserving_limit=2, severity_min_reviews=3
    )
    judges = {
        "harsh": build.judge(name="Ingrid Holm", country_code="NO", city="Bergen"),
        "lenient": build.judge(name="Kwame Mensah", country_code="ZA", city="Durban"),
    }
    for code, title, city, country, judge, score in ENTRIES:
        organisation = OrganisationFactory(name=f"City of {city}", city=city, country_code=country)
        entry = ValidEntryFactory(
            cycle=cycle,
            organisation=organisation,
            created_by=ApplicantFactory(email=applicant_email(code), organisation=organisation),
            reference_code=code,
            title=title,
            summary=f"How {city} did it: {title.lower()}.",
        )
        build.review(committee, judges[judge], entry, [score])
    for name, country in JURORS:
        build.judge(name=name, country_code=country, city=f"{name} city")
    staff = build.staff(name="Li Wei", email="li.wei@gz.example")
    return cycle, staff


def click_and_confirm(page: Page, button, question: str) -> None:
    """Click a button that asks first (data-confirm), check the question, and say yes."""
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    button.click()
    assert asked == [question]


def flash(page: Page):
    return page.locator("main > .alert").first


def ranking_rows(page: Page, round_name: str):
    return page.get_by_role("table", name=f"Ranking of {round_name}").locator("tbody tr")


def expect_ranking(page: Page, round_name: str, expected: list[tuple[str, ...]]) -> None:
    """Rows of (rank, code, raw mean, corrected mean, outcome), in this order."""
    rows = ranking_rows(page, round_name)
    expect(rows).to_have_count(len(expected))
    for index, (rank, code, mean, corrected, outcome) in enumerate(expected):
        cells = rows.nth(index).locator("td")
        expect(cells.nth(0)).to_have_text(rank)
        expect(cells.nth(1)).to_contain_text(f"{code} {TITLE[code]}")
        expect(cells.nth(3)).to_have_text(mean)
        expect(cells.nth(4)).to_have_text(corrected)
        expect(cells.last).to_contain_text(re.compile(rf"^\s*{outcome}\b"))


def change_decision(
    page: Page,
    round_name: str,
    code: str,
    change: tuple[str, str],
    reason: str,
    *,
    forget_reason=False,
) -> None:
    """From the ranking: a decision's page, the outcome changed (from the pre-selected one) and
    the reason given (with `forget_reason`, a first save without it, refused by the field)."""
    preselected, outcome = change
    page.get_by_role("link", name=f"Change {code}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{code} · {TITLE[code]}")
    expect(page.get_by_text(f"Pre-selected from the ranking: {preselected}.")).to_be_visible()
    expect(page.get_by_label("Outcome")).to_have_value(re.sub(r"\W", "_", preselected.lower()))
    page.get_by_label("Outcome").select_option(label=outcome)
    if forget_reason:
        page.get_by_role("button", name="Save the decision").click()
        expect(page.locator("#reason-error")).to_have_text(
            "Say why this entry's outcome differs from the ranking."
        )
    page.get_by_label("Reason").fill(reason)
    page.get_by_role("button", name="Save the decision").click()
    expect(flash(page)).to_contain_text(f"{code}: {outcome}.")
    expect(page.get_by_role("heading", level=1)).to_have_text(round_name)


def send_letters(page: Page, n: int) -> None:
    """On a closed round's Notifications tab: write the letters and see them held, unsent."""
    page.get_by_role("link", name="Notifications", exact=True).click()
    expect(
        page.get_by_text(f"Decisions: {n} draft, 0 written and held, 0 released")
    ).to_be_visible()
    page.get_by_role("button", name="Write the notification e-mails").click()
    expect(flash(page)).to_contain_text(
        "The notifications are written and held. Read them, then release them."
    )
    expect(
        page.get_by_text(f"Decisions: 0 draft, {n} written and held, 0 released")
    ).to_be_visible()
    expect(
        page.get_by_text(re.compile(rf"^{n} e-mails are held \(batch round-\d+-"))
    ).to_contain_text("Nothing has been sent.")
    expect(page.locator("article")).to_have_count(n)


def release_letters(page: Page, n: int) -> None:
    click_and_confirm(
        page,
        page.get_by_role("button", name="Release: send them"),
        f"Send these {n} e-mails to the applicants now?",
    )
    expect(flash(page)).to_contain_text(f"{n} notifications released: the worker is sending them.")
    expect(
        page.get_by_text(f"Decisions: 0 draft, 0 written and held, {n} released")
    ).to_be_visible()
    expect(page.get_by_text("Every decision of this round has been notified.")).to_be_visible()
    expect(page.locator("article")).to_have_count(0)


def subjects_to(mailbox, code: str) -> list[str]:
    # Python's e-mail generator folds a subject too long for the "Subject:" line onto the
    # next one whole, and its parser then keeps the folding space: mail clients trim it.
    return [m["Subject"].strip() for m in mailbox.messages_to(applicant_email(code))]


def test_secretariat_takes_the_scores_to_public_results(
    page, browser, live_server, db, mailbox, deliver_mail
):
    cycle, staff = make_scored_cycle()
    cycle_id = cycle.id

    # 1. The committee's ranking, raw and corrected.
    sign_in(page, staff.email)
    page.get_by_role("link", name="Results", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Results")
    card = page.locator("section.card", has=page.get_by_role("heading", name=CYCLE))
    expect(card).to_contain_text("Not published")
    committee_row = card.get_by_role("row").filter(has_text="Technical committee")
    expect(committee_row).to_contain_text("1. Technical committee")
    expect(committee_row).to_contain_text("Open")
    expect(card.locator("tbody tr")).to_have_count(1)
    committee_row.get_by_role("link", name="Ranking").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Technical committee")
    expect(page.locator("#ranking-order")).to_have_text(
        "Ranked by corrected mean; ties broken by median, then more reviews, then reference code."
    )
    expect(
        page.get_by_text("6 reviews counted, 0 still in draft, 0 no longer counting")
    ).to_be_visible()
    table = page.get_by_role("table", name="Ranking of Technical committee")
    headers = table.get_by_role("columnheader")
    expect(headers.nth(3)).to_have_text("Raw mean")
    expect(headers.nth(4)).to_have_text("Corrected mean")
    expect_ranking(
        page,
        "Technical committee",
        [
            (rank, code, mean, corrected, "not decided")
            for rank, code, mean, corrected, _o in COMMITTEE_RANKING
        ],
    )

    # 2. Pre-selected from the ranking, then one decision changed by hand.
    click_and_confirm(
        page,
        page.get_by_role("button", name="Pre-select from the ranking"),
        "Pre-select the outcomes from the current ranking? Changes made by hand are replaced.",
    )
    expect(flash(page)).to_contain_text(
        "Decisions pre-selected from the ranking (shortlisted: 3, deserving: 2, not selected: 1)."
    )
    expect_ranking(page, "Technical committee", COMMITTEE_RANKING)
    expect(page.get_by_text("Shortlisted: 3 / 3", exact=True)).to_be_visible()
    expect(page.get_by_text("Deserving: 2 / 2", exact=True)).to_be_visible()

    change_decision(
        page,
        "Technical committee",
        "GZ9-0005",
        ("deserving", "not selected"),
        "The committee found no evidence of results yet.",
        forget_reason=True,
    )
    final_committee = [
        *COMMITTEE_RANKING[:4],
        ("5", "GZ9-0005", "20.0", "38.6", "not selected"),
        COMMITTEE_RANKING[5],
    ]
    expect_ranking(page, "Technical committee", final_committee)
    expect(ranking_rows(page, "Technical committee").nth(4)).to_contain_text("by hand")
    expect(page.get_by_text("Deserving: 1 / 2", exact=True)).to_be_visible()
    expect(page.get_by_text("Not selected: 2", exact=True)).to_be_visible()

    # 3. Closed and frozen; its letters written, then sent.
    click_and_confirm(
        page,
        page.get_by_role("button", name="Close and freeze the round"),
        "Close this round? Its reviews, ranking and decisions are frozen for good, and the "
        "next round starts from its shortlist.",
    )
    expect(flash(page)).to_contain_text(
        "Technical committee is closed; its ranking of 6 entries is frozen."
    )
    expect(
        page.get_by_text("This round is closed. The ranking below is the one frozen when it closed")
    ).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Closed · "))).to_be_visible()
    expect(page.get_by_role("button", name="Pre-select from the ranking")).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("^Change "))).to_have_count(0)
    expect_ranking(page, "Technical committee", final_committee)

    send_letters(page, 6)
    release_letters(page, 6)
    deliver_mail()
    assert subjects_to(mailbox, "GZ9-0001") == [
        "Your initiative is shortlisted: Bus lanes up the hillside"
    ]
    assert subjects_to(mailbox, "GZ9-0004") == [
        "Your initiative is recognised as deserving: Schools that open at weekends"
    ]
    assert subjects_to(mailbox, "GZ9-0005") == [
        "The Technical Committee's decision on Public toilets mapped online"
    ]

    # 4. The jury round: added, given a panel, opened and assigned.
    page.get_by_role("link", name="Cycles", exact=True).first.click()
    page.get_by_role("link", name=CYCLE).click()
    page.get_by_role("link", name="Rounds", exact=True).click()
    page.get_by_role("link", name="Add a round").click()
    page.get_by_label("Name", exact=True).fill("Jury")
    page.get_by_label("Kind").select_option(label="Jury (winners)")
    expect(page.get_by_label("Impact")).to_be_checked()
    page.get_by_label("Judges per entry").fill("2")
    page.get_by_label("Entries to select").fill("1")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(flash(page)).to_contain_text("Round added.")
    jury_row = page.get_by_role("row").filter(has_text="Jury")
    expect(jury_row).to_contain_text("draft")
    jury_row.get_by_role("link", name="Jury").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Jury")
    page.get_by_role("link", name="Panel", exact=True).click()
    for name, country in JURORS:
        page.get_by_label(re.compile(rf"^{name} · .* · {country}$")).check()
    page.get_by_role("button", name="Add to the panel").click()
    expect(flash(page)).to_contain_text("2 judges added to the panel.")
    expect(page.get_by_role("heading", name="On the panel (2)")).to_be_visible()

    page.get_by_role("link", name="Overview", exact=True).click()
    click_and_confirm(
        page, page.get_by_role("button", name="Open the round"), "Open this round to its judges?"
    )
    expect(flash(page)).to_contain_text("Jury is open to its judges.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("open")

    page.get_by_role("link", name="Assignment", exact=True).click()
    expect(page.get_by_text("3 entries, 2 judges each.")).to_be_visible()
    page.get_by_role("button", name="Propose an assignment").click()
    expect(page.locator("#proposal-summary")).to_contain_text("6 assignments, 3 entries.")
    page.get_by_role("button", name="Confirm and notify the judges").click()
    expect(flash(page)).to_contain_text("6 assignments made; the judges are told by e-mail.")
    for code, *_rest in JURY_SCORES:
        row = page.get_by_role("row").filter(has_text=code)
        for name, _country in JURORS:
            expect(row).to_contain_text(name)

    # The jurors score (their pages are another test's subject).
    db.session.expire_all()
    jury = db.session.scalar(select(Round).where(Round.cycle_id == cycle_id, Round.position == 2))
    assert (jury.kind, jury.status, jury.select_limit) == (RoundKind.JURY, RoundStatus.OPEN, 1)
    impact = db.session.scalar(select(Criterion).where(Criterion.cycle_id == cycle_id))
    scores = {
        code: dict(zip([n for n, _c in JURORS], values, strict=True))
        for code, values, _m in JURY_SCORES
    }
    for assignment in db.session.scalars(
        select(Assignment).where(
            Assignment.round_id == jury.id, Assignment.status == AssignmentStatus.ACTIVE
        )
    ).all():
        value = scores[assignment.submission.reference_code][assignment.judge.name]
        make_review(assignment, scores={impact: value})

    # The jury's ranking: one winner, a special mention by hand, closed.
    page.get_by_role("link", name="Results", exact=True).first.click()
    card.get_by_role("row").filter(has_text="Jury").get_by_role("link", name="Ranking").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Jury")
    expect(page.get_by_text("6 reviews counted, 0 still in draft")).to_be_visible()
    jury_ranking = [
        ("1", "GZ9-0002", "95.0", "95.0", "not decided"),
        ("2", "GZ9-0001", "75.0", "75.0", "not decided"),
        ("3", "GZ9-0003", "65.0", "65.0", "not decided"),
    ]
    expect_ranking(page, "Jury", jury_ranking)
    click_and_confirm(
        page,
        page.get_by_role("button", name="Pre-select from the ranking"),
        "Pre-select the outcomes from the current ranking? Changes made by hand are replaced.",
    )
    expect(flash(page)).to_contain_text(
        "Decisions pre-selected from the ranking (winner: 1, Medal of Honor: 2)."
    )
    expect(page.get_by_text("Winner: 1 / 1", exact=True)).to_be_visible()
    expect(page.get_by_text("Medal of Honor: 2", exact=True)).to_be_visible()
    change_decision(
        page,
        "Jury",
        "GZ9-0003",
        ("Medal of Honor", "special mention"),
        "The jury singles out how the vendors run it.",
    )
    final_jury = [
        ("1", "GZ9-0002", "95.0", "95.0", "winner"),
        ("2", "GZ9-0001", "75.0", "75.0", "Medal of Honor"),
        ("3", "GZ9-0003", "65.0", "65.0", "special mention"),
    ]
    expect_ranking(page, "Jury", final_jury)
    click_and_confirm(
        page,
        page.get_by_role("button", name="Close and freeze the round"),
        "Close this round? Its reviews, ranking and decisions are frozen for good, and the "
        "next round starts from its shortlist.",
    )
    expect(flash(page)).to_contain_text("Jury is closed; its ranking of 3 entries is frozen.")
    expect_ranking(page, "Jury", final_jury)

    # 5. The decision e-mails: written and held, read, nothing sent until released.
    send_letters(page, 3)
    winner = page.get_by_role("article", name=applicant_email("GZ9-0002"))
    expect(winner).to_contain_text(
        "Subject: Your initiative is a winner: Rain gardens on every roof"
    )
    expect(winner).to_contain_text(
        "Congratulations! The Jury of the 9th Guangzhou Award has chosen your initiative "
        "“Rain gardens on every roof” (GZ9-0002) as one of the winners."
    )
    letter = winner.locator("pre").inner_text()  # as rendered: its paragraphs kept
    assert letter.startswith("Dear colleagues,\n\nCongratulations! The Jury")
    assert "announced publicly.\n\n-- \nThe Secretariat" in letter
    expect(page.get_by_role("article", name=applicant_email("GZ9-0003"))).to_contain_text(
        "Subject: Special mention for Night markets for street vendors"
    )
    assert axe_violations(page) == []
    screenshot(page, "desktop-results-notifications-held")
    deliver_mail()
    assert subjects_to(mailbox, "GZ9-0002") == [
        "Your initiative is shortlisted: Rain gardens on every roof"
    ]  # held: not sent

    release_letters(page, 3)
    deliver_mail()
    assert subjects_to(mailbox, "GZ9-0002")[1:] == [
        "Your initiative is a winner: Rain gardens on every roof"
    ]
    assert subjects_to(mailbox, "GZ9-0001")[1:] == ["Medal of Honor for Bus lanes up the hillside"]
    assert subjects_to(mailbox, "GZ9-0003")[1:] == [
        "Special mention for Night markets for street vendors"
    ]
    assert len(subjects_to(mailbox, "GZ9-0004")) == 1  # not in the jury round
    db.session.expire_all()
    assert set(db.session.scalars(select(Decision.status))) == {DecisionStatus.RELEASED}

    # 6. Published.
    page.get_by_role("link", name="Results", exact=True).first.click()
    expect(card.locator("tbody tr")).to_have_count(2)
    for name in ("Technical committee", "Jury"):
        expect(card.get_by_role("row").filter(has_text=name)).to_contain_text("Closed and frozen")
    click_and_confirm(
        page,
        card.get_by_role("button", name="Publish results"),
        "Publish the decisions of every closed round of this cycle? Scores are never published.",
    )
    expect(flash(page)).to_contain_text(f"The results of {CYCLE} are public.")
    expect(card).to_contain_text(re.compile(r"Published · \w+ \d+, \d{4}"))
    expect(card.get_by_role("button", name="Publish again")).to_be_visible()
    expect(card.get_by_role("link", name="Public page")).to_be_visible()
    assert axe_violations(page) == []
    screenshot(page, "desktop-results-published")
    db.session.expire_all()
    assert db.session.get(Cycle, cycle_id).results_published_at is not None

    # 7. A visitor without an account: the winners and the rest of the shortlist under their
    # jury honours, the deserving entry; nothing not selected, no score.
    context, visitor = _new_page(browser, live_server, DESKTOP)
    try:
        visitor.goto(f"/results/{SLUG}")
        expect(visitor.get_by_role("heading", level=1)).to_have_text(CYCLE)
        expect(visitor.get_by_role("link", name="Sign in")).to_be_visible()
        expect(visitor.get_by_role("button", name="Sign out")).to_have_count(0)
        expect(visitor.get_by_role("heading", level=2)).to_have_text(
            ["Winners", "Medal of Honor", "Special mentions", "Deserving initiatives"]
        )
        for heading, titles in [
            ("Winners", ["Rain gardens on every roof"]),
            ("Medal of Honor", ["Bus lanes up the hillside"]),
            ("Special mentions", ["Night markets for street vendors"]),
            ("Deserving initiatives", ["Schools that open at weekends"]),
        ]:
            section = visitor.get_by_role("region", name=heading)
            expect(section.get_by_role("heading", level=3)).to_have_text(titles)
        expect(visitor.get_by_role("region", name="Winners")).to_contain_text(
            "Rotterdam, Netherlands"
        )
        main = visitor.get_by_role("main")
        for code in ("GZ9-0005", "GZ9-0006"):  # not selected: never public
            expect(main).not_to_contain_text(TITLE[code])
        expect(main).not_to_contain_text(re.compile(r"\d+\.\d|GZ9-|Mean|Corrected|score", re.I))
        assert axe_violations(visitor) == []
        screenshot(visitor, "desktop-results-public")
        visitor.set_viewport_size(PHONE)
        visitor.reload()
        assert axe_violations(visitor) == []
        assert visitor.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(visitor, "phone-results-public")
        problems = visitor.problems.messages  # type: ignore[attr-defined]
    finally:
        context.close()
    assert problems == [], f"the visitor's browser reported problems: {problems}"
