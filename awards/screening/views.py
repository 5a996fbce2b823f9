"""Validity screening of submitted entries by the secretariat."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from awards.accounts.permissions import staff_required
from awards.accounts.regions import REGIONS
from awards.cycles.models import Cycle
from awards.cycles.queries import latest_cycle
from awards.cycles.zones import to_local, to_utc
from awards.db import utcnow
from awards.errors import DomainError
from awards.extensions import db
from awards.forms import attach_error
from awards.screening import queries, services
from awards.screening.forms import BulkForm, ClarificationForm, InvalidForm
from awards.screening.permissions import can_screen
from awards.submissions.models import Submission, SubmissionStatus
from awards.submissions.workflow import can_transition, status_label

bp = Blueprint("screening", __name__, url_prefix="/secretariat/screening")


def _cycle_from_args() -> Cycle | None:
    cycle_id = request.args.get("cycle", type=int)
    if cycle_id is None:
        return latest_cycle()
    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None:
        abort(404)
    return cycle


def _filters() -> queries.QueueFilter:
    raw = request.args.get("status", SubmissionStatus.SUBMITTED.value)
    try:
        status = None if raw == "all" else SubmissionStatus(raw)
    except ValueError:
        status = SubmissionStatus.SUBMITTED
    region = request.args.get("region", "")
    return queries.QueueFilter(
        status=status,
        country=request.args.get("country", "").upper()[:2],
        region=region if region in REGIONS else "",
        search=request.args.get("q", "")[:100],
    )


@bp.get("/")
@staff_required
def index():
    cycle = _cycle_from_args()
    if cycle is None:
        return render_template("screening/index.html", cycle=None)
    return _render_queue(cycle, BulkForm(), 200)


def _render_queue(cycle: Cycle, form: BulkForm, status: int):
    filters = _filters()
    page = max(request.args.get("page", 1, type=int), 1)
    entries, total = queries.queue(cycle.id, filters, page=page)
    return render_template(
        "screening/index.html",
        cycle=cycle,
        cycles=db.session.scalars(select(Cycle).order_by(Cycle.opens_at.desc())).all(),
        entries=entries,
        total=total,
        page=page,
        page_size=queries.PAGE_SIZE,
        filters=filters,
        counts=queries.counts(cycle.id),
        duplicates=queries.duplicate_flags(entries),
        statuses=queries.SCREENED_STATUSES,
        regions=REGIONS,
        status_label=status_label,
        form=form,
    ), status


@bp.post("/bulk")
@staff_required
def bulk():
    cycle = _cycle_from_args()
    if cycle is None:
        abort(404)
    form = BulkForm()
    if form.validate_on_submit():
        chosen = db.session.scalars(
            select(Submission).where(
                Submission.id.in_(form.ids.data or []), Submission.cycle_id == cycle.id
            )
        ).all()
        chosen = [s for s in chosen if can_screen(current_user, s)]
        try:
            result = services.bulk_screen(
                chosen, actor=current_user, action=form.action.data, reason=form.reason.data or ""
            )
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(
                ngettext("%(num)d entry changed.", "%(num)d entries changed.", len(result.done)),
                "success",
            )
            for submission, message in result.skipped:
                flash(f"{submission.reference_code}: {message}", "warning")
            return redirect(url_for("screening.index", **request.args.to_dict()))
    return _render_queue(cycle, form, 422)


def _entry_or_404(submission_id: int) -> Submission:
    submission = db.session.scalar(
        select(Submission)
        .where(Submission.id == submission_id)
        .options(
            selectinload(Submission.organisation),
            selectinload(Submission.partners),
            selectinload(Submission.contacts),
            selectinload(Submission.domains),
            selectinload(Submission.answers),
            selectinload(Submission.attachments),
        )
    )
    if submission is None or not can_screen(current_user, submission):
        abort(404)
    return submission


def _render_entry(submission, *, invalid_form=None, clarification_form=None, status=200):
    cycle = submission.cycle
    if clarification_form is None:
        clarification_form = ClarificationForm(
            data={"deadline": to_local(max(cycle.final_deadline, utcnow()), cycle.time_zone)}
        )
    return render_template(
        "screening/entry.html",
        submission=submission,
        cycle=cycle,
        duplicates=queries.likely_duplicates(submission),
        history=queries.screening_history(submission),
        invalid_form=invalid_form or InvalidForm(),
        clarification_form=clarification_form,
        can_transition=can_transition,
        S=SubmissionStatus,
        status_label=status_label,
    ), status


@bp.get("/<int:submission_id>")
@staff_required
def entry(submission_id: int):
    return _render_entry(_entry_or_404(submission_id))


def _back_to_queue(submission: Submission):
    return redirect(url_for("screening.index", cycle=submission.cycle_id))


@bp.post("/<int:submission_id>/valid")
@staff_required
def mark_valid(submission_id: int):
    submission = _entry_or_404(submission_id)
    try:
        services.mark_valid(submission, actor=current_user)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("screening.entry", submission_id=submission.id))
    flash(_("%(code)s is valid.", code=submission.reference_code), "success")
    return _back_to_queue(submission)


@bp.post("/<int:submission_id>/invalid")
@staff_required
def mark_invalid(submission_id: int):
    submission = _entry_or_404(submission_id)
    form = InvalidForm()
    if form.validate_on_submit():
        try:
            services.mark_invalid(submission, actor=current_user, reason=form.reason.data)
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(
                _(
                    "%(code)s is marked not valid; the applicant is told.",
                    code=submission.reference_code,
                ),
                "success",
            )
            return _back_to_queue(submission)
    return _render_entry(submission, invalid_form=form, status=422)


@bp.post("/<int:submission_id>/clarification")
@staff_required
def ask_clarification(submission_id: int):
    submission = _entry_or_404(submission_id)
    form = ClarificationForm()
    if form.validate_on_submit():
        try:
            services.request_clarification(
                submission,
                actor=current_user,
                message=form.message.data,
                deadline=to_utc(form.deadline.data, submission.cycle.time_zone),
            )
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(
                _(
                    "%(code)s is back with the applicant for clarification.",
                    code=submission.reference_code,
                ),
                "success",
            )
            return _back_to_queue(submission)
    return _render_entry(submission, clarification_form=form, status=422)


@bp.get("/<int:submission_id>/compare/<int:other_id>")
@staff_required
def compare(submission_id: int, other_id: int):
    left = _entry_or_404(submission_id)
    right = _entry_or_404(other_id)
    if right.cycle_id != left.cycle_id or right.id == left.id:
        abort(404)
    return render_template(
        "screening/compare.html",
        pair=[left, right],
        cycle=left.cycle,
        status_label=status_label,
        similar=queries.titles_similar(left.title, right.title),
    )
