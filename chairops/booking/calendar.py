"""The "add to calendar" file for a booking, in the event's own time zone."""

from __future__ import annotations

from icalendar import Calendar
from icalendar import Event as CalendarEvent

from ..formatting import in_zone
from ..models import Booking


def booking_ics(booking: Booking, manage_url: str, brand: str) -> bytes:
    """An iCalendar file with one event and the VTIMEZONE it needs."""
    event, slot = booking.event, booking.slot
    cal = Calendar()
    cal.add("prodid", f"-//{brand}//chair massage//EN")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    entry = CalendarEvent()
    # One UID per booking, and a SEQUENCE that grows with each change: a moved booking
    # updates the calendar entry instead of adding a second one.
    entry.add("uid", f"booking-{booking.id}@{brand}")
    entry.add("sequence", booking.revision)
    entry.add("summary", f"Chair massage: {event.title}")
    entry.add("dtstart", in_zone(slot.starts_at, event.timezone))
    entry.add("dtend", in_zone(slot.ends_at, event.timezone))
    entry.add("dtstamp", booking.updated_at)
    where = ", ".join(part for part in (event.room, event.location) if part)
    entry.add("location", where)
    entry.add("description", f"Chair {slot.chair.number}. Change or cancel: {manage_url}")
    cal.add_component(entry)
    cal.add_missing_timezones()
    return cal.to_ical()
