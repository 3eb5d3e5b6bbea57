"""The admin finds the outbox in the menu and filters it, at laptop size (issue 13)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from chairops.messaging.outbox import enqueue
from tests.browser.test_coordinator import sign_in
from tests.factories import phone

pytestmark = pytest.mark.browser
AT = dt.datetime(2026, 12, 3, 19, 15, tzinfo=dt.UTC)


def test_admin_opens_the_outbox_from_the_menu_and_filters_it(laptop_page, session, make, shots):
    la = make.event(make.company(timezone="America/Los_Angeles"), title="Pacific day")
    sent = [
        ("reminder", "pending", "See you at 11:15 AM in Kate's room, 1 Main St."),
        ("tips", "failed", "Thanks for coming. Desk tips: screen at eye level."),
        ("tips", "delivered", "Thanks for coming. Low back: 10 slow glute bridges."),
        (
            "waitlist_offer",
            "sent",
            "Zoë, a chair massage freed up for you at 11:15 AM in Kate's room, 3rd floor.",
        ),
    ]
    for n, (kind, status, body) in enumerate(sent):
        message = enqueue(
            session, to=phone(n), kind=kind, body=body, key=f"b:{n}", event_id=la.id,
            send_at=AT + dt.timedelta(minutes=n),
        )  # fmt: skip
        message.status = status
    session.commit()
    page = laptop_page
    sign_in(page, make.user("admin"))

    page.get_by_role("navigation").get_by_role("link", name="Outbox").click()
    expect(page.get_by_role("heading", name="Outbox")).to_be_visible()
    rows = page.locator("table.list tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.first).to_contain_text("Thu 3 Dec, 11:18 AM")
    expect(rows.first).to_contain_text("PST · America/Los Angeles")
    expect(page.get_by_role("columnheader", name="Segments")).to_be_visible()
    # 76 characters with one outside GSM-7: UCS-2, two segments.
    expect(rows.filter(has_text="Zoë").locator("td.segments")).to_have_text("2")
    expect(rows.filter(has_text="Desk tips").locator("td.segments")).to_have_text("1")
    page.screenshot(path=shots / "outbox-laptop.png", full_page=True)

    page.get_by_label("Status").select_option("failed")
    page.get_by_label("Kind").select_option("tips")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"/staff/outbox\?status=failed&kind=tips"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Desk tips")
    expect(page.get_by_label("Status")).to_have_value("failed")
    expect(page.get_by_label("Kind")).to_have_value("tips")
    page.screenshot(path=shots / "outbox-filtered-laptop.png", full_page=True)

    page.get_by_role("link", name="Clear").click()
    expect(rows).to_have_count(4)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
