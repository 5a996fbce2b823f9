"""Who may see and change results. Staff pages carry `staff_required`; these predicates add the
object-level rules (a refusal is a 404, so nothing about results leaks)."""

from __future__ import annotations

from awards.accounts.permissions import is_staff
from awards.cycles.models import Cycle, Round, RoundStatus


def can_view_round_results(user, round_: Round) -> bool:
    """Rankings, scores, reviews and exports: staff only, before and after publication."""
    return is_staff(user)


def can_change_decisions(user, round_: Round) -> bool:
    """Settings and decisions of a round change only while it is not closed."""
    return is_staff(user) and round_.status != RoundStatus.CLOSED


def can_see_public_results(user, cycle: Cycle) -> bool:
    """Anyone once the cycle's results are published; nobody (not even staff) on the public
    page before, so the page never shows what the public cannot see."""
    return cycle.results_published_at is not None
