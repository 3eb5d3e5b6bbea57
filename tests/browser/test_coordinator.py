"""An HR coordinator on a laptop creates, publishes and shares an event (DESIGN.md 3.1)."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from chairops.models import Event
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def tomorrow(tz="America/New_York") -> dt.date:
    return dt.datetime.now(ZoneInfo(tz)).date() + dt.timedelta(days=1)


def sign_in(page: Page, user):
    page.goto("/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/staff$"))


def fill_event(page: Page, **values):
    fields = {
        "Title": "Wellness Wednesday",
        "Address": "500 Market Street, Philadelphia",
        "Date": tomorrow().isoformat(),
        "Starts": "10:00",
        "Ends": "12:00",
        "Chairs": "2",
        "Slot length (minutes)": "15",
        "Turnover between slots (minutes)": "5",
        **values,
    }
    for label, value in fields.items():
        page.get_by_label(label, exact=True).fill(value)


def assert_fits(page: Page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"page is {width}px wide"


def test_create_publish_and_share(live_server, laptop_page, new_page, make, session, shots):
    coordinator = make.user(role="coordinator")
    page = laptop_page
    sign_in(page, coordinator)
    expect(page.get_by_text("No events yet.")).to_be_visible()

    page.get_by_role("link", name="New event").click()
    expect(page.get_by_role("heading", name="New chair-massage event")).to_be_visible()
    expect(page.get_by_label("Time zone")).to_have_value("America/New_York")
    fill_event(page)
    assert_fits(page)
    page.screenshot(path=shots / "laptop-new-event.png", full_page=True)
    page.get_by_role("button", name="Create event").click()

    expect(page).to_have_url(re.compile(r"/staff/events/\d+$"))
    expect(page.get_by_text("Event created as a draft")).to_be_visible()
    expect(page.get_by_role("heading", name="Wellness Wednesday")).to_be_visible()
    # 10:00-12:00 in 15 + 5 minute steps is six times, on each of two chairs.
    expect(page.get_by_text("12 slots over 2 chairs")).to_be_visible()
    expect(page.locator("table.list tbody tr")).to_have_count(6)
    expect(page.locator(".status")).to_have_text("draft")
    page.screenshot(path=shots / "laptop-draft.png", full_page=True)

    session.expire_all()
    event = session.scalars(select(Event).where(Event.company_id == coordinator.company_id)).one()
    assert (event.status, event.chairs_count, event.date) == ("draft", 2, tomorrow())

    page.get_by_role("button", name="Publish and get the sign-up link").click()
    expect(page.get_by_text("Published. Share the sign-up link below.")).to_be_visible()
    expect(page.locator(".status")).to_have_text("published")
    link = page.locator("#share-link").input_value()
    assert link == f"{live_server}/e/{event.share_token}"
    page.screenshot(path=shots / "laptop-published.png", full_page=True)
    session.expire_all()
    assert session.get(Event, event.id).status == "published"

    page.goto("/staff")
    expect(page.get_by_role("link", name="Wellness Wednesday")).to_be_visible()
    page.screenshot(path=shots / "laptop-events.png", full_page=True)

    phone = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone.goto(link)
    expect(phone.get_by_role("heading", name="Wellness Wednesday")).to_be_visible()
    expect(phone.get_by_text("500 Market Street, Philadelphia")).to_be_visible()
    expect(phone.locator("label.time")).to_have_count(6)


def test_bad_values_show_field_messages_and_keep_input(live_server, laptop_page, make, shots):
    page = laptop_page
    sign_in(page, make.user(role="coordinator"))
    page.goto("/staff/events/new")
    fill_event(page, Title="Too early", Starts="10:00", Ends="09:00", Chairs="0")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Create event").click()
    assert answer.value.status == 422

    # The message now opens the error summary (issue 13.1), which lists and links the fields.
    expect(page.get_by_role("alert")).to_contain_text("Please fix the fields marked below.")
    expect(page.locator("#end_time-error")).to_have_text("The end must be after the start.")
    expect(page.locator("#chairs-error")).to_have_text("Give a whole number from 1 to 30.")
    expect(page.get_by_label("Ends")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Chairs")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Title")).to_have_value("Too early")
    expect(page.get_by_label("Address")).to_have_value("500 Market Street, Philadelphia")
    expect(page.get_by_label("Date")).to_have_value(tomorrow().isoformat())
    expect(page.get_by_label("Starts")).to_have_value("10:00")
    expect(page.get_by_label("Ends")).to_have_value("09:00")
    expect(page.get_by_label("Chairs")).to_have_value("0")
    expect(page.locator(".has-error")).to_have_count(2)
    assert_fits(page)
    page.screenshot(path=shots / "laptop-new-event-errors.png", full_page=True)
