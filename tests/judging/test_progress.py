"""The round's dashboard: reviews per judge and per entry, overdue judges, short entries."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from awards.db import frozen_clock
from awards.judging import progress
from awards.models import AssignmentStatus
from tests.factories import (
    AssignmentFactory,
    CycleFactory,
    JudgeFactory,
    PanelMemberFactory,
    RoundFactory,
    ValidEntryFactory,
    make_review,
)
from tests.judging import secretariat_fixtures

request_context = secretariat_fixtures.request_context
staff = secretariat_fixtures.staff
as_staff = secretariat_fixtures.as_staff

CLOSES = datetime(2026, 6, 30, 10, 0, tzinfo=UTC)


@pytest.fixture
def scene(db):
    """Ana finished both her entries; Ben submitted one and drafted one; Chi did nothing and
    recused one; Dee sits on the panel without entries."""
    cycle = CycleFactory(reference_prefix="GZT")
    round_ = RoundFactory(cycle=cycle, judges_per_entry=2, closes_at=CLOSES)
    round_.criteria = list(cycle.criteria)
    judges = {
        name: PanelMemberFactory(round=round_, user=JudgeFactory(name=name)).user
        for name in ("Ana", "Ben", "Chi", "Dee")
    }
    e = [ValidEntryFactory(cycle=cycle, reference_code=f"GZT-000{n}") for n in range(1, 5)]

    def assign(name, entry, **kw):
        return AssignmentFactory(round=round_, judge=judges[name], submission=entry, **kw)

    make_review(assign("Ana", e[0]))
    make_review(assign("Ana", e[1]))
    make_review(assign("Ben", e[0]))
    make_review(assign("Ben", e[2]), submitted=False)
    assign("Chi", e[1])
    assign("Chi", e[2])
    make_review(assign("Chi", e[3], status=AssignmentStatus.RECUSED))
    return round_


def _rows(round_):
    return {
        row.name: (row.assigned, row.submitted, row.drafts, row.recused, row.remaining)
        for row in progress.judge_progress(round_)
    }


def test_reviews_per_judge(db, scene):
    assert _rows(scene) == {
        "Ana": (2, 2, 0, 0, 0),
        "Ben": (2, 1, 1, 0, 1),
        "Chi": (2, 0, 0, 1, 2),
        "Dee": (0, 0, 0, 0, 0),
    }


def test_slowest_judges_come_first(db, scene):
    assert [row.name for row in progress.judge_progress(scene)] == ["Chi", "Ben", "Ana", "Dee"]


def test_reviews_per_entry_and_the_short_ones(db, scene):
    every = {row.code: (row.judges, row.submitted) for row in progress.entry_progress(scene)}
    assert every == {
        "GZT-0001": (2, 2),
        "GZT-0002": (2, 1),
        "GZT-0003": (2, 0),
        "GZT-0004": (0, 0),  # the recused review does not count
    }
    short = progress.entry_progress(scene, short_only=True)
    assert [(row.code, row.missing) for row in short] == [
        ("GZT-0003", 2),
        ("GZT-0004", 2),
        ("GZT-0002", 1),
    ]


def test_nobody_is_overdue_before_the_round_closes(db, scene):
    with frozen_clock(CLOSES - timedelta(minutes=1)):
        assert not any(row.overdue for row in progress.judge_progress(scene))
        assert progress.summary(scene).overdue_judges == 0


def test_judges_with_reviews_left_are_overdue_once_the_round_closed(db, scene):
    with frozen_clock(CLOSES):
        overdue = {row.name for row in progress.judge_progress(scene) if row.overdue}
    assert overdue == {"Ben", "Chi"}


def test_summary_counts(db, scene):
    with frozen_clock(CLOSES + timedelta(days=1)):
        summary = progress.summary(scene)
    assert (summary.assignments, summary.submitted, summary.drafts) == (6, 3, 1)
    assert (summary.entries, summary.entries_complete, summary.entries_short) == (4, 1, 3)
    assert summary.overdue_judges == 2
    assert summary.percent == 50


def test_progress_page(as_staff, db, scene):
    with frozen_clock(CLOSES + timedelta(hours=1)):
        page = as_staff.get(f"/secretariat/rounds/{scene.id}/progress").get_data(as_text=True)
    assert "3 / 6" in page
    assert page.count(">overdue</span>") == 2
    assert "GZT-0004" in page and "0 / 2" in page
    assert '<progress max="100" value="100"' in page


def _count_queries(db, func):
    statements = []

    def count(_conn, _cursor, statement, *_args, **_kwargs):
        statements.append(statement)

    db.session.remove()  # measure a request that starts from nothing, like in production
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        func()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def test_progress_page_queries_do_not_grow_with_the_panel(as_staff, db, scene):
    round_id = scene.id
    small = _count_queries(db, lambda: as_staff.get(f"/secretariat/rounds/{round_id}/progress"))
    from awards.models import Round

    round_ = db.session.get(Round, round_id)
    for _n in range(10):
        judge = PanelMemberFactory(round=round_, user=JudgeFactory()).user
        AssignmentFactory(round=round_, judge=judge)
    large = _count_queries(db, lambda: as_staff.get(f"/secretariat/rounds/{round_id}/progress"))
    assert large == small


def test_round_overview_page(as_staff, db, scene):
    page = as_staff.get(f"/secretariat/rounds/{scene.id}/").get_data(as_text=True)
    assert "3 of 6 reviews submitted." in page
    assert "1 of 4 entries have all their reviews." in page
    assert "Open the round" in page  # still a draft
