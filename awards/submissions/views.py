"""The applicant's side: dashboard, the two steps, attachments, submit, revise, withdraw.

Every URL of an application answers 404 to anyone outside its organisation. Saves answer JSON
to the autosave script (it asks with `Accept: application/json`) and HTML otherwise, so every
page also works without JavaScript.
"""

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
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from awards.accounts.permissions import applicant_required, signed_in
from awards.cycles.models import FormSection
from awards.cycles.queries import cycle_by_slug, open_cycles
from awards.db import utcnow
from awards.errors import DomainError, StaleEdit
from awards.extensions import db
from awards.forms import attach_error
from awards.i18n import in_zone
from awards.submissions import services
from awards.submissions.files import KINDS, human_size
from awards.submissions.forms import (
    AttachmentDetailsForm,
    AttachmentForm,
    BasicInfoForm,
    ConfirmForm,
    NewApplicationForm,
    SectionForm,
    VideoLinkForm,
    WithdrawForm,
    basic_info_form_for,
    pad_contact_rows,
)
from awards.submissions.models import SubmissionVersion
from awards.submissions.permissions import (
    can_delete_draft,
    can_edit_submission,
    can_reopen,
    can_withdraw,
)
from awards.submissions.queries import (
    answers_by_section,
    attachment_of_or_404,
    attachment_usage,
    count_words,
    cycle_is_open,
    dashboard_submissions,
    deadline_passed,
    effective_deadline,
    eligibility_window,
    member_submission_or_404,
    missing_items,
    next_step,
    sent_feedback,
    viewable_submission_or_404,
)
from awards.submissions.sdgs import SDG_TITLES, sdg_label
from awards.submissions.workflow import EDITABLE_STATUSES, status_label

bp = Blueprint("submissions", __name__, url_prefix="/applications")

MB = 1024 * 1024


@bp.context_processor
def _helpers():
    return {
        "status_label": status_label,
        "effective_deadline": effective_deadline,
        "sdg_label": sdg_label,
        "sdg_titles": SDG_TITLES,
        "human_size": human_size,
        "count_words": count_words,
        "can_edit_submission": can_edit_submission,
        "can_withdraw": can_withdraw,
        "can_reopen": can_reopen,
        "can_delete_draft": can_delete_draft,
        "deadline_passed": deadline_passed,
    }


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _status(form, default: int = 200) -> int:
    return 422 if form.errors or form.form_errors else default


def _saved_payload(version: int) -> dict:
    now = utcnow()
    return {"ok": True, "version": version, "saved_at": now.isoformat()}


# --------------------------------------------------------------------------- dashboard


@bp.get("/")
@applicant_required
def dashboard():
    organisation = current_user.organisation
    submissions = dashboard_submissions(organisation.id) if organisation else []
    steps = {}
    for submission in submissions:
        missing = missing_items(submission) if submission.status in EDITABLE_STATUSES else []
        steps[submission.id] = next_step(submission, missing)
    return render_template(
        "submissions/dashboard.html",
        organisation=organisation,
        cycles=open_cycles(),
        submissions=submissions,
        steps=steps,
    )


@bp.route("/new/<slug>", methods=["GET", "POST"])
@applicant_required
def new(slug: str):
    cycle = cycle_by_slug(slug)
    if cycle is None:
        abort(404)
    if current_user.organisation is None:
        flash(_("First register your organisation, or ask a colleague to invite you."), "info")
        return redirect(url_for("accounts.create_organisation"))
    form = NewApplicationForm()
    if form.validate_on_submit():
        try:
            submission = services.create_submission(
                cycle=cycle,
                organisation=current_user.organisation,
                title=form.title.data,
                actor=current_user,
            )
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(_("Your application is started. It saves as you type."), "success")
            if submission.duplicate_of_id:
                flash(
                    _(
                        "Your organisation has an application with a very similar title "
                        "already. If it is the same initiative, continue with that one."
                    ),
                    "warning",
                )
            return redirect(url_for("submissions.basic", submission_id=submission.id))
    return render_template(
        "submissions/new.html", form=form, cycle=cycle, cycle_open=cycle_is_open(cycle)
    ), _status(form)


# ---------------------------------------------------------------------------- overview


@bp.get("/<int:submission_id>")
@applicant_required
def overview(submission_id: int):
    submission = member_submission_or_404(current_user, submission_id)
    editable = submission.status in EDITABLE_STATUSES
    missing = missing_items(submission) if editable else []
    return render_template(
        "submissions/overview.html",
        submission=submission,
        missing=missing,
        step=next_step(submission, missing),
        feedback=sent_feedback(submission),
        snapshot=services.build_snapshot(submission),
        form=ConfirmForm(),
        active="overview",
    )


