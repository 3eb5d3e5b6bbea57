"""Changing an event after people booked: details, schedule, or cancelling it. Audited, texted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import NamedTuple

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from .. import waitlist
from ..audit import record
from ..errors import EventConflict, ScheduleConflict
from ..messaging import notify
from ..messaging import texts as wording
from ..messaging.outbox import cancel_pending
from ..models import (
    ACTIVE_BOOKING_STATUSES,
    Booking,
    Chair,
    Event,
    Message,
    Screen,
    Slot,
    User,
    WaitlistEntry,
)
from .rules import EventInput, SlotSpec, compare_layouts, generate_slots
from .service import add_missing_slots, chair_breaks, event_fields, validate_event

DETAILS = ("title", "location", "room")
# The fields that decide the slots; changing them is change_schedule's job.
SCHEDULE = (
    "date",
    "start_time",
    "end_time",
    "timezone",
    "chairs",
    "slot_minutes",
    "buffer_minutes",
)
# A removed time whose booking reached the chair cannot be cancelled: the change is refused.
SEEN = ("in_service", "completed", "no_show")
AUDIT_COUNTS = ("slots_added", "slots_removed", "slots_resized", "bookings_cancelled")


class Affected(NamedTuple):
    """A booking whose time a schedule change removes."""

    booking_id: int
    name: str
    start: dt.datetime  # UTC
    chair: int


class ScheduleChange(NamedTuple):
    """What a schedule change did."""

    changed: list[str]
    added: int = 0
    removed: int = 0
    resized: int = 0
    cancelled: int = 0
    texted: int = 0

    def summary(self) -> str:
        """What happened, for the coordinator: 'Saved. 8 slots added; every booking kept.'"""
        if not self.changed:
            return "Nothing changed."
        counts = [(self.added, "added"), (self.removed, "removed"), (self.resized, "resized")]
        done = [(n, verb) for n, verb in counts if n]
        slots = [  # "8 slots added, 2 removed"
            f"{n} {_plural(n, 'slot')} {verb}" if i == 0 else f"{n} {verb}"
            for i, (n, verb) in enumerate(done)
        ]
        clauses = [", ".join(slots)] if slots else []
        if self.cancelled:
            clauses.append(f"{self.cancelled} {_plural(self.cancelled, 'booking')} cancelled")
        clauses.append(_told(self.cancelled, self.texted))
        text = "; ".join(clauses)
        return f"Saved. {text[0].upper()}{text[1:]}."


def _plural(n: int, word: str) -> str:
    return word if n == 1 else f"{word}s"


def _told(cancelled: int, texted: int) -> str:
    if not cancelled:
        return "every booking kept"
    if texted == cancelled:
        return f"{'that person is' if texted == 1 else 'those people are'} being texted"
    return (
        f"{texted} of them {'is' if texted == 1 else 'are'} being texted (the others get no texts)"
    )


def active_bookings(session: Session, event: Event) -> list[Booking]:
    return list(
        session.scalars(
            select(Booking).where(
                Booking.event_id == event.id, Booking.status.in_(ACTIVE_BOOKING_STATUSES)
            )
        )
    )


def update_details(
    session: Session, event: Event, raw: dict, user: User, now: dt.datetime, texts=None
) -> list[str]:
    """Change the title or place; people already booked are texted when the place changes."""
    if event.status in ("cancelled", "completed"):
        raise EventConflict(f"A {event.status} event cannot be changed.")
    current = event_fields(event)
    data = validate_event(current | {k: raw.get(k, current[k]) for k in DETAILS})
    changed = [name for name in DETAILS if getattr(data, name) != getattr(event, name)]
    for name in changed:
        setattr(event, name, getattr(data, name))
    if changed:
        record(session, user, "event.details_changed", event, now, fields=changed)
        session.flush()
    if texts and {"location", "room"} & set(changed) and event.status == "published":
        upcoming = [b for b in active_bookings(session, event) if b.status == "booked"]
        notify.event_news(session, upcoming, "event_changed", texts, now)
    return changed


def cancel_event(
    session: Session, event: Event, user: User, now: dt.datetime, texts=None
) -> list[Booking]:
    """Cancel the whole event: every waiting booking is cancelled and its person texted."""
    if event.status == "cancelled":
        return []
    if event.status == "completed":
        raise EventConflict("A completed event cannot be cancelled.")
    waiting = [b for b in active_bookings(session, event) if b.status in ("booked", "checked_in")]
    for booking in waiting:
        booking.status, booking.status_changed_at = "cancelled", now
        cancel_pending(session, booking.id)
    event.status = "cancelled"
    waitlist.close_for_event(session, event.id, now)
    record(session, user, "event.cancelled", event, now, bookings_cancelled=len(waiting))
    session.flush()
    if texts:
        notify.event_news(session, waiting, "event_cancelled", texts, now)
    return waiting


def change_schedule(
    session: Session,
    event: Event,
    raw: dict,
    user: User,
    now: dt.datetime,
    texts=None,
    confirm: bool = False,
    confirmed_ids: Collection[int] | None = None,
) -> ScheduleChange:
    """Change the date, hours or chairs: every slot that stays keeps its booking.

    A booking whose time disappears is cancelled (and texted) only when `confirm` is given,
    and, with `confirmed_ids`, only if it was among the bookings the coordinator was shown.
    """
    if event.status in ("cancelled", "completed"):
        raise EventConflict(f"A {event.status} event cannot be changed.")
    before = event_fields(event)
    data = validate_event(before | {k: raw[k] for k in SCHEDULE if k in raw}, now=now)
    if event.kind == "line":
        return _change_line_schedule(session, event, data, before, user, now)
    slots = _locked_slots(session, event)
    plan = compare_layouts(slots, _layout(event, data))
    lost = [slots[s] for s in plan.dropped] + [slots[old] for old, _ in plan.resized]
    bookings, affected = _affected(session, event, lost, slots)
    _refuse_unless_confirmed(affected, confirm, confirmed_ids)
    texted = _cancel_and_text(session, bookings, texts, now)
    for old, new in plan.resized:
        slots[old].ends_at = new.end
    removed_ids = [slots[s].id for s in plan.dropped]
    waitlist.withdraw_offers(session, removed_ids, now)  # back in line, first for the next chair
    _remove_slots(session, removed_ids)
    _apply(event, data)
    session.flush()
    added = add_missing_slots(session, event)
    if texts:
        waitlist.offer_free_slots(session, event, now, texts)  # added or freed times
    result = ScheduleChange(
        [k for k in SCHEDULE if before[k] != event_fields(event)[k]],
        added, len(plan.dropped), len(plan.resized), len(bookings), texted,
    )  # fmt: skip
    if result.changed:
        _audit_schedule(session, user, event, before, result, affected, now)
    return result


def _change_line_schedule(session: Session, event: Event, data, before, user, now):
    """A walk-up line has no slots to lay out; a chair that has called people must stay."""
    used = session.scalars(
        select(Chair.number)
        .join(Slot, Slot.chair_id == Chair.id)
        .where(Chair.event_id == event.id, Chair.number > data.chairs)
        .distinct()
    ).all()
    if used:
        numbers = ", ".join(str(n) for n in sorted(used))
        raise EventConflict(f"Chair {numbers} has called people from the line, so it must stay.")
    _apply(event, data)
    session.flush()
    result = ScheduleChange([k for k in SCHEDULE if before[k] != event_fields(event)[k]])
    if result.changed:
        _audit_schedule(session, user, event, before, result, [], now)
    return result


def _audit_schedule(session, user, event, before, result: ScheduleChange, affected, now) -> None:
    after = event_fields(event)
    detail = {
        "before": {k: before[k] for k in result.changed},
        "after": {k: after[k] for k in result.changed},
        "slots_added": result.added,
        "slots_removed": result.removed,
        "slots_resized": result.resized,
        "bookings_cancelled": result.cancelled,
        # Cancelled bookings can go with their slots: this entry is what remembers them.
        "cancelled": [a._asdict() | {"start": a.start.isoformat()} for a in affected],
    }
    record(session, user, "event.schedule_changed", event, now, **detail)
    session.flush()


def _locked_slots(session: Session, event: Event) -> dict[SlotSpec, Slot]:
    """The event's slots by layout position, locked so nobody books a removed one meanwhile."""
    rows = session.execute(
        select(Slot, Chair.number)
        .join(Chair, Slot.chair_id == Chair.id)
        .where(Slot.event_id == event.id)
        .with_for_update(of=Slot)
    )
    return {SlotSpec(number, slot.starts_at, slot.ends_at): slot for slot, number in rows}


