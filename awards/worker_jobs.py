"""The jobs the worker runs on every pass besides mail delivery. Each must be idempotent."""

from __future__ import annotations

from collections.abc import Callable

from awards.judging.reminders import run_round_reminders


def finalise_due_votes() -> None:
    """Store the result of every public vote whose closing time has passed."""
    from awards.votes.services import finalise_due_votes as finalise

    finalise()


PERIODIC_JOBS: list[Callable[[], None]] = [
    run_round_reminders,  # reminders before rounds close; "all reviews are in" notices
    finalise_due_votes,
]
