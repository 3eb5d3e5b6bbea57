"""An HR coordinator on a laptop watches fill and attendance, exports the roster and shares the
sign-up link with a QR code and a printed poster (DESIGN.md sections 1 and 3.1)."""

from __future__ import annotations

import csv
import datetime as dt
import re

import pytest
import segno
from playwright.sync_api import Page, expect

from chairops.coordinator.share import QR_OPTIONS
from tests.browser.test_coordinator import assert_fits, sign_in
from tests.factories import phone

pytestmark = pytest.mark.browser

PEOPLE = ["Ana Lima", "Ben Okafor", "Chloé Dubois", "=1+2", "Dev Patel", "Eve Martin"]


@pytest.fixture
def company_day(make, session):
    """Tomorrow's event on three chairs with six people at various stages, and a past event."""
    coordinator = make.user("coordinator")
    company = coordinator.company
    event = make.event(company=company, title="Wellness Wednesday", chairs=3, room="Room 4B")
    people = [make.booking(event, n=n, name=name)[0] for n, name in enumerate(PEOPLE)]
    people[0].status, people[1].status, people[3].status = "completed", "in_service", "no_show"
    past = make.event(company=company, days_ahead=-7, title="Autumn reset")
    before = dt.datetime.combine(past.date, dt.time(0), tzinfo=dt.UTC) - dt.timedelta(days=1)
    came, _ = make.booking(past, n=10, now=before)
    missed, _ = make.booking(past, n=11, now=before)
    came.status, missed.status = "completed", "no_show"
    session.commit()
    return coordinator, event


