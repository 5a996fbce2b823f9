"""A judge scores in the browser: from the dashboard to a submitted review with the keyboard,
the draft saving itself, the browser's copy offered back after the session expired, and the
layout on tablet screens."""

import re
import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from awards.judging.services import comment_field, score_field
from awards.models import Review, ReviewStatus
from tests.e2e.conftest import PageProblems, axe_violations, screenshot
from tests.factories import PASSWORD
from tests.judging.scoring_setup import make_setting

pytestmark = pytest.mark.e2e

TABLET_LANDSCAPE = {"width": 1024, "height": 768}


@pytest.fixture(autouse=True)
def csrf_on(app):
    """As in production: an expired session then fails the CSRF check before anything else."""
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


TABLET_PORTRAIT = {"width": 768, "height": 1024}


def _expected_failure(page, status, path_end):
    """Take an answer the test provoked on purpose off the page's list of problems."""
    wanted = [
        m for m in page.problems.messages if m.startswith(f"{status} for ") and m.endswith(path_end)
    ]
    assert wanted, f"expected a {status} for {path_end}: {page.problems.messages}"
    for message in wanted:
        page.problems.messages.remove(message)


def _sign_in(page, email):
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def _scale_button(page, criterion_id, value):
    return page.locator(f'label[for="{score_field(criterion_id)}-{value}"]')


def test_judge_scores_an_entry_with_autosave_and_keyboard(page, db):
    setting = make_setting(entries=2)
    email = setting.judge.email
    c1, c2, c3 = (c.id for c in setting.criteria)
    page.goto("/login?next=/judging/")
    _sign_in(page, email)
    expect(page.get_by_role("heading", name="My entries")).to_be_visible()
    expect(page.get_by_text("0 of 2 reviews submitted")).to_be_visible()
    assert axe_violations(page) == []
    screenshot(page, "judge-dashboard-desktop")

    page.get_by_role("link", name=re.compile(r"^Continue with ")).click()
    expect(page.get_by_role("heading", name="Your review")).to_be_visible()
    assert axe_violations(page) == []

    # Keyboard: focus the first criterion's scale and move along it with the arrow keys.
    page.locator(f"#{score_field(c1)}-5").focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(page.locator(f"#{score_field(c1)}-7")).to_be_checked()
    page.get_by_label(re.compile(r"^Comment on Innovation")).fill("Truly new for the region.")
    expect(page.locator("#save-state")).to_contain_text("Draft saved at", timeout=30_000)
    assert db.session.scalar(select(Review.status)) == ReviewStatus.DRAFT

    page.reload()
    expect(page.locator(f"#{score_field(c1)}-7")).to_be_checked()
    expect(page.locator(f"#{comment_field(c1)}")).to_have_value("Truly new for the region.")
    expect(page.locator(".judge-restore")).to_have_count(0)

    # Ctrl+S saves at once.
    _scale_button(page, c2, 6).click()
    page.keyboard.press("Control+s")
    expect(page.locator("#save-state")).to_contain_text("Draft saved at")

    # Submitting with a criterion unscored: the message sits next to it, the rest is kept.
    page.get_by_role("button", name="Submit review").click()
    expect(page.locator(f"#{score_field(c3)}-error")).to_have_text(
        "Give a score for Replicability before submitting."
    )
    expect(page.locator(f"#{comment_field(c1)}")).to_have_value("Truly new for the region.")
    _scale_button(page, c3, 8).click()
    page.get_by_role("button", name="Submit review").click()
    expect(page.get_by_role("status").first).to_contain_text("Your review is submitted.")
    db.session.expire_all()
    assert db.session.scalar(select(Review.status)) == ReviewStatus.SUBMITTED
    screenshot(page, "judge-entry-submitted-desktop")


