"""A resident votes for their city on a phone: the ballot, the e-mail link, the confirmation,
and a reload of the thanks that sends nothing again."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import func, select

from awards.models import Vote, VoteStatus
from tests.e2e.conftest import axe_violations, mail_link, screenshot
from tests.votes.conftest import make_ballot


def _counted(db) -> int:
    db.session.expire_all()
    return db.session.scalar(
        select(func.count()).select_from(Vote).where(Vote.status == VoteStatus.CONFIRMED)
    )


def test_a_resident_votes_from_a_phone(phone_page, db, mailbox, deliver_mail):
    page = phone_page
    ballot = make_ballot(db)
    page.goto(f"/vote/{ballot.cycle.slug}")
    page.get_by_role("link", name=re.compile("Green corridors along the river")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Green corridors along the river")

    # A mistyped address is refused next to the field, and what was typed stays.
    email = page.get_by_label("Your e-mail address")
    email.fill("resident@example")
    page.get_by_role("button", name="Send me the confirmation link").click()
    expect(page.get_by_text("We cannot send e-mail to this address.")).to_be_visible()
    expect(page.get_by_label("Your e-mail address")).to_have_value("resident@example")
    assert axe_violations(page) == []

    page.get_by_label("Your e-mail address").fill("resident@example.org")
    page.get_by_role("button", name="Send me the confirmation link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Almost done: check your inbox")
    assert _counted(db) == 0

    deliver_mail()
    link = mail_link(mailbox, "resident@example.org", r"https?://\S+/votes/confirm/\S+")
    page.goto(link)
    assert _counted(db) == 0  # opening the link counts nothing: a mail scanner may open it
    page.get_by_role("button", name="Confirm my vote").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you: your vote is counted")
    expect(page.get_by_role("status")).to_have_text(
        "You voted for Green corridors along the river, Xianning."
    )
    assert page.url == link  # the thanks live at the link itself
    assert _counted(db) == 1
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "phone-vote-thanks")

    # Reloading the thanks shows them again and sends nothing.
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you: your vote is counted")
    assert _counted(db) == 1
