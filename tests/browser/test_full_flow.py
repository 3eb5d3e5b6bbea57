"""The whole journey: a phone claims and answers the screen, the tablet works the chair,
and the glute set of self-care tips waits in the outbox for the right time."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from chairops.messaging.rules import hold_to_quiet_hours
from chairops.models import Booking, Message
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_phone_to_tablet_to_tips(make, session, browser, live_server, phone_page, time_machine):
    event = make.event(chairs=1)
    therapist = make.user("therapist")
    event.chairs[0].therapist = therapist
    session.commit()

    phone = phone_page
    phone.goto(f"/e/{event.share_token}")
    phone.locator("label.time").first.click()
    phone.fill("#name", "Robin Lee")
    phone.fill("#phone", "(202) 555-0142")
    phone.get_by_role("button", name="Book my massage").click()
    expect(phone.get_by_text("You're booked")).to_be_visible()
    phone.get_by_role("link", name="Answer the questions").click()
    phone.locator("label.choice", has=phone.locator("#area-lower_back")).click()
    questions = phone.locator("#low-back-questions")
    questions.locator("label.choice", has_text="8").first.click()
    for name, value in (("new_or_different", "no"), ("leg_symptoms", "none"), ("red_flags", "no")):
        radio = phone.locator(f"input[name={name}][value={value}]")
        phone.locator("label.choice", has=radio).click()
    phone.get_by_role("button", name="Send my answers").click()
    expect(phone.get_by_text("your therapist will tailor your session")).to_be_visible()

    # The chair is worked on the event's day, at 10:00 there (issue 11: not the evening before).
    opening = dt.datetime.combine(event.date, dt.time(10), ZoneInfo(event.timezone))
    time_machine.move_to(opening)
    tablet = browser.new_context(
        viewport={"width": 1024, "height": 768}, has_touch=True, base_url=live_server
    )
    try:
        page = tablet.new_page()
        page.goto("/login")
        page.fill("#email", therapist.email)
        page.fill("#password", PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("link", name="Chair 1").click()
        expect(page.locator(".q-row .badge-glute_exception")).to_have_text("Glute exception")
        expect(page.locator("section.routine")).to_contain_text("sciatic notch")
        for action in ("Check in", "Start", "Complete"):
            page.locator(".q-actions").get_by_role("button", name=action, exact=True).first.click()
            expect(
                page.locator(".q-actions").get_by_role("button", name=action, exact=True)
            ).to_have_count(0)
    finally:
        tablet.close()

    session.expire_all()
    booking = session.scalar(select(Booking).where(Booking.event_id == event.id))
    assert (booking.status, booking.screen.routine, booking.screen.rule) == (
        "completed",
        "glute_exception",
        "R5",
    )
    tips = session.scalar(
        select(Message).where(Message.booking_id == booking.id, Message.kind == "tips")
    )
    assert tips.status == "pending" and tips.to == "+12025550142"
    assert "glute bridges" in tips.body and "hip-flexor" in tips.body and "urgent care" in tips.body
    due = booking.status_changed_at + dt.timedelta(minutes=event.aftercare_delay_minutes)
    assert tips.send_at == hold_to_quiet_hours(due, event.timezone)
    kinds = set(session.scalars(select(Message.kind).where(Message.booking_id == booking.id)))
    assert {"confirmation", "tips"} <= kinds
