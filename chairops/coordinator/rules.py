"""The coordinator's view of an event: slot states, fill, the chart's geometry, safe CSV. Pure."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import NamedTuple
from zoneinfo import ZoneInfo

# What a slot shows on the chart, bottom of a bar to top.
SEGMENTS = ("attended", "booked", "no_show", "free")
SEGMENT_LABELS = {
    "attended": "Arrived or done",
    "booked": "Booked",
    "no_show": "No-show",
    "free": "Free",
}
ATTENDED = ("checked_in", "in_service", "completed")
# The segment each booking status puts its slot in; of its bookings' segments, a slot shows the
# one that comes first in SEGMENTS (slot_state says the same; the database counts with this).
STATUS_SEGMENTS = {
    **dict.fromkeys(ATTENDED, "attended"),
    "booked": "booked",
    "no_show": "no_show",
}
ROSTER_STATUS_LABELS = {
    "booked": "Booked",
    "checked_in": "Checked in",
    "in_service": "In the chair",
    "completed": "Done",
    "no_show": "No-show",
    "cancelled": "Cancelled",
}
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def slot_state(statuses: Iterable[str]) -> str:
    """The chart segment of one slot, from the statuses of the bookings it ever had."""
    seen = set(statuses)
    if seen & set(ATTENDED):
        return "attended"
    if "booked" in seen:
        return "booked"
    # A no-show frees the slot; it counts as a no-show until someone else takes it.
    return "no_show" if "no_show" in seen else "free"


class Tally(NamedTuple):
    """How the slots of one start time (or of a whole event) stand."""

    attended: int = 0
    booked: int = 0
    no_show: int = 0
    free: int = 0

    @property
    def slots(self) -> int:
        return self.attended + self.booked + self.no_show + self.free

    @property
    def taken(self) -> int:
        return self.attended + self.booked

    @property
    def claimed(self) -> int:
        """Slots someone booked, whether or not they came."""
        return self.attended + self.booked + self.no_show

    @property
    def utilization_percent(self) -> int | None:
        """Share of all slots where someone actually sat down; None for an event with none."""
        return round(self.attended * 100 / self.slots) if self.slots else None

    @property
    def fill_percent(self) -> int:
        """Share of slots that hold a booking, rounded down so 'full' means every slot."""
        return self.taken * 100 // self.slots if self.slots else 0


def tally(states: Iterable[str]) -> Tally:
    """Count slot states into a Tally."""
    counts = Counter(states)
    return Tally(**{name: counts[name] for name in SEGMENTS})


def combine(tallies: Iterable[Tally]) -> Tally:
    """The sum of several tallies (a whole event, or many events)."""
    return Tally(*(sum(column) for column in zip(Tally(), *tallies, strict=True)))


def attendance_percent(attended: int, no_show: int) -> int | None:
    """Of the people whose turn has been settled, the share who came; None before anyone."""
    settled = attended + no_show
    return round(attended * 100 / settled) if settled else None


def event_ended(day: dt.date, end: dt.time, tz: str, now: dt.datetime) -> bool:
    """Whether the event's last slot is over, judged in the event's own time zone."""
    return now >= dt.datetime.combine(day, end, tzinfo=ZoneInfo(tz))


class Page(NamedTuple):
    """One page of a list that is `total` items long, pages numbered from 1."""

    number: int
    size: int
    total: int

    @property
    def count(self) -> int:
        """How many pages the list has; an empty list still has its first, empty page."""
        return max(1, -(-self.total // self.size))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.count


def page_of(raw: str | None, size: int, total: int) -> Page | None:
    """The page a `?page=` value asks for (none: the first), or None when there is no such page."""
    text = (raw or "1").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 6:
        return None
    page = Page(int(text), size, total)
    return page if 1 <= page.number <= page.count else None


def local_day(tz: str, now: dt.datetime) -> dt.date:
    """Today's date where the event happens."""
    return now.astimezone(ZoneInfo(tz)).date()


class Bar(NamedTuple):
    """One column of the fill chart: a start time and its stacked segments."""

    label: str
    tick: bool  # the first column of an hour carries its hour label
    x: float
    width: float
    rects: list[tuple[str, float, float]]  # (segment, y, height), bottom first
    tally: Tally


class Chart(NamedTuple):
    """Geometry of the fill chart, in the units of its SVG viewBox."""

    width: float
    height: float
    plot_top: float
    plot_bottom: float
    left: float
    bars: list[Bar]
    gridlines: list[tuple[int, float]]  # (chairs, y)


CHART_HEIGHT = 220
CHART_TOP = 24
CHART_BOTTOM = 180
CHART_LEFT = 34
COLUMN_WIDTH = 26
MAX_BAR_WIDTH = 44
MIN_PLOT_WIDTH = 560


def fill_chart(columns: Sequence[tuple[str, str, Tally]]) -> Chart:
    """Stacked bars, one per start time: columns are (time label, hour label, tally)."""
    most = max((t.slots for _, _, t in columns), default=0) or 1
    plot_width = max(MIN_PLOT_WIDTH, COLUMN_WIDTH * len(columns))
    step = plot_width / max(len(columns), 1)
    scale = (CHART_BOTTOM - CHART_TOP) / most
    bars, last_hour = [], None
    for index, (label, hour, counts) in enumerate(columns):
        rects, y = [], float(CHART_BOTTOM)
        for name in SEGMENTS:
            height = getattr(counts, name) * scale
            if height:
                y -= height
                rects.append((name, round(y, 2), round(height, 2)))
        width = min(step * 0.76, MAX_BAR_WIDTH)
        x = CHART_LEFT + index * step + (step - width) / 2
        bars.append(Bar(label, hour != last_hour, round(x, 2), round(width, 2), rects, counts))
        last_hour = hour
    gridlines = [(n, round(CHART_BOTTOM - n * scale, 2)) for n in _grid_steps(most)]
    width = CHART_LEFT + plot_width + 8
    return Chart(width, CHART_HEIGHT, CHART_TOP, CHART_BOTTOM, CHART_LEFT, bars, gridlines)


def _grid_steps(most: int) -> list[int]:
    step = 1 if most <= 6 else 2 if most <= 12 else 5
    return list(range(0, most + 1, step))


def spreadsheet_safe(value: str) -> str:
    """A cell a spreadsheet shows as text, never runs: attendees type their own names."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def export_filename(title: str, day: dt.date) -> str:
    """'roster-2026-12-03-wellness-wednesday.csv', in plain ASCII for every browser."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:40].strip("-")
    return f"roster-{day.isoformat()}{'-' + slug if slug else ''}.csv"
