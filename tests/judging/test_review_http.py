"""The scoring form over HTTP: the journey, each bad input with its message next to the field
and nothing typed lost, autosave, concurrency and the expired session."""

import re
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import select

from awards.core.models import AuditEvent
from awards.db import frozen_clock
from awards.judging.queries import review_for
from awards.judging.services import comment_field, score_field
from awards.models import Review, ReviewStatus
from tests.factories import PASSWORD
from tests.judging.scoring_setup import checked_score, form_data, make_setting, textarea


def text_of(response) -> str:
    return unescape(response.get_data(as_text=True))


def error_next_to(html: str, field_id: str) -> str:
    match = re.search(rf'id="{field_id}-error"[^>]*>([^<]*)<', html)
    assert match, f"no error shown next to {field_id}"
    return match.group(1).strip()


def test_entry_page_shows_rubric_scale_and_empty_form(client, login_as, db):
    setting = make_setting()
    login_as(setting.judge)
    response = client.get(setting.entry_url())
    assert response.status_code == 200
    html = text_of(response)
    submission = setting.submissions[0]
    assert f"{submission.reference_code} · {submission.title}" in html
    for criterion in setting.criteria:
        assert criterion.rubric in html
        assert f'name="{score_field(criterion.id)}"' in html
        assert f'id="{score_field(criterion.id)}-10"' in html
        assert f'id="{score_field(criterion.id)}-11"' not in html
    assert "Submit review" in html and "Save and next" in html
    assert 'data-autosave="on"' in html


def test_judge_saves_draft_then_submits_then_changes_over_http(client, login_as, db):
    setting = make_setting()
    login_as(setting.judge)
    url = setting.entry_url()
    response = client.post(
        url, data=form_data(setting, [5, None, 8], comments="first thoughts", notes="mine")
    )
    assert response.status_code == 302
    assert response.headers["Location"] == url
    page = text_of(client.get(url))
    assert "Your draft is saved." in page
    assert "Draft saved at" in page
    review = db.session.scalar(select(Review))
    assert review.status == ReviewStatus.DRAFT
    assert review.private_notes == "mine"

    response = client.post(
        url, data=form_data(setting, [5, 6, 8], comments="done", version=1, action="submit")
    )
    assert response.status_code == 302
    assert "Your review is submitted. Thank you." in text_of(client.get(url))
    db.session.expire_all()
    review = db.session.scalar(select(Review))
    assert review.status == ReviewStatus.SUBMITTED
    assert sorted(s.value for s in review.scores) == [5, 6, 8]

    response = client.post(url, data=form_data(setting, [5, 7, 8], comments="done", version=2))
    assert response.status_code == 302
    page = text_of(client.get(url))
    assert "The changes to your submitted review are saved." in page
    assert "Save changes" in page and "Submit review" not in page
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.subject_type == "reviews")
    ).all()
    assert actions == ["review.started", "review.submitted", "review.changed"]


def test_score_outside_scale_is_shown_next_to_the_field_and_text_kept(client, login_as, db):
    setting = make_setting()
    c1 = setting.criteria[0]
    login_as(setting.judge)
    response = client.post(
        setting.entry_url(),
        data=form_data(setting, [11, 4, 4], comments="keep this comment", overall="overall kept"),
    )
    assert response.status_code == 422
    html = text_of(response)
    assert error_next_to(html, score_field(c1.id)) == f"Choose a score from 1 to 10 for {c1.name}."
    assert textarea(html, comment_field(c1.id)) == "keep this comment"
    assert textarea(html, "overall_comment") == "overall kept"
    assert checked_score(html, score_field(setting.criteria[1].id)) == "4"
    assert checked_score(html, score_field(c1.id)) is None
    assert db.session.scalars(select(Review)).all() == []


def test_score_that_is_not_a_number_is_refused(client, login_as, db):
    setting = make_setting()
    c1 = setting.criteria[0]
    login_as(setting.judge)
    response = client.post(setting.entry_url(), data=form_data(setting, ["seven", 4, 4]))
    assert response.status_code == 422
    assert error_next_to(text_of(response), score_field(c1.id)) == (
        f"Choose a score from 1 to 10 for {c1.name}."
    )
    assert db.session.scalars(select(Review)).all() == []


