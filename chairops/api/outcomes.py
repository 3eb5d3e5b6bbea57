"""The outcomes endpoints of the JSON API, on the API blueprint: the after score, the reports."""

from __future__ import annotations

from flask import Response, current_app, jsonify, request
from flask_login import current_user, login_required

from ..errors import BookingNotFound, ValidationError
from ..extensions import db
from ..models import utcnow
from ..outcomes import rules
from ..outcomes.report import (
    Report,
    Settings,
    company_report,
    event_report,
    record_view,
    report_csv,
    reportable_company,
    reportable_event,
)
from ..outcomes.service import record_pain_after
from ..tablet.service import booking_for_staff
from .views import bp, json_body


def _answer(report: Report):
    """JSON, or the same aggregates as CSV when the client asks for text/csv."""
    if request.accept_mimetypes.best_match(["application/json", "text/csv"]) == "text/csv":
        return Response(report_csv(report), mimetype="text/csv")
    return jsonify(report.as_dict())


@bp.put("/bookings/<int:booking_id>/pain-after")
@login_required
def put_pain_after(booking_id: int):
    if not rules.storable_id(booking_id):
        raise BookingNotFound()
    booking = booking_for_staff(db.session, current_user, booking_id)
    screen = record_pain_after(db.session, booking, json_body().get("score"), utcnow())
    db.session.commit()
    return jsonify(booking={"id": booking.id, "pain_after": screen.pain_after})


@bp.get("/events/<int:event_id>/outcomes")
@login_required
def event_outcomes(event_id: int):
    event = reportable_event(db.session, current_user, event_id)
    now = utcnow()
    report = event_report(db.session, event, now, Settings.from_config(current_app.config))
    record_view(db.session, current_user, event, report, now, format="api")
    db.session.commit()
    return _answer(report)


@bp.get("/companies/<int:company_id>/outcomes")
@login_required
def company_outcomes(company_id: int):
    company = reportable_company(db.session, current_user, company_id)
    try:
        first, last = rules.parse_range(request.args.get("from"), request.args.get("to"))
    except rules.InvalidInput as exc:
        raise ValidationError(exc.errors) from exc
    now = utcnow()
    report = company_report(
        db.session, company, first, last, now, Settings.from_config(current_app.config)
    )
    dates = {"from": first.isoformat(), "to": last.isoformat()}
    record_view(db.session, current_user, company, report, now, format="api", **dates)
    db.session.commit()
    return _answer(report)
