"""A judge accepts the invitation from the e-mail, sees their entries, opens an attachment,
declares a conflict on one entry, scores another with "Save and next" and submits it.

The invitation is sent by the service (the secretariat's people page is not what this is about),
and the round, its entries and the judge's assignments are made with factories once the judge's
account exists, as the secretariat would after the judge joined."""

import io

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from awards.accounts.services import invite_user
from awards.judging.services import score_field
from awards.models import (
    Assignment,
    AssignmentStatus,
    Attachment,
    Conflict,
    Review,
    ReviewStatus,
    Role,
    Round,
    Submission,
    User,
)
from tests.e2e.conftest import axe_violations, mail_link
from tests.e2e.test_applicant_journey import png_bytes
from tests.factories import (
    AssignmentFactory,
    CycleFactory,
    EligibleSubmissionFactory,
    OpenRoundFactory,
    OrganisationFactory,
    PanelMemberFactory,
    SecretariatFactory,
)

pytestmark = pytest.mark.e2e

EMAIL = "marie.dupont@lyon.example"
PASSWORD = "lyon-judges-carefully-2026"
ENTRIES = [
    ("GZJ-0001", "Cable cars for the hillside", "Medellín", "CO"),
    ("GZJ-0002", "Open data for bus timetables", "Nairobi", "KE"),
    ("GZJ-0003", "Heat shelters in libraries", "Seville", "ES"),
]


def _round_for(judge_id, storage, db):
    cycle = CycleFactory(name="7th Guangzhou Award")
    round_ = OpenRoundFactory(cycle=cycle, name="Technical committee")
    judge = db.session.get(User, judge_id)
    PanelMemberFactory(round=round_, user=judge)
    for position, (code, title, city, country) in enumerate(ENTRIES):
        entry = EligibleSubmissionFactory(
            cycle=cycle,
            reference_code=code,
            title=title,
            organisation=OrganisationFactory(
                name=f"City of {city}", city=city, country_code=country
            ),
        )
        AssignmentFactory(round=round_, judge=judge, submission=entry, sort_key=position)
    first = db.session.scalar(select(Assignment).where(Assignment.sort_key == 0)).submission
    payload = png_bytes()
    key = storage.new_key("attachments")
    storage.put(key, io.BytesIO(payload), content_type="image/png")
    first.attachments.append(
        Attachment(
            storage_key=key,
            original_name="cable-station.png",
            content_type="image/png",
            kind="png",
            size_bytes=len(payload),
            caption="The upper station",
        )
    )
    db.session.commit()
    return round_.id


def entry_link(page, code):
    """The link to an entry in the judge's list (the order is the judge's own, not the codes')."""
    return page.locator("a.judge-entry-link", has_text=code)


def test_invited_judge_joins_opens_a_file_declares_a_conflict_and_scores(
    page, db, storage, mailbox, deliver_mail
):
    invite_user(email=EMAIL, name="Marie Dupont", role=Role.JUDGE, invited_by=SecretariatFactory())
    db.session.commit()
    deliver_mail()
    assert mailbox.messages_to(EMAIL)[-1]["Subject"] == (
        "You are invited to the Guangzhou Award platform"
    )
    page.goto(mail_link(mailbox, EMAIL))
    expect(page.get_by_text(f"You are invited as judge with the address {EMAIL}.")).to_be_visible()
    expect(page.get_by_label("Your full name")).to_have_value("Marie Dupont")
    assert axe_violations(page) == []
    page.get_by_label("New password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the new password").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", name="My entries")).to_be_visible()
    expect(page.get_by_role("status").first).to_contain_text(
        "Welcome, Marie Dupont. Your account is ready."
    )

    judge_id = db.session.scalar(select(User.id).where(User.email == EMAIL))
    round_id = _round_for(judge_id, storage, db)
    page.reload()
    expect(page.get_by_text("0 of 3 reviews submitted")).to_be_visible()
    for code, title, *_rest in ENTRIES:
        expect(entry_link(page, code)).to_contain_text(title)

    # The first entry: open its photo, then step back from it.
    entry_link(page, "GZJ-0001").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "GZJ-0001 · Cable cars for the hillside"
    )
    file_link = page.get_by_role("link", name="cable-station.png")
    expect(page.get_by_text("The upper station")).to_be_visible()
    with page.expect_popup() as popup_info:
        file_link.click()
    photo = popup_info.value
    photo.wait_for_load_state()
    assert "cable-station" in photo.url or "attachments" in photo.url
    assert photo.evaluate("document.images.length === 1 && document.images[0].naturalWidth") == 8
    photo.close()

    page.get_by_text("Declare a conflict of interest").click()
    page.get_by_label("Why can you not judge this entry?").fill(
        "I advised Medellín's transport company last year."
    )
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Declare the conflict and step back").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "Thank you. GZJ-0001 has left your list, and the secretariat has been told."
    )
    assert asked == ["Step back from this entry? This cannot be undone by you."]
    expect(page.get_by_text("0 of 2 reviews submitted")).to_be_visible()
    db.session.expire_all()
    assert db.session.scalar(select(Conflict.reason)) == (
        "I advised Medellín's transport company last year."
    )

    # The second entry: scored, "Save and next" goes on to the third; back, and submitted.
    entry_link(page, "GZJ-0002").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("GZJ-0002")
    criteria = page.locator(".judge-scale-option")
    expect(criteria.first).to_be_visible()
    for criterion, value in zip(db.session.get(Round, round_id).criteria, (8, 6, 9), strict=True):
        page.locator(f'label[for="{score_field(criterion.id)}-{value}"]').click()
    page.get_by_role("button", name="Save and next").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("GZJ-0003")
    expect(page.get_by_role("status").first).to_contain_text("Your draft is saved.")
    page.get_by_role("link", name="My entries").first.click()
    expect(page.get_by_text("0 of 2 reviews submitted · 1 draft")).to_be_visible()
    entry_link(page, "GZJ-0002").click()
    expect(page.locator(f'[id="{score_field(criterion.id)}-9"]')).to_be_checked()
    page.get_by_role("button", name="Submit review").click()
    expect(page.get_by_role("status").first).to_contain_text("Your review is submitted.")
    db.session.expire_all()
    review = db.session.scalar(select(Review))
    assert review.status == ReviewStatus.SUBMITTED
    assert sorted(s.value for s in review.scores) == [6, 8, 9]
    stepped_back = db.session.scalar(
        select(Assignment.status)
        .join(Submission, Assignment.submission_id == Submission.id)
        .where(Submission.reference_code == "GZJ-0001")
    )
    assert stepped_back != AssignmentStatus.ACTIVE
