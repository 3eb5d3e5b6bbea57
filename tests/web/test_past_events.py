"""Years of history cost what one day costs: the dashboard and "all past events", page by page."""

import datetime as dt

from sqlalchemy import event as sa_event

from chairops.coordinator import service
from chairops.models import Event
from tests.factories import PASSWORD
from tests.querycount import counting_queries


def sign_in(client, user):
    return client.post("/login", data={"email": user.email, "password": PASSWORD})


def add_past_events(make, session, company, days: range, title="Day"):
    """One past event a day, every tenth with a came and a no-show."""
    for n in days:
        event = make.event(company=company, days_ahead=-n, title=f"{title} minus {n}", chairs=1)
        if n % 10 == 0:
            before = dt.datetime.combine(event.date, dt.time(0), tzinfo=dt.UTC)
            came, _ = make.booking(event, n=2 * n, now=before - dt.timedelta(days=1))
            gone, _ = make.booking(event, n=2 * n + 1, now=before - dt.timedelta(days=1))
            came.status, gone.status = "completed", "no_show"
    session.commit()


def statements(client, url: str) -> int:
    with counting_queries() as seen:
        assert client.get(url).status_code == 200
    return len(seen)


def events_read(client, url: str) -> int:
    """How many event rows the request loads from the database."""
    loaded = []

    def count(target, context):
        loaded.append(target.id)

    sa_event.listen(Event, "load", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        sa_event.remove(Event, "load", count)
    return len(loaded)


def test_dashboard_and_past_pages_read_as_much_for_30_past_events_as_for_3(
    app, make, session, backend
):
    coordinator = make.user("coordinator")
    other = make.company("Globex")
    make.event(company=coordinator.company, title="Coming up")
    add_past_events(make, session, coordinator.company, range(1, 4))
    add_past_events(make, session, other, range(1, 2), title="Globex")
    clients = {"coordinator": app.test_client(), "admin": app.test_client()}
    sign_in(clients["coordinator"], coordinator)
    sign_in(clients["admin"], make.user("admin"))
    urls = ("/staff", "/staff?past=all")
    few = {(r, u): statements(c, u) for r, c in clients.items() for u in urls}

    add_past_events(make, session, coordinator.company, range(4, 31))
    add_past_events(make, session, other, range(2, 6), title="Globex")  # admins see its name
    many = {(r, u): statements(c, u) for r, c in clients.items() for u in urls}
    assert many == few
    # Only what is shown is read: the coming event and the eight most recent past ones.
    assert events_read(clients["coordinator"], "/staff") == 1 + service.RECENT_PAST
    page = clients["admin"].get("/staff?past=all").get_data(as_text=True)
    assert "Globex minus 5<" in page and '<span class="muted">Globex</span>' in page


def test_past_events_come_a_page_at_a_time_with_newer_and_older_links(
    client, make, session, monkeypatch
):
    monkeypatch.setattr(service, "PAST_PAGE_SIZE", 5)
    coordinator = make.user("coordinator")
    add_past_events(make, session, coordinator.company, range(1, 13))
    sign_in(client, coordinator)
    board = client.get("/staff").get_data(as_text=True)
    assert 'href="/staff?past=all#recent">Show all 12 past events' in board

    first = client.get("/staff?past=all").get_data(as_text=True)
    assert "12 events, newest first" in first and "Page 1 of 3" in first
    assert titles(first) == [f"Day minus {n}" for n in range(1, 6)]
    assert 'rel="next" href="/staff?past=all&amp;page=2"' in first and 'rel="prev"' not in first
    second = client.get("/staff?past=all&page=2").get_data(as_text=True)
    assert titles(second) == [f"Day minus {n}" for n in range(6, 11)]
    assert 'rel="prev" href="/staff?past=all"' in second
    assert 'rel="next" href="/staff?past=all&amp;page=3"' in second
    last = client.get("/staff?past=all&page=3").get_data(as_text=True)
    assert titles(last) == ["Day minus 11", "Day minus 12"]
    assert 'rel="prev" href="/staff?past=all&amp;page=2"' in last and 'rel="next"' not in last

    for page in ("0", "4", "-1", "two", "1.5", "99999999999"):
        answer = client.get(f"/staff?past=all&page={page}")
        assert answer.status_code == 404, page
        assert "There is no such page of past events." in answer.get_data(as_text=True)


def titles(page: str) -> list[str]:
    """The event titles the table of past events links to, top to bottom."""
    links = page.split("/staff/events/")[1:]
    return [link.split("<")[0].split(">")[1] for link in links]
