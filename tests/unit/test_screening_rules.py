"""The pre-chair screen: the decision table R1..R7, cautions, validation and advice."""

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chairops.screening.rules import (
    AREAS,
    CAUTION_LABELS,
    CAUTIONS,
    CONDITIONS,
    DEFAULT_POLICY,
    LEG_SYMPTOMS,
    PRESSURES,
    REASON_LABELS,
    ROUTINES,
    RULES,
    Answers,
    InvalidAnswers,
    Policy,
    attendee_advice,
    evaluate,
)

GOOD = {
    "pain_areas": ["neck_shoulders"],
    "low_back_pain": None,
    "new_or_different": False,
    "leg_symptoms": "none",
    "red_flags": False,
    "conditions": [],
    "pressure": "medium",
    "avoid_note": "",
}
FORBIDDEN = ("refer", "modified", "exception", "glute", "routine")


def answers(**change) -> Answers:
    """Valid answers: neck and shoulders, nothing else, unless changed."""
    return Answers.from_dict({**GOOD, **change})


def back(pain: int, **change) -> Answers:
    """Answers with lower back ticked at the given pain score."""
    return answers(pain_areas=["lower_back"], low_back_pain=pain, **change)


def decide(given: Answers, policy: Policy = DEFAULT_POLICY) -> tuple[str, str]:
    outcome = evaluate(given, policy)
    return outcome.rule, outcome.routine


# --- The decision table ---

TABLE = [
    pytest.param(answers(), ("R7", "standard"), id="R7-nothing"),
    pytest.param(answers(pain_areas=[]), ("R7", "standard"), id="R7-no-pain-areas"),
    pytest.param(answers(red_flags=True), ("R1", "refer"), id="R1-red-flags"),
    pytest.param(answers(leg_symptoms="both_or_weakening"), ("R1", "refer"), id="R1-both-legs"),
    pytest.param(
        back(
            9, new_or_different=True, red_flags=True, leg_symptoms="one_leg", conditions=["unwell"]
        ),
        ("R1", "refer"),
        id="R1-beats-everything",
    ),
    pytest.param(
        answers(leg_symptoms="both_or_weakening", conditions=["blood_clot"]),
        ("R1", "refer"),
        id="R1-before-R2",
    ),
    pytest.param(answers(conditions=["unwell"]), ("R2", "refer"), id="R2-unwell"),
    pytest.param(answers(conditions=["blood_clot"]), ("R2", "refer"), id="R2-blood-clot"),
    pytest.param(answers(conditions=["recent_surgery"]), ("R2", "refer"), id="R2-surgery"),
    pytest.param(
        answers(conditions=["pregnancy_complications"]), ("R2", "refer"), id="R2-complications"
    ),
    pytest.param(
        back(9, leg_symptoms="one_leg", conditions=["unwell"]), ("R2", "refer"), id="R2-before-R3"
    ),
    pytest.param(answers(leg_symptoms="one_leg"), ("R3", "modified"), id="R3-one-leg-no-back"),
    pytest.param(back(2, leg_symptoms="one_leg"), ("R3", "modified"), id="R3-one-leg-mild"),
    pytest.param(
        back(9, new_or_different=True, leg_symptoms="one_leg"),
        ("R3", "modified"),
        id="R3-before-R4",
    ),
    pytest.param(back(9, leg_symptoms="one_leg"), ("R3", "modified"), id="R3-before-R5"),
    pytest.param(back(7, new_or_different=True), ("R4", "modified"), id="R4-severe-new"),
    pytest.param(
        back(10, new_or_different=True, conditions=["pregnant"]),
        ("R4", "modified"),
        id="R4-before-R6",
    ),
    pytest.param(back(6, new_or_different=True), ("R7", "standard"), id="R7-new-not-severe"),
    pytest.param(back(7), ("R5", "glute_exception"), id="R5-at-threshold"),
    pytest.param(back(10), ("R5", "glute_exception"), id="R5-worst"),
    pytest.param(back(6), ("R7", "standard"), id="R7-just-below"),
    pytest.param(back(0), ("R7", "standard"), id="R7-zero"),
    pytest.param(back(8, conditions=["pregnant"]), ("R6", "modified"), id="R6-pregnant"),
    pytest.param(back(8, conditions=["osteoporosis"]), ("R6", "modified"), id="R6-osteoporosis"),
    pytest.param(
        back(8, conditions=["blood_thinners", "skin", "recent_injury"]),
        ("R5", "glute_exception"),
        id="R5-other-conditions-do-not-stop-it",
    ),
    pytest.param(back(6, conditions=["pregnant"]), ("R7", "standard"), id="R7-pregnant-mild"),
    pytest.param(
        answers(pain_areas=["upper_back"], low_back_pain=9, new_or_different=True),
        ("R7", "standard"),
        id="R7-pain-ignored-without-lower-back",
    ),
    pytest.param(
        answers(pain_areas=["hips_glutes"], low_back_pain=9), ("R7", "standard"), id="R7-hips-only"
    ),
]


