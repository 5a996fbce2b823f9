"""Benchmark: the ranking of a round with 10,000 entries, 5 reviews each, on 6 criteria.

    .venv/bin/python -m bench.results_ranking                   # SQLite in a temporary file
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python -m bench.results_ranking               # PostgreSQL (own database)

Prints the time of the full ranking (every statistic, raw and corrected, per-criterion means,
decisions and ranks: what closing a round freezes), one page of it, and the judges' statistics,
each as a ratio to the baseline of issue 9 measured in the same run on the same rows: a single
hand-written query computing only each entry's weighted mean (target: ranking <= 2 x baseline).
BENCH_ENTRIES changes the size.
"""

from __future__ import annotations

import os
import random
import secrets
import tempfile
import time
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import create_engine, insert, make_url, select, text

N_ENTRIES = int(os.environ.get("BENCH_ENTRIES", "10000"))
REVIEWS_PER_ENTRY = 5
N_CRITERIA = 6
N_JUDGES = 40
REPEAT = 5


def _database_url() -> tuple[str, callable]:
    base = os.environ.get("BENCH_DATABASE_URL")
    if not base:
        folder = tempfile.mkdtemp(prefix="bench-ranking-")
        return f"sqlite:///{folder}/bench.sqlite3", lambda: None
    name = f"bench_ranking_{secrets.token_hex(3)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(base).set(database=name).render_as_string(hide_password=False), drop


def _populate(db):
    from awards.db import utcnow
    from awards.judging.models import score_values, weighted_total
    from awards.models import (
        Assignment,
        Criterion,
        Cycle,
        Organisation,
        Review,
        Role,
        Round,
        RoundKind,
        RoundStatus,
        Score,
        Submission,
        User,
    )

    rng = random.Random(7)
    now = utcnow()
    cycle = Cycle(
        name="Benchmark cycle",
        slug="bench",
        reference_prefix="B",
        opens_at=now - timedelta(days=90),
        final_deadline=now - timedelta(days=30),
    )
    for position in range(N_CRITERIA):
        cycle.criteria.append(
            Criterion(
                name=f"Criterion {position + 1}",
                weight=Decimal(1 + position % 3),
                scale_min=1,
                scale_max=10 if position % 2 else 5,
                position=position,
            )
        )
    round_ = Round(
        cycle=cycle,
        name="Technical committee",
        kind=RoundKind.COMMITTEE,
        position=1,
        status=RoundStatus.OPEN,
        judges_per_entry=REVIEWS_PER_ENTRY,
    )
    round_.criteria = list(cycle.criteria)
    db.session.add(round_)
    db.session.flush()
    criteria = [(c.id, c.weight, c.scale_min, c.scale_max) for c in cycle.criteria]

    regions = ["Africa", "Americas", "Asia", "Europe", "Oceania"]
    countries = ["KE", "CO", "CN", "DE", "AU"]
    db.session.execute(
        insert(Organisation),
        [
            {
                "name": f"City {i}",
                "city": f"City {i}",
                "country_code": countries[i % 5],
                "region": regions[i % 5],
                "created_at": now,
                "updated_at": now,
            }
            for i in range(1000)
        ],
    )
    org_ids = list(db.session.scalars(select(Organisation.id).order_by(Organisation.id)))
    db.session.execute(
        insert(User),
        [
            {
                "email": f"judge{i}@bench.example",
                "name": f"Judge {i}",
                "role": Role.JUDGE,
                "created_at": now,
                "updated_at": now,
            }
            for i in range(N_JUDGES)
        ],
    )
    judge_ids = list(db.session.scalars(select(User.id).where(User.role == Role.JUDGE)))
    severity = {judge: rng.uniform(-1.5, 1.5) for judge in judge_ids}
    db.session.execute(
        insert(Submission),
        [
            {
                "cycle_id": cycle.id,
                "organisation_id": org_ids[i % len(org_ids)],
                "status": "valid",
                "reference_code": f"B-{i:05d}",
                "title": f"Initiative {i}",
                "created_at": now,
                "updated_at": now,
            }
            for i in range(N_ENTRIES)
        ],
    )
    submission_ids = list(db.session.scalars(select(Submission.id).order_by(Submission.id)))
    pairs = [
        (sub, judge_ids[(index * REVIEWS_PER_ENTRY + k) % N_JUDGES])
        for index, sub in enumerate(submission_ids)
        for k in range(REVIEWS_PER_ENTRY)
    ]
    db.session.execute(
        insert(Assignment),
        [
            {
                "round_id": round_.id,
                "judge_id": judge,
                "submission_id": sub,
                "status": "active",
                "created_at": now,
                "updated_at": now,
            }
            for sub, judge in pairs
        ],
    )
    assignment_ids = dict(
        ((s, j), a)
        for a, s, j in db.session.execute(
            select(Assignment.id, Assignment.submission_id, Assignment.judge_id)
        )
    )

    def review_scores(judge: int) -> list[tuple]:
        """(weight, value, scale_min, scale_max) per criterion: the middle of the scale moved
        by the judge's severity, plus noise."""
        scored = []
        for _, weight, low, high in criteria:
            centre = (low + high) / 2 + severity[judge]
            value = min(high, max(low, round(rng.gauss(centre, (high - low) / 4))))
            scored.append((weight, value, low, high))
        return scored

    # The scores first, so each review row carries the total its submit would have stored.
    values = {(sub, judge): review_scores(judge) for sub, judge in pairs}
    db.session.execute(
        insert(Review),
        [
            {
                "round_id": round_.id,
                "judge_id": judge,
                "submission_id": sub,
                "assignment_id": assignment_ids[(sub, judge)],
                "status": "submitted",
                "submitted_at": now,
                "lock_version": 1,
                "weighted_total": weighted_total(values[(sub, judge)]),
                "score_values": score_values(
                    (criterion_id, value)
                    for (criterion_id, *_), (_, value, _, _) in zip(
                        criteria, values[(sub, judge)], strict=True
                    )
                ),
                "created_at": now,
                "updated_at": now,
            }
            for sub, judge in pairs
        ],
    )
    review_ids = {
        (sub, judge): review_id
        for review_id, sub, judge in db.session.execute(
            select(Review.id, Review.submission_id, Review.judge_id)
        )
    }
    scores = [
        {
            "review_id": review_ids[pair],
            "criterion_id": criterion_id,
            "scale_min": low,
            "scale_max": high,
            "value": value,
            "comment": "",
        }
        for pair in pairs
        for (criterion_id, *_), (_, value, low, high) in zip(criteria, values[pair], strict=True)
    ]
    for start in range(0, len(scores), 50_000):
        db.session.execute(insert(Score), scores[start : start + 50_000])
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return round_.id, len(scores)


