"""Every rule the schema carries is enforced by the database itself: for each check constraint,
unique constraint and foreign key, a row that breaks it is refused with an IntegrityError.

Each case first inserts the same row without the fault and sees it accepted, so a refusal can
only come from the rule under test. Unique and foreign-key cases are derived from the metadata,
so a new one is tested as soon as it exists; a new check constraint needs a line in CHECK_CASES
and a new table a line in VALID_ROWS (the completeness tests below say which).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import (
    CheckConstraint,
    ForeignKeyConstraint,
    PrimaryKeyConstraint,
    UniqueConstraint,
    literal_column,
    update,
)
from sqlalchemy.exc import IntegrityError

import awards.models  # noqa: F401  (every table in the metadata)
from awards.extensions import db as _db
from awards.models import (
    Assignment,
    Criterion,
    Review,
    Score,
    VoteCampaign,
    VoteInvalidation,
)
from tests.factories import (
    CycleFactory,
    JudgeFactory,
    OrganisationFactory,
    RoundFactory,
    SubmissionFactory,
    UserFactory,
)

NOW = datetime(2025, 9, 29, 2, 0, tzinfo=UTC)
MISSING_ID = 987_654_321


def raw(value: str):
    """A value written into the SQL as is, past SQLAlchemy's own enum validation, so that the
    database's CHECK is what refuses it."""
    return literal_column(f"'{value}'")


@pytest.fixture
def world(db):
    """One committed row of everything, for new rows to point at."""
    cycle = CycleFactory(opens_at=NOW - timedelta(days=30), final_deadline=NOW + timedelta(days=30))
    organisation = OrganisationFactory()
    user = UserFactory()
    judges = [JudgeFactory() for _ in range(3)]
    round_ = RoundFactory(cycle=cycle)
    submissions = [SubmissionFactory(cycle=cycle, organisation=organisation) for _ in range(3)]
    assignments = [
        Assignment(round=round_, judge=judge, submission=submissions[0]) for judge in judges
    ]
    db.session.add_all(assignments)
    db.session.flush()
    review = Review(
        round=round_, judge=judges[0], submission=submissions[0], assignment=assignments[0]
    )
    db.session.add(review)
    extra_cycles = [
        CycleFactory(opens_at=NOW - timedelta(days=30), final_deadline=NOW + timedelta(days=30))
        for _ in range(2)
    ]
    campaign = VoteCampaign(cycle_id=cycle.id, opens_at=NOW, closes_at=NOW + timedelta(days=7))
    db.session.add(campaign)
    db.session.flush()
    invalidation = VoteInvalidation(
        campaign_id=campaign.id, network_prefix="198.51.100.0/24", reason="Burst", vote_count=1
    )
    db.session.add(invalidation)
    db.session.commit()
    second_round = RoundFactory(cycle=cycle, name="Jury", position=2)
    return SimpleNamespace(
        rounds_extra=[second_round.id],
        extra_cycles=[c.id for c in extra_cycles],
        campaign=campaign.id,
        invalidation=invalidation.id,
        cycle=cycle.id,
        organisation=organisation.id,
        user=user.id,
        judges=[j.id for j in judges],
        round=round_.id,
        submissions=[s.id for s in submissions],
        assignments=[a.id for a in assignments],
        review=review.id,
        criteria=[c.id for c in cycle.criteria],
        sections=[s.id for s in cycle.sections],
        domains=[d.id for d in cycle.domains],
    )


