"""Forms of the secretariat's cycle configuration and of its people page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    EmailField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from awards.accounts.models import Role
from awards.accounts.regions import country_choices
from awards.cycles.models import DEFAULT_TIME_ZONE, RoundKind, ScoreVisibility
from awards.cycles.services import KNOWN_FILE_TYPES
from awards.cycles.zones import time_zone_names

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
NUMBER = _l("Enter a whole number.")


class CheckboxesField(SelectMultipleField):
    """A multi-select shown as a list of checkboxes (easier on a phone than a select box)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _required_int(label, **kwargs) -> IntegerField:
    return IntegerField(label, validators=[InputRequired(message=NUMBER)], **kwargs)


class CycleForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(message=_l("Give the cycle a name.")), Length(max=200)],
        description=_l("For example: 7th Guangzhou Award (2026)."),
    )
    slug = StringField(
        _l("Short address"),
        validators=[DataRequired(message=_l("Enter a short address.")), Length(max=60)],
        description=_l("Lowercase letters, digits and hyphens; used in links."),
    )
    reference_prefix = StringField(
        _l("Reference prefix"),
        validators=[DataRequired(message=_l("Enter a prefix.")), Length(max=12)],
        description=_l("Entries get codes like GZA7-0042."),
    )
    time_zone = SelectField(
        _l("Time zone of the deadlines"),
        default=DEFAULT_TIME_ZONE,
        description=_l("Every date below is entered and shown in this zone."),
    )
    opens_at = DateTimeLocalField(
        _l("Call opens"),
        format=LOCAL_FORMAT,
        validators=[InputRequired(message=_l("Enter the date and time the call opens."))],
    )
    early_bird_deadline = DateTimeLocalField(
        _l("Early-bird deadline"),
        format=LOCAL_FORMAT,
        validators=[Optional()],
        description=_l("Entries in by then can get feedback and be improved."),
    )
    final_deadline = DateTimeLocalField(
        _l("Final deadline"),
        format=LOCAL_FORMAT,
        validators=[InputRequired(message=_l("Enter the final deadline."))],
    )
    announce = BooleanField(
        _l("E-mail every applicant of this cycle if a deadline changes"),
    )
    eligibility_years = _required_int(
        _l("Eligibility window (years)"),
        default=2,
        description=_l("A completed initiative must have ended within this many years."),
    )
    max_file_mb = _required_int(_l("Largest file (MB)"), default=20)
    max_files = _required_int(_l("Most files per entry"), default=10)
    max_total_mb = _required_int(_l("Total size of all files (MB)"), default=100)
    allowed_types = CheckboxesField(
        _l("Types of file allowed"),
        choices=[(t, t.upper()) for t in KNOWN_FILE_TYPES],
        default=["pdf", "jpeg", "png", "docx", "pptx", "xlsx"],
    )
    description = TextAreaField(_l("Description for applicants"), validators=[Optional()])
    with_defaults = BooleanField(
        _l("Start with the award's usual form, domains, criteria and rounds"), default=True
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.time_zone.choices = [(name, name) for name in time_zone_names()]

    def values(self) -> dict:
        """Everything but the deadlines, which the view converts in the chosen zone."""
        return {
            "name": self.name.data,
            "slug": self.slug.data,
            "reference_prefix": self.reference_prefix.data,
            "time_zone": self.time_zone.data,
            "eligibility_years": self.eligibility_years.data,
            "max_file_mb": self.max_file_mb.data,
            "max_files": self.max_files.data,
            "max_total_mb": self.max_total_mb.data,
            "allowed_types": ",".join(self.allowed_types.data or []),
            "description": self.description.data or "",
        }


class SectionForm(FlaskForm):
    title = StringField(
        _l("Title"),
        validators=[DataRequired(message=_l("Give the section a title.")), Length(max=200)],
    )
    key = StringField(
        _l("Key"),
        validators=[Optional(), Length(max=40)],
        description=_l("Made from the title if left empty; it cannot change later."),
    )
    help_text = TextAreaField(_l("Help text for applicants"), validators=[Optional()])
    word_limit = _required_int(_l("Word limit"), default=500)
    required = BooleanField(_l("Applicants must fill it in"), default=True)


class DomainForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(message=_l("Give the domain a name.")), Length(max=120)],
    )
    key = StringField(
        _l("Key"),
        validators=[Optional(), Length(max=40)],
        description=_l("Made from the name if left empty; judges' expertise refers to it."),
    )


class CriterionForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(message=_l("Give the criterion a name.")), Length(max=120)],
    )
    rubric = TextAreaField(
        _l("Rubric"),
        validators=[Optional()],
        description=_l("What a low, a middle and a top score look like."),
    )
    weight = DecimalField(
        _l("Weight"),
        places=2,
        default=1,
        validators=[InputRequired(message=_l("Enter the weight, for example 1 or 1.5."))],
        description=_l("More than zero. Totals are weighted means, so only ratios matter."),
    )
    scale_min = _required_int(_l("Lowest score"), default=1)
    scale_max = _required_int(_l("Highest score"), default=10)


class RoundForm(FlaskForm):
    name = StringField(
        _l("Name"), validators=[DataRequired(message=_l("Give the round a name.")), Length(max=120)]
    )
    kind = SelectField(
        _l("Kind"),
        choices=[
            (RoundKind.COMMITTEE.value, _l("Technical committee (scores, shortlist)")),
            (RoundKind.JURY.value, _l("Jury (winners)")),
        ],
    )
    criteria = CheckboxesField(_l("Criteria used in this round"), coerce=int)
    judges_per_entry = _required_int(_l("Judges per entry"), default=3)
    opens_at = DateTimeLocalField(_l("Opens"), format=LOCAL_FORMAT, validators=[Optional()])
    closes_at = DateTimeLocalField(
        _l("Closes"),
        format=LOCAL_FORMAT,
        validators=[Optional()],
        description=_l("Reminders are sent before this time."),
    )
    select_limit = _required_int(
        _l("Entries to select"), default=15, description=_l("Shortlist, or winners for a jury.")
    )
    deserving_limit = _required_int(
        _l("Further 'deserving' entries"), default=0, description=_l("Zero for none.")
    )
    blind_fields = CheckboxesField(_l("Fields the judges do not see"))
    score_visibility = SelectField(
        _l("Other judges' scores"),
        choices=[
            (ScoreVisibility.NEVER.value, _l("Never shown to judges")),
            (ScoreVisibility.AFTER_OWN.value, _l("Shown after the judge submitted their own")),
        ],
    )
    comment_required = BooleanField(_l("A comment is required for each criterion"))
    severity_min_reviews = _required_int(
        _l("Reviews needed to correct a judge's severity"),
        default=5,
        description=_l("Judges with fewer reviews keep their raw scores."),
    )
    reminder_days = StringField(
        _l("Reminders, days before closing"),
        default="7,1",
        validators=[Optional(), Length(max=40)],
        description=_l("For example 7,1. Leave empty for no automatic reminders."),
    )

    def values(self) -> dict:
        return {
            "name": self.name.data,
            "kind": self.kind.data,
            "judges_per_entry": self.judges_per_entry.data,
            "select_limit": self.select_limit.data,
            "deserving_limit": self.deserving_limit.data,
            "blind_fields": list(self.blind_fields.data or []),
            "score_visibility": self.score_visibility.data,
            "comment_required": bool(self.comment_required.data),
            "severity_min_reviews": self.severity_min_reviews.data,
            "reminder_days": self.reminder_days.data or "",
        }


class InvitePersonForm(FlaskForm):
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    email = EmailField(
        _l("E-mail address"),
        validators=[
            DataRequired(message=_l("Enter the e-mail address.")),
            Email(
                message=_l("Enter an e-mail address like name@example.org."),
                check_deliverability=False,
            ),
            Length(max=254),
        ],
    )
    role = SelectField(
        _l("Invite as"),
        choices=[
            (Role.JUDGE.value, _l("Judge")),
            (Role.SECRETARIAT.value, _l("Secretariat staff")),
            (Role.ADMIN.value, _l("Administrator")),
        ],
    )


class JudgeProfileForm(FlaskForm):
    name = StringField(
        _l("Name"), validators=[DataRequired(message=_l("Enter the name.")), Length(max=200)]
    )
    affiliation = StringField(
        _l("Organisation"),
        validators=[Optional(), Length(max=200)],
        description=_l("A judge is conflicted with entries naming this organisation as partner."),
    )
    city = StringField(_l("City"), validators=[Optional(), Length(max=200)])
    country_code = SelectField(_l("Country"), validators=[Optional()])
    expertise = CheckboxesField(_l("Expertise domains"))
    languages = StringField(
        _l("Languages"),
        validators=[Optional(), Length(max=200)],
        description=_l("For example: English, Spanish."),
    )
    bio = TextAreaField(_l("Short biography"), validators=[Optional()])

    def __init__(self, *args, domain_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.country_code.choices = [("", _l("Not set"))] + country_choices()
        self.expertise.choices = list(domain_choices)
