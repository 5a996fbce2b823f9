"""Exports of a round for the secretariat: every review with every criterion score and comment,
the ranking with all its statistics, and the entries with their metadata; as CSV or Excel.

Each table is one SQL statement (the per-criterion columns are a pivot by conditional
aggregation). Text that a spreadsheet would run as a formula is neutralised.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, select

from awards.accounts.models import Organisation, User
from awards.accounts.regions import country_name
from awards.cycles.models import Criterion, Domain, Round, RoundStatus, round_criteria
from awards.extensions import db
from awards.judging.models import Assignment, Review, Score
from awards.judging.queries import counted_review_clause
from awards.results.models import FrozenRanking
from awards.results.queries import entries_condition
from awards.results.ranking import compute_ranking, frozen_ranking, review_totals
from awards.results.services import outcome_label
from awards.submissions.models import Submission, submission_domains

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Characters an .xlsx file cannot hold (openpyxl refuses them).
ILLEGAL_XLSX = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list]


def round_criteria_list(round_: Round) -> list[Criterion]:
    return list(
        db.session.scalars(
            select(Criterion)
            .join(round_criteria, round_criteria.c.criterion_id == Criterion.id)
            .where(round_criteria.c.round_id == round_.id)
            .order_by(Criterion.position, Criterion.id)
        )
    )


def _round2(value):
    return None if value is None else round(float(value), 4)


def reviews_table(round_: Round) -> Table:
    """Every review of the round (drafts and recused ones too, marked as not counted)."""
    criteria = round_criteria_list(round_)
    pivot_columns = []
    for criterion in criteria:
        pivot_columns.append(
            func.max(case((Score.criterion_id == criterion.id, Score.value))).label(
                f"v{criterion.id}"
            )
        )
        pivot_columns.append(
            func.max(case((Score.criterion_id == criterion.id, Score.comment))).label(
                f"c{criterion.id}"
            )
        )
    pivot = (
        select(Score.review_id, *pivot_columns)
        .join(Review, Review.id == Score.review_id)
        .where(Review.round_id == round_.id)
        .group_by(Score.review_id)
        .subquery("pivot")
    )
    all_reviews = (
        select(
            Review.id.label("review_id"),
            Review.judge_id.label("judge_id"),
            Review.submission_id.label("submission_id"),
        )
        .where(Review.round_id == round_.id)
        .cte("round_reviews")
    )
    totals = review_totals(round_, all_reviews)
    counted = and_(counted_review_clause(), entries_condition(round_))
    statement = (
        select(
            Submission.reference_code,
            Submission.title,
            Organisation.city,
            Organisation.country_code,
            User.name.label("judge"),
            User.email.label("judge_email"),
            Assignment.status.label("assignment_status"),
            Review.status.label("review_status"),
            case((counted, 1), else_=0).label("counted"),
            Review.submitted_at,
            totals.c.total,
            *[pivot.c[f"{kind}{c.id}"] for c in criteria for kind in ("v", "c")],
            Review.overall_comment,
        )
        .select_from(Review)
        .join(Assignment, Assignment.id == Review.assignment_id)
        .join(Submission, Submission.id == Review.submission_id)
        .join(Organisation, Organisation.id == Submission.organisation_id)
        .join(User, User.id == Review.judge_id)
        .outerjoin(pivot, pivot.c.review_id == Review.id)
        .outerjoin(totals, totals.c.review_id == Review.id)
        .where(Review.round_id == round_.id)
        .order_by(Submission.reference_code, User.name, Review.id)
    )
    header = [
        _("Reference code"),
        _("Entry"),
        _("City"),
        _("Country"),
        _("Judge"),
        _("Judge e-mail"),
        _("Assignment"),
        _("Review"),
        _("Counted"),
        _("Submitted at (UTC)"),
        _("Total (0-100)"),
    ]
    for criterion in criteria:
        header += [
            _("%(name)s: score", name=criterion.name),
            _("%(name)s: comment", name=criterion.name),
        ]
    header.append(_("Overall comment"))
    rows = []
    for row in db.session.execute(statement):
        values = list(row)
        values[3] = country_name(values[3])
        values[6] = str(values[6].value if hasattr(values[6], "value") else values[6])
        values[7] = str(values[7].value if hasattr(values[7], "value") else values[7])
        values[8] = _("yes") if values[8] else _("no")
        values[10] = _round2(values[10])
        rows.append(values)
    return Table(_("Reviews"), header, rows)


def ranking_table(round_: Round) -> Table:
    """The round's ranking with every statistic: frozen for a closed round, live otherwise."""
    criteria = round_criteria_list(round_)
    if round_.status == RoundStatus.CLOSED:
        ranking = frozen_ranking(round_)
    else:
        ranking = compute_ranking(round_)
    header = [
        _("Rank"),
        _("Reference code"),
        _("Entry"),
        _("Organisation"),
        _("City"),
        _("Country"),
        _("Region"),
        _("Reviews counted"),
        _("Mean (0-100)"),
        _("Corrected mean (0-100)"),
        _("Median"),
        _("Standard deviation"),
        _("Lowest total"),
        _("Highest total"),
        _("Disagreement"),
        _("Tied"),
    ]
    header += [_("%(name)s: mean score", name=c.name) for c in criteria]
    header += [_("Outcome"), _("Pre-selected outcome"), _("Reason for the change")]
    rows = []
    for line in ranking.rows:
        rows.append(
            [
                line.rank,
                line.reference_code,
                line.title,
                line.organisation,
                line.city,
                country_name(line.country_code),
                line.region,
                line.n_reviews,
                _round2(line.mean),
                _round2(line.corrected_mean),
                _round2(line.median),
                _round2(line.sd),
                _round2(line.min),
                _round2(line.max),
                _("yes") if line.disagreement else _("no"),
                _("yes") if line.tied else _("no"),
                *[_round2(line.criteria.get(c.id)) for c in criteria],
                outcome_label(line.outcome),
                outcome_label(line.preselected_outcome),
                line.reason,
            ]
        )
    return Table(_("Ranking"), header, rows)


