"""The published results page for visitors without an account is rendered once per language
and version and then served from memory (results day); nobody else gets a cached page, and a
new publication or taking the results down shows at once."""

from __future__ import annotations

from datetime import timedelta

from flask import request
from sqlalchemy import update

from awards.db import frozen_clock, utcnow
from awards.models import Cycle, Submission, VoteCampaign
from awards.results import services
from awards.votes import services as vote_services
from tests.conftest import login
from tests.factories import ApplicantFactory
from tests.results.test_publication import award_cycle
from tests.votes.conftest import make_ballot, vote_and_confirm


def published(build, db):
    cycle, jury, staff = award_cycle(build, db)
    with frozen_clock(utcnow() + timedelta(hours=1)):
        services.publish_results(cycle, actor=staff)
    db.session.commit()
    return cycle.id, staff


def rename_bogota(db, title: str) -> None:
    """A change the cache cannot see: no new publication."""
    db.session.execute(
        update(Submission).where(Submission.title == "Bogotá initiative").values(title=title)
    )
    db.session.commit()


def test_anonymous_visitors_get_the_page_rendered_once_per_publication(build, db, client):
    cycle_id, staff = published(build, db)

    first = client.get("/results/gza6")
    rename_bogota(db, "Bogotá renamed")
    second = client.get("/results/gza6")

    assert first.status_code == second.status_code == 200
    assert first.data == second.data
    assert "Bogotá initiative" in second.get_data(as_text=True)  # served from memory
    assert second.headers["Cache-Control"] == "public, max-age=60"
    assert "Set-Cookie" not in second.headers
    assert "csrf" not in second.get_data(as_text=True)

    with frozen_clock(utcnow() + timedelta(hours=2)):
        services.publish_results(db.session.get(Cycle, cycle_id), actor=staff)
    db.session.commit()
    republished = client.get("/results/gza6").get_data(as_text=True)
    assert "Bogotá renamed" in republished
    assert "Bogotá initiative" not in republished


def test_a_kept_page_is_answered_before_any_other_request_hook(build, db, client, app):
    published(build, db)
    reached: list[str] = []

    def later_hook():  # where rate limits, sign-in and the like run
        reached.append(request.path)

    hooks = app.before_request_funcs.setdefault(None, [])
    hooks.append(later_hook)
    try:
        first = client.get("/results/gza6")
        second = client.get("/results/gza6")
    finally:
        hooks.remove(later_hook)

    assert first.data == second.data
    assert reached == ["/results/gza6"]
    assert second.headers["Cache-Control"] == "public, max-age=60"


def test_signed_in_visitors_always_get_a_fresh_page(build, db, client, login_as):
    published(build, db)
    assert "Bogotá initiative" in client.get("/results/gza6").get_data(as_text=True)
    rename_bogota(db, "Bogotá renamed")

    signed_in = login_as(ApplicantFactory())
    response = signed_in.get("/results/gza6")

    assert "Bogotá renamed" in response.get_data(as_text=True)
    assert "public" not in response.headers.get("Cache-Control", "")


def test_each_language_is_cached_on_its_own(build, db, client):
    published(build, db)
    english = client.get("/results/gza6").get_data(as_text=True)

    client.get("/language/es?next=/results/gza6")
    spanish = client.get("/results/gza6").get_data(as_text=True)

    assert '<html lang="en"' in english
    assert '<html lang="es"' in spanish
    assert "Saltar al contenido principal" in spanish
    assert "Saltar al contenido principal" not in english


def test_taking_the_results_down_shows_at_once(build, db, client, app):
    cycle_id, staff = published(build, db)
    assert client.get("/results/gza6").status_code == 200

    staff_client = app.test_client()  # the visitor's client stays anonymous
    login(staff_client, staff)
    done = staff_client.post(
        f"/secretariat/results/cycles/{cycle_id}/unpublish", data={"reason": "Wrong city name"}
    )

    assert done.status_code == 302
    assert client.get("/results/gza6").status_code == 404


def test_a_cache_of_zero_seconds_renders_every_time(build, db, client, app):
    published(build, db)
    cache = app.extensions["awards_page_cache"]
    ttl, cache.ttl_seconds = cache.ttl_seconds, 0
    try:
        client.get("/results/gza6")
        rename_bogota(db, "Bogotá renamed")
        assert "Bogotá renamed" in client.get("/results/gza6").get_data(as_text=True)
    finally:
        cache.ttl_seconds = ttl


def favourite_section(page: str) -> str:
    return page.split('id="section-favourite"', 1)[1]


def test_a_vote_result_changed_after_closing_shows_at_once(db, client, app):
    """Setting aside a batch of votes after the vote closed changes its winner: the cached page
    must not keep the old one."""
    ballot = make_ballot(db)
    kampala, xianning, _ = ballot.entries
    for n in range(2):
        vote_and_confirm(client, db, ballot, kampala, f"k{n}@bulk.example", ip=f"203.0.113.{n}")
    vote_and_confirm(client, db, ballot, xianning, "x@example.org", ip="192.0.2.1")
    campaign = db.session.get(VoteCampaign, ballot.campaign.id)
    vote_services.close_vote(campaign, actor=None)
    db.session.get(Cycle, ballot.cycle.id).results_published_at = utcnow()
    db.session.commit()
    path = f"/results/{ballot.cycle.slug}"
    visitor = app.test_client()  # who never voted: no session
    assert kampala.title in favourite_section(visitor.get(path).get_data(as_text=True))

    vote_services.invalidate_votes(campaign, email_domain="bulk.example", reason="Farm", actor=None)
    db.session.commit()

    favourite = favourite_section(visitor.get(path).get_data(as_text=True))
    assert xianning.title in favourite
    assert kampala.title not in favourite
