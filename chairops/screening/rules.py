"""The pre-chair screen: answers in, routine and cautions out (DESIGN.md section 5).

Pure: imports only the standard library, so it is tested without an app or a database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

AREAS = ("neck_shoulders", "upper_back", "lower_back", "hips_glutes")
CONDITIONS = (
    "pregnant",
    "pregnancy_complications",
    "recent_surgery",
    "blood_clot",
    "unwell",
    "blood_thinners",
    "osteoporosis",
    "skin",
    "recent_injury",
)
LEG_SYMPTOMS = ("none", "one_leg", "both_or_weakening")
PRESSURES = ("light", "medium", "firm")
NOTE_LIMIT = 140

ROUTINES = ("standard", "glute_exception", "modified", "refer")
RULES = ("R1", "R2", "R3", "R4", "R5", "R6", "R7")

CLEARANCE_CONDITIONS = frozenset(
    {"unwell", "blood_clot", "recent_surgery", "pregnancy_complications"}
)
LIGHT_ONLY_CONDITIONS = frozenset({"pregnant", "osteoporosis"})

CAUTIONS = ("light_pressure", "no_percussion", "avoid_area")
CAUTIONS_BY_CONDITION = {
    "blood_thinners": ("light_pressure", "no_percussion"),
    "skin": ("avoid_area",),
    "recent_injury": ("avoid_area",),
    "pregnant": ("light_pressure",),
    "osteoporosis": ("light_pressure",),
}
CAUTION_LABELS = {
    "light_pressure": "Light pressure only",
    "no_percussion": "No percussion (no tapping or hacking)",
    "avoid_area": "Avoid the affected area: ask where",
}

REASON_LABELS = {
    "urgent": "No massage today: urgent medical advice shown",
    "clearance": "No massage today: reschedule or get medical clearance",
    "sciatica": "Sciatica caution: no sustained pressure on glutes or piriformis",
    "new_severe_back": "Upper body only: new or changed severe back pain, suggest a GP or physio",
    "light_only": "Light pressure, no sustained low-back or glute work",
}


class InvalidAnswers(ValueError):
    """Raised with a mapping of field name to a message a person can act on."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class Policy:
    """Every threshold of the screen; `version` is recorded on each outcome."""

    severe_at: int = 7
    new_weeks: int = 6
    surgery_weeks: int = 6
    injury_hours: int = 72
    version: str = "2026.1"


DEFAULT_POLICY = Policy()


@dataclass(frozen=True)
class Answers:
    """One attendee's answers, validated and normalised."""

    pain_areas: tuple[str, ...]
    low_back_pain: int | None
    new_or_different: bool
    leg_symptoms: str
    red_flags: bool
    conditions: tuple[str, ...]
    pressure: str
    avoid_note: str = ""

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Answers:
        """Validate a JSON-like object; raise InvalidAnswers naming every bad field."""
        if not isinstance(data, Mapping):
            raise InvalidAnswers({"answers": "Send the answers as a JSON object."})
        errors: dict[str, str] = {}
        clean: dict[str, object] = {}
        for name, parse in _field_parsers(_lower_back_ticked(data.get("pain_areas"))).items():
            try:
                clean[name] = parse(data.get(name, _MISSING))
            except ValueError as exc:
                errors[name] = str(exc)
        if errors:
            raise InvalidAnswers(errors)
        return cls(**clean)

    def to_dict(self) -> dict[str, object]:
        """The answers as a JSON-able dict, the shape from_dict accepts."""
        return {
            "pain_areas": list(self.pain_areas),
            "low_back_pain": self.low_back_pain,
            "new_or_different": self.new_or_different,
            "leg_symptoms": self.leg_symptoms,
            "red_flags": self.red_flags,
            "conditions": list(self.conditions),
            "pressure": self.pressure,
            "avoid_note": self.avoid_note,
        }


@dataclass(frozen=True)
class Outcome:
    """Which card the therapist sees, the rule that chose it, and the cautions."""

    routine: str
    rule: str
    cautions: tuple[str, ...]
    rule_version: str
    reason: str = ""

    @property
    def pressure_cap(self) -> str | None:
        """The firmest pressure allowed, or None when the attendee's choice stands."""
        return "light" if "light_pressure" in self.cautions else None

    def pressure_for(self, preferred: str) -> str:
        """The pressure to use: the attendee's choice unless a caution caps it."""
        return self.pressure_cap or preferred

    def to_dict(self) -> dict[str, object]:
        """The outcome as a JSON-able dict."""
        return {
            "routine": self.routine,
            "rule": self.rule,
            "cautions": list(self.cautions),
            "rule_version": self.rule_version,
            "reason": self.reason,
        }


def evaluate(answers: Answers, policy: Policy = DEFAULT_POLICY) -> Outcome:
    """Apply the decision table R1..R7 in order; the first match wins."""
    rule, routine, reason = _first_match(answers, policy)
    return Outcome(routine, rule, cautions_for(answers.conditions), policy.version, reason)