def entries_table(round_: Round) -> Table:
    """The round's entries with their metadata (for a closed round, the entries it ranked)."""
    if round_.status == RoundStatus.CLOSED:
        where = Submission.id.in_(
            select(FrozenRanking.submission_id).where(FrozenRanking.round_id == round_.id)
        )
    else:
        where = entries_condition(round_)
    statement = (
        select(
            Submission.id,
            Submission.reference_code,
            Submission.title,
            Organisation.name,
            Organisation.city,
            Organisation.country_code,
            Organisation.region,
            Organisation.population,
            Organisation.level,
            Submission.initiative_status,
            Submission.start_date,
            Submission.end_date,
            Submission.sdgs,
            Submission.status,
            Submission.first_submitted_at,
            Submission.summary,
        )
        .join(Organisation, Organisation.id == Submission.organisation_id)
        .where(where)
        .order_by(Submission.reference_code)
    )
    records = db.session.execute(statement).all()
    domains: dict[int, list[str]] = {}
    for submission_id, name in db.session.execute(
        select(submission_domains.c.submission_id, Domain.name)
        .join(Domain, Domain.id == submission_domains.c.domain_id)
        .join(Submission, Submission.id == submission_domains.c.submission_id)
        .where(where)
        .order_by(Domain.position, Domain.name)
    ):
        domains.setdefault(submission_id, []).append(name)
    header = [
        _("Reference code"),
        _("Title"),
        _("Organisation"),
        _("City"),
        _("Country code"),
        _("Country"),
        _("Region"),
        _("Population"),
        _("Level of government"),
        _("Initiative status"),
        _("Start date"),
        _("End date"),
        _("Domains"),
        _("SDGs"),
        _("Status"),
        _("First submitted at (UTC)"),
        _("Summary"),
    ]
    rows = []
    for r in records:
        rows.append(
            [
                r.reference_code,
                r.title,
                r.name,
                r.city,
                r.country_code,
                country_name(r.country_code),
                r.region,
                r.population,
                _enum(r.level),
                _enum(r.initiative_status),
                r.start_date,
                r.end_date,
                "; ".join(domains.get(r.id, [])),
                ", ".join(str(n) for n in sorted(r.sdgs or [])),
                _enum(r.status),
                r.first_submitted_at,
                r.summary,
            ]
        )
    return Table(_("Entries"), header, rows)


def _enum(value) -> str:
    if value is None:
        return ""
    return str(getattr(value, "value", value))


EXPORTS = {"reviews": reviews_table, "ranking": ranking_table, "entries": entries_table}


# ---------------------------------------------------------------------------------------------
# Writers


def _safe_text(value: str) -> str:
    # A title like "=HYPERLINK(...)" must stay text in a spreadsheet.
    return "'" + value if value.startswith(FORMULA_START) else value


def _cell(value, *, for_xlsx: bool):
    if value is None:
        return None if for_xlsx else ""
    if isinstance(value, bool):
        return value
    if isinstance(value, datetime):
        utc = value.replace(tzinfo=None)
        return utc if for_xlsx else utc.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value if for_xlsx else value.isoformat()
    if isinstance(value, int | float):
        return value
    text = _safe_text(str(value))
    return ILLEGAL_XLSX.sub("", text) if for_xlsx else text


def to_csv(table: Table) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_safe_text(h) for h in table.header])
    for row in table.rows:
        writer.writerow([_cell(v, for_xlsx=False) for v in row])
    # With a byte-order mark, Excel opens UTF-8 (Bogotá, São Paulo) correctly.
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(table: Table) -> bytes:
    from openpyxl import Workbook  # here: only exports need it, and it pulls in NumPy

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=table.title[:31])
    sheet.append([_safe_text(h) for h in table.header])
    for row in table.rows:
        sheet.append([_cell(v, for_xlsx=True) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
