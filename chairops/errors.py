"""Failures a user can cause, each named; the web layer turns them into pages or problem JSON."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo


class ChairopsError(Exception):
    """Base of every expected, user-caused failure."""

    problem = "error"
    status = 400
    title = "Request failed"

    def __init__(self, detail: str = "", **extra):
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extra = extra


class ValidationError(ChairopsError):
    """One or more fields are wrong; `errors` maps each field to a message."""

    problem = "validation"
    status = 422
    title = "Some fields need attention"

    def __init__(self, errors: dict[str, str], detail: str = ""):
        super().__init__(detail or "; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class NotFound(ChairopsError):
    status = 404
    problem = "not-found"
    title = "Not found"


class EventNotFound(NotFound):
    problem = "event-not-found"
    title = "Event not found"


class BookingNotFound(NotFound):
    problem = "booking-not-found"
    title = "Booking not found"


class SlotTaken(ChairopsError):
    """No chair is free at the chosen time any more; `next_times` offers the nearest free ones,
    written in the event's `timezone` as every time of the API is."""

    problem = "slot-taken"
    status = 409
    title = "That time is taken"

    def __init__(self, detail: str, next_times, timezone: str):
        super().__init__(detail or "No chair is free at that time any more.")
        self.next_times = list(next_times)
        self.timezone = timezone


class AlreadyBooked(ChairopsError):
    problem = "already-booked"
    status = 409
    title = "Already booked"


class SignupClosed(ChairopsError):
    problem = "signup-closed"
    status = 410
    title = "Sign-up is closed"


class BadTransition(ChairopsError):
    problem = "bad-transition"
    status = 409
    title = "That status change is not allowed"


class EventConflict(ChairopsError):
    problem = "event-conflict"
    status = 409
    title = "The event cannot change that way"


class WaitlistClosed(ChairopsError):
    """The waitlist only opens when every chair is taken (or sign-up is closed)."""

    problem = "waitlist-closed"
    status = 409
    title = "The waitlist is not open"


class AlreadyWaiting(ChairopsError):
    problem = "already-waiting"
    status = 409
    title = "Already on the waitlist"


class WaitlistNotFound(NotFound):
    problem = "waitlist-not-found"
    title = "Waitlist place not found"


class OfferGone(ChairopsError):
    """The offer ran out, was passed on, or its chair was taken after all."""

    problem = "offer-gone"
    status = 410
    title = "This offer is no longer open"


class InviteNotFound(NotFound):
    problem = "invite-not-found"
    title = "Invite not found"


class InviteGone(ChairopsError):
    """The invite was used, revoked or ran out; a new one is needed."""

    problem = "invite-gone"
    status = 410
    title = "This invite link no longer works"


class ScheduleConflict(ChairopsError):
    """A schedule change would drop booked slots; `affected` lists those bookings."""

    problem = "bookings-affected"
    status = 409
    title = "People are booked in times this change removes"

    def __init__(self, detail: str = "", affected=()):
        super().__init__(detail or "Confirm cancelling these bookings, or keep their times.")
        self.affected = list(affected)


class WalkUpEvent(ChairopsError):
    """Booking a time (or waiting for one) at an event that runs a walk-up line instead."""

    problem = "walk-up-event"
    status = 409
    title = "This event has a walk-up line, not times to book"


class NotNow(ChairopsError):
    """Allowed, but not at this moment: `detail` says from when (the event's day, its times)."""

    problem = "not-now"
    status = 409
    title = "Not possible at this time"


class PriorityWindow(ChairopsError):
    """A programme date's first hours are for people who did not have the previous date."""

    problem = "priority-window"
    status = 409
    title = "Sign-up is open first to people who missed the last date"

    def __init__(self, detail: str, ends_at: dt.datetime, timezone: str):
        # Problem JSON gives the end in the event's zone, as every API time is.
        super().__init__(detail, ends_at=ends_at.astimezone(ZoneInfo(timezone)).isoformat())
        self.ends_at = ends_at  # when this person may book (UTC)
        self.timezone = timezone


class MonthlyCapReached(ChairopsError):
    """The programme allows each person only so many massages in a calendar month."""

    problem = "monthly-cap"
    status = 409
    title = "You have had your massages for this month"


class ProgrammeNotFound(NotFound):
    problem = "programme-not-found"
    title = "Programme not found"


class ProgrammeDatesBooked(ChairopsError):
    """A programme change touches dates that have bookings; `affected` lists those dates."""

    problem = "bookings-affected"
    status = 409
    title = "People are booked on dates this change touches"
