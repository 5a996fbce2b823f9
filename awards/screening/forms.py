from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


class InvalidForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason"),
        validators=[
            DataRequired(message=_l("Give the reason: the applicant will read it.")),
            Length(max=5000),
        ],
        description=_l("E-mailed to the applicant."),
    )


class ClarificationForm(FlaskForm):
    message = TextAreaField(
        _l("What should the applicant clarify or complete?"),
        validators=[
            DataRequired(message=_l("Write what the applicant should clarify or complete.")),
            Length(max=5000),
        ],
        description=_l("E-mailed to the applicant; the entry reopens for them."),
    )
    deadline = DateTimeLocalField(
        _l("Personal deadline"),
        format=LOCAL_FORMAT,
        validators=[InputRequired(message=_l("Enter the personal deadline."))],
    )


class BulkForm(FlaskForm):
    ids = SelectMultipleField(_l("Entries"), coerce=int, validate_choice=False)
    action = SelectField(
        _l("Mark the selected entries"),
        choices=[("valid", _l("valid")), ("invalid", _l("not valid"))],
    )
    reason = TextAreaField(
        _l("Reason (for entries marked not valid)"), validators=[Optional(), Length(max=5000)]
    )
