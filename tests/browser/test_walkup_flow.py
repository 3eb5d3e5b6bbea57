"""Walk-up line events in a real browser (issue 16): a phone joins from the poster's QR code,
takes the screen while waiting and is called; a therapist calls next on a tablet and works the
card; a person without a phone joins at the kiosk. The line runs today, open now."""

from __future__ import annotations

import json
import re
import urllib.request

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from chairops.models import LineEntry, utcnow
from chairops.walkup.rules import LineSettings
from chairops.walkup.service import Joiner, join, take_screen
from tests.browser.test_coordinator import sign_in
from tests.browser.test_coordinator_acceptance import read_qr
from tests.browser.test_screen_flow import answer, send
from tests.factories import PASSWORD, phone
from tests.walkup_support import open_line

pytestmark = pytest.mark.browser

LANDSCAPE = {"width": 1024, "height": 768}
PORTRAIT = {"width": 768, "height": 1024}
GLUTE = {
    "pain_areas": ["lower_back"], "low_back_pain": 8, "new_or_different": False,
    "leg_symptoms": "none", "red_flags": False, "conditions": [], "pressure": "firm",
    "avoid_note": "",
}  # fmt: skip


def assert_fits(page: Page):
    """Nothing is wider than the screen: no sideways scrolling."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{overflow}px wider than the viewport"


def sign_in_on_tablet(page: Page, user):
    page.goto("/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").tap()
    expect(page).to_have_url(re.compile(r"/(tablet/|staff)$"))


def call_next_by_api(live_server: str, event, number: int, token: str) -> dict:
    request = urllib.request.Request(
        f"{live_server}/api/v1/events/{event.id}/chairs/{number}/call-next",
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        data=b"{}",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_a_phone_joins_from_the_qr_code_takes_the_screen_and_is_called(
    live_server, laptop_page, phone_page, make, session, shots
):
    event = open_line(make, title="Spring health fair", room="Hall B")
    coordinator = make.user("coordinator", company=event.company)
    therapist, token = make.user("therapist", api_token=True)
    event.chairs[1].therapist = therapist
    session.commit()

    # The coordinator's poster says how to join; its QR code is the link a phone opens.
    sign_in(laptop_page, coordinator)
    laptop_page.goto(f"/staff/events/{event.id}/poster")
    expect(laptop_page.get_by_text("Scan to join the line", exact=True)).to_be_visible()
    (link,) = read_qr(laptop_page.locator(".poster-qr svg").first.screenshot())
    assert link == f"{live_server}/e/{event.share_token}"
    laptop_page.screenshot(path=shots / "walkup-poster.png", full_page=True)

    page = phone_page
    page.goto(link)
    expect(page).to_have_url(re.compile(rf"/e/{event.share_token}/line$"))
    expect(page.get_by_text("Nobody is in line.")).to_be_visible()
    page.get_by_label("Your name").fill("Dana Diaz")
    page.get_by_label("Mobile number").fill(phone(1))
    assert_fits(page)
    page.screenshot(path=shots / "walkup-join-390.png", full_page=True)
    page.get_by_role("button", name="Join the line").tap()

    expect(page).to_have_url(re.compile(r"/l/[\w-]+\?new=1$"))
    expect(page.locator(".place-number")).to_have_text("1")
    expect(page.get_by_text("you're next")).to_be_visible()
    assert_fits(page)
    page.screenshot(path=shots / "walkup-place-390.png", full_page=True)

    page.get_by_role("link", name="Answer the questions").tap()
    expect(page.get_by_role("heading", name="Before your massage")).to_be_visible()
    answer(page, pain="8")
    assert send(page) == 303
    expect(page.get_by_role("heading", name="All set")).to_be_visible()
    page.get_by_role("link", name="Back to my place in line").tap()
    expect(page.get_by_text("Questions answered")).to_be_visible()

    # Chair 2 calls next; the open page changes by itself (its light poll) to say so.
    called = call_next_by_api(live_server, event, 2, token)["entry"]
    assert (called["name"], called["chair"], called["status"]) == ("Dana Diaz", 2, "called")
    heading = page.get_by_role("heading", name="Chair 2 is ready for you now")
    expect(heading).to_be_visible(timeout=15_000)
    expect(page).to_have_title(re.compile("Chair 2 is ready"))
    assert_fits(page)
    page.screenshot(path=shots / "walkup-called-390.png", full_page=True)
    session.expire_all()
    entry = session.scalar(select(LineEntry))
    assert entry.booking.screen.routine == "glute_exception"


def test_a_phone_without_javascript_still_sees_its_place(live_server, new_page, make):
    event = open_line(make)
    page = new_page(
        viewport={"width": 390, "height": 844}, is_mobile=True, java_script_enabled=False
    )
    page.goto(f"/e/{event.share_token}/line")
    page.get_by_label("Your name").fill("No Script")
    page.get_by_label("Mobile number").fill(phone(2))
    page.get_by_role("button", name="Join the line").click()
    expect(page.locator(".place-number")).to_have_text("1")
    refresh = page.locator("meta[http-equiv=refresh]")
    expect(refresh).to_have_count(1)
    page.get_by_role("button", name="Leave the line").click()
    expect(page.get_by_role("heading", name="You left the line")).to_be_visible()


def test_a_therapist_calls_next_sees_the_card_and_completes(
    live_server, new_page, make, session, shots
):
    event = open_line(make, title="Convention booth")
    therapist = make.user("therapist")
    event.chairs[0].therapist = therapist
    session.commit()
    now, cfg = utcnow(), LineSettings()
    gail, _ = join(session, event, Joiner("Gail Sharp", phone(1), True), now, cfg)
    take_screen(session, gail, GLUTE, now)
    join(session, event, Joiner("Hugo Lane", phone(2), True), now, cfg)
    session.commit()

    page = new_page(viewport=LANDSCAPE, has_touch=True, locale="en-US")
    sign_in_on_tablet(page, therapist)
    page.goto(f"/tablet/events/{event.id}/chairs/1")
    panel = page.locator("#line-panel")
    expect(panel.get_by_text("2 waiting")).to_be_visible()
    expect(panel.locator(".line-names li")).to_have_text(["Gail Sharp", "Hugo Lane"])
    expect(page.get_by_text("Nobody is waiting for this chair.")).to_be_visible()
    assert_fits(page)
    page.screenshot(path=shots / "walkup-tablet-before.png", full_page=True)

    page.get_by_role("button", name="Call next").tap()
    expect(page.get_by_text("Gail Sharp is called to chair 1.")).to_be_visible()
    row = page.locator(".q-row", has_text="Gail Sharp")
    expect(row.locator(".routine-badge")).to_have_text("Glute exception")
    expect(page.locator(".card-col")).to_contain_text("Glute")
    expect(panel.get_by_text("1 waiting")).to_be_visible()
    expect(panel.get_by_text("Called here, on their way")).to_be_visible()
    page.screenshot(path=shots / "walkup-tablet-called.png", full_page=True)

    for action in ("Check in", "Start", "Complete"):
        page.locator(".q-row", has_text="Gail Sharp").get_by_role("button", name=action).tap()
        page.wait_for_load_state()
    expect(page.get_by_text("Done (1)")).to_be_visible()
    expect(panel.get_by_text("Called here, on their way")).to_have_count(0)
    assert_fits(page)
    page.screenshot(path=shots / "walkup-tablet-done.png", full_page=True)

    portrait = new_page(viewport=PORTRAIT, has_touch=True, locale="en-US")
    sign_in_on_tablet(portrait, therapist)
    portrait.goto(f"/tablet/events/{event.id}/chairs/1")
    expect(portrait.get_by_role("button", name="Call next")).to_be_visible()
    assert_fits(portrait)
    portrait.screenshot(path=shots / "walkup-tablet-portrait.png", full_page=True)
    session.expire_all()
    entry = session.get(LineEntry, gail.id)
    assert entry.booking.status == "completed"


def test_someone_without_a_phone_joins_at_the_kiosk(live_server, new_page, make, session, shots):
    event = open_line(make, title="Open day")
    coordinator = make.user("coordinator", company=event.company)
    join(session, event, Joiner("Ahead One", phone(1), True), utcnow(), LineSettings())
    session.commit()

    page = new_page(viewport=LANDSCAPE, has_touch=True, locale="en-US")
    sign_in_on_tablet(page, coordinator)
    page.goto(f"/staff/events/{event.id}/kiosk")
    expect(page.get_by_text("1 person in line")).to_be_visible()
    page.get_by_label("Your name").fill("Kim Walker")
    assert_fits(page)
    page.screenshot(path=shots / "walkup-kiosk.png", full_page=True)
    page.get_by_role("button", name="Join the line").tap()
    expect(page.get_by_role("heading", name="Kim Walker, you're number 2")).to_be_visible()
    page.screenshot(path=shots / "walkup-kiosk-done.png", full_page=True)
    page.get_by_role("link", name="Next person").tap()
    expect(page.get_by_text("2 people in line")).to_be_visible()
    session.expire_all()
    kim = session.scalar(select(LineEntry).where(LineEntry.name == "Kim Walker"))
    assert kim.kiosk and kim.phone is None


def test_the_coordinator_sees_the_line_over_the_day(live_server, laptop_page, make, session, shots):
    event = open_line(make, title="Health fair")
    coordinator = make.user("coordinator", company=event.company)
    cfg, now = LineSettings(), utcnow()
    for n in range(1, 6):
        join(session, event, Joiner(f"Person {n}", phone(n), True), now, cfg)
    session.commit()
    sign_in(laptop_page, coordinator)
    laptop_page.goto(f"/staff/events/{event.id}")
    expect(laptop_page.get_by_role("heading", name="The line", exact=True)).to_be_visible()
    expect(laptop_page.locator("svg.line-chart")).to_be_visible()
    laptop_page.screenshot(path=shots / "walkup-coordinator.png", full_page=True)
