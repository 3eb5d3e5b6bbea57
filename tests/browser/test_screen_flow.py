"""An attendee answers the pre-chair screen on a 390x844 phone (DESIGN.md 3.4 and 5).

The event is tomorrow 10:00-12:00 America/New_York with 15-minute slots, so every screen here
is taken well before the slot starts and is still open.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from chairops.models import Booking, Screen, utcnow
from chairops.screening.service import submit_screen

pytestmark = pytest.mark.browser

# Words that name the therapist's routine: the attendee must never see them (DESIGN.md 5).
STAFF_WORDS = re.compile(r"\b(refer|modified|exception|glute|routine)", re.IGNORECASE)
GLUTE_ANSWERS = {
    "pain_areas": ["lower_back"],
    "low_back_pain": 8,
    "new_or_different": False,
    "leg_symptoms": "none",
    "red_flags": False,
    "conditions": [],
    "pressure": "medium",
    "avoid_note": "",
}


def tile(page: Page, name: str, value: str):
    """The tappable answer tile (label.choice) that wraps the input `name` = `value`."""
    return page.locator(f"label.choice:has(input[name='{name}'][value='{value}'])")


def choose(page: Page, name: str, value: str):
    """Tap an answer tile as a thumb would, and check that it took."""
    tile(page, name, value).tap()
    expect(page.locator(f"input[name='{name}'][value='{value}']")).to_be_checked()


def answer(page: Page, pain="8", new="no", legs="none", red_flags="no"):
    """Lower back at `pain`, then the other questions; conditions stay unticked."""
    choose(page, "pain_areas", "lower_back")
    choose(page, "low_back_pain", pain)
    choose(page, "new_or_different", new)
    choose(page, "leg_symptoms", legs)
    choose(page, "red_flags", red_flags)


def send(page: Page) -> int:
    """Tap "Send my answers"; return the POST's status (303 is the redirect to the advice)."""
    with page.expect_response(lambda r: r.request.method == "POST") as response:
        page.get_by_role("button", name="Send my answers").tap()
    page.wait_for_load_state()
    return response.value.status


def book_on_phone(page: Page, share_token: str, name: str, phone: str):
    """Claim 10:20 on the sign-up page and follow the confirmation's link to the screen."""
    page.goto(f"/e/{share_token}")
    page.locator("label.time").filter(has_text=re.compile(r"^\s*10:20 AM")).tap()
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Mobile number").fill(phone)
    page.get_by_role("button", name="Book my massage").tap()
    expect(page).to_have_url(re.compile(r"/b/[\w-]+\?new=1$"))
    page.get_by_role("link", name="Answer the questions").tap()
    expect(page).to_have_url(re.compile(r"/b/[\w-]+/screen$"))
    expect(page.get_by_role("heading", name="Before your massage")).to_be_visible()


def stored_screen(session, event) -> Screen:
    """The one booking's screen as the database holds it now."""
    session.expire_all()
    (booking,) = session.scalars(select(Booking).where(Booking.event_id == event.id))
    assert booking.screen is not None, "no screen stored"
    return booking.screen


def assert_attendee_words(page: Page):
    """Neither the text nor the HTML of the page names the routine or the rule."""
    for where, text in (("text", page.locator("body").inner_text()), ("html", page.content())):
        found = STAFF_WORDS.search(text)
        assert found is None, f"the attendee's page {where} says {found.group(0)!r}"


