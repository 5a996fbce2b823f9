"""The secretariat sees every change to a review: when, by whom, the scores before and after."""

import re
from datetime import UTC, datetime, timedelta
from html import unescape

from sqlalchemy import select

from awards.db import frozen_clock
from awards.judging.services import ReviewIntent, declare_conflict, save_review
from awards.models import Review
from tests.factories import SecretariatFactory
from tests.judging.scoring_setup import make_setting, review_input


def test_history_lists_each_change_with_time_author_and_scores(client, login_as, db):
    start = datetime(2026, 5, 4, 2, 0, tzinfo=UTC)
    with frozen_clock(start):
        setting = make_setting()
        judge = setting.judge
        c1, c2, _c3 = setting.criteria
        review = save_review(
            setting.assignment(),
            review_input(setting, [6, 7, 8], comments="first", notes="SECRET-NOTE"),
            actor=judge,
            intent=ReviewIntent.SUBMIT,
        )
        db.session.commit()
    with frozen_clock(start + timedelta(hours=3)):
        save_review(
            setting.assignment(),
            review_input(setting, [6, 9, 8], comments=["first", "rethought", "first"], version=1),
            actor=judge,
        )
        db.session.commit()
    review_id, judge_name, c1_name, c2_name = review.id, judge.name, c1.name, c2.name
    login_as(SecretariatFactory())
    response = client.get(f"/judging/reviews/{review_id}/history")
    assert response.status_code == 200
    html = unescape(response.get_data(as_text=True))
    assert "SECRET-NOTE" not in html
    headings = re.findall(r'<h2 class="h6 mb-1">\s*(.*?)\s*</h2>', html)
    assert headings == ["Draft started", "Submitted", "Changed after submission"]
    assert html.count(f"· {judge_name}") == 3
    assert "May 4, 2026, 10:00:00\u202fAM UTC+8" in html  # the first two, in the cycle's zone
    assert "May 4, 2026, 1:00:00\u202fPM UTC+8" in html
    changed = html[html.index("Changed after submission") :]
    rows = re.findall(
        r'<tr class="table-warning">\s*<th scope="row">\s*(.*?)\s*</th>\s*'
        r'<td class="judge-text">(.*?)</td>\s*<td class="judge-text">(.*?)</td>',
        changed,
        re.S,
    )
    assert rows == [(f"Score: {c2_name}", "7", "9"), (f"Comment: {c2_name}", "first", "rethought")]
    assert f"Score: {c1_name}" not in changed  # unchanged lines are left out of a change
    assert "counts" in html


def test_history_flags_a_recused_judges_review_as_excluded(client, login_as, db):
    setting = make_setting()
    save_review(
        setting.assignment(), review_input(setting, 5), actor=setting.judge, intent="submit"
    )
    declare_conflict(setting.assignment(), actor=setting.judge, reason="Adviser.")
    db.session.commit()
    review_id = db.session.scalar(select(Review.id))
    login_as(SecretariatFactory())
    html = client.get(f"/judging/reviews/{review_id}/history").get_data(as_text=True)
    assert "excluded: the judge is recused" in html


def test_history_of_unknown_review_is_not_found(client, login_as, db):
    login_as(SecretariatFactory())
    assert client.get("/judging/reviews/424242/history").status_code == 404
