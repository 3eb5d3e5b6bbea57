"""The waitlist's clock job looks only at events still to come, however long the history."""

from __future__ import annotations

import secrets

from chairops import waitlist
from chairops.config import TextSettings
from chairops.models import WaitlistEntry, utcnow
from chairops.tokens import hash_token
from tests.factories import phone
from tests.querycount import counting_queries

CFG = TextSettings("https://chairops.example", "Chairops")


def _past_event_left_running(make, session, n: int) -> None:
    """A past event still 'published' with someone waiting, as the app left them before."""
    event = make.event(days_ahead=-(5 + n))
    session.add(
        WaitlistEntry(
            event_id=event.id,
            name=f"Waiting {n}",
            phone=phone(500 + n),
            position=1,
            sms_consent_at=utcnow(),
            status="waiting",
            token_hash=hash_token(secrets.token_hex(8)),
        )  # fmt: skip
    )
    session.commit()


def _tick_statements(session) -> int:
    with counting_queries() as statements:
        waitlist.tick(session, utcnow(), CFG)
    session.commit()
    return len(statements)


def test_the_tick_reads_as_much_for_thirty_past_events_as_for_three(make, session, backend):
    make.event(days_ahead=1)  # one event still to come
    for n in range(3):
        _past_event_left_running(make, session, n)
    few = _tick_statements(session)
    for n in range(3, 30):
        _past_event_left_running(make, session, n)
    assert _tick_statements(session) == few
