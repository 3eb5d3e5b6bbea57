"""The JSON API of API.md, version 1. Views parse, call one service, and shape the answer."""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request
from flask_login import current_user, login_required
from werkzeug.exceptions import BadRequest

from .. import waitlist
from ..accounts.reach import event_for
from ..booking.service import (
    Claim,
    booking_by_token,
    cancel_booking,
    claim_slot,
    claim_without_transaction,
    event_by_share_token,
    event_with_times,
)
from ..coordinator.service import roster, roster_counts
from ..errors import (
    AlreadyBooked,
    ChairopsError,
    EventNotFound,
    PriorityWindow,
    ScheduleConflict,
    SlotTaken,
    ValidationError,
)
from ..events.changes import DETAILS, change_schedule, update_details
from ..events.service import (
    create_event,
    event_fields,
    publish_event,
    validate_event,
)
from ..extensions import autocommit_connection, change_limit, commit_keeping_objects, db, limiter
from ..formatting import local_iso
from ..models import Booking, Company, Event, utcnow
from ..screening.service import advice_for, queue_screen_json, submit_screen
from ..seating.availability import slot_count
from ..tablet.service import (
    assign_therapist,
    booking_for_staff,
    chair_for,
    load_queue,
    queue_etag,
    set_status,
)
from ..web import (
    checkin_lead,
    end_refused_change,
    no_store,
    problem,
    public_url,
    text_settings,
)
from .openapi import spec

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def json_body() -> dict:
    """The request's JSON object, parsed and checked at the edge; anything else is 400 or 422."""
    if "json_body" not in g:
        raise BadRequest("The body must be a JSON object in UTF-8.")
    body = g.json_body
    if not isinstance(body, dict):
        raise ValidationError({"body": "The body must be a JSON object."})
    return body


def iso(event: Event, moment) -> str:
    return local_iso(moment, event.timezone)


def booking_json(booking: Booking, token: str | None) -> dict:
    event, slot = booking.event, booking.slot
    body = {
        "start": iso(event, slot.starts_at),
        "end": iso(event, slot.ends_at),
        "chair": slot.chair.number,
        "status": booking.status,
    }
    if token:
        body |= {
            "token": token,
            "manage_url": public_url("booking.manage", token=token),
            "screen_url": public_url("screening.screen", token=token),
            "ics_url": public_url("booking.calendar", token=token),
        }
    return body


def event_json(event: Event) -> dict:
    return event_fields(event) | {
        "id": event.id,
        "company_id": event.company_id,
        "share_token": event.share_token,
        "status": event.status,
        "slots": slot_count(db.session, event),
        "signup_url": public_url("booking.event_page", share_token=event.share_token),
    }


@bp.get("/openapi.json")
def openapi():
    return jsonify(spec())


@bp.get("/public/events/<share_token>")
def public_event(share_token: str):
    now = utcnow()
    with autocommit_connection() as connection:  # one statement: no session, no transaction
        event, options = event_with_times(connection, share_token, now)
    tz = event.timezone
    return jsonify(
        event={
            "title": event.title,
            "location": event.location,
            "timezone": event.timezone,
            "date": event.date.isoformat(),
            "slot_minutes": event.slot_minutes,
            "status": event.status,
        },
        times=[
            {"start": local_iso(o.start, tz), "end": local_iso(o.end, tz), "available": o.available}
            for o in options
        ],
        waitlist_open=waitlist.waitlist_open(db.session, event, now, options),
    )


def waitlist_json(entry, token: str | None = None, now=None) -> dict:
    place = waitlist.place_of(db.session, entry, now)
    body = {"status": entry.status, "place_in_line": place.in_line, "offer": None}
    if place.slot is not None:
        event = entry.event
        body["offer"] = {
            "start": iso(event, place.slot.starts_at),
            "end": iso(event, place.slot.ends_at),
            "chair": place.chair,
            "expires_at": iso(event, entry.offer_expires_at),
        }
    if token:
        body |= {"token": token, "url": public_url("waitlist.place", token=token)}
    return body


