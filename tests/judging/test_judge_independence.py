"""Independence: a judge never reads another judge's scores, comments or notes, unless the
round shows scores after the judge's own review is submitted; private notes and the overall
comment (for the secretariat) are never shown to other judges at all."""

from html import unescape

from sqlalchemy import select

from awards.judging.services import ReviewIntent, declare_conflict, save_review
from awards.models import Review, ScoreVisibility
from tests.judging.scoring_setup import form_data, make_setting, review_input

SECRETS = ["ALPHA-CRITERION-COMMENT", "ALPHA-PRIVATE-NOTES", "ALPHA-OVERALL"]


def _first_judge_submits(setting, db, value=3):
    alpha = setting.judges[0]
    save_review(
        setting.assignment(alpha),
        review_input(
            setting,
            value,
            comments="ALPHA-CRITERION-COMMENT",
            notes="ALPHA-PRIVATE-NOTES",
            overall="ALPHA-OVERALL",
        ),
        actor=alpha,
        intent=ReviewIntent.SUBMIT,
    )
    db.session.commit()


def _page(client, setting) -> str:
    response = client.get(setting.entry_url())
    assert response.status_code == 200
    return unescape(response.get_data(as_text=True))


def test_other_judges_scores_are_never_shown_when_the_round_says_never(client, login_as, db):
    setting = make_setting(judges=2, score_visibility=ScoreVisibility.NEVER)
    _first_judge_submits(setting, db)
    beta = setting.judges[1]
    login_as(beta)
    page = _page(client, setting)
    assert not any(secret in page for secret in SECRETS)
    assert "Other judges' scores" not in page
    # Even after beta submits.
    client.post(setting.entry_url(), data=form_data(setting, 9, action="submit"))
    page = _page(client, setting)
    assert not any(secret in page for secret in SECRETS)
    assert "Other judges' scores" not in page
    dashboard = client.get("/judging/").get_data(as_text=True)
    assert not any(secret in dashboard for secret in SECRETS)


def test_other_judges_scores_wait_for_the_judges_own_submitted_review(client, login_as, db):
    setting = make_setting(judges=2, score_visibility=ScoreVisibility.AFTER_OWN)
    _first_judge_submits(setting, db, value=3)
    alpha_name = setting.judges[0].name
    login_as(setting.judges[1])

    page = _page(client, setting)  # nothing written yet
    assert not any(secret in page for secret in SECRETS)
    assert "Other judges' scores" not in page

    response = client.post(setting.entry_url(), data=form_data(setting, 9))  # a draft only
    assert response.status_code == 302
    page = _page(client, setting)
    assert not any(secret in page for secret in SECRETS)
    autosave = client.post(setting.entry_url() + "/autosave", data=form_data(setting, 8, version=1))
    assert not any(secret in autosave.get_data(as_text=True) for secret in SECRETS)

    client.post(setting.entry_url(), data=form_data(setting, 9, version=2, action="submit"))
    page = _page(client, setting)
    assert "Other judges' scores" in page
    assert "ALPHA-CRITERION-COMMENT" in page  # scores and their comments, anonymously
    assert "Judge A" in page
    assert alpha_name not in page
    assert "ALPHA-PRIVATE-NOTES" not in page  # never
    assert "ALPHA-OVERALL" not in page  # for the secretariat only


def test_recused_judges_scores_are_not_shown_to_other_judges(client, login_as, db):
    setting = make_setting(judges=2, score_visibility=ScoreVisibility.AFTER_OWN)
    _first_judge_submits(setting, db)
    alpha = setting.judges[0]
    declare_conflict(setting.assignment(alpha), actor=alpha, reason="Adviser to the mayor.")
    db.session.commit()
    login_as(setting.judges[1])
    client.post(setting.entry_url(), data=form_data(setting, 9, action="submit"))
    page = _page(client, setting)
    assert "Other judges' scores" in page
    assert "No other judge has submitted a review of this entry yet." in page
    assert "ALPHA-CRITERION-COMMENT" not in page


def test_a_judge_never_sees_another_judges_private_notes_in_their_own_form(client, login_as, db):
    setting = make_setting(judges=2, score_visibility=ScoreVisibility.AFTER_OWN)
    _first_judge_submits(setting, db)
    login_as(setting.judges[1])
    page = _page(client, setting)
    assert "ALPHA-PRIVATE-NOTES" not in page
    assert 'name="private_notes"' in page  # beta's own, empty box


def test_review_history_is_closed_to_judges(client, login_as, db):
    setting = make_setting(judges=2)
    _first_judge_submits(setting, db)
    review_id = db.session.scalar(select(Review.id))
    login_as(setting.judges[1])
    assert client.get(f"/judging/reviews/{review_id}/history").status_code == 403
    login_as(setting.judges[0])
    assert client.get(f"/judging/reviews/{review_id}/history").status_code == 403
