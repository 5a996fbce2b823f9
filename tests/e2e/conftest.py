"""Browser tests: Debian's Chromium driven by Playwright against a live server of the app."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.serving import make_server

from awards.devstack import free_port

CHROMIUM = "/usr/bin/chromium"
# Without these, Chromium tries to reach Google services, which this network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PROJECT_ROOT = Path(__file__).resolve().parents[2]
AXE_SOURCE = PROJECT_ROOT / ".venv" / "node" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[str]:
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(autouse=True)
def _links_point_at_live_server(app, live_server):
    """Links in e-mails point at the live server, for this test only."""
    previous, app.config["BASE_URL"] = app.config["BASE_URL"], live_server
    yield
    app.config["BASE_URL"] = previous


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


class PageProblems:
    """Console errors and CSP violations seen while a page was used."""

    def __init__(self, page: Page):
        self.messages: list[str] = []
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.messages.append(f"page error: {error}"))
        page.on("response", self._on_response)

    def _on_console(self, message) -> None:
        # A page answered with 4xx on purpose (a form with errors is 422) logs "Failed to load
        # resource"; broken subresources are caught by _on_response instead.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.messages.append(message.text)

    def _on_response(self, response) -> None:
        if response.request.resource_type != "document" and response.status >= 400:
            self.messages.append(f"{response.status} for {response.url}")


def _new_page(browser: Browser, live_server: str, viewport: dict, offline_ok=False):
    context = browser.new_context(base_url=live_server, viewport=viewport, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.problems = PageProblems(page)  # type: ignore[attr-defined]
    return context, page


@pytest.fixture
def page(browser, live_server) -> Iterator[Page]:
    context, page = _new_page(browser, live_server, DESKTOP)
    yield page
    problems = page.problems.messages  # type: ignore[attr-defined]
    context.close()
    assert problems == [], f"the browser reported problems: {problems}"


@pytest.fixture
def phone_page(browser, live_server) -> Iterator[Page]:
    context, page = _new_page(browser, live_server, PHONE)
    yield page
    problems = page.problems.messages  # type: ignore[attr-defined]
    context.close()
    assert problems == [], f"the browser reported problems: {problems}"


def axe_violations(page: Page, impacts=("serious", "critical")) -> list[dict]:
    """Run axe-core in the page (through the DevTools protocol, so the page's own CSP still
    applies to everything else) and return the violations of the given impacts."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE.read_text() + "\n;void 0")
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
        if v["impact"] in impacts
    ]


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^a-z0-9_-]+', '-', name.lower())}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def mail_link(mailbox, address: str, pattern: str = r"https?://\S+") -> str:
    """The first link in the newest message to `address`."""
    messages = mailbox.messages_to(address)
    assert messages, f"no mail to {address}"
    match = re.search(pattern, messages[-1].get_content())
    assert match, "no link in the message"
    return match.group(0)


# True when app.js finds a form on the page edited before the scripts ran (a page as served
# must say False: otherwise it would save itself on arrival).
EDITED_BEFORE_SCRIPTS = "Array.from(document.forms).some(window.awardsEditedBeforeScripts)"
