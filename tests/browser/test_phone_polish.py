"""What a newcomer tripped on in the phone pages (issue 13, points 1-5 and 8), at 390x844.

The event is tomorrow 10:00-12:00 America/New_York, times every 20 minutes.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from chairops.models import Booking
from tests.browser.test_phone_booking import assert_fits_phone, fill_claim, submit_claim, tile
from tests.browser.test_screen_flow import choose
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

SUMMARY = ".error-summary"


def focused(page: Page) -> str:
    """What has the keyboard focus: 'tag.class#id'."""
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return `${e.tagName.toLowerCase()}.${e.className}#${e.id}`; }"
    )


def in_view(page: Page, selector: str) -> bool:
    """True when the element's top edge is inside the viewport as it stands."""
    return page.evaluate(
        "s => { const r = document.querySelector(s).getBoundingClientRect();"
        " return r.top >= 0 && r.top < window.innerHeight; }",
        selector,
    )


def assert_summary_opens_the_page(page: Page, links: dict[str, str]):
    """The summary is in view, focused, and links each message (a regex) to its field."""
    summary = page.locator(SUMMARY)
    expect(summary).to_be_visible()
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.get_by_role("alert").filter(has_text="There is a problem")).to_have_count(1)
    assert focused(page).startswith("div.error-summary"), focused(page)
    assert in_view(page, SUMMARY)
    for message, field_id in links.items():
        link = summary.locator(f"a[href='#{field_id}']")
        expect(link).to_contain_text(re.compile(message))
    assert_fits_phone(page)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_bad_phone_number_is_summarised_at_the_top_and_focused(
    live_server, new_page, phone_context_options, make, shots, javascript
):
    event = make.event()
    page = new_page(**{**phone_context_options, "java_script_enabled": javascript})
    page.goto(f"/e/{event.share_token}")
    fill_claim(page, "10:20 AM", phone="12")
    page.get_by_label("Your name").fill("")
    assert submit_claim(page) == 422

    assert_summary_opens_the_page(page, {"Tell us your name": "name", "number": "phone"})
    page.screenshot(path=shots / f"phone-error-summary-{'js' if javascript else 'nojs'}.png")
    # The link takes the thumb to the field, which was 1,100 px down before.
    page.locator(SUMMARY).get_by_role("link", name=re.compile("number")).tap()
    expect(page).to_have_url(re.compile(r"#phone$"))
    assert in_view(page, "#phone")


def test_the_screen_summarises_unanswered_questions(live_server, phone_page, make, shots):
    event = make.event()
    _, token = make.booking(event, 1)
    page = phone_page
    page.goto(f"/b/{token}/screen")
    choose(page, "pain_areas", "lower_back")
    page.get_by_role("button", name="Send my answers").tap()
    assert_summary_opens_the_page(
        page,
        {
            "Please answer this question": "leg_symptoms",
            "Please answer yes or no": "red_flags",
        },
    )
    page.screenshot(path=shots / "screen-error-summary.png")


def test_cancel_asks_first_without_javascript(
    live_server, new_page, phone_context_options, make, session, shots
):
    event = make.event()
    page = new_page(**{**phone_context_options, "java_script_enabled": False})
    page.goto(f"/e/{event.share_token}")
    fill_claim(page, "10:20 AM")
    assert submit_claim(page) == 303
    expect(page.get_by_text("You're booked")).to_be_visible()
    manage = page.url.split("?")[0]

    page.get_by_role("button", name="Cancel my booking").tap()
    expect(page.get_by_role("heading", name="Cancel your 10:20 AM massage?")).to_be_visible()
    expect(page.get_by_text("Chair massage day")).to_be_visible()
    assert_fits_phone(page)
    page.screenshot(path=shots / "phone-cancel-confirm.png")
    page.get_by_role("link", name="Keep it").tap()
    expect(page).to_have_url(manage)
    session.expire_all()
    (booking,) = session.scalars(select(Booking).where(Booking.event_id == event.id))
    assert booking.status == "booked"

    page.get_by_role("button", name="Cancel my booking").tap()
    page.get_by_role("button", name="Cancel it").tap()
    expect(page.get_by_role("heading", name="Booking cancelled")).to_be_visible()
    session.expire_all()
    assert session.get(Booking, booking.id).status == "cancelled"


