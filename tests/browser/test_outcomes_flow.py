"""Outcomes in a real browser: one tap for the after score at a tablet, the report on a laptop."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from chairops.models import Screen
from chairops.outcomes.service import record_pain_after
from tests.browser.test_tablet_flow import LANDSCAPE, PORTRAIT, assert_fits, button_boxes
from tests.factories import PASSWORD
from tests.outcome_data import BACK_STANDARD, GLUTE, SCIATICA, came, event_on, local_today

pytestmark = pytest.mark.browser


def sign_in(page: Page, user, lands_on: str):
    page.goto("/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(lands_on))


@pytest.fixture
def gail_in_the_chair(make, session):
    """Today's event; our therapist on chair 1; Gail (glute exception, 8 of 10) in the chair."""
    event = event_on(make, local_today(), chairs=1)
    therapist = make.user("therapist")
    event.chairs[0].therapist = therapist
    session.commit()
    gail = came(make, session, event, 1, GLUTE, name="Gail Sharp")
    gail.status, gail.status_changed_at = "in_service", None
    came(make, session, event, 2, BACK_STANDARD, name="Walt Later").status = "booked"
    session.commit()
    return event, therapist, gail


@pytest.mark.parametrize("size", [LANDSCAPE, PORTRAIT], ids=["landscape", "portrait"])
def test_one_tap_after_complete_records_the_after_score(
    live_server, new_page, session, shots, gail_in_the_chair, size
):
    event, therapist, gail = gail_in_the_chair
    page = new_page(viewport=size, has_touch=True, locale="en-US")
    sign_in(page, therapist, r"/tablet/$")
    page.goto(f"/tablet/events/{event.id}/chairs/1")
    row = page.locator(f"li.q-row#booking-{gail.id}")
    with page.expect_response(lambda r: r.request.method == "POST"):  # sent without a reload
        row.get_by_role("button", name="Complete", exact=True).tap()

    prompt = page.locator("section.pain-after")
    expect(prompt.get_by_role("heading")).to_contain_text("Lower-back pain now, 0-10")
    expect(prompt).to_contain_text("Gail Sharp")
    buttons = prompt.locator("button.pain-score")
    expect(buttons).to_have_count(11)
    boxes = button_boxes(page, "section.pain-after button")
    assert [label for label, _, _ in boxes] == [str(n) for n in range(11)] + ["Skip"]
    assert all(w >= 48 and h >= 48 for _, w, h in boxes), boxes
    tops = {round(b["y"]) for b in buttons.evaluate_all(
        "els => els.map(el => el.getBoundingClientRect().toJSON())")}  # fmt: skip
    assert len(tops) == 1, "the eleven buttons are one row"
    assert_fits(page)
    name = "landscape" if size == LANDSCAPE else "portrait"
    page.screenshot(path=shots / f"outcomes-tablet-{name}-ask.png", full_page=True)

    with page.expect_navigation():
        prompt.get_by_role("button", name="3", exact=True).tap()
    expect(page.get_by_text("Lower-back pain now for Gail: 3 of 10.")).to_be_visible()
    expect(page.locator("section.pain-after")).to_have_count(0)
    page.screenshot(path=shots / f"outcomes-tablet-{name}-done.png", full_page=True)
    session.expire_all()
    assert session.scalar(select(Screen.pain_after).where(Screen.booking_id == gail.id)) == 3


@pytest.fixture
def reported(make, session):
    """A coordinator's company: an event 12 days ago with numbers, and a small one withheld."""
    coordinator = make.user("coordinator")
    company = coordinator.company
    big = event_on(make, local_today() - dt.timedelta(days=12), company=company, title="Spring day")
    for n, (before_after, two_days) in enumerate(
        [((8, 3), 4), ((9, 4), 5), ((7, 3), 3), ((8, 2), 3), ((10, 5), 6), ((8, 4), 4)], start=1
    ):
        booking = came(make, session, big, n, {**GLUTE, "low_back_pain": before_after[0]},
                       two_days=two_days)  # fmt: skip
        record_pain_after(session, booking, before_after[1], booking.slot.ends_at)
    for n in range(20, 27):
        came(make, session, big, n, BACK_STANDARD, after=2, two_days=3)
    for n in range(30, 35):
        came(make, session, big, n, SCIATICA, after=4, two_days=5)
    small = event_on(make, local_today() - dt.timedelta(days=11), company=company, title="Tiny")
    for n in range(1, 4):
        came(make, session, small, n, GLUTE, after=3, two_days=4)
    session.commit()
    return coordinator, big, small


def test_a_coordinator_opens_the_report_and_its_chart_on_a_laptop(laptop_page, reported, shots):
    coordinator, big, small = reported
    page = laptop_page
    sign_in(page, coordinator, r"/staff")
    page.goto(f"/staff/events/{big.id}")
    page.get_by_role("link", name="Outcomes: does it help?").click()
    expect(page.get_by_role("heading", name=re.compile("Does it help"))).to_be_visible()
    glute = page.locator("tr#group-glute_exception")
    expect(glute).to_contain_text("8.3")  # before: 8, 9, 7, 8, 10, 8
    expect(glute).to_contain_text("3.5")  # right after: 3, 4, 3, 2, 5, 4
    expect(glute).to_contain_text("100%")
    chart = page.locator("svg.trend-chart")
    expect(chart).to_be_visible()
    expect(chart.locator("g.trend-glute_exception circle")).to_have_count(3)
    expect(chart.locator("g.trend-standard line.trend")).to_have_count(2)
    box = chart.bounding_box()
    assert box["width"] > 400 and box["height"] > 150
    assert_fits(page)
    page.screenshot(path=shots / "outcomes-laptop-event.png", full_page=True)

    page.goto(f"/staff/events/{small.id}/outcomes")
    expect(page.locator("tr#group-glute_exception")).to_contain_text("fewer than 5")
    expect(page.locator("svg.trend-chart")).to_have_count(0)
    page.screenshot(path=shots / "outcomes-laptop-small.png", full_page=True)

    page.get_by_role("link", name="Outcomes").first.click()
    expect(page.get_by_role("heading", name=re.compile("Does it help"))).to_be_visible()
    expect(page.get_by_text("2 counted")).to_be_visible()
    # The small event's three glute people are never added in: still six.
    expect(page.locator("tr#group-glute_exception")).to_contain_text("6 people")
    page.screenshot(path=shots / "outcomes-laptop-company.png", full_page=True)