@pytest.mark.parametrize(("given", "expected"), TABLE)
def test_decision_table(given, expected):
    assert decide(given) == expected


@pytest.mark.parametrize(
    ("pain", "expected"),
    [(6, "R7"), (7, "R7"), (8, "R5"), (10, "R5")],
    ids=["6", "7", "8", "10"],
)
def test_policy_moves_the_severe_boundary(pain, expected):
    assert decide(back(pain), Policy(severe_at=8))[0] == expected


@pytest.mark.parametrize("condition", CONDITIONS)
def test_each_condition_alone_without_back_pain(condition):
    clearance = {"unwell", "blood_clot", "recent_surgery", "pregnancy_complications"}
    expected = ("R2", "refer") if condition in clearance else ("R7", "standard")
    assert decide(answers(conditions=[condition])) == expected


ONE_PER_RULE = [
    pytest.param(answers(red_flags=True), "R1", "urgent", id="R1"),
    pytest.param(answers(conditions=["unwell"]), "R2", "clearance", id="R2"),
    pytest.param(answers(leg_symptoms="one_leg"), "R3", "sciatica", id="R3"),
    pytest.param(back(8, new_or_different=True), "R4", "new_severe_back", id="R4"),
    pytest.param(back(8), "R5", "", id="R5"),
    pytest.param(back(8, conditions=["osteoporosis"]), "R6", "light_only", id="R6"),
    pytest.param(answers(), "R7", "", id="R7"),
]


@pytest.mark.parametrize(("given", "rule", "reason"), ONE_PER_RULE)
def test_each_rule_gives_its_reason(given, rule, reason):
    outcome = evaluate(given)
    assert (outcome.rule, outcome.reason) == (rule, reason)
    assert not reason or reason in REASON_LABELS


def test_outcome_records_the_rule_version():
    assert evaluate(answers()).rule_version == "2026.1"
    assert evaluate(answers(), Policy(version="2027.3")).rule_version == "2027.3"


# --- Cautions ---


@pytest.mark.parametrize(
    ("conditions", "cautions"),
    [
        pytest.param([], (), id="none"),
        pytest.param(["blood_thinners"], ("light_pressure", "no_percussion"), id="thinners"),
        pytest.param(["skin"], ("avoid_area",), id="skin"),
        pytest.param(["recent_injury"], ("avoid_area",), id="injury"),
        pytest.param(["pregnant"], ("light_pressure",), id="pregnant"),
        pytest.param(["osteoporosis"], ("light_pressure",), id="osteoporosis"),
        pytest.param(["skin", "recent_injury"], ("avoid_area",), id="skin+injury"),
        pytest.param(
            ["pregnant", "osteoporosis", "blood_thinners"],
            ("light_pressure", "no_percussion"),
            id="pregnant+osteoporosis+thinners",
        ),
        pytest.param(["recent_injury", "blood_thinners", "pregnant"], CAUTIONS, id="all-three"),
        pytest.param(["unwell", "skin"], ("avoid_area",), id="unwell+skin"),
    ],
)
def test_cautions(conditions, cautions):
    assert evaluate(answers(conditions=conditions)).cautions == cautions


def test_cautions_are_added_to_every_outcome():
    assert evaluate(answers(red_flags=True, conditions=["skin"])).cautions == ("avoid_area",)
    assert evaluate(back(9, conditions=["blood_thinners"])).cautions[0] == "light_pressure"


def test_every_caution_has_a_label():
    assert set(CAUTION_LABELS) == set(CAUTIONS)


def test_light_pressure_caps_the_chosen_pressure():
    capped = evaluate(answers(conditions=["osteoporosis"]))
    assert (capped.pressure_cap, capped.pressure_for("firm")) == ("light", "light")
    assert evaluate(answers()).pressure_for("firm") == "firm"


# --- Attendee advice ---


def test_urgent_advice_names_the_symptoms():
    advice = attendee_advice(evaluate(answers(red_flags=True))).lower()
    assert "no massage today" in advice and "urgent" in advice
    for symptom in ("groin", "bladder", "bowel", "fever", "fall or blow"):
        assert symptom in advice


