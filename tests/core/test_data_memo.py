"""Values read from the database and kept until the data changes (awards/core/changes.py,
DataMemo): read once, read again after any commit to a table they may come from."""

from __future__ import annotations

from sqlalchemy import insert

from awards.core.changes import change_feed, remembered
from awards.core.models import OutboxMessage
from tests.factories import CycleFactory


def _counting(value):
    reads: list[int] = []

    def read():
        reads.append(1)
        return value

    return reads, read


def test_a_value_is_read_once_until_a_watched_table_changes(app, db):
    assert change_feed().wait_until_listening()
    reads, read = _counting("ballot")
    assert remembered(("test", 1), read) == "ballot"
    assert remembered(("test", 1), read) == "ballot"
    assert len(reads) == 1
    CycleFactory()  # any commit that writes to a watched table
    db.session.commit()
    assert remembered(("test", 1), read) == "ballot"
    assert len(reads) == 2


def test_the_public_s_bulk_writes_keep_the_values(app, db):
    """A rush of votes and their e-mails must not make every vote read its ballot again."""
    assert change_feed().wait_until_listening()
    reads, read = _counting("ballot")
    remembered(("test", 2), read)
    db.session.execute(
        insert(OutboxMessage.__table__),
        {"to_address": "a@example.org", "subject": "s", "body_text": "b"},
    )
    db.session.commit()
    remembered(("test", 2), read)
    assert len(reads) == 1


def test_nothing_is_kept_for_what_does_not_exist(app, db):
    """Requests for made-up names (a vote's address, say) must not fill memory."""
    reads, read = _counting(None)
    assert remembered(("test", "no-such-vote"), read) is None
    assert remembered(("test", "no-such-vote"), read) is None
    assert len(reads) == 2


def test_keys_are_kept_apart(app, db):
    assert remembered(("test", "a"), lambda: "A") == "A"
    assert remembered(("test", "b"), lambda: "B") == "B"
    assert remembered(("test", "a"), lambda: "not read again") == "A"
