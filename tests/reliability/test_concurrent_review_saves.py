"""Two sessions of the same judge save the same review at the same moment, both from version 1:
exactly one save wins, the other is told (409 with the message), and the stored review is the
winner's whole save (no mix of the two, no lost update). SQLite and PostgreSQL."""

from __future__ import annotations

import threading

from sqlalchemy import select

from awards.models import Review
from tests.conftest import IsolatedClient, login
from tests.factories import AssignmentFactory, JudgeFactory, OpenRoundFactory, PanelMemberFactory


def test_simultaneous_saves_of_one_review_one_wins_the_other_is_told(app, db):
    round_ = OpenRoundFactory()
    judge = JudgeFactory()
    PanelMemberFactory(round=round_, user=judge)
    assignment = AssignmentFactory(round=round_, judge=judge)
    criteria = [c.id for c in round_.criteria]
    url = f"/judging/rounds/{round_.id}/entries/{assignment.submission_id}"
    first = IsolatedClient(app, app.response_class, use_cookies=True)
    login(first, judge)
    data = {f"score_{c}": "5" for c in criteria} | {"overall_comment": "start", "action": "save"}
    assert first.post(url, data=data | {"lock_version": "0"}).status_code == 302

    sessions = {"A": first, "B": IsolatedClient(app, app.response_class, use_cookies=True)}
    login(sessions["B"], judge)
    values = {"A": "3", "B": "8"}
    barrier = threading.Barrier(2)
    answers: dict[str, object] = {}

    def save(name):
        form = {f"score_{c}": values[name] for c in criteria}
        form |= {"overall_comment": f"from {name}", "action": "save", "lock_version": "1"}
        barrier.wait()
        response = sessions[name].post(url, data=form)
        answers[name] = (response.status_code, response.get_data(as_text=True))

    threads = [threading.Thread(target=save, args=(name,)) for name in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    statuses = sorted(status for status, _ in answers.values())
    assert statuses == [302, 409]
    winner = next(name for name, (status, _) in answers.items() if status == 302)
    loser = "B" if winner == "A" else "A"
    assert "saved from another tab or window after you opened this page" in answers[loser][1]
    db.session.expire_all()
    review = db.session.scalar(select(Review).where(Review.assignment_id == assignment.id))
    assert review.overall_comment == f"from {winner}"
    assert {s.value for s in review.scores} == {int(values[winner])}
    assert review.lock_version == 2
