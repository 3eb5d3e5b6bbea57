"""No massage today frees the chair, kindly (issue 11, point 4), on a 390x844 phone.

The event is two days away, one chair and two slots, both booked, and two people wait in line.
Robin's screen has red flags: the advice page offers "Free up my time for someone else"; a
confirmation step later the booking is cancelled and the first person in line gets the offer
text (read from the outbox, then sent by the console sender). No JavaScript needed.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import expect
from sqlalchemy import select

from chairops import waitlist
from chairops.messaging.dispatch import dispatch_once
from chairops.models import Booking, Message
from chairops.web import text_settings
from tests.browser.test_screen_flow import STAFF_WORDS, answer, send
from tests.factories import phone

pytestmark = pytest.mark.browser

NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_red_flags_free_up_my_time_and_the_first_in_line_is_offered_the_chair(
    app, live_server, new_page, make, session, shots, phone_context_options, javascript
):
    day = (dt.datetime.now(NEW_YORK) + dt.timedelta(days=9)).date()
    noon = dt.datetime.combine(day - dt.timedelta(days=2), dt.time(12), tzinfo=NEW_YORK)
    with time_machine.travel(noon, tick=True):
        event = make.event(chairs=1, start_time="10:00", end_time="10:35", date=day.isoformat())
        robin, token = make.booking(event, 1, name="Robin Red")
        make.booking(event, 2, name="Sam Second")
        now = dt.datetime.now(dt.UTC)
        for n, name in ((60, "Wendy Waiting"), (61, "Will Waiting")):
            waitlist.join(
                session, event, waitlist.Joiner(name, phone(n), True), now, text_settings()
            )
        session.commit()

        page = new_page(**phone_context_options, java_script_enabled=javascript)
        page.goto(f"/b/{token}/screen")
        answer(page, pain="4", red_flags="yes")
        assert send(page) == 303
        expect(page.get_by_role("heading", name="Please get medical advice today")).to_be_visible()
        page.screenshot(path=shots / "free-up-advice.png", full_page=True)
        page.get_by_role("link", name="Free up my time for someone else").tap()
        expect(page.get_by_role("heading", name="Free up your time?")).to_be_visible()
        page.screenshot(path=shots / "free-up-confirm.png", full_page=True)
        assert not STAFF_WORDS.search(page.locator("main").inner_text())
        assert session.get(Booking, robin.id).status == "booked"  # nothing happens before yes
        page.get_by_role("button", name="Yes, free up my time").tap()
        expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
        expect(page.locator("main")).to_contain_text("free for someone else")
        page.screenshot(path=shots / "free-up-thanks.png", full_page=True)

        session.expire_all()
        assert session.get(Booking, robin.id).status == "cancelled"
        (offer,) = session.scalars(
            select(Message).where(Message.kind == "waitlist_offer").order_by(Message.id)
        )
        assert offer.to == phone(60) and "10:00 AM" in offer.body and "/w/" in offer.body
        assert dispatch_once(app, rate_per_second=0)["claimed"] >= 1
        session.expire_all()
        assert session.get(Message, offer.id).status == "sent"

        # The manage page offers nothing more to do but book again.
        page.goto(f"/b/{token}")
        expect(page.get_by_role("heading", name="Booking cancelled")).to_be_visible()
        expect(page.get_by_role("link", name=re.compile("Free up"))).to_have_count(0)
