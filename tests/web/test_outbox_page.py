"""The admin's outbox page (issue 13): in the admin's menu, times in each event's own zone with
the zone named, segments shown, filters and older pages kept in the links."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from chairops.messaging.outbox import enqueue
from tests.factories import PASSWORD, phone

AT = dt.datetime(2026, 12, 3, 19, 15, tzinfo=dt.UTC)  # 2:15 PM in New York, 11:15 AM in LA


def sign_in(client, user):
    return client.post("/login", data={"email": user.email, "password": PASSWORD})


def text(session, n, send_at=AT, event_id=None, kind="reminder", body="Hi"):
    return enqueue(
        session, to=phone(n), kind=kind, body=body, key=f"p:{n}", send_at=send_at,
        event_id=event_id,
    )  # fmt: skip


def test_the_outbox_is_in_the_admins_menu_only(client, make):
    sign_in(client, make.user("admin"))
    home = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert 'href="/staff/outbox">Outbox</a>' in home
    outbox = client.get("/staff/outbox").get_data(as_text=True)
    assert 'href="/staff/outbox" aria-current="page">Outbox</a>' in outbox
    client.post("/logout")
    sign_in(client, make.user("coordinator"))
    assert "/staff/outbox" not in client.get("/", follow_redirects=True).get_data(as_text=True)


def test_times_are_in_each_events_zone_with_the_zone_named(client, session, make):
    la = make.event(make.company(timezone="America/Los_Angeles"))
    ny = make.event(make.company(timezone="America/New_York"))
    text(session, 1, event_id=la.id)
    text(session, 2, event_id=ny.id)
    text(session, 3)  # a text of no event
    session.commit()
    sign_in(client, make.user("admin"))
    html = client.get("/staff/outbox").get_data(as_text=True)
    assert "Thu 3 Dec, 11:15 AM</time><br>" in html and "PST · America/Los Angeles" in html
    assert "Thu 3 Dec, 2:15 PM</time><br>" in html and "EST · America/New York" in html
    assert "Thu 3 Dec, 7:15 PM</time><br>" in html and "UTC · UTC" in html
    assert "(UTC)" not in html


def test_each_text_shows_its_segments(client, session, make):
    text(session, 1, body="Zoë: " + "a" * 80)  # UCS-2, 85 units: two segments
    text(session, 2, body="Hi", send_at=AT - dt.timedelta(hours=1))
    session.commit()
    sign_in(client, make.user("admin"))
    html = client.get("/staff/outbox").get_data(as_text=True)
    assert "<th>Segments</th>" in html
    assert re.findall(r"<td class=\"segments\">(\d)</td>", html) == ["2", "1"]
    assert "2 texts, 3 segments" in html


def test_older_pages_keep_the_filters(client, session, make):
    for n in range(5):
        text(session, n, kind="tips", send_at=AT + dt.timedelta(minutes=n))
    text(session, 9, kind="reminder")
    session.commit()
    sign_in(client, make.user("admin"))
    first = client.get("/staff/outbox?kind=tips&limit=2").get_data(as_text=True)
    older = re.search(r'href="(/staff/outbox\?[^"]*before=[^"]+)">Older texts', first)
    assert older and "kind=tips" in older.group(1)
    second = client.get(older.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "Newest texts" in second and phone(2)[-4:] in second and phone(4)[-4:] not in second
    assert phone(9)[-4:] not in second


@pytest.mark.parametrize(
    "query", ["status=bogus", "kind=fax", "event_id=x", "before=zz", "limit=0"]
)
def test_a_hand_edited_bad_filter_is_dropped_not_an_error(client, session, make, query):
    text(session, 1)
    session.commit()
    sign_in(client, make.user("admin"))
    page = client.get(f"/staff/outbox?{query}")
    assert page.status_code == 200 and phone(1)[-4:] in page.get_data(as_text=True)
