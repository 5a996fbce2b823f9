"""Rankings, decisions and the public results.

Staff pages live under /secretariat/results/...; the public page is /results/<cycle slug> and
the JSON for the award's website /api/v1/cycles/<slug>/results (both 404 until publication).
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
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
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from awards.accounts.permissions import public, staff_required
from awards.accounts.regions import country_name
from awards.core.page_cache import cached_for_anonymous, kept_for_anonymous
from awards.cycles.models import Cycle, Round
from awards.errors import DomainError
from awards.extensions import db
from awards.forms import attach_error
from awards.judging.models import Assignment, AssignmentStatus, Review, ReviewStatus
from awards.judging.queries import counted_review_clause
from awards.results import charts, exports, services
from awards.results.forms import ConfirmForm, DecisionForm, RankingSettingsForm, UnpublishForm
from awards.results.models import DecisionStatus, Outcome
from awards.results.permissions import (
    can_change_decisions,
    can_see_public_results,
    can_view_round_results,
)
from awards.results.queries import (
    city_of_your_choice,
    current_mail_batch,
    decision_for,
    decision_status_counts,
    held_messages,
    outcome_counts,
    public_results,
    published_cycle,
)
from awards.results.ranking import judge_statistics, options_for, ranking_for

bp = Blueprint("results", __name__)

PAGE_SIZE = 100
MAIL_PAGE_SIZE = 25


def _round_or_404(round_id: int) -> Round:
    round_ = db.session.get(Round, round_id)
    if round_ is None or not can_view_round_results(current_user, round_):
        abort(404)
    return round_


def _page() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


def _review_counts(round_: Round) -> dict[str, int]:
    """Counted, draft and no-longer-counting (recused, removed or conflicted) reviews."""
    counted = counted_review_clause()
    draft = and_(Review.status == ReviewStatus.DRAFT, Assignment.status == AssignmentStatus.ACTIVE)
    row = db.session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((counted, 1), else_=0)), 0),
            func.coalesce(func.sum(case((draft, 1), else_=0)), 0),
        )
        .select_from(Review)
        .join(Assignment, Assignment.id == Review.assignment_id)
        .where(Review.round_id == round_.id)
    ).one()
    total, submitted, drafts = (int(value) for value in row)
    return {"submitted": submitted, "draft": drafts, "not_counting": total - submitted - drafts}


def _settings_form(round_: Round, options) -> RankingSettingsForm:
    form = RankingSettingsForm()
    if not form.is_submitted():
        form.rank_by.data = options.rank_by.value
        keys = [key.value for key in options.sort_keys[1:]] + ["", "", ""]
        form.tie_break_1.data, form.tie_break_2.data, form.tie_break_3.data = keys[:3]
        form.disagreement_threshold.data = options.disagreement_threshold
    return form


def _render_ranking(round_: Round, *, settings_form=None, error: str | None = None, status=200):
    page = _page()
    ranking = ranking_for(round_, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    form = settings_form or _settings_form(round_, ranking.options)
    limits = {
        outcome: services.outcome_limit(round_, outcome)
        for outcome in services.OUTCOMES_BY_KIND[round_.kind]
    }
    return render_template(
        "results/ranking.html",
        round=round_,
        ranking=ranking,
        criteria=round_.criteria,
        page=page,
        pages=max((ranking.total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
        review_counts=_review_counts(round_),
        outcome_counts=outcome_counts(round_),
        limits=limits,
        editable=can_change_decisions(current_user, round_),
        settings_form=form,
        confirm_form=ConfirmForm(),
        outcome_label=services.outcome_label,
        error=error,
    ), status


def _refused(round_id: int, exc: DomainError):
    """A refused action: undo anything the service flushed, show the page with the reason."""
    db.session.rollback()
    round_ = _round_or_404(round_id)
    return _render_ranking(round_, error=exc.message, status=422)


# ---------------------------------------------------------------------------------------------
# Staff: overview, ranking, settings, decisions, closing


@bp.get("/secretariat/results/")
@staff_required
def index():
    cycles = db.session.scalars(
        select(Cycle).options(selectinload(Cycle.rounds)).order_by(Cycle.opens_at.desc())
    ).all()
    return render_template("results/index.html", cycles=cycles, confirm_form=ConfirmForm())


@bp.get("/secretariat/results/rounds/<int:round_id>")
@staff_required
def ranking(round_id: int):
    return _render_ranking(_round_or_404(round_id))


@bp.post("/secretariat/results/rounds/<int:round_id>/settings")
@staff_required
def update_settings(round_id: int):
    round_ = _round_or_404(round_id)
    form = RankingSettingsForm()
    if form.validate_on_submit():
        try:
            services.update_ranking_settings(
                round_,
                rank_by=form.rank_by.data,
                tie_break=form.tie_break,
                disagreement_threshold=form.disagreement_threshold.data,
                actor=current_user,
            )
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(_("The ranking settings are saved."), "success")
            return redirect(url_for("results.ranking", round_id=round_.id))
    db.session.rollback()
    return _render_ranking(_round_or_404(round_id), settings_form=form, status=422)


@bp.post("/secretariat/results/rounds/<int:round_id>/preselect")
@staff_required
def preselect(round_id: int):
    round_ = _round_or_404(round_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        counts = services.preselect_from_ranking(round_, actor=current_user)
    except DomainError as exc:
        return _refused(round_id, exc)
    summary = ", ".join(
        f"{services.outcome_label(outcome)}: {count}" for outcome, count in counts.items()
    )
    flash(_("Decisions pre-selected from the ranking (%(summary)s).", summary=summary), "success")
    return redirect(url_for("results.ranking", round_id=round_.id))


@bp.route(
    "/secretariat/results/rounds/<int:round_id>/decisions/<int:submission_id>",
    methods=["GET", "POST"],
)
@staff_required
def decision(round_id: int, submission_id: int):
    round_ = _round_or_404(round_id)
    decision = decision_for(round_, submission_id)
    if decision is None:
        abort(404)
    form = DecisionForm(obj=decision if request.method == "GET" else None)
    form.outcome.choices = [
        SelectChoice(outcome.value, services.outcome_label(outcome))
        for outcome in services.OUTCOMES_BY_KIND[round_.kind]
    ]
    if request.method == "GET":
        form.outcome.data = decision.outcome.value
    editable = can_change_decisions(current_user, round_)
    if editable and form.validate_on_submit():
        try:
            services.change_outcome(
                decision, outcome=form.outcome.data, reason=form.reason.data, actor=current_user
            )
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(
                _(
                    "%(code)s: %(outcome)s.",
                    code=decision.submission.reference_code,
                    outcome=services.outcome_label(decision.outcome),
                ),
                "success",
            )
            return redirect(url_for("results.ranking", round_id=round_.id))
    elif request.method == "POST" and not editable:
        form.form_errors.append(_("This round is closed: its decisions are frozen."))
    status = 422 if (form.errors or form.form_errors) else 200
    if status == 422:
        db.session.rollback()
        decision = decision_for(_round_or_404(round_id), submission_id)
    return render_template(
        "results/decision.html",
        round=round_,
        decision=decision,
        form=form,
        editable=editable,
        outcome_label=services.outcome_label,
    ), status


@bp.post("/secretariat/results/rounds/<int:round_id>/close")
@staff_required
def close(round_id: int):
    round_ = _round_or_404(round_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        frozen = services.close_round(round_, actor=current_user)
    except DomainError as exc:
        return _refused(round_id, exc)
    flash(
        _(
            "%(round)s is closed; its ranking of %(n)d entries is frozen.",
            round=round_.name,
            n=frozen,
        ),
        "success",
    )
    return redirect(url_for("results.ranking", round_id=round_.id))


# ---------------------------------------------------------------------------------------------
# Staff: notifications


def _render_notifications(round_: Round, *, error: str | None = None, status: int = 200):
    page = _page()
    batch = current_mail_batch(round_)
    messages, total = held_messages(batch, limit=MAIL_PAGE_SIZE, offset=(page - 1) * MAIL_PAGE_SIZE)
    return render_template(
        "results/notifications.html",
        round=round_,
        batch=batch,
        messages=messages,
        total=total,
        page=page,
        pages=max((total + MAIL_PAGE_SIZE - 1) // MAIL_PAGE_SIZE, 1),
        status_counts=decision_status_counts(round_),
        DecisionStatus=DecisionStatus,
        confirm_form=ConfirmForm(),
        error=error,
    ), status


@bp.get("/secretariat/results/rounds/<int:round_id>/notifications")
@staff_required
def notifications(round_id: int):
    return _render_notifications(_round_or_404(round_id))


@bp.post("/secretariat/results/rounds/<int:round_id>/notifications/<action>")
@staff_required
def notifications_action(round_id: int, action: str):
    round_ = _round_or_404(round_id)
    service = {
        "generate": services.generate_notifications,
        "release": services.release_notifications,
        "discard": services.discard_notifications,
    }.get(action)
    if service is None:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        result = service(round_, actor=current_user)
    except DomainError as exc:
        db.session.rollback()
        return _render_notifications(_round_or_404(round_id), error=exc.message, status=422)
    if action == "generate":
        message = _("The notifications are written and held. Read them, then release them.")
    elif action == "release":
        message = _("%(n)d notifications released: the worker is sending them.", n=result)
    else:
        message = _("%(n)d held notifications discarded; nothing was sent.", n=result)
    flash(message, "success")
    return redirect(url_for("results.notifications", round_id=round_.id))


# ---------------------------------------------------------------------------------------------
# Staff: charts and exports


@bp.get("/secretariat/results/rounds/<int:round_id>/charts")
@staff_required
def charts_page(round_id: int):
    round_ = _round_or_404(round_id)
    judges = judge_statistics(round_, options_for(round_))
    distributions = charts.criterion_distributions(round_)
    regions = charts.entries_by(round_, "region")
    countries = [(country_name(code), n) for code, n in charts.entries_by(round_, "country")]
    return render_template(
        "results/charts.html",
        round=round_,
        judges=judges,
        judge_chart=charts.judge_chart(judges, charts.round_mean(judges)),
        distributions=distributions,
        criterion_charts=[
            charts.criterion_chart(d, index) for index, d in enumerate(distributions)
        ],
        regions=regions,
        region_chart=charts.bar_chart(regions, _("Entries by region"), "regions"),
        countries=countries,
        country_chart=charts.bar_chart(countries[:25], _("Entries by country"), "countries"),
    )


EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@bp.get("/secretariat/results/rounds/<int:round_id>/export/<kind>.<fmt>")
@staff_required
def export(round_id: int, kind: str, fmt: str):
    round_ = _round_or_404(round_id)
    if kind not in exports.EXPORTS or fmt not in EXPORT_TYPES:
        abort(404)
    table = exports.EXPORTS[kind](round_)
    body = exports.to_csv(table) if fmt == "csv" else exports.to_xlsx(table)
    filename = f"{round_.cycle.slug}-round{round_.position}-{kind}.{fmt}"
    return Response(
        body,
        mimetype=EXPORT_TYPES[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


# ---------------------------------------------------------------------------------------------
# Staff: publication


def _cycle_or_404(cycle_id: int) -> Cycle:
    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None:
        abort(404)
    return cycle


@bp.post("/secretariat/results/cycles/<int:cycle_id>/publish")
@staff_required
def publish(cycle_id: int):
    cycle = _cycle_or_404(cycle_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.publish_results(cycle, actor=current_user)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("results.index"))
    flash(_("The results of %(cycle)s are public.", cycle=cycle.name), "success")
    return redirect(url_for("results.index"))


@bp.route("/secretariat/results/cycles/<int:cycle_id>/unpublish", methods=["GET", "POST"])
@staff_required
def unpublish(cycle_id: int):
    cycle = _cycle_or_404(cycle_id)
    form = UnpublishForm()
    if form.validate_on_submit():
        try:
            services.unpublish_results(cycle, actor=current_user, reason=form.reason.data)
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(_("The results of %(cycle)s are no longer public.", cycle=cycle.name), "success")
            return redirect(url_for("results.index"))
    status = 422 if (form.errors or form.form_errors) else 200
    return render_template("results/unpublish.html", cycle=cycle, form=form), status


# ---------------------------------------------------------------------------------------------
# Public


def _public_cycle_or_404(slug: str) -> Cycle:
    cycle = published_cycle(slug)
    if cycle is None or not can_see_public_results(current_user, cycle):
        abort(404)
    return cycle


@bp.get("/results/<slug>")
@public
@kept_for_anonymous
def public_page(slug: str):
    def render() -> str:
        cycle = _public_cycle_or_404(slug)
        return render_template(
            "results/public.html",
            cycle=cycle,
            results=public_results(cycle),
            favourite=city_of_your_choice(cycle),
            Outcome=Outcome,
        )

    return cached_for_anonymous(render)


JSON_KEYS = {
    Outcome.WINNER: "winners",
    Outcome.MEDAL_OF_HONOR: "medal_of_honor",
    Outcome.SPECIAL_MENTION: "special_mentions",
    Outcome.SHORTLISTED: "shortlisted",
    Outcome.DESERVING: "deserving",
}


@bp.get("/api/v1/cycles/<slug>/results")
@public
def public_json(slug: str):
    cycle = _public_cycle_or_404(slug)
    results = public_results(cycle)
    favourite = city_of_your_choice(cycle)
    body = {
        "cycle": {
            "name": cycle.name,
            "slug": cycle.slug,
            "published_at": cycle.results_published_at.isoformat(),
        },
        **{
            key: [entry.as_json(country_name(entry.country_code)) for entry in results[outcome]]
            for outcome, key in JSON_KEYS.items()
        },
        "city_of_your_choice": (
            favourite.as_json(country_name(favourite.country_code)) if favourite else None
        ),
    }
    response = jsonify(body)
    response.headers["Cache-Control"] = "public, max-age=60"
    return response
