"""A round's statistics, computed in SQL.

Counted reviews: the judging feature's `counted_review_clause` (submitted, the assignment still
active, so recused or removed judges never count, and no active conflict of interest between the
judge and the entry), for the entries the round judges.

Per review, the judge's weighted total rescaled to 0..100 whatever the criteria's scales:

    total = 100 * sum(w_c * (score_c - min_c) / (max_c - min_c)) / sum(w_c)

over the round's criteria the judge scored, stored on the review when it is submitted
(`Review.weighted_total`, kept in step on every later save), so the statistics read one number
per review and never aggregate the score rows. Per entry: number of counted reviews, mean,
median, sample standard deviation (n - 1), minimum and maximum of the totals, and the mean of
each criterion on its own scale, from the score values stored on the review the same way
(`Review.score_values`), in the same pass. `criterion_means` computes those from the score rows
instead, for checking the stored values.

Judge severity: each total becomes a z-score against its judge's own mean and sample SD of
totals in the round, and is mapped back onto the raw scale with the round's mean and sample SD
of all totals (`round_mean + z * round_sd`); the entry's corrected mean is the mean of those.
A judge with fewer than `Round.severity_min_reviews` counted reviews, or who gives every entry
the same total (SD 0), keeps raw totals. The raw mean is always shown next to it.

The statistics are aggregates and window functions in one statement (CTEs), on PostgreSQL and
on SQLite >= 3.30 alike: SQLite has no STDDEV or MEDIAN, so the SD comes from the average of
squared deviations (two passes via window means, no cancellation) and the median from
ROW_NUMBER and COUNT over each entry's totals.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Float,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    text,
    type_coerce,
)

from awards.accounts.models import Organisation, User
from awards.cycles.models import Criterion, Round, RoundStatus, round_criteria
from awards.extensions import db
from awards.judging.models import Assignment, Review, Score
from awards.judging.queries import counted_review_clause
from awards.memory import collector_paused
from awards.results.models import (
    DEFAULT_DISAGREEMENT_THRESHOLD,
    DEFAULT_RANK_BY,
    DEFAULT_TIE_BREAK,
    Decision,
    DecisionStatus,
    FrozenRanking,
    Outcome,
    RankBy,
)
from awards.results.queries import entries_condition, ranking_settings
from awards.results.sql import list_element, materialized, rounded, rounded_mean
from awards.submissions.models import Submission

PLACES = 6  # statistics are compared after rounding to this many decimals
# A variance (points² on 0..100) below this is rounding noise: every total the same.
VARIANCE_EPSILON = 1e-8

RANK_BY_CHOICES = (RankBy.CORRECTED_MEAN, RankBy.MEAN, RankBy.MEDIAN)
TIE_BREAK_CHOICES = tuple(RankBy)

KEY_LABELS = {
    RankBy.CORRECTED_MEAN: _l("corrected mean"),
    RankBy.MEAN: _l("raw mean"),
    RankBy.MEDIAN: _l("median"),
    RankBy.N_REVIEWS: _l("more reviews"),
    RankBy.SD: _l("less disagreement (lower SD)"),
    RankBy.MIN: _l("higher lowest total"),
}
REFERENCE_LABEL = _l("reference code")


@dataclass(frozen=True)
class RankingOptions:
    rank_by: RankBy = DEFAULT_RANK_BY
    tie_break: tuple[RankBy, ...] = tuple(RankBy(k) for k in DEFAULT_TIE_BREAK)
    disagreement_threshold: float = float(DEFAULT_DISAGREEMENT_THRESHOLD)
    severity_min_reviews: int = 5

    @property
    def sort_keys(self) -> tuple[RankBy, ...]:
        """The ranking column first, then the tie-breakers (each once); the reference code
        breaks whatever is left."""
        keys: list[RankBy] = [self.rank_by]
        keys += [key for key in self.tie_break if key not in keys]
        return tuple(keys)

    def describe(self) -> list[str]:
        return [str(KEY_LABELS[key]) for key in self.sort_keys] + [str(REFERENCE_LABEL)]

    def as_json(self) -> dict:
        return {
            "rank_by": self.rank_by.value,
            "tie_break": [key.value for key in self.sort_keys[1:]],
            "disagreement_threshold": self.disagreement_threshold,
            "severity_min_reviews": self.severity_min_reviews,
        }


def options_for(round_: Round) -> RankingOptions:
    """The round's ranking settings, or the defaults when the secretariat never changed them."""
    settings = ranking_settings(round_)
    if settings is None:
        return RankingOptions(severity_min_reviews=round_.severity_min_reviews)
    return RankingOptions(
        rank_by=RankBy(settings.rank_by),
        tie_break=tuple(RankBy(key) for key in settings.tie_break),
        disagreement_threshold=float(settings.disagreement_threshold),
        severity_min_reviews=round_.severity_min_reviews,
    )