# A valid new row for each table; n (1 or 2) keeps two rows of the same table apart.
VALID_ROWS = {
    "organisations": lambda w, n: {
        "name": f"City {n}",
        "country_code": "KE",
        "region": "Africa",
        "population": 1000,
    },
    "users": lambda w, n: {
        "email": f"person{n}@example.org",
        "name": f"Person {n}",
        "role": "applicant",
        "organisation_id": w.organisation,
        "country_code": "KE",
    },
    "invitations": lambda w, n: {
        "email": f"guest{n}@example.org",
        "role": "judge",
        "organisation_id": w.organisation,
        "invited_by_id": w.user,
        "expires_at": NOW + timedelta(days=14),
    },
    "audit_events": lambda w, n: {
        "actor_id": w.user,
        "action": "test.done",
        "subject_type": "users",
        "subject_id": w.user,
    },
    "outbox_messages": lambda w, n: {
        "to_address": f"to{n}@example.org",
        "subject": "Hello",
        "body_text": "Body",
        "status": "pending",
        "attempts": 0,
    },
    "cycles": lambda w, n: {
        "name": f"Cycle {n}",
        "slug": f"cycle-{n}",
        "reference_prefix": f"C{n}",
        "opens_at": NOW,
        "early_bird_deadline": NOW + timedelta(days=10),
        "final_deadline": NOW + timedelta(days=30),
    },
    "domains": lambda w, n: {"cycle_id": w.cycle, "key": f"domain-{n}", "name": f"Domain {n}"},
    "form_sections": lambda w, n: {
        "cycle_id": w.cycle,
        "key": f"section-{n}",
        "title": f"Section {n}",
        "word_limit": 300,
    },
    "criteria": lambda w, n: {
        "cycle_id": w.cycle,
        "name": f"Criterion {n}",
        "weight": Decimal("1.5"),
        "scale_min": 1,
        "scale_max": 10,
    },
    "rounds": lambda w, n: {
        "cycle_id": w.cycle,
        "name": f"Round {n}",
        "kind": "jury",
        "position": 10 + n,
        "status": "draft",
        "score_visibility": "never",
        "opens_at": NOW,
        "closes_at": NOW + timedelta(days=5),
    },
    "round_criteria": lambda w, n: {"round_id": w.round, "criterion_id": w.criteria[n]},
    "panel_members": lambda w, n: {"round_id": w.round, "user_id": w.judges[n], "capacity": 20},
    "submissions": lambda w, n: {
        "cycle_id": w.cycle,
        "organisation_id": w.organisation,
        "created_by_id": w.user,
        "status": "submitted",
        "reference_code": f"REF-{n}",
        "initiative_status": "ongoing",
        "start_date": date(2023, 1, 1),
        "end_date": date(2024, 1, 1),
    },
    "submission_domains": lambda w, n: {
        "submission_id": w.submissions[0],
        "domain_id": w.domains[n],
    },
    "contacts": lambda w, n: {
        "submission_id": w.submissions[0],
        "name": f"Contact {n}",
        "email": f"contact{n}@example.org",
    },
    "partners": lambda w, n: {"submission_id": w.submissions[0], "name": f"Partner {n}"},
    "section_answers": lambda w, n: {
        "submission_id": w.submissions[0],
        "section_id": w.sections[n],
        "updated_by_id": w.user,
        "version": 1,
    },
    "attachments": lambda w, n: {
        "submission_id": w.submissions[0],
        "storage_key": f"key-{n}",
        "original_name": "plan.pdf",
        "content_type": "application/pdf",
        "kind": "pdf",
        "size_bytes": 1024,
        "uploaded_by_id": w.user,
    },
    "submission_versions": lambda w, n: {
        "submission_id": w.submissions[0],
        "number": n,
        "snapshot": {"title": "x"},
        "submitted_at": NOW,
        "submitted_by_id": w.user,
    },
    "feedback": lambda w, n: {
        "submission_id": w.submissions[0],
        "author_id": w.user,
        "body": "Good start.",
    },
    "conflicts": lambda w, n: {
        "judge_id": w.judges[n],
        "submission_id": w.submissions[0],
        "source": "declared",
        "reason": "Worked for this city.",
        "created_by_id": w.user,
    },
    "assignments": lambda w, n: {
        "round_id": w.round,
        "judge_id": w.judges[n],
        "submission_id": w.submissions[1],
        "status": "active",
    },
    "reviews": lambda w, n: {
        "round_id": w.round,
        "judge_id": w.judges[n],
        "submission_id": w.submissions[0],
        "assignment_id": w.assignments[n],
        "status": "draft",
        "lock_version": 1,
    },
    "scores": lambda w, n: {
        "review_id": w.review,
        "criterion_id": w.criteria[n],
        "scale_min": 1,
        "scale_max": 10,
        "value": 7,
    },
    "reminders_sent": lambda w, n: {
        "round_id": w.round,
        "judge_id": w.judges[n],
        "kind": "before_due",
        "sent_at": NOW,
    },
    "decisions": lambda w, n: {
        "round_id": w.round,
        "submission_id": w.submissions[n],
        "outcome": "shortlisted",
        "preselected_outcome": "shortlisted",
        "status": "draft",
        "reason": "",
        "decided_by_id": w.user,
    },
    "ranking_settings": lambda w, n: {
        "round_id": w.round if n == 1 else w.rounds_extra[0],
        "rank_by": "corrected_mean",
        "tie_break": ["corrected_mean", "median", "n_reviews"],
        "disagreement_threshold": Decimal("15.00"),
        "created_at": NOW,
        "updated_at": NOW,
    },
    "vote_campaigns": lambda w, n: {
        "cycle_id": w.extra_cycles[n - 1],
        "opens_at": NOW,
        "closes_at": NOW + timedelta(days=7),
        "rule": "per_cycle",
        "closed_at": NOW + timedelta(days=7),  # closed, so a winner may be named
        "show_running_totals": False,
        "created_at": NOW,
        "updated_at": NOW,
    },
    "vote_invalidations": lambda w, n: {
        "campaign_id": w.campaign,
        "email_domain": f"spam{n}.example",
        "reason": "A burst of votes from one domain",
        "vote_count": 2,
        "created_at": NOW,
        "reversal_reason": "",
    },
    "votes": lambda w, n: {
        "campaign_id": w.campaign,
        "submission_id": w.submissions[0],
        "status": "pending",
        "email_hash": f"{n:064x}",
        "email_domain": "example.org",
        "period_key": "cycle",
        "created_at": NOW,
        "created_hour": NOW,
        "network_prefix": "198.51.100.0/24",
        "fingerprint_hash": "f" * 64,
    },
    "frozen_rankings": lambda w, n: {
        "round_id": w.round,
        "submission_id": w.submissions[n],
        "rank": n,
        "statistics": {"mean": 7.5},
        "frozen_at": NOW,
    },
}

