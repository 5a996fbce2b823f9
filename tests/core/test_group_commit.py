"""Group commit (awards/core/group_commit.py): writes of concurrent requests committed together
by one writer thread, each request answered only once its write is committed."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import create_engine, insert, select, text

from awards.core import group_commit
from awards.core.group_commit import GroupCommit
from awards.core.models import OutboxMessage
from awards.db import utcnow

OUTBOX = OutboxMessage.__table__


def _write_mails(batches: list[int], entered=None, gate=None):
    """A write that queues one message per item, returns each item's row id, and notes the
    size of every batch; with a gate, the first batch says it has begun (`entered`), then
    waits until the gate opens."""

    def write(connection, items):
        if gate is not None and not batches:
            entered.set()
            gate.wait(10)
        batches.append(len(items))
        return [
            connection.execute(
                insert(OUTBOX).returning(OUTBOX.c.id),
                {"to_address": f"{item}@example.org", "subject": item, "body_text": item},
            ).scalar_one()
            for item in items
        ]

    return write


def _submit_from_threads(app, writer: GroupCommit, items: list[str]) -> dict:
    results: dict = {}

    def submit(item):
        with app.app_context():
            try:
                results[item] = writer.submit(item)
            except Exception as exc:  # noqa: BLE001
                results[item] = exc

    threads = [threading.Thread(target=submit, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    return {"threads": threads, "results": results}


def _join(started: dict) -> dict:
    for thread in started["threads"]:
        thread.join(20)
    return started["results"]


def _wait_for_queue(writer: GroupCommit, size: int) -> None:
    import time

    deadline = time.monotonic() + 10
    while writer._queue.qsize() < size:
        assert time.monotonic() < deadline, "the requests never queued"
        time.sleep(0.01)


def test_writes_waiting_together_are_committed_in_one_batch(app, db):
    batches: list[int] = []
    entered, gate = threading.Event(), threading.Event()
    writer = GroupCommit("test", _write_mails(batches, entered, gate))
    first = _submit_from_threads(app, writer, ["first"])
    assert entered.wait(10)
    # While the writer is busy with the first batch, five more requests arrive.
    later = _submit_from_threads(app, writer, [f"later-{n}" for n in range(5)])
    _wait_for_queue(writer, 5)
    gate.set()
    results = _join(first) | _join(later)
    assert batches == [1, 5]
    rows = {
        subject: row_id
        for subject, row_id in db.session.execute(select(OUTBOX.c.subject, OUTBOX.c.id))
    }
    assert results == rows  # each request got its own row's id, and every row is committed


def test_a_request_is_answered_only_once_its_write_is_committed(app, db):
    writer = GroupCommit("test", _write_mails([]))
    with app.app_context():
        row_id = writer.submit("durable")
    # Another connection, outside any session of this test, sees the row at once.
    other = create_engine(str(db.engine.url.render_as_string(hide_password=False)))
    try:
        with other.connect() as connection:
            subject = connection.execute(
                select(OUTBOX.c.subject).where(OUTBOX.c.id == row_id)
            ).scalar_one()
    finally:
        other.dispose()
    assert subject == "durable"


def test_a_failed_batch_fails_each_of_its_requests_and_the_writer_goes_on(app, db):
    failures = {"left": 1}

    def write(connection, items):
        connection.execute(
            insert(OUTBOX),
            [{"to_address": "x@example.org", "subject": i, "body_text": i} for i in items],
        )
        if failures["left"]:
            failures["left"] -= 1
            raise RuntimeError("the disk is full")
        return items

    writer = GroupCommit("test", write)
    with app.app_context(), pytest.raises(RuntimeError, match="the disk is full"):
        writer.submit("lost")
    with app.app_context():
        assert writer.submit("kept") == "kept"
    db.session.expire_all()
    # Nothing of the failed batch was committed; the next batch was.
    assert db.session.scalars(select(OUTBOX.c.subject)).all() == ["kept"]


def test_submitting_ends_the_request_s_own_transaction_first(app, db):
    """A request waiting for the writer holds no connection of the pool: with many waiting at
    once, the writer would otherwise find none left."""
    writer = GroupCommit("test", _write_mails([]))
    with app.app_context():
        db.session.execute(select(1))
        assert db.session().in_transaction()
        writer.submit("after reading")
        assert not db.session().in_transaction()


def test_one_writer_per_app_and_name(app):
    with app.app_context():
        first = group_commit.writer("test-name", _write_mails([]))
        assert group_commit.writer("test-name", _write_mails([])) is first
        assert group_commit.writer("other-name", _write_mails([])) is not first


def test_a_writer_that_need_not_wait_for_the_disk_says_so_on_its_own_connection(app, db):
    """Only PostgreSQL has the setting: elsewhere nothing changes."""
    seen: list[str] = []

    def write(connection, items):
        if connection.dialect.name == "postgresql":
            seen.append(connection.execute(text("SHOW synchronous_commit")).scalar_one())
        return items

    writer = GroupCommit("test", write, wait_for_disk=False)
    with app.app_context():
        writer.submit("one")
        writer.submit("two")
    if db.engine.dialect.name != "postgresql":
        assert seen == []
        return
    assert seen == ["off", "off"]
    # Connections of the pool are untouched: every other transaction waits for the disk.
    with db.engine.connect() as connection:
        assert connection.execute(text("SHOW synchronous_commit")).scalar_one() == "on"


def test_a_queued_mail_written_in_a_batch_has_its_defaults(app, db):
    writer = GroupCommit("test", _write_mails([]))
    with app.app_context():
        row_id = writer.submit("defaults")
    message = db.session.get(OutboxMessage, row_id)
    assert message.status.value == "pending"
    assert message.attempts == 0
    assert message.created_at <= utcnow()


def test_a_request_gives_up_with_503_when_the_writer_does_not_commit_in_time(app, db, monkeypatch):
    batches: list[int] = []
    entered, gate = threading.Event(), threading.Event()
    writer = GroupCommit("test", _write_mails(batches, entered, gate))
    monkeypatch.setattr(group_commit, "WAIT_SECONDS", 0.2)
    try:
        with app.app_context(), pytest.raises(group_commit.WriterUnavailable) as waited:
            writer.submit("stuck")
        assert waited.value.code == 503
    finally:
        gate.set()  # the writer finishes its batch and goes on
    with app.app_context():
        assert writer.submit("after") > 0
