"""The waitlist of a full event: standing in line and freed chairs offered by text.

Uses seating, messaging and the ground floor; booking, event changes and the tablet call it.
"""

from .line import (
    Joiner,
    Place,
    close_for_event,
    end_for_event,
    entry_by_token,
    join,
    left_for_booking,
    live_count,
    place_of,
    waitlist_open,
)
from .offers import (
    claim_offer,
    decline,
    expire_offers,
    leave,
    offer_free_slots,
    tick,
    withdraw_offers,
)

__all__ = [
    "Joiner",
    "Place",
    "claim_offer",
    "close_for_event",
    "decline",
    "end_for_event",
    "entry_by_token",
    "expire_offers",
    "join",
    "leave",
    "left_for_booking",
    "live_count",
    "offer_free_slots",
    "place_of",
    "tick",
    "waitlist_open",
    "withdraw_offers",
]
