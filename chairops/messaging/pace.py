"""SMS_RATE_PER_SECOND for the whole service, however many clock processes send.

Every dispatcher takes its next sending moments from one shared row (send_pace) before it
sends: a reservation moves the row's `next_at` forward with a compare-and-set, so two clocks
never take the same moment and together they stay under the cap.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from ..models import SendPace, utcnow

NAME = "sms"


class SharedPace:
    """Call before each text: sleeps until this process's next reserved moment to send."""

    def __init__(
        self,
        engine: Engine,
        rate: float,
        *,
        name: str = NAME,
        clock: Callable[[], dt.datetime] = utcnow,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.engine, self.name, self.clock, self.sleep = engine, name, clock, sleep
        self.step = dt.timedelta(seconds=1 / rate)
        # One moment at a time at the usual rates (a tiny transaction per text); at high rates a
        # twentieth of a second of them, so few are left unused when a send runs late.
        self.batch = max(1, int(rate / 20))
        self._next: dt.datetime | None = None
        self._left = 0

    def __call__(self) -> None:
        # A moment already past is given up, not used late: late texts would bunch up with
        # the moments other clocks hold, and the service would go over the cap.
        if self._left == 0 or self._next < self.clock():
            self._next, self._left = self.reserve(self.batch), self.batch
        delay = (self._next - self.clock()).total_seconds()
        if delay > 0:
            self.sleep(delay)
        self._next += self.step
        self._left -= 1

    def reserve(self, count: int) -> dt.datetime:
        """Take the next `count` sending moments of the whole service; return the first."""
        for _ in range(100):
            with self.engine.begin() as conn:
                stored = conn.scalar(select(SendPace.next_at).where(SendPace.name == self.name))
                now = self.clock()
                start = max(stored or now, now)
                if self._swap(conn, stored, start + count * self.step):
                    return start
        raise RuntimeError("could not reserve a sending moment (too much contention)")

    def _swap(self, conn, stored: dt.datetime | None, new: dt.datetime) -> bool:
        """Move next_at from what this process read to `new`, unless another moved it first."""
        if stored is None:
            try:
                with conn.begin_nested():
                    conn.execute(insert(SendPace).values(name=self.name, next_at=new))
                return True
            except IntegrityError:
                return False
        moved = conn.execute(
            update(SendPace)
            .where(SendPace.name == self.name, SendPace.next_at == stored)
            .values(next_at=new)
        )
        return moved.rowcount == 1
