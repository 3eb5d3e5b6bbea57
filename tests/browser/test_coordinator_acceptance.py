"""The coordinator's whole journey on a laptop (issue 6): sign in, create and publish an event,
open the poster and read its QR code back, then after bookings see the roster and export it."""

from __future__ import annotations

import csv
import io
import re

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from chairops.models import AuditEntry, Event
from tests.browser.test_coordinator import fill_event, sign_in
from tests.factories import phone

pytestmark = pytest.mark.browser


def read_qr(png: bytes) -> list[str]:
    """Decode every QR code in a screenshot, as a phone camera would."""
    image = Image.open(io.BytesIO(png)).convert("L")
    return [found.text for found in zxingcpp.read_barcodes(image)]


def test_create_publish_poster_qr_roster_and_csv(
    live_server, laptop_page, new_page, make, session, shots
):
    coordinator = make.user(role="coordinator")
    page = laptop_page
    sign_in(page, coordinator)

    page.get_by_role("link", name="New event").first.click()
    fill_event(page, Title="Reset Friday", Chairs="2")
    page.get_by_label("Room (optional)").fill("Cedar room")
    page.get_by_role("button", name="Create event").click()
    expect(page.get_by_text("Event created as a draft")).to_be_visible()
    page.get_by_role("button", name="Publish and get the sign-up link").click()
    expect(page.get_by_text("Published. Share the sign-up link below.")).to_be_visible()
    link = page.locator("#share-link").input_value()
    session.expire_all()
    event = session.scalars(select(Event).where(Event.title == "Reset Friday")).one()
    assert link == f"{live_server}/e/{event.share_token}"

    for paper in ("letter", "a4"):
        page.goto(f"/staff/events/{event.id}/poster?paper={paper}")
        expect(page.get_by_role("heading", name="Reset Friday")).to_be_visible()
        expect(page.get_by_text("Cedar room")).to_be_visible()
        qr = page.locator(".poster-qr svg").first
        expect(qr).to_be_visible()
        assert read_qr(qr.screenshot()) == [link], paper
    page.screenshot(path=shots / "acceptance-poster.png", full_page=True)

    # The decoded link is the real sign-up page; three people book from their phones.
    for n, name in enumerate(["Ana Lima", "Ben Okafor", "Cy Young"], start=1):
        phone_page = new_page(
            viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
        )
        phone_page.goto(link)
        phone_page.locator("label.time").nth(n - 1).tap()
        phone_page.get_by_label("Your name").fill(name)
        phone_page.get_by_label("Mobile number").fill(phone(n))
        phone_page.get_by_role("button", name="Book my massage").tap()
        expect(phone_page.get_by_text("You're booked")).to_be_visible()

    page.goto(f"/staff/events/{event.id}")
    roster = page.locator("table", has=page.get_by_role("columnheader", name="Name"))
    for name in ("Ana Lima", "Ben Okafor", "Cy Young"):
        expect(roster.get_by_text(name)).to_be_visible()
    page.screenshot(path=shots / "acceptance-event.png", full_page=True)

    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Export roster")).click()
    text = download.value.path().read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sorted(r["Name"] for r in rows) == ["Ana Lima", "Ben Okafor", "Cy Young"]
    assert {r["Status"] for r in rows} == {"Booked"}
    assert not {"phone", "routine", "screen", "pressure"} & {k.lower() for k in rows[0]}
    session.expire_all()
    exports = session.scalars(select(AuditEntry).where(AuditEntry.action == "roster.exported"))
    assert [(e.user_id, e.subject_id) for e in exports] == [(coordinator.id, event.id)]

    page.goto("/staff")
    expect(page.get_by_text("3 of 12", exact=True)).to_be_visible()
