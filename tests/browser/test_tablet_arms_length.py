"""The tablet at arm's length (issue 11, point 6), on the event day in the venue's clock.

Chair 2 at a New York event: Gail (glute exception) is in the chair, three people wait. At
1024x768 and 768x1024, without scrolling, the routine's name, its don'ts and its stop rules,
the glute badge, "Running late" and "Walk-in" are all inside the viewport; every touch target
is at least 48 px; the step timer shows the step to be on; a tap keeps the therapist's place,
with JavaScript (no reload) and without it (back at the same anchor).
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import Page, expect

from chairops.models import Booking
from chairops.screening.service import submit_screen
from tests.browser.test_tablet_flow import GLUTE_ANSWERS, sign_in_and_open_chair

pytestmark = pytest.mark.browser

NEW_YORK = ZoneInfo("America/New_York")
LANDSCAPE = {"width": 1024, "height": 768}
PORTRAIT = {"width": 768, "height": 1024}
SIZES = [pytest.param(LANDSCAPE, id="landscape"), pytest.param(PORTRAIT, id="portrait")]
# Every element a finger can tap.
TARGETS = "a[href], button, summary, input:not([type=hidden]), select, textarea"


def local(day: dt.date, hhmm: str) -> dt.datetime:
    moment = dt.datetime.combine(day, dt.time.fromisoformat(hhmm), tzinfo=NEW_YORK)
    return moment.astimezone(dt.UTC)


@pytest.fixture
def clock():
    """The venue's clock: 09:50 in New York on an event day a week from now, ticking."""
    day = (dt.datetime.now(NEW_YORK) + dt.timedelta(days=7)).date()
    with time_machine.travel(local(day, "09:50"), tick=True) as traveller:
        traveller.day = day
        yield traveller


def gail_in_the_chair(make, session, clock):
    """Chair 2 of a 10:00-12:00 event: Gail (R5) at 10:00, then three more people."""
    company = make.company()
    event = make.event(company=company, chairs=2, date=clock.day.isoformat())
    ours, theirs = make.user("therapist"), make.user("therapist")
    event.chairs[0].therapist, event.chairs[1].therapist = theirs, ours
    session.commit()
    people = {}
    for n, (hhmm, name) in enumerate(
        [
            ("10:00", "Gail Sharp"),
            ("10:20", "Walt Later"),
            ("10:40", "Lena Later"),
            ("11:00", "Omar Last"),
        ]  # fmt: skip
    ):
        make.booking(event, 10 + n, start=local(clock.day, hhmm), name=f"Chair one {n}")
        people[name], _ = make.booking(event, 20 + n, start=local(clock.day, hhmm), name=name)
        assert people[name].slot.chair.number == 2
    submit_screen(session, people["Gail Sharp"], GLUTE_ANSWERS, local(clock.day, "09:40"))
    session.commit()
    return event, ours, people


def status_of(session, booking_id: int) -> str:
    session.expire_all()
    return session.get(Booking, booking_id).status


def inside(page: Page, selector: str) -> dict:
    """The element's box, asserted to lie wholly inside the viewport as the page stands."""
    box = page.locator(selector).first.bounding_box()
    size = page.viewport_size
    assert box is not None, f"{selector} is not shown"
    assert box["x"] >= 0 and box["y"] >= 0, f"{selector} starts off screen: {box}"
    assert box["x"] + box["width"] <= size["width"], f"{selector} runs off the right: {box}"
    assert box["y"] + box["height"] <= size["height"], f"{selector} is below the fold: {box}"
    return box


def small_targets(page: Page) -> list:
    """Visible touch targets smaller than 48 px either way: (text, width, height)."""
    return page.locator(TARGETS).evaluate_all(
        """els => els.filter(el => el.offsetParent !== null).map(el => {
             const r = el.getBoundingClientRect();
             return [(el.textContent || el.name || el.id).trim().slice(0, 30), r.width, r.height];
           }).filter(([, w, h]) => w < 48 || h < 48)"""
    )


def start_gail(page: Page, gail: Booking):
    row = page.locator(f"#booking-{gail.id}")
    row.get_by_role("button", name="Check in", exact=True).tap()
    expect(row.get_by_role("button", name="Start", exact=True)).to_be_visible()
    row.get_by_role("button", name="Start", exact=True).tap()
    expect(page.locator("#focus .q-label")).to_have_text("In the chair")


