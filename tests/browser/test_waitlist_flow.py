"""On a 390x844 phone: every chair is taken, so an employee joins the waitlist; someone cancels;
the offer text's link opens the offer; the employee claims the chair and is booked."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from chairops.models import Booking, Message, WaitlistEntry
from tests.browser.test_phone_booking import assert_fits_phone
from tests.web.test_waitlist_pages import daytime_zone

pytestmark = pytest.mark.browser


def test_join_the_waitlist_then_claim_a_freed_chair(
    live_server, phone_page, new_page, phone_context_options, make, session, shots
):
    company = make.company(timezone=daytime_zone())
    event = make.event(company=company, chairs=1, start_time="10:00", end_time="10:35")
    _, cancel_token = make.booking(event, 1, name="Early Bird")
    make.booking(event, 2, name="Second Bird")
    page = phone_page

    page.goto(f"/e/{event.share_token}")
    expect(page.get_by_role("heading", name="Every chair is taken")).to_be_visible()
    page.get_by_role("button", name="Join the waitlist").tap()
    expect(page.locator("#name-error")).to_have_text("Tell us your name.")
    page.get_by_label("Your name").fill("Wren Waiting")
    page.get_by_label("Mobile number").fill("(202) 555-0188")
    page.get_by_role("button", name="Join the waitlist").tap()
    expect(page.get_by_role("heading", name="Number 1 in line")).to_be_visible()
    expect(page.get_by_text("ending 0188")).to_be_visible()
    assert_fits_phone(page)
    page.screenshot(path=shots / "waitlist-joined-phone.png", full_page=True)

    # Someone else cancels from their own phone.
    other = new_page(**phone_context_options)
    other.goto(f"/b/{cancel_token}")
    other.get_by_role("button", name="Cancel my booking").tap()
    other.get_by_role("button", name="Cancel it").tap()  # cancelling asks first (issue 13.2)
    expect(other.get_by_role("heading", name="Booking cancelled")).to_be_visible()

    session.expire_all()
    offer = session.scalar(
        select(Message).where(Message.kind == "waitlist_offer", Message.to == "+12025550188")
    )
    assert offer is not None and "chair 1" in offer.body
    link = re.search(r"https?://\S+/w/[A-Za-z0-9_-]+", offer.body).group(0)
    assert link.startswith(live_server)

    page.goto(link)
    expect(page.get_by_text("A chair is free for you")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Claim it by \d+:\d\d [AP]M"))).to_be_visible()
    assert_fits_phone(page)
    page.screenshot(path=shots / "waitlist-offer-phone.png", full_page=True)
    page.get_by_role("button", name="Claim this chair").tap()
    expect(page.get_by_text("You're booked")).to_be_visible()
    expect(page.get_by_text("Chair 1")).to_be_visible()
    page.screenshot(path=shots / "waitlist-booked-phone.png", full_page=True)

    session.expire_all()
    booking = session.scalar(select(Booking).where(Booking.phone == "+12025550188"))
    assert booking.status == "booked" and booking.name == "Wren Waiting"
    assert session.scalar(select(WaitlistEntry.status)) == "booked"