def test_submit_with_missing_score_marks_the_field(client, login_as, db):
    setting = make_setting()
    c2 = setting.criteria[1]
    login_as(setting.judge)
    response = client.post(
        setting.entry_url(),
        data=form_data(setting, [5, None, 5], comments="typed", action="submit"),
    )
    assert response.status_code == 422
    html = text_of(response)
    assert error_next_to(html, score_field(c2.id)) == (
        f"Give a score for {c2.name} before submitting."
    )
    assert textarea(html, comment_field(c2.id)) == "typed"
    assert db.session.scalars(select(Review)).all() == []


def test_submit_with_missing_required_comment_marks_the_comment(client, login_as, db):
    setting = make_setting(comment_required=True)
    c3 = setting.criteria[2]
    login_as(setting.judge)
    response = client.post(
        setting.entry_url(),
        data=form_data(setting, 6, comments=["one", "two", ""], action="submit"),
    )
    assert response.status_code == 422
    html = text_of(response)
    assert error_next_to(html, comment_field(c3.id)) == (
        f"This round asks for a comment on each criterion: add one for {c3.name}."
    )
    c1, c2 = setting.criteria[:2]
    assert textarea(html, comment_field(c1.id)) == "one"
    assert textarea(html, comment_field(c2.id)) == "two"
    assert db.session.scalars(select(Review)).all() == []


def test_submit_after_round_closed_shows_message_and_keeps_text(client, login_as, db):
    setting = make_setting(closes_in=timedelta(hours=2))
    login_as(setting.judge)
    with frozen_clock(setting.round.closes_at + timedelta(minutes=1)):
        response = client.post(
            setting.entry_url(),
            data=form_data(setting, 8, comments="late but written", action="submit"),
        )
        assert response.status_code == 422
        html = text_of(response)
        assert "This round is closed: reviews are read-only now. Nothing was saved." in html
        assert textarea(html, comment_field(setting.criteria[0].id)) == "late but written"
        assert "Submit review" not in html  # read-only: no buttons
        assert '<fieldset class="judge-fields" disabled>' in html
        assert db.session.scalars(select(Review)).all() == []
        page = client.get(setting.entry_url())
        assert page.status_code == 200
        assert "This round is closed: your review is read-only." in text_of(page)


def test_submitted_review_is_read_only_after_the_round_closes(client, login_as, db):
    setting = make_setting(closes_in=timedelta(hours=2))
    login_as(setting.judge)
    client.post(setting.entry_url(), data=form_data(setting, 6, action="submit"))
    with frozen_clock(setting.round.closes_at):
        response = client.post(setting.entry_url(), data=form_data(setting, 9, version=1))
        assert response.status_code == 422
        response = client.post(
            setting.entry_url() + "/autosave", data=form_data(setting, 9, version=1)
        )
        assert response.status_code == 409
    db.session.expire_all()
    assert {s.value for s in db.session.scalar(select(Review)).scores} == {6}


def test_stale_form_from_second_tab_is_told_and_text_shown_back(client, login_as, db):
    setting = make_setting()
    login_as(setting.judge)
    url = setting.entry_url()
    client.post(url, data=form_data(setting, 5, overall="first"))  # version 1
    # Tab A saves version 1 -> 2; tab B still holds version 1.
    client.post(url, data=form_data(setting, 6, overall="from tab A", version=1))
    response = client.post(url, data=form_data(setting, 9, overall="from tab B", version=1))
    assert response.status_code == 409
    html = text_of(response)
    assert "saved from another tab or window after you opened this page" in html
    assert textarea(html, "overall_comment") == "from tab B"  # what this tab typed
    assert "What is saved now (from the other tab)" in html
    assert "from tab A" in html
    assert 'name="lock_version" type="hidden" value="2"' in html
    db.session.expire_all()
    review = db.session.scalar(select(Review))
    assert review.overall_comment == "from tab A"
    assert {s.value for s in review.scores} == {6}

    # Saving again from the warned tab is a deliberate choice: it goes through.
    response = client.post(url, data=form_data(setting, 9, overall="from tab B", version=2))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(Review)).overall_comment == "from tab B"


