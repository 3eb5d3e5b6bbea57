"""An HR coordinator on a laptop sets up a monthly programme, sees its dates before saving and
opens the programme page; an employee's phone shows when a date's sign-up opens (issue 17)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from chairops.booking.service import Claim, claim_slot
from chairops.cli import _demo_programme
from chairops.models import utcnow
from chairops.seating.availability import time_options
from tests.browser.conftest import LAPTOP
from tests.browser.test_accessibility import RUN_AXE
from tests.browser.test_coordinator import assert_fits, sign_in
from tests.browser.test_coordinator_console import watch_console

pytestmark = pytest.mark.browser

NEXT_YEAR = utcnow().year + 1


@pytest.fixture
def audit(node_modules):
    """audit(page): axe-core's violations on the page (its context must bypass the CSP)."""
    source = (node_modules / "axe-core" / "axe.min.js").read_text()

    def run(page) -> list[dict]:
        page.add_script_tag(content=source)
        return page.evaluate(RUN_AXE)

    return run


def test_create_a_programme_seeing_its_dates_first(live_server, new_page, make, shots, audit):
    coordinator = make.user(role="coordinator")
    # CSP bypassed for axe-core alone (it is injected as a script).
    page = new_page(viewport=LAPTOP, locale="en-US", bypass_csp=True)
    errors = watch_console(page)
    sign_in(page, coordinator)
    page.get_by_role("link", name="Programmes").click()
    page.get_by_role("link", name="New programme").click()
    expect(page.get_by_role("heading", name="New programme")).to_be_visible()
    page.get_by_label("Title").fill("Back-care Tuesday")
    page.get_by_label("Address").fill("500 Market Street, Philadelphia")
    page.get_by_label("Starts").fill("12:00")
    page.get_by_label("Ends", exact=True).fill("14:00")
    page.get_by_label("First date from").fill(f"{NEXT_YEAR}-01-01")
    page.get_by_label("Repeats").select_option("monthly_weekday")
    page.get_by_label("Which").select_option("1")
    page.get_by_label("Weekday").select_option("TU")
    page.get_by_label("How many dates").fill("10")
    page.get_by_label("Publish the dates now").check()
    page.get_by_role("button", name="Preview dates").click()

    preview = page.locator("#dates")
    expect(preview.get_by_role("heading")).to_have_text(re.compile(r"^10 dates: \d+ Jan, "))
    expect(preview.locator("tbody tr")).to_have_count(10)
    expect(preview.locator("tbody tr").first).to_contain_text("12:00 PM–2:00 PM")
    expect(preview.locator("tbody tr").first).to_contain_text("at 9 AM")
    assert_fits(page)
    page.screenshot(path=shots / "programme-preview-laptop.png", full_page=True)
    assert audit(page) == []

    page.get_by_role("button", name="Create programme").click()
    expect(page.get_by_role("heading", name="Back-care Tuesday")).to_be_visible()
    expect(page.get_by_text("Programme saved with 10 dates.")).to_be_visible()
    expect(page.locator("table.programme-dates tbody tr")).to_have_count(10)
    expect(page.locator("dl.stats")).to_contain_text("Had a massage")
    assert_fits(page)
    page.screenshot(path=shots / "programme-new-page-laptop.png", full_page=True)
    assert audit(page) == []
    assert errors == []


def test_the_form_names_what_is_wrong_at_the_top(live_server, new_page, make, audit):
    coordinator = make.user(role="coordinator")
    page = new_page(viewport=LAPTOP, locale="en-US", bypass_csp=True)
    sign_in(page, coordinator)
    page.goto("/staff/programmes/new")
    page.get_by_label("Title").fill("Back-care Tuesday")
    page.get_by_label("Address").fill("500 Market Street")
    page.get_by_label("First date from").fill(f"{NEXT_YEAR}-01-01")
    page.get_by_label("Repeats").select_option("monthly_day")
    page.get_by_label("Day of the month").fill("31")
    page.get_by_label("How many dates").fill("90")
    page.get_by_role("button", name="Preview dates").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Repeats: That gives more than 60 dates.")
    summary.get_by_role("link").first.click()
    expect(page.get_by_label("Repeats")).to_be_focused()
    assert audit(page) == []


