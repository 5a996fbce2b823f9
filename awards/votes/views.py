"""The public "City of Your Choice" vote (no account needed) and the secretariat's controls."""

from __future__ import annotations

import random

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from awards.accounts.permissions import public, staff_required
from awards.core.rate_limits import enforce
from awards.cycles.models import Cycle
from awards.errors import DomainError, render_error, with_retry_after
from awards.extensions import csrf, db
from awards.forms import attach_error
from awards.storage import get_storage
from awards.votes import queries, services
from awards.votes.forms import (
    CampaignForm,
    CloseForm,
    InvalidateForm,
    RestoreForm,
    VoteForm,
    to_local,
    to_utc,
)
from awards.votes.models import VoteInvalidation, VoteRule, VoteStatus
from awards.votes.permissions import (
    can_manage_votes,
    can_see_voter_data,
    can_view_public_attachment,
)
from awards.votes.queries import TIE_RULE, VoteState

bp = Blueprint("votes", __name__)


# --- rate limits (in memory, or in Redis shared by every instance when configured) ------------


def _limit_network(setting: str) -> None:
    enforce(current_app.config[setting], "vote-net", services.network_prefix(request.remote_addr))


@bp.errorhandler(429)
def too_many_votes(exc):
    message = _(
        "Too many votes came from your network or for this e-mail address in a short time, so "
        "we paused voting from it. Nothing was counted from this attempt. Please wait a while "
        "and try again."
    )
    return with_retry_after(render_error(429, message), exc)


def _voter() -> services.VoterContext:
    return services.VoterContext(
        ip=request.remote_addr,
        user_agent=request.headers.get("User-Agent", ""),
        accept_language=request.headers.get("Accept-Language", ""),
    )


def _campaign_or_404(slug: str):
    campaign = queries.campaign_by_slug(slug)
    if campaign is None:
        abort(404)
    return campaign


# --- public pages ----------------------------------------------------------------------------


@bp.get("/vote/")
@public
def index():
    campaigns = queries.public_campaigns()
    if len(campaigns) == 1:
        return redirect(url_for("votes.ballot", slug=campaigns[0].cycle.slug))
    return render_template(
        "votes/index.html",
        campaigns=[(c, queries.vote_state(c)) for c in campaigns],
    )


@bp.get("/vote/<slug>")
@public
def ballot(slug: str):
    campaign = _campaign_or_404(slug)
    state = queries.vote_state(campaign)
    entries = queries.candidates(campaign.cycle) if state != VoteState.UPCOMING else []
    random.shuffle(entries)  # no entry profits from always standing first
    show_totals = queries.totals_are_public(campaign)
    return render_template(
        "votes/ballot.html",
        campaign=campaign,
        cycle=campaign.cycle,
        state=state,
        entries=entries,
        attachments=queries.public_attachments([e.id for e in entries]),
        standings=queries.standings(campaign) if show_totals else None,
        winner=queries.city_of_your_choice(campaign.cycle) if state == VoteState.CLOSED else None,
        tie_rule=TIE_RULE,
        is_image=queries.is_image,
    )


@bp.route("/vote/<slug>/entry/<int:submission_id>", methods=["GET", "POST"])
@csrf.exempt  # see VoteForm: a vote acts for no signed-in user
@public
def entry(slug: str, submission_id: int):
    # The ballot comes from memory: a campaign's rush of votes reads no campaign, no shortlist.
    ballot = queries.ballot_by_slug(slug)
    state = queries.vote_state(ballot) if ballot else None
    if ballot is None or submission_id not in ballot.candidate_ids or state == VoteState.UPCOMING:
        abort(404)
    problem = None
    if request.method == "POST":
        _limit_network("VOTE_RATE_LIMIT_NETWORK")
        voter = _voter()
        try:
            if request.form.get("website", "").strip():
                services.note_honeypot(voter)
            else:
                vote = services.check_vote(
                    ballot,
                    submission_id,
                    request.form.get("email", ""),
                    voter=voter,
                    locale=str(get_locale()),
                )
                enforce(current_app.config["VOTE_RATE_LIMIT_ADDRESS"], "vote-addr", vote.email_hash)
                services.submit_vote(vote)
        except DomainError as exc:
            problem = exc
        else:
            return redirect(url_for("votes.sent", slug=slug))
    # The page, or the form again with what was typed and the problem next to its field.
    campaign = queries.campaign_by_slug(slug)
    form = VoteForm()
    if problem is not None:
        attach_error(form, problem)
    return render_template(
        "votes/entry.html",
        campaign=campaign,
        cycle=campaign.cycle,
        state=state,
        submission=queries.candidate(campaign.cycle, submission_id),
        attachments=queries.public_attachments([submission_id])[submission_id],
        form=form,
        is_image=queries.is_image,
    ), 422 if problem is not None else 200