def watch_console(page: Page) -> list[str]:
    """Collect console errors (a blocked script or style shows up here)."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return errors


def stat(page: Page, name: str):
    """The figure under a heading of the event page's stats."""
    tile = page.locator("#fill dl.stats > div").filter(has=page.locator("dt", has_text=name))
    return tile.locator("dd").first


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def test_dashboard_event_page_and_roster_export(live_server, laptop_page, company_day, shots):
    coordinator, event = company_day
    page = laptop_page
    errors = watch_console(page)
    sign_in(page, coordinator)

    expect(page.get_by_role("heading", name="Your events")).to_be_visible()
    card = page.locator(".event-card", has_text="Wellness Wednesday")
    # Six booked on 18 slots; the no-show's slot is free again: five hold someone.
    expect(card.locator(".fill-line")).to_contain_text("5 of 18 booked")
    expect(card.get_by_role("img", name="5 of 18 slots booked")).to_be_visible()
    past = page.locator("table.list tbody tr", has_text="Autumn reset")
    expect(past.locator("td")).to_have_text(
        [re.compile(r"\w{3} \d+ \w{3} \d{4}"), "Autumn reset", "2 / 12", "1", "1", "50%", "8%"]
    )
    assert_fits(page)
    page.screenshot(path=shots / "laptop-coordinator-dashboard.png", full_page=True)

    card.get_by_role("link", name="Wellness Wednesday").click()
    expect(page).to_have_url(re.compile(rf"/staff/events/{event.id}$"))
    expect(stat(page, "Booked")).to_have_text("5 of 18")
    expect(stat(page, "Arrived or done")).to_have_text("2")
    expect(stat(page, "No-shows")).to_have_text("1")
    expect(stat(page, "Attendance")).to_have_text("67%")
    chart = page.get_by_role("img", name="Slots by start time")
    expect(chart).to_be_visible()
    expect(chart.locator("g.bar")).to_have_count(6)
    box = chart.bounding_box()
    assert box and box["width"] > 500 and box["height"] > 150
    # The stylesheet colours the bars (the CSP allows no style attributes, so classes do it).
    fill = chart.locator("rect.seg-attended").first.evaluate("r => getComputedStyle(r).fill")
    assert fill == "rgb(11, 92, 92)"
    roster = page.locator("table.roster tbody tr")
    expect(roster).to_have_count(6)
    expect(roster.nth(0)).to_contain_text("Ana Lima")
    expect(roster.filter(has_text="Ben Okafor").locator(".tag")).to_have_text("In the chair")
    expect(roster.filter(has_text="=1+2").locator(".tag")).to_have_text("No-show")
    content = page.content()
    assert phone(0) not in content and phone(0)[2:] not in content
    assert_fits(page)
    page.locator("#fill").screenshot(path=shots / "laptop-coordinator-chart.png")
    page.screenshot(path=shots / "laptop-coordinator-event.png", full_page=True)

    with page.expect_download() as download:
        page.get_by_role("link", name="Export roster (CSV)").click()
    saved = download.value
    assert saved.suggested_filename == f"roster-{event.date}-wellness-wednesday.csv"
    with open(saved.path(), encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert [row[4] for row in rows[1:]] == [
        "Ana Lima", "Ben Okafor", "Chloé Dubois", "'=1+2", "Dev Patel", "Eve Martin",
    ]  # fmt: skip
    assert rows[1][5] == "Done" and rows[4][5] == "No-show"
    assert errors == []


def test_share_kit_copy_qr_and_one_page_poster(live_server, laptop_page, company_day, shots):
    coordinator, event = company_day
    page = laptop_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    errors = watch_console(page)
    link = f"{live_server}/e/{event.share_token}"
    sign_in(page, coordinator)
    page.goto(f"/staff/events/{event.id}")
    page.get_by_role("link", name="QR code and poster").click()

    expect(page.get_by_role("heading", name="Share the sign-up link")).to_be_visible()
    expect(page.get_by_label("Sign-up link")).to_have_value(link)
    qr = page.locator(".qr-box svg.qr")
    box = qr.bounding_box()
    assert box and box["width"] >= 200 and abs(box["width"] - box["height"]) < 1
    # The code drawn is the code of the link (same modules as segno makes for it).
    drawn = qr.locator("path[stroke]").get_attribute("d")
    expected = segno.make(link, **QR_OPTIONS).svg_inline(border=4, omitsize=True, lineclass=None)
    assert drawn == expected.split(' d="')[1].split('"')[0]

    page.get_by_role("button", name="Copy link").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == link
    page.get_by_role("button", name="Copy message").click()
    message = page.evaluate("navigator.clipboard.readText()")
    assert message.startswith("Wellness Wednesday: chair massage at work") and link in message
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PNG").click()
    with open(download.value.path(), "rb") as handle:
        assert handle.read(8) == b"\x89PNG\r\n\x1a\n"
    assert_fits(page)
    page.screenshot(path=shots / "laptop-share-kit.png", full_page=True)

    page.get_by_role("link", name="Printable poster").first.click()
    expect(page.get_by_role("heading", name="Wellness Wednesday")).to_be_visible()
    expect(page.locator(".poster-url")).to_have_text(link)
    expect(page.get_by_role("button", name="Print the poster")).to_be_visible()
    page.screenshot(path=shots / "laptop-poster.png", full_page=True)
    page.emulate_media(media="print")
    expect(page.locator("header.bar")).to_be_hidden()
    expect(page.locator(".poster-tools")).to_be_hidden()
    expect(page.locator(".poster-qr svg.qr")).to_be_visible()
    for paper in ("Letter", "A4"):
        assert pdf_pages(page.pdf(format=paper, print_background=True)) == 1, paper
    page.screenshot(path=shots / "laptop-poster-print.png", full_page=True)
    assert errors == []


def test_share_kit_without_javascript_still_shows_link_and_code(new_page, company_day, shots):
    coordinator, event = company_day
    page = new_page(viewport={"width": 1280, "height": 800}, java_script_enabled=False)
    sign_in(page, coordinator)
    page.goto(f"/staff/events/{event.id}/share")
    expect(page.locator(".qr-box svg.qr")).to_be_visible()
    expect(page.get_by_label("Sign-up link")).to_have_value(re.compile(event.share_token))
    # Buttons that need a script stay hidden rather than doing nothing.
    expect(page.get_by_role("button", name="Copy link")).to_have_count(0)
    page.goto(f"/staff/events/{event.id}/poster")
    expect(page.get_by_role("button", name="Print the poster")).to_have_count(0)
    expect(page.get_by_text("Or press Ctrl+P")).to_be_visible()