def test_a_programme_page_with_history_at_laptop_and_tablet_sizes(
    live_server, laptop_page, new_page, make, session, shots
):
    coordinator = make.user(role="coordinator")
    programme = _demo_programme(coordinator.company, coordinator)
    session.commit()
    page = laptop_page
    errors = watch_console(page)
    sign_in(page, coordinator)
    page.goto(f"/staff/programmes/{programme.id}")
    expect(page.locator("svg.fill-chart rect").first).to_be_visible()
    served = page.locator("dl.stats > div").filter(has_text="Had a massage").locator("dd").first
    expect(served).not_to_have_text("0")
    turned = page.locator("dl.stats > div").filter(has_text="Turned away").locator("dd").first
    expect(turned).not_to_have_text("0")
    expect(page.get_by_text("Person 1")).to_have_count(0)  # names stay in each date's roster
    assert_fits(page)
    page.screenshot(path=shots / "programme-page-laptop.png", full_page=True)
    for name, size in {"tablet-landscape": (1024, 768), "tablet-portrait": (768, 1024)}.items():
        tablet = new_page(viewport={"width": size[0], "height": size[1]}, locale="en-US")
        sign_in(tablet, coordinator)
        tablet.goto(f"/staff/programmes/{programme.id}")
        expect(tablet.get_by_role("heading", name=programme.title)).to_be_visible()
        assert_fits(tablet)
        tablet.screenshot(path=shots / f"programme-page-{name}.png", full_page=True)
    page.get_by_role("link", name="Change programme").click()
    page.get_by_label("Priority window (hours)").fill("48")
    page.get_by_role("button", name="Preview changes").click()
    expect(page.locator("#plan")).to_contain_text("Stays as it is")
    page.screenshot(path=shots / "programme-edit-preview-laptop.png", full_page=True)
    assert errors == []


def test_the_phone_page_says_when_sign_up_opens(
    live_server, new_page, phone_context_options, make, session, shots, audit
):
    coordinator = make.user(role="coordinator")
    programme = _demo_programme(coordinator.company, coordinator)
    session.commit()
    now = utcnow()
    later = next(e for e in programme.events if e.signup_opens_at > now)
    page = new_page(**{**phone_context_options, "bypass_csp": True})
    page.goto(f"/e/{later.share_token}")
    heading = page.get_by_role(
        "heading", name=re.compile(r"^Sign-up opens \w{3} \d+ \w{3} at 9 AM")
    )
    expect(heading).to_be_visible()
    assert_fits(page)
    page.screenshot(path=shots / "programme-date-not-open-phone.png", full_page=True)
    assert audit(page) == []
    # During the priority window, everyone is told who goes first.
    later.signup_opens_at = now - dt.timedelta(minutes=5)
    session.commit()
    page.goto(f"/e/{later.share_token}")
    expect(page.get_by_text(re.compile("this date is for people who did not have"))).to_be_visible()
    assert_fits(page)
    page.screenshot(path=shots / "programme-date-priority-phone.png", full_page=True)
    assert audit(page) == []
    # Someone who had the date before asks for a chair: told when, and offered the line.
    before = programme.events[programme.events.index(later) - 1]
    start = time_options(session, before, now)[0].start.isoformat()
    claim_slot(session, before, Claim("Kim Lee", "+12025550190", start, True), now)
    session.commit()
    page.locator("label.time").first.click()
    page.get_by_label("Your name").fill("Kim Lee")
    page.get_by_label("Mobile number").fill("(202) 555-0190")
    page.get_by_role("button", name="Book my massage").click()
    expect(page.get_by_role("heading", name=re.compile(r"^You can book from"))).to_be_visible()
    assert_fits(page)
    page.screenshot(path=shots / "programme-date-held-back-phone.png", full_page=True)
    assert audit(page) == []
    page.get_by_role("button", name="Join the waitlist").click()
    expect(page).to_have_url(re.compile(r"/w/"))