# ---------------------------------------------------------------------------------------------
# The statement, piece by piece


def score_column(criterion_id: int) -> str:
    """The name of a review's value on a criterion among counted_reviews' columns."""
    return f"score_{criterion_id}"


def counted_reviews(
    round_: Round, entries=None, submission_ids=None, criterion_ids: tuple[int, ...] = ()
):
    """CTE of the counted reviews of the round: review_id, judge_id, submission_id and the
    review's stored weighted total (never NULL: a submitted review has one), and its stored
    value on each of `criterion_ids` (the round's, in id order: the order of
    `Review.score_values`) as `score_column`.

    `entries` is the round's entries_condition when the caller already has it;
    `submission_ids` keeps only those entries' reviews."""
    entries = entries_condition(round_) if entries is None else entries
    # Each value read out of the list once, here, rather than by each aggregate that uses it.
    values = [
        list_element(Review.score_values, index).label(score_column(criterion_id))
        for index, criterion_id in enumerate(criterion_ids)
    ]
    statement = (
        select(
            Review.id.label("review_id"),
            Review.judge_id.label("judge_id"),
            Review.submission_id.label("submission_id"),
            Review.weighted_total.label("total"),
            *values,
        )
        .join(Assignment, Assignment.id == Review.assignment_id)
        .join(Submission, Submission.id == Review.submission_id)
        .where(Review.round_id == round_.id, counted_review_clause(), entries)
    )
    if submission_ids is not None:
        statement = statement.where(Review.submission_id.in_(submission_ids))
    return statement.cte("counted_reviews")


def round_weights(round_: Round):
    """CTE: the round's criteria and their weights as floats (a handful of rows), computed once
    (MATERIALIZED on PostgreSQL) so the score rows meet one tiny hash table."""
    return (
        select(
            round_criteria.c.criterion_id.label("criterion_id"),
            cast(Criterion.weight, Float).label("weight"),
        )
        .join(Criterion, Criterion.id == round_criteria.c.criterion_id)
        .where(round_criteria.c.round_id == round_.id)
        .cte("round_weights")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )


def review_totals(round_: Round, reviews):
    """CTE: each review of `reviews` (a CTE with review_id, judge_id, submission_id) with its
    weighted total on 0..100 over the round's criteria it scored, computed from its score rows:
    for a draft, which has no stored total (the reviews export), and to check the stored ones."""
    weights = round_weights(round_)
    share = cast(Score.value - Score.scale_min, Float) / cast(
        Score.scale_max - Score.scale_min, Float
    )
    total = literal(100.0, Float) * func.sum(weights.c.weight * share) / func.sum(weights.c.weight)
    return (
        select(
            reviews.c.review_id,
            reviews.c.judge_id,
            reviews.c.submission_id,
            total.label("total"),
        )
        .select_from(reviews)
        .join(Score, Score.review_id == reviews.c.review_id)
        .join(weights, weights.c.criterion_id == Score.criterion_id)
        .where(Score.value.is_not(None))
        .group_by(reviews.c.review_id, reviews.c.judge_id, reviews.c.submission_id)
        .cte("review_totals")
    )


