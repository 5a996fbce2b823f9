"""Charts for the secretariat, drawn on the server as SVG (no JavaScript library, no CDN; the
Content-Security-Policy allows only 'self', so colours are presentation attributes, never
inline styles). Each chart has a <title> and <desc> and the page shows its numbers as a table.
The data come from GROUP BY statements."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import func, select

from awards.accounts.models import Organisation
from awards.cycles.models import Criterion, Round, round_criteria
from awards.extensions import db
from awards.judging.models import Score
from awards.results.queries import entries_condition
from awards.results.ranking import JudgeStatistics, counted_reviews
from awards.submissions.models import Submission

BRAND = "#0b4f6c"
ACCENT = "#b85c00"
MUTED = "#6c757d"
GRID = "#dee2e6"
TEXT = "#212529"
FONT = 'font-family="system-ui, sans-serif" font-size="12"'


# ---------------------------------------------------------------------------------------------
# Data


@dataclass
class CriterionDistribution:
    criterion_id: int
    name: str
    scale_min: int
    scale_max: int
    counts: dict[int, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def mean(self) -> float | None:
        # From the grouped counts, not from the rows.
        total = self.total
        return sum(v * c for v, c in self.counts.items()) / total if total else None


def criterion_distributions(round_: Round) -> list[CriterionDistribution]:
    """How often each value of each criterion was given in counted reviews (one GROUP BY)."""
    criteria = db.session.scalars(
        select(Criterion)
        .join(round_criteria, round_criteria.c.criterion_id == Criterion.id)
        .where(round_criteria.c.round_id == round_.id)
        .order_by(Criterion.position, Criterion.id)
    ).all()
    distributions = {
        c.id: CriterionDistribution(c.id, c.name, c.scale_min, c.scale_max, {}) for c in criteria
    }
    counted = counted_reviews(round_)
    for criterion_id, value, count in db.session.execute(
        select(Score.criterion_id, Score.value, func.count())
        .select_from(counted)
        .join(Score, Score.review_id == counted.c.review_id)
        .where(Score.value.is_not(None), Score.criterion_id.in_(list(distributions)))
        .group_by(Score.criterion_id, Score.value)
    ):
        distributions[criterion_id].counts[value] = count
    return list(distributions.values())


def entries_by(round_: Round, column: str) -> list[tuple[str, int]]:
    """Entries of the round counted by the organisation's `region` or `country_code`."""
    key = {"region": Organisation.region, "country": Organisation.country_code}[column]
    rows = db.session.execute(
        select(key, func.count())
        .select_from(Submission)
        .join(Organisation, Organisation.id == Submission.organisation_id)
        .where(entries_condition(round_))
        .group_by(key)
        .order_by(func.count().desc(), key)
    ).all()
    return [(label or "", count) for label, count in rows]


# ---------------------------------------------------------------------------------------------
# Drawing


def _svg(width: int, height: int, title: str, desc: str, body: list[str], chart_id: str) -> Markup:
    # Every text drawn is escaped; the rest is our own numbers.
    return Markup(  # noqa: S704  # nosec B704
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" class="results-chart" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" {FONT}>'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>' + "".join(body) + "</svg>"
    )


def _text(x: float, y: float, text: str, anchor: str = "start", fill: str = TEXT) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}">{escape(text)}</text>'
    )


