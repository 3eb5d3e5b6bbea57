"""Programmes through the JSON API and the pages: creating, reading, changing, and fair share
at the claim (issue 17's acceptance: 409 priority-window inside the window, 201 outside)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from chairops.models import Event, PriorityTurnaway, Programme, WaitlistEntry, utcnow
from tests.factories import PASSWORD, phone

NEXT_YEAR = utcnow().year + 1
BODY = {
    "title": "Back-care Tuesday", "location": "1 Main St", "room": "Room 2A",
    "timezone": "America/New_York", "start_time": "12:00", "end_time": "13:00", "chairs": 2,
    "slot_minutes": 15, "buffer_minutes": 5, "rrule": "FREQ=MONTHLY;BYDAY=1TU;COUNT=12",
    "dtstart": f"{NEXT_YEAR}-01-01", "exdates": [], "publish": True,
}  # fmt: skip


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def coordinator(make):
    return make.user("coordinator", api_token=True)


def create(client, token, **changes):
    response = client.post("/api/v1/programmes", json=BODY | changes, headers=bearer(token))
    assert response.status_code == 201, response.json
    return response.json["programme"]


def test_a_coordinator_creates_a_programme_and_gets_its_dates(client, coordinator, session):
    user, token = coordinator
    body = create(client, token)
    assert set(body) >= {"id", "events"}
    first = body["events"][0]
    assert set(first) >= {"id", "date", "share_token", "status", "signup_opens_at"}
    assert first["status"] == "published"
    assert first["signup_opens_at"].endswith("T09:00:00-05:00")  # a week before, 9 AM local
    assert dt.date.fromisoformat(first["date"]).weekday() == 1  # a Tuesday
    programme = session.get(Programme, body["id"])
    assert programme.company_id == user.company_id
    assert len(programme.events) == len(body["events"]) >= 11
    share = client.get(f"/api/v1/public/events/{first['share_token']}")
    assert share.status_code == 200  # a published date's link works (its sign-up opens later)


def test_without_publish_the_dates_are_drafts(client, coordinator):
    body = create(client, coordinator[1], publish=False)
    assert {e["status"] for e in body["events"]} == {"draft"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"rrule": "FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=4;COUNT=3"}, "rrule"),  # no 31 April
        ({"rrule": "FREQ=DAILY;COUNT=61"}, "rrule"),
        ({"rrule": "FREQ=WEEKLY;BYDAY=MO"}, "rrule"),  # never ends
        ({"rrule": "FREQ=WEEKLY;UNTIL=20200101"}, "rrule"),  # ends before it starts
        ({"rrule": 42}, "rrule"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"end_time": "11:00"}, "end_time"),  # an end before the start
        ({"dtstart": "next tuesday"}, "dtstart"),
        ({"dtstart": "2020-01-07"}, "dtstart"),
        ({"exdates": ["2020-01-07"]}, "exdates"),
        ({"exdates": "not a list"}, "exdates"),
        ({"publish": "perhaps"}, "publish"),
        ({"signup_opens_days_before": 99}, "signup_opens_days_before"),
        ({"priority_hours": -1}, "priority_hours"),
        ({"chairs": 0}, "chairs"),
    ],
)
def test_bad_input_gets_422_naming_the_field(client, coordinator, change, field):
    response = client.post("/api/v1/programmes", json=BODY | change, headers=bearer(coordinator[1]))
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert field in response.json["errors"], response.json


def test_nothing_is_saved_when_the_input_is_bad(client, coordinator, session):
    client.post(
        "/api/v1/programmes", json=BODY | {"end_time": "11:00"}, headers=bearer(coordinator[1])
    )
    assert session.scalar(select(func.count(Programme.id))) == 0
    assert session.scalar(select(func.count(Event.id))) == 0


def test_who_may_reach_a_programme(client, make, coordinator):
    body = create(client, coordinator[1])
    _, other = make.user("coordinator", api_token=True)
    _, therapist = make.user("therapist", api_token=True)
    admin, admin_token = make.user("admin", api_token=True)
    url = f"/api/v1/programmes/{body['id']}"
    for token in (other, therapist):
        assert client.get(url, headers=bearer(token)).status_code == 404
        assert client.patch(url, json={"title": "x"}, headers=bearer(token)).status_code == 404
    assert client.get("/api/v1/programmes", headers=bearer(other)).json == {"programmes": []}
    assert client.get(url, headers=bearer(admin_token)).status_code == 200
    no_company = client.post("/api/v1/programmes", json=BODY, headers=bearer(admin_token))
    assert no_company.status_code == 422 and "company_id" in no_company.json["errors"]
    company_id = coordinator[0].company_id
    made = client.post(
        "/api/v1/programmes", json=BODY | {"company_id": company_id}, headers=bearer(admin_token)
    )
    assert made.status_code == 201 and made.json["programme"]["company_id"] == company_id
    listed = client.get("/api/v1/programmes", headers=bearer(coordinator[1])).json["programmes"]
    assert len(listed) == 2
    assert client.get("/api/v1/programmes").status_code == 401


def test_reading_a_programme_gives_its_figures(client, coordinator):
    body = create(client, coordinator[1])
    got = client.get(f"/api/v1/programmes/{body['id']}", headers=bearer(coordinator[1])).json
    stats = got["programme"]["stats"]
    assert (stats["people_served"], stats["turned_away"]) == (0, 0)
    assert stats["dates"][0] | {"event_id": 0} == {
        "event_id": 0, "date": body["events"][0]["date"], "status": "published", "slots": 6,
        "booked": 0, "attended": 0, "no_show": 0, "waitlist_joined": 0, "waitlist_unseated": 0,
        "turned_away": 0,
    }  # fmt: skip


def book(client, share_token: str, n: int, name: str = "Pat"):
    times = client.get(f"/api/v1/public/events/{share_token}").json["times"]
    start = next(t["start"] for t in times if t["available"])
    body = {"name": name, "phone": phone(n), "start": start, "sms_consent": True}
    return client.post(f"/api/v1/public/events/{share_token}/bookings", json=body)


def test_changing_a_programme_lists_booked_dates_first(client, coordinator, session):
    body = create(client, coordinator[1])
    first = session.get(Event, body["events"][0]["id"])
    first.signup_opens_at = utcnow() - dt.timedelta(days=2)  # open, and past its window
    session.commit()
    assert book(client, first.share_token, 1).status_code == 201
    url, headers = f"/api/v1/programmes/{body['id']}", bearer(coordinator[1])
    change = {"start_time": "13:00", "end_time": "14:00"}
    refused = client.patch(url, json=change, headers=headers)
    assert refused.status_code == 409
    assert refused.json["type"] == "/problems/bookings-affected"
    assert refused.json["affected"] == [
        {"date": first.date.isoformat(), "event_id": first.id, "bookings": 1, "change": "change"}
    ]
    bad = client.patch(url, json=change | {"booked_dates": "maybe"}, headers=headers)
    assert bad.status_code == 422 and "booked_dates" in bad.json["errors"]
    kept = client.patch(url, json=change | {"booked_dates": "keep"}, headers=headers)
    assert kept.status_code == 200
    assert kept.json["programme"]["kept"] == [first.date.isoformat()]
    assert kept.json["programme"]["changed"] == len(body["events"]) - 1
    session.expire_all()
    starts = {e.id: e.start_time for e in session.scalars(select(Event))}
    assert starts.pop(first.id) == dt.time(12)
    assert set(starts.values()) == {dt.time(13)}


def open_window(session, event: Event, minutes_ago: int) -> None:
    """Sign-up for this date opened `minutes_ago` minutes ago (real time: the API's clock)."""
    event.signup_opens_at = utcnow() - dt.timedelta(minutes=minutes_ago)
    session.commit()


@pytest.fixture
def two_dates(client, coordinator, session, backend):
    """A programme whose first date is open and past its window, the second date not open yet."""
    body = create(client, coordinator[1])
    first, second = (session.get(Event, e["id"]) for e in body["events"][:2])
    open_window(session, first, 2 * 24 * 60)
    return first, second


def test_the_priority_window_at_the_claim(client, session, two_dates):
    """Acceptance: inside the window 409 for who had the previous date, 201 for who did not;
    after the window 201 for both (runs on SQLite and on PostgreSQL)."""
    first, second = two_dates
    assert book(client, first.share_token, 1, "Had one").status_code == 201
    open_window(session, second, 30)
    refused = book(client, second.share_token, 1, "Had one")
    assert refused.status_code == 409
    assert refused.mimetype == "application/problem+json"
    assert refused.json["type"] == "/problems/priority-window"
    ends = dt.datetime.fromisoformat(refused.json["ends_at"])
    assert ends == second.signup_opens_at + dt.timedelta(hours=24)
    assert ends.utcoffset() in (dt.timedelta(hours=-5), dt.timedelta(hours=-4))  # New York
    assert "You can book from" in refused.json["detail"]
    assert book(client, second.share_token, 2, "New here").status_code == 201
    # The refusal was counted, once per number.
    book(client, second.share_token, 1, "Had one")
    assert session.scalar(select(func.count(PriorityTurnaway.id))) == 1
    open_window(session, second, 24 * 60 + 1)
    assert book(client, second.share_token, 1, "Had one").status_code == 201
    assert book(client, second.share_token, 3, "Also new").status_code == 201


def sign_in(client, user):
    client.post("/login", data={"email": user.email, "password": PASSWORD})


FORM = {
    "title": "Back-care Tuesday", "location": "1 Main St", "room": "",
    "timezone": "America/New_York", "start_time": "12:00", "end_time": "13:00", "chairs": "2",
    "slot_minutes": "15",
    "buffer_minutes": "5", "dtstart": f"{NEXT_YEAR}-01-01", "pattern": "monthly_weekday",
    "nth": "1", "nth_weekday": "TU", "ends": "count", "count": "10", "exdates": "",
    "signup_opens_days_before": "7", "signup_opens_time": "09:00", "priority_hours": "24",
    "monthly_cap": "", "interval": "1", "rrule": "", "until": "", "monthday": "",
}  # fmt: skip


def test_the_form_previews_the_dates_before_saving(client, coordinator, session):
    sign_in(client, coordinator[0])
    assert client.get("/staff/programmes/new").status_code == 200
    preview = client.post("/staff/programmes/new", data=FORM | {"action": "preview"})
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "10 dates: " in page and "Create programme" in page
    assert session.scalar(select(func.count(Programme.id))) == 0  # nothing saved yet
    created = client.post("/staff/programmes/new", data=FORM | {"action": "create", "publish": "y"})
    assert created.status_code == 302
    programme = session.scalar(select(Programme))
    assert created.location.endswith(f"/staff/programmes/{programme.id}")
    assert programme.rrule == "FREQ=MONTHLY;BYDAY=1TU;COUNT=10"
    detail = client.get(created.location).get_data(as_text=True)
    assert "Every date" in detail and "Had a massage" in detail and "Month by month" in detail


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"pattern": "weekly"}, "Tick at least one day."),
        ({"pattern": "monthly_day", "monthday": "31", "count": "70"}, "more than 60 dates"),
        ({"timezone": "Mars/Olympus_Mons"}, "Choose a time zone"),
        ({"end_time": "11:00"}, "The end must be after the start."),
        ({"pattern": "custom", "rrule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30;COUNT=2"}, "no date"),
    ],
)
def test_the_form_says_what_is_wrong(client, coordinator, change, message):
    sign_in(client, coordinator[0])
    response = client.post("/staff/programmes/new", data=FORM | change | {"action": "preview"})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_the_sign_up_page_says_when_sign_up_opens(client, coordinator, session):
    body = create(client, coordinator[1])
    second = session.get(Event, body["events"][1]["id"])
    page = client.get(f"/e/{second.share_token}").get_data(as_text=True)
    opens = second.signup_opens_at.astimezone(dt.timezone(dt.timedelta(hours=-5)))
    assert f"Sign-up opens {opens:%a} {opens.day} {opens:%b} at 9 AM" in page
    assert "For the first 24 hours" in page


