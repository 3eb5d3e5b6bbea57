"""'Free up my time for someone else' after a no-massage screen: the pages, without JavaScript."""

import datetime as dt

from sqlalchemy import select

from chairops import waitlist
from chairops.models import Booking, Message, WaitlistEntry
from chairops.screening.service import submit_screen
from tests.factories import phone

ANSWERS = {
    "pain_areas": ["neck_shoulders"], "low_back_pain": None, "new_or_different": False,
    "leg_symptoms": "none", "red_flags": False, "conditions": [], "pressure": "medium",
}  # fmt: skip
UNWELL = {**ANSWERS, "conditions": ["unwell"]}  # R2: reschedule or get clearance


def screened(make, session, answers, **event_fields):
    event = make.event(chairs=1, start_time="10:00", end_time="10:35", **event_fields)
    booking, token = make.booking(event, 1)
    submit_screen(session, booking, answers, booking.slot.starts_at - dt.timedelta(days=1))
    session.commit()
    return event, booking, token


def test_only_a_no_massage_screen_offers_it(client, make, session):
    _, booking, token = screened(make, session, ANSWERS)
    assert "Free up my time" not in client.get(f"/b/{token}").get_data(as_text=True)
    assert "Free up my time" not in client.get(f"/b/{token}/screen/done").get_data(as_text=True)
    page = client.get(f"/b/{token}/free-up")
    assert page.status_code == 302 and page.location.endswith(f"/b/{token}")
    assert client.post(f"/b/{token}/free-up").status_code == 422
    assert session.get(Booking, booking.id).status == "booked"


def test_confirm_then_free_up_and_the_link_to_the_next_event_for_a_reschedule(
    client, make, session
):
    event, booking, token = screened(make, session, UNWELL, days_ahead=2)
    later = make.event(company=event.company, days_ahead=30, title="Spring massage day")
    make.booking(event, 2)  # the event is full: someone waits
    now = booking.slot.starts_at - dt.timedelta(days=1)
    waitlist.join(session, event, waitlist.Joiner("Wendy", phone(60), True), now, None)
    session.commit()
    for page in (f"/b/{token}", f"/b/{token}/screen/done"):
        assert f"/b/{token}/free-up" in client.get(page).get_data(as_text=True)
    confirm = client.get(f"/b/{token}/free-up").get_data(as_text=True)
    assert "Free up your time?" in confirm and "Yes, free up my time" in confirm
    assert session.get(Booking, booking.id).status == "booked"

    done = client.post(f"/b/{token}/free-up")
    assert done.status_code == 303 and done.location.endswith(f"/b/{token}/free-up")
    thanks = client.get(done.location).get_data(as_text=True)
    assert "Thank you" in thanks and f"/e/{later.share_token}" in thanks
    session.expire_all()
    assert session.get(Booking, booking.id).status == "cancelled"
    assert client.post(f"/b/{token}/free-up").status_code == 303  # twice is harmless
    # The chair goes to the line as any cancellation's does (offered now, or at 09:00).
    entry = session.scalar(select(WaitlistEntry))
    offers = session.scalars(select(Message).where(Message.kind == "waitlist_offer")).all()
    assert (entry.status, len(offers)) in (("offered", 1), ("waiting", 0))
