"""The statistics of a round against values computed by hand."""

from __future__ import annotations

import math

import pytest

from awards.models import AssignmentStatus, ReviewStatus, RoundKind, RoundStatus, SubmissionStatus
from awards.results.models import RankBy
from awards.results.queries import entries_for_round
from awards.results.ranking import (
    RankingOptions,
    _rows,
    _rows_statement,
    compute_ranking,
    counted_reviews,
    criterion_means,
    judge_statistics,
    options_for,
    ranking_statement,
    review_totals,
)

ROOT_800 = math.sqrt(800)  # sample SD of the totals 20, 40, 60, 60, 80, 100


def by_reference(ranking):
    return {row.reference_code: row for row in ranking.rows}


def test_weighted_total_rescales_each_criterion_to_0_100(build):
    cycle = build.cycle()
    innovation = build.criterion(cycle, "Innovation", weight="2", low=1, high=5)
    impact = build.criterion(cycle, "Impact", weight="1", low=0, high=10)
    context = build.criterion(cycle, "Context", weight="1", low=1, high=3)
    round_ = build.round(cycle, [innovation, impact, context])
    entry = build.entry(cycle, reference="E-1")
    build.review(round_, build.judge(), entry, [4, 3, 3])

    row = compute_ranking(round_).rows[0]

    # (2 * 3/4 + 1 * 3/10 + 1 * 2/2) / 4 * 100 = (1.5 + 0.3 + 1) / 4 * 100 = 70
    assert row.mean == pytest.approx(70.0)
    assert row.n_reviews == 1
    assert row.criteria == {innovation.id: 4.0, impact.id: 3.0, context.id: 3.0}


def test_entry_statistics_match_hand_computed_values(build):
    cycle = build.cycle()
    quality = build.criterion(cycle, "Quality", low=0, high=10)
    round_ = build.round(cycle, [quality], severity_min_reviews=50)
    even = build.entry(cycle, reference="E-EVEN")
    odd = build.entry(cycle, reference="E-ODD")
    judges = [build.judge() for _ in range(4)]
    for judge, value in zip(judges, [2, 9, 4, 7], strict=True):
        build.review(round_, judge, even, [value])
    for judge, value in zip(judges, [5, 6, 10], strict=False):
        build.review(round_, judge, odd, [value])

    rows = by_reference(compute_ranking(round_))

    # totals 20, 90, 40, 70: mean 55, median (40 + 70) / 2,
    # sample SD sqrt((35² + 35² + 15² + 15²) / 3)
    assert rows["E-EVEN"].n_reviews == 4
    assert rows["E-EVEN"].mean == pytest.approx(55.0)
    assert rows["E-EVEN"].median == pytest.approx(55.0)
    assert rows["E-EVEN"].sd == pytest.approx(math.sqrt(2900 / 3), abs=1e-6)
    assert (rows["E-EVEN"].min, rows["E-EVEN"].max) == (20.0, 90.0)
    # totals 50, 60, 100: mean 70, median 60, SD sqrt((400 + 100 + 900) / 2)
    assert rows["E-ODD"].mean == pytest.approx(70.0)
    assert rows["E-ODD"].median == pytest.approx(60.0)
    assert rows["E-ODD"].sd == pytest.approx(math.sqrt(700), abs=1e-6)
    assert (rows["E-ODD"].min, rows["E-ODD"].max) == (50.0, 100.0)
    # No judge reaches the severity minimum: the corrected mean is the raw mean.
    assert rows["E-EVEN"].corrected_mean == pytest.approx(55.0)
    assert rows["E-ODD"].corrected_mean == pytest.approx(70.0)


def test_drafts_recusals_and_removals_never_count(build):
    cycle = build.cycle()
    quality = build.criterion(cycle, "Quality", low=0, high=10)
    round_ = build.round(cycle, [quality])
    entry = build.entry(cycle, reference="E-1")
    build.review(round_, build.judge(), entry, [8])
    build.review(round_, build.judge(), entry, [0], status=ReviewStatus.DRAFT)
    build.review(round_, build.judge(), entry, [1], assignment_status=AssignmentStatus.RECUSED)
    build.review(round_, build.judge(), entry, [2], assignment_status=AssignmentStatus.REMOVED)

    row = compute_ranking(round_).rows[0]

    assert row.n_reviews == 1
    assert row.mean == pytest.approx(80.0)
    assert row.criteria == {quality.id: 8.0}
    assert row.sd is None  # one review has no spread


