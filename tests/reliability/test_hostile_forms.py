"""Hostile input, property-based: the main forms receive very long, empty, Unicode,
control-character, HTML/script and SQL-looking values. Never a 500, never the script or tag
unescaped in the answer, and a refusal always carries a message next to a field or in an alert.
(max_examples is kept modest so the suite stays fast.)"""

from __future__ import annotations

import contextvars
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from awards.core.rate_limits import rate_limits
from awards.extensions import db
from awards.models import Review, Submission
from awards.submissions import services as submission_services
from tests.conftest import login
from tests.factories import PASSWORD, SubmittedEntryFactory
from tests.reliability.world import build_world
from tests.votes.conftest import make_ballot

SCRIPT = "<script>alert(1)</script>"
IMG = '<img src=x onerror="alert(1)">'
NASTY = [
    "",
    "   ",
    SCRIPT,
    IMG,
    "</textarea><script>alert(1)</script>",
    '"><svg onload=alert(1)>',
    "'; DROP TABLE users; --",
    "' OR '1'='1",
    "\x00",
    "a\x00b\x1f\x7fc",
    "\u202egnp.exe\u200b",
    "Ünïcödé 城市 🏙️ مدينة",
    "{{ 7*7 }} ${7*7} %s %n",
    "\r\n\r\nSet-Cookie: x=1",
    "x" * 20_000,
    "城" * 5_000,
]
hostile = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=200),
    st.builds(lambda a, b: a + SCRIPT + b, st.text(max_size=30), st.text(max_size=30)),
    st.text(min_size=1, max_size=20).map(lambda s: s * 600),
)
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_numbers = itertools.count()

ERROR_MARKERS = ("invalid-feedback", "alert-danger", "alert-warning", '"message"', '"errors"')


def check(response, value: str) -> None:
    assert response.status_code < 500, (response.status_code, value[:80])
    body = response.get_data(as_text=True)
    assert "<script>alert" not in body
    assert "<img src=x onerror" not in body
    assert "<svg onload" not in body
    if response.status_code >= 400:
        assert any(marker in body for marker in ERROR_MARKERS), (response.status_code, body[:500])


def fresh_client(app, user=None):
    client = app.test_client()
    if user is not None:
        contextvars.Context().run(login, client, user)
    return client


@pytest.fixture
def world(app, storage):
    return build_world()


@pytest.fixture
def request_ctx(app):
    ctx = app.test_request_context()
    ctx.push()
    yield
    ctx.pop()


@SETTINGS
@given(value=hostile, field=st.sampled_from(["name", "email", "password"]))
def test_registration_survives_hostile_values(app, db, value, field):
    rate_limits().reset()
    n = next(_numbers)
    data = {
        "name": "Ana",
        "email": f"hostile{n}@example.org",
        "password": PASSWORD,
        "confirm": PASSWORD,
    }
    data[field] = value
    if field == "password":
        data["confirm"] = value
    check(fresh_client(app).post("/register", data=data), value)


@SETTINGS
@given(value=hostile, field=st.sampled_from(["name", "city", "website", "population"]))
def test_organisation_form_survives_hostile_values(app, world, value, field):
    data = {
        "name": "City of Lagos",
        "level": "city",
        "country_code": "NG",
        "city": "Lagos",
        "population": "15000000",
        "website": "",
    }
    data[field] = value
    client = fresh_client(app, world.user("other_applicant"))
    check(client.post("/organisation", data=data), value)


def _draft(world) -> Submission:
    return db.session.get(Submission, world.ids["draft"])


@SETTINGS
@given(
    value=hostile,
    field=st.sampled_from(
        ["title", "summary", "umbrella_programme", "partners", "contacts-0-name"]
    ),
)
def test_application_step_one_survives_hostile_values(app, world, request_ctx, value, field):
    draft = _draft(world)
    submission_services.ensure_answer_rows(draft)
    db.session.commit()
    data = {
        "lock_version": str(draft.lock_version),
        "title": "Rooftop orchards",
        "umbrella_programme": "",
        "summary": "Fruit trees on flat roofs.",
        "start_date": "2022-03-01",
        "initiative_status": "ongoing",
        "end_date": "",
        "domains": [str(draft.cycle.domains[0].id)],
        "sdgs": ["11"],
        "contacts-0-name": "Ana",
        "contacts-0-role": "Director",
        "contacts-0-email": "ana@example.org",
        "contacts-0-phone": "",
        "partners": "",
    }
    data[field] = value
    client = fresh_client(app, world.user("owner"))
    check(client.post(f"/applications/{draft.id}/basic", data=data), value)


@SETTINGS
@given(value=hostile, as_json=st.booleans())
def test_section_save_survives_hostile_values(app, world, request_ctx, value, as_json):
    draft = _draft(world)
    submission_services.ensure_answer_rows(draft)
    db.session.commit()
    answer = draft.answers[0]
    sid = answer.section_id
    data = {f"s{sid}-body": value, f"s{sid}-version": str(answer.version)}
    client = fresh_client(app, world.user("owner"))
    headers = {"Accept": "application/json"} if as_json else {}
    response = client.post(f"/applications/{draft.id}/sections/{sid}", data=data, headers=headers)
    check(response, value)


@SETTINGS
@given(
    value=hostile,
    field=st.sampled_from(["overall_comment", "private_notes", "comment", "score"]),
    action=st.sampled_from(["save", "submit"]),
)
def test_scoring_form_survives_hostile_values(app, world, value, field, action):
    review = db.session.get(Review, world.ids["review"])
    criteria = review.assignment.round.criteria
    data = {"lock_version": str(review.lock_version), "action": action}
    for criterion in criteria:
        data[f"score_{criterion.id}"] = "7"
        data[f"comment_{criterion.id}"] = "Solid."
    if field in ("comment", "score"):
        data[f"{field}_{criteria[0].id}"] = value
    else:
        data[field] = value
    client = fresh_client(app, world.user("assigned_judge"))
    url = f"/judging/rounds/{world.ids['r1']}/entries/{world.ids['s1']}"
    check(client.post(url, data=data), value)


@SETTINGS
@given(value=hostile)
def test_screening_invalid_reason_survives_hostile_values(app, world, value):
    entry = SubmittedEntryFactory(cycle_id=world.ids["cycle_a"])
    client = fresh_client(app, world.user("secretariat"))
    response = client.post(f"/secretariat/screening/{entry.id}/invalid", data={"reason": value})
    check(response, value)


@pytest.fixture
def ballot(app, db):
    return make_ballot(db)


@SETTINGS
@given(value=hostile, field=st.sampled_from(["email", "website"]))
def test_vote_form_survives_hostile_values(app, ballot, value, field):
    rate_limits().reset()
    data = {"email": f"voter{next(_numbers)}@example.org", "website": ""}
    data[field] = value
    entry = ballot.entries[0]
    response = fresh_client(app).post(f"/vote/{ballot.cycle.slug}/entry/{entry.id}", data=data)
    check(response, value)


def test_nul_characters_never_reach_a_form_or_a_query(app):
    with app.test_request_context("/?q=a%00b", method="POST", data={"na\x00me": "c\x00d"}):
        from flask import request

        assert request.args["q"] == "ab"
        assert request.form["name"] == "cd"
