"""Forms of the results pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from awards.results.ranking import KEY_LABELS, RANK_BY_CHOICES, TIE_BREAK_CHOICES


def _tie_break_choices():
    return [SelectChoice("", _l("(none)"))] + [
        SelectChoice(key.value, KEY_LABELS[key]) for key in TIE_BREAK_CHOICES
    ]


class RankingSettingsForm(FlaskForm):
    rank_by = SelectField(
        _l("Rank by"),
        choices=[SelectChoice(key.value, KEY_LABELS[key]) for key in RANK_BY_CHOICES],
        description=_l("The corrected mean evens out harsh and lenient judges."),
    )
    tie_break_1 = SelectField(_l("Ties broken first by"), choices=_tie_break_choices())
    tie_break_2 = SelectField(_l("then by"), choices=_tie_break_choices())
    tie_break_3 = SelectField(_l("then by"), choices=_tie_break_choices())
    disagreement_threshold = DecimalField(
        _l("Flag disagreement above this standard deviation (points on 0 to 100)"),
        places=2,
        validators=[
            InputRequired(message=_l("Enter a threshold.")),
            NumberRange(min=0.01, max=100, message=_l("Enter a number above 0 and at most 100.")),
        ],
    )

    @property
    def tie_break(self) -> list[str]:
        return [self.tie_break_1.data, self.tie_break_2.data, self.tie_break_3.data]


class DecisionForm(FlaskForm):
    outcome = SelectField(_l("Outcome"), validators=[DataRequired()])
    reason = TextAreaField(
        _l("Reason"),
        validators=[Length(max=2000)],
        description=_l("Required when the outcome differs from the ranking's pre-selection."),
    )


class ConfirmForm(FlaskForm):
    """A button that changes state: only the CSRF token."""


class UnpublishForm(FlaskForm):
    reason = TextAreaField(
        _l("Why are the results taken down?"),
        validators=[DataRequired(message=_l("Say why.")), Length(max=2000)],
    )