def severity_round(build, *, severity_min_reviews=2):
    """Judge H gives A, B, C the totals 20, 40, 60 (mean 40, SD 20); judge L gives A, D, E
    60, 80, 100 (mean 80, SD 20). All six totals: mean 60, SD sqrt(800)."""
    cycle = build.cycle()
    quality = build.criterion(cycle, "Quality", low=0, high=10)
    round_ = build.round(cycle, [quality], severity_min_reviews=severity_min_reviews)
    entries = {code: build.entry(cycle, reference=code) for code in "ABCDE"}
    harsh, lenient = build.judge(name="Harsh"), build.judge(name="Lenient")
    for code, value in zip("ABC", [2, 4, 6], strict=True):
        build.review(round_, harsh, entries[code], [value])
    for code, value in zip("ADE", [6, 8, 10], strict=True):
        build.review(round_, lenient, entries[code], [value])
    return round_


def test_severity_correction_maps_z_scores_back_onto_the_round_scale(build):
    round_ = severity_round(build)

    rows = by_reference(compute_ranking(round_))

    # A: z = -1 from both judges -> 60 - sqrt(800); B: z = 0 -> 60; C: z = +1 -> 60 + sqrt(800)
    assert rows["A"].corrected_mean == pytest.approx(60 - ROOT_800, abs=1e-6)
    assert rows["B"].corrected_mean == pytest.approx(60.0)
    assert rows["C"].corrected_mean == pytest.approx(60 + ROOT_800, abs=1e-6)
    assert rows["D"].corrected_mean == pytest.approx(60.0)
    assert rows["E"].corrected_mean == pytest.approx(60 + ROOT_800, abs=1e-6)
    # the raw means stay next to them
    assert [rows[c].mean for c in "ABCDE"] == [40.0, 40.0, 60.0, 80.0, 100.0]


def test_corrected_ranking_breaks_ties_by_median_then_reviews(build):
    round_ = severity_round(build)

    ranking = compute_ranking(round_)

    # C and E tie on the corrected mean; E's median (100) beats C's (60). B and D tie at 60;
    # D's median (80) beats B's (40).
    assert [row.reference_code for row in ranking.rows] == ["E", "C", "D", "B", "A"]
    assert [row.rank for row in ranking.rows] == [1, 2, 3, 4, 5]
    assert [row.tied for row in ranking.rows] == [True, True, True, True, False]


def test_raw_mean_ranking_breaks_a_tie_by_more_reviews(build):
    round_ = severity_round(build)

    ranking = compute_ranking(
        round_,
        RankingOptions(
            rank_by=RankBy.MEAN,
            tie_break=(RankBy.MEDIAN, RankBy.N_REVIEWS),
            severity_min_reviews=2,
        ),
    )

    # A and B: mean 40, median 40; A has two reviews, B one.
    assert [row.reference_code for row in ranking.rows] == ["E", "D", "C", "A", "B"]


def test_judges_below_the_severity_minimum_keep_raw_totals(build):
    round_ = severity_round(build, severity_min_reviews=4)

    rows = compute_ranking(round_).rows

    assert all(row.corrected_mean == row.mean for row in rows)
    judges = {j.name: j for j in judge_statistics(round_)}
    assert judges["Harsh"].calibrated is False
    assert judges["Lenient"].calibrated is False


def test_judge_with_identical_totals_keeps_raw_totals(build):
    cycle = build.cycle()
    quality = build.criterion(cycle, "Quality", low=0, high=10)
    round_ = build.round(cycle, [quality], severity_min_reviews=2)
    a, b, c = (build.entry(cycle, reference=code) for code in "ABC")
    flat, spread = build.judge(name="Flat"), build.judge(name="Spread")
    build.review(round_, flat, a, [5])
    build.review(round_, flat, b, [5])
    build.review(round_, spread, b, [2])
    build.review(round_, spread, c, [8])

    rows = by_reference(compute_ranking(round_))

    # Totals 50, 50, 20, 80: mean 50, SD sqrt(1800 / 3). The flat judge keeps 50 on A.
    round_sd = math.sqrt(1800 / 3)
    assert rows["A"].corrected_mean == pytest.approx(50.0)
    # B: flat 50 (raw) and spread z = -1/sqrt(2) * ... : spread's totals 20, 80 -> mean 50,
    # SD sqrt(1800) ; z(20) = -30 / sqrt(1800) -> 50 - 30 / sqrt(1800) * round_sd
    spread_sd = math.sqrt(1800)
    expected_b = (50 + (50 - 30 / spread_sd * round_sd)) / 2
    assert rows["B"].corrected_mean == pytest.approx(expected_b, abs=1e-6)
    assert rows["C"].corrected_mean == pytest.approx(50 + 30 / spread_sd * round_sd, abs=1e-6)
    judges = {j.name: j for j in judge_statistics(round_)}
    assert (judges["Flat"].calibrated, judges["Spread"].calibrated) == (False, True)


