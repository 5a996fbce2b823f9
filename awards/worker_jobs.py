"""The jobs the worker runs on every pass besides mail delivery. Each must be idempotent."""

from __future__ import annotations

from collections.abc import Callable

PERIODIC_JOBS: list[Callable[[], None]] = []
