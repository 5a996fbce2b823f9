"""Pages kept per signed-in viewer until the data under them changes (awards/core/private_cache.py
and awards/core/changes.py): served from memory, and never once the data, the viewer or the time
has moved on."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import create_engine, text

from awards.accounts.services import hash_password
from awards.core import page_cache as page_cache_module
from awards.core.changes import ChangeFeed, change_feed, changed_table
from awards.db import frozen_clock
from awards.extensions import db as _db
from awards.models import Submission, User
from tests.accounts.helpers import sign_in
from tests.conftest import login
from tests.judging.scoring_setup import form_data, make_setting
from tests.judging.test_dashboard import count_statements, entry_links

DASHBOARD = "/judging/"


def page(client, url: str = DASHBOARD) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return unescape(response.get_data(as_text=True))


def state_of(html: str, submission_id: int) -> str:
    found = re.search(
        rf'/entries/{submission_id}".*?judge-state judge-state-(\w+)"', html, flags=re.S
    )
    assert found, f"entry {submission_id} is not on the page"
    return found.group(1)


def served_from_memory(client, url: str = DASHBOARD) -> bool:
    with count_statements() as statements:
        page(client, url)
    return statements == []


def is_postgres() -> bool:
    return _db.engine.dialect.name == "postgresql"


def wait_for(condition, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.fixture
def listening(app):
    """With PostgreSQL, the process listens for other processes' commits before it keeps pages."""
    assert change_feed().wait_until_listening()


def test_a_judge_s_pages_come_from_memory_the_second_time(client, login_as, db, listening):
    setting = make_setting(entries=3)
    login_as(setting.judge)
    first = page(client)
    entry_first = page(client, setting.entry_url())

    with count_statements() as statements:
        assert page(client) == first
        assert page(client, setting.entry_url()) == entry_first
    assert statements == []


def test_a_saved_review_shows_on_the_next_pages_with_its_message(client, login_as, db, listening):
    setting = make_setting(entries=2)
    first = setting.submission_ids[0]
    login_as(setting.judge)
    assert state_of(page(client), first) == "not_started"
    page(client, setting.entry_url())
    assert served_from_memory(client)

    response = client.post(setting.entry_url(), data=form_data(setting, [5, None, 8]))
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert "_wrote" in session  # the writer's next page is rendered afresh

    entry_page = page(client, setting.entry_url())
    assert "Your draft is saved." in entry_page
    assert state_of(page(client), first) == "draft"


def test_a_change_by_someone_else_shows_on_the_next_page(client, login_as, db, listening):
    setting = make_setting()
    submission_id = setting.submission_ids[0]
    login_as(setting.judge)
    page(client)
    assert served_from_memory(client)

    db.session.get(Submission, submission_id).title = "Sponge city, renamed by the secretariat"
    db.session.commit()

    assert "Sponge city, renamed by the secretariat" in page(client)


def test_each_viewer_gets_their_own_page(client, app, login_as, db, listening):
    mine = make_setting(entries=2)
    theirs = make_setting(entries=3)
    login_as(mine.judge)
    my_page = page(client)
    assert served_from_memory(client)

    other = app.test_client()
    login(other, theirs.judge)
    their_page = page(other)

    assert set(entry_links(my_page, mine.round_id)) == set(mine.submission_ids)
    assert set(entry_links(their_page, theirs.round_id)) == set(theirs.submission_ids)
    assert entry_links(their_page, mine.round_id) == []


