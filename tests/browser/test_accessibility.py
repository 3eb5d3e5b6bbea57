"""axe-core finds no violation, of any impact, on the employee pages and the tablet queue.

axe-core comes from the npm registry (tests/nodejs.py) and is injected into each page; the
pages forbid inline scripts (CSP), so these contexts bypass the CSP for axe alone.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from chairops.models import utcnow
from chairops.screening.service import submit_screen
from tests.browser.conftest import PHONE
from tests.browser.test_phone_booking import fill_claim, submit_claim
from tests.browser.test_screen_flow import GLUTE_ANSWERS, choose
from tests.browser.test_tablet_flow import sign_in_and_open_chair

pytestmark = pytest.mark.browser

RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ")),
  }));
}"""


@pytest.fixture(scope="session")
def axe_source(node_modules) -> str:
    return (node_modules / "axe-core" / "axe.min.js").read_text()


@pytest.fixture
def audit(axe_source):
    """audit(page): every axe violation on the page as it stands, with where it was found."""

    def run(page: Page) -> list[dict]:
        page.add_script_tag(content=axe_source)
        return page.evaluate(RUN_AXE)

    return run


@pytest.fixture
def phone(new_page, phone_context_options):
    return new_page(**{**phone_context_options, "bypass_csp": True})


def test_employee_booking_pages(live_server, phone, audit, make):
    event = make.event()
    found = {}
    phone.goto(f"/e/{event.share_token}")
    found["event"] = audit(phone)
    fill_claim(phone, "10:20 AM", phone="12")
    assert submit_claim(phone) == 422
    expect(phone.locator(".error-summary")).to_be_visible()
    found["event with errors"] = audit(phone)
    fill_claim(phone, "10:20 AM")
    assert submit_claim(phone) == 303
    expect(phone.get_by_text("You're booked")).to_be_visible()
    found["confirmation"] = audit(phone)
    manage = phone.url.split("?")[0]
    phone.goto(manage)
    found["manage"] = audit(phone)
    phone.get_by_role("button", name="Cancel my booking").tap()
    expect(phone.get_by_role("button", name="Cancel it")).to_be_visible()
    found["cancel confirmation"] = audit(phone)
    phone.goto(manage + "/screen")
    found["screen"] = audit(phone)
    choose(phone, "pain_areas", "lower_back")
    phone.get_by_role("button", name="Send my answers").tap()
    expect(phone.locator(".error-summary")).to_be_visible()
    found["screen with errors"] = audit(phone)
    assert {page: v for page, v in found.items() if v} == {}


def test_error_pages(live_server, phone, audit):
    found = {}
    for path in ("/b/no-such-booking", "/e/no-such-event", "/w/no-such-place", "/nowhere"):
        assert phone.goto(path).status == 404
        found[path] = audit(phone)
    assert {page: v for page, v in found.items() if v} == {}


def test_waitlist_place(live_server, phone, audit, make):
    event = make.event(chairs=1)
    for n in range(1, 7):
        make.booking(event, n)
    phone.goto(f"/e/{event.share_token}")
    found = {"full event": audit(phone)}
    phone.get_by_label("Your name").fill("Wanda Wait")
    phone.get_by_label("Mobile number").fill("(202) 555-0188")
    phone.get_by_role("button", name="Join the waitlist").tap()
    expect(phone.get_by_role("heading", name="Number 1 in line")).to_be_visible()
    found["waitlist place"] = audit(phone)
    assert {page: v for page, v in found.items() if v} == {}


def test_tablet_queue(live_server, new_page, audit, make, session):
    event = make.event()
    therapist = make.user("therapist")
    event.chairs[0].therapist = therapist
    session.commit()
    gail, _ = make.booking(event, 1, name="Gail Sharp")
    make.booking(event, 2, name="Walt Waiting")
    submit_screen(session, gail, GLUTE_ANSWERS, utcnow())
    session.commit()
    found = {}
    for size in ({"width": 1024, "height": 768}, {"width": 768, "height": 1024}):
        page = new_page(viewport=size, has_touch=True, bypass_csp=True)
        sign_in_and_open_chair(page, therapist, event, 1)
        found[f"queue {size['width']}x{size['height']}"] = audit(page)
    assert PHONE["width"] == 390
    assert {page: v for page, v in found.items() if v} == {}