def test_exact_tie_falls_to_the_reference_code(build):
    cycle = build.cycle()
    quality = build.criterion(cycle, "Quality", low=0, high=10)
    round_ = build.round(cycle, [quality])
    second = build.entry(cycle, reference="Z-2")
    first = build.entry(cycle, reference="Z-1")
    judge = build.judge()
    build.review(round_, judge, second, [7])
    build.review(round_, judge, first, [7])

    ranking = compute_ranking(round_)

    assert [row.reference_code for row in ranking.rows] == ["Z-1", "Z-2"]
    assert all(row.tied for row in ranking.rows)


def test_disagreement_flags_spread_above_the_threshold(build):
    cycle = build.cycle()
    quality = build.criterion(cycle, "Quality", low=0, high=10)
    round_ = build.round(cycle, [quality])
    split = build.entry(cycle, reference="SPLIT")
    calm = build.entry(cycle, reference="CALM")
    one, two = build.judge(), build.judge()
    build.review(round_, one, split, [2])
    build.review(round_, two, split, [8])  # SD of 20, 80 = 42.4
    build.review(round_, one, calm, [5])
    build.review(round_, two, calm, [6])  # SD of 50, 60 = 7.1

    default = by_reference(compute_ranking(round_))
    relaxed = by_reference(compute_ranking(round_, RankingOptions(disagreement_threshold=45.0)))

    assert (default["SPLIT"].disagreement, default["CALM"].disagreement) == (True, False)
    assert relaxed["SPLIT"].disagreement is False


def test_entries_without_reviews_rank_last_with_empty_statistics(build):
    cycle = build.cycle()
    quality = build.criterion(cycle, "Quality", low=0, high=10)
    round_ = build.round(cycle, [quality])
    unreviewed = build.entry(cycle, reference="A-UNREVIEWED")
    reviewed = build.entry(cycle, reference="B-REVIEWED")
    build.review(round_, build.judge(), reviewed, [1])

    rows = compute_ranking(round_).rows

    assert [row.reference_code for row in rows] == ["B-REVIEWED", "A-UNREVIEWED"]
    assert rows[1].n_reviews == 0
    assert rows[1].mean is None and rows[1].corrected_mean is None and rows[1].sd is None
    assert rows[1].criteria == {}
    assert unreviewed.id == rows[1].submission_id


def test_invalid_and_withdrawn_entries_are_not_ranked(build):
    cycle = build.cycle()
    quality = build.criterion(cycle, "Quality", low=0, high=10)
    round_ = build.round(cycle, [quality])
    build.entry(cycle, reference="OK")
    withdrawn = build.entry(cycle, reference="GONE", status=SubmissionStatus.WITHDRAWN)
    build.review(round_, build.judge(), withdrawn, [9])

    ranking = compute_ranking(round_)

    assert [row.reference_code for row in ranking.rows] == ["OK"]
    assert ranking.total == 1


def test_page_of_the_ranking_keeps_the_global_ranks(build):
    cycle = build.cycle()
    quality = build.criterion(cycle, "Quality", low=0, high=10)
    round_ = build.round(cycle, [quality])
    judge = build.judge()
    for value in range(6):
        build.review(round_, judge, build.entry(cycle, reference=f"P-{value}"), [value])

    page = compute_ranking(round_, limit=2, offset=2)

    assert [(row.rank, row.reference_code) for row in page.rows] == [(3, "P-3"), (4, "P-2")]
    assert page.total == 6
    assert page.rows[0].criteria == {quality.id: 3.0}


def test_judge_statistics_order_harsh_first_with_histogram(build):
    round_ = severity_round(build)

    judges = judge_statistics(round_)

    assert [j.name for j in judges] == ["Harsh", "Lenient"]
    harsh, lenient = judges
    assert (harsh.n_reviews, harsh.mean, harsh.sd, harsh.min, harsh.max) == (
        3,
        40.0,
        20.0,
        20.0,
        60.0,
    )
    # totals 20, 40, 60 -> bins 2, 4, 6; 60, 80, 100 -> bins 6, 8, 9 (100 closes the top bin)
    assert harsh.histogram == [0, 0, 1, 0, 1, 0, 1, 0, 0, 0]
    assert lenient.histogram == [0, 0, 0, 0, 0, 0, 1, 0, 1, 1]