# ------------------------------------------------------------------------------ step 1


def _render_basic(submission, form, status: int = 200, conflict: str = ""):
    earliest, latest = eligibility_window(submission.cycle)
    return render_template(
        "submissions/basic.html",
        submission=submission,
        form=form,
        conflict=conflict,
        window=(earliest, latest),
        active="basic",
    ), status


@bp.route("/<int:submission_id>/basic", methods=["GET", "POST"])
@applicant_required
def basic(submission_id: int):
    submission = member_submission_or_404(current_user, submission_id)
    if request.method == "GET":
        if not can_edit_submission(current_user, submission):
            return redirect(url_for("submissions.overview", submission_id=submission.id))
        return _render_basic(submission, basic_info_form_for(submission))

    form = BasicInfoForm(cycle=submission.cycle)
    if not form.validate():
        return _basic_refused(submission, form, 422)
    try:
        services.save_basic_info(
            submission,
            form.to_data(),
            expected_version=_int(form.lock_version.data),
            actor=current_user,
        )
    except services.FieldErrors as exc:
        _attach_field_errors(form, exc.errors)
        return _basic_refused(submission, form, 422)
    except StaleEdit as exc:
        # Saving again now means "keep mine": the form carries the current version.
        form.lock_version.data = str(submission.lock_version)
        return _basic_refused(submission, form, 409, conflict=exc.message)
    except DomainError as exc:
        attach_error(form, exc)
        return _basic_refused(submission, form, 409)
    if _wants_json():
        payload = _saved_payload(submission.lock_version)
        payload["duplicate_of"] = _duplicate_payload(submission)
        return jsonify(payload)
    flash(_("Basic information saved."), "success")
    return redirect(url_for("submissions.basic", submission_id=submission.id))


def _attach_field_errors(form: BasicInfoForm, errors: dict[str, str]) -> None:
    for name, message in errors.items():
        if name.startswith("contacts-"):
            index = int(name.split("-", 1)[1])
            filled = [e for e in form.contacts if any(f.data for f in e.form)]
            if index < len(filled):
                filled[index].form.name.errors = [message]
            continue
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [*field.errors, message]
        else:
            form.form_errors.append(message)


def _form_errors_payload(form) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for field in form:
        if field.type == "FieldList":
            for entry in field:
                for sub in entry.form:
                    if sub.errors:
                        errors[sub.id] = [str(e) for e in sub.errors]
        elif field.errors:
            errors[field.id] = [str(e) for e in field.errors]
    return errors


def _basic_refused(submission, form, status: int, conflict: str = ""):
    if _wants_json():
        message = (
            conflict
            or " ".join(str(e) for e in form.form_errors)
            or _("Not saved: please correct the marked fields. Nothing you typed has been lost.")
        )
        return jsonify(
            {
                "ok": False,
                "message": message,
                "errors": _form_errors_payload(form),
                "version": submission.lock_version,
                "conflict": bool(conflict),
                "closed": not _still_editable(submission),
            }
        ), status
    pad_contact_rows(form)
    return _render_basic(submission, form, status, conflict=conflict)


def _still_editable(submission) -> bool:
    return submission.status in EDITABLE_STATUSES and not deadline_passed(submission)


def _duplicate_payload(submission):
    if submission.duplicate_of is None:
        return None
    other = submission.duplicate_of
    return {
        "id": other.id,
        "title": other.display_title,
        "url": url_for("submissions.overview", submission_id=other.id),
    }


# ------------------------------------------------------------------------------ step 2


def _section_form(section, answer, formdata=None):
    form = SectionForm(
        formdata=formdata,
        prefix=f"s{section.id}",
        data={"body": answer.body if answer else "", "version": answer.version if answer else 1},
    )
    return form


def _render_initiative(submission, *, posted=None, status: int = 200, conflict=None):
    answers = answers_by_section(submission)
    forms = {}
    for section in submission.cycle.sections:
        if posted is not None and posted[0] == section.id:
            forms[section.id] = posted[1]
        else:
            forms[section.id] = _section_form(section, answers.get(section.id))
    return render_template(
        "submissions/initiative.html",
        submission=submission,
        forms=forms,
        answers=answers,
        conflict=conflict,
        active="initiative",
    ), status


