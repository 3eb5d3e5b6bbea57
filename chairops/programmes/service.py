"""Programmes: creating one with its dates, changing it, and the staff member's reach.

Each date is an ordinary event made by events.service; changing or cancelling a date with
people booked goes through events.changes, so nothing is dropped silently and people are texted.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..audit import record
from ..config import TextSettings
from ..errors import ProgrammeDatesBooked, ProgrammeNotFound, ValidationError
from ..events.changes import cancel_event, change_schedule, update_details
from ..events.rules import EventInput, InvalidFields, parse_event_input
from ..events.service import create_event, publish_event
from ..models import ACTIVE_BOOKING_STATUSES, Booking, Company, Event, Programme, User
from . import recurrence, rules

TEMPLATE = (
    "title", "location", "room", "timezone", "start_time", "end_time", "chairs",
    "slot_minutes", "buffer_minutes",
)  # fmt: skip
SIGNUP = ("signup_opens_days_before", "signup_opens_time", "priority_hours", "monthly_cap")


class ProgrammeInput(NamedTuple):
    """A programme as typed, validated: the event template, the settings and the dates."""

    template: EventInput  # its date is dtstart
    settings: rules.Settings
    dates: list[dt.date]


def validate_programme(raw: dict, now: dt.datetime | None = None) -> ProgrammeInput:
    """Parse the template, settings and recurrence; a ValidationError names every bad field."""
    errors: dict[str, str] = {}
    template = settings = None
    try:
        template = parse_event_input(
            {k: raw.get(k) for k in TEMPLATE} | {"date": raw.get("dtstart")}
        )
    except InvalidFields as exc:
        errors |= {("dtstart" if k == "date" else k): v for k, v in exc.errors.items()}
    try:
        settings = rules.parse_settings(raw, now, template.timezone if template else None)
    except rules.InvalidSettings as exc:
        errors = exc.errors | errors
    if errors:
        raise ValidationError(errors)
    try:
        dates = recurrence.expand(
            settings.rrule, settings.dtstart, settings.exdates, template.timezone
        )
    except recurrence.InvalidRecurrence as exc:
        raise ValidationError({exc.field: exc.message}) from exc
    _check_timing(template, settings, dates, now)
    return ProgrammeInput(template, settings, dates)


def _check_timing(template: EventInput, settings: rules.Settings, dates, now) -> None:
    if not rules.opens_before_start(
        settings.signup_opens_days_before, settings.signup_opens_time, template.start_time
    ):
        raise ValidationError(
            {"signup_opens_days_before": "Sign-up must open before the first slot of each date."}
        )
    if now is not None and not rules.starts_after(
        dates[0], template.start_time, template.timezone, now
    ):
        raise ValidationError({"dtstart": "The first date has already begun."})


def programme_fields(programme: Programme) -> dict:
    """The programme as a coordinator types it (the input of validate_programme)."""
    return {
        "title": programme.title, "location": programme.location, "room": programme.room,
        "timezone": programme.timezone, "start_time": programme.start_time.strftime("%H:%M"),
        "end_time": programme.end_time.strftime("%H:%M"), "chairs": programme.chairs_count,
        "slot_minutes": programme.slot_minutes, "buffer_minutes": programme.buffer_minutes,
        "rrule": programme.rrule, "dtstart": programme.dtstart.isoformat(),
        "exdates": list(programme.exdates), "publish": programme.publish,
        "signup_opens_days_before": programme.signup_opens_days_before,
        "signup_opens_time": programme.signup_opens_time.strftime("%H:%M"),
        "priority_hours": programme.priority_hours, "monthly_cap": programme.monthly_cap,
    }  # fmt: skip


def create_programme(
    session: Session, company: Company, data: ProgrammeInput, user: User | None, now: dt.datetime
) -> Programme:
    """Save the programme and an event for each of its dates, in draft or published."""
    programme = Programme(company=company, created_at=now, updated_at=now)
    _apply(programme, data)
    session.add(programme)
    session.flush()
    for day in data.dates:
        _add_date(session, programme, day)
    record(session, user, "programme.created", programme, now, dates=len(data.dates))
    session.flush()
    return programme


def _apply(programme: Programme, data: ProgrammeInput) -> None:
    template, settings = data.template, data.settings
    for name in ("title", "location", "room", "timezone", "start_time", "end_time"):
        setattr(programme, name, getattr(template, name))
    programme.chairs_count = template.chairs
    programme.slot_minutes = template.slot_minutes
    programme.buffer_minutes = template.buffer_minutes
    programme.rrule, programme.dtstart = settings.rrule, settings.dtstart
    programme.exdates = [day.isoformat() for day in settings.exdates]
    programme.publish = settings.publish
    for name in SIGNUP:
        setattr(programme, name, getattr(settings, name))


def _template(programme: Programme, day: dt.date) -> EventInput:
    return EventInput(
        programme.title, programme.location, programme.room, programme.timezone, day,
        programme.start_time, programme.end_time, programme.chairs_count,
        programme.slot_minutes, programme.buffer_minutes,
    )  # fmt: skip


def _opens_at(programme: Programme, day: dt.date) -> dt.datetime:
    return rules.signup_opens_at(
        day, programme.timezone, programme.signup_opens_days_before, programme.signup_opens_time
    )


def _add_date(session: Session, programme: Programme, day: dt.date) -> Event:
    event = create_event(session, programme.company, _template(programme, day))
    event.programme = programme
    event.signup_opens_at = _opens_at(programme, day)
    if programme.publish:
        publish_event(session, event)
    session.flush()
    return event


class EditResult(NamedTuple):
    """What a programme change did, date by date."""

    steps: list[rules.Step]  # what was done
    kept: list[rules.Step]  # dates with bookings left as they were

    def count(self, action: str) -> int:
        return sum(1 for step in self.steps if step.action == action)

    def summary(self) -> str:
        parts = [
            f"{self.count(action)} {label}"
            for action, label in (
                ("change", "changed"),
                ("create", "added"),
                ("cancel", "cancelled"),
            )
            if self.count(action)
        ]
        text = f"Saved: dates {', '.join(parts)}." if parts else "Saved. No date needed a change."
        if self.kept:
            text += (
                f" {len(self.kept)} booked date{'s' if len(self.kept) != 1 else ''} kept as before."
            )
        return text


def plan_change(
    session: Session, programme: Programme, raw: dict, now: dt.datetime
) -> tuple[ProgrammeInput, list[rules.Step]]:
    """What a change would do to each future date, without changing anything."""
    data = validate_programme(programme_fields(programme) | _known(raw))
    before = _template(programme, programme.dtstart)._replace(date=None)
    template_changed = data.template._replace(date=None) != before
    booked = _booked_counts(session, programme)
    existing = [
        rules.ExistingDate(event.id, event.date, _changeable(event, now), booked.get(event.id, 0))
        for event in programme.events
    ]
    t = data.template
    wanted = [d for d in data.dates if rules.starts_after(d, t.start_time, t.timezone, now)]
    return data, rules.plan_edit(existing, wanted, template_changed)


def _known(raw: dict) -> dict:
    return {k: v for k, v in raw.items() if k in (*TEMPLATE, *rules.DEFAULTS, "rrule", "dtstart")}


def _changeable(event: Event, now: dt.datetime) -> bool:
    if event.status in ("cancelled", "completed"):
        return False
    return rules.starts_after(event.date, event.start_time, event.timezone, now)


def _booked_counts(session: Session, programme: Programme) -> dict[int, int]:
    rows = session.execute(
        select(Booking.event_id, func.count(Booking.id))
        .join(Event, Event.id == Booking.event_id)
        .where(Event.programme_id == programme.id, Booking.status.in_(ACTIVE_BOOKING_STATUSES))
        .group_by(Booking.event_id)
    )
    return dict(rows.all())


def change_programme(
    session: Session,
    programme: Programme,
    raw: dict,
    user: User,
    now: dt.datetime,
    texts: TextSettings | None = None,
    booked_dates: str | None = None,
) -> EditResult:
    """Change the programme and its future dates; dates with bookings need `booked_dates`.

    "keep" leaves booked dates as they are; "change" changes them too, through the event-change
    rules: bookings whose times stay are kept, the others are cancelled and their people texted.
    """
    data, steps = plan_change(session, programme, raw, now)
    affected = [step for step in steps if step.affects_bookings]
    if affected and booked_dates not in rules.BOOKED_DATES:
        raise ProgrammeDatesBooked(
            f"{len(affected)} of the dates this change touches already have bookings. Keep "
            "them as they are, or change them too (their people are texted).",
            affected=[_affected_json(step) for step in affected],
        )
    opens_changed = any(getattr(data.settings, k) != getattr(programme, k) for k in SIGNUP[:2])
    publishing = data.settings.publish and not programme.publish
    _apply(programme, data)
    kept = [step for step in affected if booked_dates == "keep"]
    done = [step for step in steps if step not in kept]
    events = {event.id: event for event in programme.events}
    for step in done:
        _carry_out(session, programme, step, events.get(step.event_id), user, now, texts)
    future = [events[step.event_id] for step in done if step.event_id in events]
    if opens_changed:
        _reschedule_openings(programme, future, now)
    if publishing:  # publishing the programme opens its future draft dates too
        for event in future:
            if event.status == "draft":
                publish_event(session, event)
    programme.updated_at = now
    record(session, user, "programme.changed", programme, now, **_audit(done, kept))
    session.flush()
    return EditResult([s for s in done if s.action != "keep"], kept)


def _affected_json(step: rules.Step) -> dict:
    return {"date": step.day.isoformat(), "event_id": step.event_id, "bookings": step.booked,
            "change": step.action}  # fmt: skip


def _audit(done: list[rules.Step], kept: list[rules.Step]) -> dict:
    counts = {a: sum(1 for s in done if s.action == a) for a in ("change", "create", "cancel")}
    return counts | {"booked_dates_kept": [s.day.isoformat() for s in kept]}


def _carry_out(session, programme, step: rules.Step, event, user, now, texts) -> None:
    if step.action == "create":
        _add_date(session, programme, step.day)
    elif step.action == "cancel":
        cancel_event(session, event, user, now, texts)
    elif step.action == "change":
        fields = _event_raw(programme, step.day)
        change_schedule(session, event, fields, user, now, texts, confirm=True)
        update_details(session, event, fields, user, now, texts)


def _event_raw(programme: Programme, day: dt.date) -> dict:
    template = _template(programme, day)
    raw = {name: getattr(template, name) for name in ("title", "location", "room", "timezone")}
    return raw | {
        "date": day.isoformat(), "start_time": template.start_time.strftime("%H:%M"),
        "end_time": template.end_time.strftime("%H:%M"), "chairs": template.chairs,
        "slot_minutes": template.slot_minutes, "buffer_minutes": template.buffer_minutes,
    }  # fmt: skip


def _reschedule_openings(programme: Programme, events: list[Event], now: dt.datetime) -> None:
    """New sign-up times apply to dates whose sign-up has not opened yet."""
    for event in events:
        if event.status != "cancelled" and (event.signup_opens_at or now) > now:
            event.signup_opens_at = _opens_at(programme, event.date)


def programmes_for(session: Session, user: User) -> list[Programme]:
    """The programmes a staff member may see: admins all, coordinators their company's."""
    query = select(Programme).order_by(Programme.dtstart, Programme.id)
    if user.role == "coordinator":
        query = query.where(Programme.company_id == user.company_id)
    elif user.role != "admin":
        return []
    return list(session.scalars(query))


def programme_for(session: Session, user: User, programme_id: int) -> Programme:
    """One programme within reach, or ProgrammeNotFound (404, never 403)."""
    programme = session.get(Programme, programme_id)
    if programme is None or user.role not in ("admin", "coordinator"):
        raise ProgrammeNotFound()
    if user.role == "coordinator" and programme.company_id != user.company_id:
        raise ProgrammeNotFound()
    return programme
