"""The applicant's side: dashboard and applications."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from awards.accounts.permissions import applicant_required
from awards.cycles.queries import open_cycles

bp = Blueprint("submissions", __name__, url_prefix="/applications")


@bp.get("/")
@applicant_required
def dashboard():
    return render_template(
        "submissions/dashboard.html", organisation=current_user.organisation, cycles=open_cycles()
    )