@bp.get("/<int:submission_id>/initiative")
@applicant_required
def initiative(submission_id: int):
    submission = member_submission_or_404(current_user, submission_id)
    if not can_edit_submission(current_user, submission):
        return redirect(url_for("submissions.overview", submission_id=submission.id))
    services.ensure_answer_rows(submission)
    return _render_initiative(submission)


@bp.post("/<int:submission_id>/sections/<int:section_id>")
@applicant_required
def save_section(submission_id: int, section_id: int):
    submission = member_submission_or_404(current_user, submission_id)
    section = db.session.get(FormSection, section_id)
    if section is None or section.cycle_id != submission.cycle_id:
        abort(404)
    form = SectionForm(prefix=f"s{section.id}")
    form.validate()
    body = form.body.data or ""
    try:
        answer = services.save_section(
            submission,
            section,
            body=body,
            expected_version=_int(form.version.data),
            actor=current_user,
        )
    except StaleEdit as exc:
        current = answers_by_section(submission).get(section.id)
        conflict = {
            "section_id": section.id,
            "message": exc.message,
            "body": current.body if current else "",
            "version": current.version if current else 1,
        }
        if _wants_json():
            return jsonify(
                {
                    "ok": False,
                    "conflict": True,
                    "message": exc.message,
                    "errors": {form.body.id: [exc.message]},
                    "current": {"body": conflict["body"], "version": conflict["version"]},
                    "your_text": body,
                }
            ), 409
        form.body.errors = [exc.message]
        form.version.data = str(conflict["version"])
        return _render_initiative(
            submission, posted=(section.id, form), status=409, conflict=conflict
        )
    except DomainError as exc:
        if _wants_json():
            return jsonify(
                {
                    "ok": False,
                    "message": exc.message,
                    "errors": {form.body.id: [exc.message]},
                    "your_text": body,
                    "closed": not _still_editable(submission),
                }
            ), 422
        form.body.errors = [exc.message]
        return _render_initiative(submission, posted=(section.id, form), status=422)
    if _wants_json():
        payload = _saved_payload(answer.version)
        payload["words"] = count_words(answer.body)
        return jsonify(payload)
    flash(_("“%(title)s” saved.", title=section.title), "success")
    return redirect(
        url_for("submissions.initiative", submission_id=submission.id) + f"#section-{section.key}"
    )


# ------------------------------------------------------------------------- attachments


def _render_attachments(
    submission, *, upload_form=None, video_form=None, status=200, replace_id=None, replace_errors=()
):
    count, total = attachment_usage(submission.id)
    cycle = submission.cycle
    return render_template(
        "submissions/attachments.html",
        submission=submission,
        upload_form=upload_form or AttachmentForm(formdata=None),
        video_form=video_form or VideoLinkForm(formdata=None),
        details_forms={
            a.id: AttachmentDetailsForm(formdata=None, prefix=f"a{a.id}", obj=a)
            for a in submission.attachments
        },
        replace_id=replace_id,
        replace_errors=list(replace_errors),
        usage={"count": count, "total": total},
        allowed_label=services.allowed_types_label(cycle),
        accept=",".join(
            f".{ext}"
            for key in cycle.allowed_type_list
            if key in KINDS
            for ext in KINDS[key].extensions
        ),
        max_file_bytes=cycle.max_file_mb * MB,
        form=ConfirmForm(),
        active="attachments",
    ), status


@bp.get("/<int:submission_id>/attachments")
@applicant_required
def attachments(submission_id: int):
    submission = member_submission_or_404(current_user, submission_id)
    if not can_edit_submission(current_user, submission):
        return redirect(url_for("submissions.overview", submission_id=submission.id))
    return _render_attachments(submission)


def _too_large_for(submission) -> bool:
    """Refuse an oversized upload from its Content-Length, before checking or storing it.
    (The body has been received by then: the form token is looked for in it. Requests over
    MAX_CONTENT_LENGTH are the ones cut off before their body is read.)"""
    limit = submission.cycle.max_file_mb * MB + 256 * 1024  # the form around the file
    return request.content_length is not None and request.content_length > limit


