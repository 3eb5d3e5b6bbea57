"""An admin adds a company and invites its coordinator, who joins from the link (issue 6)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_coordinator import sign_in

pytestmark = pytest.mark.browser


def assert_fits(page: Page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"page is {width}px wide"


def test_admin_adds_a_company_and_its_coordinator_joins(laptop_page, new_page, make, shots):
    admin = make.user("admin", email="olga@spa.example")
    make.user("therapist", email="theo@spa.example")
    page = laptop_page
    sign_in(page, admin)

    page.get_by_role("link", name="Companies").click()
    expect(page.get_by_role("heading", name="Companies")).to_be_visible()
    page.get_by_role("link", name="New company").click()
    page.get_by_role("button", name="Add company").click()
    # Shown twice: in the error summary at the top (issue 13.1) and under the field.
    expect(page.get_by_text("Give the company's name.").first).to_be_visible()
    page.get_by_label("Name").fill("Initech")
    page.get_by_label("Time zone").select_option("America/Chicago")
    page.get_by_label("Country").select_option("CA")
    page.screenshot(path=shots / "team-company-form.png", full_page=True)
    page.get_by_role("button", name="Add company").click()
    row = page.get_by_role("row").filter(has_text="Initech")
    expect(row).to_contain_text("America/Chicago")
    expect(row).to_contain_text("CA")
    assert_fits(page)
    page.screenshot(path=shots / "team-companies.png", full_page=True)

    page.get_by_role("link", name="Team").click()
    page.get_by_label("Email").fill("nia@initech.example")
    page.get_by_label("Name (optional)").fill("Nia")
    page.get_by_label("Role").select_option("coordinator")
    page.get_by_label("Company").select_option(label="Initech")
    page.get_by_role("button", name="Create invite link").click()
    expect(page.get_by_text("it works once and expires in 72 hours")).to_be_visible()
    link = page.get_by_label("Invite link").input_value()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/invite/[A-Za-z0-9_-]{43}", link)
    page.get_by_role("button", name="Copy link").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    page.screenshot(path=shots / "team-invite-created.png", full_page=True)

    page.get_by_role("link", name="Back to the team").click()
    expect(page.get_by_role("row").filter(has_text="nia@initech.example")).to_contain_text(
        "pending"
    )
    assert_fits(page)
    page.screenshot(path=shots / "team-admin.png", full_page=True)

    newcomer = new_page()
    newcomer.goto(link)
    expect(newcomer.get_by_text("olga@spa.example invited you")).to_be_visible()
    expect(newcomer.get_by_label("Your name")).to_have_value("Nia")
    newcomer.get_by_label("Password", exact=True).fill("a long new password")
    newcomer.get_by_label("Password again").fill("a long new password")
    newcomer.screenshot(path=shots / "team-accept.png", full_page=True)
    newcomer.get_by_role("button", name="Create my account").click()
    expect(newcomer).to_have_url(re.compile(r"/staff$"))
    expect(newcomer.get_by_text("Welcome, Nia")).to_be_visible()
    newcomer.get_by_role("link", name="Team").click()
    expect(
        newcomer.get_by_role("heading", name="Invite another coordinator of Initech")
    ).to_be_visible()
    expect(newcomer.get_by_text("theo@spa.example")).to_have_count(0)
    newcomer.screenshot(path=shots / "team-coordinator.png", full_page=True)

    used = new_page()
    used.goto(link)
    expect(used.get_by_role("heading", name="This invite link no longer works")).to_be_visible()
    used.screenshot(path=shots / "team-invite-gone.png", full_page=True)