def test_after_signing_out_the_kept_page_is_not_served(client, db, listening):
    setting = make_setting()
    email = setting.judge.email
    client.get("/login")  # as a browser does: the form leaves its token in the session
    assert sign_in(client, email).status_code == 302
    page(client)
    assert served_from_memory(client)

    client.post("/logout")
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_a_password_changed_elsewhere_ends_the_session_despite_the_kept_page(client, db, listening):
    setting = make_setting()
    judge_id, email = setting.judge.id, setting.judge.email
    client.get("/login")  # as a browser does: the form leaves its token in the session
    assert sign_in(client, email).status_code == 302
    page(client)
    assert served_from_memory(client)

    db.session.get(User, judge_id).password_hash = hash_password("a whole new passphrase")
    db.session.commit()

    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_a_page_is_rendered_again_when_its_round_closes(
    client, login_as, db, listening, monkeypatch
):
    setting = make_setting(closes_in=timedelta(hours=1))
    closes_at = setting.round.closes_at
    login_as(setting.judge)
    assert "Closed for scoring since" not in page(client)
    assert served_from_memory(client)

    later = time.monotonic() + 3601
    monkeypatch.setattr(page_cache_module.time, "monotonic", lambda: later)
    with frozen_clock(closes_at + timedelta(seconds=1)):
        assert "Closed for scoring since" in page(client)


def test_a_change_from_another_process_reaches_every_process(client, login_as, db, listening):
    if not is_postgres():
        pytest.skip("SQLite serves one process: there is no other process to hear from")
    setting = make_setting()
    submission_id = setting.submission_ids[0]
    login_as(setting.judge)
    page(client)
    assert served_from_memory(client)

    # Another app process: its own engine, connection and change feed.
    other = create_engine(_db.engine.url)
    ChangeFeed(other)
    try:
        with other.begin() as conn:
            conn.execute(
                text("UPDATE submissions SET title = 'Sponge city, renamed' WHERE id = :id"),
                {"id": submission_id},
            )
    finally:
        other.dispose()

    wait_for(lambda: "Sponge city, renamed" in page(client))
    assert db.session.get(Submission, submission_id).title == "Sponge city, renamed"


def test_nothing_is_kept_or_served_while_the_process_cannot_hear_other_commits(
    client, login_as, db, listening
):
    if not is_postgres():
        pytest.skip("SQLite serves one process: there is nothing to listen to")
    setting = make_setting()
    login_as(setting.judge)
    page(client)
    assert served_from_memory(client)
    feed = change_feed()

    db.session.execute(
        text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'awards-change-listener' AND datname = current_database()"
        )
    )
    db.session.commit()
    wait_for(lambda: not feed._listening)
    assert not served_from_memory(client)
    assert not served_from_memory(client)

    assert feed.wait_until_listening()
    page(client)
    assert served_from_memory(client)


def test_writes_to_the_public_s_bulk_tables_keep_the_pages(app, db):
    feed = change_feed()
    before = feed.current()
    db.session.execute(text("UPDATE votes SET status = status WHERE id < 0"))
    db.session.execute(text("UPDATE outbox_messages SET attempts = attempts WHERE id < 0"))
    db.session.commit()
    assert feed.current() == before

    db.session.execute(text("UPDATE submissions SET title = title WHERE id < 0"))
    db.session.commit()
    assert feed.current() > before


def test_a_rolled_back_write_keeps_the_pages(app, db):
    feed = change_feed()
    before = feed.current()
    db.session.execute(text("UPDATE submissions SET title = title WHERE id < 0"))
    db.session.rollback()
    db.session.execute(text("SELECT 1"))
    db.session.commit()
    assert feed.current() == before


@pytest.mark.parametrize(
    ("statement", "table"),
    [
        ("INSERT INTO votes (id) VALUES (1)", "votes"),
        ('UPDATE "reviews" SET status=%(status)s', "reviews"),
        ("  delete from scores where id = 1", "scores"),
        ("TRUNCATE TABLE submissions, reviews", "submissions"),
        ("SELECT * FROM reviews", None),
        ("WITH x AS (SELECT 1) SELECT * FROM x", None),
        ("WITH gone AS (DELETE FROM reviews RETURNING id) SELECT count(*) FROM gone", "reviews"),
        ("SELECT id FROM rounds WHERE id = 1 FOR UPDATE", None),
    ],
)
def test_the_table_a_statement_writes_to(statement, table):
    assert changed_table(statement) == table
