"""The employee's phone pages: pick a time, claim it, see it, move or cancel it. No JavaScript."""

from __future__ import annotations

from itertools import groupby

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf import FlaskForm

from .. import waitlist
from ..errors import (
    AlreadyBooked,
    AlreadyWaiting,
    MonthlyCapReached,
    PriorityWindow,
    SignupClosed,
    SlotTaken,
    ValidationError,
    WaitlistClosed,
)
from ..extensions import change_limit, db
from ..formatting import hour_label
from ..models import utcnow
from ..seating import fairness
from ..seating.availability import signup_open, time_options
from ..web import end_refused_change, reads_without_transaction, text_settings
from .calendar import booking_ics
from .service import (
    Claim,
    booking_by_token,
    cancel_booking,
    claim_slot,
    claim_without_transaction,
    event_with_times,
    move_booking,
    screen_open,
)

bp = Blueprint("booking", __name__)
TAKEN = "Sorry, someone just took that time. Here are the nearest free times."


class TokenForm(FlaskForm):
    """CSRF only: the fields are read by the service, which names any bad one."""


def grouped_by_hour(options, tz: str):
    """[(hour label, [options])] for the time picker."""
    return [
        (label, list(group))
        for label, group in groupby(options, key=lambda o: hour_label(o.start, tz))
    ]


@bp.route("/e/<share_token>", methods=["GET", "POST"])
@change_limit
def event_page(share_token: str):
    form, now = TokenForm(), utcnow()
    if request.method == "GET":
        reads_without_transaction()
    elif request.form.get("action") != "waitlist":  # joining the waitlist takes a transaction
        claim_without_transaction(db.session)
    event, options = event_with_times(db.session, share_token, now)
    if event.kind == "line":  # the poster's QR code leads here: a walk-up line is joined instead
        return redirect(url_for("walkup.join_page", share_token=share_token), 303)
    page: dict = {"values": {}, "errors": {}, "notice": None, "nearest": None, "held_until": None}
    status = 200
    if form.validate_on_submit():
        values = request.form.to_dict()
        joining = values.get("action") == "waitlist"
        outcome = (_join_from_form if joining else _claim_from_form)(event, values, now, page)
        if isinstance(outcome, str):
            return redirect(outcome, 303)
        status = outcome
    elif form.is_submitted():
        page["notice"], status = "This page was open too long. Please choose your time again.", 400
    if form.is_submitted():
        options = time_options(db.session, event, now)  # the claim changed what is free
    free = page["nearest"] or [o for o in options if o.available > 0]
    opens = event.signup_opens_at  # a programme's date opens on a schedule: say when
    return render_template(
        "booking/event.html",
        event=event,
        form=form,
        groups=grouped_by_hour(free, event.timezone),
        open=signup_open(event, now),
        full=not any(o.available for o in options),
        waitlist_open=waitlist.waitlist_open(db.session, event, now, options),
        signup_opens=opens if opens and now < opens else None,
        priority_until=fairness.window_end(db.session, event, now),
        **page,
    ), status


def _join_from_form(event, values: dict, now, page: dict) -> str | int:
    """Join the waitlist from the posted form: the place's URL, else the status to answer."""
    page["values"] = values
    joiner = waitlist.Joiner(
        values.get("name", ""), values.get("phone", ""), values.get("sms_consent") == "yes"
    )
    try:
        _, token = waitlist.join(db.session, event, joiner, now, text_settings())
        db.session.commit()
        return url_for("waitlist.place", token=token, new=1)
    except ValidationError as exc:
        db.session.rollback()
        page["errors"] = exc.errors
        return 422
    except MonthlyCapReached as exc:
        db.session.rollback()
        page["notice"] = exc.detail
        return 409
    except (WaitlistClosed, AlreadyWaiting, AlreadyBooked) as exc:
        db.session.rollback()
        page["notice"] = {
            WaitlistClosed: "Good news: a chair just freed up. Pick a time below.",
            AlreadyWaiting: "This number is on the waitlist already. Your link came by text.",
            AlreadyBooked: "This number already has a booking here. Use the link in your text.",
        }[type(exc)]
        return 409


