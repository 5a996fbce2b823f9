"""Judges and secretariat staff: invitations and judges' profiles (used by conflict detection
and expertise matching)."""

from __future__ import annotations

from flask_babel import gettext as _

from awards import audit
from awards.accounts.models import Invitation, Role, User
from awards.accounts.permissions import can_invite_role
from awards.accounts.regions import is_country_code
from awards.accounts.services import invite_user
from awards.errors import DomainError
from awards.extensions import db


def invite_person(*, actor: User, email: str, name: str, role: Role) -> Invitation:
    """Invite a judge or a staff member by e-mail (only an administrator invites administrators)."""
    if role not in (Role.JUDGE, Role.SECRETARIAT, Role.ADMIN) or not can_invite_role(actor, role):
        raise DomainError(_("You cannot invite people in this role."), field="role")
    return invite_user(email=email, name=name or "", role=role, invited_by=actor)


def update_judge_profile(
    judge: User,
    *,
    actor: User,
    name: str,
    affiliation: str,
    city: str,
    country_code: str | None,
    expertise: list[str],
    languages: str,
    bio: str,
) -> User:
    if judge.role != Role.JUDGE:
        raise DomainError(_("Only judges have a judging profile."))
    name = name.strip()
    if not name:
        raise DomainError(_("Enter the name."), field="name")
    code = (country_code or "").strip().upper() or None
    if code is not None and not is_country_code(code):
        raise DomainError(_("Choose a country from the list."), field="country_code")
    values = {
        "name": name,
        "affiliation": affiliation.strip(),
        "city": city.strip(),
        "country_code": code,
        "expertise": ",".join(sorted({key.strip() for key in expertise if key.strip()})),
        "languages": languages.strip(),
        "bio": bio.strip(),
    }
    before = {key: getattr(judge, key) for key in values}
    changed = {key: value for key, value in values.items() if before[key] != value}
    for key, value in changed.items():
        setattr(judge, key, value)
    if changed:
        db.session.flush()
        audit.record(
            actor,
            "judge.profile_updated",
            judge,
            before={k: before[k] for k in changed},
            after=changed,
        )
    return judge