def test_autosave_saves_draft_and_answers_json(client, login_as, db):
    setting = make_setting()
    login_as(setting.judge)
    response = client.post(
        setting.entry_url() + "/autosave", data=form_data(setting, [3, None, None], notes="n")
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["ok"] is True
    assert body["lock_version"] == 1
    assert body["message"].startswith("Draft saved at ")
    review = db.session.scalar(select(Review))
    assert review.status == ReviewStatus.DRAFT
    assert body["saved_at"] == review.updated_at.isoformat()

    response = client.post(
        setting.entry_url() + "/autosave", data=form_data(setting, [3, 4, None], version=1)
    )
    assert response.get_json()["lock_version"] == 2


def test_autosave_refuses_out_of_scale_and_stale_versions(client, login_as, db):
    setting = make_setting()
    c1 = setting.criteria[0]
    login_as(setting.judge)
    url = setting.entry_url() + "/autosave"
    response = client.post(url, data=form_data(setting, [0, 5, 5]))
    assert response.status_code == 422
    assert response.get_json()["errors"] == {
        score_field(c1.id): f"Choose a score from 1 to 10 for {c1.name}."
    }
    client.post(url, data=form_data(setting, 5))
    response = client.post(url, data=form_data(setting, 6, version=0))
    assert response.status_code == 409
    assert response.get_json()["stale"] is True


def test_autosave_does_not_touch_a_submitted_review(client, login_as, db):
    setting = make_setting()
    login_as(setting.judge)
    client.post(setting.entry_url(), data=form_data(setting, 6, action="submit"))
    response = client.post(setting.entry_url() + "/autosave", data=form_data(setting, 1, version=1))
    assert response.status_code == 409
    assert "not saved automatically" in response.get_json()["message"]
    page = text_of(client.get(setting.entry_url()))
    assert 'data-autosave="off"' in page


def test_expired_session_keeps_the_draft_and_sign_in_returns_to_the_form(app, db):
    setting = make_setting()
    url = setting.entry_url()
    first = app.test_client()
    first.post("/login", data={"email": setting.judge.email, "password": PASSWORD, "next": ""})
    response = first.post(url + "/autosave", data=form_data(setting, [4, 5, None], overall="half"))
    assert response.status_code == 200

    # The session is gone (cookie expired, browser closed): a fresh client, same judge.
    later = app.test_client()
    response = later.post(url, data=form_data(setting, [4, 5, 6], overall="more", version=1))
    assert response.status_code == 302
    login_location = response.headers["Location"]
    assert login_location.startswith("/login?next=")
    assert db.session.scalar(select(Review)).overall_comment == "half"  # nothing lost or changed

    next_target = login_location.split("next=", 1)[1].replace("%2F", "/")
    response = later.post(
        "/login", data={"email": setting.judge.email, "password": PASSWORD, "next": next_target}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == url
    page = later.get(url)
    html = text_of(page)
    assert textarea(html, "overall_comment") == "half"
    assert checked_score(html, score_field(setting.criteria[1].id)) == "5"
    assert checked_score(html, score_field(setting.criteria[2].id)) == ""
    assert 'data-form-state="saved"' in html


def test_expired_session_with_csrf_on_goes_back_to_sign_in_with_the_form_as_target(app, db):
    setting = make_setting()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = app.test_client()
        response = client.post(setting.entry_url(), data=form_data(setting, 5))
        assert response.status_code == 302
        assert response.headers["Location"] == f"/login?next={setting.entry_url()}"
        page = client.get(response.headers["Location"])
        assert "Your session expired. Your last saved draft is kept" in text_of(page)
        response = client.post(setting.entry_url() + "/autosave", data=form_data(setting, 5))
        assert response.status_code == 401
        assert response.get_json()["signed_out"] is True
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_save_and_next_goes_to_next_unscored_entry_in_judge_order(client, login_as, db):
    from awards.judging.queries import judge_round_order

    setting = make_setting(entries=4)
    login_as(setting.judge)
    order = judge_round_order(setting.judge.id, setting.round.id)
    first, second, third, fourth = (e.submission_id for e in order)
    by_id = {i: i for i in setting.submission_ids}
    # The third is already submitted: "next" from the second skips it.
    client.post(setting.entry_url(by_id[third]), data=form_data(setting, 5, action="submit"))
    save_next = form_data(setting, 5, action="next")
    response = client.post(setting.entry_url(by_id[first]), data=save_next)
    assert response.headers["Location"] == setting.entry_url(by_id[second])
    response = client.post(setting.entry_url(by_id[second]), data=save_next)
    assert response.headers["Location"] == setting.entry_url(by_id[fourth])
    # From the last one it wraps round to the first, still a draft.
    response = client.post(setting.entry_url(by_id[fourth]), data=save_next)
    assert response.headers["Location"] == setting.entry_url(by_id[first])


def test_save_and_next_from_the_last_unscored_entry_returns_to_the_dashboard(client, login_as, db):
    setting = make_setting(entries=1)
    login_as(setting.judge)
    response = client.post(setting.entry_url(), data=form_data(setting, 5, action="next"))
    assert response.headers["Location"] == "/judging/"
    assert "That was the last entry you had not submitted in this round." in text_of(
        client.get("/judging/")
    )


def test_judge_on_two_rounds_sees_separate_forms(client, login_as, db):
    from tests.factories import AssignmentFactory, OpenRoundFactory, PanelMemberFactory

    setting = make_setting()
    jury = OpenRoundFactory(cycle=setting.cycle, position=2, name="Jury")
    PanelMemberFactory(round=jury, user=setting.judge)
    AssignmentFactory(round=jury, judge=setting.judge, submission=setting.submissions[0])
    jury = jury.id
    login_as(setting.judge)
    client.post(setting.entry_url(), data=form_data(setting, 3, overall="committee view"))
    page = text_of(client.get(setting.entry_url(round_=jury)))
    assert "committee view" not in page
    client.post(setting.entry_url(round_=jury), data=form_data(setting, 9, overall="jury view"))
    assert textarea(text_of(client.get(setting.entry_url())), "overall_comment") == (
        "committee view"
    )
    jury_page = text_of(client.get(setting.entry_url(round_=jury)))
    assert textarea(jury_page, "overall_comment") == "jury view"
    reviews = db.session.scalars(select(Review).order_by(Review.round_id)).all()
    assert [(r.round_id, r.overall_comment) for r in reviews] == [
        (setting.round.id, "committee view"),
        (jury, "jury view"),
    ]


@pytest.mark.parametrize("action", ["save", "submit", "next"])
def test_each_button_of_a_fresh_form_creates_only_one_review(client, login_as, db, action):
    setting = make_setting()
    login_as(setting.judge)
    client.post(setting.entry_url(), data=form_data(setting, 5, action=action))
    assert len(db.session.scalars(select(Review)).all()) == 1
    assert review_for(setting.assignment()) is not None


def test_autosave_and_form_work_with_csrf_protection_on(app, db):
    from tests.conftest import login

    setting = make_setting()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = app.test_client()
        login(client, setting.judge)
        page = client.get(setting.entry_url()).get_data(as_text=True)
        token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
        data = form_data(setting, 4) | {"csrf_token": token}
        response = client.post(
            setting.entry_url() + "/autosave", data=data, headers={"X-CSRFToken": token}
        )
        assert response.status_code == 200
        assert response.get_json()["lock_version"] == 1
        response = client.post(setting.entry_url(), data=form_data(setting, 5, version=1))
        assert response.status_code == 302  # no token: told the page expired, back to the form
        assert response.headers["Location"] == setting.entry_url()
        assert "This page had expired, so nothing was saved from it." in text_of(
            client.get(setting.entry_url())
        )
        response = client.post(
            setting.entry_url(), data=form_data(setting, 5, version=1) | {"csrf_token": token}
        )
        assert response.status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    db.session.expire_all()
    assert {s.value for s in db.session.scalar(select(Review)).scores} == {5}
