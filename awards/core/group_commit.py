"""Group commit: many requests' small writes committed together by one writer thread.

A public vote brings thousands of one-row writes a minute. Committed one request at a time,
each costs a transaction of its own (its round trips, its commit record), and the database,
not the web workers, sets the pace. Here a request hands its write to the process's writer
and waits; the writer takes everything that has queued up meanwhile, writes it in one
transaction and wakes each request with its own result. Under light load a batch holds one
write and nothing waits longer than before; under heavy load batches grow by themselves.

Call `submit` after the request's reads: it commits the request's own transaction first.
Nothing is acknowledged before it is committed: `submit` returns only after the commit of the
batch that holds the write, and raises (as a failed commit in the request would) when that
transaction fails. The writer is started in the process that serves (gunicorn forks its workers
after the app is built, and threads do not survive a fork).
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Callable, Sequence
from typing import Any

from flask import Flask, current_app
from sqlalchemy.engine import Connection
from werkzeug.exceptions import ServiceUnavailable

from awards.db import commit_without_waiting_for_disk
from awards.extensions import db

log = logging.getLogger(__name__)

# A batch large enough to amortise a transaction, small enough to keep a commit short.
MAX_BATCH = 200
# How long a request waits for its batch before it gives up with the usual database error.
WAIT_SECONDS = 30.0


class WriterUnavailable(ServiceUnavailable):
    """The writer did not commit the batch in time: the request answers 503."""


class _Ticket:
    __slots__ = ("item", "done", "result", "error")

    def __init__(self, item: Any) -> None:
        self.item = item
        self.done = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None


class GroupCommit:
    """`write(connection, items) -> results` (one result per item, in order) runs in the
    writer thread inside an app context, on a connection in a transaction that the writer
    commits after it (Core statements: the ORM's bookkeeping is not needed for rows nobody
    reads back)."""

    def __init__(
        self,
        name: str,
        write: Callable[[Connection, Sequence[Any]], Sequence[Any]],
        *,
        wait_for_disk: bool = True,
    ) -> None:
        self.name = name
        self.write = write
        # False: the writer's commits return before PostgreSQL has flushed them to disk (see
        # `commit_without_waiting_for_disk`), set once on the writer's own connection.
        self.wait_for_disk = wait_for_disk
        self._queue: queue.SimpleQueue[_Ticket] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._pid: int | None = None
        self._lock = threading.Lock()

    def submit(self, item: Any) -> Any:
        """Write `item` with whatever else is waiting and return its result once committed."""
        self._ensure_writer(current_app._get_current_object())  # type: ignore[attr-defined]
        if db.session.registry.has() and db.session().in_transaction():
            # End the caller's transaction (its reads, and any write it made) and give its
            # connection back: a rush of waiting requests must not hold every connection of the
            # pool while the writer needs one.
            db.session.commit()
        ticket = _Ticket(item)
        self._queue.put(ticket)
        if not ticket.done.wait(WAIT_SECONDS):
            raise WriterUnavailable()
        if ticket.error is not None:
            raise ticket.error
        return ticket.result

    def _ensure_writer(self, app: Flask) -> None:
        if self._pid == os.getpid() and self._thread is not None and self._thread.is_alive():
            return
        with self._lock:
            if self._pid == os.getpid() and self._thread is not None and self._thread.is_alive():
                return
            if self._pid != os.getpid():
                self._queue = queue.SimpleQueue()  # a forked child starts with an empty queue
            self._pid = os.getpid()
            self._thread = threading.Thread(
                target=self._run, args=(app,), name=f"awards-{self.name}-writer", daemon=True
            )
            self._thread.start()

    def _run(self, app: Flask) -> None:
        connection: Connection | None = None  # the writer's own, kept from batch to batch
        while True:
            batch = [self._queue.get()]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                with app.app_context():
                    connection = self._write(batch, connection)
            except Exception:  # noqa: BLE001  (the writer must outlive any one batch)
                log.exception("%s: the writer failed outside a batch", self.name)
                connection = None
                for ticket in batch:
                    if not ticket.done.is_set():
                        ticket.error = WriterUnavailable()
                        ticket.done.set()

    def _connect(self) -> Connection:
        connection = db.engine.connect()
        if not self.wait_for_disk:
            commit_without_waiting_for_disk(connection, for_the_whole_connection=True)
            connection.commit()
        return connection

    def _write(self, batch: list[_Ticket], connection: Connection | None) -> Connection | None:
        try:
            if connection is None:
                connection = self._connect()
            with connection.begin():
                results = self.write(connection, [ticket.item for ticket in batch])
        except BaseException as exc:  # noqa: BLE001  (every waiting request must learn it)
            log.info("%s: a batch of %d writes failed: %r", self.name, len(batch), exc)
            for ticket in batch:
                ticket.error = exc
            if connection is not None:
                # Never back to the pool: it may carry this writer's settings, or be broken.
                connection.invalidate()
                connection.close()
            connection = None
        else:
            for ticket, result in zip(batch, results, strict=True):
                ticket.result = result
        finally:
            db.session.remove()  # what `write` read through the session
            for ticket in batch:
                ticket.done.set()
        return connection


def writer(
    name: str,
    write: Callable[[Connection, Sequence[Any]], Sequence[Any]],
    *,
    wait_for_disk: bool = True,
) -> GroupCommit:
    """The app's writer called `name` (one per app and process, made on first use)."""
    writers = current_app.extensions.setdefault("awards_group_commits", {})
    found = writers.get(name)
    if found is None:
        found = writers.setdefault(name, GroupCommit(name, write, wait_for_disk=wait_for_disk))
    return found
