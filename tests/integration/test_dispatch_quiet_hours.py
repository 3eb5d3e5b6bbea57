"""Tips never go out in the night, even when the dispatcher comes to them late (found by the
event-day simulator: tips due at 19:10 were sent by a dispatcher that came at 20:00)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from chairops.messaging.dispatch import dispatch_once
from chairops.messaging.outbox import enqueue
from chairops.models import Message
from tests.factories import phone

pytestmark = pytest.mark.usefixtures("backend")


def local(event, hhmm: str, days: int = 0) -> dt.datetime:
    day = event.date + dt.timedelta(days=days)
    moment = dt.datetime.combine(day, dt.time.fromisoformat(hhmm), ZoneInfo(event.timezone))
    return moment.astimezone(dt.UTC)


@pytest.mark.parametrize("kind", ["tips", "confirmation"])
def test_a_late_dispatcher_holds_tips_to_the_morning_but_not_other_texts(app, session, make, kind):
    event = make.event()
    message = enqueue(
        session, to=phone(1), kind=kind, body="Thanks for coming.", key=f"t:{kind}",
        send_at=local(event, "19:10"), event_id=event.id,
    )  # fmt: skip
    session.commit()
    with time_machine.travel(local(event, "20:00"), tick=False) as clock:
        counts = dispatch_once(app, rate_per_second=0)
        session.expire_all()
        held = session.get(Message, message.id)
        if kind != "tips":
            assert (counts.get("sent"), held.status) == (1, "sent")
            return
        assert (held.status, held.sent_at) == ("pending", None)
        assert held.next_attempt_at == local(event, "09:00", days=1)
        clock.move_to(local(event, "08:59", days=1))
        assert dispatch_once(app, rate_per_second=0) == {"claimed": 0}
        clock.move_to(local(event, "09:00", days=1))
        assert dispatch_once(app, rate_per_second=0) == {"claimed": 1, "sent": 1}
    session.expire_all()
    sent = session.get(Message, message.id)
    assert (sent.status, sent.sent_at) == ("sent", local(event, "09:00", days=1))