def _sd_from_moments(mean, mean_of_squares, n):
    """Sample SD from the mean and the mean of squares (SQLite has no STDDEV): the variance
    n / (n - 1) * (E[x²] - E[x]²), with rounding noise below VARIANCE_EPSILON taken as 0."""
    # n - 1 as a float: as an integer it would be cast to NUMERIC, which PostgreSQL turns back
    # into a float through text, for every entry; the value is the same.
    variance = (mean_of_squares - mean * mean) * n / cast(func.nullif(n - 1, 0), Float)
    return case((variance < VARIANCE_EPSILON, 0.0), else_=func.sqrt(variance))


def review_statistics(
    round_: Round,
    options: RankingOptions,
    entries=None,
    totals=None,
    criterion_ids: tuple[int, ...] = (),
):
    """CTE: every counted total with its judge's statistics, whether the judge is calibrated,
    its severity-corrected value and its position among its entry's totals (for the median).

    `totals` (review_id, judge_id, submission_id, total) defaults to the counted reviews with
    their stored totals and values on `criterion_ids`. Judges' and the round's moments are
    small GROUP BYs (one row per judge, one row for the round) joined back, so each total is
    corrected with two precomputed numbers per judge: corrected = total * scale + shift, with
    scale = round_sd / judge_sd and shift = round_mean - judge_mean * scale (scale 1, shift 0
    for a judge who keeps raw totals).
    """
    if totals is None:
        totals = counted_reviews(round_, entries, criterion_ids=criterion_ids)
    t = totals.c
    squared = t.total * t.total
    per_judge = (
        select(
            t.judge_id,
            func.count().label("n"),
            func.avg(t.total).label("mean"),
            func.avg(squared).label("mean_sq"),
        )
        .group_by(t.judge_id)
        .subquery("per_judge")
    )
    per_round = select(
        func.avg(t.total).label("mean"), func.avg(squared).label("mean_sq"), func.count().label("n")
    ).subquery("per_round")
    j, o = per_judge.c, per_round.c
    judge_sd = _sd_from_moments(j.mean, j.mean_sq, j.n)
    round_sd = func.coalesce(_sd_from_moments(o.mean, o.mean_sq, o.n), 0.0)
    calibrated = and_(j.n >= options.severity_min_reviews, judge_sd > 0)
    scale = case((calibrated, round_sd / judge_sd), else_=1.0)
    judges = (
        select(
            j.judge_id,
            j.n.label("judge_n"),
            j.mean.label("judge_mean"),
            judge_sd.label("judge_sd"),
            case((calibrated, 1), else_=0).label("calibrated"),
            scale.label("scale"),
            case((calibrated, o.mean - j.mean * scale), else_=0.0).label("shift"),
        )
        .select_from(per_judge)
        .join(per_round, literal(True))
        .cte("judge_statistics")
        # Computed once per judge: inlined, both databases would work out each judge's scale
        # and shift (square roots, casts) again for every review row (SQLite for every pair
        # of review and judge).
        .prefix_with(materialized())
    )
    g = judges.c
    entry_window = {
        "partition_by": t.submission_id,
        "order_by": (t.total, t.review_id),
        "rows": (None, None),
    }
    return (
        select(
            *t,
            g.judge_n,
            g.judge_mean,
            g.judge_sd,
            g.calibrated,
            (t.total * g.scale + g.shift).label("corrected"),
            # One window (same partition, order and frame) for both: one sort, one pass.
            func.row_number().over(**entry_window).label("position"),
            func.count().over(**entry_window).label("entry_n"),
        )
        .join(judges, judges.c.judge_id == t.judge_id)
        .cte("review_statistics")
    )


def criterion_column(criterion_id: int) -> str:
    """The name of a criterion's mean among the ranking statement's columns."""
    return f"criterion_{criterion_id}"