def test_clearance_advice_asks_to_rebook_or_check_with_a_doctor():
    advice = attendee_advice(evaluate(answers(conditions=["blood_clot"])))
    assert "another day" in advice and "doctor" in advice and "urgent" not in advice


@pytest.mark.parametrize(("given", "rule", "reason"), ONE_PER_RULE[2:])
def test_other_outcomes_get_the_same_friendly_message(given, rule, reason):
    assert attendee_advice(evaluate(given)) == attendee_advice(evaluate(answers()))


# --- Validating the answers ---

BACK = {**GOOD, "pain_areas": ["lower_back"], "low_back_pain": 5}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        pytest.param({**GOOD, "pain_areas": ["knees"]}, "pain_areas", id="unknown-area"),
        pytest.param({**GOOD, "pain_areas": "lower_back"}, "pain_areas", id="area-not-list"),
        pytest.param({**GOOD, "pain_areas": [1]}, "pain_areas", id="area-not-string"),
        pytest.param({**GOOD, "pain_areas": None}, "pain_areas", id="areas-null"),
        pytest.param({**BACK, "low_back_pain": 11}, "low_back_pain", id="pain-11"),
        pytest.param({**BACK, "low_back_pain": -1}, "low_back_pain", id="pain-minus-1"),
        pytest.param({**BACK, "low_back_pain": "seven"}, "low_back_pain", id="pain-word"),
        pytest.param({**BACK, "low_back_pain": "7"}, "low_back_pain", id="pain-string"),
        pytest.param({**BACK, "low_back_pain": True}, "low_back_pain", id="pain-bool"),
        pytest.param({**BACK, "low_back_pain": 7.5}, "low_back_pain", id="pain-fraction"),
        pytest.param({**BACK, "low_back_pain": None}, "low_back_pain", id="pain-null"),
        pytest.param({**BACK, "new_or_different": "yes"}, "new_or_different", id="new-string"),
        pytest.param({**BACK, "new_or_different": 1}, "new_or_different", id="new-int"),
        pytest.param({**GOOD, "leg_symptoms": "left_leg"}, "leg_symptoms", id="legs-unknown"),
        pytest.param({**GOOD, "leg_symptoms": ["none"]}, "leg_symptoms", id="legs-list"),
        pytest.param({**GOOD, "red_flags": "false"}, "red_flags", id="flags-string"),
        pytest.param({**GOOD, "red_flags": 0}, "red_flags", id="flags-int"),
        pytest.param({**GOOD, "red_flags": None}, "red_flags", id="flags-null"),
        pytest.param({**GOOD, "conditions": ["diabetes"]}, "conditions", id="unknown-condition"),
        pytest.param({**GOOD, "conditions": "pregnant"}, "conditions", id="conditions-not-list"),
        pytest.param({**GOOD, "conditions": {"pregnant": True}}, "conditions", id="cond-dict"),
        pytest.param({**GOOD, "pressure": "deep"}, "pressure", id="pressure-unknown"),
        pytest.param({**GOOD, "pressure": 3}, "pressure", id="pressure-number"),
        pytest.param({**GOOD, "avoid_note": "x" * 10_000}, "avoid_note", id="note-10kB"),
        pytest.param({**GOOD, "avoid_note": "x" * 141}, "avoid_note", id="note-141"),
        pytest.param({**GOOD, "avoid_note": ["left knee"]}, "avoid_note", id="note-list"),
    ],
)
def test_each_bad_field_is_named(data, field):
    with pytest.raises(InvalidAnswers) as caught:
        Answers.from_dict(data)
    assert list(caught.value.errors) == [field]
    assert caught.value.errors[field].endswith(".")


@pytest.mark.parametrize(
    "field", ["pain_areas", "leg_symptoms", "red_flags", "conditions", "pressure"]
)
def test_each_required_field_is_named_when_missing(field):
    data = {name: value for name, value in GOOD.items() if name != field}
    with pytest.raises(InvalidAnswers) as caught:
        Answers.from_dict(data)
    assert list(caught.value.errors) == [field]


def test_pain_is_required_when_lower_back_is_ticked():
    data = {name: value for name, value in BACK.items() if name != "low_back_pain"}
    with pytest.raises(InvalidAnswers) as caught:
        Answers.from_dict(data)
    assert "0 to 10" in caught.value.errors["low_back_pain"]


def test_every_bad_field_is_named_at_once():
    data = {"pain_areas": ["lower_back", "toes"], "low_back_pain": 12, "pressure": "deep"}
    with pytest.raises(InvalidAnswers) as caught:
        Answers.from_dict(data)
    assert set(caught.value.errors) == {
        "pain_areas",
        "low_back_pain",
        "new_or_different",
        "leg_symptoms",
        "red_flags",
        "conditions",
        "pressure",
    }


