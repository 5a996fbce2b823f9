"""The judge's side: dashboard, entries, scoring, conflicts; and a review's history for staff."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from awards.accounts.permissions import judge_required, staff_required
from awards.core.private_cache import expire_private_page_at, private_page
from awards.cycles.models import RoundStatus
from awards.db import utcnow
from awards.errors import DomainError, StaleEdit
from awards.extensions import db
from awards.forms import attach_error
from awards.judging import permissions, queries, services
from awards.judging.forms import ConflictForm, review_form
from awards.judging.models import Review, ReviewStatus
from awards.judging.services import ReviewErrors, ReviewIntent
from awards.storage import StorageError, get_storage
from awards.submissions.models import Attachment

bp = Blueprint("judging", __name__, url_prefix="/judging")


def _assignment_or_404(round_id: int, submission_id: int):
    assignment = queries.assignment_for(current_user.id, round_id, submission_id)
    if not permissions.can_view_entry(current_user, assignment):
        abort(404)
    return assignment


def _attach_review_errors(form, exc: DomainError) -> None:
    if isinstance(exc, ReviewErrors):
        for name, message in exc.field_errors.items():
            attach_error(form, DomainError(message, field=name))
        form.form_errors.append(exc.message)
    else:
        attach_error(form, exc)


@bp.get("/")
@judge_required
@private_page
def dashboard():
    rounds = queries.judge_dashboard(current_user.id)
    expire_private_page_at(permissions.next_change_of_access([p.round for p in rounds]))
    return render_template(
        "judging/dashboard.html",
        rounds=rounds,
        accepting={p.round.id: permissions.round_accepts_reviews(p.round) for p in rounds},
    )


@bp.get("/guide")
@judge_required
def guide():
    return render_template("judging/guide.html")


@bp.route("/rounds/<int:round_id>/entries/<int:submission_id>", methods=["GET", "POST"])
@judge_required
@private_page
def entry(round_id: int, submission_id: int):
    assignment = _assignment_or_404(round_id, submission_id)
    review = queries.review_for(assignment)
    form = review_form(
        assignment.round, review, formdata=request.form if request.method == "POST" else None
    )
    status, saved_now = 200, None
    if request.method == "POST":
        status = 422
        if form.validate():
            was_submitted = review is not None and review.status == ReviewStatus.SUBMITTED
            try:
                review = services.save_review(
                    assignment, form.to_input(), actor=current_user, intent=form.intent
                )
            except StaleEdit as exc:
                attach_error(form, exc)
                # Show what is saved now next to what was typed; a second click keeps theirs.
                review = queries.review_for(assignment)
                form.lock_version.data = str(review.lock_version if review else 0)
                saved_now, status = review, 409
            except DomainError as exc:
                _attach_review_errors(form, exc)
            else:
                return _after_save(assignment, review, form, was_submitted=was_submitted)
    return _render_entry(assignment, review, form, saved_now=saved_now), status


def _after_save(assignment, review: Review, form, *, was_submitted: bool):
    if review.status == ReviewStatus.SUBMITTED and not was_submitted:
        flash(_("Your review is submitted. Thank you."), "success")
    elif was_submitted:
        flash(_("The changes to your submitted review are saved."), "success")
    else:
        flash(_("Your draft is saved."), "success")
    if form.wants_next:
        order = queries.judge_round_order(current_user.id, assignment.round_id)
        upcoming = queries.next_unscored(order, assignment.submission_id)
        if upcoming is None:
            flash(_("That was the last entry you had not submitted in this round."), "info")
            return redirect(url_for("judging.dashboard"))
        return redirect(
            url_for(
                "judging.entry", round_id=assignment.round_id, submission_id=upcoming.submission_id
            )
        )
    return redirect(
        url_for(
            "judging.entry", round_id=assignment.round_id, submission_id=assignment.submission_id
        )
    )


def _render_entry(assignment, review, form, *, saved_now=None, conflict_form=None):
    round_ = assignment.round
    expire_private_page_at(permissions.next_change_of_access([round_]))
    order = queries.judge_round_order(current_user.id, assignment.round_id)
    position = next(
        (i for i, e in enumerate(order) if e.submission_id == assignment.submission_id), 0
    )
    others = (
        queries.other_counted_reviews(assignment)
        if permissions.can_see_other_reviews(current_user, assignment, review)
        else None
    )
    return render_template(
        "judging/entry.html",
        assignment=assignment,
        round=round_,
        cycle=round_.cycle,
        entry=queries.visible_entry(assignment.submission, round_),
        review=review,
        form=form,
        conflict_form=conflict_form or ConflictForm(formdata=None),
        editable=permissions.can_edit_review(current_user, assignment),
        lock_reason=_lock_reason(round_),
        can_declare_conflict=permissions.can_declare_conflict(current_user, assignment),
        order=order,
        position=position,
        previous_entry=order[position - 1] if position > 0 else None,
        next_entry=order[position + 1] if position + 1 < len(order) else None,
        others=others,
        saved_now=saved_now,
        form_state="unsaved" if request.method == "POST" else "saved",
    )


def _lock_reason(round_) -> str | None:
    if permissions.round_accepts_reviews(round_):
        return None
    if round_.status == RoundStatus.OPEN and round_.opens_at and utcnow() < round_.opens_at:
        return "not_open_yet"
    return "closed"


@bp.post("/rounds/<int:round_id>/entries/<int:submission_id>/autosave")
@judge_required
def autosave(round_id: int, submission_id: int):
    """Save a draft from the page's script; answers JSON."""
    assignment = _assignment_or_404(round_id, submission_id)
    review = queries.review_for(assignment)
    form = review_form(assignment.round, review, formdata=request.form)
    if not form.validate():
        return jsonify(
            ok=False,
            message=_("Not saved: please correct the fields marked in red."),
            errors={name: " ".join(map(str, errs)) for name, errs in form.errors.items()},
        ), 422
    try:
        review = services.save_review(
            assignment, form.to_input(), actor=current_user, intent=ReviewIntent.AUTOSAVE
        )
    except StaleEdit as exc:
        return jsonify(ok=False, stale=True, message=exc.message), 409
    except ReviewErrors as exc:
        return jsonify(ok=False, message=exc.message, errors=exc.field_errors), 422
    except DomainError as exc:
        return jsonify(ok=False, message=exc.message), 409
    return jsonify(
        ok=True,
        lock_version=review.lock_version,
        saved_at=review.updated_at.isoformat(),
        saved_at_label=format_datetime(review.updated_at, "short"),
        message=_("Draft saved at %(time)s", time=format_datetime(review.updated_at, "short")),
    )