def entry_statistics(
    round_: Round,
    options: RankingOptions,
    entries=None,
    totals=None,
    criterion_ids: tuple[int, ...] = (),
):
    """CTE: one row per entry with counted reviews: n_reviews, mean, corrected_mean, median,
    sd, min, max (all on 0..100), and for each of `criterion_ids` (the round's, in id order;
    only without `totals`, which carry no score values) its mean on its own scale, rounded to
    PLACES (`criterion_column`; NULL when no counted review scored it)."""
    reviews = review_statistics(round_, options, entries, totals, criterion_ids)
    r = reviews.c
    middle = or_(r.position == (r.entry_n + 1) // 2, r.position == (r.entry_n + 2) // 2)
    mean = func.avg(r.total)
    criterion_means = []
    for criterion_id in criterion_ids:
        value = r[score_column(criterion_id)]
        criterion_means.append(
            rounded_mean(func.sum(value), func.count(value), PLACES).label(
                criterion_column(criterion_id)
            )
        )
    return (
        select(
            r.submission_id,
            func.count().label("n_reviews"),
            rounded(mean, PLACES).label("mean"),
            rounded(func.avg(r.corrected), PLACES).label("corrected_mean"),
            rounded(func.avg(case((middle, r.total))), PLACES).label("median"),
            rounded(
                _sd_from_moments(mean, func.avg(r.total * r.total), func.count()), PLACES
            ).label("sd"),
            rounded(func.min(r.total), PLACES).label("min"),
            rounded(func.max(r.total), PLACES).label("max"),
            *criterion_means,
        )
        .group_by(r.submission_id)
        .cte("entry_statistics")
    )


def ranking_statement(round_: Round, options: RankingOptions, totals=None) -> Select:
    """Every entry of the round (reviewed or not) with its statistics, decision and rank, and
    its per-criterion means (`criterion_column`) unless `totals` (see review_statistics) is
    given: those carry no score values."""
    entries = entries_condition(round_)
    criterion_ids = () if totals is not None else tuple(sorted(round_criterion_ids(round_)))
    stats = entry_statistics(round_, options, entries, totals, criterion_ids)
    e = stats.c
    n_reviews = func.coalesce(e.n_reviews, 0)
    columns = {
        RankBy.CORRECTED_MEAN: e.corrected_mean,
        RankBy.MEAN: e.mean,
        RankBy.MEDIAN: e.median,
        RankBy.N_REVIEWS: n_reviews,
        RankBy.SD: e.sd,
        RankBy.MIN: e.min,
    }
    order = []
    for key in options.sort_keys:
        column = columns[key]
        order.append(column.asc().nulls_last() if key == RankBy.SD else column.desc().nulls_last())
    order.append(Submission.reference_code.asc())
    primary = columns[options.rank_by]
    return (
        select(
            Submission.id.label("submission_id"),
            Submission.reference_code,
            Submission.title,
            Organisation.name.label("organisation"),
            Organisation.city,
            Organisation.country_code,
            Organisation.region,
            n_reviews.label("n_reviews"),
            e.mean,
            e.corrected_mean,
            e.median,
            e.sd,
            e.min,
            e.max,
            case((e.sd > options.disagreement_threshold, 1), else_=0).label("disagreement"),
            Decision.id.label("decision_id"),
            Decision.outcome,
            Decision.preselected_outcome,
            Decision.reason,
            Decision.status.label("decision_status"),
            func.row_number().over(order_by=order).label("rank"),
            func.lag(primary).over(order_by=order).label("previous_key"),
            func.lead(primary).over(order_by=order).label("next_key"),
            primary.label("key"),
            func.count().over().label("total_entries"),
            *[e[criterion_column(criterion_id)] for criterion_id in criterion_ids],
        )
        .join(Organisation, Organisation.id == Submission.organisation_id)
        .outerjoin(stats, stats.c.submission_id == Submission.id)
        .outerjoin(
            Decision,
            and_(Decision.round_id == round_.id, Decision.submission_id == Submission.id),
        )
        .where(entries)
    )


# ---------------------------------------------------------------------------------------------
# Reading it


@dataclass
class RankingRow:
    rank: int
    submission_id: int
    reference_code: str
    title: str
    organisation: str
    city: str
    country_code: str
    region: str
    n_reviews: int
    mean: float | None
    corrected_mean: float | None
    median: float | None
    sd: float | None
    min: float | None
    max: float | None
    disagreement: bool
    tied: bool
    outcome: Outcome | None
    preselected_outcome: Outcome | None
    reason: str
    decision_status: str | None
    criteria: dict[int, float | None] = field(default_factory=dict)

    def statistics(self) -> dict:
        """The line as JSON, for FrozenRanking.statistics."""
        return {
            "reference_code": self.reference_code,
            "title": self.title,
            "organisation": self.organisation,
            "city": self.city,
            "country_code": self.country_code,
            "region": self.region,
            "n_reviews": self.n_reviews,
            "mean": self.mean,
            "corrected_mean": self.corrected_mean,
            "median": self.median,
            "sd": self.sd,
            "min": self.min,
            "max": self.max,
            "disagreement": self.disagreement,
            "tied": self.tied,
            "outcome": self.outcome.value if self.outcome else None,
            "preselected_outcome": (
                self.preselected_outcome.value if self.preselected_outcome else None
            ),
            "reason": self.reason,
            "criteria": {str(key): value for key, value in self.criteria.items()},
        }

    @classmethod
    def from_frozen(cls, rank: int, submission_id: int, data: dict) -> RankingRow:
        return cls(
            rank=rank,
            submission_id=submission_id,
            reference_code=data["reference_code"],
            title=data["title"],
            organisation=data["organisation"],
            city=data["city"],
            country_code=data["country_code"],
            region=data["region"],
            n_reviews=data["n_reviews"],
            mean=data["mean"],
            corrected_mean=data["corrected_mean"],
            median=data["median"],
            sd=data["sd"],
            min=data["min"],
            max=data["max"],
            disagreement=data["disagreement"],
            tied=data["tied"],
            outcome=Outcome(data["outcome"]) if data["outcome"] else None,
            preselected_outcome=(
                Outcome(data["preselected_outcome"]) if data["preselected_outcome"] else None
            ),
            reason=data["reason"],
            decision_status=None,
            criteria={int(key): value for key, value in data["criteria"].items()},
        )


def _float(value) -> float | None:
    return None if value is None else float(value)


# What compute_ranking reads of ranking_statement, in RankingRow's field order, and then the
# number of entries in the whole ranking (then the criterion means, when the statement has them).
ROW_COLUMNS = (
    "rank",
    "submission_id",
    "reference_code",
    "title",
    "organisation",
    "city",
    "country_code",
    "region",
    "n_reviews",
    "mean",
    "corrected_mean",
    "median",
    "sd",
    "min",
    "max",
    "disagreement",
    "tied",
    "outcome",
    "preselected_outcome",
    "reason",
    "decision_status",
    "total_entries",
)
# Read as plain strings and mapped here: cheaper than SQLAlchemy's enum conversion per value.
PLAIN_TEXT_COLUMNS = ("outcome", "preselected_outcome", "decision_status")


def _rows_statement(ranked) -> Select:
    """The rows compute_ranking reads from the ranking subquery `ranked`, in rank order, with
    `tied` (the ranking key equals a neighbour's) worked out in SQL."""
    c = ranked.c
    tied = case(
        (and_(c.key.is_not(None), or_(c.previous_key == c.key, c.next_key == c.key)), 1),
        else_=0,
    )
    columns = {name: c[name] for name in ROW_COLUMNS if name != "tied"}
    columns.update({name: type_coerce(c[name], String) for name in PLAIN_TEXT_COLUMNS})
    columns.update({name: func.coalesce(c[name], "") for name in ("reference_code", "reason")})
    columns["tied"] = tied
    criterion_means = [column for column in c if column.name.startswith("criterion_")]
    return select(*[columns[name].label(name) for name in ROW_COLUMNS], *criterion_means).order_by(
        c.rank
    )


def _rows(result, criterion_ids: tuple[int, ...] = ()) -> tuple[list[RankingRow], int | None]:
    """RankingRows from the rows of _rows_statement, fetched at once and read by position
    (10,000 rows convert quickly), and the number of entries in the whole ranking (None when
    the page is empty). `criterion_ids`: the round's criteria in its order, when the rows have
    their means (each row's `criteria` keeps those some counted review scored)."""
    outcomes = {o.value: o for o in Outcome}
    statuses = {s.value: s for s in DecisionStatus}
    keys = list(result.keys())
    # (criterion id, position of its mean in a row), in the round's order.
    means_at = [(cid, keys.index(criterion_column(cid))) for cid in criterion_ids]
    with collector_paused():
        return _ranking_rows(result.all(), means_at, outcomes, statuses)


def _ranking_rows(rows, means_at, outcomes, statuses) -> tuple[list[RankingRow], int | None]:
    lines = []
    for row in rows:
        *statistics, disagreement, tied, outcome, preselected, reason, decision_status, _ = row[
            : len(ROW_COLUMNS)
        ]
        lines.append(
            RankingRow(
                *statistics,  # rank to max
                bool(disagreement),
                bool(tied),
                outcomes[outcome] if outcome else None,
                outcomes[preselected] if preselected else None,
                reason,
                statuses[decision_status] if decision_status else None,
                {cid: row[at] for cid, at in means_at if row[at] is not None},
            )
        )
    return lines, (rows[0][len(ROW_COLUMNS) - 1] if rows else None)


@dataclass
class Ranking:
    rows: list[RankingRow]
    total: int
    options: RankingOptions
    frozen: bool = False


def round_criterion_ids(round_: Round) -> tuple[int, ...]:
    return tuple(
        db.session.scalars(
            select(round_criteria.c.criterion_id)
            .join(Criterion, Criterion.id == round_criteria.c.criterion_id)
            .where(round_criteria.c.round_id == round_.id)
            .order_by(Criterion.position, Criterion.id)
        )
    )


def criterion_means(
    round_: Round,
    criterion_ids: tuple[int, ...] | None = None,
    submission_ids: list[int] | None = None,
) -> dict[int, dict[int, float]]:
    """Each entry's mean score on each criterion of the round (on the criterion's own scale,
    rounded to PLACES) over its counted reviews: {submission_id: {criterion_id: mean}}, the
    criteria in the round's order; only the entries of `submission_ids` when given (a page).

    From the score rows (one pass, pivoted by conditional aggregation), not from the stored
    `Review.score_values` the ranking reads: the reference those are checked against. An entry
    without counted reviews is left out."""
    criterion_ids = round_criterion_ids(round_) if criterion_ids is None else criterion_ids
    if not criterion_ids or submission_ids == []:
        return {}
    reviews = counted_reviews(round_, submission_ids=submission_ids)
    values = [case((Score.criterion_id == cid, Score.value)) for cid in criterion_ids]
    averages = [rounded_mean(func.sum(value), func.count(value), PLACES) for value in values]
    rows = (
        db.session.connection()
        .execute(
            select(reviews.c.submission_id, *averages)
            .join(Score, Score.review_id == reviews.c.review_id)
            .where(Score.value.is_not(None))
            .group_by(reviews.c.submission_id)
        )
        .all()
    )
    means = {}
    for submission_id, *row_means in rows:
        entry = dict(zip(criterion_ids, row_means, strict=True))
        if None in row_means:  # a criterion no counted review scored
            entry = {cid: mean for cid, mean in entry.items() if mean is not None}
        means[submission_id] = entry
    return means


def compute_ranking(
    round_: Round,
    options: RankingOptions | None = None,
    *,
    limit: int | None = None,
    offset: int = 0,
    with_criteria: bool = True,
) -> Ranking:
    """The live ranking of a round (or a page of it with `limit`/`offset`): one statement that
    reads each counted review's stored total and score values once and returns every
    statistic, raw and corrected, the per-criterion means, the decision and the rank of each
    entry. `with_criteria=False` leaves the rows' `criteria` empty."""
    options = options or options_for(round_)
    _tune_session()
    statement = _rows_statement(ranking_statement(round_, options).subquery("ranking"))
    if limit is not None:
        statement = statement.limit(limit).offset(offset)
    # A Core execution: the rows are plain values, no ORM loading on the way.
    result = db.session.connection().execute(statement)
    rows, total = _rows(result, round_criterion_ids(round_) if with_criteria else ())
    if total is None:
        total = _count_entries(round_)
    return Ranking(rows=rows, total=int(total), options=options)


def _tune_session() -> None:
    """On PostgreSQL, let this transaction sort the review rows in memory (the default 4 MB of
    work_mem spills a 10,000-entry round's window sorts to disk). Lasts until commit."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL work_mem = '64MB'"))


def _count_entries(round_: Round) -> int:
    return int(
        db.session.scalar(
            select(func.count()).select_from(Submission).where(entries_condition(round_))
        )
        or 0
    )


# ---------------------------------------------------------------------------------------------
# Judges


@dataclass
class JudgeStatistics:
    judge_id: int
    name: str
    n_reviews: int
    mean: float
    sd: float | None
    min: float
    max: float
    calibrated: bool
    histogram: list[int] = field(default_factory=lambda: [0] * 10)


def judge_statistics(round_: Round, options: RankingOptions | None = None) -> list[JudgeStatistics]:
    """Each judge's counted totals in the round (harsh judges first), with a 10-bin histogram
    of their totals (90 to 100 in the top bin): one GROUP BY statement."""
    options = options or options_for(round_)
    reviews = review_statistics(round_, options, entries_condition(round_))
    r = reviews.c
    bin_ = case(*[(r.total >= 10 * k, k) for k in range(9, 0, -1)], else_=0)
    rows = db.session.execute(
        select(
            r.judge_id,
            User.name,
            func.count().label("n"),
            rounded(func.avg(r.total), PLACES).label("mean"),
            rounded(func.max(r.judge_sd), PLACES).label("sd"),
            rounded(func.min(r.total), PLACES).label("min"),
            rounded(func.max(r.total), PLACES).label("max"),
            func.max(r.calibrated).label("calibrated"),
            *[func.sum(case((bin_ == k, 1), else_=0)).label(f"bin_{k}") for k in range(10)],
        )
        .join(User, User.id == r.judge_id)
        .group_by(r.judge_id, User.name)
        .order_by(func.avg(r.total), User.name)
    ).all()
    return [
        JudgeStatistics(
            judge_id=row.judge_id,
            name=row.name,
            n_reviews=row.n,
            mean=_float(row.mean) or 0.0,
            sd=_float(row.sd) if row.n > 1 else None,
            min=_float(row.min) or 0.0,
            max=_float(row.max) or 0.0,
            calibrated=bool(row.calibrated),
            histogram=[int(row._mapping[f"bin_{k}"]) for k in range(10)],
        )
        for row in rows
    ]


# ---------------------------------------------------------------------------------------------
# Closed rounds


def frozen_ranking(round_: Round, *, limit: int | None = None, offset: int = 0) -> Ranking:
    """The ranking of a closed round exactly as it was frozen (FrozenRanking rows only)."""
    statement = (
        select(
            FrozenRanking.rank,
            FrozenRanking.submission_id,
            FrozenRanking.statistics,
            func.count().over().label("total_entries"),
        )
        .where(FrozenRanking.round_id == round_.id)
        .order_by(FrozenRanking.rank)
    )
    if limit is not None:
        statement = statement.limit(limit).offset(offset)
    result = db.session.execute(statement).all()
    rows = [RankingRow.from_frozen(r.rank, r.submission_id, r.statistics) for r in result]
    if result:
        total = int(result[0].total_entries)
        settings = result[0].statistics.get("settings", {})
        options = RankingOptions(
            rank_by=RankBy(settings.get("rank_by", DEFAULT_RANK_BY)),
            tie_break=tuple(RankBy(k) for k in settings.get("tie_break", DEFAULT_TIE_BREAK)),
            disagreement_threshold=float(
                settings.get("disagreement_threshold", DEFAULT_DISAGREEMENT_THRESHOLD)
            ),
            severity_min_reviews=int(
                settings.get("severity_min_reviews", round_.severity_min_reviews)
            ),
        )
    else:
        total = int(
            db.session.scalar(
                select(func.count())
                .select_from(FrozenRanking)
                .where(FrozenRanking.round_id == round_.id)
            )
            or 0
        )
        options = options_for(round_)
    return Ranking(rows=rows, total=total, options=options, frozen=True)


def ranking_for(round_: Round, *, limit: int | None = None, offset: int = 0) -> Ranking:
    """The frozen ranking of a closed round, the live one otherwise."""
    if round_.status == RoundStatus.CLOSED:
        return frozen_ranking(round_, limit=limit, offset=offset)
    return compute_ranking(round_, limit=limit, offset=offset)
