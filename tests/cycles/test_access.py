"""Every secretariat page refuses judges and applicants (403) and sends strangers to sign in."""

import pytest

from tests.factories import ApplicantFactory, CycleFactory, JudgeFactory, RoundFactory

SECRETARIAT_BLUEPRINTS = ("cycles", "screening", "rounds_admin")


def _secretariat_urls(app):
    values = {"kind": "sections"}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] not in SECRETARIAT_BLUEPRINTS:
            continue
        args = {name: values.get(name, 1) for name in rule.arguments}
        url = rule.build(args, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, url


def test_every_secretariat_view_is_for_staff_only(app):
    from awards.accounts.permissions import ACCESS_ATTRIBUTE

    endpoints = {e for e, _m, _u in _secretariat_urls(app)}
    assert len(endpoints) > 40
    for endpoint in endpoints:
        view = app.view_functions[endpoint]
        assert getattr(view, ACCESS_ATTRIBUTE) == ("secretariat", "admin"), endpoint


@pytest.mark.parametrize("make_user", [JudgeFactory, ApplicantFactory], ids=["judge", "applicant"])
def test_judges_and_applicants_get_403_on_every_secretariat_page(
    app, client, login_as, db, make_user
):
    RoundFactory(cycle=CycleFactory())  # so that id 1 exists for cycles and rounds
    login_as(make_user())
    checked = 0
    for endpoint, method, url in _secretariat_urls(app):
        response = client.open(url, method=method)
        assert response.status_code == 403, (endpoint, method, url, response.status_code)
        checked += 1
    assert checked > 50


def test_strangers_are_sent_to_sign_in(app, client, db):
    for endpoint, method, url in _secretariat_urls(app):
        response = client.open(url, method=method)
        assert response.status_code == 302, (endpoint, method)
        assert "/login" in response.headers["Location"]


def test_navigation_shows_secretariat_pages_to_staff_only(client, login_as, db, staff):
    page = login_as(staff).get("/secretariat/").get_data(as_text=True)
    for label, href in [
        ("Cycles", "/secretariat/"),
        ("Screening", "/secretariat/screening/"),
        ("Judges", "/secretariat/people"),
    ]:
        assert f'href="{href}">{label}</a>' in page
    client.get("/logout")
    judge_page = login_as(JudgeFactory()).get("/judging/").get_data(as_text=True)
    assert "/secretariat/screening/" not in judge_page


def test_every_secretariat_page_renders_for_staff(app, as_staff, db, cycle):
    """Each GET page of the control room, with real objects behind every id."""
    from tests.factories import (
        AssignmentFactory,
        PanelMemberFactory,
        SubmittedEntryFactory,
    )

    round_ = RoundFactory(cycle=cycle)
    judge = PanelMemberFactory(round=round_, user=JudgeFactory()).user
    entry = SubmittedEntryFactory(cycle=cycle)
    other = SubmittedEntryFactory(cycle=cycle)
    AssignmentFactory(round=round_, judge=judge, submission=entry)
    ids = {
        "cycle_id": cycle.id,
        "section_id": cycle.sections[0].id,
        "criterion_id": cycle.criteria[0].id,
        "round_id": round_.id,
        "user_id": judge.id,
        "submission_id": entry.id,
        "other_id": other.id,
    }
    rendered = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] not in SECRETARIAT_BLUEPRINTS or "GET" not in rule.methods:
            continue
        url = rule.build({name: ids[name] for name in rule.arguments}, append_unknown=False)[1]
        response = as_staff.get(url)
        assert response.status_code == 200, (rule.endpoint, url, response.status_code)
        assert "<main" in response.get_data(as_text=True)
        rendered += 1
    assert rendered >= 20