def _claim_from_form(event, values: dict, now, page: dict) -> str | int:
    """Claim from the posted form: the manage URL on success, else the status to answer with."""
    page["values"] = values
    claim = Claim(
        name=values.get("name", ""),
        phone=values.get("phone", ""),
        start=values.get("start", ""),
        sms_consent=values.get("sms_consent") == "yes",
        email=values.get("email") or None,
    )
    try:
        _, token = claim_slot(db.session, event, claim, now, texts=text_settings())
        db.session.commit()
        return url_for("booking.manage", token=token, new=1)
    except ValidationError as exc:
        db.session.rollback()
        page["errors"] = exc.errors
        return 422
    except SlotTaken as exc:
        end_refused_change()
        values.pop("start", None)
        page["nearest"] = exc.next_times
        page["notice"] = TAKEN if exc.next_times else "Sorry, someone just took the last free time."
        return 409
    except AlreadyBooked:
        end_refused_change()
        page["notice"] = "This number already has a booking here. Use the link in your text."
        return 409
    except PriorityWindow as exc:
        db.session.commit()  # keep the count of people the priority window turned away
        page["held_until"] = exc.ends_at  # the page says when, and offers the line
        return 409
    except MonthlyCapReached as exc:
        db.session.rollback()
        page["notice"] = exc.detail
        return 409


@bp.get("/b/<token>")
def manage(token: str):
    booking = booking_by_token(db.session, token)
    now = utcnow()
    free = [o for o in time_options(db.session, booking.event, now) if o.available > 0]
    return render_template(
        "booking/manage.html",
        booking=booking,
        event=booking.event,
        token=token,
        form=TokenForm(),
        groups=grouped_by_hour(
            [o for o in free if o.start != booking.slot.starts_at], booking.event.timezone
        ),
        can_change=booking.status == "booked" and signup_open(booking.event, now),
        screen_open=screen_open(booking, now),
        new=request.args.get("new") == "1",
    )


@bp.get("/b/<token>/cancel")
def confirm_cancel(token: str):
    """Ask first: one stray tap must not give a chair away."""
    booking = booking_by_token(db.session, token)
    if booking.status not in ("booked", "checked_in"):
        return redirect(url_for("booking.manage", token=token), 303)
    return render_template("booking/cancel.html", booking=booking, event=booking.event, token=token)


@bp.post("/b/<token>/cancel")
@change_limit
def cancel(token: str):
    booking = booking_by_token(db.session, token)
    if TokenForm().validate_on_submit():
        cancel_booking(db.session, booking, utcnow(), texts=text_settings())
        db.session.commit()
        flash("Your booking is cancelled. We hope to see you another time.", "info")
    return redirect(url_for("booking.manage", token=token), 303)


@bp.post("/b/<token>/move")
@change_limit
def move(token: str):
    booking = booking_by_token(db.session, token)
    if not TokenForm().validate_on_submit():
        return redirect(url_for("booking.manage", token=token), 303)
    try:
        start = request.form.get("start", "")
        move_booking(db.session, booking, start, utcnow(), token=token, texts=text_settings())
        db.session.commit()
        flash("Done. Your new time is below.", "info")
    except (ValidationError, SlotTaken, SignupClosed) as exc:
        db.session.rollback()
        flash(_move_failure_message(exc), "error")
    return redirect(url_for("booking.manage", token=token), 303)


def _move_failure_message(exc) -> str:
    if isinstance(exc, SlotTaken):
        return "That time just filled up. Please pick another."
    if isinstance(exc, ValidationError):
        return " ".join(exc.errors.values())
    return exc.detail


@bp.get("/b/<token>/calendar.ics")
def calendar(token: str):
    booking = booking_by_token(db.session, token)
    manage_url = current_app.config["PUBLIC_BASE_URL"] + url_for("booking.manage", token=token)
    body = booking_ics(booking, manage_url, current_app.config["BRAND_NAME"])
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": 'attachment; filename="chair-massage.ics"'},
    )
