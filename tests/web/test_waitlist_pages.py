"""The waitlist on the phone pages and in the public API."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from chairops.models import Booking, Message, WaitlistEntry, utcnow
from tests.factories import phone


def daytime_zone() -> str:
    """A zone where it is mid-afternoon right now, so offers are texted at once (09:00-20:00)."""
    offset = (14 - utcnow().hour + 12) % 24 - 12  # local = UTC + offset, near 14:00
    return f"Etc/GMT{-offset:+d}" if offset else "Etc/UTC"


@pytest.fixture
def full(make, session):
    """A published one-chair, two-slot event tomorrow, both slots booked: (event, [tokens])."""
    company = make.company(timezone=daytime_zone())
    event = make.event(company=company, chairs=1, start_time="10:00", end_time="10:35")
    tokens = [make.booking(event, n, name=f"Booked {n}")[1] for n in (1, 2)]
    return event, tokens


def join_form(**fields):
    form = {"action": "waitlist", "name": "Wren", "phone": "202-555-0160", "sms_consent": "yes"}
    return form | fields


def offer_link(session, number: str) -> str:
    message = session.scalar(
        select(Message).where(Message.to == number, Message.kind == "waitlist_offer")
    )
    assert message is not None, "no offer was texted"
    return re.search(r"/w/[A-Za-z0-9_-]+", message.body).group(0)


def test_a_full_event_offers_the_waitlist_and_an_open_one_does_not(client, make, full):
    event, _ = full
    page = client.get(f"/e/{event.share_token}").get_data(as_text=True)
    assert "Every chair is taken" in page and "Join the waitlist" in page
    open_event = make.event(chairs=1)
    page = client.get(f"/e/{open_event.share_token}").get_data(as_text=True)
    assert "Join the waitlist" not in page and "Book my massage" in page


def test_joining_names_bad_fields_then_shows_the_place_in_line(client, full, session):
    event, _ = full
    bad = client.post(f"/e/{event.share_token}", data=join_form(phone="12", sms_consent=""))
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "tick the box" in text and 'id="phone-error"' in text and "Wren" in text

    joined = client.post(f"/e/{event.share_token}", data=join_form())
    assert joined.status_code == 303
    place = client.get(joined.headers["Location"]).get_data(as_text=True)
    assert "Number 1 in line" in place and "ending 0160" in place
    again = client.post(f"/e/{event.share_token}", data=join_form())
    assert again.status_code == 409 and "on the waitlist already" in again.get_data(as_text=True)
    assert session.scalar(select(WaitlistEntry.status)) == "waiting"


def test_a_cancellation_is_offered_and_claimed_from_the_text(client, full, session):
    event, tokens = full
    client.post(f"/e/{event.share_token}", data=join_form())
    cancelled = client.post(f"/b/{tokens[0]}/cancel")
    assert cancelled.status_code == 303

    link = offer_link(session, "+12025550160")
    page = client.get(link).get_data(as_text=True)
    assert "A chair is free for you" in page and "Claim this chair" in page
    # Held for the offer: the sign-up page still shows no free time.
    assert "Join the waitlist" in client.get(f"/e/{event.share_token}").get_data(as_text=True)

    claimed = client.post(f"{link}/claim")
    assert claimed.status_code == 303 and "/b/" in claimed.headers["Location"]
    assert "You're booked" in client.get(claimed.headers["Location"]).get_data(as_text=True)
    booking = session.scalar(select(Booking).where(Booking.phone == "+12025550160"))
    assert booking.status == "booked"
    done = client.get(link).get_data(as_text=True)
    assert "You claimed a chair" in done


def test_an_expired_offer_says_so_and_nothing_is_booked(client, full, session):
    event, tokens = full
    client.post(f"/e/{event.share_token}", data=join_form())
    client.post(f"/b/{tokens[0]}/cancel")
    link = offer_link(session, "+12025550160")
    entry = session.scalar(select(WaitlistEntry))
    entry.offer_expires_at = utcnow() - dt.timedelta(seconds=1)
    session.commit()
    gone = client.post(f"{link}/claim")
    assert gone.status_code == 410
    assert "no longer open" in gone.get_data(as_text=True)
    assert session.scalar(select(Booking).where(Booking.phone == "+12025550160")) is None


def test_leaving_the_list(client, full, session):
    event, _ = full
    joined = client.post(f"/e/{event.share_token}", data=join_form())
    place = joined.headers["Location"].split("?")[0]
    left = client.post(f"{place}/leave")
    assert left.status_code == 303
    assert "You left the waitlist" in client.get(place).get_data(as_text=True)
    assert session.scalar(select(WaitlistEntry.status)) == "left"


def test_unknown_waitlist_links_are_404(client):
    assert client.get("/w/" + "x" * 43).status_code == 404
    assert client.post("/w/short/claim").status_code == 404
    assert client.get("/api/v1/waitlist/" + "x" * 43).json["type"] == "/problems/waitlist-not-found"


def test_the_api_joins_reports_claims_and_leaves(client, full, session):
    event, tokens = full
    base = f"/api/v1/public/events/{event.share_token}"
    assert client.get(base).json["waitlist_open"] is True
    bad = client.post(f"{base}/waitlist", json={"name": "Io", "phone": "202-555-0161"})
    assert bad.status_code == 422 and "sms_consent" in bad.json["errors"]
    body = {"name": "Io", "phone": "202-555-0161", "sms_consent": True}
    joined = client.post(f"{base}/waitlist", json=body)
    assert joined.status_code == 201
    place = joined.json["waitlist"]
    assert (place["status"], place["place_in_line"], place["offer"]) == ("waiting", 1, None)
    token = place["token"]
    early = client.post(f"/api/v1/waitlist/{token}/claim")
    assert early.status_code == 410 and early.json["type"] == "/problems/offer-gone"

    client.delete(f"/api/v1/bookings/{tokens[1]}")
    offered = client.get(f"/api/v1/waitlist/{token}").json["waitlist"]
    assert offered["status"] == "offered" and offered["offer"]["chair"] == 1
    assert offered["offer"]["start"].startswith(event.date.isoformat())
    assert "token" not in offered
    booked = client.post(f"/api/v1/waitlist/{token}/claim")
    assert booked.status_code == 201
    assert booked.json["booking"]["start"] == offered["offer"]["start"]
    assert client.get(base).json["waitlist_open"] is True  # full again

    second = client.post(f"{base}/waitlist", json=body | {"phone": phone(77)}).json["waitlist"]
    left = client.delete(f"/api/v1/waitlist/{second['token']}")
    assert left.status_code == 200 and left.json["waitlist"]["status"] == "left"


def test_the_clock_job_expires_offers_and_passes_them_on(app, client, full, session):
    from chairops.clock import JOBS, waitlist_tick

    assert waitlist_tick in [job for job, _ in JOBS]
    event, tokens = full
    client.post(f"/e/{event.share_token}", data=join_form())
    client.post(f"/e/{event.share_token}", data=join_form(name="Next", phone=phone(90)))
    client.post(f"/b/{tokens[0]}/cancel")
    first, second = session.scalars(select(WaitlistEntry).order_by(WaitlistEntry.id)).all()
    assert (first.status, second.status) == ("offered", "waiting")
    first.offer_expires_at = utcnow() - dt.timedelta(seconds=1)
    session.commit()

    assert waitlist_tick(app) == 1
    session.expire_all()
    assert (first.status, second.status) == ("expired", "offered")
    assert offer_link(session, phone(90)).startswith("/w/")


def test_the_demo_has_a_full_event_with_people_waiting(app, client, session):
    runner = app.test_cli_runner()
    for _ in range(2):  # running it again adds nothing
        result = runner.invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
    link = re.search(r"Full \(waitlist\):\s+\S+(/e/\S+)", result.output).group(1)
    page = client.get(link).get_data(as_text=True)
    assert "Every chair is taken" in page and "Join the waitlist" in page
    statuses = session.scalars(select(WaitlistEntry.status)).all()
    assert statuses == ["waiting", "waiting"]
