"""The walk-up line's pages: joining and one's place on a phone (no JS needed), the kiosk at the
booth, and the tablet's "Call next" and "Not here" (a panel included in the chair page)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from ..accounts.reach import event_for
from ..accounts.views import roles_required
from ..booking.service import event_by_share_token
from ..errors import ChairopsError, ValidationError
from ..extensions import db, limiter
from ..models import utcnow
from ..screening.rules import attendee_advice
from ..screening.views import answers_from_form
from ..tablet.service import chair_for, queue_etag
from ..web import text_settings
from . import rules
from .calls import call_next, entry_for_staff, not_here
from .service import (
    AlreadyInLine,
    Joiner,
    LineClosed,
    LineScreenClosed,
    closed_reason,
    entry_by_token,
    join,
    join_state,
    leave,
    place_of,
    require_line,
    screen_outcome,
    take_screen,
    wait_for,
    waiting_count,
)
from .stats import panel_fingerprint, tablet_panel

bp = Blueprint("walkup", __name__)
staff = roles_required("therapist", "admin")
# Without JavaScript the place page reloads itself this often (seconds).
REFRESH_SECONDS = 20


class TokenForm(FlaskForm):
    """CSRF only: the service validates the fields and names any bad one."""


def line_settings() -> rules.LineSettings:
    """The walk-up line settings, from configuration."""
    config = current_app.config
    return rules.LineSettings(
        config["LINE_JOIN_EARLY_MINUTES"], config["LINE_GRACE_MINUTES"], config["LINE_NOTICE_PLACE"]
    )


def _limit() -> str:
    return current_app.config["CLAIM_RATE_LIMIT"]


def _screen_limit() -> str:
    return current_app.config["SCREEN_RATE_LIMIT"]


# --- Phones ------------------------------------------------------------------------------


def _line_front(event, now) -> dict:
    """What the join page and the kiosk show about the line right now."""
    cfg, waiting = line_settings(), waiting_count(db.session, event.id)
    state = join_state(db.session, event, now, cfg)
    return {
        "state": state,
        "reason": None if state == "open" else closed_reason(event, state, cfg),
        "waiting": waiting,
        "wait": wait_for(event, waiting + 1),
    }


@bp.route("/e/<share_token>/line", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"])
def join_page(share_token: str):
    event = event_by_share_token(db.session, share_token)
    if event.kind != "line":
        return redirect(url_for("booking.event_page", share_token=share_token))
    form, now, page = TokenForm(), utcnow(), {"values": {}, "errors": {}, "notice": None}
    status = 200
    if form.validate_on_submit():
        values = request.form.to_dict()
        joiner = Joiner(values.get("name", ""), values.get("phone", ""), "sms_consent" in values)
        try:
            _, token = join(db.session, event, joiner, now, line_settings())
            db.session.commit()
            return redirect(url_for("walkup.place", token=token, new=1), 303)
        except (ValidationError, AlreadyInLine, LineClosed) as exc:
            db.session.rollback()
            page["values"], status = values, exc.status
            page["errors"] = getattr(exc, "errors", {})
            page["notice"] = None if isinstance(exc, ValidationError) else exc.detail
    elif form.is_submitted():
        page["notice"], status = "This page was open too long. Please try again.", 400
    front = _line_front(event, now)
    return render_template("walkup/join.html", event=event, **front, **page), status


def _place_context(token: str) -> dict:
    entry = entry_by_token(db.session, token)
    place = place_of(db.session, entry)
    return {
        "place": place,
        "entry": entry,
        "event": entry.event,
        "token": token,
        "grace": current_app.config["LINE_GRACE_MINUTES"],
        "screened": screen_outcome(entry) is not None,
    }


def _place_etag(context: dict) -> str:
    place = context["place"]
    return queue_etag(
        [place.status, place.position, place.wait_minutes, place.chair, context["screened"]]
    )


@bp.get("/l/<token>")
def place(token: str):
    context = _place_context(token)
    live = context["place"].status in ("waiting", "called", "in_chair")
    return render_template(
        "walkup/place.html", refresh=REFRESH_SECONDS if live else None,
        new=request.args.get("new") == "1", **context,
    )  # fmt: skip


@bp.get("/l/<token>/live")
def live(token: str):
    """The place fragment for the page's light poll; unchanged answers 304 with no body."""
    context = _place_context(token)
    etag = _place_etag(context)
    headers = {"ETag": f'"{etag}"', "Cache-Control": "no-cache"}
    if etag in request.if_none_match:
        return "", 304, headers
    return render_template("walkup/_place.html", **context), 200, headers


@bp.post("/l/<token>/leave")
@limiter.limit(_limit)
def leave_line(token: str):
    entry = entry_by_token(db.session, token)
    if TokenForm().validate_on_submit():
        left = leave(db.session, entry, utcnow(), line_settings(), text_settings())
        db.session.commit()
        if left:
            flash("You left the line. Thanks for letting us know.", "info")
    return redirect(url_for("walkup.place", token=token), 303)


