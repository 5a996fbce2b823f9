"""Pre-selection, decisions by hand, limits, closing (freezing) a round, and the rules the
database itself keeps."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from awards.errors import DomainError
from awards.models import (
    AuditEvent,
    Decision,
    FrozenRanking,
    Outcome,
    RankingSettings,
    RoundKind,
    RoundStatus,
    Score,
    SubmissionStatus,
)
from awards.results import services
from awards.results.queries import entries_for_round
from awards.results.ranking import compute_ranking, frozen_ranking


def committee_round(build, n_entries=6, *, select_limit=2, deserving_limit=2, unreviewed=0):
    """Entries C-1.. scored 9, 8, 7 ... by one judge (so C-1 ranks first), plus unreviewed ones."""
    cycle = build.cycle()
    quality = build.criterion(cycle, "Quality", low=0, high=10)
    round_ = build.round(
        cycle, [quality], select_limit=select_limit, deserving_limit=deserving_limit
    )
    judge = build.judge()
    for index in range(n_entries):
        entry = build.entry(cycle, reference=f"C-{index + 1}")
        build.review(round_, judge, entry, [9 - index])
    for index in range(unreviewed):
        build.entry(cycle, reference=f"U-{index + 1}")
    return round_


def decisions_of(db, round_):
    return {
        d.submission.reference_code: d
        for d in db.session.scalars(select(Decision).where(Decision.round_id == round_.id))
    }


def test_preselection_fills_shortlist_then_deserving_then_not_selected(build, db):
    round_ = committee_round(build, 6, unreviewed=1)
    staff = build.staff()

    counts = services.preselect_from_ranking(round_, actor=staff)
    db.session.commit()

    decisions = decisions_of(db, round_)
    assert {code: d.outcome for code, d in decisions.items()} == {
        "C-1": Outcome.SHORTLISTED,
        "C-2": Outcome.SHORTLISTED,
        "C-3": Outcome.DESERVING,
        "C-4": Outcome.DESERVING,
        "C-5": Outcome.NOT_SELECTED,
        "C-6": Outcome.NOT_SELECTED,
        "U-1": Outcome.NOT_SELECTED,
    }
    assert counts == {Outcome.SHORTLISTED: 2, Outcome.DESERVING: 2, Outcome.NOT_SELECTED: 3}
    assert all(
        d.preselected_outcome == d.outcome and d.status == "draft" for d in decisions.values()
    )
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "round.decisions_preselected")
    )
    assert event.after == {"shortlisted": 2, "deserving": 2, "not_selected": 3}


def test_unreviewed_entries_are_never_preselected_upwards(build, db):
    round_ = committee_round(build, 1, select_limit=3, unreviewed=2)

    services.preselect_from_ranking(round_, actor=build.staff())

    decisions = decisions_of(db, round_)
    assert decisions["C-1"].outcome == Outcome.SHORTLISTED
    assert decisions["U-1"].outcome == Outcome.NOT_SELECTED
    assert decisions["U-2"].outcome == Outcome.NOT_SELECTED


def test_jury_preselection_gives_winners_then_medals_of_honor(build, db):
    cycle = build.cycle()
    quality = build.criterion(cycle, "Quality", low=0, high=10)
    jury = build.round(cycle, [quality], kind=RoundKind.JURY, select_limit=2)
    judge = build.judge()
    for index in range(4):
        build.review(jury, judge, build.entry(cycle, reference=f"J-{index}"), [9 - index])

    services.preselect_from_ranking(jury, actor=build.staff())

    outcomes = {code: d.outcome for code, d in decisions_of(db, jury).items()}
    assert outcomes == {
        "J-0": Outcome.WINNER,
        "J-1": Outcome.WINNER,
        "J-2": Outcome.MEDAL_OF_HONOR,
        "J-3": Outcome.MEDAL_OF_HONOR,
    }


def test_change_by_hand_needs_a_reason(build, db):
    round_ = committee_round(build, 4)
    staff = build.staff()
    services.preselect_from_ranking(round_, actor=staff)
    decision = decisions_of(db, round_)["C-4"]

    with pytest.raises(DomainError) as refused:
        services.change_outcome(decision, outcome="not_selected", reason="  ", actor=staff)

    assert refused.value.field == "reason"
    assert refused.value.message == "Say why this entry's outcome differs from the ranking."


def test_change_by_hand_respects_the_limit_with_a_clear_message(build, db):
    round_ = committee_round(build, 4, select_limit=2)
    staff = build.staff()
    services.preselect_from_ranking(round_, actor=staff)
    decisions = decisions_of(db, round_)

    with pytest.raises(DomainError) as refused:
        services.change_outcome(
            decisions["C-4"], outcome="shortlisted", reason="Strong context", actor=staff
        )

    assert refused.value.field == "outcome"
    assert refused.value.message == (
        "Technical committee may give at most 2 entries the outcome “shortlisted”, and 2 "
        "already have it. Change one of them first."
    )
    # Freeing a place makes room.
    services.change_outcome(
        decisions["C-2"], outcome="not_selected", reason="Weak evidence", actor=staff
    )
    services.change_outcome(
        decisions["C-4"], outcome="shortlisted", reason="Strong context", actor=staff
    )
    db.session.commit()
    assert decisions["C-4"].outcome == Outcome.SHORTLISTED
    assert decisions["C-4"].reason == "Strong context"
    # Going back to the pre-selected outcome clears the reason.
    services.change_outcome(decisions["C-4"], outcome="deserving", reason="", actor=staff)
    assert (decisions["C-4"].outcome, decisions["C-4"].reason) == (Outcome.DESERVING, "")


def test_outcomes_of_the_other_kind_of_round_are_refused(build, db):
    round_ = committee_round(build, 2)
    staff = build.staff()
    services.preselect_from_ranking(round_, actor=staff)

    with pytest.raises(DomainError, match="Choose one of the outcomes of this round."):
        services.change_outcome(
            decisions_of(db, round_)["C-1"], outcome="winner", reason="x", actor=staff
        )


def test_database_refuses_a_hand_change_without_reason(build, db):
    round_ = committee_round(build, 1)
    entry = entries_for_round(round_)[0]
    db.session.add(
        Decision(
            round=round_,
            submission=entry,
            outcome=Outcome.SHORTLISTED,
            preselected_outcome=Outcome.NOT_SELECTED,
            reason="",
        )
    )
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_database_refuses_two_entries_on_one_frozen_rank(build, db):
    round_ = committee_round(build, 2)
    one, two = entries_for_round(round_)
    now = round_.created_at
    db.session.add_all(
        [
            FrozenRanking(
                round_id=round_.id,
                submission_id=one.id,
                rank=1,
                statistics={},
                frozen_at=now,
            ),
            FrozenRanking(
                round_id=round_.id, submission_id=two.id, rank=1, statistics={}, frozen_at=now
            ),
        ]
    )
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_database_refuses_a_threshold_off_the_scale(build, db):
    round_ = committee_round(build, 1)
    db.session.add(RankingSettings(round_id=round_.id, disagreement_threshold=Decimal("150")))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_settings_change_the_ranking_and_are_audited(build, db):
    round_ = committee_round(build, 2)
    staff = build.staff()

    services.update_ranking_settings(
        round_,
        rank_by="median",
        tie_break=["sd", "", "n_reviews"],
        disagreement_threshold="20",
        actor=staff,
    )
    db.session.commit()

    options = compute_ranking(round_).options
    assert options.rank_by == "median"
    assert [k.value for k in options.sort_keys] == ["median", "sd", "n_reviews"]
    assert options.disagreement_threshold == 20.0
    assert options.describe() == [
        "median",
        "less disagreement (lower SD)",
        "more reviews",
        "reference code",
    ]
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "round.ranking_settings_changed")
    )
    assert event.after == {
        "rank_by": "median",
        "tie_break": ["sd", "n_reviews"],
        "disagreement_threshold": "20",
    }


def test_settings_refuse_a_repeated_tie_breaker(build):
    round_ = committee_round(build, 1)
    with pytest.raises(DomainError) as refused:
        services.update_ranking_settings(
            round_,
            rank_by="mean",
            tie_break=["median", "median"],
            disagreement_threshold="15",
            actor=build.staff(),
        )
    assert refused.value.field == "tie_break_1"


def test_closing_requires_a_decision_for_every_entry(build, db):
    round_ = committee_round(build, 2)

    with pytest.raises(DomainError) as refused:
        services.close_round(round_, actor=build.staff())

    assert (
        refused.value.message
        == "2 entries have no decision yet. Pre-select from the ranking first."
    )
    assert round_.status == RoundStatus.OPEN


def test_closing_freezes_ranking_decisions_and_settings(build, db):
    round_ = committee_round(build, 3, select_limit=1, deserving_limit=1)
    staff = build.staff()
    services.preselect_from_ranking(round_, actor=staff)
    live = compute_ranking(round_)

    frozen_count = services.close_round(round_, actor=staff)
    db.session.commit()

    assert frozen_count == 3
    assert round_.status == RoundStatus.CLOSED and round_.closed_at is not None
    frozen = frozen_ranking(round_)
    assert frozen.frozen is True
    assert [(r.rank, r.reference_code, r.mean, r.outcome) for r in frozen.rows] == [
        (r.rank, r.reference_code, r.mean, r.outcome) for r in live.rows
    ]
    stats = db.session.scalar(select(FrozenRanking.statistics).where(FrozenRanking.rank == 1))
    assert stats["outcome"] == "shortlisted"
    assert stats["mean"] == 90.0
    assert stats["settings"]["rank_by"] == "corrected_mean"
    assert set(stats) >= {"n_reviews", "median", "sd", "min", "max", "corrected_mean", "criteria"}
    decision = decisions_of(db, round_)["C-3"]
    with pytest.raises(DomainError, match="This round is closed"):
        services.change_outcome(decision, outcome="deserving", reason="late", actor=staff)
    with pytest.raises(DomainError, match="This round is closed"):
        services.preselect_from_ranking(round_, actor=staff)
    with pytest.raises(DomainError, match="This round is closed"):
        services.update_ranking_settings(
            round_, rank_by="mean", tie_break=[], disagreement_threshold="10", actor=staff
        )
    with pytest.raises(DomainError, match="Only an open round can be closed."):
        services.close_round(round_, actor=staff)
    assert db.session.scalar(
        select(AuditEvent.after).where(AuditEvent.action == "round.closed")
    ) == {
        "status": "closed",
        "frozen_entries": 3,
    }


def test_closing_drops_draft_decisions_of_entries_that_left_the_round(build, db):
    round_ = committee_round(build, 3)
    staff = build.staff()
    services.preselect_from_ranking(round_, actor=staff)
    leaving = decisions_of(db, round_)["C-3"].submission
    leaving.status = SubmissionStatus.WITHDRAWN
    db.session.commit()

    services.close_round(round_, actor=staff)

    assert set(decisions_of(db, round_)) == {"C-1", "C-2"}


def test_frozen_round_is_unchanged_when_the_next_round_runs(build, db, login_as):
    committee = committee_round(build, 4, select_limit=2)
    staff = build.staff()
    services.preselect_from_ranking(committee, actor=staff)
    services.close_round(committee, actor=staff)
    db.session.commit()
    before = [
        (r.rank, r.submission_id, r.statistics)
        for r in db.session.scalars(
            select(FrozenRanking)
            .where(FrozenRanking.round_id == committee.id)
            .order_by(FrozenRanking.rank)
        )
    ]
    quality = committee.criteria[0]
    jury = build.round(committee.cycle, [quality], kind=RoundKind.JURY, position=2, select_limit=1)
    shortlisted = entries_for_round(jury)
    assert [s.reference_code for s in shortlisted] == ["C-1", "C-2"]
    # The jury reverses the committee's order with its own panel...
    judge = build.judge()
    build.review(jury, judge, shortlisted[0], [1])
    build.review(jury, judge, shortlisted[1], [10])
    services.preselect_from_ranking(jury, actor=staff)
    services.close_round(jury, actor=staff)
    # ...and even a score of the closed round changed behind the app's back changes nothing.
    score = db.session.scalar(select(Score).join(Score.review).where(Score.value == 9))
    score.value = 0
    db.session.commit()

    after = [
        (r.rank, r.submission_id, r.statistics)
        for r in db.session.scalars(
            select(FrozenRanking)
            .where(FrozenRanking.round_id == committee.id)
            .order_by(FrozenRanking.rank)
        )
    ]
    assert after == before
    assert [r.reference_code for r in frozen_ranking(jury).rows] == ["C-2", "C-1"]
    page = login_as(staff).get(f"/secretariat/results/rounds/{committee.id}")
    assert page.status_code == 200
    assert "90.0" in page.get_data(as_text=True)  # C-1's frozen mean, not the edited 0.0


def test_decision_made_without_preselection_takes_its_outcome_as_preselected(build, db):
    round_ = committee_round(build, 1)
    entry = entries_for_round(round_)[0]
    decision = Decision(round=round_, submission=entry, outcome=Outcome.DESERVING)
    db.session.add(decision)
    db.session.commit()

    assert decision.preselected_outcome == Outcome.DESERVING
    assert decision.changed_by_hand is False
