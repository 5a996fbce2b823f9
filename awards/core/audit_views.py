"""The audit trail, for the secretariat: who changed what, when, before and after."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import Blueprint, render_template, request
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Optional

from awards.accounts.models import User
from awards.accounts.permissions import staff_required
from awards.core.models import AuditEvent
from awards.db import utcnow
from awards.extensions import db

bp = Blueprint("audit", __name__, url_prefix="/secretariat/audit")
PAGE_SIZE = 50


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form changes nothing

    action = StringField("Action starts with", validators=[Optional()])
    subject_type = SelectField("Subject", validators=[Optional()])
    subject_id = StringField("Subject id", validators=[Optional()])
    actor = StringField("Changed by (e-mail)", validators=[Optional()])
    since = DateField("From", validators=[Optional()])
    until = DateField("To", validators=[Optional()])


def filtered_events(form: AuditFilterForm):
    query = select(AuditEvent, User.email).outerjoin(User, User.id == AuditEvent.actor_id)
    if form.action.data:
        query = query.where(AuditEvent.action.startswith(form.action.data.strip()))
    if form.subject_type.data:
        query = query.where(AuditEvent.subject_type == form.subject_type.data)
    if form.subject_id.data and form.subject_id.data.strip().isdigit():
        query = query.where(AuditEvent.subject_id == int(form.subject_id.data.strip()))
    if form.actor.data:
        query = query.where(User.email == form.actor.data.strip().lower())
    if form.since.data:
        query = query.where(AuditEvent.created_at >= _utc_midnight(form.since.data))
    if form.until.data:
        query = query.where(
            AuditEvent.created_at < _utc_midnight(form.until.data) + timedelta(days=1)
        )
    return query


def _utc_midnight(day) -> datetime:
    return datetime.combine(day, time.min, tzinfo=utcnow().tzinfo)


@bp.get("/")
@staff_required
def index():
    form = AuditFilterForm(request.args)
    subject_types = db.session.scalars(
        select(AuditEvent.subject_type).distinct().order_by(AuditEvent.subject_type)
    ).all()
    form.subject_type.choices = [("", "All")] + [(t, t) for t in subject_types]
    form.validate()
    page = max(request.args.get("page", 1, type=int), 1)
    query = filtered_events(form)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.execute(
        query.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    return render_template(
        "core/audit.html",
        form=form,
        rows=rows,
        total=total,
        page=page,
        pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
    )