def _upload(submission_id: int, attachment_id: int | None):
    submission = member_submission_or_404(current_user, submission_id)
    replacing = attachment_of_or_404(submission, attachment_id) if attachment_id else None
    if _too_large_for(submission):
        form = AttachmentForm(formdata=None)  # nothing of the refused upload is shown again
        exc = DomainError(
            _(
                "The file is larger than %(limit)d MB, the limit per file. Nothing was saved "
                "from this upload. Compress the file or split it, then try again.",
                limit=submission.cycle.max_file_mb,
            ),
            field="file",
        )
        return _upload_refused(submission, form, exc, 413, attachment_id)
    form = AttachmentForm()
    if not form.validate_on_submit():
        return _upload_refused(submission, form, None, 422, attachment_id)
    storage_file = form.file.data
    try:
        attachment = services.add_attachment(
            submission,
            services.Upload(stream=storage_file.stream, filename=storage_file.filename or ""),
            caption=form.caption.data or "",
            public=bool(form.public.data),
            actor=current_user,
            replacing=replacing,
        )
    except services.StorageProblem as exc:
        return _upload_refused(submission, form, exc, 503, attachment_id)
    except DomainError as exc:
        return _upload_refused(submission, form, exc, 422, attachment_id)
    message = _("%(name)s is attached.", name=attachment.original_name)
    target = url_for("submissions.attachments", submission_id=submission.id)
    if _wants_json():
        return jsonify({"ok": True, "message": message, "redirect": target})
    flash(message, "success")
    return redirect(target)


def _upload_refused(submission, form, exc, status, replace_id):
    if exc is not None:
        attach_error(form, exc)
    if _wants_json():
        messages = [str(e) for e in form.file.errors] + [str(e) for e in form.form_errors]
        if not messages:
            messages = [str(e) for errors in form.errors.values() for e in errors]
        return jsonify(
            {"ok": False, "message": " ".join(messages), "errors": _form_errors_payload(form)}
        ), status
    if replace_id is not None:
        errors = [*form.file.errors, *form.form_errors]
        return _render_attachments(
            submission, status=status, replace_id=replace_id, replace_errors=errors
        )
    return _render_attachments(submission, upload_form=form, status=status)


@bp.post("/<int:submission_id>/attachments")
@applicant_required
def upload_attachment(submission_id: int):
    return _upload(submission_id, None)


@bp.post("/<int:submission_id>/attachments/<int:attachment_id>/replace")
@applicant_required
def replace_attachment(submission_id: int, attachment_id: int):
    return _upload(submission_id, attachment_id)


@bp.post("/<int:submission_id>/attachments/<int:attachment_id>/details")
@applicant_required
def attachment_details(submission_id: int, attachment_id: int):
    submission = member_submission_or_404(current_user, submission_id)
    attachment = attachment_of_or_404(submission, attachment_id)
    form = AttachmentDetailsForm(prefix=f"a{attachment.id}")
    if form.validate_on_submit():
        try:
            services.update_attachment(
                submission,
                attachment,
                caption=form.caption.data or "",
                public=bool(form.public.data),
                actor=current_user,
            )
        except DomainError as exc:
            flash(exc.message, "danger")
            return redirect(url_for("submissions.overview", submission_id=submission.id))
        flash(_("The caption of %(name)s is saved.", name=attachment.original_name), "success")
    else:
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "danger")
    return redirect(url_for("submissions.attachments", submission_id=submission.id))


