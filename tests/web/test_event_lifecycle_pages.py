"""An event's life after the day, as the coordinator sees it: closed, then completed; a completed
event is viewed and exported, never edited (issue 11, point 7)."""

import datetime as dt
from zoneinfo import ZoneInfo

from chairops.events.lifecycle import advance_events
from tests.factories import PASSWORD


def local(event, hhmm: str, days: int = 0) -> dt.datetime:
    day = event.date + dt.timedelta(days=days)
    moment = dt.datetime.combine(day, dt.time.fromisoformat(hhmm), ZoneInfo(event.timezone))
    return moment.astimezone(dt.UTC)


def test_the_coordinator_sees_closed_then_completed_and_can_only_view_and_export(
    client, make, session
):
    coordinator, token = make.user("coordinator", api_token=True)
    event = make.event(company=coordinator.company)
    make.booking(event, 1)
    client.post("/login", data={"email": coordinator.email, "password": PASSWORD})
    page = client.get(f"/staff/events/{event.id}").get_data(as_text=True)
    assert "Save details" in page and "Cancel event" in page

    advance_events(session, local(event, "10:00"))
    session.commit()
    page = client.get(f"/staff/events/{event.id}").get_data(as_text=True)
    assert "Sign-up is closed" in page and "status-closed" in page and "Save details" in page

    advance_events(session, local(event, "00:00", days=1))
    session.commit()
    page = client.get(f"/staff/events/{event.id}").get_data(as_text=True)
    assert "This event is over" in page and "status-completed" in page
    assert "Save details" not in page and "Cancel event" not in page and "/edit" not in page
    assert client.get(f"/staff/events/{event.id}/roster.csv").status_code == 200
    edit = client.get(f"/staff/events/{event.id}/edit")
    assert edit.status_code == 302
    auth = {"Authorization": f"Bearer {token}"}
    for change in ({"title": "Renamed"}, {"chairs": 3}):
        answer = client.patch(f"/api/v1/events/{event.id}", json=change, headers=auth)
        assert answer.status_code == 409 and answer.json["type"] == "/problems/event-conflict"
    board = client.get("/staff").get_data(as_text=True)
    assert "status-completed" in board
