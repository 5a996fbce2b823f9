"""The secretariat's side of judging: panels, conflicts, assignment, progress."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("rounds_admin", __name__, url_prefix="/secretariat/rounds")
