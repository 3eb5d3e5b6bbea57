"""The coordinator's console through the test client: dashboard, event page, CSV, share kit, API."""

import csv
import datetime as dt
import io
import re

import pytest
import segno
from sqlalchemy import select

from chairops.booking.service import cancel_booking
from chairops.coordinator.share import QR_OPTIONS
from chairops.models import AuditEntry, Booking, utcnow
from chairops.screening.service import submit_screen
from tests.factories import PASSWORD, phone

ANSWERS = {
    "pain_areas": ["lower_back"], "low_back_pain": 8, "new_or_different": False,
    "leg_symptoms": "none", "red_flags": False, "conditions": [], "pressure": "firm",
    "avoid_note": "left shoulder surgery",
}  # fmt: skip


def sign_in(client, user):
    return client.post("/login", data={"email": user.email, "password": PASSWORD})


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def booked(make, session):
    """A published event of a coordinator's company with three people, one screened."""
    coordinator, token = make.user("coordinator", api_token=True)
    event = make.event(company=coordinator.company)
    ana, ana_token = make.booking(event, n=1, name="Ana Lima")
    sam, _ = make.booking(event, n=2, name='=HYPERLINK("http://evil","x")')
    gone, _ = make.booking(event, n=3, name="Gone Person")
    cancel_booking(session, gone, utcnow())
    submit_screen(session, ana, ANSWERS, utcnow(), token=ana_token)
    sam.status = "no_show"
    session.commit()
    return coordinator, token, event


def test_coordinator_home_is_the_dashboard_with_fill(client, make, booked):
    coordinator, _, event = booked
    make.event(company=coordinator.company, publish=False, days_ahead=3, title="Spring draft")
    make.event(days_ahead=1, title="Someone else's day")
    sign_in(client, coordinator)
    page = client.get("/staff").get_data(as_text=True)
    assert "Your events" in page and coordinator.company.name in page
    assert "Chair massage day" in page and "Spring draft" in page
    assert "Someone else&#39;s day" not in page and "Someone else's day" not in page
    # Ana holds one of 12 slots; the no-show's slot and the cancelled one are free again.
    assert "<strong>1 of 12</strong> booked" in page
    assert f"/staff/events/{event.id}/share" in page
    assert "Draft: publish it to open sign-up." in page


def test_dashboard_with_no_events_points_to_the_form(client, make):
    sign_in(client, make.user("coordinator"))
    page = client.get("/staff").get_data(as_text=True)
    assert "No events yet." in page and 'href="/staff/events/new"' in page


def test_dashboard_links_to_every_past_event(client, make):
    coordinator = make.user("coordinator")
    for n in range(1, 11):
        make.event(company=coordinator.company, days_ahead=-n, title=f"Day minus {n}")
    sign_in(client, coordinator)
    page = client.get("/staff").get_data(as_text=True)
    assert "Day minus 8<" in page and "Day minus 9<" not in page
    assert 'href="/staff?past=all#recent">Show all 10 past events' in page
    every = client.get("/staff?past=all").get_data(as_text=True)
    assert "Day minus 10<" in every and "Show all" not in every


def test_admin_home_is_the_dashboard_of_every_company(client, make, booked):
    _, _, event = booked
    other = make.event(company=make.company("Globex"), title="Globex relax day")
    sign_in(client, make.user("admin"))
    page = client.get("/staff").get_data(as_text=True)
    assert "All events" in page and "Your events" not in page
    assert "Chair massage day" in page and event.company.name in page
    assert other.title in page and "Globex" in page


def test_the_dashboard_shows_waitlist_length_and_past_utilization(client, make, session):
    from chairops import waitlist

    coordinator = make.user("coordinator")
    full = make.event(company=coordinator.company, chairs=1, start_time="10:00", end_time="10:15")
    make.booking(full, 1)
    for n in (2, 3):
        waitlist.join(session, full, waitlist.Joiner(f"W{n}", phone(n), True), utcnow())
    session.commit()
    past = make.event(company=coordinator.company, title="Done day")  # 12 slots
    for n in (4, 5, 6):
        booking, _ = make.booking(past, n)
        booking.status = "completed" if n < 6 else "no_show"
    past.date -= dt.timedelta(days=3)  # it happened: 2 of 12 slots were used
    session.commit()
    sign_in(client, coordinator)
    page = client.get("/staff").get_data(as_text=True)
    assert "2 on the waitlist" in page
    row = page.split("Done day")[1].split("</tr>")[0]
    cells = [c.split(">")[-1] for c in row.split("</td>")[1:-1]]
    assert cells[1:] == ["2", "1", "67%", "17%"]  # came, no-shows, attendance, utilization


def test_event_page_shows_roster_and_chart_but_no_phone_or_health_data(client, booked):
    coordinator, _, event = booked
    sign_in(client, coordinator)
    page = client.get(f"/staff/events/{event.id}").get_data(as_text=True)
    assert "Ana Lima" in page and "=HYPERLINK" in page and "Gone Person" not in page
    assert '<svg class="fill-chart"' in page
    assert "<title>10:00 AM: 1 booked, 1 no-show</title>" in page
    assert "1 of 12 slots booked: 0 arrived or done, 1 still to come, 1 no-shows" in page
    assert "1 cancelled booking is not listed." in page
    for secret in (phone(1), phone(1)[2:], "glute", "lower_back", "shoulder surgery"):
        assert secret not in page
    assert f'href="/staff/events/{event.id}/roster.csv"' in page