def judge_chart(judges: list[JudgeStatistics], round_mean: float | None) -> Markup:
    """One row per judge, harsh to lenient: the spread of their totals as ten shaded cells
    (darker = more totals in that band), a line from their lowest to highest total and a dot at
    their mean; a dashed line marks the round's mean."""
    left, right, row_h, top = 190, 20, 30, 30
    width = 700
    plot_w = width - left - right
    height = top + row_h * max(len(judges), 1) + 30

    def x(value: float) -> float:
        return left + plot_w * max(0.0, min(100.0, value)) / 100

    body: list[str] = []
    for tick in range(0, 101, 20):
        body.append(
            f'<line x1="{x(tick):.1f}" y1="{top - 6}" x2="{x(tick):.1f}" '
            f'y2="{height - 24}" stroke="{GRID}"/>'
        )
        body.append(_text(x(tick), height - 8, str(tick), "middle", MUTED))
    body.append(_text(left, 14, _("Totals on 0 to 100"), "start", MUTED))
    for index, judge in enumerate(judges):
        y0 = top + index * row_h
        most = max(judge.histogram) or 1
        for b, count in enumerate(judge.histogram):
            if count:
                opacity = 0.15 + 0.6 * count / most
                body.append(
                    f'<rect class="judge-bin" x="{x(b * 10):.1f}" y="{y0 + 4}" '
                    f'width="{plot_w / 10:.1f}" height="{row_h - 8}" fill="{BRAND}" '
                    f'fill-opacity="{opacity:.2f}"><title>{escape(judge.name)}: '
                    f"{b * 10}–{b * 10 + 10}: {count}</title></rect>"
                )
        mid = y0 + row_h / 2
        body.append(
            f'<line x1="{x(judge.min):.1f}" y1="{mid}" x2="{x(judge.max):.1f}" y2="{mid}" '
            f'stroke="{TEXT}" stroke-width="2"/>'
        )
        body.append(
            f'<circle class="judge-mean" cx="{x(judge.mean):.1f}" cy="{mid}" r="5" '
            f'fill="{ACCENT}" stroke="#fff"><title>{escape(judge.name)}: '
            f"{_('mean')} {judge.mean:.1f}</title></circle>"
        )
        label = f"{judge.name} ({judge.n_reviews})"
        body.append(_text(left - 8, mid + 4, label[:28], "end"))
    if round_mean is not None and judges:
        body.append(
            f'<line class="round-mean" x1="{x(round_mean):.1f}" y1="{top - 6}" '
            f'x2="{x(round_mean):.1f}" y2="{height - 24}" stroke="{ACCENT}" '
            f'stroke-dasharray="4 3"/>'
        )
    desc = _(
        "Each judge's totals from lowest to highest, with their mean as a dot; harsher judges "
        "are at the top. The dashed line is the round's mean."
    )
    return _svg(width, height, _("Distribution of each judge's totals"), desc, body, "judges")


def _bins(dist: CriterionDistribution) -> list[tuple[str, int]]:
    span = dist.scale_max - dist.scale_min
    if span <= 20:
        return [(str(v), dist.counts.get(v, 0)) for v in range(dist.scale_min, dist.scale_max + 1)]
    step = (span + 1) / 10
    bins = []
    for b in range(10):
        low = dist.scale_min + int(b * step)
        high = dist.scale_min + int((b + 1) * step) - 1
        count = sum(c for v, c in dist.counts.items() if low <= v <= high)
        bins.append((f"{low}–{high}", count))
    return bins


def criterion_chart(dist: CriterionDistribution, index: int) -> Markup:
    """A histogram of the values given on one criterion."""
    bins = _bins(dist)
    width, height, left, bottom, top = 320, 170, 30, 30, 20
    plot_w, plot_h = width - left - 10, height - top - bottom
    most = max((count for _label, count in bins), default=0) or 1
    bar_w = plot_w / max(len(bins), 1)
    body = [_text(left, 12, _("number of scores"), "start", MUTED)]
    body.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" '
        f'stroke="{GRID}"/>'
    )
    for b, (label, count) in enumerate(bins):
        h = plot_h * count / most
        bx = left + b * bar_w
        if count:
            body.append(
                f'<rect class="criterion-bar" x="{bx + 1:.1f}" y="{top + plot_h - h:.1f}" '
                f'width="{bar_w - 2:.1f}" height="{h:.1f}" fill="{BRAND}">'
                f"<title>{escape(label)}: {count}</title></rect>"
            )
        body.append(_text(bx + bar_w / 2, height - 12, label, "middle", MUTED))
    desc = _(
        "How many times each score from %(low)d to %(high)d was given on %(name)s.",
        low=dist.scale_min,
        high=dist.scale_max,
        name=dist.name,
    )
    return _svg(width, height, dist.name, desc, body, f"criterion-{index}")


def bar_chart(items: list[tuple[str, int]], title: str, chart_id: str) -> Markup:
    """Horizontal bars with their labels and counts."""
    left, right, row_h, top = 160, 50, 22, 8
    width = 560
    plot_w = width - left - right
    height = top + row_h * max(len(items), 1) + 8
    most = max((count for _label, count in items), default=0) or 1
    body: list[str] = []
    for index, (label, count) in enumerate(items):
        y0 = top + index * row_h
        w = plot_w * count / most
        body.append(
            f'<rect class="bar" x="{left}" y="{y0 + 3}" width="{w:.1f}" height="{row_h - 6}" '
            f'fill="{BRAND}"/>'
        )
        body.append(_text(left - 6, y0 + row_h / 2 + 4, label[:24], "end"))
        body.append(_text(left + w + 4, y0 + row_h / 2 + 4, str(count), "start", MUTED))
    desc = _("Number of entries for each label, largest first.")
    return _svg(width, height, title, desc, body, chart_id)


def round_mean(judges: list[JudgeStatistics]) -> float | None:
    total = sum(j.mean * j.n_reviews for j in judges)
    n = sum(j.n_reviews for j in judges)
    return total / n if n else None