def test_a_held_back_person_sees_when_they_can_book_and_may_wait(client, session, two_dates):
    first, second = two_dates
    assert book(client, first.share_token, 1).status_code == 201
    open_window(session, second, 5)
    page = client.get(f"/e/{second.share_token}").get_data(as_text=True)
    assert "this date is for people who did not have a massage at the last one" in page
    start = client.get(f"/api/v1/public/events/{second.share_token}").json["times"][0]["start"]
    form = {"name": "Pat", "phone": phone(1), "start": start, "sms_consent": "yes"}
    refused = client.post(f"/e/{second.share_token}", data=form)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "You can book from" in text and "Join the waitlist" in text
    joined = client.post(f"/e/{second.share_token}", data=form | {"action": "waitlist"})
    assert joined.status_code == 303
    entry = session.scalar(select(WaitlistEntry))
    assert (entry.event_id, entry.phone, entry.status) == (second.id, phone(1), "waiting")
    assert session.scalar(select(func.count(PriorityTurnaway.id))) == 1


def test_the_edit_page_shows_what_a_change_does_first(client, coordinator, session):
    body = create(client, coordinator[1])
    first = session.get(Event, body["events"][0]["id"])
    open_window(session, first, 3 * 24 * 60)
    assert book(client, first.share_token, 1).status_code == 201
    sign_in(client, coordinator[0])
    url = f"/staff/programmes/{body['id']}/edit"
    form = client.get(url)
    assert form.status_code == 200 and BODY["rrule"] in form.get_data(as_text=True)
    data = FORM | {"pattern": "custom", "rrule": BODY["rrule"], "start_time": "13:00",
                   "end_time": "14:00"}  # fmt: skip
    preview = client.post(url, data=data | {"action": "preview"}).get_data(as_text=True)
    assert "What this change does" in preview and "1 date with bookings" in preview
    refused = client.post(url, data=data | {"action": "save"})
    assert refused.status_code == 409
    saved = client.post(url, data=data | {"action": "save", "booked_dates": "keep"})
    assert saved.status_code == 302
    session.expire_all()
    assert session.get(Event, first.id).start_time == dt.time(12)
    assert session.get(Programme, body["id"]).start_time == dt.time(13)


JSON_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 200),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
    st.sampled_from(["2031-02-04", "12:30", "FREQ=WEEKLY;BYDAY=TU;COUNT=3", "Europe/Paris"]),
    st.lists(st.one_of(st.text(max_size=12), st.integers(), st.none()), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(change=st.dictionaries(st.sampled_from(sorted(BODY)), JSON_VALUES, max_size=4))
def test_any_body_gets_201_or_a_422_naming_fields_never_a_500(client, coordinator, change):
    response = client.post("/api/v1/programmes", json=BODY | change, headers=bearer(coordinator[1]))
    assert response.status_code in (201, 422), response.get_data(as_text=True)
    if response.status_code == 422:
        # A part of a field the edge cannot read is named by its path ("exdates[0]", "a.b").
        named = {re.split(r"[.\[]", field)[0] for field in response.json["errors"]}
        assert named and named <= set(BODY), response.json["errors"]
