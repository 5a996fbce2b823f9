"""Forms of the public vote: the voter's, and the secretariat's."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from awards.votes.models import VoteRule

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


def to_utc(local: datetime | None, zone_name: str) -> datetime | None:
    """A wall-clock time typed in the cycle's zone, as aware UTC."""
    if local is None:
        return None
    return local.replace(tzinfo=ZoneInfo(zone_name)).astimezone(UTC)


def to_local(value: datetime | None, zone_name: str) -> datetime | None:
    """An aware UTC time as the naive wall-clock time a datetime-local input shows."""
    if value is None:
        return None
    return value.astimezone(ZoneInfo(zone_name)).replace(tzinfo=None)


class VoteForm(FlaskForm):
    """Rendered by the vote page; its answers are checked by `services.check_vote` (which words
    every problem), not by `validate()`. The validators mark the field as required for the
    page and mirror those checks.

    No form token: a vote acts for nobody signed in (there is no account, no cookie to ride on),
    so a forged cross-site post can do nothing that a script posting directly cannot, and every
    vote still waits for its e-mailed link. Without the token the page sets no cookie, and a
    page left open on a phone for hours still sends its vote."""

    class Meta:
        csrf = False

    email = EmailField(
        _l("Your e-mail address"),
        validators=[
            DataRequired(message=_l("Enter your e-mail address.")),
            Length(max=254, message=_l("This address is too long.")),
        ],
        description=_l(
            "We send you a link to confirm your vote. We do not keep your address: only a "
            "scrambled code that tells us it has voted."
        ),
    )
    # The honeypot: hidden from people by a CSS class (and from screen readers by aria-hidden),
    # filled in by bots that complete every field.
    website = StringField(_l("Leave this field empty"), validators=[Optional()])


class CampaignForm(FlaskForm):
    opens_at = DateTimeLocalField(
        _l("Voting opens"),
        format=LOCAL_FORMAT,
        validators=[InputRequired(message=_l("Enter the opening date and time."))],
    )
    closes_at = DateTimeLocalField(
        _l("Voting closes"),
        format=LOCAL_FORMAT,
        validators=[InputRequired(message=_l("Enter the closing date and time."))],
    )
    rule = SelectField(
        _l("Votes per address"),
        choices=[
            (VoteRule.PER_CYCLE.value, _l("One counted vote per address for the whole vote")),
            (VoteRule.PER_DAY.value, _l("One counted vote per address per day")),
        ],
        default=VoteRule.PER_CYCLE.value,
    )
    show_running_totals = BooleanField(
        _l("Show the running totals to the public while the vote is open"),
        description=_l(
            "Off by default: the counts stay hidden until the vote closes, which makes "
            "campaigning on the standings harder."
        ),
    )


class CloseForm(FlaskForm):
    """Only the CSRF token."""


class InvalidateForm(FlaskForm):
    network_prefix = StringField(
        _l("Network prefix"),
        validators=[Optional(), Length(max=64)],
        description=_l("As shown in the report, for example 203.0.113.0/24."),
    )
    email_domain = StringField(_l("E-mail domain"), validators=[Optional(), Length(max=255)])
    hour = DateTimeLocalField(
        _l("Hour"),
        format=LOCAL_FORMAT,
        validators=[Optional()],
        description=_l("Votes cast in the hour starting at this time."),
    )
    reason = TextAreaField(
        _l("Reason"),
        validators=[
            DataRequired(message=_l("Give the reason for setting these votes aside.")),
            Length(max=2000),
        ],
        description=_l("Recorded in the audit trail with your name."),
    )


class RestoreForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for restoring"),
        validators=[
            DataRequired(message=_l("Give the reason for restoring these votes.")),
            Length(max=2000),
        ],
    )