@bp.get("/vote/<slug>/check-your-inbox")
@public
def sent(slug: str):
    campaign = _campaign_or_404(slug)
    return render_template("votes/check_inbox.html", campaign=campaign, cycle=campaign.cycle)


# Remembers, in the voter's session, the vote this browser has just confirmed: its link then
# shows the thanks again on reload, where any other visit of a used link is told so.
CONFIRMED_IN_SESSION = "vote_confirmed"


# Confirming is a POST, so that mail scanners that open links do not confirm votes on their own.
# It needs no form token: the link is the secret, and whoever holds it may confirm.
@bp.route("/votes/confirm/<token>", methods=["GET", "POST"])
@csrf.exempt
@public
def confirm(token: str):
    if request.method == "POST":
        _limit_network("VOTE_RATE_LIMIT_CONFIRM")
        vote_id = services.confirm_vote_at_once(token)
        if vote_id is not None:
            return _thank_this_browser(token, vote_id)
    try:
        if request.method == "POST":  # explains why the link cannot count, or counts it
            return _thank_this_browser(token, services.confirm_vote(token).id)
        vote = services.vote_from_token(token)
        if session.get(CONFIRMED_IN_SESSION) == vote.id and vote.status == VoteStatus.CONFIRMED:
            return render_template("votes/confirmed.html", vote=vote, cycle=vote.campaign.cycle)
        services.ensure_confirmable(vote)
    except services.VoteLinkProblem as exc:
        campaign = exc.vote.campaign if exc.vote is not None else None
        return render_template(
            "votes/link_problem.html", message=exc.message, campaign=campaign
        ), exc.status
    return render_template("votes/confirm.html", vote=vote, cycle=vote.campaign.cycle)


def _thank_this_browser(token: str, vote_id: int):
    session[CONFIRMED_IN_SESSION] = vote_id
    # After a POST, a GET: reloading the thanks never sends the confirmation again.
    return redirect(url_for("votes.confirm", token=token), code=303)


@bp.get("/votes/photo/<int:attachment_id>")
@public
def photo(attachment_id: int):
    attachment = db.session.get(queries.Attachment, attachment_id)
    if not can_view_public_attachment(current_user, attachment):
        abort(404)
    url = get_storage().presigned_get(
        attachment.storage_key,
        filename=attachment.original_name,
        content_type=attachment.content_type,
        inline=queries.is_image(attachment) or attachment.kind == "pdf",
    )
    response = redirect(url, code=302)
    # Shorter than the presigned URL's life, so a cached redirect never points at a dead link.
    response.headers["Cache-Control"] = "private, max-age=60"
    return response


@bp.get("/vote/<slug>/results.json")
@public
def results_json(slug: str):
    """Machine-readable state of the vote. Counts appear only when the public may see them."""
    campaign = _campaign_or_404(slug)
    state = queries.vote_state(campaign)
    body: dict = {
        "cycle": campaign.cycle.name,
        "state": str(state),
        "opens_at": campaign.opens_at.isoformat(),
        "closes_at": campaign.closes_at.isoformat(),
        "totals_public": queries.totals_are_public(campaign),
        "tie_rule": str(TIE_RULE),
    }
    if state == VoteState.UPCOMING:
        body["entries"] = []
    elif body["totals_public"]:
        body["entries"] = [
            _entry_json(s.submission) | {"position": s.position, "votes": s.votes}
            for s in queries.standings(campaign)
        ]
    else:
        body["entries"] = [_entry_json(s) for s in queries.candidates(campaign.cycle)]
    winner = queries.city_of_your_choice(campaign.cycle)
    body["winner"] = (
        _entry_json(winner.submission) | {"votes": winner.votes} if winner is not None else None
    )
    return jsonify(body)


def _entry_json(submission) -> dict:
    return {
        "id": submission.id,
        "title": submission.title,
        "city": submission.organisation.city or submission.organisation.name,
        "country": submission.organisation.country_code,
    }


# --- the secretariat -------------------------------------------------------------------------


def _cycle_or_404(cycle_id: int) -> Cycle:
    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None or not can_manage_votes(current_user):
        abort(404)
    return cycle


@bp.get("/secretariat/votes/")
@staff_required
def admin_index():
    rows = queries.cycles_with_campaigns()
    return render_template("votes/admin_index.html", rows=rows, VoteState=VoteState)


