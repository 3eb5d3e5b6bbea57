"""Walk-up line test data for pages and the API, which read the real clock: a line open now."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from chairops.models import utcnow


def zone_at_midday(now: dt.datetime | None = None) -> str:
    """A fixed-offset zone in which it is now between 10:00 and 11:00, so a line is open."""
    now = now or utcnow()
    for hours in range(-14, 13):
        name = f"Etc/GMT{hours:+d}" if hours else "Etc/GMT"
        if now.astimezone(ZoneInfo(name)).hour == 10:
            return name
    raise AssertionError("some zone has 10 o'clock now")


def open_line(make, company=None, **fields):
    """A published walk-up line running from 06:00 to 22:00 today in a zone where it is ~10:00."""
    zone = zone_at_midday()
    raw = {
        "kind": "line",
        "timezone": zone,
        "date": utcnow().astimezone(ZoneInfo(zone)).date().isoformat(),
        "start_time": "06:00",
        "end_time": "22:00",
        "chairs": 2,
        "title": "Health fair",
    }
    return make.event(company=company, **(raw | fields))