def test_first_round_takes_valid_entries_later_round_the_previous_shortlist(build, db):
    from awards.models import Decision, Outcome

    cycle = build.cycle()
    quality = build.criterion(cycle, "Quality", low=0, high=10)
    committee = build.round(cycle, [quality])
    jury = build.round(cycle, [quality], kind=RoundKind.JURY, position=2, select_limit=5)
    short = build.entry(cycle, reference="S")
    deserving = build.entry(cycle, reference="D")
    short_then_withdrawn = build.entry(cycle, reference="W")
    build.entry(cycle, reference="X", status=SubmissionStatus.INVALID, invalid_reason="Late")
    for entry, outcome in [
        (short, Outcome.SHORTLISTED),
        (deserving, Outcome.DESERVING),
        (short_then_withdrawn, Outcome.SHORTLISTED),
    ]:
        db.session.add(
            Decision(
                round=committee, submission=entry, outcome=outcome, preselected_outcome=outcome
            )
        )
    db.session.commit()

    assert [s.reference_code for s in entries_for_round(committee)] == ["D", "S", "W"]
    assert entries_for_round(jury) == []  # the committee round is not closed yet

    committee.status = RoundStatus.CLOSED
    short_then_withdrawn.status = SubmissionStatus.WITHDRAWN
    db.session.commit()

    assert [s.reference_code for s in entries_for_round(jury)] == ["S"]


def test_active_conflict_stops_a_review_counting_until_lifted(build, db):
    from awards.db import utcnow
    from awards.models import Conflict, ConflictSource

    cycle = build.cycle()
    quality = build.criterion(cycle, "Quality", low=0, high=10)
    round_ = build.round(cycle, [quality])
    entry = build.entry(cycle, reference="E-1")
    clean, conflicted = build.judge(), build.judge()
    build.review(round_, clean, entry, [6])
    build.review(round_, conflicted, entry, [10])
    conflict = Conflict(
        judge=conflicted,
        submission=entry,
        source=ConflictSource.SECRETARIAT,
        reason="Advised the city",
    )
    db.session.add(conflict)
    db.session.commit()

    while_conflicted = compute_ranking(round_).rows[0]
    conflict.lifted_at = utcnow()
    conflict.lifted_reason = "Advice ended years ago"
    db.session.commit()
    after_lifting = compute_ranking(round_).rows[0]

    assert (while_conflicted.n_reviews, while_conflicted.mean) == (1, 60.0)
    assert (after_lifting.n_reviews, after_lifting.mean) == (2, 80.0)


def test_ranking_on_stored_totals_is_the_ranking_computed_from_the_scores(build, db):
    """The ranking reads each review's stored total and score values; computing every total
    and criterion mean again from the score rows must give the same ranking, statistic for
    statistic."""
    import random

    rng = random.Random(9)
    cycle = build.cycle()
    criteria = [
        build.criterion(cycle, "Innovation", weight="2.5", low=1, high=5),
        build.criterion(cycle, "Impact", weight="1", low=0, high=10),
        build.criterion(cycle, "Transferability", weight="0.75", low=1, high=7),
    ]
    round_ = build.round(cycle, criteria, severity_min_reviews=3)
    judges = [build.judge() for _ in range(6)]
    for number in range(15):
        entry = build.entry(cycle, reference=f"E-{number:02d}")
        for judge in rng.sample(judges, rng.randint(1, 5)):
            values = [rng.randint(c.scale_min, c.scale_max) for c in criteria]
            build.review(round_, judge, entry, values)

    stored = compute_ranking(round_)
    from_scores = review_totals(round_, counted_reviews(round_))
    ranked = ranking_statement(round_, options_for(round_), totals=from_scores).subquery()
    recomputed, total = _rows(db.session.execute(_rows_statement(ranked)))

    assert all(row.n_reviews > 0 for row in stored.rows)
    assert any(row.corrected_mean != row.mean for row in stored.rows)  # judges were corrected
    assert total == stored.total == 15
    # The per-criterion means come from the score values stored on the reviews; from the
    # score rows they are the same, value for value.
    assert {row.submission_id: row.criteria for row in stored.rows} == criterion_means(round_)
    for row, expected in zip(stored.rows, recomputed, strict=True):
        row.criteria = {}
        assert row == expected
