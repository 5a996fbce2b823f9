"""A round's statistics, computed in SQL.

Counted reviews: `Review.status == submitted` and the review's assignment still `active`
(recused or removed judges never count), for the entries the round judges.

Per review, the judge's weighted total rescaled to 0..100 whatever the criteria's scales:

    total = 100 * sum(w_c * (score_c - min_c) / (max_c - min_c)) / sum(w_c)

over the round's criteria the judge scored. Per entry: number of counted reviews, mean, median,
sample standard deviation (n - 1), minimum and maximum of the totals, and the mean of each
criterion on its own scale.

Judge severity: each total becomes a z-score against its judge's own mean and sample SD of
totals in the round, and is mapped back onto the raw scale with the round's mean and sample SD
of all totals (`round_mean + z * round_sd`); the entry's corrected mean is the mean of those.
A judge with fewer than `Round.severity_min_reviews` counted reviews, or who gives every entry
the same total (SD 0), keeps raw totals. The raw mean is always shown next to it.

Everything is aggregates and window functions in one statement (CTEs), on PostgreSQL and on
SQLite >= 3.30 alike: SQLite has no STDDEV or MEDIAN, so the SD comes from the average of
squared deviations (two passes via window means, no cancellation) and the median from
ROW_NUMBER and COUNT over each entry's totals.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import Float, Select, and_, case, cast, func, literal, or_, select

from awards.accounts.models import Organisation, User
from awards.cycles.models import Criterion, Round, RoundStatus, round_criteria
from awards.extensions import db
from awards.judging.models import (
    Assignment,
    AssignmentStatus,
    Review,
    ReviewStatus,
    Score,
)
from awards.results.models import (
    DEFAULT_DISAGREEMENT_THRESHOLD,
    DEFAULT_RANK_BY,
    DEFAULT_TIE_BREAK,
    Decision,
    FrozenRanking,
    Outcome,
    RankBy,
)
from awards.results.queries import entries_condition, ranking_settings
from awards.results.sql import rounded
from awards.submissions.models import Submission

PLACES = 6  # statistics are compared after rounding to this many decimals
SD_EPSILON = 1e-9  # below this a judge's SD counts as zero (every total the same)

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


def counted_reviews(round_: Round, entries=None):
    """CTE of the counted reviews of the round: review_id, judge_id, submission_id.

    `entries` is the round's entries_condition when the caller already has it."""
    entries = entries_condition(round_) if entries is None else entries
    return (
        select(
            Review.id.label("review_id"),
            Review.judge_id.label("judge_id"),
            Review.submission_id.label("submission_id"),
        )
        .join(Assignment, Assignment.id == Review.assignment_id)
        .join(Submission, Submission.id == Review.submission_id)
        .where(
            Review.round_id == round_.id,
            Review.status == ReviewStatus.SUBMITTED,
            Assignment.status == AssignmentStatus.ACTIVE,
            entries,
        )
        .cte("counted_reviews")
    )


def _total_expression():
    weight = cast(Criterion.weight, Float)
    share = cast(Score.value - Score.scale_min, Float) / cast(
        Score.scale_max - Score.scale_min, Float
    )
    return literal(100.0, Float) * func.sum(weight * share) / func.sum(weight)


def review_totals(round_: Round, reviews):
    """CTE: each review of `reviews` (a CTE with review_id, judge_id, submission_id) with its
    weighted total on 0..100 over the round's criteria it scored."""
    return (
        select(
            reviews.c.review_id,
            reviews.c.judge_id,
            reviews.c.submission_id,
            _total_expression().label("total"),
        )
        .select_from(reviews)
        .join(Score, Score.review_id == reviews.c.review_id)
        .join(
            round_criteria,
            and_(
                round_criteria.c.criterion_id == Score.criterion_id,
                round_criteria.c.round_id == round_.id,
            ),
        )
        .join(Criterion, Criterion.id == Score.criterion_id)
        .where(Score.value.is_not(None))
        .group_by(reviews.c.review_id, reviews.c.judge_id, reviews.c.submission_id)
        .cte("review_totals")
    )


def _sample_sd(sum_of_squares, n):
    return func.sqrt(sum_of_squares / func.nullif(n - 1, 0))


