"""The coordinator's pages: dashboard, roster export, and the share kit (QR code and poster)."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_login import current_user

from ..accounts.reach import event_for
from ..accounts.views import roles_required
from ..extensions import db
from ..models import Event, utcnow
from ..seating.availability import slot_count
from ..web import public_url
from . import rules
from .service import dashboard, past_events_page, record_roster_export, roster, roster_csv
from .share import qr_file, qr_inline_svg, require_signup_open

bp = Blueprint("coordinator", __name__)

STAFF = ("admin", "coordinator")
QR_TYPES = {"svg": "image/svg+xml", "png": "image/png"}


def render_dashboard():
    """The coordinator's home page (/staff): events coming up and past, with fill."""
    if request.args.get("past") == "all":
        return render_past_events()
    board = dashboard(db.session, current_user, utcnow())
    return render_template("coordinator/dashboard.html", board=board, labels=rules.SEGMENT_LABELS)


def render_past_events():
    """Every past event (/staff?past=all), newest first, a page at a time."""
    listing = past_events_page(db.session, current_user, utcnow(), request.args.get("page"))
    return render_template("coordinator/past.html", listing=listing)


def _signup_link(event: Event) -> str:
    return public_url("booking.event_page", share_token=event.share_token)


@bp.get("/staff/events/<int:event_id>/roster.csv")
@roles_required(*STAFF)
def roster_export(event_id: int):
    event = event_for(db.session, current_user, event_id)
    people = roster(db.session, event)
    body = roster_csv(event, people)
    record_roster_export(db.session, current_user, event, len(people), utcnow())
    db.session.commit()
    filename = rules.export_filename(event.title, event.date)
    return Response(
        "\ufeff" + body,  # the byte-order mark makes Excel read UTF-8 names right
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@bp.get("/staff/events/<int:event_id>/share")
@roles_required(*STAFF)
def share_kit(event_id: int):
    event = event_for(db.session, current_user, event_id)
    require_signup_open(event)
    link = _signup_link(event)
    return render_template(
        "coordinator/share.html",
        event=event,
        link=link,
        qr=qr_inline_svg(link, f"QR code for {link}"),
        slots=slot_count(db.session, event),
    )


@bp.get("/staff/events/<int:event_id>/poster")
@roles_required(*STAFF)
def poster(event_id: int):
    event = event_for(db.session, current_user, event_id)
    require_signup_open(event)
    link = _signup_link(event)
    action = "Scan to join the line" if event.kind == "line" else "Scan to book"
    qr = qr_inline_svg(link, f"{action}: {link}")
    return render_template("coordinator/poster.html", event=event, link=link, qr=qr)


@bp.get("/staff/events/<int:event_id>/qr.<any(svg, png):kind>")
@roles_required(*STAFF)
def qr_download(event_id: int, kind: str):
    event = event_for(db.session, current_user, event_id)
    require_signup_open(event)
    filename = f"sign-up-qr-{event.date.isoformat()}.{kind}"
    return Response(
        qr_file(_signup_link(event), kind),
        mimetype=QR_TYPES[kind],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
