"""Routine cards: the YAML files in routines/, loaded once and scaled to a slot's length."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

import yaml

from chairops.screening.rules import ROUTINES

CARD_MINUTES = 15


@dataclass(frozen=True)
class Step:
    """One timed step of a routine card."""

    name: str
    minutes: float
    how: str


@dataclass(frozen=True)
class Card:
    """A routine card: what the therapist reads at arm's length."""

    routine: str
    title: str
    summary: str
    steps: tuple[Step, ...]
    stop_rules: tuple[str, ...]
    script: str = ""
    variants: MappingProxyType[str, str] = field(default_factory=lambda: MappingProxyType({}))
    donts: tuple[str, ...] = ()  # short, at arm's length: what never to do in this routine

    def note_for(self, reason: str) -> str:
        """The card's note for an outcome's reason, or an empty string."""
        return self.variants.get(reason, "")


@cache
def load_card(routine: str) -> Card:
    """The card for a routine, read from its YAML file once."""
    if routine not in ROUTINES:
        raise ValueError(f"Unknown routine {routine!r}; expected one of {', '.join(ROUTINES)}.")
    path = resources.files("chairops.screening") / "routines" / f"{routine}.yaml"
    return _card_from(routine, yaml.safe_load(path.read_text(encoding="utf-8")))


def _card_from(routine: str, data: dict[str, Any]) -> Card:
    return Card(
        routine=routine,
        title=str(data["title"]),
        summary=str(data["summary"]),
        steps=tuple(
            Step(str(s["name"]), float(s["minutes"]), str(s["how"])) for s in data["steps"] or ()
        ),
        stop_rules=tuple(str(rule) for rule in data["stop_rules"] or ()),
        script=str(data.get("script") or ""),
        variants=MappingProxyType(
            {str(k): str(v) for k, v in (data.get("variants") or {}).items()}
        ),
        donts=tuple(str(item) for item in data.get("donts") or ()),
    )


def scaled_steps(card: Card, slot_minutes: int) -> list[Step]:
    """The card's steps scaled to the slot, in half minutes, summing exactly to the slot."""
    if slot_minutes <= 0:
        raise ValueError("The slot length must be positive.")
    total = sum(step.minutes for step in card.steps)
    if not total:
        return []
    scaled = [max(0.5, _half_minute(step.minutes * slot_minutes / total)) for step in card.steps]
    longest = max(range(len(scaled)), key=lambda i: card.steps[i].minutes)
    scaled[longest] += slot_minutes - sum(scaled)
    if scaled[longest] <= 0:
        raise ValueError(f"A {slot_minutes}-minute slot is too short for this card.")
    return [
        Step(step.name, minutes, step.how) for step, minutes in zip(card.steps, scaled, strict=True)
    ]


def _half_minute(minutes: float) -> float:
    # Half up, not Python's round-half-to-even, so equal steps scale alike.
    return math.floor(minutes * 2 + 0.5) / 2
