"""E-mail through the outbox.

`queue_mail` writes the message in the same transaction as the change that causes it, so a
rolled-back change sends nothing and a committed one is never forgotten. The worker delivers
due messages over SMTP with retries and exponential back-off.
"""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from awards.core.models import OutboxMessage, OutboxStatus
from awards.db import utcnow
from awards.extensions import db

MAX_BACKOFF = timedelta(hours=1)

# Categories whose recipients must not be kept once the worker is done with a message: public
# voters' addresses exist nowhere else (the vote keeps only a keyed hash), so after sending (or
# giving up) the outbox forgets the address and the body, whose link is a credential.
FORGET_RECIPIENT_CATEGORIES = frozenset({"vote"})


def render_mail(subject: str, template: str, *, locale: str | None = None, **context):
    """`templates/mail/<template>.txt` and the subject in the recipient's language."""
    with force_locale(locale or "en"):
        body = render_template(
            f"mail/{template}.txt", base_url=current_app.config["BASE_URL"], **context
        )
        return str(subject), body


def queue_mail(
    to: str,
    subject: str,
    template: str,
    *,
    locale: str | None = None,
    category: str = "general",
    held: bool = False,
    batch: str = "",
    **context,
) -> OutboxMessage:
    """Render `templates/mail/<template>.txt` in the recipient's language and queue it."""
    subject_text, body = render_mail(subject, template, locale=locale, **context)
    message = OutboxMessage(
        to_address=to,
        subject=subject_text,
        body_text=body,
        category=category,
        status=OutboxStatus.HELD if held else OutboxStatus.PENDING,
        batch=batch,
        next_attempt_at=utcnow(),
    )
    db.session.add(message)
    return message


def queue_rendered_mails(
    connection: Connection, messages: list[tuple[str, str, str]], *, category: str
) -> None:
    """Queue many messages already rendered, as (to, subject, body), in one statement."""
    if not messages:
        return
    now = utcnow()
    connection.execute(
        insert(OutboxMessage.__table__),
        [
            {
                "to_address": to,
                "subject": subject,
                "body_text": body,
                "category": category,
                "status": OutboxStatus.PENDING,
                "created_at": now,
                "next_attempt_at": now,
            }
            for to, subject, body in messages
        ],
    )


def release_held(batch: str) -> int:
    """Let the worker send a batch of held messages (after the secretariat read them)."""
    messages = db.session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.batch == batch, OutboxMessage.status == OutboxStatus.HELD
        )
    ).all()
    now = utcnow()
    for message in messages:
        message.status = OutboxStatus.PENDING
        message.next_attempt_at = now
    return len(messages)


def build_email(message: OutboxMessage, config) -> EmailMessage:
    email = EmailMessage()
    email["From"] = config["MAIL_FROM"]
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False)
    # Stable across retries, so a receiving server can drop a duplicate.
    email["Message-ID"] = f"<outbox-{message.id}@awards.invalid>"
    email.set_content(message.body_text)
    return email


def _smtp_connection(config) -> smtplib.SMTP:
    host, port, timeout = config["SMTP_HOST"], config["SMTP_PORT"], config["SMTP_TIMEOUT"]
    if config.get("SMTP_SSL"):
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            host, port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
        if config.get("SMTP_STARTTLS"):
            smtp.starttls(context=ssl.create_default_context())
    if config.get("SMTP_USERNAME"):
        smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
    return smtp


def deliver_due(limit: int = 50) -> tuple[int, int]:
    """Send up to `limit` due messages, one transaction each. Returns (sent, failed attempts).

    Each message is locked (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so several workers share the
    queue), sent, marked and committed before the next: a worker killed mid-batch loses nothing
    and re-sends nothing already marked.
    """
    config = current_app.config
    sent = failed = 0
    smtp: smtplib.SMTP | None = None
    try:
        for _ in range(limit):
            message = db.session.scalars(
                select(OutboxMessage)
                .where(
                    OutboxMessage.status == OutboxStatus.PENDING,
                    OutboxMessage.next_attempt_at <= utcnow(),
                )
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            ).first()
            if message is None:
                break
            try:
                if smtp is None:
                    smtp = _smtp_connection(config)
                smtp.send_message(build_email(message, config))
            except (OSError, smtplib.SMTPException) as exc:
                smtp = _close_quietly(smtp)
                _schedule_retry(message, exc, config["MAIL_MAX_ATTEMPTS"])
                failed += 1
                db.session.commit()
                if isinstance(exc, OSError | smtplib.SMTPServerDisconnected):
                    break  # the server is down: the rest wait for the next pass
                continue
            message.status = OutboxStatus.SENT
            message.sent_at = utcnow()
            message.attempts += 1
            _forget_recipient_if_private(message)
            db.session.commit()
            sent += 1
    finally:
        _close_quietly(smtp)
    return sent, failed


def _schedule_retry(message: OutboxMessage, exc: Exception, max_attempts: int) -> None:
    message.attempts += 1
    message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    if message.attempts >= max_attempts:
        message.status = OutboxStatus.FAILED
        _forget_recipient_if_private(message)
        return
    delay = min(timedelta(seconds=15 * 2 ** (message.attempts - 1)), MAX_BACKOFF)
    message.next_attempt_at = utcnow() + delay


def _forget_recipient_if_private(message: OutboxMessage) -> None:
    if message.category in FORGET_RECIPIENT_CATEGORIES:
        if message.to_address:
            # SMTP errors quote the recipient.
            message.last_error = message.last_error.replace(message.to_address, "<recipient>")
        message.to_address = ""
        message.body_text = ""


def _close_quietly(smtp: smtplib.SMTP | None) -> None:
    if smtp is not None:
        with contextlib.suppress(OSError, smtplib.SMTPException):
            smtp.quit()
    return None
