"""Who may do what. Every view declares its audience with one of these decorators, so a test
can walk the URL map and find any endpoint that forgot to."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort, redirect, request, url_for
from flask_login import current_user

from awards.accounts.models import Role, User

ACCESS_ATTRIBUTE = "awards_access"


def public(view: Callable) -> Callable:
    """Anyone, signed in or not."""
    setattr(view, ACCESS_ATTRIBUTE, ("public",))
    return view


def roles_required(*roles: Role) -> Callable[[Callable], Callable]:
    """Signed-in users with one of `roles`; others get the login page (anonymous) or 403."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        setattr(wrapper, ACCESS_ATTRIBUTE, tuple(str(r) for r in roles))
        return wrapper

    return decorate


def signed_in(view: Callable) -> Callable:
    """Any signed-in user."""
    return roles_required(*Role)(view)


staff_required = roles_required(Role.SECRETARIAT, Role.ADMIN)
judge_required = roles_required(Role.JUDGE)
applicant_required = roles_required(Role.APPLICANT)


def is_staff(user: User) -> bool:
    return user.is_authenticated and user.role in (Role.SECRETARIAT, Role.ADMIN)


def can_invite_role(user: User, role: Role) -> bool:
    if role == Role.ADMIN:
        return user.role == Role.ADMIN
    if role in (Role.JUDGE, Role.SECRETARIAT):
        return is_staff(user)
    return user.role == Role.APPLICANT and user.organisation_id is not None


def home_endpoint_for(user: User) -> str:
    return {
        Role.APPLICANT: "submissions.dashboard",
        Role.JUDGE: "judging.dashboard",
        Role.SECRETARIAT: "cycles.index",
        Role.ADMIN: "cycles.index",
    }[user.role]
