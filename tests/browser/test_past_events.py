"""A coordinator with a long history pages through every past event on a laptop (issue 14)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from chairops.coordinator import service
from tests.browser.test_coordinator import assert_fits, sign_in
from tests.web.test_past_events import add_past_events

pytestmark = pytest.mark.browser


def shown(page: Page) -> list[str]:
    return page.locator("table.list tbody tr td:nth-child(2) a").all_inner_texts()


def test_paging_through_past_events(live_server, laptop_page, make, session, monkeypatch, shots):
    monkeypatch.setattr(service, "PAST_PAGE_SIZE", 5)
    coordinator = make.user("coordinator")
    add_past_events(make, session, coordinator.company, range(1, 13))
    page = laptop_page
    sign_in(page, coordinator)

    page.get_by_role("link", name="Show all 12 past events").click()
    expect(page.get_by_role("heading", name="Past events", exact=True)).to_be_visible()
    expect(page.get_by_text("Page 1 of 3", exact=True)).to_be_visible()
    assert shown(page) == [f"Day minus {n}" for n in range(1, 6)]
    expect(page.get_by_role("link", name="Newer events")).to_have_count(0)
    assert_fits(page)
    page.screenshot(path=shots / "past-events-laptop-page-1.png", full_page=True)

    page.get_by_role("link", name="Older events").click()
    expect(page.get_by_text("Page 2 of 3", exact=True)).to_be_visible()
    assert shown(page) == [f"Day minus {n}" for n in range(6, 11)]
    page.get_by_role("link", name="Older events").click()
    expect(page.get_by_text("Page 3 of 3", exact=True)).to_be_visible()
    assert shown(page) == ["Day minus 11", "Day minus 12"]
    expect(page.get_by_role("link", name="Older events")).to_have_count(0)
    assert_fits(page)
    page.screenshot(path=shots / "past-events-laptop-page-3.png", full_page=True)

    page.get_by_role("link", name="Newer events").click()
    expect(page.get_by_text("Page 2 of 3", exact=True)).to_be_visible()
    page.get_by_role("link", name="Newer events").click()
    assert shown(page) == [f"Day minus {n}" for n in range(1, 6)]
    page.get_by_role("link", name="Your events").click()
    expect(page.get_by_role("heading", name="Your events")).to_be_visible()
