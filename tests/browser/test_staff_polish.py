"""Staff forms and pages at laptop size (issue 13, points 1, 8 and 10)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_coordinator import sign_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def assert_focused_summary(page: Page, links: dict[str, str]):
    """The error summary opens the page with the focus, linking each message to its field."""
    summary = page.locator(".error-summary")
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    assert page.evaluate("() => document.activeElement.classList.contains('error-summary')")
    for field_id, message in links.items():
        expect(summary.locator(f"a[href='#{field_id}']")).to_contain_text(message)
        expect(page.locator(f"#{field_id}")).to_be_visible()


def test_new_event_form_summarises_errors_and_the_date_speaks_of_the_box(
    live_server, laptop_page, make, shots
):
    page = laptop_page
    sign_in(page, make.user(role="coordinator"))
    page.goto("/staff/events/new")
    page.get_by_label("Title").fill("Wellness Wednesday")
    page.get_by_label("Chairs").fill("0")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Create event").click()
    assert answer.value.status == 422
    assert_focused_summary(
        page,
        {
            "location": "",
            "date": "Enter a date, for example",
            "chairs": "Give a whole number from 1 to 30.",
        },
    )
    # The box shows the browser's own format (mm/dd/yyyy here): the message names a day, not ISO.
    message = page.locator("#date-error").inner_text()
    assert re.fullmatch(r"Enter a date, for example \d{1,2} [A-Z][a-z]{2} \d{4}\.", message)
    assert "YYYY" not in page.content()
    page.screenshot(path=shots / "laptop-new-event-errors.png")


def test_login_failure_is_in_the_summary(live_server, laptop_page, make):
    user = make.user(role="coordinator")
    page = laptop_page
    page.goto("/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD + "x")
    page.get_by_role("button", name="Sign in").click()
    assert_focused_summary(page, {"email": "do not match an active account"})
    page.goto("/login")
    page.get_by_role("button", name="Sign in").click()
    assert_focused_summary(page, {"email": "This field is required.", "password": "required"})


def test_invite_form_summarises_errors(live_server, laptop_page, make):
    page = laptop_page
    sign_in(page, make.user(role="admin"))
    page.goto("/staff/team")
    page.get_by_role("button", name="Create invite link").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    assert page.evaluate("() => document.activeElement.classList.contains('error-summary')")
    expect(summary.locator("a[href='#email']")).to_have_count(1)


def crumbs(page: Page) -> list[str]:
    return page.get_by_role("navigation", name="Breadcrumb").get_by_role("link").all_inner_texts()


def test_every_staff_page_below_the_dashboard_leads_back(
    live_server, laptop_page, make, session, shots
):
    admin = make.user(role="admin")
    event = make.event(title="Wellness Wednesday")
    make.booking(event, 1)
    page = laptop_page
    sign_in(page, admin)
    assert crumbs(page) == []  # the dashboard itself
    pages = {
        f"/staff/events/{event.id}": ["Dashboard"],
        f"/staff/events/{event.id}/edit": ["Dashboard", "Wellness Wednesday"],
        f"/staff/events/{event.id}/share": ["Dashboard", "Wellness Wednesday"],
        f"/staff/events/{event.id}/poster": ["Dashboard", "Wellness Wednesday", "Share kit"],
        "/staff/events/new": ["Dashboard"],
        "/staff/team": ["Dashboard"],
        "/staff/companies": ["Dashboard"],
        "/staff/companies/new": ["Dashboard", "Companies"],
        "/staff/outbox": ["Dashboard"],
        f"/tablet/events/{event.id}/chairs/1": ["Dashboard", "Wellness Wednesday"],
    }
    for path, trail in pages.items():
        page.goto(path)
        assert crumbs(page) == trail, path
    page.goto(f"/staff/events/{event.id}")
    page.screenshot(path=shots / "laptop-event-breadcrumb.png")
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Dashboard").click()
    expect(page).to_have_url(re.compile(r"/staff$"))
    expect(page.get_by_role("heading", name="All events")).to_be_visible()


@pytest.mark.parametrize(
    ("role", "viewport", "home"),
    [
        ("therapist", {"width": 768, "height": 1024}, r"/tablet/$"),  # a tablet, upright
        ("coordinator", {"width": 390, "height": 844}, r"/staff$"),  # a phone
    ],
)
def test_changing_ones_password_from_the_menu(
    live_server, new_page, make, shots, role, viewport, home
):
    user = make.user(role=role)
    page = new_page(viewport=viewport, has_touch=True, locale="en-US")
    page.goto("/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(home))
    page.locator("nav.staff-nav").get_by_role("link", name="Password").click()
    expect(page.get_by_role("heading", name="Change password")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]

    page.get_by_label("Current password").fill(PASSWORD + "x")
    page.get_by_label("New password", exact=True).fill("tablet-password-2026")
    page.get_by_label("New password again").fill("tablet-password-2026")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Change password").click()
    assert answer.value.status == 422
    assert_focused_summary(page, {"current": "That is not your current password."})
    page.screenshot(path=shots / f"password-{role}-refused.png", full_page=True)

    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill("tablet-password-2026")
    page.get_by_label("New password again").fill("tablet-password-2026")
    page.get_by_role("button", name="Change password").click()
    expect(page).to_have_url(re.compile(home))
    expect(page.get_by_text("Your password is changed.")).to_be_visible()
    page.screenshot(path=shots / f"password-{role}-changed.png", full_page=True)


def test_an_admin_adds_texting_countries_on_the_company_page(
    live_server, laptop_page, make, session, shots
):
    company = make.company(name="Initech")
    page = laptop_page
    sign_in(page, make.user(role="admin"))
    page.goto("/staff/companies")
    page.get_by_role("link", name="Edit Initech").click()
    field = page.get_by_label("Also text numbers from")
    expect(field).to_have_value("")
    field.fill("ca, uk")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Save changes").click()
    assert answer.value.status == 422
    assert_focused_summary(page, {"sms_countries": "Not a country we can text: UK."})
    expect(page.get_by_label("Also text numbers from")).to_have_value("ca, uk")  # kept to fix
    page.screenshot(path=shots / "laptop-company-texting-countries-refused.png", full_page=True)
    page.get_by_label("Also text numbers from").fill("ca, gb")
    page.get_by_role("button", name="Save changes").click()
    expect(page).to_have_url(re.compile(r"/staff/companies$"))
    expect(page.get_by_text("Initech saved.")).to_be_visible()
    session.expire_all()
    assert company.sms_countries == "CA GB"