# Each check constraint, by name, and the change to a valid row that breaks it.
CHECK_CASES = {
    "ck_organisations_population_not_negative": {"population": -1},
    "ck_organisations_government_level": {"level": raw("planet")},
    "ck_organisations_country_code_iso2": {"country_code": "K"},
    "ck_users_email_lowercase": {"email": "Person@Example.org"},
    "ck_users_user_role": {"role": raw("superuser")},
    "ck_users_country_code_iso2": {"country_code": "K"},
    "ck_invitations_invitation_role": {"role": raw("superuser")},
    "ck_outbox_messages_attempts_not_negative": {"attempts": -1},
    "ck_outbox_messages_outbox_status": {"status": raw("lost")},
    "ck_cycles_opens_before_final_deadline": {"final_deadline": NOW, "early_bird_deadline": None},
    "ck_cycles_early_bird_within_call": {"early_bird_deadline": NOW + timedelta(days=31)},
    "ck_cycles_eligibility_years_positive": {"eligibility_years": 0},
    "ck_cycles_max_file_mb_positive": {"max_file_mb": 0},
    "ck_cycles_max_files_positive": {"max_files": 0},
    "ck_cycles_total_at_least_one_file": {"max_file_mb": 50, "max_total_mb": 40},
    "ck_cycles_reference_counter_not_negative": {"reference_counter": -1},
    "ck_form_sections_word_limit_positive": {"word_limit": 0},
    "ck_criteria_weight_positive": {"weight": Decimal("0")},
    "ck_criteria_scale_min_below_max": {"scale_min": 5, "scale_max": 5},
    "ck_rounds_judges_per_entry_positive": {"judges_per_entry": 0},
    "ck_rounds_select_limit_not_negative": {"select_limit": -1},
    "ck_rounds_deserving_limit_not_negative": {"deserving_limit": -1},
    "ck_rounds_severity_min_reviews_at_least_two": {"severity_min_reviews": 1},
    "ck_rounds_opens_before_closes": {"closes_at": NOW},
    "ck_rounds_round_kind": {"kind": raw("lottery")},
    "ck_rounds_round_status": {"status": raw("paused")},
    "ck_rounds_score_visibility": {"score_visibility": raw("always")},
    "ck_panel_members_capacity_not_negative": {"capacity": -1},
    "ck_submissions_submitted_has_reference": {"reference_code": None},
    "ck_submissions_end_after_start": {"end_date": date(2022, 12, 31)},
    "ck_submissions_invalid_has_reason": {"status": "invalid", "invalid_reason": ""},
    "ck_submissions_lock_version_positive": {"lock_version": 0},
    "ck_submissions_submission_status": {"status": raw("lost")},
    "ck_submissions_initiative_status": {"initiative_status": raw("dreamt")},
    "ck_section_answers_version_positive": {"version": 0},
    "ck_attachments_size_positive": {"size_bytes": 0},
    "ck_submission_versions_number_positive": {"number": 0},
    "ck_conflicts_lifting_has_reason": {"lifted_at": NOW, "lifted_reason": ""},
    "ck_conflicts_conflict_source": {"source": raw("rumour")},
    "ck_assignments_assignment_status": {"status": raw("lost")},
    "ck_reviews_lock_version_positive": {"lock_version": 0},
    "ck_reviews_review_status": {"status": raw("lost")},
    # A draft with a total (the other half, a submitted review without one, is tested below).
    "ck_reviews_weighted_total_when_submitted": {"weighted_total": 50.0},
    # A draft with score values (the submitted half is tested below).
    "ck_reviews_score_values_when_submitted": {"score_values": [5, 7]},
    "ck_scores_value_in_scale": {"value": 11},
    # With a reason, so that only the value itself is wrong.
    "ck_decisions_outcome": {"outcome": raw("champion"), "reason": "Changed by hand"},
    "ck_decisions_decision_status": {"status": raw("leaked")},
    "ck_frozen_rankings_rank_positive": {"rank": 0},
    "ck_decisions_preselected_outcome": {
        "preselected_outcome": raw("champion"),
        "reason": "Changed by hand",
    },
    "ck_decisions_hand_change_has_reason": {"outcome": "deserving", "reason": ""},
    "ck_decisions_released_has_time": {"status": "released", "released_at": None},
    "ck_ranking_settings_rank_by": {"rank_by": raw("coin_toss")},
    # A column the ranking can show but not sort the headline on.
    "ck_ranking_settings_rank_by_is_a_score": {"rank_by": "sd"},
    "ck_ranking_settings_threshold_on_scale": {"disagreement_threshold": Decimal("0")},
    "ck_vote_campaigns_opens_before_closes": {"closes_at": NOW},
    "ck_vote_campaigns_winner_only_when_closed": {"winner_submission_id": 1, "closed_at": None},
    "ck_vote_campaigns_winner_votes_positive": {"winner_votes": 0},
    "ck_vote_campaigns_vote_rule": {"rule": raw("per_hour")},
    "ck_vote_invalidations_has_a_criterion": {"email_domain": None},
    "ck_vote_invalidations_has_reason": {"reason": ""},
    "ck_vote_invalidations_vote_count_positive": {"vote_count": 0},
    "ck_vote_invalidations_reversal_has_reason": {"reversed_at": NOW, "reversal_reason": ""},
    "ck_votes_vote_status": {"status": raw("stuffed")},
    "ck_votes_confirmed_has_time": {"status": "confirmed"},
    "ck_votes_pending_unconfirmed": {"confirmed_at": NOW},
    "ck_votes_invalidated_in_batch": {"status": "invalidated", "confirmed_at": NOW},
    "ck_votes_email_hash_is_sha256_hex": {"email_hash": "abc"},
    "ck_votes_domain_without_local_part": {"email_domain": "someone@example.org"},
}