@bp.post("/<int:submission_id>/attachments/<int:attachment_id>/delete")
@applicant_required
def delete_attachment(submission_id: int, attachment_id: int):
    submission = member_submission_or_404(current_user, submission_id)
    attachment = attachment_of_or_404(submission, attachment_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        name = attachment.original_name
        try:
            services.remove_attachment(submission, attachment, actor=current_user)
        except DomainError as exc:
            flash(exc.message, "danger")
            return redirect(url_for("submissions.overview", submission_id=submission.id))
        flash(_("%(name)s is removed.", name=name), "success")
    return redirect(url_for("submissions.attachments", submission_id=submission.id))


@bp.get("/<int:submission_id>/attachments/<int:attachment_id>")
@signed_in
def download_attachment(submission_id: int, attachment_id: int):
    submission = viewable_submission_or_404(current_user, submission_id)
    attachment = attachment_of_or_404(submission, attachment_id)
    response = redirect(services.attachment_download_url(attachment))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/<int:submission_id>/videos")
@applicant_required
def add_video(submission_id: int):
    submission = member_submission_or_404(current_user, submission_id)
    form = VideoLinkForm()
    if form.validate_on_submit():
        try:
            services.add_video_link(
                submission, url=form.url.data, title=form.title.data or "", actor=current_user
            )
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(_("The video link is added."), "success")
            return redirect(url_for("submissions.attachments", submission_id=submission.id))
    return _render_attachments(submission, video_form=form, status=422)


@bp.post("/<int:submission_id>/videos/<int:index>/delete")
@applicant_required
def delete_video(submission_id: int, index: int):
    submission = member_submission_or_404(current_user, submission_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.remove_video_link(submission, index=index, actor=current_user)
        except DomainError as exc:
            flash(exc.message, "danger")
        else:
            flash(_("The video link is removed."), "success")
    return redirect(url_for("submissions.attachments", submission_id=submission.id))


# ------------------------------------------------------------------------------ submit


@bp.route("/<int:submission_id>/submit", methods=["GET", "POST"])
@applicant_required
def submit(submission_id: int):
    submission = member_submission_or_404(current_user, submission_id)
    form = ConfirmForm()
    error = ""
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        try:
            services.submit_submission(submission, actor=current_user)
        except services.AlreadySubmitted as exc:
            flash(exc.message, "info")
            return redirect(url_for("submissions.confirmation", submission_id=submission_id))
        except services.Incomplete as exc:
            error, status = exc.message, 422
        except DomainError as exc:
            error, status = exc.message, 422
        else:
            return redirect(url_for("submissions.confirmation", submission_id=submission.id))
    editable = submission.status in EDITABLE_STATUSES
    if not editable and status == 200:
        return redirect(url_for("submissions.overview", submission_id=submission.id))
    return render_template(
        "submissions/submit.html",
        submission=submission,
        missing=missing_items(submission) if editable else [],
        closed=deadline_passed(submission),
        error=error,
        form=form,
        active="submit",
    ), status


@bp.get("/<int:submission_id>/submitted")
@applicant_required
def confirmation(submission_id: int):
    submission = member_submission_or_404(current_user, submission_id)
    if submission.reference_code is None or submission.submitted_at is None:
        return redirect(url_for("submissions.overview", submission_id=submission.id))
    return render_template(
        "submissions/confirmation.html",
        submission=submission,
        snapshot=services.build_snapshot(submission),
        active="overview",
    )


@bp.get("/<int:submission_id>/print")
@signed_in
def print_view(submission_id: int):
    submission = viewable_submission_or_404(current_user, submission_id)
    return render_template(
        "submissions/print.html",
        submission=submission,
        snapshot=services.build_snapshot(submission),
        version=None,
        live=True,
    )


@bp.get("/<int:submission_id>/versions/<int:number>")
@signed_in
def version_view(submission_id: int, number: int):
    submission = viewable_submission_or_404(current_user, submission_id)
    version = db.session.scalar(
        select(SubmissionVersion).where(
            SubmissionVersion.submission_id == submission.id, SubmissionVersion.number == number
        )
    )
    if version is None:
        abort(404)
    return render_template(
        "submissions/print.html",
        submission=submission,
        snapshot=version.snapshot,
        version=version,
        live=False,
    )


# ------------------------------------------------------------ revise, withdraw, delete


@bp.post("/<int:submission_id>/reopen")
@applicant_required
def reopen(submission_id: int):
    submission = member_submission_or_404(current_user, submission_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.reopen_for_revision(submission, actor=current_user)
        except DomainError as exc:
            flash(exc.message, "danger")
            return redirect(url_for("submissions.overview", submission_id=submission.id))
        flash(
            _(
                "The application is open for changes. Submit it again before %(when)s, or it "
                "stays a draft: your earlier submitted version is kept.",
                when=in_zone(submission.cycle.final_deadline, submission.cycle.time_zone),
            ),
            "warning",
        )
    return redirect(url_for("submissions.overview", submission_id=submission.id))


@bp.route("/<int:submission_id>/withdraw", methods=["GET", "POST"])
@applicant_required
def withdraw(submission_id: int):
    submission = member_submission_or_404(current_user, submission_id)
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            services.withdraw_submission(submission, reason=form.reason.data, actor=current_user)
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(_("The application is withdrawn."), "info")
            return redirect(url_for("submissions.overview", submission_id=submission.id))
    return render_template(
        "submissions/withdraw.html", submission=submission, form=form, active="overview"
    ), _status(form)


@bp.post("/<int:submission_id>/delete")
@applicant_required
def delete(submission_id: int):
    submission = member_submission_or_404(current_user, submission_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.delete_draft(submission, actor=current_user)
        except DomainError as exc:
            flash(exc.message, "danger")
            return redirect(url_for("submissions.overview", submission_id=submission.id))
        flash(_("The draft is deleted."), "info")
    return redirect(url_for("submissions.dashboard"))