def corrected_totals(round_: Round, options: RankingOptions, entries=None):
    """CTE: every counted total with its judge's statistics and its severity-corrected value."""
    totals = review_totals(round_, counted_reviews(round_, entries))
    t = totals.c
    first = (
        select(
            t.review_id,
            t.judge_id,
            t.submission_id,
            t.total,
            func.avg(t.total).over(partition_by=t.judge_id).label("judge_mean"),
            func.count().over(partition_by=t.judge_id).label("judge_n"),
            func.avg(t.total).over().label("round_mean"),
            func.count().over().label("round_n"),
        )
    ).cte("totals_with_means")
    f = first.c
    judge_dev = f.total - f.judge_mean
    round_dev = f.total - f.round_mean
    second = (
        select(
            f.review_id,
            f.judge_id,
            f.submission_id,
            f.total,
            f.judge_mean,
            f.judge_n,
            f.round_mean,
            _sample_sd(
                func.sum(judge_dev * judge_dev).over(partition_by=f.judge_id), f.judge_n
            ).label("judge_sd"),
            _sample_sd(func.sum(round_dev * round_dev).over(), f.round_n).label("round_sd"),
        )
    ).cte("totals_with_spread")
    s = second.c
    calibrated = and_(s.judge_n >= options.severity_min_reviews, s.judge_sd > SD_EPSILON)
    corrected = case(
        (
            calibrated,
            s.round_mean + (s.total - s.judge_mean) / s.judge_sd * func.coalesce(s.round_sd, 0.0),
        ),
        else_=s.total,
    )
    return select(
        s.review_id,
        s.judge_id,
        s.submission_id,
        s.total,
        s.judge_mean,
        s.judge_n,
        s.judge_sd,
        s.round_mean,
        s.round_sd,
        case((calibrated, 1), else_=0).label("calibrated"),
        corrected.label("corrected"),
    ).cte("corrected_totals")


