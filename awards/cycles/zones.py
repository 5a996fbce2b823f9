"""Deadlines are typed in the cycle's own time zone and stored in UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones


@cache
def time_zone_names() -> tuple[str, ...]:
    return tuple(sorted(available_timezones()))


def is_time_zone(name: str) -> bool:
    if not name or name not in time_zone_names():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def to_utc(local: datetime | None, zone_name: str) -> datetime | None:
    """A wall-clock time in `zone_name` (naive, as a form delivers it) as an aware UTC datetime."""
    if local is None:
        return None
    if local.tzinfo is not None:
        return local.astimezone(UTC)
    return local.replace(tzinfo=ZoneInfo(zone_name)).astimezone(UTC)


def to_local(value: datetime | None, zone_name: str) -> datetime | None:
    """An aware datetime as naive wall-clock time in `zone_name` (to pre-fill a form)."""
    if value is None:
        return None
    return value.astimezone(ZoneInfo(zone_name)).replace(tzinfo=None)
