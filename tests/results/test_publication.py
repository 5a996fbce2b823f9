"""Publication: exactly the recognised entries, without scores, and nothing before."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from awards.db import frozen_clock, utcnow
from awards.errors import DomainError
from awards.models import AuditEvent, Cycle, RoundKind
from awards.results import services
from awards.results.queries import entries_for_round
from tests.factories import ApplicantFactory, JudgeFactory


def award_cycle(build, db):
    """Committee: Bogotá and Chalandri shortlisted, Kampala deserving, Tehran not selected.
    Jury (open): Bogotá scores above Chalandri."""
    cycle = build.cycle(name="6th Guangzhou Award", slug="gza6")
    quality = build.criterion(cycle, "Quality", low=0, high=10)
    committee = build.round(cycle, [quality], select_limit=2, deserving_limit=1)
    judge = build.judge()
    for value, (city, country) in zip(
        [9, 8, 7, 3],
        [("Bogotá", "CO"), ("Chalandri", "GR"), ("Kampala", "UG"), ("Tehran", "IR")],
        strict=True,
    ):
        entry = build.entry(
            cycle,
            city=city,
            country=country,
            title=f"{city} initiative",
            summary=f"How {city} changed.",
        )
        build.review(committee, judge, entry, [value])
    staff = build.staff()
    services.preselect_from_ranking(committee, actor=staff)
    services.close_round(committee, actor=staff)
    jury = build.round(cycle, [quality], kind=RoundKind.JURY, position=2, select_limit=1)
    jury_judge = build.judge()
    bogota, chalandri = sorted(entries_for_round(jury), key=lambda s: s.title)
    build.review(jury, jury_judge, bogota, [10])
    build.review(jury, jury_judge, chalandri, [6])
    services.preselect_from_ranking(jury, actor=staff)
    db.session.commit()
    return cycle, jury, staff


def test_nothing_is_public_before_publication(build, db, client):
    award_cycle(build, db)

    page = client.get("/results/gza6")
    api = client.get("/api/v1/cycles/gza6/results")

    assert page.status_code == 404
    assert api.status_code == 404
    assert api.get_json() == {
        "error": "Page not found",
        "message": "The address may be mistyped, or the page no longer exists.",
        "status": 404,
    }
    assert "Bogotá" not in page.get_data(as_text=True)


@pytest.mark.parametrize("role", ["anonymous", "applicant", "judge"])
def test_staff_results_pages_are_closed_to_everyone_else(build, db, client, login_as, role):
    cycle, jury, _staff = award_cycle(build, db)
    round_id, cycle_id = jury.id, cycle.id
    if role == "applicant":
        login_as(ApplicantFactory())
    elif role == "judge":
        login_as(JudgeFactory())
    urls = [
        "/secretariat/results/",
        f"/secretariat/results/rounds/{round_id}",
        f"/secretariat/results/rounds/{round_id}/charts",
        f"/secretariat/results/rounds/{round_id}/notifications",
        f"/secretariat/results/rounds/{round_id}/export/ranking.csv",
        f"/secretariat/results/rounds/{round_id}/export/reviews.xlsx",
    ]
    for url in urls:
        response = client.get(url)
        if role == "anonymous":
            assert response.status_code == 302, url
            assert "/login" in response.headers["Location"]
        else:
            assert response.status_code == 403, url
    response = client.post(f"/secretariat/results/cycles/{cycle_id}/publish")
    assert response.status_code in (302, 400, 403)
    assert db.session.get(Cycle, cycle_id).results_published_at is None


def test_publishing_needs_a_closed_round(build, db):
    cycle = build.cycle()

    with pytest.raises(DomainError, match="Close a round before publishing its results."):
        services.publish_results(cycle, actor=build.staff())


def test_published_shortlist_shows_recognised_entries_without_scores(
    build, db, login_as, other_client
):
    cycle, _jury, staff = award_cycle(build, db)
    cycle_id = cycle.id

    response = login_as(staff).post(f"/secretariat/results/cycles/{cycle_id}/publish")
    assert response.status_code == 302

    html = other_client.get("/results/gza6").get_data(as_text=True)
    body = other_client.get("/api/v1/cycles/gza6/results").get_json()

    assert "Shortlisted initiatives" in html and "Deserving initiatives" in html
    assert "Bogotá initiative" in html and "How Bogotá changed." in html
    assert "Colombia" in html and "Greece" in html and "Uganda" in html
    assert "Tehran" not in html  # not selected is never public
    assert "Winners" not in html  # the jury round is still open
    assert "90.0" not in html and "corrected" not in html.lower()
    assert body["cycle"]["slug"] == "gza6"
    assert body["winners"] == [] and body["medal_of_honor"] == []
    assert body["shortlisted"] == [
        {
            "title": "Bogotá initiative",
            "summary": "How Bogotá changed.",
            "city": "Bogotá",
            "country_code": "CO",
            "country": "Colombia",
            "shortlisted": True,
        },
        {
            "title": "Chalandri initiative",
            "summary": "How Chalandri changed.",
            "city": "Chalandri",
            "country_code": "GR",
            "country": "Greece",
            "shortlisted": True,
        },
    ]
    assert [e["city"] for e in body["deserving"]] == ["Kampala"]
    assert body["deserving"][0]["shortlisted"] is False
    assert body["city_of_your_choice"] is None
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "cycle.results_published")
    )
    assert event.before == {"results_published_at": None}
    assert event.after["results_published_at"] is not None


def test_jury_results_stay_hidden_until_published_again(build, db, client):
    cycle, jury, staff = award_cycle(build, db)
    cycle_id = cycle.id
    with frozen_clock(utcnow() + timedelta(hours=1)):
        services.publish_results(cycle, actor=staff)
    with frozen_clock(utcnow() + timedelta(hours=2)):
        services.close_round(jury, actor=staff)
    db.session.commit()

    before = client.get("/api/v1/cycles/gza6/results").get_json()
    with frozen_clock(utcnow() + timedelta(hours=3)):
        services.publish_results(db.session.get(Cycle, cycle_id), actor=build.staff())
    db.session.commit()
    after = client.get("/api/v1/cycles/gza6/results").get_json()
    html = client.get("/results/gza6").get_data(as_text=True)

    assert [e["city"] for e in before["shortlisted"]] == ["Bogotá", "Chalandri"]
    assert before["winners"] == []
    assert [e["city"] for e in after["winners"]] == ["Bogotá"]
    assert [e["city"] for e in after["medal_of_honor"]] == ["Chalandri"]
    assert after["shortlisted"] == []
    assert after["winners"][0]["shortlisted"] is True
    assert [e["city"] for e in after["deserving"]] == ["Kampala"]
    assert "Winners" in html and "Medal of Honor" in html


def test_taking_results_down_needs_a_reason_and_hides_them(build, db, client, login_as):
    cycle, _jury, staff = award_cycle(build, db)
    services.publish_results(cycle, actor=staff)
    db.session.commit()
    cycle_id = cycle.id
    staff_client = login_as(staff)

    refused = staff_client.post(
        f"/secretariat/results/cycles/{cycle_id}/unpublish", data={"reason": ""}
    )
    assert refused.status_code == 422
    assert "Say why." in refused.get_data(as_text=True)
    done = staff_client.post(
        f"/secretariat/results/cycles/{cycle_id}/unpublish", data={"reason": "Wrong city name"}
    )
    assert done.status_code == 302

    assert client.get("/results/gza6").status_code == 404
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "cycle.results_unpublished")
    )
    assert event.message == "Wrong city name"


def test_public_page_query_count_does_not_grow_with_entries(build, db, client, count_queries):
    def publish_with(n_entries, slug):
        cycle = build.cycle(slug=slug)
        quality = build.criterion(cycle, "Quality", low=0, high=10)
        round_ = build.round(cycle, [quality], select_limit=n_entries, deserving_limit=0)
        judge = build.judge()
        for _ in range(n_entries):
            build.review(round_, judge, build.entry(cycle), [5])
        staff = build.staff()
        services.preselect_from_ranking(round_, actor=staff)
        services.close_round(round_, actor=staff)
        services.publish_results(round_.cycle, actor=staff)
        db.session.commit()

    publish_with(2, "small")
    publish_with(12, "large")

    with count_queries() as small:
        assert client.get("/results/small").status_code == 200
    with count_queries() as large:
        response = client.get("/results/large")
    assert response.status_code == 200
    assert response.get_data(as_text=True).count('class="card h-100"') == 12
    assert len(large) == len(small) <= 4
