"""The navigation bar shows each role what it can do, and every page declares its audience."""

from __future__ import annotations

import html
import re

import pytest
from flask import current_app

from awards.accounts.models import Role
from awards.accounts.permissions import ACCESS_ATTRIBUTE
from awards.core.views import NAV_ITEMS
from tests.factories import (
    AdminFactory,
    ApplicantFactory,
    JudgeFactory,
    SecretariatFactory,
)

FACTORIES = {
    Role.APPLICANT: ApplicantFactory,
    Role.JUDGE: JudgeFactory,
    Role.SECRETARIAT: SecretariatFactory,
    Role.ADMIN: AdminFactory,
}


def _nav_links(page: str) -> list[tuple[str, str]]:
    menu = re.search(r'<ul class="navbar-nav me-auto">(.*?)</ul>', page, re.S).group(1)
    return [
        (href, " ".join(html.unescape(label).split()))
        for href, label in re.findall(r'href="([^"]+)">(.*?)</a>', menu, re.S)
    ]


def url_for(endpoint: str) -> str:
    return current_app.url_map.bind("localhost").build(endpoint)


def _expected(role: Role) -> list[tuple[str, str]]:
    return [(url_for(endpoint), str(label)) for endpoint, label in NAV_ITEMS[role]]


@pytest.mark.parametrize("role", list(Role))
def test_navigation_shows_exactly_the_pages_of_the_role(client, login_as, db, role):
    login_as(FACTORIES[role]())
    links = _nav_links(client.get("/account").text)
    assert links == _expected(role)
    others = {link for other in Role for link in _expected(other)} - set(_expected(role))
    assert not others & set(links)


def test_navigation_examples_per_role(client, login_as, db):
    menus = {}
    for role in Role:
        login_as(FACTORIES[role]())
        menus[role] = [label for _href, label in _nav_links(client.get("/account").text)]
    assert "My applications" in menus[Role.APPLICANT]
    assert "My organisation" in menus[Role.APPLICANT]
    assert "My entries" in menus[Role.JUDGE]
    assert "Cycles" in menus[Role.SECRETARIAT] and "Cycles" in menus[Role.ADMIN]
    assert "Cycles" not in menus[Role.APPLICANT] + menus[Role.JUDGE]
    assert "My entries" not in menus[Role.APPLICANT] + menus[Role.SECRETARIAT]


@pytest.mark.parametrize("role", list(Role))
def test_every_navigation_link_opens_for_its_role(app, client, login_as, db, role):
    login_as(FACTORIES[role]())
    for endpoint, _label in NAV_ITEMS[role]:
        audience = getattr(app.view_functions[endpoint], ACCESS_ATTRIBUTE)
        assert "public" in audience or str(role) in audience, endpoint
        response = client.get(url_for(endpoint))
        assert response.status_code in (200, 302), endpoint
        if response.status_code == 302:  # e.g. "My organisation" before there is one
            assert client.get(response.headers["Location"]).status_code == 200


def test_current_page_is_marked_in_the_navigation(client, login_as, db):
    login_as(ApplicantFactory())
    page = client.get("/applications/").text
    marked = re.findall(r'<a class="nav-link active"\s+aria-current="page"\s+href="([^"]+)"', page)
    assert marked == ["/applications/"]


def test_anonymous_visitor_sees_sign_in_and_registration_only(client, db):
    page = client.get("/login").text
    assert _nav_links(page) == []
    assert '<a class="nav-link" href="/login">Sign in</a>' in page
    assert '<a class="nav-link" href="/register">Register your city</a>' in page
    assert "Sign out" not in page


def test_signed_in_user_sees_own_name_and_sign_out(client, login_as, db):
    login_as(JudgeFactory(name="Marie Dupont"))
    page = client.get("/account").text
    assert '<a class="nav-link" href="/account">Marie Dupont</a>' in page
    assert "Sign out</button>" in page
    assert 'href="/login"' not in page


def test_every_view_declares_its_audience(app):
    missing = [
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if not rule.endpoint.endswith("static")
        and not hasattr(app.view_functions[rule.endpoint], ACCESS_ATTRIBUTE)
    ]
    assert missing == [], "put an access decorator from awards.accounts.permissions on these"
