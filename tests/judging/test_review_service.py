"""Saving and submitting reviews at the service level: the rules, the audit trail, the
database's own guards."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from awards.core.models import AuditEvent
from awards.db import frozen_clock, utcnow
from awards.errors import DeadlinePassed, DomainError, PermissionDenied, StaleEdit
from awards.judging.queries import counted_reviews, review_for
from awards.judging.services import (
    ReviewErrors,
    ReviewIntent,
    ScoreInput,
    comment_field,
    save_review,
    score_field,
)
from awards.models import (
    AssignmentStatus,
    Review,
    ReviewStatus,
    RoundKind,
    RoundStatus,
    Score,
)
from tests.factories import AssignmentFactory, OpenRoundFactory, PanelMemberFactory
from tests.judging.scoring_setup import make_setting, review_input


def _events(db, review, action=None):
    query = select(AuditEvent).where(
        AuditEvent.subject_type == "reviews", AuditEvent.subject_id == review.id
    )
    if action:
        query = query.where(AuditEvent.action == action)
    return db.session.scalars(query.order_by(AuditEvent.id)).all()


def test_review_journey_draft_then_submit_then_change(db):
    setting = make_setting()
    assignment = setting.assignment()
    c1, c2, c3 = setting.criteria

    review = save_review(
        assignment,
        review_input(setting, [6, None, None], comments=["Bold", "", ""], notes="ask about cost"),
        actor=setting.judge,
    )
    db.session.commit()
    assert review.status == ReviewStatus.DRAFT
    assert review.lock_version == 1
    assert {s.criterion_id: s.value for s in review.scores} == {c1.id: 6, c2.id: None, c3.id: None}
    assert review.private_notes == "ask about cost"

    review = save_review(
        assignment,
        review_input(setting, [6, 8, 5], comments=["Bold", "Measured", "Local"], version=1),
        actor=setting.judge,
        intent=ReviewIntent.SUBMIT,
    )
    db.session.commit()
    assert review.status == ReviewStatus.SUBMITTED
    assert review.submitted_at is not None
    assert review.lock_version == 2
    first_submitted_at = review.submitted_at

    review = save_review(
        assignment,
        review_input(setting, [6, 9, 5], comments=["Bold", "Measured", "Local"], version=2),
        actor=setting.judge,
    )
    db.session.commit()
    assert review.status == ReviewStatus.SUBMITTED  # a change keeps it submitted
    assert review.submitted_at == first_submitted_at
    assert review.lock_version == 3

    actions = [e.action for e in _events(db, review)]
    assert actions == ["review.started", "review.submitted", "review.changed"]
    changed = _events(db, review, "review.changed")[0]
    assert changed.actor_id == setting.judge.id
    assert changed.before[score_field(c2.id)] == 8
    assert changed.after[score_field(c2.id)] == 9
    assert changed.before[score_field(c1.id)] == changed.after[score_field(c1.id)] == 6
    submitted = _events(db, review, "review.submitted")[0]
    assert submitted.before["status"] == "draft"
    assert submitted.after == {
        "status": "submitted",
        score_field(c1.id): 6,
        comment_field(c1.id): "Bold",
        score_field(c2.id): 8,
        comment_field(c2.id): "Measured",
        score_field(c3.id): 5,
        comment_field(c3.id): "Local",
        "overall_comment": "",
    }


def _total_from_scores(db, review: Review) -> float:
    """The review's weighted total as the results' SQL computes it from its score rows."""
    from awards.results.ranking import review_totals

    reviews = (
        select(
            Review.id.label("review_id"),
            Review.judge_id.label("judge_id"),
            Review.submission_id.label("submission_id"),
        )
        .where(Review.id == review.id)
        .cte("one_review")
    )
    totals = review_totals(review.round, reviews)
    return db.session.scalar(select(totals.c.total))


def _stored_total(db, review: Review) -> float | None:
    return db.session.scalar(select(Review.weighted_total).where(Review.id == review.id))


def test_submit_stores_the_weighted_total_and_every_change_updates_it(db):
    setting = make_setting()
    c1, c2, c3 = setting.criteria
    c1.weight, c3.scale_min, c3.scale_max = Decimal("2"), 0, 4
    db.session.commit()
    assignment = setting.assignment()

    review = save_review(assignment, review_input(setting, [6, None, None]), actor=setting.judge)
    db.session.commit()
    assert _stored_total(db, review) is None  # a draft does not count: no total

    review = save_review(
        assignment,
        review_input(setting, [7, 10, 1], version=1),
        actor=setting.judge,
        intent=ReviewIntent.SUBMIT,
    )
    db.session.commit()
    # 100 * (2 * 6/9 + 1 * 9/9 + 1 * 1/4) / (2 + 1 + 1)
    assert _stored_total(db, review) == pytest.approx(100 * (12 / 9 + 1 + 0.25) / 4)
    assert _stored_total(db, review) == pytest.approx(_total_from_scores(db, review), abs=1e-12)

    review = save_review(
        assignment, review_input(setting, [7, 10, 4], version=2), actor=setting.judge
    )
    db.session.commit()
    # The change to a submitted review moves its total with it: 100 * (12/9 + 1 + 1) / 4
    assert _stored_total(db, review) == pytest.approx(100 * (12 / 9 + 2) / 4)
    assert _stored_total(db, review) == pytest.approx(_total_from_scores(db, review), abs=1e-12)


def test_a_change_to_a_submitted_review_moves_the_rankings_criterion_means(db):
    """The ranking reads the score values stored on the review, not the score rows: a saved
    change must reach them, and they must agree with the rows."""
    from awards.results.ranking import compute_ranking, criterion_means

    setting = make_setting()
    c1, c2, c3 = setting.criteria
    assignment = setting.assignment()
    entry_id = assignment.submission_id
    review = save_review(
        assignment,
        review_input(setting, [7, 10, 1]),
        actor=setting.judge,
        intent=ReviewIntent.SUBMIT,
    )
    db.session.commit()
    save_review(assignment, review_input(setting, [3, 9, 1], version=1), actor=setting.judge)
    db.session.commit()

    rows = {row.submission_id: row for row in compute_ranking(setting.round).rows}
    assert rows[entry_id].criteria == {c1.id: 3.0, c2.id: 9.0, c3.id: 1.0}
    assert rows[entry_id].criteria == criterion_means(setting.round)[entry_id]
    assert _stored_total(db, review) == pytest.approx(_total_from_scores(db, review), abs=1e-12)


def test_history_never_records_private_notes(db):
    setting = make_setting()
    review = save_review(
        setting.assignment(),
        review_input(setting, 7, notes="my secret doubts"),
        actor=setting.judge,
        intent=ReviewIntent.SUBMIT,
    )
    save_review(
        setting.assignment(),
        review_input(setting, 8, notes="changed secret", version=review.lock_version),
        actor=setting.judge,
    )
    db.session.commit()
    for event in _events(db, review):
        assert "secret" not in repr(event.before) + repr(event.after) + event.message


def test_change_of_private_notes_only_is_saved_without_a_history_row(db):
    setting = make_setting()
    review = save_review(
        setting.assignment(), review_input(setting, 7), actor=setting.judge, intent="submit"
    )
    save_review(
        setting.assignment(),
        review_input(setting, 7, notes="just for me", version=review.lock_version),
        actor=setting.judge,
    )
    db.session.commit()
    assert review.private_notes == "just for me"
    assert [e.action for e in _events(db, review)] == ["review.started", "review.submitted"]


@pytest.mark.parametrize("bad", [0, 11, -3, 100])
def test_save_review_score_outside_scale_is_refused_before_the_database(db, bad):
    setting = make_setting()
    c1 = setting.criteria[0]
    with pytest.raises(ReviewErrors) as caught:
        save_review(setting.assignment(), review_input(setting, [bad, 5, 5]), actor=setting.judge)
    assert caught.value.field_errors == {
        score_field(c1.id): f"Choose a score from 1 to 10 for {c1.name}."
    }
    db.session.rollback()
    assert db.session.scalars(select(Review)).all() == []


def test_save_review_uses_each_criterion_own_scale(db):
    setting = make_setting()
    c1 = setting.criteria[0]
    c1.scale_min, c1.scale_max = 0, 5
    db.session.commit()
    with pytest.raises(ReviewErrors) as caught:
        save_review(setting.assignment(), review_input(setting, [6, 6, 6]), actor=setting.judge)
    assert caught.value.field_errors == {
        score_field(c1.id): f"Choose a score from 0 to 5 for {c1.name}."
    }
    review = save_review(
        setting.assignment(), review_input(setting, [0, 6, 6]), actor=setting.judge
    )
    db.session.commit()
    saved = {s.criterion_id: (s.value, s.scale_min, s.scale_max) for s in review.scores}
    assert saved[c1.id] == (0, 0, 5)


def test_database_rejects_a_score_outside_its_scale(db):
    setting = make_setting()
    review = save_review(setting.assignment(), review_input(setting, 5), actor=setting.judge)
    db.session.commit()
    score = review.scores[0]
    score.value = 11
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_database_rejects_a_scale_copy_that_differs_from_the_criterion(db):
    setting = make_setting()
    review = save_review(setting.assignment(), review_input(setting, 5), actor=setting.judge)
    db.session.commit()
    score = review.scores[0]
    score.scale_max, score.value = 20, 15  # within the copy, but not the criterion's scale
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_database_allows_one_review_per_round_judge_and_entry(db):
    setting = make_setting()
    assignment = setting.assignment()
    save_review(assignment, review_input(setting, 5), actor=setting.judge)
    db.session.commit()
    other_assignment = AssignmentFactory(
        round=OpenRoundFactory(cycle=setting.cycle, position=2),
        judge=setting.judge,
        submission=setting.submissions[0],
    )
    db.session.add(
        Review(
            round_id=assignment.round_id,
            judge_id=assignment.judge_id,
            submission_id=assignment.submission_id,
            assignment_id=other_assignment.id,
        )
    )
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_submit_without_every_score_names_each_missing_one(db):
    setting = make_setting()
    c1, c2, c3 = setting.criteria
    with pytest.raises(ReviewErrors) as caught:
        save_review(
            setting.assignment(),
            review_input(setting, [4, None, None]),
            actor=setting.judge,
            intent=ReviewIntent.SUBMIT,
        )
    assert caught.value.field_errors == {
        score_field(c2.id): f"Give a score for {c2.name} before submitting.",
        score_field(c3.id): f"Give a score for {c3.name} before submitting.",
    }


def test_submit_without_required_comment_is_refused_but_draft_is_saved(db):
    setting = make_setting(comment_required=True)
    c1, c2, c3 = setting.criteria
    data = review_input(setting, 7, comments=["Clear", "   ", ""])
    with pytest.raises(ReviewErrors) as caught:
        save_review(setting.assignment(), data, actor=setting.judge, intent=ReviewIntent.SUBMIT)
    assert caught.value.field_errors == {
        comment_field(c2.id): (
            f"This round asks for a comment on each criterion: add one for {c2.name}."
        ),
        comment_field(c3.id): (
            f"This round asks for a comment on each criterion: add one for {c3.name}."
        ),
    }
    db.session.rollback()
    review = save_review(setting.assignment(), data, actor=setting.judge)
    assert review.status == ReviewStatus.DRAFT


def test_submitted_review_cannot_lose_a_score(db):
    setting = make_setting()
    review = save_review(
        setting.assignment(), review_input(setting, 7), actor=setting.judge, intent="submit"
    )
    db.session.commit()
    with pytest.raises(ReviewErrors):
        save_review(
            setting.assignment(),
            review_input(setting, [7, None, 7], version=review.lock_version),
            actor=setting.judge,
        )
    db.session.rollback()
    assert {s.value for s in review_for(setting.assignment()).scores} == {7}


def test_submit_after_round_closing_time_is_refused(db):
    setting = make_setting(closes_in=timedelta(hours=1))
    closes_at = setting.round.closes_at
    with frozen_clock(closes_at + timedelta(seconds=1)), pytest.raises(DeadlinePassed) as caught:
        save_review(
            setting.assignment(),
            review_input(setting, 7),
            actor=setting.judge,
            intent=ReviewIntent.SUBMIT,
        )
    assert caught.value.message == (
        "This round is closed: reviews are read-only now. Nothing was saved."
    )
    db.session.rollback()
    assert db.session.scalars(select(Review)).all() == []


def test_change_after_round_closing_time_is_refused(db):
    setting = make_setting(closes_in=timedelta(hours=1))
    review = save_review(
        setting.assignment(), review_input(setting, 7), actor=setting.judge, intent="submit"
    )
    db.session.commit()
    with frozen_clock(setting.round.closes_at), pytest.raises(DeadlinePassed):
        save_review(
            setting.assignment(),
            review_input(setting, 3, version=review.lock_version),
            actor=setting.judge,
        )
    db.session.rollback()
    assert {s.value for s in review_for(setting.assignment()).scores} == {7}


def test_review_in_a_round_closed_by_the_secretariat_is_read_only(db):
    setting = make_setting()
    setting.round.status = RoundStatus.CLOSED
    db.session.commit()
    with pytest.raises(DeadlinePassed):
        save_review(setting.assignment(), review_input(setting, 7), actor=setting.judge)


def test_review_before_round_opens_is_refused(db):
    setting = make_setting()
    setting.round.opens_at = utcnow() + timedelta(hours=2)
    db.session.commit()
    with pytest.raises(DeadlinePassed) as caught:
        save_review(setting.assignment(), review_input(setting, 7), actor=setting.judge)
    assert caught.value.message == "This round is not open for scoring yet."


def test_review_by_another_judge_is_refused(db):
    setting = make_setting(judges=2)
    intruder = setting.judges[1]
    with pytest.raises(PermissionDenied):
        save_review(setting.assignment(), review_input(setting, 7), actor=intruder)


def test_review_of_recused_assignment_is_refused(db):
    setting = make_setting()
    setting.assignment().status = AssignmentStatus.RECUSED
    db.session.commit()
    with pytest.raises(DomainError) as caught:
        save_review(setting.assignment(), review_input(setting, 7), actor=setting.judge)
    assert "conflict of interest" in caught.value.message


def test_stale_version_from_a_second_tab_is_refused_and_nothing_overwritten(db):
    setting = make_setting()
    assignment = setting.assignment()
    first = save_review(assignment, review_input(setting, 5, overall="tab A"), actor=setting.judge)
    db.session.commit()
    assert first.lock_version == 1
    # Both tabs loaded version 1; tab A saves first.
    save_review(
        assignment, review_input(setting, 6, overall="tab A2", version=1), actor=setting.judge
    )
    db.session.commit()
    with pytest.raises(StaleEdit) as caught:
        save_review(
            assignment, review_input(setting, 9, overall="tab B", version=1), actor=setting.judge
        )
    assert "another tab or window" in caught.value.message
    db.session.rollback()
    saved = review_for(assignment)
    assert saved.overall_comment == "tab A2"
    assert {s.value for s in saved.scores} == {6}
    assert saved.lock_version == 2


def test_second_tab_creating_the_review_again_is_stale(db):
    setting = make_setting()
    save_review(setting.assignment(), review_input(setting, 5), actor=setting.judge)
    db.session.commit()
    with pytest.raises(StaleEdit):
        save_review(setting.assignment(), review_input(setting, 6, version=0), actor=setting.judge)


def test_autosave_of_a_submitted_review_is_refused(db):
    setting = make_setting()
    review = save_review(
        setting.assignment(), review_input(setting, 7), actor=setting.judge, intent="submit"
    )
    db.session.commit()
    with pytest.raises(DomainError) as caught:
        save_review(
            setting.assignment(),
            review_input(setting, 2, version=review.lock_version),
            actor=setting.judge,
            intent=ReviewIntent.AUTOSAVE,
        )
    assert "not saved automatically" in caught.value.message


def test_reviews_of_two_rounds_are_separate(db):
    setting = make_setting()
    jury = OpenRoundFactory(
        cycle=setting.cycle, position=2, kind=RoundKind.JURY, name="Jury", with_criteria=False
    )
    jury.criteria = setting.criteria[:2]
    PanelMemberFactory(round=jury, user=setting.judge)
    jury_assignment = AssignmentFactory(
        round=jury, judge=setting.judge, submission=setting.submissions[0]
    )
    db.session.commit()
    committee_review = save_review(
        setting.assignment(), review_input(setting, 4), actor=setting.judge, intent="submit"
    )
    jury_review = save_review(
        jury_assignment,
        review_input(setting, 9).__class__(
            scores={c.id: ScoreInput(9) for c in jury.criteria}, lock_version=0
        ),
        actor=setting.judge,
        intent="submit",
    )
    db.session.commit()
    assert committee_review.id != jury_review.id
    assert {s.value for s in review_for(setting.assignment()).scores} == {4}
    assert len(review_for(setting.assignment()).scores) == 3
    assert {s.value for s in review_for(jury_assignment).scores} == {9}
    assert len(review_for(jury_assignment).scores) == 2
    assert [r.id for r in counted_reviews(setting.round)] == [committee_review.id]
    assert [r.id for r in counted_reviews(jury)] == [jury_review.id]
    assert db.session.scalar(select(Score).where(Score.review_id == jury_review.id)) is not None
