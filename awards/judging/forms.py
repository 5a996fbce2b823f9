"""The scoring form (built per round from its criteria) and the conflict declaration."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, StopValidation

from awards.cycles.models import Criterion, Round
from awards.judging.models import Review
from awards.judging.services import (
    MAX_TEXT,
    ReviewInput,
    ReviewIntent,
    ScoreInput,
    comment_field,
    scale_message,
    score_field,
)

ACTIONS = {"save", "submit", "next"}


class ReviewForm(FlaskForm):
    overall_comment = TextAreaField(
        _l("Overall comment for the secretariat"),
        validators=[Optional(), Length(max=MAX_TEXT)],
        description=_l("Read by the secretariat; never shown to the applicant."),
    )
    private_notes = TextAreaField(
        _l("Private notes"),
        validators=[Optional(), Length(max=MAX_TEXT)],
        description=_l("Only you can read these. They are never shared or counted."),
    )
    lock_version = HiddenField(default="0")
    # The button pressed: save (draft), submit, or next ("Save and next").
    action = HiddenField(default="save")

    criteria: list[Criterion] = []

    @property
    def intent(self) -> ReviewIntent:
        return ReviewIntent.SUBMIT if self.action.data == "submit" else ReviewIntent.DRAFT

    @property
    def wants_next(self) -> bool:
        return self.action.data == "next"

    def criterion_fields(self):
        """(criterion, score field, comment field) in the round's order."""
        return [(c, self[score_field(c.id)], self[comment_field(c.id)]) for c in self.criteria]

    def to_input(self) -> ReviewInput:
        try:
            version = int(self.lock_version.data or 0)
        except (TypeError, ValueError):
            version = -1  # unreadable: treated as stale, never as "new"
        return ReviewInput(
            scores={
                c.id: ScoreInput(
                    value=self[score_field(c.id)].data,
                    comment=(self[comment_field(c.id)].data or "").strip(),
                )
                for c in self.criteria
            },
            overall_comment=(self.overall_comment.data or "").strip(),
            private_notes=(self.private_notes.data or "").strip(),
            lock_version=version,
        )


class OnScale:
    """Empty is fine (a draft); anything else must be a whole number on the criterion's scale.
    One message, in the judge's language, whatever was wrong (not a number, or off scale)."""

    def __init__(self, criterion: Criterion):
        self.criterion = criterion
        self.field_flags = {"min": criterion.scale_min, "max": criterion.scale_max}

    def __call__(self, form, field):
        raw = (field.raw_data or [""])[0]
        if field.data is None and not str(raw).strip():
            field.errors[:] = []
            raise StopValidation()
        low, high = self.criterion.scale_min, self.criterion.scale_max
        if field.data is None or not (low <= field.data <= high):
            field.errors[:] = []
            raise StopValidation(scale_message(self.criterion))


def review_form(round_: Round, review: Review | None, *, formdata=None) -> ReviewForm:
    """The scoring form for a round, filled from the saved review (GET) or from `formdata`
    (POST: pass request.form)."""

    class RoundReviewForm(ReviewForm):
        pass

    criteria = list(round_.criteria)
    RoundReviewForm.criteria = criteria
    for criterion in criteria:
        setattr(
            RoundReviewForm,
            score_field(criterion.id),
            IntegerField(
                criterion.name,
                validators=[OnScale(criterion)],
            ),
        )
        setattr(
            RoundReviewForm,
            comment_field(criterion.id),
            TextAreaField(
                _l("Comment on %(name)s", name=criterion.name),
                validators=[Optional(), Length(max=MAX_TEXT)],
            ),
        )
    data: dict = {"lock_version": str(review.lock_version) if review else "0"}
    if review is not None:
        data["overall_comment"] = review.overall_comment
        data["private_notes"] = review.private_notes
        for score in review.scores:
            data[score_field(score.criterion_id)] = score.value
            data[comment_field(score.criterion_id)] = score.comment
    if formdata is not None:
        form = RoundReviewForm(formdata=formdata)
        if form.action.data not in ACTIONS:
            form.action.data = "save"
    else:
        form = RoundReviewForm(formdata=None, data=data)
    if round_.comment_required:
        # Shown as required (the draft may still leave it empty; submitting may not).
        for criterion in criteria:
            form[comment_field(criterion.id)].flags.required = True
    return form


class ConflictForm(FlaskForm):
    reason = TextAreaField(
        _l("Why can you not judge this entry?"),
        validators=[
            DataRequired(message=_l("Tell the secretariat briefly why you cannot judge it.")),
            Length(max=2000),
        ],
        description=_l(
            "For example: you advised this city, work for a partner organisation, or live "
            "there. Only the secretariat reads this."
        ),
    )
