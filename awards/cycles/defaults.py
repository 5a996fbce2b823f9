"""What a new cycle starts with: the real award's form, domains, criteria and rounds.

Everything here is only a starting point; the secretariat edits it per cycle.
"""

from __future__ import annotations

from decimal import Decimal

from awards.cycles.models import RoundKind

DEFAULT_SECTIONS: list[tuple[str, str, str, int, bool]] = [
    (
        "background",
        "Background",
        "The city or region and the problem the initiative set out to solve.",
        500,
        True,
    ),
    ("origins", "Origins", "Who started the initiative, when and why.", 400, True),
    (
        "innovation",
        "Innovation",
        "What is new: a policy, a way of implementing, financing or governing, a partnership, "
        "a use of technology. Say whether it is new anywhere or adapted from elsewhere.",
        800,
        True,
    ),
    ("implementation", "Implementation", "How it was put into practice, step by step.", 800, True),
    (
        "outcomes",
        "Outcomes and evidence",
        "Results against the initiative's own objectives, with evidence.",
        800,
        True,
    ),
    (
        "partners_financing",
        "Partners and financing",
        "Who took part and how the initiative is financed.",
        500,
        True,
    ),
    ("replicability", "Replicability", "How other cities could adapt it.", 500, True),
    (
        "sdg_relevance",
        "Relevance to the SDGs and the New Urban Agenda",
        "Which goals and commitments the initiative advances, and how.",
        400,
        True,
    ),
]

DEFAULT_DOMAINS: list[tuple[str, str]] = [
    ("social", "Social and cultural"),
    ("economic", "Economic"),
    ("environmental", "Environmental"),
    ("governance", "Governance"),
    ("technology", "Technology"),
]


def _rubric(low: str, mid: str, high: str) -> str:
    return f"1: {low}\n5: {mid}\n10: {high}"


DEFAULT_CRITERIA: list[tuple[str, str]] = [
    (
        "Innovation",
        _rubric(
            "nothing new for the city or elsewhere",
            "adapted from elsewhere with real local changes (evolutionary)",
            "new anywhere: a policy, model or partnership others will learn from (revolutionary)",
        ),
    ),
    (
        "Effectiveness",
        _rubric(
            "no evidence that the objectives were met",
            "some objectives met, with partial evidence",
            "objectives clearly met, with measured evidence",
        ),
    ),
    (
        "Replicability and transferability",
        _rubric(
            "tied to unique local conditions",
            "could be adapted by similar cities with effort",
            "already adopted elsewhere, or easy to adapt",
        ),
    ),
    (
        "Significance and impact",
        _rubric(
            "marginal effect on residents",
            "noticeable improvement for a part of the population",
            "lasting change for many residents, given the city's context",
        ),
    ),
    (
        "Relevance to the SDGs and the New Urban Agenda",
        _rubric(
            "no link to the goals",
            "contributes to some goals",
            "directly advances several goals and commitments",
        ),
    ),
]
DEFAULT_WEIGHT = Decimal("1")

# (name, kind, judges per entry, select limit, deserving limit)
DEFAULT_ROUNDS: list[tuple[str, RoundKind, int, int, int]] = [
    ("Technical committee", RoundKind.COMMITTEE, 3, 15, 30),
    ("Jury", RoundKind.JURY, 5, 5, 0),
]


def next_round_defaults(cycle) -> tuple[str, RoundKind, int, int, int]:
    """The settings of the first of DEFAULT_ROUNDS whose kind the cycle has no round of yet
    (the jury's once the committee has a round), else of the last."""
    kinds = {round_.kind for round_ in cycle.rounds}
    return next((d for d in DEFAULT_ROUNDS if d[1] not in kinds), DEFAULT_ROUNDS[-1])
