"""An employee books, moves and cancels a chair massage on a 390x844 phone (DESIGN.md 3.2-3.3).

The event is tomorrow 10:00-12:00 America/New_York with 15-minute slots and 5-minute turnover,
so the times are 10:00, 10:20, 10:40, 11:00, 11:20 and 11:40 local.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from chairops.models import Booking

pytestmark = pytest.mark.browser

NEW_YORK = ZoneInfo("America/New_York")
LOCATION = "1 Main Street"


def tile(page: Page, clock: str):
    """The tappable time tile whose visible time reads `clock`, e.g. '10:20 AM'."""
    return page.locator("label.time").filter(has_text=re.compile(rf"^\s*{re.escape(clock)}"))


def at(event, hhmm: str) -> dt.datetime:
    """The UTC instant of a local wall-clock time on the event's day."""
    local = dt.datetime.combine(event.date, dt.time.fromisoformat(hhmm), tzinfo=NEW_YORK)
    return local.astimezone(dt.UTC)


def bookings(session, event) -> list[Booking]:
    """The event's bookings as the database holds them now (not as this session cached them)."""
    session.expire_all()
    return list(session.scalars(select(Booking).where(Booking.event_id == event.id)))


def fill_claim(page: Page, clock: str, name="Dana Phone", phone="(202) 555-0123"):
    tile(page, clock).tap()
    expect(tile(page, clock).locator("input")).to_be_checked()
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Mobile number").fill(phone)


def submit_claim(page: Page) -> int:
    """Tap "Book my massage"; return the POST's status (303 is the redirect to the booking)."""
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Book my massage").tap()
    page.wait_for_load_state()
    return answer.value.status


