"""Routine cards: every routine has a card, timed cards fill the slot, the glute card is careful."""

import pytest

from chairops.screening.cards import CARD_MINUTES, Card, Step, load_card, scaled_steps
from chairops.screening.rules import REASON_LABELS, ROUTINES

TIMED = [routine for routine in ROUTINES if routine != "refer"]


@pytest.mark.parametrize("routine", ROUTINES)
def test_every_routine_has_a_card(routine):
    card = load_card(routine)
    assert card.routine == routine and card.title and card.summary and card.stop_rules
    assert all(step.name and step.how and step.minutes > 0 for step in card.steps)


@pytest.mark.parametrize("routine", TIMED)
def test_timed_cards_fill_a_fifteen_minute_slot(routine):
    assert sum(step.minutes for step in load_card(routine).steps) == CARD_MINUTES == 15


def test_refer_card_has_a_script_and_no_timed_steps():
    card = load_card("refer")
    assert card.steps == () and "no massage today" in card.script.lower() + card.title.lower()
    assert scaled_steps(card, 20) == []


@pytest.mark.parametrize("routine", TIMED)
@pytest.mark.parametrize("slot_minutes", [5, 10, 15, 20, 25, 30])
def test_scaled_steps_fill_the_slot_in_half_minutes(routine, slot_minutes):
    steps = scaled_steps(load_card(routine), slot_minutes)
    assert sum(step.minutes for step in steps) == slot_minutes
    assert all(step.minutes > 0 and (step.minutes * 2).is_integer() for step in steps)
    assert [step.name for step in steps] == [step.name for step in load_card(routine).steps]


def test_fifteen_minutes_keeps_the_card_as_written():
    card = load_card("glute_exception")
    assert scaled_steps(card, 15) == list(card.steps)


def test_the_longest_step_absorbs_the_rounding():
    card = Card("test", "t", "s", (Step("a", 1, ""), Step("b", 1, ""), Step("c", 2, "")), ())
    assert [step.minutes for step in scaled_steps(card, 5)] == [1.5, 1.5, 2.0]
    assert [step.minutes for step in scaled_steps(card, 7)] == [2.0, 2.0, 3.0]


def test_glute_card_keeps_off_the_sciatic_notch_and_stops_on_leg_symptoms():
    card = load_card("glute_exception")
    text = " ".join(step.how for step in card.steps).lower()
    assert "sciatic notch" in text and "no elbow" in text and "0 to 10" in text
    assert any("leg" in rule for rule in card.stop_rules)
    assert any("sharp pain" in rule for rule in card.stop_rules)


@pytest.mark.parametrize(
    ("routine", "reasons"),
    [
        ("modified", ["sciatica", "new_severe_back", "light_only"]),
        ("refer", ["urgent", "clearance"]),
    ],
)
def test_cards_explain_each_reason_that_leads_to_them(routine, reasons):
    card = load_card(routine)
    assert all(card.note_for(reason) and reason in REASON_LABELS for reason in reasons)
    assert card.note_for("unknown") == ""


def test_an_unknown_routine_has_no_card():
    with pytest.raises(ValueError, match="Unknown routine"):
        load_card("deep_tissue")


def test_cards_are_loaded_once():
    assert load_card("standard") is load_card("standard")
