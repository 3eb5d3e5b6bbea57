"""When a freed chair may be offered to the waitlist, and for how long. Pure."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple
from zoneinfo import ZoneInfo

# Less of the slot than this left: too late to walk over, so it is not offered.
MIN_LEFT = dt.timedelta(minutes=5)
# Outside texting hours, only a chair needed within this long is offered (the event itself).
SOON = dt.timedelta(hours=2)


class Offer(NamedTuple):
    expires_at: dt.datetime
    free_now: bool  # the slot begins before the offer ends: "chair 2 is free now"


def make_offer(
    now: dt.datetime, slot_start: dt.datetime, slot_end: dt.datetime, minutes: int
) -> Offer | None:
    """The offer for a freed slot, or None when too little of it is left to be worth a text."""
    expires = min(now + dt.timedelta(minutes=minutes), slot_end - MIN_LEFT)
    if expires - now < dt.timedelta(minutes=1):
        return None
    return Offer(expires, free_now=slot_start <= expires)


def may_text_offer(
    now: dt.datetime, slot_start: dt.datetime, tz: str, hours: tuple[dt.time, dt.time]
) -> bool:
    """Offers wait for texting `hours` (local) unless the chair is needed soon."""
    local = now.astimezone(ZoneInfo(tz)).time()
    return hours[0] <= local < hours[1] or slot_start - now <= SOON
