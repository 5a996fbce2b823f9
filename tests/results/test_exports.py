"""Exports open in openpyxl (and as CSV) with the expected rows and columns."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from awards.models import AssignmentStatus, ReviewStatus
from awards.results import services


def exported_round(build, db):
    cycle = build.cycle(slug="gza7")
    innovation = build.criterion(cycle, "Innovation", weight="2", low=1, high=5)
    impact = build.criterion(cycle, "Impact", low=0, high=10)
    round_ = build.round(cycle, [innovation, impact], select_limit=1, deserving_limit=0)
    ana, ben, cho = build.judge(name="Ana"), build.judge(name="Ben"), build.judge(name="Cho")
    quito = build.entry(
        cycle,
        reference="GZA7-0001",
        city="Quito",
        country="EC",
        region="Americas",
        title='=HYPERLINK("http://evil")',
        summary="Quito's plan",
    )
    vienna = build.entry(
        cycle,
        reference="GZA7-0002",
        city="Vienna",
        country="AT",
        region="Europe",
        title="Vienna housing",
        sdgs=[11, 1],
    )
    build.review(round_, ana, quito, [5, 10], comments=["Bold", "Clear"], overall="Excellent")
    build.review(round_, ben, quito, [3, 6], comments=["Fine", "Some data"])
    build.review(round_, ana, vienna, [2, 4])
    build.review(round_, ben, vienna, [1, 1], status=ReviewStatus.DRAFT)
    build.review(round_, cho, vienna, [5, 10], assignment_status=AssignmentStatus.RECUSED)
    return round_


def xlsx_rows(response):
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = load_workbook(io.BytesIO(response.data), read_only=True)
    sheet = workbook.worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_reviews_export_has_every_review_score_and_comment(build, db, login_as):
    round_ = exported_round(build, db)
    round_id = round_.id

    response = login_as(build.staff()).get(
        f"/secretariat/results/rounds/{round_id}/export/reviews.xlsx"
    )

    rows = xlsx_rows(response)
    assert rows[0] == [
        "Reference code",
        "Entry",
        "City",
        "Country",
        "Judge",
        "Judge e-mail",
        "Assignment",
        "Review",
        "Counted",
        "Submitted at (UTC)",
        "Total (0-100)",
        "Innovation: score",
        "Innovation: comment",
        "Impact: score",
        "Impact: comment",
        "Overall comment",
    ]
    assert len(rows) == 1 + 5
    quito_ana = rows[1]
    assert quito_ana[0] == "GZA7-0001"
    assert quito_ana[1] == '\'=HYPERLINK("http://evil")'  # stays text, never a formula
    assert quito_ana[2:5] == ["Quito", "Ecuador", "Ana"]
    assert quito_ana[6:9] == ["active", "submitted", "yes"]
    assert quito_ana[10] == 100.0
    assert quito_ana[11:16] == [5, "Bold", 10, "Clear", "Excellent"]
    # (2 * 2/4 + 6/10) / 3 * 100 = 53.33
    assert rows[2][4] == "Ben" and rows[2][10] == round(160 / 3, 4)
    by_judge = {row[4]: row for row in rows[3:]}
    assert by_judge["Ben"][7:9] == ["draft", "no"]
    assert by_judge["Cho"][6:9] == ["recused", "submitted", "no"]


def test_ranking_export_has_every_statistic(build, db, login_as):
    round_ = exported_round(build, db)
    round_id = round_.id

    response = login_as(build.staff()).get(
        f"/secretariat/results/rounds/{round_id}/export/ranking.csv"
    )

    assert response.status_code == 200
    assert (
        response.headers["Content-Disposition"] == 'attachment; filename="gza7-round1-ranking.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == [
        "Rank",
        "Reference code",
        "Entry",
        "Organisation",
        "City",
        "Country",
        "Region",
        "Reviews counted",
        "Mean (0-100)",
        "Corrected mean (0-100)",
        "Median",
        "Standard deviation",
        "Lowest total",
        "Highest total",
        "Disagreement",
        "Tied",
        "Innovation: mean score",
        "Impact: mean score",
        "Outcome",
        "Pre-selected outcome",
        "Reason for the change",
    ]
    assert len(rows) == 3
    first, second = rows[1], rows[2]
    assert first[:3] == ["1", "GZA7-0001", '\'=HYPERLINK("http://evil")']
    # Quito: totals 100 and 53.33 -> mean 76.6667, SD 32.9983;
    # Vienna: one counted total (2 * 1/4 + 4/10) / 3 = 30
    assert first[7:14] == ["2", "76.6667", "76.6667", "76.6667", "32.9983", "53.3333", "100.0"]
    assert first[14:18] == ["yes", "no", "4.0", "8.0"]
    assert second[1] == "GZA7-0002" and second[7:9] == ["1", "30.0"]
    assert second[11] == ""  # one review has no SD


def test_entries_export_has_metadata_and_closed_round_uses_the_frozen_entries(build, db, login_as):
    round_ = exported_round(build, db)
    round_id = round_.id
    staff = build.staff()
    services.preselect_from_ranking(round_, actor=staff)
    services.close_round(round_, actor=staff)
    db.session.commit()

    client = login_as(staff)
    rows = xlsx_rows(client.get(f"/secretariat/results/rounds/{round_id}/export/entries.xlsx"))
    ranking = xlsx_rows(client.get(f"/secretariat/results/rounds/{round_id}/export/ranking.xlsx"))

    assert rows[0][:8] == [
        "Reference code",
        "Title",
        "Organisation",
        "City",
        "Country code",
        "Country",
        "Region",
        "Population",
    ]
    assert len(rows[0]) == 17
    assert [row[0] for row in rows[1:]] == ["GZA7-0001", "GZA7-0002"]
    vienna = rows[2]
    assert vienna[3:7] == ["Vienna", "AT", "Austria", "Europe"]
    assert vienna[13] == "1, 11"
    assert [row[-3] for row in ranking[1:]] == ["shortlisted", "not selected"]


def test_unknown_export_is_404(build, db, login_as):
    round_ = exported_round(build, db)
    round_id = round_.id

    response = login_as(build.staff()).get(
        f"/secretariat/results/rounds/{round_id}/export/scores.pdf"
    )

    assert response.status_code == 404
