"""Forms of the secretariat's round pages: panel, conflicts, assignment, reminders."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from awards.cycles.forms import CheckboxesField


class PanelAddForm(FlaskForm):
    judges = CheckboxesField(_l("Judges to add"), coerce=int)


class CapacityForm(FlaskForm):
    capacity = IntegerField(
        _l("Personal capacity"),
        validators=[Optional(), NumberRange(min=0, message=_l("Enter zero or more."))],
        description=_l("Most entries for this judge; empty for a balanced share."),
    )


def _reference_field() -> StringField:
    return StringField(
        _l("Entry reference code"),
        validators=[
            DataRequired(message=_l("Enter the entry's code, for example GZA7-0042.")),
            Length(max=24),
        ],
    )


class ConflictAddForm(FlaskForm):
    judge_id = SelectField(_l("Judge"), coerce=int)
    reference_code = _reference_field()
    reason = TextAreaField(
        _l("Reason"),
        validators=[
            DataRequired(message=_l("Give the reason for the conflict.")),
            Length(max=2000),
        ],
    )


class LiftForm(FlaskForm):
    reason = StringField(
        _l("Reason for lifting"),
        validators=[
            DataRequired(message=_l("Give the reason for lifting the conflict.")),
            Length(max=2000),
        ],
    )


class ManualAssignForm(FlaskForm):
    judge_id = SelectField(_l("Judge"), coerce=int)
    reference_code = _reference_field()


class ReminderForm(FlaskForm):
    judge_ids = CheckboxesField(_l("Judges to remind"), coerce=int)
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=2000)])


class ConfirmForm(FlaskForm):
    token = HiddenField(validators=[DataRequired()])
