"""The lean statements give what SQLAlchemy's own execution gives, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Integer, bindparam, func, inspect, literal, select, text
from sqlalchemy import event as sa_event
from sqlalchemy.exc import DBAPIError

from chairops.booking.service import event_by_share_token, event_with_times
from chairops.clock import utcnow
from chairops.driversql import DriverStatement
from chairops.models import Booking, Event, Slot
from chairops.seating.availability import TimeOption, time_options, times_query


def test_rows_hold_the_values_session_execute_gives(make, session, backend):
    event = make.event()
    event.signup_opens_at = dt.datetime(2026, 1, 2, 3, 4, 5, 678900, tzinfo=dt.UTC)
    session.commit()
    statement = (
        select(Event.__table__, Slot.starts_at, Slot.ends_at)
        .join(Slot, Slot.event_id == Event.id)
        .where(Event.id == bindparam("event_id"), Slot.starts_at > bindparam("after"))
        .order_by(Slot.id)
    )
    first = session.scalar(select(func.min(Slot.starts_at)).where(Slot.event_id == event.id))
    params = {"event_id": event.id, "after": first}
    lean = DriverStatement(statement).rows(session, params)
    expected = [tuple(row) for row in session.execute(statement, params)]
    assert lean == expected and len(lean) > 1
    assert [type(v) for v in lean[0]] == [type(v) for v in expected[0]]  # dates, times, UTC
    assert lean[0].signup_opens_at == event.signup_opens_at and lean[0].starts_at.tzinfo


def test_an_expanding_in_is_refused(session, backend):
    statement = select(Booking.id).where(Booking.status.in_(["booked", "cancelled"]))
    with pytest.raises(ValueError, match="IN lists inline"):
        DriverStatement(statement).rows(session, {})


def test_statements_run_as_sqlalchemy_runs_them_events_and_errors_alike(session, backend):
    """Cursor events see the statement (the round-trip tests count with them), and a failing
    statement raises SQLAlchemy's wrapped error, as session.execute would."""
    seen = []

    def spy(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    engine = session.get_bind()
    sa_event.listen(engine, "before_cursor_execute", spy)
    try:
        (row,) = DriverStatement(select((literal(41, Integer) + 1).label("n"))).rows(session, {})
        assert row.n == 42 and len(seen) == 1 and "SELECT" in seen[0]
        missing = DriverStatement(text("SELECT n FROM no_such_table").columns(n=Integer))
        with pytest.raises(DBAPIError) as raised:
            missing.rows(session, {})
        assert "no_such_table" in str(raised.value) and len(seen) == 2
    finally:
        sa_event.remove(engine, "before_cursor_execute", spy)
        session.rollback()


def test_the_loaded_event_is_the_event_a_query_loads(make, session, backend):
    event = make.event(room="Room 4")
    token, event_id, country = event.share_token, event.id, event.company.country
    stored = session.execute(select(Event.__table__).where(Event.id == event_id)).one()
    for load in (lambda: event_with_times(session, token, utcnow())[0],
                 lambda: event_by_share_token(session, token)):  # fmt: skip
        session.expunge_all()
        lean = load()
        assert inspect(lean).persistent and not session.dirty and not session.new
        for attr in inspect(Event).column_attrs:
            assert getattr(lean, attr.key) == getattr(stored, attr.key), attr.key
        assert lean.company.country == country  # its relations load as a queried event's do


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    claims=st.lists(st.tuples(st.integers(0, 7), st.integers(0, 30)), max_size=12),
    cancel_every=st.integers(2, 5),
    minutes_on=st.integers(0, 200),
)
def test_free_times_agree_with_sqlalchemys_own_execution(
    make, session, backend, claims, cancel_every, minutes_on
):
    """Random bookings and cancellations, read at random moments of the day before and of it."""
    event = make.event(chairs=2, end_time="12:00")
    starts = [o.start for o in time_options(session, event)]
    for index, (slot, n) in enumerate(claims):
        free = [o.start for o in time_options(session, event, utcnow()) if o.available]
        if starts[slot % len(starts)] in free:
            booking, _ = make.booking(event, n=n + 100 * index, start=starts[slot % len(starts)])
            if index % cancel_every == 0:
                booking.status = "cancelled"
                session.commit()
    now = starts[0] - dt.timedelta(hours=1) + dt.timedelta(minutes=minutes_on)
    loaded, options = event_with_times(session, event.share_token, now)
    assert loaded is event  # the session's own copy wins
    portable = session.execute(times_query(event.id, now).order_by(Slot.starts_at))
    expected = [TimeOption(start, end, int(free)) for start, end, free in portable]
    assert options == expected == time_options(session, event, now)
