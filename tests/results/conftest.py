"""Builders for the results tests: rounds with criteria, valid entries, judges' reviews and
scores. Named distinctly (`results_*`) so they never clash with other features' factories."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import event

from awards.db import utcnow
from awards.extensions import db as _db
from awards.models import (
    Assignment,
    AssignmentStatus,
    Criterion,
    Cycle,
    Review,
    ReviewStatus,
    Round,
    RoundKind,
    RoundStatus,
    Score,
    Submission,
    SubmissionStatus,
)
from tests.factories import (
    CycleFactory,
    JudgeFactory,
    OrganisationFactory,
    SecretariatFactory,
    UserFactory,
)


class ResultsBuilder:
    """Makes the rows a ranking needs, committing each, as factories do."""

    def __init__(self):
        self._entries = 0

    def cycle(self, **kwargs) -> Cycle:
        return CycleFactory(with_form=False, **kwargs)

    def criterion(self, cycle: Cycle, name: str, *, weight="1", low=1, high=10) -> Criterion:
        criterion = Criterion(
            cycle=cycle,
            name=name,
            weight=Decimal(weight),
            scale_min=low,
            scale_max=high,
            position=len(cycle.criteria),
        )
        _db.session.add(criterion)
        _db.session.commit()
        return criterion

    def round(
        self,
        cycle: Cycle,
        criteria: list[Criterion],
        *,
        kind: RoundKind = RoundKind.COMMITTEE,
        position: int = 1,
        status: RoundStatus = RoundStatus.OPEN,
        **kwargs,
    ) -> Round:
        round_ = Round(
            cycle=cycle,
            name=kwargs.pop("name", "Technical committee" if position == 1 else "Jury"),
            kind=kind,
            position=position,
            status=status,
            **kwargs,
        )
        round_.criteria = list(criteria)
        _db.session.add(round_)
        _db.session.commit()
        return round_

    def entry(
        self,
        cycle: Cycle,
        *,
        reference: str | None = None,
        city: str = "Testville",
        country: str = "KE",
        region: str = "Africa",
        title: str | None = None,
        status: SubmissionStatus = SubmissionStatus.VALID,
        **kwargs,
    ) -> Submission:
        self._entries += 1
        applicant = UserFactory(email=f"applicant{self._entries}-{cycle.id}@city.example")
        organisation = OrganisationFactory(
            name=f"City of {city} {self._entries}", city=city, country_code=country, region=region
        )
        applicant.organisation = organisation
        submission = Submission(
            cycle=cycle,
            organisation=organisation,
            created_by=applicant,
            status=status,
            reference_code=reference or f"{cycle.reference_prefix}-{self._entries:04d}",
            title=title or f"Initiative of {city}",
            summary=kwargs.pop("summary", f"What {city} did."),
            submitted_at=utcnow(),
            first_submitted_at=utcnow(),
            **kwargs,
        )
        _db.session.add(submission)
        _db.session.commit()
        return submission

    def judge(self, **kwargs):
        return JudgeFactory(**kwargs)

    def staff(self, **kwargs):
        return SecretariatFactory(**kwargs)

    def review(
        self,
        round_: Round,
        judge,
        entry: Submission,
        values: list[int | None],
        *,
        status: ReviewStatus = ReviewStatus.SUBMITTED,
        assignment_status: AssignmentStatus = AssignmentStatus.ACTIVE,
        comments: list[str] | None = None,
        overall: str = "",
    ) -> Review:
        """A review scoring the round's criteria in order with `values`."""
        assignment = Assignment(
            round=round_, judge=judge, submission=entry, status=assignment_status
        )
        review = Review(
            round=round_,
            judge=judge,
            submission=entry,
            assignment=assignment,
            status=status,
            overall_comment=overall,
            submitted_at=utcnow() if status == ReviewStatus.SUBMITTED else None,
        )
        for index, (criterion, value) in enumerate(zip(round_.criteria, values, strict=True)):
            review.scores.append(Score.on(criterion, value, comments[index] if comments else ""))
        review.store_weighted_total(round_.criteria)
        _db.session.add_all([assignment, review])
        _db.session.commit()
        return review


@pytest.fixture
def build(app) -> ResultsBuilder:
    return ResultsBuilder()


@pytest.fixture
def count_queries(app):
    """Counts the SQL statements run inside the `with` block."""
    from contextlib import contextmanager

    @contextmanager
    def counting():
        statements: list[str] = []

        def before(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        engine = _db.engine
        event.listen(engine, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", before)

    return counting


@pytest.fixture
def other_client(app):
    """A second browser, signed in as nobody."""
    return app.test_client()