def test_not_found_pages_say_what_to_do_next(live_server, phone_page, shots):
    page = phone_page
    response = page.goto("/b/not-a-real-token")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Booking not found")).to_be_visible()
    expect(page.get_by_role("heading", name="What to do next")).to_be_visible()
    expect(page.get_by_text(re.compile("link in your confirmation text"))).to_be_visible()
    assert_fits_phone(page)
    page.screenshot(path=shots / "phone-booking-not-found.png")

    response = page.goto("/e/not-a-real-share-token")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Event not found")).to_be_visible()
    expect(page.get_by_text("Ask your HR coordinator for the sign-up link.")).to_be_visible()
    page.screenshot(path=shots / "phone-event-not-found.png")


def test_confirmation_names_the_event_and_the_texted_number(live_server, phone_page, make, shots):
    event = make.event(title="Spring Reset")
    page = phone_page
    page.goto(f"/e/{event.share_token}")
    fill_claim(page, "10:40 AM", phone="(202) 555-0123")
    assert submit_claim(page) == 303
    card = page.locator("section.booked")
    expect(card).to_contain_text("Spring Reset")
    expect(card.get_by_text("We texted this to •••0123")).to_be_visible()
    page.screenshot(path=shots / "phone-confirmation-texted.png", full_page=True)

    page.goto(f"/e/{event.share_token}")
    fill_claim(page, "11:00 AM", name="Quiet Quinn", phone="(202) 555-0188")
    page.locator("label.check").tap()  # no texts, please
    assert submit_claim(page) == 303
    expect(page.locator("section.booked")).to_contain_text("Spring Reset")
    expect(page.get_by_text("We texted this to")).to_have_count(0)


def numbers(page: Page) -> list[str]:
    """The question numbers a person sees, top to bottom."""
    return page.locator("form.screen .q-number:visible").all_inner_texts()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_screen_numbers_what_is_shown(
    live_server, new_page, phone_context_options, make, javascript
):
    event = make.event()
    _, token = make.booking(event, 1)
    page = new_page(**{**phone_context_options, "java_script_enabled": javascript})
    page.goto(f"/b/{token}/screen")
    every = [f"{n}." for n in range(1, 9)]
    if javascript:
        assert numbers(page) == every[:6]  # the lower-back questions are hidden: no 1 -> 4 jump
        choose(page, "pain_areas", "lower_back")
    assert numbers(page) == every
    intro = page.locator(".event-head").inner_text()
    assert "six" not in intro.lower() and "A few quick questions" in intro


def test_tablet_screen_speaks_to_the_therapist(live_server, new_page, make, session, shots):
    event = make.event()
    therapist = make.user("therapist")
    event.chairs[0].therapist = therapist
    session.commit()
    booking, _ = make.booking(event, 1, name="Tara Tablet")
    assert booking.slot.chair.number == 1
    page = new_page(viewport={"width": 1024, "height": 768}, has_touch=True)
    page.goto("/login")
    page.get_by_label("Email").fill(therapist.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").tap()
    expect(page).to_have_url(re.compile(r"/tablet/$"))
    page.goto(f"/tablet/bookings/{booking.id}/screen")
    head = page.locator(".event-head")
    expect(head.get_by_role("heading", name="Questions for Tara Tablet")).to_be_visible()
    expect(head).to_contain_text("Ask Tara Tablet each question")
    expect(head).not_to_contain_text("Your answers go only to your therapist")
    expect(page.get_by_role("button", name="Save Tara Tablet's answers")).to_be_visible()
    page.screenshot(path=shots / "tablet-screen-wording.png")


def test_hour_headings_follow_the_page_heading(live_server, phone_page, make):
    event = make.event()
    page = phone_page
    page.goto(f"/e/{event.share_token}")
    levels = page.evaluate(
        "() => [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map(h => +h.tagName[1])"
    )
    assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))
    expect(page.get_by_role("heading", name="10 AM", level=2)).to_be_visible()
    expect(tile(page, "10:20 AM")).to_be_visible()
