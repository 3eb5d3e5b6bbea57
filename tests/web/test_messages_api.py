"""GET /api/v1/messages from outside: every text newest first, a page at a time, filtered; the
roster gives the booking ids it filters by; bad filters are 422 naming the field."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chairops.messaging import listing, rules
from chairops.messaging.outbox import enqueue
from chairops.models import MESSAGE_KINDS, MESSAGE_STATUSES, Message, utcnow
from tests.factories import phone

pytestmark = pytest.mark.usefixtures("backend")
AT = dt.datetime(2026, 12, 3, 19, 15, tzinfo=dt.UTC)  # 2:15 PM in New York, 11:15 AM in LA


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def admin(make):
    return make.user("admin", api_token=True)[1]


def text(session, n, *, send_at=AT, booking=None, event_id=None, kind="reminder", body="Hi"):
    return enqueue(
        session, to=phone(n), kind=kind, body=body, key=f"t:{n}", send_at=send_at,
        booking=booking, event_id=event_id,
    )  # fmt: skip


def listed(client, token, **params):
    response = client.get(f"/api/v1/messages?{urlencode(params)}", headers=bearer(token))
    assert response.status_code == 200, response.json
    return response.json


def walk(client, token, **params):
    """Every page in turn, following next_before; the ids in the order they came."""
    ids, before, pages = [], None, 0
    while True:
        page = listed(client, token, **params, **({"before": before} if before else {}))
        ids += [m["id"] for m in page["messages"]]
        before, pages = page["next_before"], pages + 1
        if before is None:
            return ids, pages


def test_without_a_filter_every_text_is_listed_newest_first(client, session, make, admin):
    event = make.event()
    old = text(session, 1, send_at=AT - dt.timedelta(hours=1), event_id=event.id)
    new = text(session, 2, send_at=AT + dt.timedelta(hours=1))
    middle = text(session, 3, event_id=event.id)
    session.commit()
    page = listed(client, admin)
    assert [m["id"] for m in page["messages"]] == [new.id, middle.id, old.id]
    assert page["next_before"] is None


def test_pages_neither_skip_nor_repeat_texts_that_share_a_send_time(client, session, admin):
    for n in range(9):  # seven at the same instant, one before, one after
        text(session, n, send_at=AT + dt.timedelta(minutes=(n == 0) - (n == 8)))
    session.commit()
    expected = [
        m.id for m in session.query(Message).order_by(Message.send_at.desc(), Message.id.desc())
    ]
    ids, pages = walk(client, admin, limit=2)
    assert ids == expected and pages == 5


def test_a_text_written_while_paging_does_not_shift_the_pages(client, session, admin):
    for n in range(6):
        text(session, n)
    session.commit()
    first = listed(client, admin, limit=3)
    text(session, 99, send_at=AT + dt.timedelta(minutes=5))
    text(session, 98)  # same send time, higher id: newer in the order, so on no later page
    session.commit()
    rest = listed(client, admin, limit=3, before=first["next_before"])
    seen = [m["id"] for m in first["messages"] + rest["messages"]]
    assert len(set(seen)) == 6 and rest["next_before"] is None


def test_filters_by_booking_event_kind_and_status(client, session, make, admin):
    event = make.event()
    booking, _ = make.booking(event, 5)
    mine = text(session, 5, booking=booking, kind="tips")
    other_event = text(session, 6, event_id=event.id, kind="waitlist_offer")
    elsewhere = text(session, 7, kind="tips")
    elsewhere.status = "failed"
    session.commit()

    def ids(**params):
        return {m["id"] for m in listed(client, admin, **params)["messages"]}

    assert ids(booking_id=booking.id) == {mine.id}
    assert ids(event_id=event.id) == {mine.id, other_event.id}
    assert ids(kind="tips") == {mine.id, elsewhere.id}
    assert ids(status="failed") == {elsewhere.id}
    assert ids(kind="tips", status="pending") == {mine.id}
    assert ids(event_id=event.id, kind="tips") == {mine.id}


def test_the_roster_gives_the_booking_id_that_lists_its_texts(client, session, make, admin):
    """The path the issue found closed: roster id, then that booking's texts."""
    company = make.company()
    _, coordinator = make.user("coordinator", company=company, api_token=True)
    event = make.event(company)
    booking, _ = make.booking(event, 8, name="Zoë Łukasz")
    text(session, 8, booking=booking, body="Zoë, see you!")
    session.commit()
    roster = client.get(f"/api/v1/events/{event.id}/roster", headers=bearer(coordinator)).json
    assert [b["id"] for b in roster["bookings"]] == [booking.id]
    messages = listed(client, admin, booking_id=roster["bookings"][0]["id"])["messages"]
    assert [m["booking_id"] for m in messages] == [booking.id]


