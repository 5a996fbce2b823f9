"""factory_boy factories for the domain. They commit, because the test client's requests use a
session of their own."""

from __future__ import annotations

from datetime import timedelta
from functools import cache

import factory
from factory.alchemy import SQLAlchemyModelFactory

from awards.db import utcnow
from awards.extensions import db
from awards.models import (
    Assignment,
    AssignmentStatus,
    Criterion,
    Cycle,
    Domain,
    FormSection,
    GovernmentLevel,
    Organisation,
    PanelMember,
    Review,
    ReviewStatus,
    Role,
    Round,
    RoundKind,
    Score,
    Submission,
    SubmissionStatus,
    User,
)

PASSWORD = "correct-horse-battery"


@cache
def password_hash() -> str:
    from awards.accounts.services import hash_password

    return hash_password(PASSWORD)


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class OrganisationFactory(BaseFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"City of Testville {n}")
    city = factory.Sequence(lambda n: f"Testville {n}")
    country_code = "KE"
    region = "Africa"
    population = 1_000_000
    level = GovernmentLevel.CITY


class UserFactory(BaseFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    name = factory.Sequence(lambda n: f"User {n}")
    role = Role.APPLICANT
    password_hash = factory.LazyFunction(password_hash)
    email_verified_at = factory.LazyFunction(utcnow)


class ApplicantFactory(UserFactory):
    role = Role.APPLICANT
    organisation = factory.SubFactory(OrganisationFactory)


class JudgeFactory(UserFactory):
    role = Role.JUDGE
    affiliation = factory.Sequence(lambda n: f"Institute {n}")
    city = "Lyon"
    country_code = "FR"
    expertise = "governance,technology"


class SecretariatFactory(UserFactory):
    role = Role.SECRETARIAT


class AdminFactory(UserFactory):
    role = Role.ADMIN


DEFAULT_SECTIONS = [
    ("background", "Background", 500, True),
    ("innovation", "Innovation", 800, True),
    ("outcomes", "Outcomes and evidence", 800, True),
    ("replicability", "Replicability", 400, False),
]


class CycleFactory(BaseFactory):
    class Meta:
        model = Cycle

    name = factory.Sequence(lambda n: f"Test cycle {n}")
    slug = factory.Sequence(lambda n: f"test-{n}")
    reference_prefix = factory.Sequence(lambda n: f"T{n}")
    time_zone = "Asia/Shanghai"
    opens_at = factory.LazyFunction(lambda: utcnow() - timedelta(days=30))
    final_deadline = factory.LazyFunction(lambda: utcnow() + timedelta(days=30))

    @factory.post_generation
    def with_form(obj, create, extracted, **kwargs):
        if extracted is False:
            return
        for position, (key, title, limit, required) in enumerate(DEFAULT_SECTIONS):
            obj.sections.append(
                FormSection(
                    key=key, title=title, word_limit=limit, required=required, position=position
                )
            )
        for position, (key, name) in enumerate(
            [
                ("social", "Social and cultural"),
                ("environmental", "Environmental"),
                ("governance", "Governance"),
                ("technology", "Technology"),
            ]
        ):
            obj.domains.append(Domain(key=key, name=name, position=position))
        for position, name in enumerate(["Innovation", "Effectiveness", "Replicability"]):
            obj.criteria.append(
                Criterion(name=name, rubric=f"How good is the {name.lower()}?", position=position)
            )
        if create:
            db.session.commit()


class RoundFactory(BaseFactory):
    class Meta:
        model = Round

    cycle = factory.SubFactory(CycleFactory)
    name = "Technical committee"
    kind = RoundKind.COMMITTEE
    position = 1
    judges_per_entry = 3


class SubmissionFactory(BaseFactory):
    class Meta:
        model = Submission

    cycle = factory.SubFactory(CycleFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    title = factory.Sequence(lambda n: f"Initiative {n}")


# --- judging: panels, assignments, reviews, scores, conflicts (judges helper) ---

from awards.models import (  # noqa: E402
    Conflict,
    ConflictSource,
    RoundStatus,
)


class OpenRoundFactory(RoundFactory):
    """An open round scoring on all its cycle's criteria, closing in a week."""

    status = RoundStatus.OPEN
    opens_at = factory.LazyFunction(lambda: utcnow() - timedelta(days=1))
    closes_at = factory.LazyFunction(lambda: utcnow() + timedelta(days=7))

    @factory.post_generation
    def with_criteria(obj, create, extracted, **kwargs):
        if extracted is False:
            return
        obj.criteria = list(obj.cycle.criteria)
        if create:
            db.session.commit()


class EligibleSubmissionFactory(SubmissionFactory):
    """A submitted entry that passed screening: what judges are assigned."""

    status = SubmissionStatus.VALID
    reference_code = factory.Sequence(lambda n: f"GZA-J{n:04d}")
    summary = factory.Sequence(lambda n: f"Summary of initiative {n}.")
    submitted_at = factory.LazyFunction(utcnow)
    first_submitted_at = factory.LazyFunction(utcnow)


class PanelMemberFactory(BaseFactory):
    class Meta:
        model = PanelMember

    round = factory.SubFactory(OpenRoundFactory)
    user = factory.SubFactory(JudgeFactory)


class AssignmentFactory(BaseFactory):
    class Meta:
        model = Assignment

    round = factory.SubFactory(OpenRoundFactory)
    judge = factory.SubFactory(JudgeFactory)
    submission = factory.SubFactory(
        EligibleSubmissionFactory, cycle=factory.SelfAttribute("..round.cycle")
    )
    status = AssignmentStatus.ACTIVE
    sort_key = 0


class ReviewFactory(BaseFactory):
    """A review with every criterion of its round scored `score` (default 7)."""

    class Meta:
        model = Review
        # Added, not yet written: a submitted review needs its scores and weighted total
        # before the database sees it (ck_reviews_weighted_total_when_submitted).
        sqlalchemy_session_persistence = None

    assignment = factory.SubFactory(AssignmentFactory)
    round_id = factory.SelfAttribute("assignment.round_id")
    judge_id = factory.SelfAttribute("assignment.judge_id")
    submission_id = factory.SelfAttribute("assignment.submission_id")
    status = ReviewStatus.SUBMITTED
    submitted_at = factory.LazyFunction(utcnow)
    overall_comment = ""
    private_notes = ""

    @factory.post_generation
    def score(obj, create, extracted, **kwargs):
        value = 7 if extracted is None else extracted
        with db.session.no_autoflush:  # loading the criteria must not write the review yet
            criteria = obj.assignment.round.criteria
            for criterion in criteria:
                obj.scores.append(Score.on(criterion, value, kwargs.get("comment", "")))
            obj.store_weighted_total(criteria)
        if create:
            db.session.commit()


class ConflictFactory(BaseFactory):
    class Meta:
        model = Conflict

    judge = factory.SubFactory(JudgeFactory)
    submission = factory.SubFactory(EligibleSubmissionFactory)
    source = ConflictSource.SECRETARIAT
    reason = "Advised this city in the past two years."


# --- secretariat: entries past submission, reviews ---------------------------------------


class SubmittedEntryFactory(SubmissionFactory):
    """An entry as the secretariat sees it: submitted once, with a reference code."""

    status = SubmissionStatus.SUBMITTED
    reference_code = factory.Sequence(lambda n: f"GZT-{n + 1:04d}")
    submitted_at = factory.LazyFunction(utcnow)
    first_submitted_at = factory.LazyFunction(utcnow)


class ValidEntryFactory(SubmittedEntryFactory):
    status = SubmissionStatus.VALID


def make_review(assignment, *, submitted: bool = True, scores: dict | None = None):
    """A review of an assignment, with a score per criterion of its round (`scores` maps a
    criterion to a value; default: the middle of each scale)."""
    review = Review(
        round_id=assignment.round_id,
        judge_id=assignment.judge_id,
        submission_id=assignment.submission_id,
        assignment_id=assignment.id,
        status=ReviewStatus.SUBMITTED if submitted else ReviewStatus.DRAFT,
        submitted_at=utcnow() if submitted else None,
    )
    for criterion in assignment.round.criteria:
        value = (scores or {}).get(criterion, (criterion.scale_min + criterion.scale_max) // 2)
        review.scores.append(Score.on(criterion, value))
    review.store_weighted_total(assignment.round.criteria)
    db.session.add(review)
    db.session.commit()
    return review
