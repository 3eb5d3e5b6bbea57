"""A therapist works chair 2 from a tablet at the chair (DESIGN.md 1 and 3.5).

The event is tomorrow 10:00-12:00 America/New_York with two chairs, 15-minute slots and
5-minute turnover. Chair 1 belongs to another therapist; chair 2 is ours.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import urllib.request
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from chairops.models import Booking, utcnow
from chairops.screening.service import submit_screen
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

NEW_YORK = ZoneInfo("America/New_York")
LANDSCAPE = {"width": 1024, "height": 768}
PORTRAIT = {"width": 768, "height": 1024}
GLUTE_ANSWERS = {
    "pain_areas": ["lower_back"],
    "low_back_pain": 8,
    "new_or_different": False,
    "leg_symptoms": "none",
    "red_flags": False,
    "conditions": [],
    "pressure": "firm",
    "avoid_note": "",
}


@pytest.fixture
def tablet(new_page):
    """Open a touch tablet page at a size; its context closes after the test."""

    def open_tablet(viewport=LANDSCAPE) -> Page:
        return new_page(viewport=viewport, has_touch=True, locale="en-US")

    return open_tablet


def at(event, hhmm: str) -> dt.datetime:
    """The UTC instant of a local wall-clock time on the event's day."""
    local = dt.datetime.combine(event.date, dt.time.fromisoformat(hhmm), tzinfo=NEW_YORK)
    return local.astimezone(dt.UTC)


def chair_two_with_glute_attendee(make, session):
    """Chair 2's therapist and, at 10:00 on chair 2, Gail whose screen gave R5."""
    company = make.company()
    event = make.event(company=company, chairs=2)
    ours, theirs = make.user("therapist"), make.user("therapist")
    event.chairs[0].therapist, event.chairs[1].therapist = theirs, ours
    session.commit()
    make.booking(event, 1, start=at(event, "10:00"), name="Cleo Chairone")
    gail, _ = make.booking(event, 2, start=at(event, "10:00"), name="Gail Sharp")
    assert gail.slot.chair.number == 2
    submit_screen(session, gail, GLUTE_ANSWERS, utcnow())
    session.commit()
    assert (gail.screen.routine, gail.screen.rule) == ("glute_exception", "R5")
    return event, ours, gail