def _layout(event: Event, data: EventInput) -> list[SlotSpec]:
    return generate_slots(
        data.date, data.start_time, data.end_time, data.timezone, data.slot_minutes,
        data.buffer_minutes, data.chairs, breaks=chair_breaks(event),
    )  # fmt: skip


def _affected(session: Session, event: Event, lost: list[Slot], slots: dict):
    """The active bookings in the slots a change removes, and who they are, soonest first.

    A removed time that has already been used at the chair refuses the whole change.
    """
    position = {slot.id: spec for spec, slot in slots.items()}
    query = select(Booking).where(
        Booking.slot_id.in_([s.id for s in lost]), Booking.status != "cancelled"
    )
    bookings = sorted(
        session.scalars(query) if lost else [],
        key=lambda b: (position[b.slot_id].start, position[b.slot_id].chair),
    )
    specs = [position[b.slot_id] for b in bookings]
    people = [
        Affected(b.id, b.name, s.start, s.chair) for b, s in zip(bookings, specs, strict=True)
    ]
    seen = [who for who, b in zip(people, bookings, strict=True) if b.status in SEEN]
    if seen:
        names = "; ".join(_describe(event, who) for who in seen)
        raise EventConflict(
            f"These times have already been used at the chair, so they must stay: {names}."
        )
    return bookings, people