def _first_match(answers: Answers, policy: Policy) -> tuple[str, str, str]:
    conditions = set(answers.conditions)
    severe = is_severe(answers, policy)
    settled = severe and not answers.new_or_different
    light_only = bool(conditions & LIGHT_ONLY_CONDITIONS)
    table = (
        ("R1", answers.red_flags or answers.leg_symptoms == "both_or_weakening", "refer", "urgent"),
        ("R2", bool(conditions & CLEARANCE_CONDITIONS), "refer", "clearance"),
        ("R3", answers.leg_symptoms == "one_leg", "modified", "sciatica"),
        ("R4", severe and answers.new_or_different, "modified", "new_severe_back"),
        ("R5", settled and not light_only, "glute_exception", ""),
        ("R6", settled and light_only, "modified", "light_only"),
        ("R7", True, "standard", ""),
    )
    return next((rule, routine, reason) for rule, hit, routine, reason in table if hit)


def is_severe(answers: Answers, policy: Policy = DEFAULT_POLICY) -> bool:
    """Lower back ticked and its pain at or above the policy's threshold."""
    return (
        "lower_back" in answers.pain_areas
        and answers.low_back_pain is not None
        and answers.low_back_pain >= policy.severe_at
    )


def cautions_for(conditions: Iterable[str]) -> tuple[str, ...]:
    """The cautions the conditions call for, in a stable order, without duplicates."""
    wanted = {code for name in conditions for code in CAUTIONS_BY_CONDITION.get(name, ())}
    return tuple(code for code in CAUTIONS if code in wanted)


URGENT_ADVICE = (
    "No massage today. Some of your answers can be a sign of a problem that needs a doctor "
    "today: numbness around the groin or buttocks, new bladder or bowel problems, weakness, "
    "numbness or pain in both legs, fever, or a fall or blow to the back. Please seek urgent "
    "medical care today: call your doctor, go to an urgent care clinic, or go to the emergency "
    "department if it is getting worse."
)
CLEARANCE_ADVICE = (
    "Thank you for telling us. To be on the safe side, a massage is not a good idea today. "
    "Please book another day once you are well, or check with your doctor first that a "
    "massage is fine for you."
)
WELCOME_ADVICE = "Thanks, your therapist will tailor your session to you."


def attendee_advice(outcome: Outcome) -> str:
    """What the attendee is told; it never names the routine or the rule."""
    if outcome.rule == "R1":
        return URGENT_ADVICE
    if outcome.rule == "R2":
        return CLEARANCE_ADVICE
    return WELCOME_ADVICE


# --- Validating each answer ---

_MISSING = object()
_REQUIRED = "Please answer this question."
_YES_NO = "Please answer yes or no."


def _lower_back_ticked(areas: object) -> bool:
    return isinstance(areas, list | tuple) and "lower_back" in areas


def _field_parsers(lower_back: bool) -> dict:
    # Q2 and Q3 are asked only when lower back is ticked; otherwise whatever was sent is ignored.
    return {
        "pain_areas": lambda v: _picks(v, AREAS, "area", "an empty list means none"),
        "low_back_pain": _pain if lower_back else lambda v: None,
        # Unanswered is not "not new": R5 (the glute routine) needs a real no.
        "new_or_different": _flag if lower_back else lambda v: False,
        "leg_symptoms": lambda v: _choice(v, LEG_SYMPTOMS),
        "red_flags": _flag,
        "conditions": lambda v: _picks(v, CONDITIONS, "condition", "an empty list means none"),
        "pressure": lambda v: _choice(v, PRESSURES),
        "avoid_note": _note,
    }


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 30 else text[:27] + "..."


def _choice(value: object, options: tuple[str, ...]) -> str:
    if value is _MISSING or value is None:
        raise ValueError(_REQUIRED)
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"Choose one of: {', '.join(options)}.")
    return value


def _picks(value: object, options: tuple[str, ...], what: str, empty: str) -> tuple[str, ...]:
    if value is _MISSING or value is None:
        raise ValueError(f"{_REQUIRED} Send a list; {empty}.")
    if not isinstance(value, list | tuple):
        raise ValueError(f"Send a list such as [{options[0]!r}]; {empty}.")
    unknown = [item for item in value if not isinstance(item, str) or item not in options]
    if unknown:
        raise ValueError(
            f"Unknown {what} {_show(unknown[0])}. Choose from: {', '.join(options)}; {empty}."
        )
    return tuple(option for option in options if option in value)


def _pain(value: object) -> int:
    if value is _MISSING or value is None:
        raise ValueError("You ticked lower back: say how bad it is, a whole number from 0 to 10.")
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10:
        raise ValueError("Give the lower-back pain as a whole number from 0 to 10.")
    return value


def _flag(value: object) -> bool:
    if value is _MISSING or value is None:
        raise ValueError(f"{_REQUIRED} {_YES_NO}")
    if not isinstance(value, bool):
        raise ValueError(_YES_NO)
    return value


def _note(value: object) -> str:
    if value is _MISSING or value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError("Write the note as plain text.")
    text = value.strip()
    if len(text) > NOTE_LIMIT:
        raise ValueError(f"Keep the note to {NOTE_LIMIT} characters (it has {len(text)}).")
    return text


def may_see_screen(role: str, user_id: int, chair_therapist_id: int | None) -> bool:
    """Screen data of a booking: that booking's chair's therapist, or an admin. Nobody else."""
    return role == "admin" or (role == "therapist" and chair_therapist_id == user_id)
