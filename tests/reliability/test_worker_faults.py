"""The outbox worker killed in the middle of a batch, then restarted: nothing lost, nothing sent
twice. The worker is a real `flask awards worker` process; the SMTP server is real."""

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from awards.core.models import OutboxMessage, OutboxStatus
from awards.devstack import free_port
from awards.extensions import db
from awards.mail import queue_mail

pytestmark = pytest.mark.slow
MESSAGES = 12
BLOCK_ON = 5  # the SMTP server holds the 5th message until told to go on


class HoldingHandler:
    def __init__(self):
        self.received: list = []
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        message = message_from_bytes(envelope.content, policy=policy.default)
        if len(self.received) + 1 == BLOCK_ON and not self.release.is_set():
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "451 Try again later"  # the worker that sent it is dead by now
        self.received.append(message)
        return "250 OK"


class _User:
    name = "Judge"


def _worker(app, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "AWARDS_ENV": "development",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(port),
        "S3_ENDPOINT_URL": app.config["S3_ENDPOINT_URL"],
        "S3_BUCKET": app.config["S3_BUCKET"],
        "S3_ACCESS_KEY_ID": app.config["S3_ACCESS_KEY_ID"],
        "S3_SECRET_ACCESS_KEY": app.config["S3_SECRET_ACCESS_KEY"],
    }
    flask = os.path.join(os.path.dirname(sys.executable), "flask")
    return subprocess.Popen(  # noqa: S603
        [flask, "--app", "wsgi", "awards", "worker", "--interval", "0.2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _sent_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).where(OutboxMessage.status == OutboxStatus.SENT))


def test_worker_killed_mid_batch_loses_nothing_and_sends_nothing_twice(app):
    for n in range(MESSAGES):
        queue_mail(f"judge{n}@example.org", f"Reminder {n}", "verify_email", user=_User(), link="l")
    db.session.commit()

    handler = HoldingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    worker = _worker(app, port)
    try:
        assert handler.holding.wait(timeout=60), "the worker never reached the 5th message"
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
        assert _sent_count() == BLOCK_ON - 1  # each sent message was committed on its own
        handler.release.set()

        worker = _worker(app, port)
        deadline = time.monotonic() + 60
        while _sent_count() < MESSAGES and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=15)
        controller.stop()

    recipients = Counter(m["To"] for m in handler.received)
    assert len(recipients) == MESSAGES
    assert set(recipients.values()) == {1}
    ids = Counter(m["Message-ID"] for m in handler.received)
    assert set(ids.values()) == {1}
    assert _sent_count() == MESSAGES
