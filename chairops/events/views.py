"""Staff pages for events: list, create, see the slots, publish, share."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField

from ..accounts.reach import event_for
from ..coordinator.service import event_console
from ..coordinator.views import render_dashboard
from ..errors import ScheduleConflict, ValidationError
from ..extensions import change_limit, db
from ..formatting import in_zone
from ..models import Company, utcnow
from ..screening.service import screen_counts
from ..seating.availability import slot_count, time_options
from ..tablet.service import assign_therapist, therapists
from ..walkup.service import tell_cancelled as tell_line_cancelled
from ..walkup.stats import line_console
from ..web import text_settings
from .changes import SCHEDULE, cancel_event, change_schedule, update_details
from .rules import COMMON_ZONES, DATE_FORMAT, date_box_message
from .service import (
    create_event,
    event_fields,
    publish_event,
    validate_event,
)

bp = Blueprint("events", __name__)


class EventForm(FlaskForm):
    """Layout and CSRF only: events.rules.parse_event_input validates, as for the API."""

    title = StringField("Title", render_kw={"maxlength": 120, "placeholder": "Massage day"})
    location = StringField("Address", render_kw={"maxlength": 200})
    room = StringField("Room (optional)", render_kw={"maxlength": 120})
    date = StringField("Date", render_kw={"type": "date"})
    start_time = StringField("Starts", default="10:00", render_kw={"type": "time"})
    end_time = StringField("Ends", default="15:00", render_kw={"type": "time"})
    timezone = SelectField("Time zone", choices=COMMON_ZONES, validate_choice=False)
    chairs = StringField("Chairs", default="2", render_kw={"type": "number", "min": 1, "max": 30})
    slot_minutes = StringField(
        "Slot length (minutes)", default="15", render_kw={"type": "number", "min": 5, "max": 120}
    )
    buffer_minutes = StringField(
        "Turnover between slots (minutes)",
        default="5",
        render_kw={"type": "number", "min": 0, "max": 60},
    )
    # Radios drawn by new.html; events.rules.parse_event_input checks the value.
    kind = StringField("How people get a chair", default="slots")


class PublishForm(FlaskForm):
    pass


def show_field_errors(form: EventForm, errors: dict, zone: str) -> None:
    """Put each message under its field; the date's speaks of the box, not of ISO (the API's)."""
    zone = "UTC" if "timezone" in errors else zone  # a bad zone is itself one of the errors
    for name, message in errors.items():
        if name == "date" and message == DATE_FORMAT:
            message = date_box_message(in_zone(utcnow(), zone).date())
        form[name].errors = [message]


@bp.get("/staff")
@login_required
def home():
    if current_user.role == "therapist":
        return redirect(url_for("tablet.home"))
    return render_dashboard()


@bp.route("/staff/events/new", methods=["GET", "POST"])
@change_limit
@login_required
def new():
    if current_user.role not in ("admin", "coordinator"):
        return redirect(url_for("events.home"))
    form = EventForm()
    company = (
        current_user.company or db.session.scalars(db.select(Company).order_by(Company.id)).first()
    )
    if not form.is_submitted() and company is not None:
        form.timezone.data = company.timezone
    if form.validate_on_submit():
        raw = {name: value for name, value in form.data.items() if name != "csrf_token"}
        try:
            data = validate_event(raw, now=utcnow())
        except ValidationError as exc:
            show_field_errors(form, exc.errors, form.timezone.data or "UTC")
        else:
            event = create_event(db.session, company, data)
            db.session.commit()
            flash("Event created as a draft. Check the times, then publish it.", "info")
            return redirect(url_for("events.detail", event_id=event.id))
    return render_template("events/new.html", form=form), 422 if form.errors else 200


@bp.get("/staff/events/<int:event_id>")
@login_required
def detail(event_id: int):
    event = event_for(db.session, current_user, event_id)
    options = time_options(db.session, event)
    watching = current_user.role in ("admin", "coordinator") and event.status != "draft"
    return render_template(
        "events/detail.html",
        event=event,
        options=options,
        slots=slot_count(db.session, event),
        counts=screen_counts(db.session, event.id) if event.status != "draft" else None,
        publish_form=PublishForm(),
        therapists=therapists(db.session) if current_user.role == "admin" else [],
        console=event_console(db.session, event) if watching else None,
        line=line_console(db.session, event, utcnow())
        if watching and event.kind == "line"
        else None,
    )


@bp.post("/staff/events/<int:event_id>/publish")
@change_limit
@login_required
def publish(event_id: int):
    event = event_for(db.session, current_user, event_id)
    if current_user.role not in ("admin", "coordinator") or not PublishForm().validate_on_submit():
        flash("The event was not published. Please try again.", "error")
        return redirect(url_for("events.detail", event_id=event.id))
    publish_event(db.session, event)
    db.session.commit()
    flash("Published. Share the sign-up link below.", "info")
    return redirect(url_for("events.detail", event_id=event.id))


@bp.post("/staff/events/<int:event_id>/chairs/<int:number>/therapist")
@login_required
def assign(event_id: int, number: int):
    event = event_for(db.session, current_user, event_id)
    if current_user.role != "admin" or not PublishForm().validate_on_submit():
        abort(404)
    raw = request.form.get("user_id", "")
    try:
        chair = assign_therapist(db.session, event, number, int(raw) if raw.isdigit() else None)
        db.session.commit()
        who = chair.therapist.name or chair.therapist.email if chair.therapist else "nobody"
        flash(f"Chair {number}: {who}.", "info")
    except ValidationError as exc:
        db.session.rollback()
        flash(" ".join(exc.errors.values()), "error")
    return redirect(url_for("events.detail", event_id=event.id))


def _changeable(event_id: int):
    event = event_for(db.session, current_user, event_id)
    if current_user.role not in ("admin", "coordinator") or not PublishForm().validate_on_submit():
        abort(404)
    return event


@bp.post("/staff/events/<int:event_id>/details")
@change_limit
@login_required
def change_details(event_id: int):
    event = _changeable(event_id)
    try:
        form, now = request.form, utcnow()
        changed = update_details(db.session, event, form, current_user, now, text_settings())
        db.session.commit()
        moved = {"location", "room"} & set(changed)
        flash("Saved. Booked people are texted the new place." if moved else "Saved.", "info")
    except ValidationError as exc:
        db.session.rollback()
        flash(" ".join(exc.errors.values()), "error")
    return redirect(url_for("events.detail", event_id=event.id))


@bp.post("/staff/events/<int:event_id>/cancel")
@change_limit
@login_required
def cancel(event_id: int):
    event = _changeable(event_id)
    if request.form.get("confirm") != "yes":
        flash("Tick the box to confirm cancelling the whole event.", "error")
        return redirect(url_for("events.detail", event_id=event.id))
    now, texts = utcnow(), text_settings()
    line = event.kind == "line" and event.status != "cancelled"  # not again on a second tap
    cancelled = cancel_event(db.session, event, current_user, now, texts)
    in_line = tell_line_cancelled(db.session, event, now, texts) if line else 0
    db.session.commit()
    told = in_line + len(cancelled)
    who = (
        ("person in the line", "people in the line")
        if event.kind == "line"
        else ("booked person", "booked people")
    )
    verb = "is" if told == 1 else "are"
    flash(f"Event cancelled. {told} {who[told != 1]} {verb} being texted.", "info")
    return redirect(url_for("events.detail", event_id=event.id))


@bp.route("/staff/events/<int:event_id>/edit", methods=["GET", "POST"])
@change_limit
@login_required
def edit(event_id: int):
    """Date, hours and chairs; bookings in times that would go are listed before anything goes."""
    event = event_for(db.session, current_user, event_id)
    if current_user.role not in ("admin", "coordinator"):
        abort(404)
    if event.status in ("cancelled", "completed"):
        flash(f"A {event.status} event cannot be changed.", "error")
        return redirect(url_for("events.detail", event_id=event.id))
    form = EventForm(data=event_fields(event))
    if event.timezone not in COMMON_ZONES:
        form.timezone.choices = [event.timezone, *COMMON_ZONES]
    if not form.validate_on_submit():
        return _edit_page(event, form)
    confirm = request.form.get("confirm_cancellations") == "yes"
    shown = request.form.getlist("cancel_ids", type=int) if confirm else None
    raw, now = {name: form[name].data for name in SCHEDULE}, utcnow()
    try:
        result = change_schedule(
            db.session, event, raw, current_user, now, text_settings(), confirm, shown
        )
    except (ValidationError, ScheduleConflict) as exc:
        db.session.rollback()
        return _edit_page(event, form, exc)
    db.session.commit()
    flash(result.summary(), "info")
    return redirect(url_for("events.detail", event_id=event.id))


def _edit_page(event, form: EventForm, error: ValidationError | ScheduleConflict | None = None):
    show_field_errors(form, getattr(error, "errors", {}), event.timezone)
    conflict = error if isinstance(error, ScheduleConflict) else None
    status = error.status if error else (422 if form.errors else 200)
    page = render_template(
        "events/edit.html", event=event, form=form, conflict=conflict,
        slots=slot_count(db.session, event),
    )  # fmt: skip
    return page, status
