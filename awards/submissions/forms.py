"""Forms of the application. Drafts may be incomplete, so fields that the submission needs are
marked required for the reader (and screen readers) but only checked on submit."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from awards.submissions.models import InitiativeStatus
from awards.submissions.sdgs import SDG_TITLES
from awards.submissions.services import (
    MAX_CONTACTS,
    SUMMARY_WORD_LIMIT,
    BasicInfo,
    ContactData,
)


class NeededToSubmit:
    """Marks a field as required (label, aria) without refusing to save a draft without it."""

    field_flags = {"required": True}

    def __call__(self, form, field):
        return None


class NewApplicationForm(FlaskForm):
    title = StringField(
        _l("Title of the initiative"),
        validators=[DataRequired(message=_l("Give the initiative a title.")), Length(max=300)],
        description=_l("You can change it later."),
    )


class ContactForm(Form):
    name = StringField(_l("Name"), validators=[NeededToSubmit(), Optional(), Length(max=200)])
    role = StringField(_l("Role or position"), validators=[Optional(), Length(max=200)])
    email = EmailField(
        _l("E-mail"),
        validators=[
            NeededToSubmit(),
            Optional(),
            Email(
                message=_l("Enter an e-mail address like name@city.gov."),
                check_deliverability=False,
            ),
            Length(max=254),
        ],
    )
    phone = StringField(
        _l("Phone"),
        validators=[
            Optional(),
            Length(max=60),
            Regexp(
                r"^[0-9+()\-./ ]*$",
                message=_l("Use digits, spaces and + ( ) - . / only, e.g. +86 20 1234 5678."),
            ),
        ],
    )


class BasicInfoForm(FlaskForm):
    lock_version = HiddenField()
    title = StringField(
        _l("Title of the initiative"), validators=[NeededToSubmit(), Length(max=300)]
    )
    umbrella_programme = StringField(
        _l("Umbrella programme"),
        validators=[Optional(), Length(max=300)],
        description=_l("If the initiative is part of a larger programme, its name."),
    )
    summary = TextAreaField(
        _l("Summary"),
        validators=[Optional()],
        description=_l("In at most %(n)d words.", n=SUMMARY_WORD_LIMIT),
    )
    start_date = DateField(
        _l("Start date"),
        validators=[NeededToSubmit(), Optional()],
        format="%Y-%m-%d",
    )
    initiative_status = RadioField(
        _l("Status of the initiative"),
        choices=[
            (InitiativeStatus.ONGOING.value, _l("Ongoing")),
            (InitiativeStatus.COMPLETED.value, _l("Completed")),
        ],
        validators=[NeededToSubmit(), Optional()],
    )
    end_date = DateField(
        _l("End date"),
        validators=[Optional()],
        format="%Y-%m-%d",
        description=_l("Only for a completed initiative."),
    )
    domains = SelectMultipleField(_l("Domains"), coerce=int, validators=[NeededToSubmit()])
    sdgs = SelectMultipleField(
        _l("Sustainable Development Goals"),
        coerce=int,
        choices=[(n, f"{n}. {title}") for n, title in SDG_TITLES.items()],
        validators=[NeededToSubmit()],
    )
    contacts = FieldList(FormField(ContactForm), min_entries=1, max_entries=MAX_CONTACTS)
    partners = TextAreaField(
        _l("Partners"),
        validators=[Optional()],
        description=_l("The organisations you work with, one per line."),
    )

    def __init__(self, *args, cycle=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.domains.choices = [(d.id, d.name) for d in (cycle.domains if cycle else [])]

    def to_data(self) -> BasicInfo:
        status = self.initiative_status.data or None
        return BasicInfo(
            title=self.title.data or "",
            umbrella_programme=self.umbrella_programme.data or "",
            summary=self.summary.data or "",
            start_date=self.start_date.data,
            initiative_status=InitiativeStatus(status) if status else None,
            end_date=self.end_date.data,
            domain_ids=list(self.domains.data or []),
            sdgs=list(self.sdgs.data or []),
            contacts=[
                ContactData(
                    name=entry.form.name.data or "",
                    role=entry.form.role.data or "",
                    email=entry.form.email.data or "",
                    phone=entry.form.phone.data or "",
                )
                for entry in self.contacts
            ],
            partners=(self.partners.data or "").splitlines(),
        )


class SectionForm(FlaskForm):
    version = HiddenField()
    body = TextAreaField(validators=[Optional()])


class AttachmentForm(FlaskForm):
    file = FileField(_l("File"), validators=[FileRequired(message=_l("Choose a file."))])
    caption = StringField(
        _l("Caption"),
        validators=[Optional(), Length(max=500)],
        description=_l("What the file shows, in a sentence."),
    )
    public = BooleanField(
        _l("May be shown publicly"),
        description=_l(
            "If the entry is shortlisted, this file may appear on the public vote page."
        ),
    )


class AttachmentDetailsForm(FlaskForm):
    caption = StringField(_l("Caption"), validators=[Optional(), Length(max=500)])
    public = BooleanField(_l("May be shown publicly"))


class VideoLinkForm(FlaskForm):
    url = URLField(
        _l("Video address"),
        validators=[DataRequired(message=_l("Enter the address of the video.")), Length(max=500)],
        description=_l("A link to YouTube, Vimeo, Youku, Bilibili or your own site."),
    )
    title = StringField(_l("Title of the video"), validators=[Optional(), Length(max=200)])


class WithdrawForm(FlaskForm):
    reason = TextAreaField(
        _l("Why do you withdraw the application?"),
        validators=[
            DataRequired(message=_l("Tell the secretariat why you withdraw.")),
            Length(max=2000),
        ],
    )


class ConfirmForm(FlaskForm):
    """A button that changes state: only the CSRF token."""


def basic_info_form_for(submission) -> BasicInfoForm:
    """Step 1 filled in from the saved application, with one empty contact row to add."""
    form = BasicInfoForm(
        formdata=None,
        cycle=submission.cycle,
        data={
            "lock_version": submission.lock_version,
            "title": submission.title,
            "umbrella_programme": submission.umbrella_programme,
            "summary": submission.summary,
            "start_date": submission.start_date,
            "initiative_status": (
                submission.initiative_status.value if submission.initiative_status else None
            ),
            "end_date": submission.end_date,
            "domains": [domain.id for domain in submission.domains],
            "sdgs": list(submission.sdgs or []),
            "contacts": [
                {"name": c.name, "role": c.role, "email": c.email, "phone": c.phone}
                for c in submission.contacts
            ],
            "partners": "\n".join(p.name for p in submission.partners),
        },
    )
    pad_contact_rows(form)
    return form


def pad_contact_rows(form: BasicInfoForm) -> None:
    """Room for MAX_CONTACTS contact persons; the page shows the filled rows and one more."""
    while len(form.contacts) < MAX_CONTACTS:
        form.contacts.append_entry()
