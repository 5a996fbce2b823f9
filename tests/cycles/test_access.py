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
def test_judges_and_applicants_get_403_on_every_secretariat_page(app, client, login_as, db,
                                                                  make_user):
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
    for label, href in [("Cycles", "/secretariat/"), ("Screening", "/secretariat/screening/"),
                        ("Judges", "/secretariat/people")]:
        assert f'href="{href}">{label}</a>' in page
    client.get("/logout")
    judge_page = login_as(JudgeFactory()).get("/judging/").get_data(as_text=True)
    assert "/secretariat/screening/" not in judge_page