@bp.route("/l/<token>/screen", methods=["GET", "POST"])
@limiter.limit(_screen_limit, methods=["POST"])
def screen(token: str):
    entry = entry_by_token(db.session, token)
    if entry.status != "waiting":
        raise LineScreenClosed("Your therapist will go through the questions at the chair.")
    errors, status, values = {}, 200, entry.screen_answers or {}
    if TokenForm().validate_on_submit():
        values = answers_from_form(request.form)
        try:
            take_screen(db.session, entry, values, utcnow())
            db.session.commit()
            return redirect(url_for("walkup.screen_done", token=token), 303)
        except ValidationError as exc:
            db.session.rollback()
            errors, status = exc.errors, 422
    return render_template(
        "screening/screen.html", booking=entry, values=values, errors=errors
    ), status


@bp.get("/l/<token>/screen/done")
def screen_done(token: str):
    entry = entry_by_token(db.session, token)
    outcome = screen_outcome(entry)
    if outcome is None:
        return redirect(url_for("walkup.screen", token=token))
    return render_template(
        "walkup/screen_done.html", entry=entry, token=token, advice=attendee_advice(outcome),
        urgent=outcome.rule == "R1", no_massage=outcome.routine == "refer",
    )  # fmt: skip


# --- The kiosk at the booth ----------------------------------------------------------------


@bp.route("/staff/events/<int:event_id>/kiosk", methods=["GET", "POST"])
@login_required
def kiosk(event_id: int):
    """A tablet at the booth, signed in as staff: people without a phone join by name."""
    event = event_for(db.session, current_user, event_id)
    require_line(event)
    form, now, errors, notice, status = TokenForm(), utcnow(), {}, None, 200
    if form.validate_on_submit():
        try:
            entry, _ = join(db.session, event, Joiner(request.form.get("name")), now,
                            line_settings(), kiosk=True)  # fmt: skip
            db.session.commit()
            place = place_of(db.session, entry)
            return render_template("walkup/kiosk_done.html", event=event, place=place)
        except (ValidationError, LineClosed) as exc:
            db.session.rollback()
            errors, status = getattr(exc, "errors", {}), exc.status
            notice = None if errors else exc.detail
    front = _line_front(event, now)
    return render_template(
        "walkup/kiosk.html", event=event, errors=errors, notice=notice, **front
    ), status


# --- The tablet ----------------------------------------------------------------------------


@bp.app_template_global()
def line_panel(chair):
    """The line as the chair page's panel shows it (walkup/_tablet.html)."""
    return tablet_panel(db.session, chair)


def _back(chair) -> str:
    return url_for("tablet.chair", event_id=chair.event_id, number=chair.number)


@bp.post("/tablet/events/<int:event_id>/chairs/<int:number>/call-next")
@staff
def call(event_id: int, number: int):
    chair = chair_for(db.session, current_user, event_id, number)
    if TokenForm().validate_on_submit():
        last = request.form.get("last", "")
        try:
            entry = call_next(
                db.session, chair, utcnow(), line_settings(), text_settings(),
                expect_last=int(last) if last.isdigit() else None,
            )  # fmt: skip
            db.session.commit()
            flash(f"{entry.name} is called to chair {number}.", "info")
        except ChairopsError as exc:
            db.session.rollback()
            flash(exc.detail, "error")
    return redirect(_back(chair), 303)


@bp.post("/tablet/line-entries/<int:line_entry_id>/not-here")
@staff
def mark_not_here(line_entry_id: int):
    entry = entry_for_staff(db.session, current_user, line_entry_id)
    number = entry.chair_number
    chair = chair_for(db.session, current_user, entry.event_id, number) if number else None
    if TokenForm().validate_on_submit():
        try:
            not_here(db.session, entry, utcnow(), line_settings(), text_settings())
            db.session.commit()
            back = entry.status == "waiting"
            flash(f"{entry.name} {'goes back in line' if back else 'leaves the line'}.", "info")
        except ChairopsError as exc:
            db.session.rollback()
            flash(exc.detail, "error")
    return redirect(_back(chair) if chair else url_for("tablet.home"), 303)


@bp.get("/tablet/events/<int:event_id>/chairs/<int:number>/line")
@staff
def tablet_line(event_id: int, number: int):
    """The line panel fragment for polling; unchanged answers 304 with no body."""
    chair = chair_for(db.session, current_user, event_id, number)
    panel = tablet_panel(db.session, chair)
    etag = queue_etag(panel_fingerprint(panel))
    headers = {"ETag": f'"{etag}"', "Cache-Control": "no-cache"}
    if etag in request.if_none_match:
        return "", 304, headers
    context = {"panel": panel, "chair": chair, "event": chair.event}
    return render_template("walkup/_tablet_panel.html", **context), 200, headers