@bp.post("/public/events/<share_token>/waitlist")
@change_limit
def public_join_waitlist(share_token: str):
    event = event_by_share_token(db.session, share_token)
    body = json_body()
    joiner = waitlist.Joiner(body.get("name"), body.get("phone"), body.get("sms_consent", False))
    now = utcnow()
    entry, token = waitlist.join(db.session, event, joiner, now, text_settings())
    body = waitlist_json(entry, token, now)
    db.session.commit()
    return jsonify(waitlist=body), 201


@bp.get("/waitlist/<token>")
def get_waitlist_place(token: str):
    entry = waitlist.entry_by_token(db.session, token)
    return jsonify(waitlist=waitlist_json(entry, now=utcnow()))


@bp.post("/waitlist/<token>/claim")
@change_limit
def claim_waitlist_offer(token: str):
    entry = waitlist.entry_by_token(db.session, token)
    try:
        booking, booking_token = waitlist.claim_offer(db.session, entry, utcnow(), text_settings())
    except ChairopsError:
        db.session.commit()  # keep what the failed claim settled (back in line, or left)
        raise
    body = booking_json(booking, booking_token)
    db.session.commit()
    return jsonify(booking=body), 201


@bp.delete("/waitlist/<token>")
@change_limit
def leave_waitlist(token: str):
    entry = waitlist.entry_by_token(db.session, token)
    waitlist.leave(db.session, entry, utcnow(), text_settings())
    db.session.commit()
    return jsonify(waitlist=waitlist_json(entry))


@bp.post("/public/events/<share_token>/bookings")
@change_limit
def public_claim(share_token: str):
    claim_without_transaction(db.session)
    event = event_by_share_token(db.session, share_token)
    body = json_body()
    claim = Claim(
        name=body.get("name"),
        phone=body.get("phone"),
        start=body.get("start"),
        sms_consent=body.get("sms_consent", False),
        email=body.get("email"),
    )
    try:
        booking, token = claim_slot(db.session, event, claim, utcnow(), texts=text_settings())
    except PriorityWindow:
        db.session.commit()  # keep the count of people the priority window turned away
        raise
    except (SlotTaken, AlreadyBooked):
        end_refused_change()
        raise
    body = booking_json(booking, token)  # before commit, so nothing is loaded again after it
    commit_keeping_objects(db.session)
    return jsonify(booking=body), 201


@bp.get("/bookings/<token>")
def get_booking(token: str):
    booking = booking_by_token(db.session, token)
    body = booking_json(booking, token) | {"screen_done": booking.screen is not None}
    return jsonify(booking=body)


@bp.delete("/bookings/<token>")
@change_limit
def delete_booking(token: str):
    booking = booking_by_token(db.session, token)
    cancel_booking(db.session, booking, utcnow(), texts=text_settings())
    db.session.commit()
    return jsonify(booking=booking_json(booking, token))


@bp.put("/bookings/<token>/screen")
@limiter.limit(lambda: current_app.config["SCREEN_RATE_LIMIT"])
@no_store
def put_screen(token: str):
    booking = booking_by_token(db.session, token)
    body = json_body()
    submit_screen(db.session, booking, body, utcnow(), token=token, texts=text_settings())
    db.session.commit()
    return jsonify(screen={"done": True, "advice": advice_for(booking.screen)})


def queue_json(view) -> dict:
    """The staff queue shape of API.md, in time order, with expected times when running late."""
    event = view.event
    return {
        "chair": view.chair.number,
        "late_minutes": view.chair.late_minutes,
        "bookings": [
            {
                "id": b.id,
                "name": b.name,
                "start": iso(event, b.slot.starts_at),
                "end": iso(event, b.slot.ends_at),
                "expected_start": iso(event, view.expected(b)),
                "status": b.status,
                "walk_in": b.walk_in,
                "screen": queue_screen_json(b.screen),
            }
            for b in view.bookings.values()
        ],
    }


@bp.get("/events/<int:event_id>/chairs/<int:number>/queue")
@login_required
@no_store
def chair_queue(event_id: int, number: int):
    view = load_queue(db.session, chair_for(db.session, current_user, event_id, number))
    payload = queue_json(view)
    etag = queue_etag(payload)
    if etag in request.if_none_match:
        return "", 304, {"ETag": f'"{etag}"'}
    response = jsonify(payload)
    response.set_etag(etag)
    return response


