"""Confidentiality of scores: a known review (J1's, score 9, a unique comment and private notes)
must not appear on any page, export or JSON answer of the URL map for anyone but the
secretariat, and for another judge of the same entry only once the round allows it (after their
own review is submitted, in a round whose visibility is "after own")."""

from __future__ import annotations

import pytest

from awards.extensions import db
from awards.models import PanelMember, Review, ReviewStatus, Round, ScoreVisibility, Submission
from tests.conftest import login
from tests.factories import AssignmentFactory, JudgeFactory, ReviewFactory
from tests.reliability.test_access_matrix import STATIC_ENDPOINTS, client_for, url_values
from tests.reliability.world import REVIEW_COMMENT, USER_KINDS, build_world

PRIVATE_NOTES = "Note to self: ask about the pumps, zeta-41."
# The comment and notes are J1's own words; other judges' scores appear under this heading.
MARKERS = (REVIEW_COMMENT, PRIVATE_NOTES, 'id="others-title"')
OUTSIDERS = [k for k in USER_KINDS if k not in ("assigned_judge", "secretariat", "admin")]


def _pages(app, values):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
        if rule.endpoint in STATIC_ENDPOINTS or "GET" not in rule.methods:
            continue
        yield rule.endpoint, rule.build({a: values[a] for a in rule.arguments})[1]


def _shown(client, app, values) -> list[str]:
    shown = []
    for endpoint, url in _pages(app, values):
        body = client.get(url).get_data(as_text=True)
        if any(marker in body for marker in MARKERS):
            shown.append(endpoint)
    return shown


@pytest.fixture
def world(app, storage):
    world = build_world()
    review = db.session.get(Review, world.ids["review"])
    review.private_notes = PRIVATE_NOTES
    db.session.commit()
    return world


def test_the_review_is_shown_to_its_own_judge_and_no_outsider(app, world):
    values = url_values(world)
    assert "judging.entry" in _shown(client_for(app, world, "assigned_judge"), app, values)
    for kind in OUTSIDERS:
        assert _shown(client_for(app, world, kind), app, values) == [], kind


def _fellow_judge(world, *, submitted: bool):
    round_ = db.session.get(Round, world.ids["r1"])
    fellow = JudgeFactory()
    db.session.add(PanelMember(round_id=round_.id, user_id=fellow.id))
    entry = db.session.get(Submission, world.ids["s1"])
    assignment = AssignmentFactory(round=round_, judge=fellow, submission=entry)
    review = ReviewFactory(assignment=assignment, score=3)
    if not submitted:
        criteria = list(round_.criteria)  # loaded first: the query would flush a half-draft
        review.status, review.submitted_at = ReviewStatus.DRAFT, None
        review.store_weighted_total(criteria)  # a draft: no total, no values yet
    db.session.commit()
    return fellow


@pytest.mark.parametrize(
    ("visibility", "submitted"),
    [
        (ScoreVisibility.NEVER, False),
        (ScoreVisibility.NEVER, True),
        (ScoreVisibility.AFTER_OWN, False),
    ],
)
def test_a_fellow_judge_of_the_entry_never_sees_the_review_before_the_round_allows_it(
    app, world, visibility, submitted
):
    db.session.get(Round, world.ids["r1"]).score_visibility = visibility
    db.session.commit()
    fellow = _fellow_judge(world, submitted=submitted)
    client = app.test_client()
    login(client, fellow)
    values = url_values(world)
    entry = client.get(f"/judging/rounds/{values['round_id']}/entries/{values['submission_id']}")
    assert entry.status_code == 200  # the fellow judge does see the entry itself
    assert _shown(client, app, values) == []


def test_a_fellow_judge_sees_other_reviews_after_submitting_own_when_the_round_allows(app, world):
    """The counterpart that shows the check above can fail."""
    db.session.get(Round, world.ids["r1"]).score_visibility = ScoreVisibility.AFTER_OWN
    db.session.commit()
    fellow = _fellow_judge(world, submitted=True)
    client = app.test_client()
    login(client, fellow)
    shown = _shown(client, app, url_values(world))
    assert shown == ["judging.entry"]