def _constraints(kind):
    return [
        (table, constraint)
        for table in _db.metadata.sorted_tables
        for constraint in table.constraints
        if isinstance(constraint, kind)
    ]


def _case_id(pair) -> str:
    table, constraint = pair
    return constraint.name or f"{table.name}_pk"


FOREIGN_KEYS = _constraints(ForeignKeyConstraint)
UNIQUES = [
    (table, unique)
    for table, unique in _constraints(UniqueConstraint)
    # One that contains the primary key cannot be broken alone; it exists as the target of a
    # composite foreign key, and that key's own test below proves it.
    if not set(table.primary_key.columns).issubset(unique.columns)
] + [
    (table, pk)
    for table, pk in _constraints(PrimaryKeyConstraint)
    if len(pk.columns) > 1  # association tables: the pair is the key
]
CHECKS = _constraints(CheckConstraint)


def _insert(table, row) -> None:
    _db.session.execute(table.insert().values(**row))


def _assert_accepted(*inserts) -> None:
    for table, row in inserts:
        _insert(table, row)
    _db.session.rollback()


def _assert_refused(constraint_name: str | None, *inserts) -> str:
    *accepted, (table, row) = inserts
    for accepted_table, accepted_row in accepted:
        _insert(accepted_table, accepted_row)
    with pytest.raises(IntegrityError) as refused:
        _insert(table, row)
    _db.session.rollback()
    message = str(refused.value.orig)
    if _db.engine.dialect.name == "postgresql" and constraint_name:
        assert constraint_name in message  # the rule under test, not some other one
    return message