def assert_fits_phone(page: Page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"page is {width}px wide"


def assert_tiles_tappable(page: Page):
    """Every visible answer tile is a touch target of at least 48x48 px."""
    for box in page.locator("label.choice:visible").evaluate_all(
        "els => els.map(el => { const r = el.getBoundingClientRect();"
        " return [el.textContent.trim(), r.width, r.height]; })"
    ):
        label, width, height = box
        assert height >= 48 and width >= 48, f"tile {label!r} is {width:.0f}x{height:.0f}"


def test_severe_settled_back_pain_gets_a_friendly_message(
    live_server, phone_page, make, session, shots
):
    event = make.event()
    page = phone_page
    book_on_phone(page, event.share_token, "Gale Green", "(202) 555-0131")
    answer(page, pain="8")
    assert_fits_phone(page)
    assert_tiles_tappable(page)
    page.screenshot(path=shots / "screen-form.png", full_page=True)
    page.locator("#low-back-questions").screenshot(path=shots / "screen-form-scale.png")

    assert send(page) == 303
    expect(page).to_have_url(re.compile(r"/b/[\w-]+/screen/done$"))
    expect(page.get_by_role("heading", name="All set")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("your therapist will tailor your session")
    assert_attendee_words(page)
    assert_fits_phone(page)
    page.screenshot(path=shots / "screen-done.png", full_page=True)

    screen = stored_screen(session, event)
    assert (screen.routine, screen.rule) == ("glute_exception", "R5")
    assert screen.answers["low_back_pain"] == 8
    assert (screen.answers["new_or_different"], screen.answers["red_flags"]) == (False, False)
    assert screen.answers["conditions"] == []

    # The booking page now says the questions are answered, still without naming the routine.
    page.get_by_role("link", name="Back to my booking").tap()
    expect(page.get_by_role("heading", name="Questions answered")).to_be_visible()
    assert_attendee_words(page)


def test_red_flags_get_urgent_advice(live_server, phone_page, make, session, shots):
    event = make.event()
    page = phone_page
    book_on_phone(page, event.share_token, "Reed Flag", "(202) 555-0132")
    answer(page, pain="8", red_flags="yes")
    assert send(page) == 303

    card = page.locator("section.card.urgent")
    expect(card.get_by_role("heading", name="Please get medical advice today")).to_be_visible()
    expect(card).to_contain_text("urgent medical care")
    expect(card).to_contain_text("bladder or bowel")
    assert_attendee_words(page)
    assert_fits_phone(page)
    page.screenshot(path=shots / "screen-urgent.png", full_page=True)

    screen = stored_screen(session, event)
    assert (screen.routine, screen.rule) == ("refer", "R1")


def test_back_questions_follow_the_lower_back_tick(
    live_server, phone_page, new_page, phone_context_options, make, session, shots
):
    event = make.event()
    _, token = make.booking(event, 1)
    follow_up = "#low-back-questions"
    q2 = "2. How bad is your lower-back pain right now?"

    page = phone_page
    page.goto(f"/b/{token}/screen")
    expect(page.locator(follow_up)).to_be_hidden()
    expect(page.get_by_text(q2)).to_be_hidden()
    choose(page, "pain_areas", "neck_shoulders")
    expect(page.locator(follow_up)).to_be_hidden()
    choose(page, "pain_areas", "lower_back")
    expect(page.get_by_text(q2)).to_be_visible()
    expect(page.get_by_text("3. Is this back pain new")).to_be_visible()
    tile(page, "pain_areas", "lower_back").tap()
    expect(page.locator("#area-lower_back")).not_to_be_checked()
    expect(page.locator(follow_up)).to_be_hidden()
    # "None of these" clears every area and keeps the back questions away.
    choose(page, "pain_areas", "lower_back")
    page.locator("label.choice:has(#area-none)").tap()
    expect(page.locator("input[name=pain_areas]:checked")).to_have_count(0)
    expect(page.locator(follow_up)).to_be_hidden()

    quiet = new_page(**{**phone_context_options, "java_script_enabled": False})
    quiet.goto(f"/b/{token}/screen")
    expect(quiet.get_by_text(q2)).to_be_visible()
    expect(quiet.get_by_text("3. Is this back pain new")).to_be_visible()
    answer(quiet, pain="9")
    assert_tiles_tappable(quiet)
    assert_fits_phone(quiet)
    quiet.screenshot(path=shots / "screen-no-js.png", full_page=True)
    assert send(quiet) == 303
    expect(quiet.get_by_text("your therapist will tailor your session")).to_be_visible()
    screen = stored_screen(session, event)
    assert (screen.routine, screen.rule, screen.answers["low_back_pain"]) == (
        "glute_exception",
        "R5",
        9,
    )


def test_unanswered_questions_are_marked_and_nothing_is_lost(
    live_server, phone_page, make, session, shots
):
    event = make.event()
    booking, token = make.booking(event, 1)
    page = phone_page
    # The attendee opens the screen on their phone ...
    page.goto(f"/b/{token}/screen")
    expect(page.locator("input[name=red_flags]:checked")).to_have_count(0)
    # ... meanwhile the therapist's copy of their answers is stored ...
    submit_screen(session, booking, GLUTE_ANSWERS, utcnow())
    session.commit()
    # ... and the phone sends the form with only lower back ticked.
    choose(page, "pain_areas", "lower_back")
    assert send(page) == 422

    expect(page.get_by_role("alert").first).to_contain_text("Please check the questions")
    expect(page.locator("#low_back_pain-error")).to_contain_text("say how bad it is")
    expect(page.locator("#leg_symptoms-error")).to_have_text("Please answer this question.")
    expect(page.locator("#red_flags-error")).to_have_text("Please answer yes or no.")
    # What they did answer is still ticked, and the back questions stay open for the answer.
    expect(page.locator("#area-lower_back")).to_be_checked()
    expect(page.locator("#low-back-questions")).to_be_visible()
    expect(page.locator("input[name=pressure][value=medium]")).to_be_checked()
    assert_fits_phone(page)
    page.screenshot(path=shots / "screen-errors.png", full_page=True)

    screen = stored_screen(session, event)
    assert (screen.routine, screen.rule) == ("glute_exception", "R5")
    assert screen.answers == GLUTE_ANSWERS

    # Fixing the marked questions sends the answers.
    choose(page, "low_back_pain", "3")
    choose(page, "new_or_different", "no")
    choose(page, "leg_symptoms", "none")
    choose(page, "red_flags", "no")
    assert send(page) == 303
    screen = stored_screen(session, event)
    assert (screen.routine, screen.rule, screen.answers["low_back_pain"]) == ("standard", "R7", 3)
