"""Languages (the viewer's choice, then the browser) and time zones (the viewer's, for their own
dates; the cycle's, for deadlines), and catalogs that are complete and compiled."""

from __future__ import annotations

import gettext
import html
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import select

from awards.accounts.models import User
from awards.db import frozen_clock
from tests.accounts.helpers import only_message_to
from tests.conftest import IsolatedClient
from tests.factories import CycleFactory, SecretariatFactory, UserFactory

CATALOGS = Path(__file__).resolve().parents[2] / "awards" / "translations"
LOCALES = ("zh", "fr", "es")

# The sign-in button and the navigation's link to registration, as each language shows them.
SIGN_IN = {"en": "Sign in", "fr": "Se connecter", "es": "Iniciar sesión", "zh": "登录"}
REGISTER = {
    "en": "Register your city",
    "fr": "Inscrire votre ville",
    "es": "Registre su ciudad",
    "zh": "注册您的城市",
}


@pytest.fixture
def client(app):
    return IsolatedClient(app, app.response_class, use_cookies=True)


def _page(response) -> str:
    assert response.status_code == 200
    return html.unescape(response.text)


def _shows(page: str, language: str) -> bool:
    return (
        f'<html lang="{language}"' in page
        and f">{SIGN_IN[language]}</button>" in page
        and f">{REGISTER[language]}</a>" in page
    )


@pytest.mark.parametrize(
    ("accept_language", "expected"),
    [
        ("fr", "fr"),
        ("fr-CA,fr;q=0.9,en;q=0.5", "fr"),
        ("es-419", "es"),
        ("zh-CN,zh;q=0.9", "zh"),
        ("de-DE,de;q=0.9", "en"),  # not offered: the source language
        ("", "en"),
    ],
)
def test_language_follows_the_browser(client, accept_language, expected):
    page = _page(client.get("/login", headers={"Accept-Language": accept_language}))
    assert _shows(page, expected)


def test_language_picked_by_the_visitor_beats_the_browser(client):
    response = client.post("/language", data={"locale": "es", "next": "/login"})
    assert response.headers["Location"] == "/login"
    assert _shows(_page(client.get("/login", headers={"Accept-Language": "fr"})), "es")


def test_visitors_without_an_account_pick_a_language_with_a_link(client):
    page = _page(client.get("/login"))
    assert 'href="/language/zh?next=/login"' in page
    assert '<meta name="csrf-token"' not in page  # the layout holds nothing personal

    response = client.get("/language/zh?next=/login")

    assert response.headers["Location"] == "/login"
    assert _shows(_page(client.get("/login", headers={"Accept-Language": "fr"})), "zh")


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/"])
def test_a_language_link_never_leads_off_the_site(client, target):
    response = client.get("/language/xx", query_string={"next": target})
    assert response.headers["Location"] == "/"
    assert _shows(_page(client.get("/login", headers={"Accept-Language": "fr"})), "fr")


def test_language_pick_of_an_unknown_locale_is_ignored(client):
    client.post("/language", data={"locale": "xx"})
    assert _shows(_page(client.get("/login", headers={"Accept-Language": "fr"})), "fr")


def test_language_saved_on_the_account_beats_browser_and_session(client, login_as, db):
    login_as(UserFactory(locale="zh"))
    with client.session_transaction() as session:
        session["locale"] = "es"
    page = _page(client.get("/account", headers={"Accept-Language": "fr"}))
    assert '<html lang="zh"' in page
    assert "退出" in page  # "Sign out"


def test_language_picked_while_signed_in_is_saved_on_the_account(client, login_as, db):
    user = UserFactory(locale="en")
    login_as(user)
    client.post("/language", data={"locale": "fr", "next": "/account"})
    assert db.session.get(User, user.id).locale == "fr"


def test_registration_keeps_the_page_language_for_the_confirmation_mail(
    client, db, mailbox, deliver_mail
):
    client.post(
        "/register",
        headers={"Accept-Language": "fr-FR,fr;q=0.9"},
        data={
            "name": "Amélie",
            "email": "amelie@lyon.fr",
            "password": "correct-horse-battery",
            "confirm": "correct-horse-battery",
        },
    )
    assert db.session.scalar(select(User.locale)) == "fr"
    deliver_mail()
    message = only_message_to(mailbox, "amelie@lyon.fr")
    assert message["Subject"] == "Confirmez votre adresse e-mail"


# Time zones ------------------------------------------------------------------------------------

CREATED = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
CREATED_SENTENCE = {
    "en": "Account created on {when}, shown in your time zone ({zone}).",
    "fr": "Compte créé le {when}, affiché dans votre fuseau horaire ({zone}).",
    "es": "Cuenta creada el {when}, mostrada en su zona horaria ({zone}).",
    "zh": "账户创建于 {when}，按您的时区（{zone}）显示。",
}


def _profile(client) -> str:
    return _page(client.get("/account"))


