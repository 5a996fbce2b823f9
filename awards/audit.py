"""The audit trail: every state change leaves a row."""

from __future__ import annotations

from typing import Any

from awards.core.models import AuditEvent
from awards.extensions import db


def record(
    actor,
    action: str,
    subject,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    message: str = "",
) -> AuditEvent:
    """Add an audit row to the current transaction (it commits or rolls back with the change).

    `subject` is a model instance (flushed, so it has an id) or a (type, id) pair.
    """
    if isinstance(subject, tuple):
        subject_type, subject_id = subject
    else:
        if subject.id is None:
            db.session.flush()
        subject_type, subject_id = subject.__tablename__, subject.id
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        before=_jsonable(before),
        after=_jsonable(after),
        message=message,
    )
    db.session.add(event)
    return event


def _jsonable(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    out: dict[str, Any] = {}
    for key, value in values.items():
        if value is None or isinstance(value, bool | int | float | str):
            out[key] = value
        elif isinstance(value, list | tuple):
            out[key] = [v if isinstance(v, int | float | str) else str(v) for v in value]
        else:
            out[key] = str(value)
    return out
