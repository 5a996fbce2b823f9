from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.validators import (
    URL,
    DataRequired,
    Email,
    EqualTo,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from awards.accounts.models import GovernmentLevel
from awards.accounts.regions import country_choices, is_country_code
from awards.accounts.services import MIN_PASSWORD_LENGTH


def strip(value):
    """Pasted addresses and names often carry stray spaces; they are never meant."""
    return value.strip() if isinstance(value, str) else value


EMAIL_VALIDATORS = [
    DataRequired(message=_l("Enter your e-mail address.")),
    Email(message=_l("Enter an e-mail address like name@city.gov."), check_deliverability=False),
    Length(max=254),
]


def _password_validators():
    return [
        DataRequired(message=_l("Choose a password.")),
        Length(
            min=MIN_PASSWORD_LENGTH,
            max=200,
            message=_l("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH),
        ),
    ]


class RegistrationForm(FlaskForm):
    name = StringField(
        _l("Your full name"),
        filters=[strip],
        validators=[DataRequired(message=_l("Enter your name.")), Length(max=200)],
    )
    email = EmailField(
        _l("Work e-mail address"),
        filters=[strip],
        validators=EMAIL_VALIDATORS,
        description=_l("We send a confirmation link to this address."),
    )
    password = PasswordField(
        _l("Password"),
        validators=_password_validators(),
        description=_l("At least %(n)d characters.", n=MIN_PASSWORD_LENGTH),
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[
            DataRequired(message=_l("Repeat the password.")),
            EqualTo("password", message=_l("The two passwords are not the same.")),
        ],
    )


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), filters=[strip], validators=EMAIL_VALIDATORS)
    password = PasswordField(
        _l("Password"), validators=[DataRequired(message=_l("Enter your password."))]
    )
    remember = BooleanField(_l("Keep me signed in on this computer"))
    next = HiddenField()


class ResendVerificationForm(FlaskForm):
    email = EmailField(_l("E-mail address"), filters=[strip], validators=EMAIL_VALIDATORS)


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail address"), filters=[strip], validators=EMAIL_VALIDATORS)


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=_password_validators())
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[
            DataRequired(message=_l("Repeat the password.")),
            EqualTo("password", message=_l("The two passwords are not the same.")),
        ],
    )


class AcceptInvitationForm(ResetPasswordForm):
    name = StringField(
        _l("Your full name"),
        filters=[strip],
        validators=[DataRequired(message=_l("Enter your name.")), Length(max=200)],
    )


class OrganisationForm(FlaskForm):
    name = StringField(
        _l("Name of the city or regional government"),
        filters=[strip],
        validators=[DataRequired(message=_l("Enter the name.")), Length(max=200)],
        description=_l("For example: City of Bogotá, or Guangdong Provincial Government."),
    )
    level = SelectField(
        _l("Level of government"),
        choices=[
            (GovernmentLevel.CITY.value, _l("City or municipality")),
            (GovernmentLevel.REGIONAL.value, _l("Regional government")),
            (GovernmentLevel.ASSOCIATION.value, _l("Association of local governments")),
            (GovernmentLevel.OTHER.value, _l("Other local government")),
        ],
    )
    country_code = SelectField(
        _l("Country"),
        validators=[DataRequired(message=_l("Choose the country."))],
        validate_choice=False,  # validate_country_code says it in our words
    )
    city = StringField(_l("City"), validators=[Optional(), Length(max=200)])
    population = IntegerField(
        _l("Population"),
        validators=[
            Optional(),
            NumberRange(min=0, max=2_000_000_000, message=_l("Enter a number of inhabitants.")),
        ],
    )
    website = StringField(
        _l("Website"),
        validators=[Optional(), URL(message=_l("Enter a web address starting with https://"))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country_code.choices = [("", _l("Choose a country"))] + country_choices()

    def validate_country_code(self, field):
        if field.data and not is_country_code(field.data):
            raise ValidationError(_l("Choose a country from the list."))


class InviteColleagueForm(FlaskForm):
    name = StringField(
        _l("Colleague's name"), filters=[strip], validators=[Optional(), Length(max=200)]
    )
    email = EmailField(
        _l("Colleague's e-mail address"), filters=[strip], validators=EMAIL_VALIDATORS
    )


class ProfileForm(FlaskForm):
    name = StringField(
        _l("Your full name"),
        filters=[strip],
        validators=[DataRequired(message=_l("Enter your name.")), Length(max=200)],
    )
    locale = SelectField(_l("Language"))
    timezone = SelectField(_l("Your time zone"), validators=[Optional()])
