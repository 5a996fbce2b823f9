"""Building blocks for the judge's tests: an open round with criteria, judges on its panel and
entries assigned to them. Plain functions (not fixtures) so any test module can use them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

from awards.db import utcnow
from awards.extensions import db
from awards.judging.services import ReviewInput, ScoreInput, comment_field, score_field
from awards.models import Assignment, Cycle, Round, ScoreVisibility, Submission, User
from tests.factories import (
    AssignmentFactory,
    CycleFactory,
    EligibleSubmissionFactory,
    JudgeFactory,
    OpenRoundFactory,
    PanelMemberFactory,
)


def _id(thing) -> int:
    return thing if isinstance(thing, int) else thing.id


@dataclass
class Setting:
    """Ids of what was built; the properties load the rows in the current session. (Each test
    request removes the session the test shares with it, detaching objects loaded before.)"""

    cycle_id: int
    round_id: int
    judge_ids: list[int]
    submission_ids: list[int]
    assignment_ids: dict[tuple[int, int], int] = field(default_factory=dict)

    @property
    def cycle(self) -> Cycle:
        return db.session.get(Cycle, self.cycle_id)

    @property
    def round(self) -> Round:
        return db.session.get(Round, self.round_id)

    @property
    def judges(self) -> list[User]:
        return [db.session.get(User, i) for i in self.judge_ids]

    @property
    def judge(self) -> User:
        return db.session.get(User, self.judge_ids[0])

    @property
    def submissions(self) -> list[Submission]:
        return [db.session.get(Submission, i) for i in self.submission_ids]

    @property
    def criteria(self):
        return list(self.round.criteria)

    def assignment(
        self, judge: User | int | None = None, submission: Submission | int | None = None
    ) -> Assignment:
        judge_id = _id(judge) if judge is not None else self.judge_ids[0]
        submission_id = _id(submission) if submission is not None else self.submission_ids[0]
        return db.session.get(Assignment, self.assignment_ids[(judge_id, submission_id)])

    def entry_url(
        self, submission: Submission | int | None = None, round_: Round | int | None = None
    ) -> str:
        if submission is None:
            submission_id = self.submission_ids[0]
        else:
            submission_id = submission if isinstance(submission, int) else submission.id
        if round_ is None:
            round_id = self.round_id
        else:
            round_id = round_ if isinstance(round_, int) else round_.id
        return f"/judging/rounds/{round_id}/entries/{submission_id}"


def make_setting(
    *,
    judges: int = 1,
    entries: int = 1,
    comment_required: bool = False,
    score_visibility: ScoreVisibility = ScoreVisibility.NEVER,
    blind_fields: list[str] | None = None,
    closes_in: timedelta = timedelta(days=7),
    cycle: Cycle | None = None,
    **round_kwargs,
) -> Setting:
    """An open round of a cycle with three criteria (scale 1 to 10), `judges` judges on its
    panel, each assigned every one of `entries` valid entries."""
    cycle = cycle or CycleFactory()
    round_ = OpenRoundFactory(
        cycle=cycle,
        comment_required=comment_required,
        score_visibility=score_visibility,
        blind_fields=blind_fields or [],
        closes_at=utcnow() + closes_in,
        **round_kwargs,
    )
    judge_users = [JudgeFactory() for _ in range(judges)]
    submissions = [EligibleSubmissionFactory(cycle=cycle) for _ in range(entries)]
    assignments = {}
    for judge in judge_users:
        PanelMemberFactory(round=round_, user=judge)
        for submission in submissions:
            assignments[(judge.id, submission.id)] = AssignmentFactory(
                round=round_, judge=judge, submission=submission
            ).id
    db.session.commit()
    return Setting(
        cycle_id=cycle.id,
        round_id=round_.id,
        judge_ids=[j.id for j in judge_users],
        submission_ids=[s.id for s in submissions],
        assignment_ids=assignments,
    )


def review_input(
    setting: Setting,
    values: list[int | None] | int | None = 7,
    *,
    comments: list[str] | str = "",
    overall: str = "",
    notes: str = "",
    version: int = 0,
) -> ReviewInput:
    criteria = setting.criteria
    if not isinstance(values, list):
        values = [values] * len(criteria)
    if not isinstance(comments, list):
        comments = [comments] * len(criteria)
    return ReviewInput(
        scores={c.id: ScoreInput(v, t) for c, v, t in zip(criteria, values, comments, strict=True)},
        overall_comment=overall,
        private_notes=notes,
        lock_version=version,
    )


def form_data(
    setting: Setting,
    values: list[int | str | None] | int | str | None = 7,
    *,
    comments: list[str] | str = "",
    overall: str = "",
    notes: str = "",
    version: int = 0,
    action: str = "save",
) -> dict[str, str]:
    """What the browser posts for the scoring form."""
    criteria = setting.criteria
    if not isinstance(values, list):
        values = [values] * len(criteria)
    if not isinstance(comments, list):
        comments = [comments] * len(criteria)
    data = {
        "overall_comment": overall,
        "private_notes": notes,
        "lock_version": str(version),
        "action": action,
    }
    for criterion, value, comment in zip(criteria, values, comments, strict=True):
        data[score_field(criterion.id)] = "" if value is None else str(value)
        data[comment_field(criterion.id)] = comment
    return data


def textarea(html: str, field_id: str) -> str:
    """The text a page shows in a textarea (WTForms writes a newline after the tag)."""
    match = re.search(rf'<textarea[^>]*id="{field_id}"[^>]*>(?:\r?\n)?(.*?)</textarea>', html, re.S)
    assert match, f"no textarea {field_id}"
    return match.group(1)


def checked_score(html: str, field_name: str) -> str | None:
    """The value of the checked radio of a score ("" for "no score yet"), or None."""
    for match in re.finditer(rf'<input type="radio"[^>]*name="{field_name}"[^>]*>', html, re.S):
        tag = match.group(0)
        if re.search(r"\schecked\b", tag):
            return re.search(r'value="([^"]*)"', tag).group(1)
    return None
