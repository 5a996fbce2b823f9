"""Home page, health check and language choice."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import flask_bootstrap
from flask import (
    Blueprint,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import text

from awards.accounts.models import Role
from awards.accounts.permissions import public
from awards.extensions import db
from awards.security import safe_redirect_target
from awards.storage import StorageError, get_storage

bp = Blueprint("core", __name__)

# Bootstrap 5 comes from the bootstrap-flask package and is served from our own origin:
# installations may have no internet, and the Content-Security-Policy allows only 'self'.
_bootstrap_dir = Path(flask_bootstrap.__file__).parent / "static" / "bootstrap5"
vendor = Blueprint(
    "vendor",
    __name__,
    static_folder=str(_bootstrap_dir),
    static_url_path="/static/vendor/bootstrap",
)
bp.register_blueprint(vendor)


# What each role can reach from the navigation bar; features add their pages here.
STAFF_NAV = [
    ("cycles.index", _l("Cycles")),
    ("screening.index", _l("Screening")),
    ("cycles.people_index", _l("Judges")),
    ("results.index", _l("Results")),
    ("votes.admin_index", _l("Public vote")),
    ("audit.index", _l("Audit trail")),
]
NAV_ITEMS: dict[Role, list[tuple[str, Any]]] = {
    Role.APPLICANT: [
        ("submissions.dashboard", _l("My applications")),
        ("accounts.organisation", _l("My organisation")),
    ],
    Role.JUDGE: [
        ("judging.dashboard", _l("My entries")),
        ("judging.guide", _l("How scoring works")),
    ],
    Role.SECRETARIAT: STAFF_NAV,
    Role.ADMIN: STAFF_NAV,
}


@bp.app_context_processor
def navigation():
    def nav_items():
        if not current_user.is_authenticated:
            return []
        return NAV_ITEMS.get(current_user.role, [])

    return {"nav_items": nav_items}


@bp.get("/")
@public
def home():
    if current_user.is_authenticated:
        from awards.accounts.permissions import home_endpoint_for

        return redirect(url_for(home_endpoint_for(current_user)))
    from awards.cycles.queries import open_cycles

    return render_template("core/home.html", cycles=open_cycles())


@bp.get("/healthz")
@public
def healthz():
    checks: dict[str, str] = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001  (any failure means "not healthy")
        db.session.rollback()
        current_app.logger.warning("health check: database failed: %s", exc)
        checks["database"] = "unavailable"
    try:
        get_storage().check()
        checks["storage"] = "ok"
    except StorageError as exc:
        current_app.logger.warning("health check: storage failed: %s", exc)
        checks["storage"] = "unavailable"
    healthy = all(value == "ok" for value in checks.values())
    body = {"status": "ok" if healthy else "unavailable", "checks": checks}
    return jsonify(body), 200 if healthy else 503


@bp.get("/language/<locale>")
@public
def choose_language(locale: str):
    """The language links visitors without an account see: the choice lives in their session
    only (a link changes nothing stored, so it needs no form token, and the pages they read
    stay free of anything personal: see awards/core/page_cache.py)."""
    if locale in current_app.config["LANGUAGES"]:
        session["locale"] = locale
    return redirect(safe_redirect_target(request.args.get("next")) or "/")


@bp.post("/language")
@public
def set_language():
    locale = request.form.get("locale", "")
    if locale in current_app.config["LANGUAGES"]:
        session["locale"] = locale
        if current_user.is_authenticated:
            current_user.locale = locale
    return redirect(safe_redirect_target(request.form.get("next")) or "/")
