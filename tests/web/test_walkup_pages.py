"""The walk-up line's pages: joining on a phone, the place page and its poll, the screen, the
kiosk, the tablet's panel, and what coordinators see."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from chairops.models import Event, LineEntry, Message, Slot
from tests.factories import PASSWORD, phone
from tests.walkup_support import open_line

R5_FORM = {
    "pain_areas": "lower_back", "low_back_pain": "8", "new_or_different": "no",
    "leg_symptoms": "none", "red_flags": "no", "pressure": "firm",
}  # fmt: skip


def login(client, user):
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code in (302, 303)


def joined(client, event, n: int = 1) -> str:
    """Join from the phone page; return the place token."""
    response = client.post(
        f"/e/{event.share_token}/line",
        data={"name": f"Person {n}", "phone": phone(n), "sms_consent": "yes"},
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    return re.search(r"/l/([^?]+)\?new=1", response.headers["Location"]).group(1)


@pytest.fixture
def line(make, session):
    event = open_line(make)
    therapist = make.user("therapist")
    event.chairs[0].therapist = therapist
    session.commit()
    return event, therapist


def test_the_sign_up_link_of_a_line_event_leads_to_the_join_page(client, line, make):
    event, _ = line
    response = client.get(f"/e/{event.share_token}")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/e/{event.share_token}/line")
    page = client.get(f"/e/{event.share_token}/line").get_data(as_text=True)
    assert "Nobody is in line" in page and "Join the line" in page
    slots = make.event()
    assert (
        client.get(f"/e/{slots.share_token}/line")
        .headers["Location"]
        .endswith(f"/e/{slots.share_token}")
    )


def test_joining_shows_the_place_and_wait_without_javascript(client, line):
    event, _ = line
    joined(client, event, 1)
    token = joined(client, event, 2)
    page = client.get(f"/l/{token}?new=1").get_data(as_text=True)
    assert 'class="place-number">2<' in page and "About <strong>20 minutes" in page
    assert '<noscript><meta http-equiv="refresh" content="20"></noscript>' in page
    assert "Answer the questions" in page and "Leave the line" in page
    assert "/static/walkup." in page and "<script>" not in page
    join_page = client.get(f"/e/{event.share_token}/line").get_data(as_text=True)
    assert "2 people in line" in join_page and "about 30 minutes" in join_page


def test_bad_input_on_the_join_page_is_a_clear_4xx(client, line):
    event, _ = line
    url = f"/e/{event.share_token}/line"
    bad = client.post(url, data={"name": "", "phone": "12"})
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "Tell us your name." in text and 'aria-invalid="true"' in text
    joined(client, event, 1)
    again = client.post(url, data={"name": "Again", "phone": phone(1), "sms_consent": "yes"})
    assert again.status_code == 409 and "in the line already" in again.get_data(as_text=True)
    assert client.get("/l/" + "x" * 43).status_code == 404
    assert client.get("/e/no-such-event/line").status_code == 404


def test_a_closed_line_says_so_and_refuses_joins_with_410(client, make):
    event = open_line(make, start_time="06:00", end_time="07:00")
    page = client.get(f"/e/{event.share_token}/line").get_data(as_text=True)
    assert "The line is closed" in page and "Join the line</button>" not in page
    response = client.post(f"/e/{event.share_token}/line", data={"name": "Dana", "phone": phone(1)})
    assert response.status_code == 410


def test_the_live_fragment_answers_304_until_the_place_changes(client, line, make):
    event, _ = line
    token = joined(client, event, 1)
    first = client.get(f"/l/{token}/live")
    assert first.status_code == 200 and 'data-status="waiting"' in first.get_data(as_text=True)
    etag = first.headers["ETag"]
    assert client.get(f"/l/{token}/live", headers={"If-None-Match": etag}).status_code == 304
    admin = make.user("admin")
    staff = client.application.test_client()
    login(staff, admin)
    staff.post(f"/tablet/events/{event.id}/chairs/1/call-next", data={"last": "0"})
    changed = client.get(f"/l/{token}/live", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert "Chair 1 is ready for you now" in changed.get_data(as_text=True)
    assert "Chair 1 is ready" in client.get(f"/l/{token}").get_data(as_text=True)


def test_leaving_is_one_tap(client, line):
    event, _ = line
    token = joined(client, event, 1)
    response = client.post(f"/l/{token}/leave", follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "You left the line" in text and "Join the line again" in text


def test_the_screen_while_waiting(client, line):
    event, _ = line
    token = joined(client, event, 1)
    form = client.get(f"/l/{token}/screen").get_data(as_text=True)
    assert "Before your massage" in form
    bad = client.post(f"/l/{token}/screen", data=R5_FORM | {"leg_symptoms": "x"})
    assert bad.status_code == 422
    done = client.post(f"/l/{token}/screen", data=R5_FORM, follow_redirects=True)
    assert "All set" in done.get_data(as_text=True)
    place = client.get(f"/l/{token}").get_data(as_text=True)
    assert "Questions answered" in place


def test_the_kiosk_takes_a_name_for_signed_in_staff(client, line, make):
    event, therapist = line
    url = f"/staff/events/{event.id}/kiosk"
    assert client.get(url).status_code in (302, 401)
    login(client, therapist)
    assert "Join the line for a chair massage" in client.get(url).get_data(as_text=True)
    empty = client.post(url, data={"name": "  "})
    assert empty.status_code == 422 and "Give a name" in empty.get_data(as_text=True)
    done = client.post(url, data={"name": "Walk Up"})
    assert done.status_code == 200
    assert "Walk Up, you're number 1" in done.get_data(as_text=True)
    slots = make.event(company=event.company)
    other = make.user("coordinator", company=event.company)
    staff = client.application.test_client()
    login(staff, other)
    assert staff.get(f"/staff/events/{slots.id}/kiosk").status_code == 409


def test_the_tablet_calls_next_and_guards_double_taps(client, line, session):
    event, therapist = line
    joined(client, event, 1)
    joined(client, event, 2)
    login(client, therapist)
    page = client.get(f"/tablet/events/{event.id}/chairs/1").get_data(as_text=True)
    assert "Walk-up line" in page and "2 waiting" in page and 'value="0"' in page
    response = client.post(
        f"/tablet/events/{event.id}/chairs/1/call-next", data={"last": "0"}, follow_redirects=True
    )
    text = response.get_data(as_text=True)
    assert "Person 1 is called to chair 1" in text
    assert 'class="q-name">Person 1<' in text  # in the chair's queue, with its card
    tap_again = client.post(
        f"/tablet/events/{event.id}/chairs/1/call-next", data={"last": "0"}, follow_redirects=True
    )
    assert "called someone a moment ago" in tap_again.get_data(as_text=True)
    entry = session.scalar(select(LineEntry).where(LineEntry.status == "called"))
    early = client.post(f"/tablet/line-entries/{entry.id}/not-here", follow_redirects=True)
    assert "Give Person 1 until" in early.get_data(as_text=True)
    fragment = client.get(f"/tablet/events/{event.id}/chairs/1/line")
    assert "Called here, on their way" in fragment.get_data(as_text=True)
    etag = fragment.headers["ETag"]
    unchanged = client.get(
        f"/tablet/events/{event.id}/chairs/1/line", headers={"If-None-Match": etag}
    )
    assert unchanged.status_code == 304
    assert client.get(f"/tablet/events/{event.id}/chairs/2/line").status_code == 404


def test_a_slots_event_s_tablet_has_no_line_panel(client, make, session):
    event = make.event()
    therapist = make.user("therapist")
    event.chairs[0].therapist = therapist
    session.commit()
    login(client, therapist)
    page = client.get(f"/tablet/events/{event.id}/chairs/1").get_data(as_text=True)
    assert "Walk-up line" not in page and "Call next" not in page


def test_the_coordinator_sees_the_line_and_a_poster_to_join_it(client, line, make):
    event, therapist = line
    for n in range(1, 4):
        joined(client, event, n)
    admin = make.user("admin")
    staff = client.application.test_client()
    login(staff, admin)
    staff.post(f"/tablet/events/{event.id}/chairs/1/call-next", data={"last": "0"})
    coordinator = make.user("coordinator", company=event.company)
    login(client, coordinator)
    page = client.get(f"/staff/events/{event.id}").get_data(as_text=True)
    assert "The line" in page and "Average wait" in page and "Longest wait" in page
    assert 'class="line-chart"' in page and "<polyline" in page
    assert "Times <span" not in page and "Fill and attendance" not in page
    assert "Kiosk for the booth" in page
    poster = client.get(f"/staff/events/{event.id}/poster").get_data(as_text=True)
    assert "Scan to join the line" in poster
    dashboard = client.get("/staff").get_data(as_text=True)
    assert "Walk-up line" in dashboard


def test_the_event_form_creates_a_line_without_slots(client, make, session):
    coordinator = make.user("coordinator")
    login(client, coordinator)
    form = client.get("/staff/events/new").get_data(as_text=True)
    assert 'name="kind" value="line"' in form
    data = {
        "title": "Health fair", "location": "Hall B", "room": "", "date": "2031-06-03",
        "start_time": "10:00", "end_time": "16:00", "timezone": "America/Chicago",
        "chairs": "4", "slot_minutes": "15", "buffer_minutes": "5", "kind": "line",
    }  # fmt: skip
    assert client.post("/staff/events/new", data=data).status_code == 302
    event = session.scalar(select(Event).where(Event.title == "Health fair"))
    assert event.kind == "line" and session.scalar(select(Slot.id).limit(1)) is None
    bad = client.post("/staff/events/new", data=data | {"kind": "queue"})
    assert bad.status_code == 422 and "Choose slots" in bad.get_data(as_text=True)


def test_request_logs_never_hold_place_tokens(client, line):
    import logging

    event, _ = line
    token = joined(client, event, 1)
    record = logging.LogRecord(
        "werkzeug", logging.INFO, __file__, 1, '"%s" %s', (f"GET /l/{token}/live HTTP/1.1", 304),
        None,
    )  # fmt: skip
    for handler_filter in logging.getLogger("werkzeug").filters:
        handler_filter.filter(record)
    assert token not in record.getMessage() and "/l/…/live" in record.getMessage()


def test_cancelling_a_line_event_texts_everyone_in_the_line_once(client, line, make, session):
    """Found after the walk-up round: people waiting in a cancelled line heard nothing."""
    event, therapist = line
    tokens = [joined(client, event, n) for n in (1, 2, 3)]
    staff = client.application.test_client()
    login(staff, therapist)
    staff.post(f"/tablet/events/{event.id}/chairs/1/call-next", data={"last": "0"})  # Person 1
    kiosk = staff.post(f"/staff/events/{event.id}/kiosk", data={"name": "Walk Up"})
    assert kiosk.status_code == 200  # no phone: nobody to text
    coordinator = make.user("coordinator", company=event.company)
    login(staff, coordinator)

    done = staff.post(
        f"/staff/events/{event.id}/cancel", data={"confirm": "yes"}, follow_redirects=True
    )
    assert "3 people in the line are being texted" in done.get_data(as_text=True)
    cancelled = session.scalars(
        select(Message).where(Message.kind == "event_cancelled").order_by(Message.to)
    ).all()
    assert [m.to for m in cancelled] == sorted(phone(n) for n in (1, 2, 3))
    waiting = [m for m in cancelled if m.idempotency_key.startswith("line:")]
    assert len(waiting) == 2 and all("massage line is closed" in m.body for m in waiting)
    assert session.scalar(
        select(func.count()).select_from(Message).where(
            Message.kind == "line_notice", Message.status == "pending"
        )
    ) == 0  # fmt: skip
    assert "closed" in client.get(f"/l/{tokens[2]}").get_data(as_text=True).lower()

    again = staff.post(
        f"/staff/events/{event.id}/cancel", data={"confirm": "yes"}, follow_redirects=True
    )  # a second tap
    assert "0 people in the line are being texted" in again.get_data(as_text=True)
    assert session.scalar(
        select(func.count()).select_from(Message).where(Message.kind == "event_cancelled")
    ) == 3  # fmt: skip


def test_the_tablets_walk_in_tool_sends_a_line_events_walk_ins_to_the_kiosk(client, line, make):
    """The walk-in form could only ever answer "add them at the kiosk" on a line event."""
    event, therapist = line
    login(client, therapist)
    page = client.get(f"/tablet/events/{event.id}/chairs/1").get_data(as_text=True)
    assert f'href="/staff/events/{event.id}/kiosk"' in page and "Add a name to the line" in page
    assert "Add to the next free slot" not in page and "/walk-in" not in page
    slots = make.event(company=event.company)
    slots.chairs[0].therapist = therapist
    make.session.commit()
    other = client.get(f"/tablet/events/{slots.id}/chairs/1").get_data(as_text=True)
    assert "Add to the next free slot" in other and "/kiosk" not in other


def test_after_the_day_a_place_page_says_the_line_has_closed(client, line, session):
    """Found by the line-day simulator: someone still in line at closing kept seeing a place."""
    event, _ = line
    token = joined(client, event, 1)
    event.status = "completed"  # as the lifecycle job leaves it after the local day
    session.commit()
    page = client.get(f"/l/{token}").get_data(as_text=True)
    assert "The line has closed" in page and "place-number" not in page
    assert "cancelled" not in page
