"""The secretariat's control room: cycles, their form, domains, criteria and rounds; judges and
staff."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from awards.accounts.models import Role, User
from awards.accounts.permissions import staff_required
from awards.cycles import people, queries, services
from awards.cycles.defaults import next_round_defaults
from awards.cycles.fields import blind_field_choices
from awards.cycles.forms import (
    CriterionForm,
    CycleForm,
    DomainForm,
    InvitePersonForm,
    JudgeProfileForm,
    RoundForm,
    SectionForm,
)
from awards.cycles.models import Criterion, Cycle, Domain, FormSection, Round
from awards.cycles.zones import to_local, to_utc
from awards.errors import DomainError
from awards.extensions import db
from awards.forms import attach_error

bp = Blueprint("cycles", __name__, url_prefix="/secretariat")


def _status(form) -> int:
    return 422 if form.errors or form.form_errors else 200


def _cycle_or_404(cycle_id: int) -> Cycle:
    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None:
        abort(404)
    return cycle


def _child_or_404(model, cycle_id: int, item_id: int):
    item = db.session.get(model, item_id)
    if item is None or item.cycle_id != cycle_id:
        abort(404)
    return item


# ---------------------------------------------------------------------------------------------
# Cycles


@bp.get("/")
@staff_required
def index():
    cycles = db.session.scalars(select(Cycle).order_by(Cycle.opens_at.desc())).all()
    return render_template("cycles/index.html", cycles=cycles)


def _deadlines(form: CycleForm) -> dict:
    zone = form.time_zone.data
    return {
        "opens_at": to_utc(form.opens_at.data, zone),
        "early_bird_deadline": to_utc(form.early_bird_deadline.data, zone),
        "final_deadline": to_utc(form.final_deadline.data, zone),
    }


@bp.route("/cycles/new", methods=["GET", "POST"])
@staff_required
def new_cycle():
    form = CycleForm()
    if form.validate_on_submit():
        try:
            cycle = services.create_cycle(
                actor=current_user,
                with_defaults=form.with_defaults.data,
                **form.values(),
                **_deadlines(form),
            )
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(_("The cycle %(name)s is created.", name=cycle.name), "success")
            return redirect(url_for("cycles.show", cycle_id=cycle.id))
    return render_template("cycles/cycle_form.html", form=form, cycle=None), _status(form)


@bp.get("/cycles/<int:cycle_id>")
@staff_required
def show(cycle_id: int):
    cycle = _cycle_or_404(cycle_id)
    from awards.submissions.models import Submission
    from awards.submissions.workflow import status_label

    counts = db.session.execute(
        select(Submission.status, func.count())
        .where(Submission.cycle_id == cycle.id)
        .group_by(Submission.status)
    ).all()
    return render_template(
        "cycles/show.html",
        cycle=cycle,
        counts=[(status_label(status), n) for status, n in counts],
    )


@bp.route("/cycles/<int:cycle_id>/edit", methods=["GET", "POST"])
@staff_required
def edit_cycle(cycle_id: int):
    cycle = _cycle_or_404(cycle_id)
    zone = cycle.time_zone
    form = CycleForm(
        data={
            "name": cycle.name,
            "slug": cycle.slug,
            "reference_prefix": cycle.reference_prefix,
            "time_zone": zone,
            "opens_at": to_local(cycle.opens_at, zone),
            "early_bird_deadline": to_local(cycle.early_bird_deadline, zone),
            "final_deadline": to_local(cycle.final_deadline, zone),
            "eligibility_years": cycle.eligibility_years,
            "max_file_mb": cycle.max_file_mb,
            "max_files": cycle.max_files,
            "max_total_mb": cycle.max_total_mb,
            "allowed_types": cycle.allowed_type_list,
            "description": cycle.description,
        }
    )
    if form.validate_on_submit():
        try:
            moved = services.update_cycle(
                cycle,
                actor=current_user,
                announce=form.announce.data,
                **form.values(),
                **_deadlines(form),
            )
        except DomainError as exc:
            attach_error(form, exc)
        else:
            if moved and form.announce.data:
                flash(_("Saved. Applicants will be e-mailed the new deadline."), "success")
            else:
                flash(_("Saved."), "success")
            return redirect(url_for("cycles.show", cycle_id=cycle.id))
    return render_template("cycles/cycle_form.html", form=form, cycle=cycle), _status(form)


# ---------------------------------------------------------------------------------------------
# Form sections


@bp.route("/cycles/<int:cycle_id>/sections", methods=["GET", "POST"])
@staff_required
def sections(cycle_id: int):
    cycle = _cycle_or_404(cycle_id)
    form = SectionForm()
    if form.validate_on_submit():
        try:
            services.add_section(
                cycle,
                actor=current_user,
                title=form.title.data,
                key=form.key.data or "",
                help_text=form.help_text.data or "",
                word_limit=form.word_limit.data,
                required=form.required.data,
            )
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(_("Section added."), "success")
            return redirect(url_for("cycles.sections", cycle_id=cycle.id))
    return render_template("cycles/sections.html", cycle=cycle, form=form), _status(form)


@bp.route("/cycles/<int:cycle_id>/sections/<int:section_id>/edit", methods=["GET", "POST"])
@staff_required
def edit_section(cycle_id: int, section_id: int):
    section = _child_or_404(FormSection, cycle_id, section_id)
    form = SectionForm(obj=section)
    if form.validate_on_submit():
        try:
            services.update_section(
                section,
                actor=current_user,
                title=form.title.data,
                help_text=form.help_text.data or "",
                word_limit=form.word_limit.data,
                required=form.required.data,
            )
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(_("Section saved."), "success")
            return redirect(url_for("cycles.sections", cycle_id=cycle_id))
    return render_template(
        "cycles/section_form.html", cycle=section.cycle, section=section, form=form
    ), _status(form)


@bp.post("/cycles/<int:cycle_id>/sections/<int:section_id>/delete")
@staff_required
def delete_section(cycle_id: int, section_id: int):
    section = _child_or_404(FormSection, cycle_id, section_id)
    try:
        services.delete_section(section, actor=current_user)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(_("Section deleted."), "success")
    return redirect(url_for("cycles.sections", cycle_id=cycle_id))


MOVABLE = {
    "sections": (FormSection, "cycles.sections"),
    "domains": (Domain, "cycles.domains"),
    "criteria": (Criterion, "cycles.criteria"),
    "rounds": (Round, "cycles.rounds"),
}


@bp.post("/cycles/<int:cycle_id>/<kind>/<int:item_id>/move")
@staff_required
def move(cycle_id: int, kind: str, item_id: int):
    if kind not in MOVABLE:
        abort(404)
    model, endpoint = MOVABLE[kind]
    item = _child_or_404(model, cycle_id, item_id)
    services.move(item, -1 if request.form.get("direction") == "up" else 1, actor=current_user)
    return redirect(url_for(endpoint, cycle_id=cycle_id))


# ---------------------------------------------------------------------------------------------
# Domains


@bp.route("/cycles/<int:cycle_id>/domains", methods=["GET", "POST"])
@staff_required
def domains(cycle_id: int):
    cycle = _cycle_or_404(cycle_id)
    form = DomainForm()
    if form.validate_on_submit():
        try:
            services.add_domain(
                cycle, actor=current_user, name=form.name.data, key=form.key.data or ""
            )
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(_("Domain added."), "success")
            return redirect(url_for("cycles.domains", cycle_id=cycle.id))
    return render_template("cycles/domains.html", cycle=cycle, form=form), _status(form)


@bp.post("/cycles/<int:cycle_id>/domains/<int:domain_id>/rename")
@staff_required
def rename_domain(cycle_id: int, domain_id: int):
    domain = _child_or_404(Domain, cycle_id, domain_id)
    try:
        services.update_domain(domain, actor=current_user, name=request.form.get("name", ""))
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("cycles.domains", cycle_id=cycle_id))
    flash(_("Domain renamed."), "success")
    return redirect(url_for("cycles.domains", cycle_id=cycle_id))


@bp.post("/cycles/<int:cycle_id>/domains/<int:domain_id>/delete")
@staff_required
def delete_domain(cycle_id: int, domain_id: int):
    domain = _child_or_404(Domain, cycle_id, domain_id)
    try:
        services.delete_domain(domain, actor=current_user)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(_("Domain deleted."), "success")
    return redirect(url_for("cycles.domains", cycle_id=cycle_id))


# ---------------------------------------------------------------------------------------------
# Criteria


@bp.route("/cycles/<int:cycle_id>/criteria", methods=["GET", "POST"])
@staff_required
def criteria(cycle_id: int):
    cycle = _cycle_or_404(cycle_id)
    form = CriterionForm()
    if form.validate_on_submit():
        try:
            services.add_criterion(
                cycle,
                actor=current_user,
                name=form.name.data,
                rubric=form.rubric.data or "",
                weight=form.weight.data,
                scale_min=form.scale_min.data,
                scale_max=form.scale_max.data,
            )
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(_("Criterion added."), "success")
            return redirect(url_for("cycles.criteria", cycle_id=cycle.id))
    return render_template("cycles/criteria.html", cycle=cycle, form=form), _status(form)


@bp.route("/cycles/<int:cycle_id>/criteria/<int:criterion_id>/edit", methods=["GET", "POST"])
@staff_required
def edit_criterion(cycle_id: int, criterion_id: int):
    criterion = _child_or_404(Criterion, cycle_id, criterion_id)
    form = CriterionForm(obj=criterion)
    if form.validate_on_submit():
        try:
            services.update_criterion(
                criterion,
                actor=current_user,
                name=form.name.data,
                rubric=form.rubric.data or "",
                weight=form.weight.data,
                scale_min=form.scale_min.data,
                scale_max=form.scale_max.data,
            )
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(_("Criterion saved."), "success")
            return redirect(url_for("cycles.criteria", cycle_id=cycle_id))
    scored = services.scored_round_using(criterion)
    return render_template(
        "cycles/criterion_form.html",
        cycle=criterion.cycle,
        criterion=criterion,
        form=form,
        scored_round=scored,
    ), _status(form)


@bp.post("/cycles/<int:cycle_id>/criteria/<int:criterion_id>/delete")
@staff_required
def delete_criterion(cycle_id: int, criterion_id: int):
    criterion = _child_or_404(Criterion, cycle_id, criterion_id)
    try:
        services.delete_criterion(criterion, actor=current_user)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(_("Criterion deleted."), "success")
    return redirect(url_for("cycles.criteria", cycle_id=cycle_id))


# ---------------------------------------------------------------------------------------------
# Rounds


@bp.get("/cycles/<int:cycle_id>/rounds")
@staff_required
def rounds(cycle_id: int):
    cycle = _cycle_or_404(cycle_id)
    return render_template("cycles/rounds.html", cycle=cycle)


def _round_form(cycle: Cycle, round_: Round | None) -> RoundForm:
    _name, kind, per_entry, select_limit, deserving = next_round_defaults(cycle)
    # A new round starts from the award's usual next step: the committee's shortlist of 15 (and
    # 30 deserving), then the jury's 5 winners from 5 judges each.
    data = {
        "criteria": [c.id for c in cycle.criteria],
        "kind": kind.value,
        "judges_per_entry": per_entry,
        "select_limit": select_limit,
        "deserving_limit": deserving,
    }
    if round_ is not None:
        zone = cycle.time_zone
        data = {
            "name": round_.name,
            "kind": round_.kind.value,
            "criteria": [c.id for c in round_.criteria],
            "judges_per_entry": round_.judges_per_entry,
            "opens_at": to_local(round_.opens_at, zone),
            "closes_at": to_local(round_.closes_at, zone),
            "select_limit": round_.select_limit,
            "deserving_limit": round_.deserving_limit,
            "blind_fields": list(round_.blind_fields or []),
            "score_visibility": round_.score_visibility.value,
            "comment_required": round_.comment_required,
            "severity_min_reviews": round_.severity_min_reviews,
            "reminder_days": round_.reminder_days,
        }
    form = RoundForm(data=data)
    form.criteria.choices = [(c.id, c.name) for c in cycle.criteria]
    form.blind_fields.choices = blind_field_choices(cycle)
    return form


def _round_times(cycle: Cycle, form: RoundForm) -> dict:
    return {
        "opens_at": to_utc(form.opens_at.data, cycle.time_zone),
        "closes_at": to_utc(form.closes_at.data, cycle.time_zone),
    }


@bp.route("/cycles/<int:cycle_id>/rounds/new", methods=["GET", "POST"])
@staff_required
def new_round(cycle_id: int):
    cycle = _cycle_or_404(cycle_id)
    form = _round_form(cycle, None)
    if form.validate_on_submit():
        try:
            services.create_round(
                cycle,
                actor=current_user,
                criterion_ids=form.criteria.data,
                **form.values(),
                **_round_times(cycle, form),
            )
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(_("Round added."), "success")
            return redirect(url_for("cycles.rounds", cycle_id=cycle.id))
    return render_template("cycles/round_form.html", cycle=cycle, round=None, form=form), _status(
        form
    )


@bp.route("/cycles/<int:cycle_id>/rounds/<int:round_id>/edit", methods=["GET", "POST"])
@staff_required
def edit_round(cycle_id: int, round_id: int):
    round_ = _child_or_404(Round, cycle_id, round_id)
    cycle = round_.cycle
    form = _round_form(cycle, round_)
    if form.validate_on_submit():
        try:
            services.update_round(
                round_,
                actor=current_user,
                criterion_ids=form.criteria.data,
                **form.values(),
                **_round_times(cycle, form),
            )
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(_("Round saved."), "success")
            return redirect(url_for("cycles.rounds", cycle_id=cycle.id))
    return render_template(
        "cycles/round_form.html",
        cycle=cycle,
        round=round_,
        form=form,
        scored=services.round_has_scores(round_),
    ), _status(form)


@bp.post("/cycles/<int:cycle_id>/rounds/<int:round_id>/delete")
@staff_required
def delete_round(cycle_id: int, round_id: int):
    round_ = _child_or_404(Round, cycle_id, round_id)
    try:
        services.delete_round(round_, actor=current_user)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(_("Round deleted."), "success")
    return redirect(url_for("cycles.rounds", cycle_id=cycle_id))


# ---------------------------------------------------------------------------------------------
# Judges and staff


def _invite_form() -> InvitePersonForm:
    form = InvitePersonForm()
    if current_user.role != Role.ADMIN:
        form.role.choices = [c for c in form.role.choices if c[0] != Role.ADMIN.value]
    return form


@bp.get("/people")
@staff_required
def people_index():
    return render_template(
        "cycles/people.html",
        judges=queries.judges(),
        staff=queries.staff(),
        invitations=queries.open_invitations(),
        form=_invite_form(),
    )


@bp.post("/people/invite")
@staff_required
def invite():
    form = _invite_form()
    if form.validate_on_submit():
        try:
            invitation = people.invite_person(
                actor=current_user,
                email=form.email.data,
                name=form.name.data or "",
                role=Role(form.role.data),
            )
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(_("Invitation sent to %(email)s.", email=invitation.email), "success")
            return redirect(url_for("cycles.people_index"))
    return render_template(
        "cycles/people.html",
        judges=queries.judges(),
        staff=queries.staff(),
        invitations=queries.open_invitations(),
        form=form,
    ), 422


@bp.route("/people/judges/<int:user_id>", methods=["GET", "POST"])
@staff_required
def edit_judge(user_id: int):
    judge = db.session.get(User, user_id)
    if judge is None or judge.role != Role.JUDGE:
        abort(404)
    form = JudgeProfileForm(
        data={
            "name": judge.name,
            "affiliation": judge.affiliation,
            "city": judge.city,
            "country_code": judge.country_code or "",
            "expertise": sorted(judge.expertise_keys),
            "languages": judge.languages,
            "bio": judge.bio,
        },
        domain_choices=queries.all_domain_choices(),
    )
    if form.validate_on_submit():
        try:
            people.update_judge_profile(
                judge,
                actor=current_user,
                name=form.name.data,
                affiliation=form.affiliation.data or "",
                city=form.city.data or "",
                country_code=form.country_code.data or None,
                expertise=list(form.expertise.data or []),
                languages=form.languages.data or "",
                bio=form.bio.data or "",
            )
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(_("Profile of %(name)s saved.", name=judge.name), "success")
            return redirect(url_for("cycles.people_index"))
    return render_template("cycles/judge_form.html", judge=judge, form=form), _status(form)