def test_text_typed_before_the_page_s_script_ran_is_saved_too(page, db):
    """On a slow connection a judge can type before review.js runs; those keystrokes sent no
    event, yet they are saved like any other (and the page warns before leaving them)."""
    setting = make_setting()
    page.goto("/login?next=" + setting.entry_url())
    _sign_in(page, setting.judge.email)
    expect(page.get_by_role("heading", name="Your review")).to_be_visible()
    # The heading can show before the scripts at the end of the page have run (a loaded machine).
    page.wait_for_load_state("load")
    # As served, nothing counts as typed before the script ran: no save on arrival.
    assert (
        page.evaluate("Array.from(document.forms).some(window.awardsEditedBeforeScripts)") is False
    )

    def slow_script(route):
        time.sleep(1.5)
        route.continue_()

    page.route(re.compile(r".*/static/js/review\.js.*"), slow_script)
    page.goto(setting.entry_url(), wait_until="commit")
    page.get_by_label("Overall comment for the secretariat").fill("Typed while loading.")
    # app.js (not delayed) comes to run while review.js is still on its way.
    page.wait_for_function("typeof window.awardsEditedBeforeScripts === 'function'")
    expect(page.locator("#save-state")).to_contain_text("Draft saved at", timeout=30_000)
    db.session.expire_all()
    assert db.session.scalar(select(Review.overall_comment)) == "Typed while loading."


def test_text_typed_after_the_session_expired_is_offered_back_after_signing_in(page, db):
    setting = make_setting()
    email = setting.judge.email
    page.goto("/login?next=" + setting.entry_url())
    _sign_in(page, email)
    page.get_by_label("Overall comment for the secretariat").fill("Saved before expiry.")
    expect(page.locator("#save-state")).to_contain_text("Draft saved at", timeout=30_000)

    page.context.clear_cookies()  # the session expires while the judge keeps typing
    page.get_by_label("Private notes").fill("Typed after the session had expired.")
    expect(page.locator("#save-state")).to_contain_text(
        "You are signed out, so this was not saved.", timeout=30_000
    )
    _expected_failure(page, 401, "/autosave")
    page.get_by_role("link", name="Sign in again").click()
    _sign_in(page, email)

    # Back on the form: the saved draft is there, and the browser offers the rest.
    expect(page.get_by_label("Overall comment for the secretariat")).to_have_value(
        "Saved before expiry."
    )
    expect(page.get_by_label("Private notes")).to_have_value("")
    offer = page.locator(".judge-restore")
    expect(offer).to_contain_text("This browser kept text you typed here")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Restore my text").click()
    expect(page.get_by_label("Private notes")).to_have_value("Typed after the session had expired.")
    expect(page.locator("#save-state")).to_contain_text("Draft saved at", timeout=30_000)
    page.reload()
    expect(page.get_by_label("Private notes")).to_have_value("Typed after the session had expired.")
    expect(page.locator(".judge-restore")).to_have_count(0)


def test_second_tab_autosave_is_told_and_stops(page, db):
    setting = make_setting()
    page.goto("/login?next=" + setting.entry_url())
    _sign_in(page, setting.judge.email)
    other = page.context.new_page()
    other.problems = PageProblems(other)
    other.goto(setting.entry_url())
    page.get_by_label("Overall comment for the secretariat").fill("From the first tab.")
    expect(page.locator("#save-state")).to_contain_text("Draft saved at", timeout=30_000)
    other.get_by_label("Overall comment for the secretariat").fill("From the second tab.")
    expect(other.locator("#save-state")).to_contain_text(
        "saved from another tab or window", timeout=30_000
    )
    _expected_failure(other, 409, "/autosave")
    assert other.problems.messages == []
    db.session.expire_all()
    assert db.session.scalar(select(Review.overall_comment)) == "From the first tab."
    other.close()


@pytest.mark.parametrize(
    "viewport", [TABLET_LANDSCAPE, TABLET_PORTRAIT], ids=["landscape", "portrait"]
)
def test_entry_page_fits_a_tablet(browser, live_server, db, viewport):
    setting = make_setting()
    context = browser.new_context(base_url=live_server, viewport=viewport, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto("/login?next=" + setting.entry_url())
        _sign_in(page, setting.judge.email)
        expect(page.get_by_role("heading", name="Your review")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        entry_box = page.locator("article.judge-entry").bounding_box()
        form_box = page.locator("aside.judge-form-panel").bounding_box()
        if viewport["width"] >= 992:
            assert form_box["x"] > entry_box["x"] + entry_box["width"] - 1  # side by side
        else:
            assert form_box["y"] > entry_box["y"]  # one above the other
        # Score buttons are big enough for a finger.
        option = page.locator(".judge-scale-option").first.bounding_box()
        assert option["width"] >= 44 and option["height"] >= 44
        assert axe_violations(page) == []
        screenshot(page, f"judge-entry-tablet-{viewport['width']}x{viewport['height']}")
    finally:
        context.close()
