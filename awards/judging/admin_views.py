"""The secretariat's side of judging: panels, conflicts, assignment, progress and reminders."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from awards.accounts.models import Role, User
from awards.accounts.permissions import staff_required
from awards.cycles import services as cycle_services
from awards.cycles.models import PanelMember, Round
from awards.errors import DomainError
from awards.extensions import db
from awards.forms import attach_error
from awards.judging import assignment, conflicts, progress, reminders
from awards.judging.admin_forms import (
    CapacityForm,
    ConfirmForm,
    ConflictAddForm,
    LiftForm,
    ManualAssignForm,
    PanelAddForm,
    ReminderForm,
)
from awards.judging.models import Assignment, AssignmentStatus, Conflict
from awards.submissions.models import Submission

bp = Blueprint("rounds_admin", __name__, url_prefix="/secretariat/rounds")

ENTRY_PAGE_SIZE = 200


def _round_or_404(round_id: int) -> Round:
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        abort(404)
    return round_


def _entry_by_code(round_: Round, code: str) -> Submission | None:
    return db.session.scalar(
        select(Submission).where(
            Submission.cycle_id == round_.cycle_id,
            Submission.reference_code == (code or "").strip().upper(),
        )
    )


def _panel_choices(round_: Round) -> list[tuple[int, str]]:
    return sorted(((m.user_id, m.user.name) for m in round_.panel), key=lambda c: c[1])


# ---------------------------------------------------------------------------------------------
# The round


@bp.get("/<int:round_id>/")
@staff_required
def show(round_id: int):
    round_ = _round_or_404(round_id)
    return render_template(
        "rounds_admin/show.html",
        round=round_,
        cycle=round_.cycle,
        summary=progress.summary(round_),
        assigned=assignment.has_active_assignments(round_),
    )


@bp.post("/<int:round_id>/open")
@staff_required
def open_round(round_id: int):
    round_ = _round_or_404(round_id)
    try:
        cycle_services.open_round(round_, actor=current_user)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(_("%(name)s is open to its judges.", name=round_.name), "success")
    return redirect(url_for("rounds_admin.show", round_id=round_.id))


# ---------------------------------------------------------------------------------------------
# Panel


def _panel_page(round_: Round, form: PanelAddForm, status: int = 200):
    on_panel = {m.user_id for m in round_.panel}
    candidates = db.session.scalars(
        select(User).where(User.role == Role.JUDGE).order_by(User.name)
    ).all()
    form.judges.choices = [
        (j.id, f"{j.name} · {j.affiliation or '-'} · {j.country_code or '-'}")
        for j in candidates
        if j.id not in on_panel
    ]
    members = sorted(round_.panel, key=lambda m: m.user.name)
    return render_template(
        "rounds_admin/panel.html",
        round=round_,
        cycle=round_.cycle,
        form=form,
        members=members,
        capacity_forms={
            m.id: CapacityForm(prefix=f"m{m.id}", capacity=m.capacity) for m in members
        },
    ), status


@bp.get("/<int:round_id>/panel")
@staff_required
def panel(round_id: int):
    return _panel_page(_round_or_404(round_id), PanelAddForm())


@bp.post("/<int:round_id>/panel")
@staff_required
def add_to_panel(round_id: int):
    round_ = _round_or_404(round_id)
    form = PanelAddForm()
    on_panel = {m.user_id for m in round_.panel}
    form.judges.choices = [
        (j.id, j.name)
        for j in db.session.scalars(select(User).where(User.role == Role.JUDGE))
        if j.id not in on_panel
    ]
    if form.validate_on_submit():
        judges = db.session.scalars(select(User).where(User.id.in_(form.judges.data or []))).all()
        try:
            added = cycle_services.add_panel_members(round_, list(judges), actor=current_user)
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(
                ngettext(
                    "%(num)d judge added to the panel.", "%(num)d judges added to the panel.", added
                ),
                "success",
            )
            return redirect(url_for("rounds_admin.panel", round_id=round_.id))
    return _panel_page(round_, form, 422)


def _member_or_404(round_: Round, member_id: int) -> PanelMember:
    member = db.session.get(PanelMember, member_id)
    if member is None or member.round_id != round_.id:
        abort(404)
    return member


@bp.post("/<int:round_id>/panel/<int:member_id>/capacity")
@staff_required
def set_capacity(round_id: int, member_id: int):
    round_ = _round_or_404(round_id)
    member = _member_or_404(round_, member_id)
    form = CapacityForm(prefix=f"m{member.id}")
    if not form.validate_on_submit():
        flash(" ".join(form.capacity.errors) or _("Enter zero or more."), "error")
        return redirect(url_for("rounds_admin.panel", round_id=round_.id))
    try:
        cycle_services.set_panel_capacity(member, actor=current_user, capacity=form.capacity.data)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(_("Capacity of %(name)s saved.", name=member.user.name), "success")
    return redirect(url_for("rounds_admin.panel", round_id=round_.id))


@bp.post("/<int:round_id>/panel/<int:member_id>/remove")
@staff_required
def remove_from_panel(round_id: int, member_id: int):
    round_ = _round_or_404(round_id)
    member = _member_or_404(round_, member_id)
    name = member.user.name
    try:
        cycle_services.remove_panel_member(member, actor=current_user)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(_("%(name)s left the panel.", name=name), "success")
    return redirect(url_for("rounds_admin.panel", round_id=round_.id))


# ---------------------------------------------------------------------------------------------
# Conflicts


def _conflicts_page(round_: Round, form: ConflictAddForm | None = None, status: int = 200):
    form = form or ConflictAddForm()
    form.judge_id.choices = _panel_choices(round_)
    rows = conflicts.conflicts_for_round(round_)
    judge_filter = request.args.get("judge", type=int)
    if judge_filter:
        rows = [c for c in rows if c.judge_id == judge_filter]
    return render_template(
        "rounds_admin/conflicts.html",
        round=round_,
        cycle=round_.cycle,
        conflicts=rows,
        form=form,
        lift_form=LiftForm(),
        judge_filter=judge_filter,
    ), status


@bp.get("/<int:round_id>/conflicts")
@staff_required
def conflicts_index(round_id: int):
    return _conflicts_page(_round_or_404(round_id))


@bp.post("/<int:round_id>/conflicts/detect")
@staff_required
def detect(round_id: int):
    round_ = _round_or_404(round_id)
    result = conflicts.detect_for_round(round_, actor=current_user)
    flash(
        _(
            "%(created)d new conflicts detected; %(recused)d assignments recused.",
            created=result.created,
            recused=result.recused,
        ),
        "success",
    )
    return redirect(url_for("rounds_admin.conflicts_index", round_id=round_.id))


@bp.post("/<int:round_id>/conflicts")
@staff_required
def add_conflict(round_id: int):
    round_ = _round_or_404(round_id)
    form = ConflictAddForm()
    form.judge_id.choices = _panel_choices(round_)
    if form.validate_on_submit():
        submission = _entry_by_code(round_, form.reference_code.data)
        judge = db.session.get(User, form.judge_id.data)
        if submission is None:
            form.reference_code.errors = [_("No entry of this cycle has this code.")]
        else:
            try:
                conflicts.add_conflict(
                    judge, submission, actor=current_user, reason=form.reason.data
                )
            except DomainError as exc:
                attach_error(form, exc)
            else:
                flash(_("Conflict recorded."), "success")
                return redirect(url_for("rounds_admin.conflicts_index", round_id=round_.id))
    return _conflicts_page(round_, form, 422)


@bp.post("/<int:round_id>/conflicts/<int:conflict_id>/lift")
@staff_required
def lift_conflict(round_id: int, conflict_id: int):
    round_ = _round_or_404(round_id)
    conflict = db.session.get(Conflict, conflict_id)
    if conflict is None or conflict.submission.cycle_id != round_.cycle_id:
        abort(404)
    form = LiftForm()
    if not form.validate_on_submit():
        flash(" ".join(form.reason.errors), "error")
        return redirect(url_for("rounds_admin.conflicts_index", round_id=round_.id))
    try:
        conflicts.lift_conflict(conflict, actor=current_user, reason=form.reason.data)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(_("Conflict lifted."), "success")
    return redirect(url_for("rounds_admin.conflicts_index", round_id=round_.id))


# ---------------------------------------------------------------------------------------------
# Assignment


def _assignment_page(
    round_: Round,
    *,
    form: ManualAssignForm | None = None,
    problems: list[str] | None = None,
    status: int = 200,
):
    form = form or ManualAssignForm()
    form.judge_id.choices = _panel_choices(round_)
    state = assignment.current_state(round_)
    page = max(request.args.get("page", 1, type=int), 1)
    query = (request.args.get("q") or "").strip().upper()
    panels = [p for p in state.panels if not query or query in p.entry.code.upper()]
    start = (page - 1) * ENTRY_PAGE_SIZE
    assignment_ids = {}
    shown = panels[start : start + ENTRY_PAGE_SIZE]
    if shown:
        rows = db.session.execute(
            select(Assignment.id, Assignment.judge_id, Assignment.submission_id).where(
                Assignment.round_id == round_.id,
                Assignment.submission_id.in_([p.entry.id for p in shown]),
                Assignment.status == AssignmentStatus.ACTIVE,
            )
        ).all()
        assignment_ids = {(j, s): aid for aid, j, s in rows}
    return render_template(
        "rounds_admin/assignment.html",
        round=round_,
        cycle=round_.cycle,
        state=state,
        panels=shown,
        total_panels=len(panels),
        page=page,
        page_size=ENTRY_PAGE_SIZE,
        query=query,
        assignment_ids=assignment_ids,
        form=form,
        problems=problems or [],
        assigned=any(n for _j, n, _r in state.loads),
    ), status


@bp.get("/<int:round_id>/assignment")
@staff_required
def assignment_index(round_id: int):
    return _assignment_page(_round_or_404(round_id))


def _propose(round_id: int, kind: str):
    round_ = _round_or_404(round_id)
    try:
        if kind == assignment.FULL:
            proposal = assignment.propose_assignment(round_, actor=current_user)
        else:
            proposal = assignment.propose_top_up(round_, actor=current_user)
    except assignment.AssignmentInfeasible as exc:
        return _assignment_page(round_, problems=exc.problems, status=422)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("rounds_admin.assignment_index", round_id=round_.id))
    return render_template(
        "rounds_admin/proposal.html",
        round=round_,
        cycle=round_.cycle,
        proposal=proposal,
        form=ConfirmForm(token=proposal.token),
    )


@bp.post("/<int:round_id>/assignment/propose")
@staff_required
def propose(round_id: int):
    return _propose(round_id, assignment.FULL)


@bp.post("/<int:round_id>/assignment/top-up")
@staff_required
def top_up(round_id: int):
    return _propose(round_id, assignment.TOPUP)


@bp.post("/<int:round_id>/assignment/confirm")
@staff_required
def confirm(round_id: int):
    round_ = _round_or_404(round_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash(_("This proposal is not valid. Run the assignment again."), "error")
        return redirect(url_for("rounds_admin.assignment_index", round_id=round_.id))
    try:
        created = assignment.confirm_proposal(round_, form.token.data, actor=current_user)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(
            ngettext(
                "%(num)d assignment made; the judges are told by e-mail.",
                "%(num)d assignments made; the judges are told by e-mail.",
                created,
            ),
            "success",
        )
    return redirect(url_for("rounds_admin.assignment_index", round_id=round_.id))


@bp.post("/<int:round_id>/assignment/add")
@staff_required
def add_assignment(round_id: int):
    round_ = _round_or_404(round_id)
    form = ManualAssignForm()
    form.judge_id.choices = _panel_choices(round_)
    if form.validate_on_submit():
        submission = _entry_by_code(round_, form.reference_code.data)
        judge = db.session.get(User, form.judge_id.data)
        if submission is None:
            form.reference_code.errors = [_("No entry of this cycle has this code.")]
        else:
            try:
                assignment.add_assignment(round_, judge, submission, actor=current_user)
            except DomainError as exc:
                attach_error(form, exc)
            else:
                flash(
                    _(
                        "%(name)s is assigned to %(code)s.",
                        name=judge.name,
                        code=submission.reference_code,
                    ),
                    "success",
                )
                return redirect(url_for("rounds_admin.assignment_index", round_id=round_.id))
    return _assignment_page(round_, form=form, status=422)


@bp.post("/<int:round_id>/assignments/<int:assignment_id>/remove")
@staff_required
def remove_assignment(round_id: int, assignment_id: int):
    round_ = _round_or_404(round_id)
    row = db.session.get(Assignment, assignment_id)
    if row is None or row.round_id != round_.id:
        abort(404)
    try:
        assignment.remove_assignment(row, actor=current_user)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(
            _(
                "%(name)s no longer reviews %(code)s.",
                name=row.judge.name,
                code=row.submission.reference_code,
            ),
            "success",
        )
    return redirect(
        url_for("rounds_admin.assignment_index", round_id=round_.id, q=request.args.get("q", ""))
    )


# ---------------------------------------------------------------------------------------------
# Progress and reminders


def _progress_page(round_: Round, form: ReminderForm | None = None, status: int = 200):
    judges = progress.judge_progress(round_)
    form = form or ReminderForm()
    form.judge_ids.choices = [(row.judge_id, row.name) for row in judges]
    return render_template(
        "rounds_admin/progress.html",
        round=round_,
        cycle=round_.cycle,
        summary=progress.summary(round_, judges),
        judges=judges,
        short=progress.entry_progress(round_, short_only=True),
        short_limit=progress.SHORT_LIST_LIMIT,
        form=form,
    ), status


@bp.get("/<int:round_id>/progress")
@staff_required
def progress_index(round_id: int):
    return _progress_page(_round_or_404(round_id))


@bp.post("/<int:round_id>/reminders")
@staff_required
def remind(round_id: int):
    round_ = _round_or_404(round_id)
    form = ReminderForm()
    form.judge_ids.choices = [(m.user_id, m.user.name) for m in round_.panel]
    if form.validate_on_submit():
        judges = db.session.scalars(
            select(User).where(User.id.in_(form.judge_ids.data or []))
        ).all()
        try:
            sent, skipped = reminders.send_reminders(
                round_, list(judges), actor=current_user, note=form.note.data or ""
            )
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(
                ngettext("%(num)d reminder queued.", "%(num)d reminders queued.", sent),
                "success",
            )
            if skipped:
                flash(
                    _(
                        "Not reminded, nothing left to review: %(names)s.",
                        names=", ".join(j.name for j in skipped),
                    ),
                    "info",
                )
            return redirect(url_for("rounds_admin.progress_index", round_id=round_.id))
    return _progress_page(round_, form, 422)
