"""The portable SQL pieces of the statistics, on the database under test."""

from __future__ import annotations

from sqlalchemy import Float, Integer, case, cast, func, literal, literal_column, select, union_all

from awards.results.ranking import PLACES
from awards.results.sql import rounded, rounded_mean


def _numbers(name: str, last: int):
    """CTE of the whole numbers 0..last, one per row."""
    numbers = select(literal_column("0", Integer).label("n")).cte(name, recursive=True)
    return numbers.union_all(select(numbers.c.n + 1).where(numbers.c.n < last))


def test_rounded_mean_of_whole_numbers_is_rounded_average_on_every_fraction(db):
    """rounded_mean(S, N) must give exactly what the ranking gave before it, the rounded
    AVG(CAST(value AS FLOAT)): the average of N whole numbers is the float nearest S / N
    (their float sum is exact), so each fraction S / N stands for every set of scores with
    that sum and count. Every fraction of up to 130 reviews on a 0..10 scale, both signs, and
    sums on a 0..1,000 scale for larger review counts up to 100,000."""
    sums = _numbers("sums", 2000)
    counts = _numbers("counts", 130)
    small = (
        select((sums.c.n - 1300).label("total"), counts.c.n.label("count"))
        .select_from(sums)
        .join(counts, counts.c.n.between(1, 130))
        .where(func.abs(sums.c.n - 1300) <= 10 * counts.c.n)
    )
    steps = _numbers("steps", 2000)
    large = [
        select(
            (steps.c.n * step + offset).label("total"),
            literal_column(str(count), Integer).label("count"),
        )
        for count, step, offset in [(997, 499, 3), (4096, 2011, 1), (78125, 39_062, 500)]
        + [(99_991, 49_999, 7)]
    ]
    fractions = union_all(small, *large).subquery()
    total, count = fractions.c.total, fractions.c.count
    expected = rounded(cast(total, Float) / count, PLACES)
    given = rounded_mean(total, count, PLACES)

    checked, different = db.session.execute(
        select(func.count(), func.sum(case((given != expected, 1), else_=0)))
    ).one()

    assert checked == 160_134
    assert different == 0


def test_rounded_mean_of_nothing_is_null(db):
    assert db.session.scalar(select(rounded_mean(literal(None, Integer), 0, PLACES))) is None