def _timed(function) -> float:
    """Best wall time of REPEAT runs after one warm-up: on a shared, noisy machine the best run
    is the one least disturbed by the neighbours (baseline and ranking alike)."""
    function()
    runs = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        function()
        runs.append(time.perf_counter() - start)
    return min(runs)


def main() -> None:
    from awards import create_app
    from awards.extensions import db
    from awards.models import Round
    from awards.results.ranking import compute_ranking, judge_statistics
    from config import TestConfig

    url, drop = _database_url()
    app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": url})
    try:
        with app.app_context(), app.test_request_context("/"):
            db.create_all()
            start = time.perf_counter()
            round_id, n_scores = _populate(db)
            print(
                f"{db.engine.dialect.name}: {N_ENTRIES} entries, "
                f"{N_ENTRIES * REVIEWS_PER_ENTRY} reviews, {n_scores} scores "
                f"(loaded in {time.perf_counter() - start:.1f} s)"
            )
            round_ = db.session.get(Round, round_id)

            baseline_sql = text(
                """
                SELECT r.submission_id, SUM(c.weight * s.value) / SUM(c.weight) AS weighted_mean
                FROM reviews r
                JOIN scores s ON s.review_id = r.id
                JOIN criteria c ON c.id = s.criterion_id
                WHERE r.round_id = :round_id AND r.status = 'submitted'
                GROUP BY r.submission_id
                """
            )

            def baseline():
                rows = db.session.execute(baseline_sql, {"round_id": round_id}).all()
                assert len(rows) == N_ENTRIES

            def page():
                ranking = compute_ranking(round_, limit=100)
                assert len(ranking.rows) == 100 and ranking.total == N_ENTRIES

            def full():
                ranking = compute_ranking(round_)
                assert len(ranking.rows) == N_ENTRIES

            def judges():
                assert len(judge_statistics(round_)) == N_JUDGES

            base = _timed(baseline)
            print(f"  {'baseline: weighted means only':34s}: {base * 1000:8.1f} ms    1.0x")
            for label, function in [
                ("full ranking (all statistics)", full),
                ("ranking page (100 rows)", page),
                ("judge statistics + histograms", judges),
            ]:
                seconds = _timed(function)
                print(f"  {label:34s}: {seconds * 1000:8.1f} ms {seconds / base:6.1f}x")
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        drop()


if __name__ == "__main__":
    main()