def assert_fits_phone(page: Page):
    """Nothing scrolls sideways at 390 px."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"page is {width}px wide"


def test_claim_calendar_move_cancel(live_server, phone_page, make, session, shots):
    event = make.event(location=LOCATION)
    page = phone_page

    page.goto(f"/e/{event.share_token}")
    expect(page.get_by_role("heading", name="Chair massage day")).to_be_visible()
    expect(tile(page, "10:20 AM")).to_contain_text("2 free")
    assert_fits_phone(page)
    page.screenshot(path=shots / "phone-signup.png", full_page=True)

    fill_claim(page, "10:20 AM")
    assert submit_claim(page) == 303
    expect(page).to_have_url(re.compile(r"/b/[\w-]+\?new=1$"))
    card = page.locator("section.booked")
    expect(card.get_by_text("You're booked")).to_be_visible()
    expect(card.get_by_role("heading", level=1)).to_contain_text("10:20 AM")
    expect(card).to_contain_text(LOCATION)
    expect(card).to_contain_text("Chair 1")
    assert_fits_phone(page)
    page.screenshot(path=shots / "phone-confirmation.png", full_page=True)
    (booking,) = bookings(session, event)
    assert (booking.status, booking.name, booking.phone) == ("booked", "Dana Phone", "+12025550123")
    assert booking.slot.starts_at == at(event, "10:20")
    assert booking.sms_consent is True

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Add to calendar").tap()
    download = download_info.value
    assert download.suggested_filename == "chair-massage.ics"
    ics = download.path().read_text()
    assert "BEGIN:VEVENT" in ics
    assert f"DTSTART;TZID=America/New_York:{event.date:%Y%m%d}T102000" in ics
    assert f"LOCATION:{LOCATION}" in ics
    assert "BEGIN:VTIMEZONE" in ics

    manage_url = page.url.split("?")[0]
    tile(page, "11:00 AM").tap()
    page.get_by_role("button", name="Move my booking").tap()
    expect(page.get_by_text("Done. Your new time is below.")).to_be_visible()
    expect(page.locator("section.booked h1")).to_contain_text("11:00 AM")
    assert page.url == manage_url
    (booking,) = bookings(session, event)
    assert booking.status == "booked"
    assert booking.slot.starts_at == at(event, "11:00")

    page.get_by_role("button", name="Cancel my booking").tap()
    page.get_by_role("button", name="Cancel it").tap()  # cancelling asks first (issue 13.2)
    expect(page.get_by_role("heading", name="Booking cancelled")).to_be_visible()
    expect(page.get_by_text("Your 11:00 AM massage")).to_be_visible()
    assert_fits_phone(page)
    page.screenshot(path=shots / "phone-cancelled.png", full_page=True)
    (booking,) = bookings(session, event)
    assert booking.status == "cancelled"


def test_time_taken_while_page_was_open(live_server, phone_page, make, session, shots):
    event = make.event(chairs=1)
    page = phone_page
    page.goto(f"/e/{event.share_token}")
    fill_claim(page, "10:20 AM", name="Late Lee", phone="(202) 555-0188")

    # A colleague takes the only chair at 10:20 while this phone still shows it free.
    make.booking(event, 1, start=at(event, "10:20"), name="Quick Quinn")

    assert submit_claim(page) == 409
    expect(page.get_by_role("alert")).to_contain_text("someone just took that time")
    expect(page.get_by_role("heading", name="Chair massage day")).to_be_visible()
    expect(tile(page, "10:20 AM")).to_have_count(0)
    for nearest in ("10:00 AM", "10:40 AM", "11:00 AM"):
        expect(tile(page, nearest)).to_be_visible()
    expect(page.get_by_label("Your name")).to_have_value("Late Lee")
    expect(page.get_by_label("Mobile number")).to_have_value("(202) 555-0188")
    assert page.locator("label.time input:checked").count() == 0
    assert_fits_phone(page)
    page.screenshot(path=shots / "phone-time-taken.png", full_page=True)
    assert [b.name for b in bookings(session, event)] == ["Quick Quinn"]

    tile(page, "10:40 AM").tap()
    assert submit_claim(page) == 303
    expect(page.locator("section.booked h1")).to_contain_text("10:40 AM")
    late = {b.name: b for b in bookings(session, event)}["Late Lee"]
    assert late.status == "booked"
    assert late.slot.starts_at == at(event, "10:40")


def test_claim_without_javascript(live_server, new_page, phone_context_options, make, session):
    event = make.event()
    page = new_page(**{**phone_context_options, "java_script_enabled": False})
    page.goto(f"/e/{event.share_token}")
    fill_claim(page, "11:40 AM", name="Nora Noscript", phone="202-555-0144")
    assert submit_claim(page) == 303
    expect(page.locator("section.booked h1")).to_contain_text("11:40 AM")
    (booking,) = bookings(session, event)
    assert (booking.name, booking.status) == ("Nora Noscript", "booked")
    assert booking.slot.starts_at == at(event, "11:40")


def test_field_errors_keep_what_was_typed(live_server, phone_page, make, session, shots):
    event = make.event()
    page = phone_page
    page.goto(f"/e/{event.share_token}")
    fill_claim(page, "10:00 AM", name="  ", phone="555")
    consent = page.get_by_label("Text me a confirmation and reminders")
    consent.uncheck()
    assert submit_claim(page) == 422
    expect(page.locator("#name-error")).to_have_text("Tell us your name.")
    expect(page.locator("#phone-error")).to_be_visible()
    expect(page.get_by_label("Mobile number")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Mobile number")).to_have_value("555")
    expect(tile(page, "10:00 AM").locator("input")).to_be_checked()
    # A "no" to texts must survive the error; re-ticking it would sign them up unasked.
    expect(consent).not_to_be_checked()
    assert_fits_phone(page)
    page.screenshot(path=shots / "phone-field-errors.png", full_page=True)
    assert bookings(session, event) == []

    page.get_by_label("Your name").fill("Sam Quiet")
    page.get_by_label("Mobile number").fill("(202) 555-0177")
    assert submit_claim(page) == 303
    expect(page.locator("section.booked h1")).to_contain_text("10:00 AM")
    (booking,) = bookings(session, event)
    assert (booking.name, booking.sms_consent, booking.sms_consent_at) == ("Sam Quiet", False, None)