def test_answers_that_are_not_an_object_are_rejected():
    with pytest.raises(InvalidAnswers) as caught:
        Answers.from_dict(["lower_back"])
    assert list(caught.value.errors) == ["answers"]


def test_a_long_bad_value_is_not_echoed_back():
    with pytest.raises(InvalidAnswers) as caught:
        Answers.from_dict({**GOOD, "conditions": ["y" * 10_000]})
    assert len(caught.value.errors["conditions"]) < 300


def test_back_questions_are_ignored_when_lower_back_is_not_ticked():
    given = answers(pain_areas=["upper_back"], low_back_pain="garbage", new_or_different=3)
    assert (given.low_back_pain, given.new_or_different) == (None, False)


def test_lists_are_deduplicated_in_a_stable_order():
    given = answers(
        pain_areas=["lower_back", "neck_shoulders", "lower_back"],
        low_back_pain=3,
        conditions=["skin", "pregnant", "skin"],
    )
    assert given.pain_areas == ("neck_shoulders", "lower_back")
    assert given.conditions == ("pregnant", "skin")


def test_the_avoid_note_is_optional():
    data = dict(BACK)
    del data["avoid_note"]
    assert Answers.from_dict(data).avoid_note == ""


def test_with_lower_back_ticked_new_or_different_must_be_answered():
    data = {name: value for name, value in BACK.items() if name != "new_or_different"}
    with pytest.raises(InvalidAnswers) as caught:
        Answers.from_dict({**data, "low_back_pain": 9})
    assert "new_or_different" in caught.value.errors


def test_the_note_is_stripped_and_may_be_140_characters():
    assert answers(avoid_note="  left knee \n").avoid_note == "left knee"
    assert len(answers(avoid_note=" " + "x" * 140 + " ").avoid_note) == 140


def test_zero_and_ten_are_valid_pain_scores():
    assert (back(0).low_back_pain, back(10).low_back_pain) == (0, 10)


# --- Properties over every valid answer set ---


@st.composite
def valid_dicts(draw) -> dict:
    """Any answer object the API accepts, including ignored and duplicate values."""
    areas = draw(st.lists(st.sampled_from(AREAS), max_size=6))
    data = {
        "pain_areas": areas,
        "leg_symptoms": draw(st.sampled_from(LEG_SYMPTOMS)),
        "red_flags": draw(st.booleans()),
        "conditions": draw(st.lists(st.sampled_from(CONDITIONS), max_size=12)),
        "pressure": draw(st.sampled_from(PRESSURES)),
    }
    if "lower_back" in areas or draw(st.booleans()):
        data["low_back_pain"] = draw(st.integers(0, 10))
    if "lower_back" in areas or draw(st.booleans()):
        data["new_or_different"] = draw(st.booleans())
    if draw(st.booleans()):
        data["avoid_note"] = draw(st.text(max_size=140))
    return data


valid_answers = valid_dicts().map(Answers.from_dict)
fast = settings(max_examples=200, deadline=None)


@fast
@given(valid_answers)
def test_every_valid_answer_set_gets_one_known_outcome(given):
    outcome = evaluate(given)
    assert outcome.routine in ROUTINES and outcome.rule in RULES
    assert set(outcome.cautions) <= set(CAUTIONS)
    assert len(set(outcome.cautions)) == len(outcome.cautions)


@fast
@given(valid_answers)
def test_red_flags_always_mean_no_massage(given):
    flagged = dataclasses.replace(given, red_flags=True)
    assert (evaluate(flagged).rule, evaluate(flagged).routine) == ("R1", "refer")


@fast
@given(valid_answers, st.integers(0, 10), st.integers(0, 10))
def test_more_pain_never_turns_no_massage_into_a_massage(given, low, high):
    low, high = sorted((low, high))
    calmer = dataclasses.replace(given, low_back_pain=low)
    worse = dataclasses.replace(given, low_back_pain=high)
    if evaluate(calmer).routine == "refer":
        assert evaluate(worse).routine == "refer"


@fast
@given(valid_answers, st.text(max_size=140))
def test_the_note_never_changes_the_outcome(given, note):
    assert evaluate(dataclasses.replace(given, avoid_note=note)) == evaluate(given)


@fast
@given(valid_answers)
def test_answers_round_trip_through_a_dict(given):
    assert Answers.from_dict(given.to_dict()) == given


@fast
@given(valid_answers)
def test_advice_never_names_the_routine(given):
    advice = attendee_advice(evaluate(given)).lower()
    assert not any(word in advice for word in FORBIDDEN)
