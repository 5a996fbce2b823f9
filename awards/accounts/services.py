"""Account services: registration, verification, passwords, invitations, organisations."""

from __future__ import annotations

import contextlib
import secrets
from datetime import timedelta
from functools import cache
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from awards import audit
from awards.accounts.models import GovernmentLevel, Invitation, Organisation, Role, User
from awards.accounts.regions import region_for_country
from awards.accounts.tokens import InvalidToken, make_token, password_fingerprint, read_token
from awards.db import utcnow
from awards.errors import DomainError
from awards.extensions import db
from awards.mail import queue_mail

MIN_PASSWORD_LENGTH = 10
_hasher = PasswordHasher()


def normalise_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(user: User, password: str) -> bool:
    if not user.password_hash:
        return False
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return True


@cache
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def _spend_a_verification(password: str) -> None:
    """Take as long as checking a real account's password, so that the delay of the answer does
    not tell which addresses have an account."""
    with contextlib.suppress(VerificationError):
        _hasher.verify(_dummy_hash(), password)


def validate_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(
            _("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH), field="password"
        )


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def _absolute(endpoint: str, **values) -> str:
    """A link for an e-mail, on the public BASE_URL (never the request's Host header, which a
    client chooses). Works outside requests too: the CLI and the worker send invitations."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path.rstrip("/") or "/", url_scheme=base.scheme
    )
    return adapter.build(endpoint, values, force_external=True)


def create_user(
    *,
    email: str,
    name: str,
    role: Role,
    password: str | None,
    verified: bool = False,
    organisation: Organisation | None = None,
    actor: User | None = None,
    **profile,
) -> User:
    email = normalise_email(email)
    if find_user_by_email(email) is not None:
        raise DomainError(
            _("This e-mail address has an account already. Sign in, or reset the password."),
            field="email",
        )
    if password is not None:
        validate_password(password)
    user = User(
        email=email,
        name=name.strip(),
        role=role,
        password_hash=hash_password(password) if password else None,
        email_verified_at=utcnow() if verified else None,
        organisation=organisation,
        **profile,
    )
    db.session.add(user)
    db.session.flush()
    audit.record(actor or user, "user.created", user, after={"email": email, "role": role})
    return user


def register_applicant(*, email: str, name: str, password: str, locale: str | None) -> User:
    """Create an unverified applicant account and e-mail the verification link."""
    user = create_user(email=email, name=name, role=Role.APPLICANT, password=password)
    user.locale = locale
    send_verification(user)
    return user


def send_verification(user: User) -> None:
    token = make_token("verify", {"uid": user.id, "email": user.email})
    queue_mail(
        user.email,
        _l("Confirm your e-mail address"),
        "verify_email",
        locale=user.locale,
        user=user,
        link=_absolute("accounts.verify_email", token=token),
    )


def verify_email(token: str) -> User:
    payload = read_token("verify", token)
    user = db.session.get(User, payload.get("uid"))
    if user is None or user.email != payload.get("email"):
        raise InvalidToken(_("This link is not valid. Please ask for a new one."))
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        audit.record(user, "user.email_verified", user)
    return user


def authenticate(email: str, password: str) -> User:
    """Return the user for these credentials, or raise one message for every kind of failure
    (so the form does not reveal which addresses have accounts)."""
    user = find_user_by_email(email)
    if user is None:
        _spend_a_verification(password)
    if user is None or not check_password(user, password):
        raise DomainError(_("The e-mail address or the password is not right."), field="password")
    if not user.is_active:
        raise DomainError(
            _("This account has been deactivated. Contact the award secretariat."), field="email"
        )
    if not user.is_verified:
        raise DomainError(
            _("Please confirm your e-mail address first: use the link we sent you."),
            field="email",
        )
    user.last_login_at = utcnow()
    return user


def request_password_reset(email: str) -> None:
    """Queue a reset link if the account exists; say nothing either way."""
    user = find_user_by_email(email)
    if user is None or not user.is_active:
        return
    token = make_token("reset", {"uid": user.id, "fp": password_fingerprint(user.password_hash)})
    queue_mail(
        user.email,
        _l("Reset your password"),
        "reset_password",
        locale=user.locale,
        user=user,
        link=_absolute("accounts.reset_password", token=token),
    )


def user_for_reset_token(token: str) -> User:
    payload = read_token("reset", token)
    user = db.session.get(User, payload.get("uid"))
    if user is None or password_fingerprint(user.password_hash) != payload.get("fp"):
        raise InvalidToken(_("This link has been used already. Please ask for a new one."))
    return user


def reset_password(token: str, new_password: str) -> User:
    user = user_for_reset_token(token)
    validate_password(new_password)
    user.password_hash = hash_password(new_password)
    # Whoever reads the reset e-mail controls the address.
    user.email_verified_at = user.email_verified_at or utcnow()
    audit.record(user, "user.password_reset", user)
    return user


def invite_user(
    *,
    email: str,
    name: str,
    role: Role,
    invited_by: User | None,
    organisation: Organisation | None = None,
) -> Invitation:
    email = normalise_email(email)
    existing = find_user_by_email(email)
    if existing is not None:
        raise DomainError(_("%(email)s has an account already.", email=email), field="email")
    invitation = Invitation(
        email=email,
        name=name.strip(),
        role=role,
        organisation=organisation,
        invited_by=invited_by,
        expires_at=utcnow() + timedelta(seconds=current_app.config["TOKEN_MAX_AGE_INVITE"]),
    )
    db.session.add(invitation)
    db.session.flush()
    token = make_token("invite", {"iid": invitation.id})
    queue_mail(
        email,
        _l("You are invited to the Guangzhou Award platform"),
        "invitation",
        invitation=invitation,
        link=_absolute("accounts.accept_invitation", token=token),
    )
    audit.record(invited_by, "invitation.sent", invitation, after={"email": email, "role": role})
    return invitation


def invitation_for_token(token: str) -> Invitation:
    payload = read_token("invite", token)
    invitation = db.session.get(Invitation, payload.get("iid"))
    if invitation is None or invitation.revoked_at is not None:
        raise InvalidToken(_("This invitation is not valid any more."))
    if invitation.accepted_at is not None:
        raise InvalidToken(_("This invitation has been used already. Please sign in."))
    if invitation.expires_at <= utcnow():
        raise InvalidToken(_("This invitation has expired. Please ask for a new one."))
    return invitation


def accept_invitation(token: str, *, name: str, password: str) -> User:
    invitation = invitation_for_token(token)
    user = create_user(
        email=invitation.email,
        name=name or invitation.name,
        role=invitation.role,
        password=password,
        verified=True,  # the link arrived at this address
        organisation=invitation.organisation,
        actor=invitation.invited_by,
    )
    invitation.accepted_at = utcnow()
    audit.record(user, "invitation.accepted", invitation)
    return user


def create_organisation(
    *,
    founder: User,
    name: str,
    country_code: str,
    city: str,
    population: int | None,
    level: GovernmentLevel,
    website: str = "",
) -> Organisation:
    """Register a city or regional government with `founder` as its first member."""
    if founder.organisation_id is not None:
        raise DomainError(_("You belong to an organisation already."))
    country_code = country_code.upper()
    taken = db.session.scalar(
        select(Organisation).where(
            func.lower(Organisation.name) == name.strip().lower(),
            Organisation.country_code == country_code,
        )
    )
    if taken is not None:
        raise DomainError(
            _(
                "%(name)s is registered already. Ask one of its members to invite you, so that "
                "you can work on its applications.",
                name=taken.name,
            ),
            field="name",
        )
    organisation = Organisation(
        name=name.strip(),
        country_code=country_code,
        region=region_for_country(country_code),
        city=city.strip(),
        population=population,
        level=level,
        website=website.strip(),
    )
    db.session.add(organisation)
    founder.organisation = organisation
    db.session.flush()
    audit.record(founder, "organisation.created", organisation, after={"name": organisation.name})
    return organisation
