"""Outcome pages through the test client: the after score on the tablet, the report pages, CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from sqlalchemy import select

from chairops.models import AuditEntry, Event, Screen
from chairops.outcomes.service import record_pain_after
from chairops.tablet.service import set_status
from tests.factories import PASSWORD
from tests.outcome_data import (
    BACK_STANDARD,
    GLUTE,
    NECK_ONLY,
    came,
    event_on,
    local,
    local_today,
)


def sign_in(client, user):
    return client.post("/login", data={"email": user.email, "password": PASSWORD})


@pytest.fixture
def chair(make, session):
    """Today's event, chair 1's therapist signed in, Gail (glute exception) in the chair."""
    event = event_on(make, local_today(), chairs=1)
    therapist = make.user("therapist")
    event.chairs[0].therapist = therapist
    session.commit()
    gail = came(make, session, event, 1, GLUTE, name="Gail Sharp")
    gail.status, gail.status_changed_at = "in_service", None
    session.commit()
    return event, therapist, gail


def complete(session, booking):
    set_status(session, booking, "completed", local(booking.event, "09:16"))
    session.commit()


def chair_page(client, event):
    return client.get(f"/tablet/events/{event.id}/chairs/1").get_data(as_text=True)


def test_after_complete_the_tablet_asks_with_eleven_buttons_and_skip(client, session, chair):
    event, therapist, gail = chair
    sign_in(client, therapist)
    assert "Lower-back pain now" not in chair_page(client, event)
    complete(session, gail)
    page = chair_page(client, event)
    assert "Lower-back pain now, 0-10" in page
    assert re.findall(r'name="score" value="(\d+)"', page) == [str(n) for n in range(11)]
    assert 'name="skip" value="yes"' in page
    live = client.get(f"/tablet/events/{event.id}/chairs/1/live").get_data(as_text=True)
    assert "Lower-back pain now, 0-10" in live
    answer = client.post(f"/tablet/bookings/{gail.id}/pain-after", data={"score": "2"})
    assert answer.status_code == 303 and answer.location.endswith(f"/events/{event.id}/chairs/1")
    page = client.get(answer.location).get_data(as_text=True)
    assert "Lower-back pain now for Gail: 2 of 10." in page  # only their own after score
    assert "Lower-back pain now, 0-10" not in page
    session.expire_all()
    assert session.scalar(select(Screen.pain_after)) == 2


def test_skip_clears_the_prompt_and_a_bad_score_records_nothing(client, session, chair):
    event, therapist, gail = chair
    sign_in(client, therapist)
    complete(session, gail)
    url = f"/tablet/bookings/{gail.id}/pain-after"
    client.post(url, data={"score": "11"})
    page = chair_page(client, event)
    assert "Give a whole number from 0 to 10." in page and "Lower-back pain now, 0-10" in page
    client.post(url, data={"skip": "yes"})
    assert "Lower-back pain now, 0-10" not in chair_page(client, event)
    session.expire_all()
    screen = session.scalar(select(Screen))
    assert screen.pain_after is None and screen.pain_after_at is not None


def test_nobody_is_asked_without_a_back_score_and_other_chairs_are_404(
    client, make, session, chair
):
    event, therapist, gail = chair
    gail.screen.pain_before = None  # as if Gail had only neck pain
    session.commit()
    sign_in(client, therapist)
    complete(session, gail)
    assert "Lower-back pain now, 0-10" not in chair_page(client, event)
    sign_in(client, make.user("therapist"))
    assert (
        client.post(f"/tablet/bookings/{gail.id}/pain-after", data={"score": "2"}).status_code
        == 404
    )


@pytest.fixture
def reported(make, session):
    """A coordinator's event 12 days ago: 5 glute exception people scored, 2 standard."""
    coordinator = make.user("coordinator")
    event = event_on(make, local_today() - dt.timedelta(days=12), company=coordinator.company)
    for n in range(1, 6):
        booking = came(make, session, event, n, GLUTE, two_days=5)
        record_pain_after(session, booking, 3, booking.slot.ends_at)
    for n in range(6, 8):
        came(make, session, event, n, BACK_STANDARD, after=4, two_days=4)
    came(make, session, event, 8, NECK_ONLY)
    session.commit()
    return coordinator, event


