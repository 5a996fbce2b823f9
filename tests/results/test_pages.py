"""The secretariat's results pages: ranking, settings, decisions, closing, charts."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from sqlalchemy import select

from awards.models import Decision, Outcome, Round, RoundStatus
from awards.results import services
from tests.results.test_publication import award_cycle

SVG = "{http://www.w3.org/2000/svg}"


def parse_svg(markup: str):
    return ET.fromstring(markup)  # noqa: S314  (our own server's SVG, in a test)


def ranked_round(build, db, n_entries=3, **round_kwargs):
    cycle = build.cycle(name="7th Guangzhou Award")
    quality = build.criterion(cycle, "Quality", low=0, high=10)
    context = build.criterion(cycle, "Context", low=1, high=5)
    round_kwargs.setdefault("select_limit", 1)
    round_kwargs.setdefault("deserving_limit", 1)
    round_ = build.round(cycle, [quality, context], **round_kwargs)
    one, two = build.judge(name="Ana Harsh"), build.judge(name="Ben Kind")
    countries = [("Bogotá", "CO", "Americas"), ("Kazan", "RU", "Europe"), ("Jakarta", "ID", "Asia")]
    for index in range(n_entries):
        city, country, region = countries[index % 3]
        entry = build.entry(
            cycle,
            reference=f"{cycle.reference_prefix}-R-{index + 1:02d}",
            city=city,
            country=country,
            region=region,
        )
        build.review(round_, one, entry, [max(0, 9 - index), 3])
        build.review(round_, two, entry, [max(0, 8 - index) if index else 1, 4])
    return round_


def test_ranking_page_shows_statistics_order_and_disagreement(build, db, login_as):
    round_ = ranked_round(build, db)
    round_id = round_.id

    response = login_as(build.staff()).get(f"/secretariat/results/rounds/{round_id}")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert (
        "Ranked by corrected mean; ties broken by median, then more reviews, then reference code."
        in html
    )
    # totals (9/10 + 2/4) / 2 = 70 and (1/10 + 3/4) / 2 = 42.5 -> SD 19.4 > 15
    assert html.count("Judges disagree: discuss first") == 1
    assert "56.2" in html  # R-01's mean (70 + 42.5) / 2 = 56.25
    assert "Bogotá, Colombia" in html
    assert 'href="/secretariat/results/"' in html  # the navigation entry


def test_ranking_page_query_count_does_not_grow_with_entries(build, db, login_as, count_queries):
    small = ranked_round(build, db, 3)
    large = ranked_round(build, db, 30)
    small_id, large_id = small.id, large.id
    for round_ in (small, large):
        services.preselect_from_ranking(round_, actor=build.staff())
    db.session.commit()
    client = login_as(build.staff())

    with count_queries() as few:
        assert client.get(f"/secretariat/results/rounds/{small_id}").status_code == 200
    with count_queries() as many:
        response = client.get(f"/secretariat/results/rounds/{large_id}")

    assert response.status_code == 200
    assert response.get_data(as_text=True).count('href="/secretariat/results/rounds/') >= 30
    # PostgreSQL also gets the ranking's SET LOCAL work_mem (awards/results/ranking.py).
    session_settings = 1 if db.engine.dialect.name == "postgresql" else 0
    assert len(many) == len(few) <= 12 + session_settings


def test_invalid_settings_rerender_with_the_message_and_the_values(build, db, login_as):
    round_ = ranked_round(build, db)
    round_id = round_.id

    response = login_as(build.staff()).post(
        f"/secretariat/results/rounds/{round_id}/settings",
        data={
            "rank_by": "mean",
            "tie_break_1": "median",
            "tie_break_2": "median",
            "tie_break_3": "",
            "disagreement_threshold": "12.5",
        },
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Each tie-breaker can appear only once, after the ranking column." in html
    assert re.search(r'<option selected value="mean">|<option value="mean" selected>', html)
    assert 'value="12.50"' in html or 'value="12.5"' in html


def test_settings_saved_change_the_stated_order(build, db, login_as):
    round_ = ranked_round(build, db)
    round_id = round_.id
    client = login_as(build.staff())

    response = client.post(
        f"/secretariat/results/rounds/{round_id}/settings",
        data={
            "rank_by": "mean",
            "tie_break_1": "sd",
            "tie_break_2": "",
            "tie_break_3": "",
            "disagreement_threshold": "40",
        },
    )

    assert response.status_code == 302
    html = client.get(f"/secretariat/results/rounds/{round_id}").get_data(as_text=True)
    assert (
        "Ranked by raw mean; ties broken by less disagreement (lower SD), then reference code."
        in html
    )
    assert "Judges disagree" not in html


def test_decision_change_without_reason_shows_the_message_next_to_the_field(build, db, login_as):
    round_ = ranked_round(build, db)
    round_id = round_.id
    staff = build.staff()
    services.preselect_from_ranking(round_, actor=staff)
    db.session.commit()
    submission_id = db.session.scalar(
        select(Decision.submission_id).where(Decision.outcome == Outcome.NOT_SELECTED)
    )
    client = login_as(staff)
    url = f"/secretariat/results/rounds/{round_id}/decisions/{submission_id}"

    refused = client.post(url, data={"outcome": "deserving", "reason": ""})
    full = client.post(url, data={"outcome": "shortlisted", "reason": "Context"})
    done = client.post(url, data={"outcome": "not_selected", "reason": ""})

    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert (
        'id="reason-error" class="invalid-feedback d-block">Say why this entry&#39;s outcome '
        "differs from the ranking.</div>" in html
    )
    assert re.search(
        r'<option selected value="deserving">|<option value="deserving" selected>', html
    )
    assert full.status_code == 422
    assert "may give at most 1 entries the outcome “shortlisted”" in full.get_data(as_text=True)
    assert done.status_code == 302


def test_close_through_the_page_freezes_and_hides_the_controls(build, db, login_as):
    round_ = ranked_round(build, db)
    round_id = round_.id
    staff = build.staff()
    client = login_as(staff)

    refused = client.post(f"/secretariat/results/rounds/{round_id}/close")
    assert refused.status_code == 422
    assert "3 entries have no decision yet." in refused.get_data(as_text=True)
    assert client.post(f"/secretariat/results/rounds/{round_id}/preselect").status_code == 302
    assert client.post(f"/secretariat/results/rounds/{round_id}/close").status_code == 302

    assert db.session.get(Round, round_id).status == RoundStatus.CLOSED
    html = client.get(f"/secretariat/results/rounds/{round_id}").get_data(as_text=True)
    assert "The ranking below is the one frozen when it closed" in html
    assert "Close and freeze the round" not in html and "Pre-select" not in html
    submission_id = db.session.scalar(select(Decision.submission_id).limit(1))
    frozen = client.post(
        f"/secretariat/results/rounds/{round_id}/decisions/{submission_id}",
        data={"outcome": "deserving", "reason": "late change"},
    )
    assert frozen.status_code == 422
    assert "This round is closed: its decisions are frozen." in frozen.get_data(as_text=True)


def test_charts_are_server_side_svg_without_scripts_or_inline_styles(build, db, login_as):
    round_ = ranked_round(build, db, 4)
    round_id = round_.id

    response = login_as(build.staff()).get(f"/secretariat/results/rounds/{round_id}/charts")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    svgs = re.findall(r"<svg.*?</svg>", html, flags=re.S)
    assert len(svgs) == 5  # judges, two criteria, regions, countries
    judges = parse_svg(svgs[0])
    assert judges.find(f"{SVG}title").text == "Distribution of each judge's totals"
    means = judges.findall(f".//{SVG}circle")
    assert [c.find(f"{SVG}title").text.split(":")[0] for c in means] == ["Ben Kind", "Ana Harsh"]
    quality = parse_svg(svgs[1])
    bars = {r.find(f"{SVG}title").text for r in quality.findall(f".//{SVG}rect")}
    # Ana gave 9, 8, 7, 6; Ben 1, 7, 6, 5
    assert bars == {"1: 1", "5: 1", "6: 2", "7: 2", "8: 1", "9: 1"}
    regions = parse_svg(svgs[3])
    labels = [t.text for t in regions.findall(f"{SVG}text")]
    assert labels[:2] == ["Americas", "2"]
    assert "style=" not in html.split("<main", 1)[1]
    assert "<script" not in html.split("<main", 1)[1].split("</main>")[0]


def test_results_index_lists_cycles_rounds_and_publication(build, db, login_as):
    round_ = ranked_round(build, db)
    round_id = round_.id

    html = login_as(build.staff()).get("/secretariat/results/").get_data(as_text=True)

    assert "7th Guangzhou Award" in html
    assert f'href="/secretariat/results/rounds/{round_id}"' in html
    assert "Not published" in html


def test_decision_counts_keep_the_capitals_of_the_medal_of_honor(build, db, login_as):
    _cycle, jury, staff = award_cycle(build, db)  # pre-selected: one winner, one Medal
    jury_id = jury.id

    html = login_as(staff).get(f"/secretariat/results/rounds/{jury_id}").get_data(as_text=True)

    assert "<li>Winner: <strong>1</strong> / 1</li>" in html
    assert "<li>Medal of Honor: <strong>1</strong></li>" in html
    assert "Medal of honor" not in html


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(one: str, two: str) -> float:
    light, dark = sorted((_luminance(one), _luminance(two)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_buttons_in_the_results_card_headers_meet_wcag_aa_contrast(build, db, login_as):
    cycle, _jury, staff = award_cycle(build, db)
    services.publish_results(cycle, actor=staff)
    db.session.commit()
    css = (Path(__file__).parents[2] / "awards" / "static" / "css" / "app.css").read_text()
    card_header_tint = "#f8f8f9"  # Bootstrap's 3 % of the body colour over white

    html = login_as(staff).get("/secretariat/results/").get_data(as_text=True)

    header = html.split('class="card-header', 1)[1].split("</div>\n  </div>", 1)[0]
    for variant, label in [("secondary", "Public page"), ("danger", "Take down")]:
        assert re.search(rf'class="btn btn-sm btn-outline-{variant}"[^>]*>{label}</a>', header)
        colour = re.search(
            rf"\.card-header \.btn-outline-{variant} {{ --bs-btn-color: (#[0-9a-f]{{6}}); }}", css
        ).group(1)
        assert contrast(colour, card_header_tint) >= 4.5, variant
    # Bootstrap's own shades, which axe found short on the tint:
    assert contrast("#6c757d", card_header_tint) < 4.5
    assert contrast("#dc3545", card_header_tint) < 4.5
