"""Validity screening of submitted entries by the secretariat."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("screening", __name__, url_prefix="/secretariat/screening")
