"""Main pages at phone and desktop size: no accessibility violation of serious or critical
impact, no CSP or script error, and a screenshot for people to look at."""

import pytest

from tests.e2e.conftest import axe_violations, screenshot

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