def test_therapist_on_the_event_sees_no_roster_and_cannot_export(client, make, booked, session):
    _, _, event = booked
    therapist = make.user("therapist")
    event.chairs[0].therapist_id = therapist.id
    session.commit()
    sign_in(client, therapist)
    page = client.get(f"/staff/events/{event.id}")
    assert page.status_code == 200 and b'id="roster"' not in page.data
    assert client.get(f"/staff/events/{event.id}/roster.csv").status_code == 404
    assert client.get(f"/staff/events/{event.id}/share").status_code == 404


def test_roster_csv_is_safe_for_spreadsheets_and_audited(client, booked, session):
    coordinator, _, event = booked
    sign_in(client, coordinator)
    response = client.get(f"/staff/events/{event.id}/roster.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert disposition == f'attachment; filename="roster-{event.date}-chair-massage-day.csv"'
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0] == [
        "Date", "Start (America/New_York)", "End (America/New_York)", "Chair", "Name", "Status",
        "Walk-in",
    ]  # fmt: skip
    assert rows[1] == [event.date.isoformat(), "10:00", "10:15", "1", "Ana Lima", "Booked", ""]
    assert rows[2][4:6] == ['\'=HYPERLINK("http://evil","x")', "No-show"]
    assert len(rows) == 3  # the cancelled booking is not exported
    assert phone(1) not in text and "glute" not in text
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "roster.exported")).one()
    assert (entry.user_id, entry.subject_id, entry.detail) == (
        coordinator.id,
        event.id,
        {"rows": 2, "format": "csv"},
    )


def test_another_companys_console_pages_are_404(client, make, booked):
    _, _, event = booked
    sign_in(client, make.user("coordinator"))
    for path in ("roster.csv", "share", "poster", "qr.svg", "qr.png"):
        assert client.get(f"/staff/events/{event.id}/{path}").status_code == 404, path


def test_share_kit_qr_encodes_the_public_sign_up_link(client, booked):
    coordinator, _, event = booked
    sign_in(client, coordinator)
    link = f"https://chairops.example/e/{event.share_token}"
    page = client.get(f"/staff/events/{event.id}/share").get_data(as_text=True)
    assert f'value="{link}"' in page
    expected = segno.make(link, **QR_OPTIONS)
    path = expected.svg_inline(scale=1, border=4, omitsize=True, lineclass=None).split(' d="')[1]
    assert path.split('"')[0] in page  # the very modules of the link's code
    # The script's URL carries its content hash (chairops/assets.py); still a file, never inline.
    assert re.search(r'src="/static/copy\.[0-9a-f]{12}\.js"', page) and "<script>" not in page
    poster = client.get(f"/staff/events/{event.id}/poster").get_data(as_text=True)
    assert link in poster and "Scan to book your 15-minute massage" in poster

    png = client.get(f"/staff/events/{event.id}/qr.png")
    assert png.mimetype == "image/png" and png.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert f'filename="sign-up-qr-{event.date}.png"' in png.headers["Content-Disposition"]
    svg = client.get(f"/staff/events/{event.id}/qr.svg")
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    assert client.get(f"/staff/events/{event.id}/qr.gif").status_code == 404


@pytest.mark.parametrize(
    ("status", "message"),
    [
        ("draft", "Publish the event first: a draft has no sign-up link yet."),
        ("cancelled", "This event is cancelled, so its sign-up link no longer works."),
    ],
)
def test_share_kit_of_an_event_without_sign_up_is_a_clear_409(
    client, make, session, status, message
):
    coordinator = make.user("coordinator")
    event = make.event(company=coordinator.company, publish=False)
    event.status = status
    session.commit()
    sign_in(client, coordinator)
    for path in ("share", "poster", "qr.png"):
        response = client.get(f"/staff/events/{event.id}/{path}")
        assert response.status_code == 409 and message in response.get_data(as_text=True)


def test_roster_api_for_the_companys_coordinator(client, booked, session):
    _, token, event = booked
    ids = dict(session.execute(select(Booking.name, Booking.id)).all())
    body = client.get(f"/api/v1/events/{event.id}/roster", headers=bearer(token)).json
    assert body["bookings"] == [
        {
            "id": ids["Ana Lima"], "name": "Ana Lima", "start": f"{event.date}T10:00:00-05:00",
            "end": f"{event.date}T10:15:00-05:00", "chair": 1, "status": "booked",
            "walk_in": False,
        },
        {
            "id": ids['=HYPERLINK("http://evil","x")'],
            "name": "=HYPERLINK(\"http://evil\",\"x\")", "start": f"{event.date}T10:00:00-05:00",
            "end": f"{event.date}T10:15:00-05:00", "chair": 2, "status": "no_show",
            "walk_in": False,
        },
    ]  # fmt: skip
    assert body["counts"] == {
        "slots": 12, "free": 11, "booked": 1, "checked_in": 0, "in_service": 0, "completed": 0,
        "no_show": 1, "cancelled": 1, "waitlist": 0,
    }  # fmt: skip
    assert "screen" not in str(body) and phone(1) not in str(body)


def test_roster_api_scoping(client, make, booked, session):
    _, _, event = booked
    url = f"/api/v1/events/{event.id}/roster"
    assert client.get(url).status_code == 401
    _, admin_token = make.user("admin", api_token=True)
    assert client.get(url, headers=bearer(admin_token)).status_code == 200
    _, stranger_token = make.user("coordinator", api_token=True)
    missing = client.get(url, headers=bearer(stranger_token))
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    assert missing.json["type"] == "/problems/event-not-found"
    therapist, therapist_token = make.user("therapist", api_token=True)
    event.chairs[0].therapist_id = therapist.id
    session.commit()
    assert client.get(url, headers=bearer(therapist_token)).status_code == 404
