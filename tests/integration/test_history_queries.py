"""The dashboard and "all past events" read a bounded piece of history, with the same answers.

The reference is the dashboard as it was before issue 14: every event the user may see, split
by rules.event_ended, past events newest first.
"""

import datetime as dt

import pytest

from chairops.accounts.reach import events_for
from chairops.coordinator import rules, service
from chairops.errors import NotFound
from chairops.events.service import create_event, validate_event

NOW = dt.datetime(2026, 12, 3, 5, 0, tzinfo=dt.UTC)
# The far west, the east coast and the far east: "over" differs on the same date.
ZONES = ("Etc/GMT+12", "America/New_York", "Pacific/Kiritimati")
EVENT = dict(title="Day", location="1 Main Street", timezone="America/New_York", chairs=1,
             slot_minutes=15, buffer_minutes=5, start_time="10:00", end_time="10:20")  # fmt: skip
HOURS = (("09:00", "09:20"), ("23:30", "23:50"))


def newest_first(events):
    return sorted(events, key=lambda e: (e.date, e.start_time, e.id), reverse=True)


def reference(session, user):
    """(ids coming up soonest first, ids past newest first) from every event, as before."""
    events = events_for(session, user)
    over = [e for e in events if rules.event_ended(e.date, e.end_time, e.timezone, NOW)]
    coming = [e for e in events if e not in over]
    coming.sort(key=lambda e: (e.date, e.start_time, e.id))
    return [e.id for e in coming], [e.id for e in newest_first(over)]


@pytest.fixture
def history(make, session):
    """Events from three days before NOW to a day after, in three zones, early and late."""
    coordinator = make.user("coordinator")
    company = coordinator.company
    for days in range(-3, 2):
        for zone in ZONES:
            for start, end in HOURS:
                day = (NOW + dt.timedelta(days=days)).date().isoformat()
                fields = {"date": day, "timezone": zone, "start_time": start, "end_time": end}
                create_event(session, company, validate_event(EVENT | fields))
    # Two events at the same day and time: the id keeps their order the same on every page.
    for _ in range(2):
        create_event(session, company, validate_event(EVENT | {"date": "2026-11-20"}))
    session.commit()
    make.event(date="2026-11-21", title="Another company's")
    return coordinator


def test_dashboard_and_pages_split_and_order_history_as_before(
    session, make, backend, history, monkeypatch
):
    for user in (history, make.user("admin")):
        coming, past = reference(session, user)
        board = service.dashboard(session, user, NOW)
        assert [s.event.id for s in board.upcoming] == coming
        assert [s.event.id for s in board.past] == past[: service.RECENT_PAST]
        assert board.past_count == len(past)
        every = service.dashboard(session, user, NOW, past_limit=None)
        assert [s.event.id for s in every.past] == past

    # Page by page, every past event comes once, in the same order.
    monkeypatch.setattr(service, "PAST_PAGE_SIZE", 7)
    _, past = reference(session, history)
    first = service.past_events_page(session, history, NOW, None)
    assert first.page.count == -(-len(past) // 7) and not first.page.has_previous
    seen = []
    for number in range(1, first.page.count + 1):
        listing = service.past_events_page(session, history, NOW, str(number))
        assert listing.page.has_next is (number < first.page.count)
        seen += [s.event.id for s in listing.events]
    assert seen == past
    for wrong in ("0", str(first.page.count + 1), "x"):
        with pytest.raises(NotFound):
            service.past_events_page(session, history, NOW, wrong)


def test_a_page_of_past_events_has_their_fill(session, make, backend):
    coordinator = make.user("coordinator")
    past = make.event(company=coordinator.company, days_ahead=-9, title="Done day")
    before = dt.datetime.combine(past.date, dt.time(0), tzinfo=dt.UTC) - dt.timedelta(days=1)
    came, _ = make.booking(past, n=1, now=before)
    missed, _ = make.booking(past, n=2, now=before)
    came.status, missed.status = "completed", "no_show"
    session.commit()
    listing = service.past_events_page(session, coordinator, dt.datetime.now(dt.UTC), None)
    assert [(s.event.title, s.tally) for s in listing.events] == [
        ("Done day", rules.Tally(attended=1, no_show=1, free=10))
    ]


def test_the_databases_tally_of_an_event_matches_its_slot_by_slot_fill(session, make, backend):
    event = make.event(chairs=2, start_time="10:00", end_time="11:00")  # 6 slots
    people = [make.booking(event, n=n)[0] for n in range(4)]
    people[0].status = "completed"
    people[1].status = "no_show"
    people[2].status = "cancelled"
    session.commit()
    # Someone takes the no-show's and the cancelled person's slots again.
    make.booking(event, n=10, start=people[1].slot.starts_at)
    make.booking(event, n=11, start=people[2].slot.starts_at)
    by_slot = rules.combine(tally for _, tally in service.fill_by_time(session, event))
    assert service.event_tallies(session, [event.id]) == {event.id: by_slot}
    assert by_slot == rules.Tally(attended=1, booked=3, no_show=0, free=2)
