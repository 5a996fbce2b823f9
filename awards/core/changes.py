"""Has anything changed since a page was rendered? One number per process: the data generation.

Pages kept for signed-in people (`private_cache`) are stored under the generation they were
rendered at and served only while it is still the current one. The generation moves on every
commit that wrote to a table such pages may show:

- at once in the process that committed (after the commit, never before: a page rendered from
  the old rows must not be stored under the new number);
- in every other process (the other gunicorn workers, other machines) through PostgreSQL's
  LISTEN/NOTIFY: the committing transaction sends a notification, which PostgreSQL delivers
  only once the commit is visible, and each process's listener thread moves its generation on
  receipt, within milliseconds.

A process that is not listening (its connection lost, the database restarting) cannot know
about other processes' commits, so `is_reliable()` is false and nothing is served from or stored
in the cache until it listens again. SQLite has no notifications: it is for a single process
(the development server, the tests), where the local move is all there is.

Writes are seen at the database driver, so every way of writing counts: the ORM's flushes,
Core statements and hand-written SQL alike.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

CHANNEL = "awards_data_changed"
LISTENER_NAME = "awards-change-listener"  # its application_name in pg_stat_activity

# Tables written in bulk by the public that no page kept for a signed-in person shows: a
# campaign's votes arrive by the thousand a minute, and every one of them would otherwise throw
# away every judge's cached pages. (The public pages showing vote results have their own
# time-bounded cache; see page_cache.py.)
UNWATCHED_TABLES = frozenset({"votes", "outbox_messages"})

_WRITE = re.compile(
    r"""\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?)\s+(?:ONLY\s+)?"?(\w+)""",
    re.IGNORECASE,
)
# A write inside a common table expression ("WITH gone AS (DELETE FROM ...) SELECT ...").
_WRITE_IN_WITH = re.compile(
    r"""\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+(?:ONLY\s+)?"?(\w+)""", re.IGNORECASE
)
# How long the listener waits for a notification before it checks its connection is alive.
LISTENER_POLL_SECONDS = 5.0
LISTENER_RETRY_SECONDS = 1.0


def changed_table(statement: str) -> str | None:
    """The table a data-changing statement writes to, or None for anything else."""
    found = _WRITE.match(statement)
    if found is None and statement.lstrip()[:4].upper() == "WITH":
        found = _WRITE_IN_WITH.search(statement)
    return found.group(1).lower() if found else None


class DataGeneration:
    """A counter that only goes up; thread-safe (gunicorn's threaded workers share it)."""

    def __init__(self) -> None:
        self._value = 0
        self._lock = threading.Lock()

    def current(self) -> int:
        return self._value

    def advance(self) -> None:
        with self._lock:
            self._value += 1


