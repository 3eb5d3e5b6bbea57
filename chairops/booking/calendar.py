"""The "add to calendar" file for a booking, in the event's own time zone."""

from __future__ import annotations

import datetime as dt

from icalendar import Alarm, Calendar, Timezone, TimezoneDaylight, TimezoneStandard
from icalendar import Event as CalendarEvent

from ..formatting import in_zone
from ..models import Booking
from .rules import observances

REMINDER = dt.timedelta(minutes=15)


def zone_component(zone: str, around: dt.date) -> Timezone:
    """The event's VTIMEZONE, written with yearly rules (see booking/rules.py for why)."""
    component = Timezone()
    component.add("tzid", zone)
    for observance in observances(zone, around):
        block = TimezoneDaylight() if observance.kind == "DAYLIGHT" else TimezoneStandard()
        block.add("dtstart", observance.start)
        block.add("tzoffsetfrom", observance.offset_from)
        block.add("tzoffsetto", observance.offset_to)
        block.add("tzname", observance.name)
        if observance.rule:
            block.add("rrule", observance.rule)
        component.add_component(block)
    return component


def reminder(title: str) -> Alarm:
    """A pop-up 15 minutes before, so nobody misses their chair."""
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", f"Chair massage in 15 minutes: {title}")
    alarm.add("trigger", -REMINDER)
    return alarm


def booking_ics(booking: Booking, manage_url: str, brand: str) -> bytes:
    """An iCalendar file with one event, its reminder and the VTIMEZONE it needs."""
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
    entry.add_component(reminder(event.title))
    cal.add_component(
        zone_component(event.timezone, in_zone(slot.starts_at, event.timezone).date())
    )
    cal.add_component(entry)
    return cal.to_ical()