@pytest.mark.parametrize(
    ("zone", "locale", "shown"),
    [
        ("America/Sao_Paulo", "en", "Mar 1, 2025, 9:00:00\u202fAM"),
        ("Asia/Shanghai", "en", "Mar 1, 2025, 8:00:00\u202fPM"),
        ("Asia/Shanghai", "fr", "1 mars 2025, 20:00:00"),
        ("Europe/Madrid", "es", "1 mar 2025, 13:00:00"),
        ("Asia/Shanghai", "zh", "2025年3月1日 20:00:00"),
    ],
)
def test_dates_show_in_the_viewers_time_zone_and_language(
    client, login_as, db, zone, locale, shown
):
    login_as(UserFactory(timezone=zone, locale=locale, created_at=CREATED))
    assert CREATED_SENTENCE[locale].format(when=shown, zone=zone) in _profile(client)


def test_time_zone_reported_by_the_browser_is_used_until_one_is_chosen(client, login_as, db):
    user = UserFactory(timezone=None, created_at=CREATED)
    login_as(user)
    page = _profile(client)
    # UTC until known, and the page asks the browser.
    assert CREATED_SENTENCE["en"].format(when="Mar 1, 2025, 12:00:00\u202fPM", zone="UTC") in page
    assert 'data-timezone-url="/account/timezone"' in page

    assert client.post("/account/timezone", data={"timezone": "Not/AZone"}).status_code == 400
    assert client.post("/account/timezone", data={"timezone": "Asia/Shanghai"}).status_code == 204
    page = _profile(client)
    assert "Mar 1, 2025, 8:00:00\u202fPM" in page
    assert "data-timezone-url" not in page

    # A zone chosen in the settings wins over the browser's.
    db.session.get(User, user.id).timezone = "America/Sao_Paulo"
    db.session.commit()
    assert "Mar 1, 2025, 9:00:00\u202fAM" in _profile(client)


def test_deadlines_show_in_the_cycles_zone_with_its_offset(client, db):
    deadline = datetime(2025, 10, 31, 15, 59, 59, tzinfo=UTC)
    with frozen_clock(datetime(2025, 10, 1, tzinfo=UTC)):
        CycleFactory(
            name="7th Guangzhou Award",
            opens_at=datetime(2025, 9, 29, tzinfo=UTC),
            final_deadline=deadline,
        )
        page = _page(client.get("/", headers={"Accept-Language": "en"}))
        assert "Final deadline: <strong>Oct 31, 2025, 11:59:59\u202fPM</strong> (UTC+8)" in page
        french = _page(client.get("/", headers={"Accept-Language": "fr"}))
    assert "31 oct. 2025, 23:59:59" in french


# Catalogs --------------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_translations_keep_every_placeholder(locale):
    with open(CATALOGS / locale / "LC_MESSAGES" / "messages.po", "rb") as po:
        catalog = read_po(po, locale=locale)
    problems = [
        (message.id, [str(error) for error in errors]) for message, errors in catalog.check()
    ]
    assert problems == []


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_compiled_mo_is_up_to_date_with_its_po(locale):
    folder = CATALOGS / locale / "LC_MESSAGES"
    with open(folder / "messages.po", "rb") as po:
        catalog = read_po(po, locale=locale)
    expected = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        if isinstance(message.id, tuple):
            # A plural message: one key per form, as gettext reads it; pybabel writes the
            # English singular or plural where a form is left empty.
            for index, form in enumerate(message.string):
                expected[(message.id[0], index)] = form or message.id[min(index, 1)]
        elif message.string:
            expected[message.id] = message.string
    with open(folder / "messages.mo", "rb") as mo:
        compiled = {
            key: value for key, value in gettext.GNUTranslations(mo)._catalog.items() if key
        }
    assert compiled == expected, "run `make translations` and commit the .mo files"
    assert len(expected) >= 25  # navigation and the sign-in page at least


def test_the_form_library_s_own_messages_follow_the_page_language(client, login_as, db):
    from awards.security import wtforms_catalog

    staff = login_as(SecretariatFactory(locale="fr"))
    wtforms_catalog.cache_clear()
    for _ in range(2):
        response = staff.post("/secretariat/cycles/new", data={"time_zone": "Mars/Olympus"})
        assert response.status_code == 422
        assert "N&#39;est pas un choix valide." in response.get_data(as_text=True)
    # read from disk once per language and process, not on every request with a form
    assert wtforms_catalog.cache_info().misses == 1


def test_a_request_without_cookies_looks_for_no_signed_in_user(app, monkeypatch):
    """Nobody can be signed in without a session or a remember cookie, so the language comes
    from the browser without asking Flask-Login (its loader hashes the client's address and
    browser on every call)."""
    from awards.i18n import select_locale, select_timezone

    looked = []
    monkeypatch.setattr(app.login_manager, "_load_user", lambda: looked.append(1))
    with app.test_request_context("/", headers={"Accept-Language": "es-419"}):
        assert select_locale() == "es"
        assert select_timezone() is None
    assert looked == []


def test_a_remembered_user_s_language_applies_without_a_session(app, db):
    """Signed in with "Keep me signed in", the browser later returns with only the remember
    cookie: the account's language still wins over the browser's."""
    from flask_login.utils import encode_cookie

    from awards.i18n import select_locale

    user = UserFactory(locale="zh")
    with app.test_request_context("/"):
        cookie = encode_cookie(user.get_id())
    headers = {"Accept-Language": "fr", "Cookie": f"remember_token={cookie}"}
    with app.test_request_context("/", headers=headers):
        assert select_locale() == "zh"
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        assert select_locale() == "fr"