@pytest.mark.parametrize("viewport", SIZES)
def test_glute_card_tools_and_targets_fit_without_scrolling(
    live_server, new_page, make, session, clock, shots, viewport
):
    event, therapist, people = gail_in_the_chair(make, session, clock)
    gail = people["Gail Sharp"]
    page = new_page(viewport=viewport, has_touch=True, locale="en-US")
    sign_in_and_open_chair(page, therapist, event, 2)
    clock.move_to(local(clock.day, "09:58"))
    start_gail(page, gail)
    assert status_of(session, gail.id) == "in_service"
    clock.shift(dt.timedelta(minutes=6, seconds=10))  # into step 4 of 8: glutes, left side
    page.reload()
    name = f"tablet-{viewport['width']}x{viewport['height']}"
    page.screenshot(path=shots / f"{name}.png")
    page.screenshot(path=shots / f"{name}-full.png", full_page=True)

    assert page.evaluate("window.scrollY") == 0
    badge = inside(page, "#focus .routine-badge.badge-glute_exception")
    inside(page, "#focus .routine-name")
    expect(page.locator("#focus .routine-name")).to_contain_text("Low back and glutes")
    inside(page, "#focus .donts")
    expect(page.locator("#focus .donts")).to_contain_text("sciatic notch")
    expect(page.locator("#focus .donts")).to_contain_text("No elbow")
    inside(page, "#focus .stop")
    expect(page.locator("#focus .stop")).to_contain_text("shooting pain in the leg")
    inside(page, "#focus .step-timer li.current")
    expect(page.locator("#focus li.current .name")).to_have_text("Glutes, left side")
    inside(page, "#tools button[value='5']")
    inside(page, "#tools summary:has-text('Walk-in')")
    inside(page, ".bar button:has-text('Sign out')")

    # The glute badge: its own shape and an icon, not only its colour; big text.
    style = page.locator("#focus .badge-glute_exception").evaluate(
        "el => { const s = getComputedStyle(el);"
        " return [parseFloat(s.fontSize), s.clipPath, el.querySelectorAll('svg').length]; }"
    )
    assert style[0] >= 24 and style[1].startswith("polygon") and style[2] == 1, style
    assert badge["height"] >= 24
    assert small_targets(page) == []


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_tap_keeps_the_therapists_place(
    live_server, new_page, make, session, clock, shots, javascript
):
    event, therapist, people = gail_in_the_chair(make, session, clock)
    page = new_page(
        viewport=PORTRAIT, has_touch=True, locale="en-US", java_script_enabled=javascript
    )
    clock.move_to(local(clock.day, "10:05"))
    sign_in_and_open_chair(page, therapist, event, 2)
    omar = people["Omar Last"]
    row = page.locator(f"#booking-{omar.id}")
    page.evaluate("window.__marker = 1") if javascript else None
    row.scroll_into_view_if_needed()
    before = page.evaluate("window.scrollY")
    assert before > 0, "the later people sit below the fold in portrait"
    row.get_by_role("button", name="Check in", exact=True).tap()
    expect(row.locator(".tag.state")).to_have_text("checked in")
    assert status_of(session, omar.id) == "checked_in"
    box = row.bounding_box()
    assert 0 <= box["y"] < PORTRAIT["height"], "the row tapped is still in view"
    if javascript:
        assert page.evaluate("window.__marker") == 1, "the page reloaded"
        assert page.evaluate("window.scrollY") == before
    else:
        expect(page).to_have_url(re.compile(rf"/chairs/2#booking-{omar.id}$"))
    page.screenshot(path=shots / f"tablet-tap-{'js' if javascript else 'no-js'}.png")


def test_not_yet_buttons_say_when_and_walk_in_waits_for_opening(
    live_server, new_page, make, session, clock, shots
):
    event, therapist, people = gail_in_the_chair(make, session, clock)
    clock.move_to(local(clock.day, "08:30"))
    page = new_page(viewport=LANDSCAPE, has_touch=True, locale="en-US")
    sign_in_and_open_chair(page, therapist, event, 2)
    gail = page.locator(f"#booking-{people['Gail Sharp'].id}")
    check_in = gail.get_by_role("button", name=re.compile("^Check in"))
    expect(check_in).to_be_disabled()
    expect(check_in).to_contain_text("from 9:00 AM")
    expect(gail.get_by_role("button", name=re.compile("^No-show"))).to_contain_text("from 10:00 AM")
    page.locator("#tools summary", has_text="Walk-in").tap()
    page.get_by_label("Name").fill("Early Eve")
    page.get_by_role("button", name="Add to the next free slot").tap()
    expect(page.locator("#flash-area")).to_contain_text("from 10:00 AM, when the event opens")
    page.screenshot(path=shots / "tablet-not-yet.png")
    assert session.query(Booking).filter_by(name="Early Eve").count() == 0


def test_running_late_and_a_walk_in_are_one_tap_each_and_nothing_reloads(
    live_server, new_page, make, session, clock, shots
):
    event, therapist, people = gail_in_the_chair(make, session, clock)
    clock.move_to(local(clock.day, "10:05"))
    page = new_page(viewport=LANDSCAPE, has_touch=True, locale="en-US")
    sign_in_and_open_chair(page, therapist, event, 2)
    page.evaluate("window.__marker = 1")
    page.locator("#tools button[value='5']").tap()
    expect(page.locator(".late-chip")).to_contain_text("Running 5 min late")
    expect(page.locator("#tools button[value='reset']")).to_be_enabled()
    walt = page.locator(f"#booking-{people['Walt Later'].id}")
    expect(walt.locator(".q-time strong")).to_have_text("10:25 AM")

    page.locator("#tools summary", has_text="Walk-in").tap()
    page.get_by_label("Name").fill("Wanda Walkup")
    page.get_by_role("button", name="Add to the next free slot").tap()
    expect(page.locator("#flash-area")).to_contain_text("Wanda Walkup is in at 11:20 AM")
    expect(page.locator("li.q-row", has_text="Wanda Walkup")).to_be_visible()
    expect(page.locator("#tools details.walk-in-tool")).not_to_have_attribute("open", "")
    assert page.evaluate("window.__marker") == 1, "the page reloaded"
    page.screenshot(path=shots / "tablet-late-and-walk-in.png", full_page=True)