def test_the_event_report_shows_numbers_withheld_groups_and_the_chart(client, session, reported):
    coordinator, event = reported
    sign_in(client, coordinator)
    detail = client.get(f"/staff/events/{event.id}").get_data(as_text=True)
    assert f"/staff/events/{event.id}/outcomes" in detail
    page = client.get(f"/staff/events/{event.id}/outcomes").get_data(as_text=True)
    assert "Does it help?" in page and "Glute exception" in page
    assert "<strong>8.0</strong>" in page and "<strong>3.0</strong>" in page
    assert "fewer than 5" in page  # standard (3 people) and all (8, minus glute = 3)
    assert '<svg class="trend-chart"' in page and "trend-glute_exception" in page
    assert "trend-standard" not in page.split("<svg")[1]  # no line for a withheld group
    for name in ("Person 1", "Person 6"):
        assert name not in page  # never a name next to a score
    audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "outcomes.viewed"))
    assert [(a.subject_type, a.detail) for a in audit] == [("event", {"format": "html"})]


def test_the_csv_download_is_audited_and_never_names_anyone(client, session, reported):
    coordinator, event = reported
    sign_in(client, coordinator)
    response = client.get(f"/staff/events/{event.id}/outcomes.csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["routine"] for r in rows] == [
        "glute_exception", "standard", "modified", "refer", "all",
    ]  # fmt: skip
    assert rows[0]["two_days_mean"] == "5.0" and rows[1]["people"] == "fewer than 5"
    assert "Person" not in response.get_data(as_text=True)
    audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "outcomes.viewed"))
    assert [a.detail for a in audit] == [{"format": "csv"}]


def test_therapists_and_other_companies_see_no_report(client, make, reported):
    _, event = reported
    for user in (make.user("therapist"), make.user("coordinator")):
        sign_in(client, user)
        assert client.get(f"/staff/events/{event.id}/outcomes").status_code == 404
        assert client.get(f"/staff/events/{event.id}/outcomes.csv").status_code == 404
    sign_in(client, make.user("therapist"))
    assert client.get("/staff/outcomes").status_code == 404


def test_the_company_report_for_its_coordinator_and_for_admins(client, make, session, reported):
    coordinator, event = reported
    sign_in(client, coordinator)
    page = client.get("/staff/outcomes").get_data(as_text=True)
    assert (
        coordinator.company.name in page and "1 counted" in page and "<strong>8.0</strong>" in page
    )
    other = make.company()
    assert client.get(f"/staff/outcomes?company={other.id}").status_code == 404
    bad = client.get("/staff/outcomes?from=2026-02-30")
    assert bad.status_code == 422
    sign_in(client, make.user("admin"))
    every = client.get("/staff/outcomes").get_data(as_text=True)
    assert "Every company" in every and "<strong>8.0</strong>" in every
    assert f'<option value="{other.id}"' in every
    one = client.get(f"/staff/outcomes?company={other.id}").get_data(as_text=True)
    assert "0 counted" in one and "<strong>8.0</strong>" not in one
    csv_all = client.get(f"/staff/outcomes.csv?company=all&from={event.date}&to={event.date}")
    assert csv_all.mimetype == "text/csv" and "glute_exception,no,5" in csv_all.get_data(
        as_text=True
    )
    audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "outcomes.viewed"))
    # The page for a company with no events showed no number: not audited.
    assert [a.subject_type for a in audit] == ["company", "everycompany", "everycompany"]


def test_the_demo_has_a_report_with_numbers_and_a_small_one_withheld(app, client, session):
    runner = app.test_cli_runner()
    for _ in range(2):  # running it again adds nothing
        result = runner.invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
    path = re.search(r"Outcomes \(staff\):\s+\S+?(/staff/\S+)", result.output).group(1)
    client.post("/login", data={"email": "hr@acme.test", "password": "chairops-demo"})
    page = client.get(path).get_data(as_text=True)
    assert "Autumn wellness day" in page and "trend-glute_exception" in page
    glute = page.split('id="group-glute_exception"')[1].split("</tr>")[0]
    assert "fewer than" not in glute and "8 people" in glute
    company = client.get("/staff/outcomes").get_data(as_text=True)
    # Both outcome days count, beside the demo's other past events (a programme's dates).
    assert int(re.search(r"(\d+) counted", company).group(1)) >= 2
    small = session.scalar(select(Event).where(Event.title == "Small team morning"))
    withheld = client.get(f"/staff/events/{small.id}/outcomes").get_data(as_text=True)
    assert "trend-chart" not in withheld and withheld.count("fewer than 5") >= 5
