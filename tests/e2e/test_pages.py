"""Main pages at phone and desktop size: no accessibility violation of serious or critical
impact, no CSP or script error, and a screenshot for people to look at."""

import pytest

from tests.e2e.conftest import PHONE, axe_violations, screenshot

pytestmark = pytest.mark.e2e

PUBLIC_PAGES = ["/", "/login", "/register", "/password/forgot"]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_page_is_accessible_on_desktop(page, path):
    response = page.goto(path)
    assert response.status == 200
    assert axe_violations(page) == []
    screenshot(page, f"desktop{path.replace('/', '-') or '-home'}")


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_page_is_accessible_on_a_phone(phone_page, path):
    response = phone_page.goto(path)
    assert response.status == 200
    assert axe_violations(phone_page) == []
    # Nothing wider than the screen: no sideways scrolling on a phone.
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone_page, f"phone{path.replace('/', '-') or '-home'}")


def test_error_page_is_accessible(page):
    response = page.goto("/no-such-page")
    assert response.status == 404
    assert axe_violations(page) == []


# --- signed-in pages: set up with factories, opened at desktop then phone size -----------------


def _applicant_draft():
    from tests.factories import ApplicantFactory, CycleFactory, SubmissionFactory

    cycle = CycleFactory(name="7th Guangzhou Award")
    user = ApplicantFactory()
    draft = SubmissionFactory(
        cycle=cycle,
        organisation=user.organisation,
        title="Green corridors along the Pearl River",
        summary="Planting and shade for walkers and cyclists.",
    )
    return user.email, draft.id


def _judged_round():
    from tests.factories import SecretariatFactory, SubmittedEntryFactory
    from tests.judging.scoring_setup import make_setting

    setting = make_setting(judges=2, entries=3)
    SubmittedEntryFactory(cycle=setting.cycle, title="Waiting for screening")
    return setting, SecretariatFactory().email


def _page_setup(name):
    """(e-mail of the user to sign in as or None, path) for each main page."""
    if name.startswith("application-") or name == "applicant-dashboard":
        email, draft_id = _applicant_draft()
        step = name.removeprefix("application-")
        paths = {"applicant-dashboard": "/applications/"}
        return email, paths.get(name, f"/applications/{draft_id}/{step}")
    if name == "vote-ballot":
        from tests.votes.conftest import make_ballot

        ballot = make_ballot(_db())
        return None, f"/vote/{ballot.cycle.slug}"
    setting, staff_email = _judged_round()
    if name == "judge-dashboard":
        return setting.judge.email, "/judging/"
    if name == "judge-entry":
        return setting.judge.email, setting.entry_url()
    if name == "secretariat-cycles":
        return staff_email, "/secretariat/"
    if name == "screening-queue":
        return staff_email, f"/secretariat/screening/?cycle={setting.cycle_id}"
    if name == "screening-entry":
        return staff_email, f"/secretariat/screening/{setting.submission_ids[0]}"
    if name == "round-assignment":
        return staff_email, f"/secretariat/rounds/{setting.round_id}/assignment"
    if name == "round-progress":
        return staff_email, f"/secretariat/rounds/{setting.round_id}/progress"
    raise AssertionError(name)


def _db():
    from awards.extensions import db

    return db


MAIN_PAGES = [
    "applicant-dashboard",
    "application-basic",
    "application-initiative",
    "application-attachments",
    "application-submit",
    "judge-dashboard",
    "judge-entry",
    "secretariat-cycles",
    "screening-queue",
    "screening-entry",
    "round-assignment",
    "round-progress",
    "vote-ballot",
]


@pytest.mark.parametrize("name", MAIN_PAGES)
def test_main_page_is_accessible_on_desktop_and_phone(page, db, name):
    from tests.factories import PASSWORD

    email, path = _page_setup(name)
    if email:
        page.goto("/login?next=" + path)
        page.get_by_label("E-mail address").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**" + path.split("?")[0] + "*")
    else:
        page.goto(path)
    page.wait_for_load_state()
    assert page.locator("h1").count() >= 1, f"{name} has no main heading"
    assert axe_violations(page) == [], name
    screenshot(page, f"desktop-{name}")

    page.set_viewport_size(PHONE)
    page.reload()
    assert axe_violations(page) == [], name
    # Nothing wider than the screen: no sideways scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name
    screenshot(page, f"phone-{name}")
