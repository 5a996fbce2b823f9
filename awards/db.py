"""Database conventions shared by every model."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, TypeDecorator, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry

# Named constraints make migrations reproducible on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


_frozen_now: datetime | None = None


def utcnow() -> datetime:
    """The current time as an aware UTC datetime: the only clock the app uses, so that tests can
    freeze it at a deadline's boundary."""
    return _frozen_now or datetime.now(UTC)


@contextmanager
def frozen_clock(at: datetime) -> Iterator[None]:
    """Make utcnow() return `at` (aware) inside the block. For tests and benchmarks."""
    global _frozen_now
    if at.tzinfo is None:
        raise ValueError("freeze the clock at an aware datetime")
    previous, _frozen_now = _frozen_now, at.astimezone(UTC)
    try:
        yield
    finally:
        _frozen_now = previous


def as_stored(value: datetime) -> datetime:
    """An aware datetime as the columns store it: naive UTC (for statements written by hand)."""
    if value.tzinfo is None:
        raise ValueError("naive datetimes are ambiguous; pass an aware datetime")
    return value.astimezone(UTC).replace(tzinfo=None)


class UTCDateTime(TypeDecorator):
    """Stores naive UTC (portable to SQLite) and always hands back aware UTC datetimes."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else as_stored(value)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


@event.listens_for(Engine, "connect")
def _sqlite_foreign_keys(dbapi_connection, connection_record):
    # SQLite ignores foreign keys unless asked on every connection.
    module = type(dbapi_connection).__module__
    if module.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def str_enum(enum_cls, name: str):
    """A portable enum column: a VARCHAR with a CHECK constraint listing the allowed values."""
    from sqlalchemy import Enum

    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


WITHOUT_WAITING_FOR_DISK = "awards_commits_without_waiting_for_disk"


def commit_without_waiting_for_disk(session, *, for_the_whole_connection: bool = False) -> None:
    """Let this transaction's commit return before PostgreSQL has flushed it to disk.

    Only for writes whose loss in a crash of the database server is harmless and which the
    user would simply repeat: PostgreSQL may then lose the last fraction of a second of such
    commits, never corrupt anything, and never lose other transactions' writes. The vote uses
    it for pending votes (the voter asks for the e-mail again). Elsewhere a no-op.

    `session` is a Session or a Connection. `for_the_whole_connection` sets it for every later
    transaction of a Connection that its owner never hands back to the pool (a writer's).
    """
    if getattr(session, "info", {}).get(WITHOUT_WAITING_FOR_DISK):
        return
    dialect = getattr(session, "dialect", None) or session.get_bind().dialect  # or a Connection
    if dialect.name != "postgresql":
        return
    if for_the_whole_connection:
        session.execute(text("SET synchronous_commit = off"))
        session.info[WITHOUT_WAITING_FOR_DISK] = True
    else:
        session.execute(text("SET LOCAL synchronous_commit = off"))
