"""The secretariat's control room: cycles, criteria, rounds."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select

from awards.accounts.permissions import staff_required
from awards.cycles.models import Cycle
from awards.extensions import db

bp = Blueprint("cycles", __name__, url_prefix="/secretariat")


@bp.get("/")
@staff_required
def index():
    cycles = db.session.scalars(select(Cycle).order_by(Cycle.opens_at.desc())).all()
    return render_template("cycles/index.html", cycles=cycles)
