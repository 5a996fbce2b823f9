"""Languages and time zones: the user's choice first, then the browser."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from babel.dates import format_datetime as babel_format
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import format_datetime, format_number, get_locale, get_timezone
from flask_login import current_user
from flask_login.config import COOKIE_NAME as REMEMBER_COOKIE

from awards.accounts.models import ROLE_LABELS, Role
from awards.accounts.regions import country_name, region_name
from awards.extensions import babel
from awards.submissions.models import INITIATIVE_STATUS_LABELS, InitiativeStatus


def _may_be_signed_in() -> bool:
    """False when the request carries neither a session with a user nor a remember cookie:
    then nobody is signed in, and looking (Flask-Login's loader hashes the client's address and
    browser) is a fifth of a public page's time."""
    remember_cookie = current_app.config.get("REMEMBER_COOKIE_NAME", REMEMBER_COOKIE)
    return "_user_id" in session or remember_cookie in request.cookies


def select_locale() -> str:
    if not has_request_context():  # the worker and the CLI: mail passes its locale explicitly
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = list(current_app.config["LANGUAGES"])
    if _may_be_signed_in() and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("locale") in languages:
        return session["locale"]
    return (
        request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def select_timezone() -> str | None:
    """The viewer's own choice (account settings), else the zone their browser reported."""
    if not has_request_context():
        return None
    if _may_be_signed_in() and current_user.is_authenticated and current_user.timezone:
        return current_user.timezone
    return session.get("timezone")


def is_timezone(name: str) -> bool:
    return name in _timezones()


@cache
def _timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def timezone_is_known() -> bool:
    """False until the viewer chose a zone or their browser told us (see static/js/timezone.js);
    until then times show in UTC, and say so."""
    return select_timezone() is not None


def in_zone(value: datetime | None, zone_name: str, fmt: str = "medium") -> str:
    """Format an aware datetime in a named zone (a cycle's), in the viewer's language."""
    if value is None:
        return ""
    return babel_format(value, format=fmt, tzinfo=ZoneInfo(zone_name), locale=get_locale())


def utc_offset_label(zone_name: str, at: datetime) -> str:
    offset = at.astimezone(ZoneInfo(zone_name)).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{mins:02d}" if mins else "")


def register(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.jinja_env.filters["datetime"] = lambda value, fmt="medium": (
        format_datetime(value, fmt) if value else ""
    )
    app.jinja_env.filters["in_zone"] = in_zone
    app.jinja_env.globals["utc_offset_label"] = utc_offset_label
    app.jinja_env.globals["country_name"] = country_name
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.filters["format_number"] = format_number
    app.jinja_env.globals["viewer_timezone"] = lambda: str(get_timezone())
    app.jinja_env.globals["timezone_is_known"] = timezone_is_known
    app.jinja_env.globals["role_label"] = lambda role: ROLE_LABELS[Role(role)]
    app.jinja_env.globals["region_name"] = region_name
    app.jinja_env.globals["initiative_status_label"] = lambda status: INITIATIVE_STATUS_LABELS[
        InitiativeStatus(status)
    ]
