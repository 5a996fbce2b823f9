"""Every state-changing request without a valid CSRF token is refused: with CSRF protection on
(as in production), each POST endpoint of the URL map is posted to by a user it would otherwise
accept, without a token and with a forged one; the answer is 400 (or, for the judge's forms, a
redirect back to the form) and no row of any table changed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from awards.extensions import db
from tests.accounts.helpers import other_apps
from tests.conftest import IsolatedClient, login
from tests.reliability.test_access_matrix import STATIC_ENDPOINTS, audience, url_values
from tests.reliability.world import build_world

# The judge's forms send an expired form back to the entry page (with a flash saying nothing was
# saved, and the browser's copy of the text) instead of a bare 400 page: still refused.
BACK_TO_THE_FORM = {"judging.entry", "judging.declare_conflict"}

# The only posts that take no form token, and why: they act for nobody signed in. A vote waits
# for its e-mailed link, and a confirmation's link is its own secret (awards/votes/forms.py).
WITHOUT_FORM_TOKEN = {"votes.entry", "votes.confirm"}

# Whom to post as: the first of these the endpoint's audience admits.
PREFERRED = ("owner", "assigned_judge", "secretariat", "admin", "anonymous")


def everything() -> dict[str, list[tuple]]:
    """Every row of every table, to prove that nothing at all changed."""
    rows = {}
    for table in db.metadata.sorted_tables:
        rows[table.name] = sorted(
            (tuple(map(repr, row)) for row in db.session.execute(select(table))), key=repr
        )
    return rows


@pytest.fixture
def csrf_app(app):
    with other_apps(app) as build:
        yield build(WTF_CSRF_ENABLED=True)


@pytest.mark.parametrize("token", [None, "forged-token"])
def test_every_post_endpoint_refuses_a_missing_or_forged_csrf_token(app, csrf_app, storage, token):
    world = build_world()
    values = url_values(world)
    before = everything()
    checked, failures = 0, []
    for rule in sorted(csrf_app.url_map.iter_rules(), key=lambda r: r.endpoint):
        if (
            rule.endpoint in STATIC_ENDPOINTS
            or rule.endpoint in WITHOUT_FORM_TOKEN
            or "POST" not in rule.methods
        ):
            continue
        who = audience(rule.endpoint)
        kind = next((k for k in PREFERRED if k in who), "anonymous")
        client = IsolatedClient(csrf_app, csrf_app.response_class, use_cookies=True)
        user = world.user(kind)
        if user is not None:
            login(client, user)
        url = rule.build({a: values[a] for a in rule.arguments}, append_unknown=False)[1]
        data = {"title": "Changed", "reason": "x", "value": "1"}
        if token:
            data["csrf_token"] = token
        response = client.post(url, data=data)
        checked += 1
        if rule.endpoint in BACK_TO_THE_FORM:
            expected = f"/judging/rounds/{values['round_id']}/entries/{values['submission_id']}"
            if response.status_code == 302 and response.headers["Location"].startswith(expected):
                continue
        if response.status_code != 400:
            failures.append(f"{rule.endpoint} as {kind}: {response.status_code}")
    db.session.expire_all()
    assert failures == []
    assert checked > 60  # the whole map was walked
    assert everything() == before


def test_only_the_public_vote_takes_posts_without_a_form_token(csrf_app):
    exempt = csrf_app.extensions["csrf"]._exempt_views
    assert {
        endpoint
        for endpoint, view in csrf_app.view_functions.items()
        if f"{view.__module__}.{view.__name__}" in exempt
    } == WITHOUT_FORM_TOKEN