@bp.route("/rounds/<int:round_id>/entries/<int:submission_id>/conflict", methods=["GET", "POST"])
@judge_required
def declare_conflict(round_id: int, submission_id: int):
    assignment = _assignment_or_404(round_id, submission_id)
    if not permissions.can_declare_conflict(current_user, assignment):
        flash(
            _("This round is closed. Please write to the secretariat about the conflict."),
            "warning",
        )
        return redirect(url_for("judging.entry", round_id=round_id, submission_id=submission_id))
    form = ConflictForm()
    if form.validate_on_submit():
        try:
            services.declare_conflict(assignment, actor=current_user, reason=form.reason.data)
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(
                _(
                    "Thank you. %(reference)s has left your list, and the secretariat has been "
                    "told.",
                    reference=assignment.submission.reference_code,
                ),
                "success",
            )
            return redirect(url_for("judging.dashboard"))
    status = 422 if form.errors or form.form_errors else 200
    return render_template(
        "judging/conflict.html",
        assignment=assignment,
        entry=queries.visible_entry(assignment.submission, assignment.round),
        form=form,
    ), status


@bp.get("/rounds/<int:round_id>/entries/<int:submission_id>/attachments/<int:attachment_id>")
@judge_required
def attachment(round_id: int, submission_id: int, attachment_id: int):
    """A short-lived link to the file in the store, after the permission check."""
    assignment = _assignment_or_404(round_id, submission_id)
    file = db.session.get(Attachment, attachment_id)
    if not permissions.can_download_attachment(current_user, assignment, file):
        abort(404)
    try:
        url = get_storage().presigned_get(
            file.storage_key,
            filename=file.original_name,
            content_type=file.content_type,
            inline=queries.opens_inline(file),
        )
    except StorageError as exc:
        abort(503, description=exc.message)
    response = redirect(url)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/reviews/<int:review_id>/history")
@staff_required
def review_history(review_id: int):
    review = db.session.get(Review, review_id)
    if review is None or not permissions.can_view_review_history(current_user):
        abort(404)
    criteria = {c.id: c.name for c in review.round.cycle.criteria}
    return render_template(
        "judging/history.html",
        review=review,
        events=queries.review_history(review),
        criteria=criteria,
        standing=queries.standing_of(review),
    )


@bp.errorhandler(CSRFError)
def form_expired(exc: CSRFError):
    """A form posted after the session expired: nothing typed is lost, because drafts are
    autosaved and the page keeps a copy in the browser; send the judge back to the form."""
    if request.endpoint == "judging.autosave":
        signed_out = not current_user.is_authenticated
        return jsonify(
            ok=False,
            signed_out=signed_out,
            message=_("Your session has expired. Your text is kept in this browser."),
        ), (401 if signed_out else 400)
    if not current_user.is_authenticated:
        flash(
            _(
                "Your session expired. Your last saved draft is kept: sign in again to go "
                "back to it."
            ),
            "warning",
        )
        return redirect(url_for("accounts.login", next=request.path))
    flash(
        _(
            "This page had expired, so nothing was saved from it. Below is your last saved "
            "draft; anything typed since can be restored from this browser."
        ),
        "warning",
    )
    return redirect(request.path)
