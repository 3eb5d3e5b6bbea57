"""The "add to calendar" file reads the same in ical.js and Python's icalendar (issue 13.6).

ical.js (the parser of several web and desktop calendars) ignored all but one date of the
RDATE lists that icalendar's add_missing_timezones writes, and put a 9:20 AM booking in
Los Angeles on 14 March 2027 at 17:20 UTC instead of 16:20. Each booking below is read back by
both parsers and must start and end at the booking's own UTC instants.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

SCRIPT = Path(__file__).parents[1] / "js" / "ics_times.mjs"
# Both 2027 clock-change days in the US, and a summer day.
CASES = [
    ("America/Los_Angeles", "2027-03-14", "09:20"),
    ("America/Los_Angeles", "2027-11-07", "09:20"),
    ("America/Los_Angeles", "2027-07-15", "09:20"),
    ("America/New_York", "2027-03-14", "09:20"),
    ("America/New_York", "2027-11-07", "09:20"),
    ("America/New_York", "2027-07-15", "09:20"),
    ("Europe/London", "2027-03-28", "09:20"),
    ("America/Phoenix", "2027-03-14", "09:20"),
]


def booked_ics(client, make, zone: str, day: str, at: str):
    """Book `at` local on `day` in `zone`; the booking and its .ics file as served."""
    company = make.company(timezone=zone)
    event = make.event(company, date=day, start_time="09:00", end_time="11:00")
    start = dt.datetime.combine(
        dt.date.fromisoformat(day), dt.time.fromisoformat(at), tzinfo=ZoneInfo(zone)
    )
    before = start.astimezone(dt.UTC) - dt.timedelta(days=2)
    booking, token = make.booking(event, start=start.astimezone(dt.UTC), now=before)
    response = client.get(f"/b/{token}/calendar.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    return booking, response.data


def read_with_ical_js(node_modules: Path, ics: bytes) -> list[dict]:
    done = subprocess.run(
        ["node", str(SCRIPT), str(node_modules)],
        input=ics,
        capture_output=True,
        check=True,
        timeout=60,
    )
    return json.loads(done.stdout)


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.mark.parametrize(("zone", "day", "at"), CASES)
def test_ical_js_reads_the_bookings_utc_times(client, make, node_modules, zone, day, at):
    booking, ics = booked_ics(client, make, zone, day, at)
    (event,) = read_with_ical_js(node_modules, ics)
    assert event["tzid"] == zone
    assert utc(event["start"]) == booking.slot.starts_at
    assert utc(event["end"]) == booking.slot.ends_at
    assert event["alarms"] == [{"action": "DISPLAY", "trigger": "-PT15M"}]


@pytest.mark.parametrize(("zone", "day", "at"), CASES)
def test_icalendar_reads_the_same_times_from_the_files_own_zone(client, make, zone, day, at):
    booking, ics = booked_ics(client, make, zone, day, at)
    calendar = Calendar.from_ical(ics)
    (vevent,) = calendar.walk("VEVENT")
    assert vevent["DTSTART"].params["TZID"] == zone
    assert vevent.decoded("DTSTART").astimezone(dt.UTC) == booking.slot.starts_at
    assert vevent.decoded("DTEND").astimezone(dt.UTC) == booking.slot.ends_at
    # Read the local times through the VTIMEZONE the file carries, not the system's zone data.
    (vtimezone,) = calendar.walk("VTIMEZONE")
    own_zone = vtimezone.to_tz(lookup_tzid=False)
    local = vevent.decoded("DTSTART").replace(tzinfo=None)
    assert local.replace(tzinfo=own_zone).astimezone(dt.UTC) == booking.slot.starts_at
    (alarm,) = vevent.walk("VALARM")
    assert alarm.decoded("TRIGGER") == -dt.timedelta(minutes=15)
    assert alarm["ACTION"] == "DISPLAY" and "Chair massage" in alarm["DESCRIPTION"]


def test_the_zone_is_written_with_yearly_rules_not_decades_of_dates(client, make):
    _, ics = booked_ics(client, make, "America/Los_Angeles", "2027-03-14", "09:20")
    text = ics.decode()
    assert "RDATE" not in text
    assert "RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3" in text
    assert "RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11" in text
    assert len(ics) < 1500
