"""Outcome pages: the after score at the chair, the report per event and per company, its CSV.

Registering this blueprint also lets the Twilio inbound webhook hand bare numbers to the
follow-up service (messaging sits below outcomes and never imports it).
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

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
from flask_login import current_user
from flask_wtf import FlaskForm

from ..accounts.views import roles_required
from ..errors import BookingNotFound, ChairopsError, ValidationError
from ..extensions import db
from ..formatting import in_zone
from ..models import Company, utcnow
from ..tablet.service import booking_for_staff
from . import rules
from .report import (
    EveryCompany,
    Report,
    Settings,
    companies,
    company_report,
    event_report,
    record_view,
    report_csv,
    reportable_company,
    reportable_event,
)
from .service import answer_followup, pain_after_prompt, record_pain_after

bp = Blueprint("outcomes", __name__)
# The date furthest ahead anywhere: a default range that ends "today" leaves no finished event out.
LATEST_ZONE = "Pacific/Kiritimati"


class ActionForm(FlaskForm):
    """CSRF only."""


@bp.record_once
def _hear_replies(state) -> None:
    state.app.extensions["chairops.inbound_reply"] = answer_followup


@bp.app_template_global()
def pain_after_ask(view):
    """For the tablet: the person to ask "lower-back pain now", if any (see _pain_after.html)."""
    return pain_after_prompt(view.bookings.values())


@bp.post("/tablet/bookings/<int:booking_id>/pain-after")
@roles_required("therapist", "admin")
def pain_after(booking_id: int):
    """One tap on the tablet: the score right after the massage, or skip."""
    if not rules.storable_id(booking_id):
        raise BookingNotFound()
    booking = booking_for_staff(db.session, current_user, booking_id)
    chair = booking.slot.chair
    back = url_for("tablet.chair", event_id=chair.event_id, number=chair.number)
    if not ActionForm().validate_on_submit():
        return redirect(back, 303)
    skip = request.form.get("skip") == "yes"
    try:
        score = rules.form_score(request.form.get("score"))
        record_pain_after(db.session, booking, score, utcnow(), skip=skip)
        db.session.commit()
    except ChairopsError as exc:
        db.session.rollback()
        flash(exc.detail, "error")
        return redirect(back, 303)
    first = booking.name.split()[0]
    said = "skipped" if skip else f"{booking.screen.pain_after} of 10"
    flash(f"Lower-back pain now for {first}: {said}.", "info")
    return redirect(back, 303)


def _event_page(event_id: int) -> tuple:
    event = reportable_event(db.session, current_user, event_id)
    now = utcnow()
    report = event_report(db.session, event, now, Settings.from_config(current_app.config))
    return event, report, now


@bp.get("/staff/events/<int:event_id>/outcomes")
@roles_required("admin", "coordinator")
def event_page(event_id: int):
    event, report, now = _event_page(event_id)
    record_view(db.session, current_user, event, report, now, format="html")
    db.session.commit()
    return render_template("outcomes/event.html", event=event, **_shown(report))


@bp.get("/staff/events/<int:event_id>/outcomes.csv")
@roles_required("admin", "coordinator")
def event_csv(event_id: int):
    event, report, now = _event_page(event_id)
    record_view(db.session, current_user, event, report, now, format="csv")
    db.session.commit()
    return _csv(report, f"outcomes-{event.date.isoformat()}-event-{event.id}.csv")


class CompanyView(NamedTuple):
    company: Company | None  # None: every company (admins)
    first: dt.date
    last: dt.date
    report: Report
    now: dt.datetime

    @property
    def audit(self) -> dict:
        return {"from": self.first.isoformat(), "to": self.last.isoformat()}


def _company_view() -> CompanyView:
    """The company (or every company) and dates asked for; bad dates are a 422 naming them."""
    raw = request.args.get("company", "")
    if raw not in ("", "all") and not (raw.isascii() and raw.isdigit()):
        raise ValidationError({"company": "Choose a company from the list."})
    company_id = int(raw) if raw.isdigit() else None
    company = reportable_company(db.session, current_user, company_id)
    now = utcnow()
    today = in_zone(now, company.timezone if company else LATEST_ZONE).date()
    first = request.args.get("from") or (today - dt.timedelta(days=365)).isoformat()
    try:
        dates = rules.parse_range(first, request.args.get("to") or today.isoformat())
    except rules.InvalidInput as exc:
        raise ValidationError(exc.errors) from exc
    report = company_report(
        db.session, company, *dates, now, Settings.from_config(current_app.config)
    )
    return CompanyView(company, *dates, report, now)


def _company_view_recorded(shown_as: str) -> CompanyView:
    """The company view, its viewing written to the audit log (as html or csv)."""
    view = _company_view()
    subject = view.company or EveryCompany()
    record_view(
        db.session, current_user, subject, view.report, view.now, format=shown_as, **view.audit
    )
    db.session.commit()
    return view


@bp.get("/staff/outcomes")
@roles_required("admin", "coordinator")
def company_page():
    view = _company_view_recorded("html")
    choices = companies(db.session) if current_user.role == "admin" else []
    return render_template(
        "outcomes/company.html", view=view, companies=choices, **_shown(view.report)
    )


@bp.get("/staff/outcomes.csv")
@roles_required("admin", "coordinator")
def company_csv():
    view = _company_view_recorded("csv")
    who = f"company-{view.company.id}" if view.company else "every-company"
    return _csv(view.report, f"outcomes-{who}-{view.first.isoformat()}-{view.last.isoformat()}.csv")


def _shown(report: Report) -> dict:
    return {
        "report": report,
        "chart": rules.trend_chart(report.groups),
        "labels": rules.GROUP_LABELS,
        "measure_labels": rules.MEASURE_LABELS,
    }


def _csv(report: Report, filename: str) -> Response:
    return Response(
        report_csv(report),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