def sign_in_and_open_chair(page: Page, therapist, event, number: int, shot=None):
    page.goto("/login")
    page.get_by_label("Email").fill(therapist.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").tap()
    expect(page).to_have_url(re.compile(r"/tablet/$"))
    expect(page.get_by_role("heading", name="My chairs")).to_be_visible()
    tiles = page.locator("a.chair-tile")
    expect(tiles).to_have_count(1)
    if shot:
        page.screenshot(path=shot, full_page=True)
    tiles.filter(has_text=f"Chair {number}").tap()
    expect(page).to_have_url(re.compile(rf"/tablet/events/{event.id}/chairs/{number}$"))
    expect(page.get_by_role("heading", name=f"Chair {number}")).to_be_visible()


def status_of(session, booking_id: int) -> str:
    session.expire_all()
    return session.get(Booking, booking_id).status


def tap_action(page: Page, row, name: str):
    """One tap on a row's action button; the form posts (without a reload since issue 11)."""
    button = row.get_by_role("button", name=name, exact=True).element_handle()
    with page.expect_response(lambda r: r.request.method == "POST"):
        button.tap()
    # The script swaps the new queue in once the answer is read, which takes the tapped button
    # out of the page: wait for that, not a fixed time (the old queue is visible until then).
    page.wait_for_function("button => !button.isConnected", arg=button)


def book_through_api(base_url: str, event, hhmm: str, name: str, phone: str) -> dict:
    """Claim a time as the public JSON API does, from outside the browser."""
    with urllib.request.urlopen(f"{base_url}/api/v1/public/events/{event.share_token}") as reply:
        times = json.load(reply)["times"]
    wanted = at(event, hhmm)
    start = next(t["start"] for t in times if dt.datetime.fromisoformat(t["start"]) == wanted)
    body = json.dumps({"name": name, "phone": phone, "start": start, "sms_consent": True})
    request = urllib.request.Request(
        f"{base_url}/api/v1/public/events/{event.share_token}/bookings",
        data=body.encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request) as reply:
        assert reply.status == 201
        return json.load(reply)["booking"]


def button_boxes(page: Page, selector: str) -> list[tuple[str, float, float]]:
    return page.locator(selector).evaluate_all(
        "els => els.map(el => { const r = el.getBoundingClientRect();"
        " return [el.textContent.trim(), r.width, r.height]; })"
    )


# Fetch the live fragment as tablet.js does, then again a little over a second later with its
# ETag: the fragment must not change by itself (a CSRF token in it changed every second).
POLL_TWICE = """async () => {
  const url = document.getElementById("queue").dataset.liveUrl;
  const options = {credentials: "same-origin", cache: "no-store"};
  const first = await fetch(url, options);
  await new Promise(done => setTimeout(done, 1100));
  const headers = {"If-None-Match": first.headers.get("ETag")};
  const second = await fetch(url, {...options, headers});
  return [first.status, second.status];
}"""


def assert_fits(page: Page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"page is {width}px wide"


def test_glute_card_check_in_start_complete_and_live_queue(
    live_server, tablet, make, session, shots, time_machine
):
    event, therapist, gail = chair_two_with_glute_attendee(make, session)
    # Chair 1 is taken at 10:20, so a claim for 10:20 can only land on chair 2.
    make.booking(event, 3, start=at(event, "10:20"), name="Carl Chairone")
    # On the event's morning: nobody is checked in the evening before (issue 11).
    time_machine.move_to(at(event, "09:55"))
    page = tablet(LANDSCAPE)
    sign_in_and_open_chair(page, therapist, event, 2, shot=shots / "tablet-home.png")

    row = page.locator(f"li.q-row#booking-{gail.id}")
    expect(row).to_contain_text("Gail Sharp")
    expect(row).to_contain_text("Next")
    expect(row.locator(".routine-badge.badge-glute_exception")).to_have_text("Glute exception")
    card = page.locator("section.routine")
    expect(card.get_by_role("heading", name="Gail Sharp")).to_be_visible()
    expect(card.locator(".routine-badge.badge-glute_exception")).to_be_visible()
    expect(card).to_contain_text("sciatic notch")
    expect(card).to_contain_text("firm")
    # Chair 1's people are not on this tablet.
    expect(page.get_by_text("Cleo Chairone")).to_have_count(0)
    assert_fits(page)
    page.screenshot(path=shots / "tablet-landscape-next.png", full_page=True)

    tap_action(page, row, "Check in")
    assert status_of(session, gail.id) == "checked_in"
    expect(row.get_by_role("button", name="Undo")).to_be_visible()

    tap_action(page, row, "Start")
    assert status_of(session, gail.id) == "in_service"
    expect(row).to_contain_text("In the chair")
    expect(page.locator("section.routine")).to_contain_text("sciatic notch")
    page.screenshot(path=shots / "tablet-landscape-in-chair.png", full_page=True)

    # While Gail is in the chair, someone books chair 2's next free time from their phone.
    page.evaluate("window.__marker = 1")
    claimed = book_through_api(live_server, event, "10:20", "Walt Later", "(202) 555-0177")
    assert claimed["chair"] == 2
    walt = page.locator("li.q-row").filter(has_text="Walt Later")
    expect(walt).to_be_visible(timeout=5000)
    expect(walt).to_contain_text("Next")
    expect(walt).to_contain_text("10:20 AM")
    expect(walt.locator(".badge-pending")).to_have_text("Screen not done")
    assert page.evaluate("window.__marker") == 1, "the page reloaded"
    page.screenshot(path=shots / "tablet-landscape-live.png", full_page=True)

    tap_action(page, page.locator(f"li.q-row#booking-{gail.id}"), "Complete")
    assert status_of(session, gail.id) == "completed"
    expect(page.locator("details.done summary")).to_have_text("Done (1)")
    # The card now shows the next person, who has not taken the screen yet.
    expect(page.locator("section.routine")).to_contain_text("Walt Later")
    expect(page.locator("section.routine")).not_to_contain_text("sciatic notch")


def test_portrait_is_one_column_with_big_buttons(
    live_server, tablet, make, session, shots, time_machine
):
    event, therapist, gail = chair_two_with_glute_attendee(make, session)
    make.booking(event, 4, start=at(event, "10:40"), name="Cora Chairone")
    lena, _ = make.booking(event, 5, start=at(event, "10:40"), name="Lena Later")
    assert lena.slot.chair.number == 2
    time_machine.move_to(at(event, "10:01"))  # on the event day, just after Gail's time (issue 11)
    page = tablet(PORTRAIT)
    sign_in_and_open_chair(page, therapist, event, 2)
    tap_action(page, page.locator(f"li.q-row#booking-{gail.id}"), "Check in")
    assert status_of(session, gail.id) == "checked_in"

    # Both boxes in one script turn: the live poll may swap the queue in between two reads.
    queue, card = page.evaluate(
        "() => ['.queue-col', '.card-col'].map("
        "s => document.querySelector(s).getBoundingClientRect().toJSON())"
    )
    assert abs(queue["x"] - card["x"]) < 1, "the card sits below the queue, not beside it"
    assert card["y"] >= queue["y"] + queue["height"] - 1
    assert queue["width"] > PORTRAIT["width"] * 0.85
    assert_fits(page)

    boxes = button_boxes(page, ".q-actions button")
    names = {label for label, _, _ in boxes}
    assert {"Start", "No-show", "Undo", "Check in"} <= names
    for label, width, height in boxes:
        assert height >= 48 and width >= 48, f"{label!r} is {width:.0f}x{height:.0f}"
    page.screenshot(path=shots / "tablet-portrait.png", full_page=True)

    # Polling an unchanged queue answers 304, so tablet.js leaves the page alone.
    assert page.evaluate(POLL_TWICE) == [200, 304]


def test_a_poll_sent_before_a_tap_does_not_undo_it(
    live_server, tablet, make, session, time_machine
):
    """A poll in flight while a tap is answered brings the queue as it was before the tap."""
    event, therapist, gail = chair_two_with_glute_attendee(make, session)
    time_machine.move_to(at(event, "09:55"))
    page = tablet(LANDSCAPE)
    page.clock.install()  # the page's timers wait for the test: no poll but the one it sends
    sign_in_and_open_chair(page, therapist, event, 2)
    live_url = page.locator("#queue").get_attribute("data-live-url")
    held = []
    page.route(f"**{live_url}", lambda route: held.append(route))
    with page.expect_request(lambda request: live_url in request.url):
        page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")  # poll now
    for _ in range(100):  # the route handler runs while Playwright is waited on
        if held:
            break
        page.wait_for_timeout(20)
    before_tap = held[0].fetch()  # the queue as it is now, answered after the tap
    assert before_tap.status == 200

    row = page.locator(f"li.q-row#booking-{gail.id}")
    tap_action(page, row, "Check in")
    expect(row.get_by_role("button", name="Undo")).to_be_visible()
    with page.expect_response(lambda response: live_url in response.url):
        held[0].fulfill(response=before_tap)
    page.unroute(f"**{live_url}")
    page.wait_for_timeout(500)  # time for the script to read the late answer (and drop it)
    # Read once, not retried: no later poll may mend it (the page's clock stands still).
    labels = row.locator(".q-actions button").all_inner_texts()
    assert "Undo" in labels and "Check in" not in labels, labels