def entry_statistics(round_: Round, options: RankingOptions, entries=None):
    """CTE: one row per entry with counted reviews: n_reviews, mean, corrected_mean, median,
    sd, min, max (all on 0..100)."""
    corrected = corrected_totals(round_, options, entries)
    c = corrected.c
    positioned = (
        select(
            c.submission_id,
            c.total,
            c.corrected,
            func.row_number()
            .over(partition_by=c.submission_id, order_by=(c.total, c.review_id))
            .label("position"),
            func.count().over(partition_by=c.submission_id).label("entry_n"),
            func.avg(c.total).over(partition_by=c.submission_id).label("entry_mean"),
        )
    ).cte("positioned_totals")
    p = positioned.c
    deviation = p.total - p.entry_mean
    middle = or_(p.position == (p.entry_n + 1) // 2, p.position == (p.entry_n + 2) // 2)
    return (
        select(
            p.submission_id,
            func.count().label("n_reviews"),
            rounded(func.avg(p.total), PLACES).label("mean"),
            rounded(func.avg(p.corrected), PLACES).label("corrected_mean"),
            rounded(func.avg(case((middle, p.total))), PLACES).label("median"),
            rounded(_sample_sd(func.sum(deviation * deviation), func.count()), PLACES).label("sd"),
            rounded(func.min(p.total), PLACES).label("min"),
            rounded(func.max(p.total), PLACES).label("max"),
        )
        .group_by(p.submission_id)
        .cte("entry_statistics")
    )


def ranking_statement(round_: Round, options: RankingOptions) -> Select:
    """Every entry of the round (reviewed or not) with its statistics, decision and rank."""
    entries = entries_condition(round_)
    stats = entry_statistics(round_, options, entries)
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


def _row(row) -> RankingRow:
    key = _float(row.key)
    tied = key is not None and (_float(row.previous_key) == key or _float(row.next_key) == key)
    return RankingRow(
        rank=row.rank,
        submission_id=row.submission_id,
        reference_code=row.reference_code or "",
        title=row.title,
        organisation=row.organisation,
        city=row.city,
        country_code=row.country_code,
        region=row.region,
        n_reviews=row.n_reviews,
        mean=_float(row.mean),
        corrected_mean=_float(row.corrected_mean),
        median=_float(row.median),
        sd=_float(row.sd),
        min=_float(row.min),
        max=_float(row.max),
        disagreement=bool(row.disagreement),
        tied=tied,
        outcome=Outcome(row.outcome) if row.outcome else None,
        preselected_outcome=Outcome(row.preselected_outcome) if row.preselected_outcome else None,
        reason=row.reason or "",
        decision_status=row.decision_status,
    )


@dataclass
class Ranking:
    rows: list[RankingRow]
    total: int
    options: RankingOptions
    frozen: bool = False


def compute_ranking(
    round_: Round,
    options: RankingOptions | None = None,
    *,
    limit: int | None = None,
    offset: int = 0,
    with_criteria: bool = True,
) -> Ranking:
    """The live ranking of a round (a page of it with `limit`/`offset`), in two statements: the
    ranking itself and the per-criterion means of the rows returned."""
    options = options or options_for(round_)
    ranked = ranking_statement(round_, options).subquery("ranking")
    statement = select(ranked).order_by(ranked.c.rank)
    if limit is not None:
        statement = statement.limit(limit).offset(offset)
    result = db.session.execute(statement).all()
    rows = [_row(row) for row in result]
    total = result[0].total_entries if result else _count_entries(round_)
    if with_criteria and rows:
        ids = [row.submission_id for row in rows] if limit is not None else None
        means = criterion_means(round_, ids)
        for row in rows:
            row.criteria = means.get(row.submission_id, {})
    return Ranking(rows=rows, total=int(total), options=options)


def _count_entries(round_: Round) -> int:
    return int(
        db.session.scalar(
            select(func.count()).select_from(Submission).where(entries_condition(round_))
        )
        or 0
    )


def criterion_means(
    round_: Round, submission_ids: list[int] | None = None
) -> dict[int, dict[int, float | None]]:
    """{submission_id: {criterion_id: mean score on the criterion's own scale}} over counted
    reviews, for the given entries (all when None)."""
    counted = counted_reviews(round_)
    statement = (
        select(
            counted.c.submission_id,
            Score.criterion_id,
            rounded(func.avg(cast(Score.value, Float)), PLACES).label("mean"),
        )
        .select_from(counted)
        .join(Score, Score.review_id == counted.c.review_id)
        .join(
            round_criteria,
            and_(
                round_criteria.c.criterion_id == Score.criterion_id,
                round_criteria.c.round_id == round_.id,
            ),
        )
        .where(Score.value.is_not(None))
        .group_by(counted.c.submission_id, Score.criterion_id)
    )
    if submission_ids is not None:
        statement = statement.where(counted.c.submission_id.in_(submission_ids))
    means: dict[int, dict[int, float | None]] = {}
    for submission_id, criterion_id, mean in db.session.execute(statement):
        means.setdefault(submission_id, {})[criterion_id] = _float(mean)
    return means


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
    of their totals: two GROUP BY statements."""
    options = options or options_for(round_)
    entries = entries_condition(round_)
    corrected = corrected_totals(round_, options, entries)
    c = corrected.c
    rows = db.session.execute(
        select(
            c.judge_id,
            User.name,
            func.count().label("n"),
            rounded(func.avg(c.total), PLACES).label("mean"),
            rounded(func.max(c.judge_sd), PLACES).label("sd"),
            rounded(func.min(c.total), PLACES).label("min"),
            rounded(func.max(c.total), PLACES).label("max"),
            func.max(c.calibrated).label("calibrated"),
        )
        .join(User, User.id == c.judge_id)
        .group_by(c.judge_id, User.name)
        .order_by(func.avg(c.total), User.name)
    ).all()
    judges = {
        row.judge_id: JudgeStatistics(
            judge_id=row.judge_id,
            name=row.name,
            n_reviews=row.n,
            mean=_float(row.mean) or 0.0,
            sd=_float(row.sd),
            min=_float(row.min) or 0.0,
            max=_float(row.max) or 0.0,
            calibrated=bool(row.calibrated),
        )
        for row in rows
    }
    totals = review_totals(round_, counted_reviews(round_, entries))
    # Bins of ten points (90..100 closed at the top), as comparisons: portable, no FLOOR.
    bin_ = case(*[(totals.c.total >= 10 * k, k) for k in range(9, 0, -1)], else_=0)
    for judge_id, bin_index, count in db.session.execute(
        select(totals.c.judge_id, bin_.label("bin"), func.count()).group_by(totals.c.judge_id, bin_)
    ):
        judges[judge_id].histogram[int(bin_index)] = count
    return list(judges.values())


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
