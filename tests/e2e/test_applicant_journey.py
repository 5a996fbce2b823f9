"""An applicant with an account and an organisation enters an initiative in the browser: both
steps with autosave, a PDF and a photo uploaded with the progress bar, submission, the reference
code and the receipt e-mail; then autosave under failure (reload, no network, expired session).

The account, organisation and open cycle come from factories: registering through the user
interface is what test_accounts_journey.py is about."""

import re
import struct
import zlib

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from awards.models import Attachment, SectionAnswer, Submission, SubmissionStatus
from tests.e2e.conftest import EDITED_BEFORE_SCRIPTS, axe_violations, screenshot
from tests.factories import PASSWORD, ApplicantFactory, CycleFactory, OrganisationFactory

pytestmark = pytest.mark.e2e

SAVED = re.compile(r"^Saved at ")


def pdf_bytes() -> bytes:
    """A small, valid one-page PDF (cross-reference offsets computed)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def png_bytes(width: int = 8, height: int = 8) -> bytes:
    """A small, valid RGB PNG: a red square."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    rows = b"".join(b"\x00" + b"\xc8\x10\x2e" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def sign_in(page, email: str, next_url: str = "/") -> None:
    page.goto(f"/login?next={next_url}")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def make_applicant(email="maria.silva@recife.pe.gov.br"):
    organisation = OrganisationFactory(
        name="Prefeitura do Recife", city="Recife", country_code="BR", region="Americas"
    )
    user = ApplicantFactory(email=email, name="Maria Silva", organisation=organisation)
    cycle = CycleFactory(name="7th Guangzhou Award", slug="gz7", reference_prefix="GZ7")
    return user, cycle


def save_state(scope):
    return scope.locator("[data-save-state]").first


def start_application(page, title: str) -> int:
    page.get_by_role("link", name="New application").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "New application to 7th Guangzhou Award"
    )
    page.get_by_label("Title of the initiative").fill(title)
    page.get_by_role("button", name="Start the application").click()
    expect(page.get_by_role("heading", name="Step 1: basic information")).to_be_visible()
    page.wait_for_load_state()  # the autosave script is in place before anything is typed
    return int(re.search(r"/(\d+)/basic", page.url).group(1))


