"""What each staff member may reach: admins everything, coordinators their company's events,
therapists the events where they have a chair. Anything else is not found (404, never 403)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import EventNotFound
from ..models import Chair, Event, User


def events_for(session: Session, user: User) -> list[Event]:
    """The events a staff member may see, soonest first."""
    return list(
        session.scalars(_scoped(select(Event), user).order_by(Event.date, Event.start_time))
    )


def scoped_events(user: User):
    """A select of the events a staff member may see, to narrow and order further."""
    return _scoped(select(Event), user)


def event_for(session: Session, user: User, event_id: int) -> Event:
    """One event within the user's reach; anything else is EventNotFound (404, never 403)."""
    event = session.scalar(_scoped(select(Event), user).where(Event.id == event_id))
    if event is None:
        raise EventNotFound()
    return event


def _scoped(query, user: User):
    if user.role == "admin":
        return query
    if user.role == "coordinator":
        return query.where(Event.company_id == user.company_id)
    therapist_events = select(Chair.event_id).where(Chair.therapist_id == user.id)
    return query.where(Event.id.in_(therapist_events))