class ChangeFeed:
    """The data generation of this process, and how it learns about commits."""

    def __init__(self, engine: Engine) -> None:
        self.generation = DataGeneration()
        # Called in the committing thread after its write has gone through.
        self.after_local_write: list = []
        self.notifies = engine.dialect.name == "postgresql"
        self._listener_url = (
            make_url(engine.url).set(drivername="postgresql").render_as_string(hide_password=False)
            if self.notifies
            else None
        )
        self._listener: threading.Thread | None = None
        self._listener_pid: int | None = None
        self._listening = False
        self._stopping = threading.Event()
        self._start_lock = threading.Lock()
        self._watch(engine)

    # --- what a page asks --------------------------------------------------------------------

    def is_reliable(self) -> bool:
        """True when every commit that matters is known to this process: always with SQLite
        (one process), with PostgreSQL while this process listens for the others' commits."""
        if not self.notifies:
            return True
        self._ensure_listener()
        return self._listening

    def current(self) -> int:
        return self.generation.current()

    # --- seeing writes in this process ----------------------------------------------------------

    def _watch(self, engine: Engine) -> None:
        event.listen(engine, "before_cursor_execute", self._note_write)
        event.listen(engine, "commit", self._announce_write)
        event.listen(engine, "rollback", self._forget_write)

    def _note_write(self, conn, cursor, statement, parameters, context, executemany) -> None:
        table = changed_table(statement)
        if table is not None and table not in UNWATCHED_TABLES:
            conn.info["awards_wrote"] = True

    def announce_before_session_commit(self, session) -> None:
        """Tell the other processes about this transaction's writes while it can still fail
        like any statement (a lost connection is then the usual OperationalError, and the
        session rolls back as after a failed flush). PostgreSQL holds the notification back
        until the commit is visible."""
        if not self.notifies or not session.in_transaction():
            return
        session.flush()  # the commit's own flush comes after this event
        conn = session.connection()
        if conn.info.get("awards_wrote") and not conn.info.get("awards_notified"):
            conn.exec_driver_sql(f"NOTIFY {CHANNEL}")
            conn.info["awards_notified"] = True

    def _announce_write(self, conn) -> None:
        """As a transaction that wrote commits: remember to move this process's generation once
        the commit is through (`_advance_after_commit`); and notify the other processes if no
        session did (a script's `engine.begin()`)."""
        wrote = conn.info.pop("awards_wrote", False)
        notified = conn.info.pop("awards_notified", False)
        if not wrote:
            return
        if self.notifies and not notified:
            conn.exec_driver_sql(f"NOTIFY {CHANNEL}")
        _committing.feed = self

    def _forget_write(self, conn) -> None:
        if conn.invalidated:  # the connection is gone, and its notes with it
            return
        conn.info.pop("awards_wrote", None)
        conn.info.pop("awards_notified", None)

    # --- hearing about other processes' writes (PostgreSQL) -----------------------------------

    def _ensure_listener(self) -> None:
        """One listener thread per process, started in the process that serves (gunicorn forks
        its workers after the app is built, and threads do not survive a fork)."""
        if self._listener_pid == os.getpid() and self._listener is not None:
            return
        with self._start_lock:
            if self._listener_pid == os.getpid() and self._listener is not None:
                return
            self._listening = False
            self._stopping.clear()
            self._listener = threading.Thread(target=self._listen, name=LISTENER_NAME, daemon=True)
            self._listener_pid = os.getpid()
            self._listener.start()

    def _listen(self) -> None:
        import psycopg

        while not self._stopping.is_set():
            try:
                with psycopg.connect(
                    self._listener_url, autocommit=True, application_name=LISTENER_NAME
                ) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    # Commits made while nobody listened are unknown: start from a new number.
                    self.generation.advance()
                    self._listening = True
                    while not self._stopping.is_set():
                        for _ in conn.notifies(timeout=LISTENER_POLL_SECONDS):
                            self.generation.advance()
                        conn.execute("SELECT 1")  # a dead connection raises here
            except Exception:  # noqa: BLE001  (any failure: stop trusting the cache, retry)
                if not self._stopping.is_set():
                    log.warning("page cache: lost the database's change notifications; retrying")
            finally:
                self._listening = False
                self.generation.advance()
            self._stopping.wait(LISTENER_RETRY_SECONDS)

    def wait_until_listening(self, timeout: float = 10.0) -> bool:
        """For tests and the bench: block until the listener is connected."""
        deadline = time.monotonic() + timeout
        while not self.is_reliable():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def stop(self) -> None:
        self._stopping.set()


# The feed whose generation moves once the commit in progress on this thread has gone through.
_committing = threading.local()


@event.listens_for(Session, "after_commit")
def _advance_after_commit(session) -> None:
    # Session-level, because the engine has no event for a commit that has gone through.
    feed = getattr(_committing, "feed", None)
    if feed is not None:
        _committing.feed = None
        feed.generation.advance()
        for callback in feed.after_local_write:
            callback()


def init_app(app) -> ChangeFeed:
    from awards.extensions import db

    with app.app_context():
        feed = ChangeFeed(db.engine)
    app.extensions["awards_changes"] = feed
    app.extensions["awards_data_memo"] = DataMemo(feed)
    event.listen(db.session, "before_commit", _announce_for_current_app)
    return feed


def _announce_for_current_app(session) -> None:
    from flask import current_app, has_app_context

    if has_app_context() and "awards_changes" in current_app.extensions:
        current_app.extensions["awards_changes"].announce_before_session_commit(session)


def change_feed() -> ChangeFeed:
    from flask import current_app

    return current_app.extensions["awards_changes"]


class DataMemo:
    """Values computed from committed rows, kept until the data generation moves: what every
    request would otherwise read again (a vote's dates and shortlist, say) is read once per
    change. Nothing is kept while the generation cannot be trusted, nor a value of None (so
    that requests for things that do not exist cannot fill memory)."""

    def __init__(self, feed: ChangeFeed) -> None:
        self._feed = feed
        self._generation: int | None = None
        self._values: dict = {}

    def get(self, key, compute):
        feed = self._feed
        if not feed.is_reliable():
            return compute()
        generation = feed.current()
        values = self._values
        if self._generation != generation:
            values = self._values = {}
            self._generation = generation
        try:
            return values[key]
        except KeyError:
            pass
        value = compute()
        # Into the dictionary of the generation it was read at: if the data moved meanwhile,
        # that dictionary is already discarded.
        if value is not None and feed.current() == generation:
            values[key] = value
        return value


def remembered(key, compute):
    """`compute()`, or its value from an earlier request if no data changed since."""
    from flask import current_app

    return current_app.extensions["awards_data_memo"].get(key, compute)