def _refuse_unless_confirmed(affected: list[Affected], confirm: bool, confirmed_ids) -> None:
    unseen = {a.booking_id for a in affected} - set(confirmed_ids or ())
    if not affected or (confirm and (confirmed_ids is None or not unseen)):
        return
    many = len(affected) != 1
    detail = (
        f"{len(affected)} {'people are' if many else 'person is'} booked in times this change "
        "removes. Keep their times, or confirm cancelling those bookings."
    )
    if confirm:
        detail = "Someone booked one of these times meanwhile. Check the list, then confirm."
    raise ScheduleConflict(detail, affected=affected)


def _describe(event: Event, who: Affected) -> str:
    return f"{who.name} ({wording.clock(who.start, event.timezone)}, chair {who.chair})"


def _cancel_and_text(session: Session, bookings: list[Booking], texts, now) -> int:
    """Cancel bookings a new schedule has no room for; text them (before their slot goes)."""
    for booking in bookings:
        booking.status, booking.status_changed_at = "cancelled", now
        cancel_pending(session, booking.id)
    session.flush()
    return notify.booking_dropped(session, bookings, texts, now) if texts and bookings else 0


def _remove_slots(session: Session, slot_ids: list[int]) -> None:
    """Delete slots and the old bookings in them, doing what PostgreSQL's foreign keys would."""
    if not slot_ids:
        return
    session.flush()
    ids = list(session.scalars(select(Booking.id).where(Booking.slot_id.in_(slot_ids))))
    if ids:
        session.execute(update(Message).where(Message.booking_id.in_(ids)).values(booking_id=None))
        session.execute(
            update(WaitlistEntry).where(WaitlistEntry.booking_id.in_(ids)).values(booking_id=None)
        )
        session.execute(delete(Screen).where(Screen.booking_id.in_(ids)))
        session.execute(delete(Booking).where(Booking.id.in_(ids)))
    # Open offers were withdrawn already; finished entries only forget the slot.
    session.execute(
        update(WaitlistEntry)
        .where(WaitlistEntry.offered_slot_id.in_(slot_ids))
        .values(offered_slot_id=None)
    )
    session.execute(delete(Slot).where(Slot.id.in_(slot_ids)))


def _apply(event: Event, data: EventInput) -> None:
    for name in ("date", "start_time", "end_time", "timezone", "slot_minutes", "buffer_minutes"):
        setattr(event, name, getattr(data, name))
    event.chairs_count = data.chairs
    have = {chair.number for chair in event.chairs}
    kept = [chair for chair in event.chairs if chair.number <= data.chairs]
    new = range(1, data.chairs + 1)
    event.chairs = kept + [
        Chair(number=n, label=f"Chair {n}", breaks=[]) for n in new if n not in have
    ]
