"""A coordinator on a laptop removes a chair after people booked (DESIGN.md 3.1)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from chairops.models import Booking, Message, Slot
from tests.browser.test_coordinator import sign_in

pytestmark = pytest.mark.browser


def test_removing_a_chair_lists_who_is_booked_and_cancels_only_when_confirmed(
    laptop_page: Page, make, session, shots
):
    event = make.event(chairs=3)
    start = session.scalars(select(Slot.starts_at).order_by(Slot.starts_at)).first()
    people = [make.booking(event, n, start=start, name=f"Person {n}")[0] for n in range(3)]
    on_chair_3 = next(b for b in people if b.slot.chair.number == 3)
    dropped_phone = on_chair_3.phone
    kept = {b.name: "booked" for b in people if b is not on_chair_3}
    sign_in(laptop_page, make.user("coordinator", company=event.company))

    laptop_page.goto(f"/staff/events/{event.id}")
    laptop_page.get_by_role("link", name="Edit date, hours or chairs").click()
    laptop_page.get_by_label("Chairs").fill("2")
    laptop_page.get_by_role("button", name="Save changes").click()
    warning = laptop_page.get_by_role("alert")
    expect(warning).to_contain_text("1 booked person would lose their time")
    expect(warning.get_by_role("row", name=re.compile(on_chair_3.name))).to_contain_text("Chair 3")
    laptop_page.screenshot(path=shots / "event-edit-refused.png", full_page=True)

    laptop_page.get_by_label("Cancel this booking and text the person").check()
    laptop_page.get_by_role("button", name="Save changes").click()
    expect(laptop_page).to_have_url(re.compile(rf"/staff/events/{event.id}$"))
    expect(
        laptop_page.get_by_text("1 booking cancelled; that person is being texted.")
    ).to_be_visible()
    laptop_page.screenshot(path=shots / "event-edit-saved.png", full_page=True)
    session.expire_all()
    assert dict(session.execute(select(Booking.name, Booking.status)).all()) == kept
    texted = session.scalar(select(Message.to).where(Message.kind == "event_changed"))
    assert texted == dropped_phone