@bp.route("/secretariat/votes/<int:cycle_id>", methods=["GET", "POST"])
@staff_required
def admin_campaign(cycle_id: int):
    cycle = _cycle_or_404(cycle_id)
    campaign = queries.campaign_for(cycle)
    form = CampaignForm()
    if request.method == "GET":
        opens, closes = (
            (campaign.opens_at, campaign.closes_at) if campaign else services.default_window(cycle)
        )
        form.opens_at.data = to_local(opens, cycle.time_zone)
        form.closes_at.data = to_local(closes, cycle.time_zone)
        if campaign:
            form.rule.data = campaign.rule.value
            form.show_running_totals.data = campaign.show_running_totals
    elif form.validate_on_submit():
        try:
            services.configure_vote(
                cycle,
                opens_at=to_utc(form.opens_at.data, cycle.time_zone),
                closes_at=to_utc(form.closes_at.data, cycle.time_zone),
                show_running_totals=form.show_running_totals.data,
                rule=VoteRule(form.rule.data),
                actor=current_user,
            )
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(_("The vote's settings are saved."), "success")
            return redirect(url_for("votes.admin_campaign", cycle_id=cycle.id))
    status = 422 if form.errors or form.form_errors else 200
    return _render_admin(cycle, campaign, form, status)


def _render_admin(cycle, campaign, form, status=200):
    return render_template(
        "votes/admin_campaign.html",
        cycle=cycle,
        campaign=campaign,
        form=form,
        close_form=CloseForm(),
        restore_form=RestoreForm(),
        state=queries.vote_state(campaign) if campaign else None,
        standings=queries.standings(campaign) if campaign else [],
        totals=queries.status_totals(campaign) if campaign else {},
        batches=queries.invalidations(campaign) if campaign else [],
        tie_rule=TIE_RULE,
    ), status


@bp.post("/secretariat/votes/<int:cycle_id>/close")
@staff_required
def admin_close(cycle_id: int):
    cycle = _cycle_or_404(cycle_id)
    campaign = queries.campaign_for(cycle) or abort(404)
    form = CloseForm()
    if form.validate_on_submit():
        try:
            services.close_vote(campaign, actor=current_user)
        except DomainError as exc:
            flash(exc.message, "danger")
        else:
            flash(_("The vote is closed and its result is stored."), "success")
    return redirect(url_for("votes.admin_campaign", cycle_id=cycle.id))


@bp.get("/secretariat/votes/<int:cycle_id>/fraud")
@staff_required
def admin_fraud(cycle_id: int):
    cycle = _cycle_or_404(cycle_id)
    campaign = queries.campaign_for(cycle)
    if campaign is None or not can_see_voter_data(current_user):
        abort(404)
    return render_template(
        "votes/fraud.html",
        cycle=cycle,
        campaign=campaign,
        report=queries.fraud_report(campaign),
        totals=queries.status_totals(campaign),
        to_local=to_local,
    )


@bp.route("/secretariat/votes/<int:cycle_id>/invalidate", methods=["GET", "POST"])
@staff_required
def admin_invalidate(cycle_id: int):
    cycle = _cycle_or_404(cycle_id)
    campaign = queries.campaign_for(cycle)
    if campaign is None:
        abort(404)
    form = InvalidateForm(formdata=request.form if request.method == "POST" else request.args)
    criteria = {
        "network_prefix": (form.network_prefix.data or "").strip() or None,
        "email_domain": (form.email_domain.data or "").strip().lower() or None,
        "hour": to_utc(form.hour.data, cycle.time_zone) if form.hour.data else None,
    }
    if criteria["hour"] is not None:
        criteria["hour"] = criteria["hour"].replace(minute=0, second=0, microsecond=0)
    if request.method == "POST" and form.validate_on_submit():
        try:
            batch = services.invalidate_votes(
                campaign, reason=form.reason.data, actor=current_user, **criteria
            )
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(
                _("%(n)d votes were set aside (batch %(id)d).", n=batch.vote_count, id=batch.id),
                "success",
            )
            return redirect(url_for("votes.admin_campaign", cycle_id=cycle.id))
    status = 422 if request.method == "POST" else 200
    has_criteria = any(v is not None for v in criteria.values())
    return render_template(
        "votes/invalidate.html",
        cycle=cycle,
        campaign=campaign,
        form=form,
        preview=queries.batch_counts(campaign, **criteria) if has_criteria else None,
    ), status


@bp.post("/secretariat/votes/batches/<int:batch_id>/restore")
@staff_required
def admin_restore(batch_id: int):
    batch = db.session.get(VoteInvalidation, batch_id)
    if batch is None or not can_manage_votes(current_user):
        abort(404)
    form = RestoreForm()
    if form.validate_on_submit():
        try:
            count = services.restore_votes(batch, reason=form.reason.data, actor=current_user)
        except DomainError as exc:
            flash(exc.message, "danger")
        else:
            flash(_("%(n)d votes are restored.", n=count), "success")
    else:
        flash(_("Give the reason for restoring these votes."), "danger")
    return redirect(url_for("votes.admin_campaign", cycle_id=batch.campaign.cycle_id))