def test_each_text_gives_its_segments_and_its_time_in_the_events_zone(client, session, make, admin):
    la = make.event(make.company(timezone="America/Los_Angeles"))
    ucs = "Zoë: " + "a" * 80  # 85 UCS-2 units: two segments
    text(session, 1, event_id=la.id, body=ucs)
    text(session, 2, body="a" * 161)  # no event: UTC
    session.commit()
    by_to = {m["to"][-4:]: m for m in listed(client, admin)["messages"]}
    assert by_to["0001"]["segments"] == rules.segments(ucs) == 2
    assert by_to["0001"]["send_at"] == "2026-12-03T11:15:00-08:00"
    assert by_to["0002"]["segments"] == 2 and by_to["0002"]["send_at"].endswith("+00:00")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "201"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"before": "not-a-cursor"}, "before"),
        ({"before": "MTIzNA"}, "before"),  # base64 of "1234": no id
        ({"booking_id": "x"}, "booking_id"),
        ({"booking_id": "1e3"}, "booking_id"),
        ({"event_id": "-1"}, "event_id"),
        ({"event_id": "9" * 40}, "event_id"),
        ({"kind": "fax"}, "kind"),
        ({"status": "lost"}, "status"),
    ],
)
def test_a_bad_filter_is_422_naming_it(client, admin, params, field):
    response = client.get(f"/api/v1/messages?{urlencode(params)}", headers=bearer(admin))
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert list(response.json["errors"]) == [field]


def test_every_bad_filter_is_named_at_once(client, admin):
    response = client.get("/api/v1/messages?kind=x&status=y&limit=0", headers=bearer(admin))
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"kind", "status", "limit"}


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.dictionaries(
        st.sampled_from(["booking_id", "event_id", "kind", "status", "limit", "before", "x"]),
        st.one_of(
            st.text(max_size=30),
            st.integers(-(10**20), 10**20).map(str),
            st.sampled_from([*MESSAGE_KINDS, *MESSAGE_STATUSES, "200", "1"]),
        ),
    )
)
def test_any_query_is_answered_200_or_422_naming_only_what_was_given(client, admin, params):
    response = client.get(f"/api/v1/messages?{urlencode(params)}", headers=bearer(admin))
    assert response.status_code in (200, 422), response.data
    if response.status_code == 422:
        # An unknown parameter is ignored, unless its value cannot be read at all (a NUL byte,
        # a broken character): the edge refuses those in any field, and names it (issue 12).
        assert set(response.json["errors"]) <= set(params)


def test_cursors_round_trip_to_the_microsecond():
    cursor = listing.Cursor(dt.datetime(2026, 3, 8, 7, 0, 0, 123456, tzinfo=dt.UTC), 42)
    assert listing.decode_cursor(listing.encode_cursor(cursor)) == cursor
    now = listing.Cursor(utcnow(), 10**12)
    assert listing.decode_cursor(listing.encode_cursor(now)) == now


def test_the_spec_describes_the_messages_list_and_the_roster_id(client, session, make, admin):
    spec = client.get("/api/v1/openapi.json").json
    operation = spec["paths"]["/api/v1/messages"]["get"]
    params = {p["name"]: p for p in operation["parameters"]}
    assert set(params) == {"booking_id", "event_id", "kind", "status", "limit", "before"}
    assert not any(p["required"] for p in params.values())
    assert params["kind"]["schema"]["enum"] == list(MESSAGE_KINDS)
    assert params["status"]["schema"]["enum"] == list(MESSAGE_STATUSES)
    assert params["limit"]["schema"]["maximum"] == listing.MAX_LIMIT
    page_schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    event = make.event()
    booking, _ = make.booking(event, 4)
    text(session, 4, booking=booking)
    session.commit()
    page = listed(client, admin)
    assert set(page) == set(page_schema["properties"]) == set(page_schema["required"])
    message = spec["components"]["schemas"]["Message"]
    assert set(page["messages"][0]) == set(message["properties"]) == set(message["required"])
    roster_item = spec["components"]["schemas"]["Roster"]["properties"]["bookings"]["items"]
    row = client.get(f"/api/v1/events/{event.id}/roster", headers=bearer(admin)).json
    assert set(row["bookings"][0]) == set(roster_item["properties"])
    assert "id" in roster_item["required"]