def test_applicant_fills_both_steps_uploads_submits_and_gets_the_receipt(
    page, db, mailbox, deliver_mail
):
    user, _cycle = make_applicant()
    sign_in(page, user.email)
    expect(page.get_by_role("heading", name="My applications")).to_be_visible()
    submission_id = start_application(page, "Recife's living canals")
    expect(page.get_by_label("Title of the initiative")).to_have_value("Recife's living canals")
    page.wait_for_load_state()  # the scripts at the end of the page have run
    # As served, nothing counts as typed before the scripts ran: no save on arrival.
    assert page.evaluate(EDITED_BEFORE_SCRIPTS) is False

    # Step 1. The save state follows the typing: "Not yet saved", then "Saved at …".
    # Chinese has no spaces between words: each character counts, as on the server.
    page.get_by_label("Summary").fill("居民和工程师重新打开了被掩埋的运河。")
    expect(page.locator('[data-counter-for="summary"]')).to_have_text("17 of 150 words")
    page.get_by_label("Summary").fill("Residents and engineers reopened buried canals as parks.")
    expect(page.locator('[data-counter-for="summary"]')).to_have_text("8 of 150 words")
    page.get_by_label("Start date").fill("2021-03-01")
    page.get_by_label("Ongoing").check()
    page.get_by_label("Environmental").check()
    page.get_by_label(re.compile(r"^11\. ")).check()
    page.locator("#contacts-0-name").fill("Maria Silva")
    page.locator("#contacts-0-email").fill("maria.silva@recife.pe.gov.br")
    page.locator("#partners").focus()
    expect(save_state(page)).to_have_text(SAVED, timeout=15_000)
    db.session.expire_all()
    submission = db.session.get(Submission, submission_id)
    assert submission.summary.startswith("Residents and engineers")
    assert [c.name for c in submission.contacts] == ["Maria Silva"]
    assert axe_violations(page) == []

    # Step 2: each section saves on its own.
    page.get_by_role("link", name="Next: the initiative").click()
    page.wait_for_load_state()
    assert page.evaluate(EDITED_BEFORE_SCRIPTS) is False
    page.wait_for_load_state()
    for title in ("Background", "Innovation", "Outcomes and evidence"):
        section = page.locator("section.card").filter(has=page.get_by_label(title, exact=True))
        section.get_by_label(title, exact=True).fill(f"{title}: what Recife did, in words.")
        expect(section.locator(".word-count")).to_contain_text("of ")
        section.get_by_role("button", name="Save this section").click()
        expect(save_state(section)).to_have_text(SAVED, timeout=15_000)
    db.session.expire_all()
    bodies = sorted(a.body for a in db.session.scalars(select(SectionAnswer)) if a.body)
    assert bodies == [
        "Background: what Recife did, in words.",
        "Innovation: what Recife did, in words.",
        "Outcomes and evidence: what Recife did, in words.",
    ]
    assert axe_violations(page) == []

    # Files: a PDF, then a photo. The upload of the PDF is held back so that the progress bar
    # can be seen while the file is on its way.
    page.get_by_role("link", name="Next: files and videos").click()
    page.wait_for_load_state()
    expect(page.get_by_text("No file yet.")).to_be_visible()
    held = []
    page.route("**/attachments", lambda route: held.append(route))
    page.get_by_label("File", exact=True).set_input_files(
        {"name": "canal-plan.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}
    )
    page.get_by_role("button", name="Upload").click()
    progress = page.locator("progress[data-progress]").last
    expect(progress).to_be_visible()
    expect(page.get_by_role("button", name="Upload")).to_be_disabled()
    assert len(held) == 1 and held[0].request.method == "POST"
    held[0].continue_()
    page.unroute("**/attachments")
    expect(page.locator("#attachment-list")).to_contain_text("canal-plan.pdf")
    expect(page.locator("#attachment-list")).to_contain_text("PDF")

    page.get_by_label("File", exact=True).set_input_files(
        {"name": "canal-park.png", "mimeType": "image/png", "buffer": png_bytes()}
    )
    page.locator("#caption").fill("The reopened canal in Boa Vista")
    page.get_by_role("button", name="Upload").click()
    files = page.locator("#attachment-list > li")
    expect(files).to_have_count(2)
    expect(files.nth(1)).to_contain_text("canal-park.png")
    expect(files.nth(1)).to_contain_text("PNG")
    expect(page.locator("#usage")).to_contain_text("Used: 2 of")
    expect(page.locator("#attachment-list")).not_to_contain_text(" 0 KB")
    db.session.expire_all()
    assert sorted(a.kind for a in db.session.scalars(select(Attachment))) == ["pdf", "png"]
    assert axe_violations(page) == []
    screenshot(page, "applicant-attachments-desktop")

    # Submit: the reference code, and the receipt by e-mail.
    page.get_by_role("link", name="Next: submit").click()
    expect(page.get_by_text("Everything required is filled in.")).to_be_visible()
    page.get_by_role("button", name="Submit the application").click()
    thanks = page.get_by_role("heading", name="Thank you: your application is received.")
    expect(thanks).to_be_visible()
    code = page.locator("#reference-code").inner_text()
    assert re.fullmatch(r"GZ7-\d+", code), code
    expect(page.get_by_text(f"A receipt is on its way to {user.email}")).to_be_visible()
    assert axe_violations(page) == []
    screenshot(page, "applicant-confirmation-desktop")
    db.session.expire_all()
    submission = db.session.get(Submission, submission_id)
    assert submission.status == SubmissionStatus.SUBMITTED
    assert submission.reference_code == code

    deliver_mail()
    [receipt] = mailbox.messages_to(user.email)
    assert receipt["Subject"] == f"Application received: {code}"
    body = receipt.get_content()
    assert "Recife's living canals" in body
    assert "- Files: 2" in body

    page.get_by_role("link", name="Back to my applications").click()
    expect(page.get_by_text(code)).to_be_visible()


def test_autosave_survives_reload_lost_network_and_expired_session(page, db):
    user, _cycle = make_applicant()
    sign_in(page, user.email)
    submission_id = start_application(page, "Night buses for shift workers")

    # Typing, then reloading: the text is still there.
    summary = page.get_by_label("Summary")
    summary.fill("Buses run all night on six lines.")
    expect(save_state(page)).to_have_text("Not yet saved")
    expect(save_state(page)).to_have_text(SAVED, timeout=15_000)
    page.reload()
    expect(page.get_by_label("Summary")).to_have_value("Buses run all night on six lines.")

    # No network while typing: the page says so, and saves once the network is back.
    page.context.set_offline(True)
    page.get_by_label("Summary").fill("Buses run all night on six lines, every 20 minutes.")
    page.locator("#partners").focus()
    expect(save_state(page)).to_contain_text("no connection", timeout=15_000)
    db.session.expire_all()
    assert db.session.get(Submission, submission_id).summary == "Buses run all night on six lines."
    page.context.set_offline(False)
    expect(save_state(page)).to_have_text(SAVED, timeout=15_000)
    db.session.expire_all()
    assert db.session.get(Submission, submission_id).summary.endswith("every 20 minutes.")

    # The session expires while typing: the page says the text was not saved, and the browser
    # keeps it; after signing in again it is offered back, and saved.
    page.context.clear_cookies()
    page.locator("#partners").fill("The transport workers' union.")
    page.get_by_label("Summary").focus()
    expect(save_state(page)).to_contain_text("you are signed out", timeout=15_000)
    expect(page.locator("#partners")).to_have_value("The transport workers' union.")
    db.session.expire_all()
    assert db.session.get(Submission, submission_id).partners == []
    basic_url = f"/applications/{submission_id}/basic"
    sign_in(page, user.email, basic_url)
    expect(page.get_by_role("heading", name="Step 1: basic information")).to_be_visible()
    expect(page.get_by_label("Summary")).to_have_value(
        "Buses run all night on six lines, every 20 minutes."
    )
    offer = page.get_by_role("alert").filter(has_text="This browser kept changes")
    expect(offer).to_be_visible()
    offer.get_by_role("button", name="Restore them").click()
    expect(page.locator("#partners")).to_have_value("The transport workers' union.")
    expect(save_state(page)).to_have_text(SAVED, timeout=15_000)
    db.session.expire_all()
    partners = db.session.get(Submission, submission_id).partners
    assert [p.name for p in partners] == ["The transport workers' union."]


def tab_to(page, predicate: str, limit: int = 60) -> None:
    """Press Tab until `predicate` (JavaScript, about `el`, the focused element) holds."""
    for _ in range(limit):
        if page.evaluate(f"(() => {{ const el = document.activeElement; return {predicate}; }})()"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {predicate}")


def test_step_one_can_be_completed_with_the_keyboard_alone(page, db):
    user, _cycle = make_applicant()
    sign_in(page, user.email)
    submission_id = start_application(page, "Keyboard test")
    page.get_by_label("Title of the initiative").focus()
    tab_to(page, "el.id === 'summary'")
    page.keyboard.type("Typed with the keyboard only.")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Start date")).to_be_focused()
    page.keyboard.type("03032022")  # the same whatever order the browser wants
    tab_to(page, "el.name === 'initiative_status'")
    page.keyboard.press("Space")
    expect(page.get_by_label("Ongoing")).to_be_checked()
    tab_to(page, "el.name === 'domains'")
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    tab_to(page, "el.name === 'sdgs'")
    page.keyboard.press("Space")
    tab_to(page, "el.id === 'contacts-0-name'")
    page.keyboard.type("Kim Keyboard")
    tab_to(page, "el.id === 'contacts-0-email'")
    page.keyboard.type("kim@example.org")
    tab_to(page, "el.textContent.trim() === 'Save'")
    page.keyboard.press("Enter")
    expect(save_state(page)).to_have_text(SAVED, timeout=15_000)
    expect(page.locator(".invalid-feedback:visible")).to_have_count(0)
    db.session.expire_all()
    submission = db.session.get(Submission, submission_id)
    assert submission.summary == "Typed with the keyboard only."
    assert submission.start_date.isoformat() == "2022-03-03"
    assert len(submission.domains) == 1 and len(submission.sdgs) == 1
    assert [c.email for c in submission.contacts] == ["kim@example.org"]