@bp.post("/bookings/<int:booking_id>/status")
@change_limit
@login_required
def booking_status(booking_id: int):
    booking = booking_for_staff(db.session, current_user, booking_id)
    wanted = json_body().get("status")
    if wanted not in ("checked_in", "in_service", "completed", "no_show"):
        raise ValidationError({"status": "Use checked_in, in_service, completed or no_show."})
    set_status(db.session, booking, wanted, utcnow(), texts=text_settings(), lead=checkin_lead())
    db.session.commit()
    return jsonify(booking={"id": booking.id, "status": booking.status})


@bp.post("/events/<int:event_id>/chairs/<int:number>/therapist")
@change_limit
@login_required
def chair_therapist(event_id: int, number: int):
    if current_user.role != "admin":
        raise EventNotFound()
    event = event_for(db.session, current_user, event_id)
    chair = assign_therapist(db.session, event, number, json_body().get("user_id"))
    db.session.commit()
    return jsonify(chair={"number": chair.number, "therapist_id": chair.therapist_id})


@bp.get("/me")
@login_required
def me():
    return jsonify(
        id=current_user.id,
        email=current_user.email,
        role=current_user.role,
        company_id=current_user.company_id,
    )


def _company_for_new_event(body: dict) -> Company:
    if current_user.role == "coordinator":
        return current_user.company
    if current_user.role != "admin":
        raise EventNotFound()
    company_id = body.get("company_id")
    company = (
        db.session.get(Company, company_id)
        if isinstance(company_id, int) and not isinstance(company_id, bool)
        else None
    )
    if company is None:
        raise ValidationError({"company_id": "Give the id of an existing company."})
    return company


@bp.post("/events")
@change_limit
@login_required
def create_event_api():
    body = json_body()
    company = _company_for_new_event(body)
    data = validate_event(body, now=utcnow())
    event = create_event(db.session, company, data)
    db.session.commit()
    return jsonify(event=event_json(event)), 201


@bp.post("/events/<int:event_id>/publish")
@change_limit
@login_required
def publish_event_api(event_id: int):
    event = event_for(db.session, current_user, event_id)
    if current_user.role not in ("admin", "coordinator"):
        raise EventNotFound()
    publish_event(db.session, event)
    db.session.commit()
    return jsonify(event=event_json(event))


@bp.patch("/events/<int:event_id>")
@change_limit
@login_required
def change_event_api(event_id: int):
    """Change an event; bookings in removed times need "confirm_cancellations": true."""
    event = event_for(db.session, current_user, event_id)
    if current_user.role not in ("admin", "coordinator"):
        raise EventNotFound()
    body, now, texts = json_body(), utcnow(), text_settings()
    confirm = body.get("confirm_cancellations", False)
    if not isinstance(confirm, bool):
        raise ValidationError({"confirm_cancellations": "Give true or false."})
    try:
        change_schedule(db.session, event, body, current_user, now, texts, confirm=confirm)
    except ScheduleConflict as exc:
        db.session.rollback()
        people = [
            {"name": a.name, "start": iso(event, a.start), "chair": a.chair} for a in exc.affected
        ]
        return problem(exc.status, exc.problem, exc.title, exc.detail, affected=people)
    if DETAILS & body.keys():
        update_details(db.session, event, body, current_user, now, texts)
    db.session.commit()
    return jsonify(event=event_json(event))


@bp.get("/events/<int:event_id>/roster")
@login_required
def event_roster(event_id: int):
    event = event_for(db.session, current_user, event_id)
    if current_user.role not in ("admin", "coordinator"):
        raise EventNotFound()
    bookings = [
        {
            "id": b.id,
            "name": b.name,
            "start": iso(event, b.slot.starts_at),
            "end": iso(event, b.slot.ends_at),
            "chair": b.slot.chair.number,
            "status": b.status,
            "walk_in": b.walk_in,
        }
        for b in roster(db.session, event)
    ]
    return jsonify(bookings=bookings, counts=roster_counts(db.session, event))
