"""The judge's dashboard: open rounds, the judge's own stable order, states, progress, the
closing date in two time zones, and a constant number of SQL statements."""

import re
from contextlib import contextmanager
from datetime import UTC, datetime
from html import unescape

from sqlalchemy import event

from awards.db import frozen_clock
from awards.extensions import db as _db
from awards.judging.queries import judge_dashboard, stable_order_key
from awards.judging.services import ReviewIntent, save_review
from awards.models import AssignmentStatus, Round, RoundStatus, Submission, SubmissionStatus
from tests.factories import (
    AssignmentFactory,
    EligibleSubmissionFactory,
    JudgeFactory,
    OpenRoundFactory,
    PanelMemberFactory,
    SecretariatFactory,
)
from tests.judging.scoring_setup import make_setting, review_input


def entry_links(html: str, round_id: int) -> list[int]:
    """Submission ids in the order the dashboard lists them for a round."""
    pattern = (
        rf'class="[^"]*judge-entry-link[^"]*"\s+href="/judging/rounds/{round_id}/entries/(\d+)"'
    )
    return [int(i) for i in re.findall(pattern, html)]


@contextmanager
def count_statements():
    statements: list[str] = []

    def on_execute(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(_db.engine, "before_cursor_execute", on_execute)
    try:
        yield statements
    finally:
        event.remove(_db.engine, "before_cursor_execute", on_execute)


def test_dashboard_lists_entries_with_state_and_progress(client, login_as, db):
    setting = make_setting(entries=3)
    first, second, third = setting.submissions
    save_review(
        setting.assignment(submission=first),
        review_input(setting, [4, None, None]),
        actor=setting.judge,
    )
    save_review(
        setting.assignment(submission=second),
        review_input(setting, 6),
        actor=setting.judge,
        intent=ReviewIntent.SUBMIT,
    )
    db.session.commit()
    refs = {s.id: s.reference_code for s in setting.submissions}
    login_as(setting.judge)
    html = unescape(client.get("/judging/").get_data(as_text=True))
    assert "Technical committee" in html
    assert "1 of 3 reviews submitted · 1 draft" in html
    assert re.search(r'<progress class="judge-progress"[^>]*max="3" value="1">33%</progress>', html)
    for submission_id, state in [
        (setting.submission_ids[0], "Draft"),
        (setting.submission_ids[1], "Submitted"),
        (setting.submission_ids[2], "Not started"),
    ]:
        item = re.search(
            rf'entries/{submission_id}">.*?</a>\s*<span class="badge[^"]*">([^<]+)</span>',
            html,
            re.S,
        )
        assert item and item.group(1) == state
        assert refs[submission_id] in html


def test_dashboard_continue_button_opens_first_unsubmitted_entry_in_order(client, login_as, db):
    setting = make_setting(entries=3)
    login_as(setting.judge)
    order = [e.submission_id for e in judge_dashboard(setting.judge.id)[0].entries]
    save_review(
        setting.assignment(submission=_db.session.get(Submission, order[0])),
        review_input(setting, 5),
        actor=setting.judge,
        intent=ReviewIntent.SUBMIT,
    )
    db.session.commit()
    html = client.get("/judging/").get_data(as_text=True)
    button = re.search(r'<a class="btn btn-brand[^"]*"\s+href="([^"]+)"', html)
    assert button.group(1) == setting.entry_url(order[1])


def test_entry_order_differs_between_judges_and_is_stable(app, db):
    from tests.conftest import login

    setting = make_setting(judges=2, entries=8)
    orders = []
    for judge in setting.judges:
        client = app.test_client()
        login(client, judge)
        first_visit = entry_links(client.get("/judging/").get_data(as_text=True), setting.round_id)
        second_visit = entry_links(client.get("/judging/").get_data(as_text=True), setting.round_id)
        assert sorted(first_visit) == sorted(setting.submission_ids)
        assert first_visit == second_visit  # stable for each judge
        orders.append(first_visit)
    assert orders[0] != orders[1]  # each judge their own order
    for judge_id, order in zip(setting.judge_ids, orders, strict=True):
        assert order == sorted(order, key=lambda s: stable_order_key(judge_id, s))


def test_entry_order_follows_assignment_sort_key_when_set(client, login_as, db):
    setting = make_setting(entries=4)
    wanted = list(reversed(setting.submission_ids))
    for position, submission_id in enumerate(wanted, start=1):
        submission = _db.session.get(Submission, submission_id)
        setting.assignment(submission=submission).sort_key = position * 10
    db.session.commit()
    login_as(setting.judge)
    html = client.get("/judging/").get_data(as_text=True)
    assert entry_links(html, setting.round_id) == wanted


def test_dashboard_leaves_out_recused_removed_withdrawn_and_other_judges_entries(
    client, login_as, db
):
    setting = make_setting(judges=2, entries=5)
    kept, recused, removed, withdrawn, _other = setting.submission_ids
    judge = setting.judge
    subs = {s.id: s for s in setting.submissions}
    setting.assignment(submission=subs[recused]).status = AssignmentStatus.RECUSED
    setting.assignment(submission=subs[removed]).status = AssignmentStatus.REMOVED
    subs[withdrawn].status = SubmissionStatus.WITHDRAWN
    # The fifth entry is assigned to the other judge only.
    _db.session.delete(setting.assignment(submission=subs[_other]))
    db.session.commit()
    login_as(judge)
    html = client.get("/judging/").get_data(as_text=True)
    assert entry_links(html, setting.round_id) == [kept]
    assert "0 of 1 reviews submitted" in unescape(html)


def test_dashboard_shows_only_rounds_that_opened(client, login_as, db):
    setting = make_setting()
    draft_round = OpenRoundFactory(
        cycle=setting.cycle, position=2, name="Jury not yet open", status=RoundStatus.DRAFT
    )
    PanelMemberFactory(round=draft_round, user=setting.judge)
    AssignmentFactory(round=draft_round, judge=setting.judge, submission=setting.submissions[0])
    closed = OpenRoundFactory(
        cycle=setting.cycle, position=3, name="Longlist round", status=RoundStatus.CLOSED
    )
    PanelMemberFactory(round=closed, user=setting.judge)
    AssignmentFactory(round=closed, judge=setting.judge, submission=setting.submissions[0])
    closed_id = closed.id
    login_as(setting.judge)
    html = unescape(client.get("/judging/").get_data(as_text=True))
    assert "Jury not yet open" not in html
    assert "Closed rounds (read-only)" in html
    assert html.index("Technical committee") < html.index("Closed rounds (read-only)")
    assert html.index("Closed rounds (read-only)") < html.index("Longlist round")
    assert entry_links(html, closed_id) == [setting.submission_ids[0]]


def test_dashboard_without_rounds_says_so(client, login_as, db):
    login_as(JudgeFactory())
    html = client.get("/judging/").get_data(as_text=True)
    assert "No round is open for you at the moment." in html


def test_dashboard_shows_closing_time_in_judge_zone_and_utc_plus_8(client, login_as, db):
    closes = datetime(2026, 3, 10, 15, 59, 59, tzinfo=UTC)
    with frozen_clock(datetime(2026, 3, 1, tzinfo=UTC)):
        setting = make_setting()
        setting.round.closes_at = closes
        setting.judge.timezone = "Europe/Paris"
        db.session.commit()
        login_as(setting.judge)
        html = unescape(client.get("/judging/").get_data(as_text=True))
    closing = re.search(r'<p class="mb-0 small judge-closing">(.*?)</p>', html, re.S).group(1)
    closing = re.sub(r"[ \t\r\n]+", " ", closing)  # (keeps the narrow space before PM)
    closing = re.sub(r"<[^>]+>", "", closing).strip()
    assert closing == (
        "Closes Mar 10, 2026, 4:59:59\u202fPM your time (Europe/Paris) · "
        "Mar 10, 2026, 11:59:59\u202fPM UTC+8"
    )


def test_dashboard_says_when_scoring_has_closed(client, login_as, db):
    setting = make_setting()
    login_as(setting.judge)
    with frozen_clock(setting.round.closes_at):
        html = client.get("/judging/").get_data(as_text=True)
    assert "Closed for scoring since" in html


def test_dashboard_is_for_judges_only(client, login_as, db):
    response = client.get("/judging/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/judging/"
    login_as(SecretariatFactory())
    assert client.get("/judging/").status_code == 403


def test_dashboard_query_count_does_not_grow_with_assignments(client, login_as, db):
    setting = make_setting(entries=2)
    second_round = OpenRoundFactory(cycle=setting.cycle, position=2, name="Second round")
    PanelMemberFactory(round=second_round, user=setting.judge)
    second_round_id = second_round.id
    save_review(setting.assignment(), review_input(setting, 5), actor=setting.judge)
    db.session.commit()
    login_as(setting.judge)
    client.get("/judging/")  # warm-up: first-use queries of the app are not the page's

    # Counted: the page as rendered, not as served from memory the second time.
    client.application.extensions["awards_private_cache"].clear()
    with count_statements() as few:
        html = client.get("/judging/").get_data(as_text=True)
    assert len(entry_links(html, setting.round_id)) == 2

    judge = setting.judge
    for n in range(12):
        submission = EligibleSubmissionFactory(cycle=setting.cycle)
        first = AssignmentFactory(round=setting.round, judge=judge, submission=submission)
        AssignmentFactory(
            round=_db.session.get(Round, second_round_id), judge=judge, submission=submission
        )
        if n % 2:
            save_review(first, review_input(setting, 6), actor=judge, intent=ReviewIntent.SUBMIT)
    db.session.commit()
    with count_statements() as many:
        html = client.get("/judging/").get_data(as_text=True)
    assert len(entry_links(html, setting.round_id)) == 14
    assert len(entry_links(html, second_round_id)) == 12
    assert len(many) == len(few)
    # The signed-in user, the rounds, the entries (the progress is counted from them).
    assert len(few) == 3, few
