"""Registration, sign-in, passwords, invitations and the organisation a user belongs to."""

from __future__ import annotations

from zoneinfo import available_timezones

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from awards.accounts import services
from awards.accounts.forms import (
    AcceptInvitationForm,
    ForgotPasswordForm,
    InviteColleagueForm,
    LoginForm,
    OrganisationForm,
    ProfileForm,
    RegistrationForm,
    ResendVerificationForm,
    ResetPasswordForm,
)
from awards.accounts.models import GovernmentLevel, Role, User
from awards.accounts.permissions import (
    applicant_required,
    home_endpoint_for,
    public,
    signed_in,
)
from awards.core.rate_limits import enforce, rate_limits
from awards.errors import DomainError
from awards.extensions import login_manager
from awards.forms import attach_error
from awards.i18n import is_timezone
from awards.security import safe_redirect_target

bp = Blueprint("accounts", __name__)

login_manager.login_view = "accounts.login"
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The user of a session or remember cookie (see `User.get_id`): a session started before
    the password changed (the fingerprint differs) is over."""
    from awards.accounts.tokens import password_fingerprint
    from awards.extensions import db

    user_id, _, fingerprint = session_id.partition(":")
    user = db.session.get(User, int(user_id))
    if user is None or (fingerprint and fingerprint != password_fingerprint(user.password_hash)):
        return None
    return user


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _submitted_email() -> str:
    return request.form.get("email", "").strip().lower()


def _sign_in_counters() -> tuple[tuple[str, str], ...]:
    """Failed sign-ins count per client address and per account."""
    return (("login", request.remote_addr or ""), ("login-account", _submitted_email()))


def _ensure_sign_in_attempts_left() -> None:
    for scope, key in _sign_in_counters():
        rate_limits().ensure_available(_login_limit(), scope, key)


def _count_failed_sign_in() -> None:
    for scope, key in _sign_in_counters():
        rate_limits().count(_login_limit(), scope, key)


@bp.route("/register", methods=["GET", "POST"])
@public
def register():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = RegistrationForm()
    if form.validate_on_submit():
        try:
            services.register_applicant(
                email=form.email.data,
                name=form.name.data,
                password=form.password.data,
                # The language the page is shown in: the visitor's pick, else the browser's.
                locale=str(get_locale()),
            )
        except DomainError as exc:
            attach_error(form, exc)
        else:
            return redirect(url_for("accounts.check_inbox", email=form.email.data.strip().lower()))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("accounts/register.html", form=form), status


@bp.get("/register/check-inbox")
@public
def check_inbox():
    return render_template(
        "accounts/check_inbox.html",
        email=request.args.get("email", ""),
        form=ResendVerificationForm(),
    )


@bp.get("/verify/<token>")
@public
def verify_email(token: str):
    try:
        services.verify_email(token)
    except DomainError as exc:
        return render_template(
            "accounts/token_problem.html", message=exc.message, form=ResendVerificationForm()
        ), 400
    flash(_("Thank you, your e-mail address is confirmed. You can sign in now."), "success")
    return redirect(url_for("accounts.login"))


@bp.post("/verify/resend")
@public
def resend_verification():
    enforce("5 per hour", "verify", _submitted_email())
    form = ResendVerificationForm()
    if form.validate_on_submit():
        user = services.find_user_by_email(form.email.data)
        if user is not None and not user.is_verified:
            services.send_verification(user)
    flash(_("If that address has an unconfirmed account, a new link is on its way."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    if request.method == "POST":
        _ensure_sign_in_attempts_left()
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except DomainError as exc:
            attach_error(form, exc)
        else:
            login_user(user, remember=form.remember.data)
            return redirect(
                safe_redirect_target(form.next.data) or url_for(home_endpoint_for(user))
            )
    status = 401 if form.errors or form.form_errors else 200
    if request.method == "POST":  # only failed attempts count: a sign-in that worked left above
        _count_failed_sign_in()
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
@signed_in
def logout():
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("core.home"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
def forgot_password():
    if request.method == "POST":
        enforce("10 per hour", "reset-from", request.remote_addr or "")
        enforce("5 per hour", "reset", _submitted_email())
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        # The same answer whether or not the account exists.
        flash(
            _("If an account uses that address, we have sent it a link to choose a new password."),
            "info",
        )
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form), (
        422 if form.errors else 200
    )


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    try:
        services.user_for_reset_token(token)
    except DomainError as exc:
        return render_template(
            "accounts/token_problem.html", message=exc.message, form=ResendVerificationForm()
        ), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data)
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(_("Your password is changed. Please sign in."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form), (422 if form.errors else 200)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token: str):
    try:
        invitation = services.invitation_for_token(token)
    except DomainError as exc:
        return render_template(
            "accounts/token_problem.html", message=exc.message, form=ResendVerificationForm()
        ), 400
    form = AcceptInvitationForm(name=invitation.name)
    if form.validate_on_submit():
        try:
            user = services.accept_invitation(
                token, name=form.name.data, password=form.password.data
            )
        except DomainError as exc:
            attach_error(form, exc)
        else:
            login_user(user)
            flash(_("Welcome, %(name)s. Your account is ready.", name=user.name), "success")
            return redirect(url_for(home_endpoint_for(user)))
    return render_template("accounts/accept_invitation.html", form=form, invitation=invitation), (
        422 if form.errors or form.form_errors else 200
    )


@bp.route("/account", methods=["GET", "POST"])
@signed_in
def profile():
    form = ProfileForm(obj=current_user)
    form.locale.choices = list(current_app.config["LANGUAGES"].items())
    form.timezone.choices = [("", _("Use my browser's time zone"))] + [
        (zone, zone) for zone in sorted(available_timezones()) if "/" in zone
    ]
    if form.validate_on_submit():
        current_user.name = form.name.data.strip()
        current_user.locale = form.locale.data
        current_user.timezone = form.timezone.data or None
        flash(_("Your settings are saved."), "success")
        return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form), (422 if form.errors else 200)


@bp.post("/account/timezone")
@public
def set_browser_timezone():
    """The browser reports its time zone once (static/js/timezone.js); times then show in it.
    A zone chosen in the account settings wins over this."""
    zone = request.form.get("timezone", "")
    if not is_timezone(zone):
        return "", 400
    session["timezone"] = zone
    return "", 204


@bp.route("/organisation/new", methods=["GET", "POST"])
@applicant_required
def create_organisation():
    if current_user.organisation_id is not None:
        return redirect(url_for("accounts.organisation"))
    form = OrganisationForm()
    if form.validate_on_submit():
        try:
            services.create_organisation(
                founder=current_user,
                name=form.name.data,
                country_code=form.country_code.data,
                city=form.city.data or "",
                population=form.population.data,
                level=GovernmentLevel(form.level.data),
                website=form.website.data or "",
            )
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(
                _("Your organisation is registered. You can start an application now."), "success"
            )
            return redirect(url_for("submissions.dashboard"))
    return render_template("accounts/organisation_new.html", form=form), (
        422 if form.errors or form.form_errors else 200
    )


@bp.route("/organisation", methods=["GET", "POST"])
@applicant_required
def organisation():
    if current_user.organisation_id is None:
        return redirect(url_for("accounts.create_organisation"))
    form = InviteColleagueForm()
    if form.validate_on_submit():
        try:
            services.invite_user(
                email=form.email.data,
                name=form.name.data or "",
                role=Role.APPLICANT,
                invited_by=current_user,
                organisation=current_user.organisation,
            )
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(_("Invitation sent to %(email)s.", email=form.email.data), "success")
            return redirect(url_for("accounts.organisation"))
    return render_template(
        "accounts/organisation.html", form=form, organisation=current_user.organisation
    ), (422 if form.errors or form.form_errors else 200)