def test_every_table_has_a_valid_row():
    tables = {table.name for table in _db.metadata.sorted_tables}
    assert tables - set(VALID_ROWS) == set(), "add a valid row for these tables to VALID_ROWS"


def test_every_check_constraint_has_a_case():
    names = {constraint.name for _table, constraint in CHECKS}
    assert names - set(CHECK_CASES) == set(), "add a violating change to CHECK_CASES"
    assert set(CHECK_CASES) - names == set(), "CHECK_CASES names a constraint that is gone"


@pytest.mark.parametrize("pair", CHECKS, ids=_case_id)
def test_check_constraint_refuses_a_violating_row(world, pair):
    table, constraint = pair
    row = VALID_ROWS[table.name](world, 1)
    _assert_accepted((table, row))
    message = _assert_refused(constraint.name, (table, row | CHECK_CASES[constraint.name]))
    if _db.engine.dialect.name == "sqlite":
        assert f"CHECK constraint failed: {constraint.name}" in message


@pytest.mark.parametrize("pair", UNIQUES, ids=_case_id)
def test_unique_constraint_refuses_a_duplicate(world, pair):
    table, constraint = pair
    first = VALID_ROWS[table.name](world, 1)
    second = VALID_ROWS[table.name](world, 2)
    _assert_accepted((table, first), (table, second))
    duplicate = second | {column.name: first[column.name] for column in constraint.columns}
    message = _assert_refused(constraint.name, (table, first), (table, duplicate))
    if _db.engine.dialect.name == "sqlite":
        assert "UNIQUE constraint failed" in message


@pytest.mark.parametrize("pair", FOREIGN_KEYS, ids=_case_id)
def test_foreign_key_refuses_a_missing_parent(world, pair):
    table, constraint = pair
    row = VALID_ROWS[table.name](world, 1)
    _assert_accepted((table, row))
    # The id column points nowhere (for a composite key, the rest keeps its other rules).
    orphan = row | {constraint.elements[0].parent.name: MISSING_ID}
    message = _assert_refused(constraint.name, (table, orphan))
    if _db.engine.dialect.name == "sqlite":
        assert "FOREIGN KEY constraint failed" in message


# The composite foreign key that keeps a score inside its criterion's scale -------------------


def test_score_with_a_scale_other_than_its_criterions_is_refused(world):
    scores = Score.__table__
    row = VALID_ROWS["scores"](world, 1)
    # 50 fits the made-up 0..100 scale, so only the foreign key to the criterion's real 1..10
    # scale can refuse it.
    wrong_scale = row | {"scale_min": 0, "scale_max": 100, "value": 50}
    _assert_refused("fk_scores_criterion_scale", (scores, wrong_scale))


def test_submitted_review_needs_its_weighted_total_and_score_values(world):
    reviews = Review.__table__
    row = VALID_ROWS["reviews"](world, 1)
    submitted = row | {"status": "submitted", "submitted_at": NOW}
    stored = {"weighted_total": 50.0, "score_values": [5, 7]}
    _assert_accepted((reviews, submitted | stored))
    _assert_refused(
        "ck_reviews_weighted_total_when_submitted",
        (reviews, submitted | {"score_values": [5, 7]}),
    )
    _assert_refused(
        "ck_reviews_score_values_when_submitted", (reviews, submitted | {"weighted_total": 50.0})
    )


def test_criterion_scale_cannot_change_under_existing_scores(world):
    _insert(Score.__table__, VALID_ROWS["scores"](world, 1))
    _db.session.commit()
    with pytest.raises(IntegrityError):
        _db.session.execute(
            update(Criterion).where(Criterion.id == world.criteria[1]).values(scale_max=5)
        )
    _db.session.rollback()
    # An unscored criterion's scale can change.
    _db.session.execute(
        update(Criterion).where(Criterion.id == world.criteria[2]).values(scale_max=5)
    )
    _db.session.commit()
