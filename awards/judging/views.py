"""The judge's side: dashboard, entries, scoring."""

from __future__ import annotations

from flask import Blueprint, render_template

from awards.accounts.permissions import judge_required

bp = Blueprint("judging", __name__, url_prefix="/judging")


@bp.get("/")
@judge_required
def dashboard():
    return render_template("judging/dashboard.html")
