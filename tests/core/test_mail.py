"""The outbox: messages commit with the change, the worker delivers them over real SMTP and
retries with back-off when the server is down."""

from datetime import timedelta

from sqlalchemy import select

from awards.core.models import OutboxMessage, OutboxStatus
from awards.db import frozen_clock, utcnow
from awards.devstack import SMTPSink
from awards.mail import deliver_due, queue_mail, release_held


def _queue(db, to="mayor@bogota.gov.co", **kwargs):
    message = queue_mail(
        to, "Subject line", "verify_email", user=_FakeUser(), link="http://x/", **kwargs
    )
    db.session.commit()
    return message


class _FakeUser:
    name = "Ana"


def test_queued_mail_is_delivered_by_the_worker(db, mailbox):
    message = _queue(db)
    assert message.status == OutboxStatus.PENDING
    assert deliver_due() == (1, 0)
    received = mailbox.messages_to("mayor@bogota.gov.co")
    assert len(received) == 1
    assert received[0]["Subject"] == "Subject line"
    assert "Dear Ana," in received[0].get_content()
    assert received[0]["Message-ID"] == f"<outbox-{message.id}@awards.invalid>"
    db.session.refresh(message)
    assert message.status == OutboxStatus.SENT
    assert message.attempts == 1
    # A second pass sends nothing again.
    assert deliver_due() == (0, 0)
    assert len(mailbox.messages) == 1


def test_rolled_back_change_sends_no_mail(db, mailbox):
    queue_mail("x@example.org", "S", "verify_email", user=_FakeUser(), link="l")
    db.session.rollback()
    assert db.session.scalars(select(OutboxMessage)).all() == []
    assert deliver_due() == (0, 0)


def test_mail_waits_while_smtp_is_down_then_is_delivered_exactly_once(app, db):
    sink = SMTPSink()
    smtp_port, app.config["SMTP_PORT"] = (
        app.config["SMTP_PORT"],
        sink.port,
    )  # nothing listens there yet
    try:
        message = _queue(db)
        assert deliver_due() == (0, 1)
        db.session.refresh(message)
        assert message.status == OutboxStatus.PENDING
        assert message.attempts == 1
        assert "ConnectionRefusedError" in message.last_error
        first_retry = message.next_attempt_at
        assert first_retry > utcnow()
        # Before the back-off has passed, the worker leaves it alone.
        assert deliver_due() == (0, 0)

        with frozen_clock(first_retry + timedelta(seconds=1)):
            assert deliver_due() == (0, 1)  # still down: back-off grows
        db.session.refresh(message)
        assert message.attempts == 2
        assert message.next_attempt_at - first_retry > timedelta(seconds=15)

        sink.start()
        with frozen_clock(message.next_attempt_at + timedelta(seconds=1)):
            assert deliver_due() == (1, 0)
            assert deliver_due() == (0, 0)
        assert len(sink.messages) == 1
        db.session.refresh(message)
        assert message.status == OutboxStatus.SENT
    finally:
        sink.stop()
        app.config["SMTP_PORT"] = smtp_port


def test_mail_gives_up_after_the_maximum_attempts(app, db):
    sink = SMTPSink()
    port, app.config["SMTP_PORT"] = app.config["SMTP_PORT"], sink.port
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    try:
        message = _queue(db)
        deliver_due()
        with frozen_clock(utcnow() + timedelta(hours=2)):
            deliver_due()
        db.session.refresh(message)
        assert message.status == OutboxStatus.FAILED
        assert message.attempts == 2
    finally:
        app.config["SMTP_PORT"] = port
        app.config["MAIL_MAX_ATTEMPTS"] = 12


def test_held_messages_wait_for_release(db, mailbox):
    message = _queue(db, held=True, batch="decisions-1")
    assert deliver_due() == (0, 0)
    assert release_held("decisions-1") == 1
    db.session.commit()
    assert deliver_due() == (1, 0)
    db.session.refresh(message)
    assert message.status == OutboxStatus.SENT
    assert len(mailbox.messages) == 1


def test_worker_command_delivers_once(app, db, mailbox):
    _queue(db)
    result = app.test_cli_runner().invoke(args=["awards", "worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "sent 1, failed attempts 0" in result.output
    assert len(mailbox.messages) == 1
