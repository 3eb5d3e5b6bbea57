"""Does it help? Lower-back pain before, after and two days later, summed up so nobody stands out.

Pure: standard library only. What a report may show rests on four rules:

1. A routine group, or one of its scores, counted over fewer than `min_group` people shows no
   number ("fewer than 5").
2. The "all" group is the event's true total, so it is withheld too (complementary suppression)
   when it minus the routine groups shown would leave between 1 and min_group-1 people. Routine
   groups are never withheld for that reason: what a report shows of a routine is final.
3. A report over many events (a company over dates, every company) adds up only what each
   event's own report shows. Overlapping date ranges can be subtracted to isolate one event, so
   this is what keeps those subtractions from revealing more than the event report does.
4. Numbers count only once they can no longer change (the event's local day is over; the two-day
   replies are closed), so comparing a report before and after one more person cannot single
   that person out.

After and two-day scores count only next to a before score: a change needs a starting point.
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
from collections.abc import Iterable, Sequence
from typing import NamedTuple
from zoneinfo import ZoneInfo

ROUTINES = ("glute_exception", "standard", "modified", "refer")
ALL = "all"
GROUPS = (*ROUTINES, ALL)
MEASURES = ("before", "after", "two_days")
MIN_GROUP = 5
# About the smallest change people notice on the 0-10 numeric rating scale.
NOTICEABLE_DROP = 2
SCORES = range(0, 11)
FOLLOWUP_REPLY_DAYS = 7
MAX_ID = 2**31 - 1  # a 32-bit integer column; a larger id in a URL names nothing
# Time for the two-day text to wait for quiet hours and the clock, before replies close.
FOLLOWUP_SLACK = dt.timedelta(days=1)
GROUP_LABELS = {
    "glute_exception": "Glute exception",
    "standard": "Standard",
    "modified": "Modified",
    "refer": "No massage (referred)",
    ALL: "All",
}
MEASURE_LABELS = {"before": "Before", "after": "Right after", "two_days": "Two days later"}
_REPLY = re.compile(r"\s*(10|[0-9])\s*")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class Scores(NamedTuple):
    """One screened person who came: their routine and lower-back pain scores (None: not given)."""

    routine: str
    before: int | None = None
    after: int | None = None
    two_days: int | None = None


class Cell(NamedTuple):
    """The people a report counts for one group, per score; None where it shows nothing."""

    people: tuple[Scores, ...] | None = None
    before: tuple[Scores, ...] | None = None
    after: tuple[Scores, ...] | None = None
    two_days: tuple[Scores, ...] | None = None


class Summary(NamedTuple):
    n: int
    mean: float
    median: float


class Group(NamedTuple):
    """One row of the report; a withheld group has every other field None."""

    routine: str
    withheld: bool
    people: int | None = None
    before: Summary | None = None
    after: Summary | None = None
    two_days: Summary | None = None
    improved_2_or_more: float | None = None

    def as_dict(self) -> dict:
        """The API shape of one group."""
        body = self._asdict()
        for measure in MEASURES:
            body[measure] = body[measure]._asdict() if body[measure] else None
        return body


def comparable(person: Scores) -> Scores:
    """After and two-day scores count only next to a before score."""
    if person.before is None:
        return person._replace(after=None, two_days=None)
    return person


def _counted(people: Iterable[Scores], quantity: str) -> tuple[Scores, ...]:
    if quantity == "people":
        return tuple(people)
    return tuple(p for p in people if getattr(p, quantity) is not None)


def event_cells(people: Iterable[Scores], min_group: int = MIN_GROUP) -> dict[str, Cell]:
    """What one event's report may show of each group (rules 1 and 2)."""
    everyone = [comparable(p) for p in people]
    cells = {r: _routine_cell([p for p in everyone if p.routine == r], min_group) for r in ROUTINES}
    cells[ALL] = _all_cell(everyone, [cells[r] for r in ROUTINES], min_group)
    return cells


def _routine_cell(group: list[Scores], min_group: int) -> Cell:
    if len(group) < min_group:
        return Cell()
    shown = {m: _counted(group, m) for m in MEASURES}
    return Cell(tuple(group), **{m: v if len(v) >= min_group else None for m, v in shown.items()})


def _all_cell(everyone: list[Scores], routines: list[Cell], min_group: int) -> Cell:
    values = {}
    for quantity in Cell._fields:
        counted = _counted(everyone, quantity)
        shown = sum(len(getattr(c, quantity)) for c in routines if getattr(c, quantity) is not None)
        rest = len(counted) - shown
        safe = len(counted) >= min_group and not 0 < rest < min_group
        values[quantity] = counted if safe else None
    return Cell(**values) if values["people"] is not None else Cell()


def pool(events: Iterable[dict[str, Cell]]) -> dict[str, Cell]:
    """Many events' reports added up: only what each event's own report shows (rule 3)."""
    events = list(events)
    pooled = {}
    for group in GROUPS:
        values = {}
        for quantity in Cell._fields:
            parts = [getattr(e[group], quantity) for e in events]
            shown = [p for p in parts if p is not None]
            values[quantity] = tuple(x for p in shown for x in p) if shown else None
        pooled[group] = Cell(**values) if values["people"] is not None else Cell()
    return pooled


def summarise(cells: dict[str, Cell], min_group: int = MIN_GROUP) -> list[Group]:
    """The report's rows, in a fixed order: each routine, then all."""
    return [_group(name, cells[name], min_group) for name in GROUPS]


def _group(name: str, cell: Cell, min_group: int) -> Group:
    if cell.people is None or len(cell.people) < min_group:
        return Group(name, True)
    measures = {m: _summary(getattr(cell, m), m, min_group) for m in MEASURES}
    after = cell.after if measures["after"] else None
    return Group(name, False, len(cell.people), **measures, improved_2_or_more=_improved(after))


def _summary(people: tuple[Scores, ...] | None, measure: str, min_group: int) -> Summary | None:
    if people is None or len(people) < min_group:
        return None
    values = [getattr(p, measure) for p in people]
    median = float(statistics.median(values))
    return Summary(len(values), round(statistics.fmean(values), 1), median)


def _improved(people: tuple[Scores, ...] | None) -> float | None:
    """Share of people whose pain right after was at least 2 points below before."""
    if not people:
        return None
    better = sum(1 for p in people if p.after <= p.before - NOTICEABLE_DROP)
    return round(better / len(people), 2)


def report(people: Iterable[Scores], min_group: int = MIN_GROUP) -> list[Group]:
    """One event's report rows."""
    return summarise(event_cells(people, min_group), min_group)


def pooled_report(events: Iterable[Iterable[Scores]], min_group: int = MIN_GROUP) -> list[Group]:
    """The report rows over many events (a company over dates, or every company)."""
    return summarise(pool(event_cells(e, min_group) for e in events), min_group)


def has_numbers(groups: Sequence[Group]) -> bool:
    """Whether a report shows any number at all (only those views are audited)."""
    return any(not g.withheld for g in groups)


# --- When numbers count -----------------------------------------------------------------------


def _midnight_after(day: dt.date, tz: str) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=ZoneInfo(tz))


def day_over(day: dt.date, tz: str, now: dt.datetime) -> bool:
    """Whether the event's local day has ended: before and after scores are final then."""
    return now >= _midnight_after(day, tz)


def on_the_day(day: dt.date, tz: str, now: dt.datetime) -> bool:
    """Whether `now` falls on the event's local day (after scores are taken then, not later)."""
    return now.astimezone(ZoneInfo(tz)).date() == day


def followups_closed(
    day: dt.date, tz: str, now: dt.datetime, delay_hours: int, reply_days: int = FOLLOWUP_REPLY_DAYS
) -> bool:
    """Whether every two-day reply for an event has come in or can no longer count."""
    closes = _midnight_after(day, tz) + dt.timedelta(hours=delay_hours, days=reply_days)
    return now >= closes + FOLLOWUP_SLACK


def followup_due(completed_at: dt.datetime, delay_hours: int, settle: dt.timedelta) -> dt.datetime:
    """When the two-day question may go: the delay after the massage, never inside the undo
    window of the tablet (settle), so an undone "complete" asks nobody."""
    return completed_at + max(dt.timedelta(hours=delay_hours), settle)


# --- Reading what people give ----------------------------------------------------------------


class InvalidInput(ValueError):
    """Raised with a mapping of field name to a message a person can act on."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def parse_score(value: object, field: str = "score") -> int:
    """A pain score: a whole number from 0 to 10 (JSON's 3.5, "3" or true are not)."""
    if isinstance(value, bool) or not isinstance(value, int) or value not in SCORES:
        raise InvalidInput({field: "Give a whole number from 0 to 10."})
    return value


def form_score(text: object) -> object:
    """A form field's text as a number when it is one, for parse_score to judge."""
    if isinstance(text, str) and text.strip().isascii() and text.strip().isdigit():
        return int(text.strip())
    return text


def storable_id(value: int) -> bool:
    """Whether an id from a URL fits the database's integer column (else it names nothing)."""
    return 0 < value <= MAX_ID


def reply_score(body: str) -> int | None:
    """A text reply that is a bare number from 0 to 10, else None ("11", "3.5", "three")."""
    match = _REPLY.fullmatch(body or "")
    return int(match.group(1)) if match else None


def parse_range(start: object, end: object) -> tuple[dt.date, dt.date]:
    """A report's date range from YYYY-MM-DD texts, first day not after the last."""
    days = {"from": _day(start), "to": _day(end)}
    errors = {field: "Give a date as YYYY-MM-DD." for field, day in days.items() if day is None}
    if not errors and days["from"] > days["to"]:
        errors["to"] = "The last day comes before the first."
    if errors:
        raise InvalidInput(errors)
    return days["from"], days["to"]


def _day(value: object) -> dt.date | None:
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


# --- Showing it ------------------------------------------------------------------------------

CSV_HEADER = [
    "routine", "withheld", "people",
    "before_n", "before_mean", "before_median",
    "after_n", "after_mean", "after_median",
    "two_days_n", "two_days_mean", "two_days_median",
    "improved_2_or_more",
]  # fmt: skip


def csv_rows(groups: Sequence[Group], min_group: int = MIN_GROUP) -> list[list[str]]:
    """The report as spreadsheet rows: the same numbers as the page and the API, nothing more."""
    hidden = f"fewer than {min_group}"
    rows = [CSV_HEADER]
    for g in groups:
        row = [g.routine, "yes" if g.withheld else "no", hidden if g.withheld else str(g.people)]
        for measure in MEASURES:
            summary = getattr(g, measure)
            row += [str(x) for x in summary] if summary else ["", "", ""]
        row.append("" if g.improved_2_or_more is None else str(g.improved_2_or_more))
        rows.append(row)
    return rows


class Line(NamedTuple):
    """One routine's means across before, after and two days, in chart units."""

    routine: str
    label: str
    points: list[tuple[float, float, float, str]]  # (x, y, mean, measure) of those shown
    segments: list[tuple[float, float, float, float]]  # (x1, y1, x2, y2) between neighbours
    label_y: float = 0.0  # where its name goes, right of the plot, clear of the other names


class Chart(NamedTuple):
    """Geometry of the outcomes chart, in the units of its SVG viewBox."""

    width: int
    height: int
    left: int
    top: int
    bottom: int
    right: int
    columns: list[tuple[str, float]]  # (measure label, x)
    gridlines: list[tuple[int, float]]  # (pain score, y)
    lines: list[Line]


CHART_WIDTH, CHART_HEIGHT = 640, 300
CHART_LEFT, CHART_RIGHT, CHART_TOP, CHART_BOTTOM = 56, 470, 20, 250


def trend_chart(groups: Sequence[Group]) -> Chart:
    """Mean pain before, right after and two days later: one line per routine with numbers."""
    step = (CHART_RIGHT - CHART_LEFT) / (len(MEASURES) - 1)
    xs = [round(CHART_LEFT + i * step, 1) for i in range(len(MEASURES))]
    lines = []
    for g in groups:
        if g.withheld or g.routine == ALL:
            continue
        points = [
            (x, _y(getattr(g, m).mean), getattr(g, m).mean, MEASURE_LABELS[m])
            for x, m in zip(xs, MEASURES, strict=True)
            if getattr(g, m) is not None
        ]
        # Neighbouring measures only: a gap (no after score shown) stays a gap.
        pairs = zip(points, points[1:], strict=False)
        segments = [(a[0], a[1], b[0], b[1]) for a, b in pairs if b[0] - a[0] < 1.5 * step]
        if points:
            lines.append(Line(g.routine, GROUP_LABELS[g.routine], points, segments))
    return Chart(
        CHART_WIDTH, CHART_HEIGHT, CHART_LEFT, CHART_TOP, CHART_BOTTOM, CHART_RIGHT,
        [(MEASURE_LABELS[m], x) for m, x in zip(MEASURES, xs, strict=True)],
        [(score, _y(score)) for score in range(0, 11, 2)], _spread_labels(lines),
    )  # fmt: skip


LABEL_GAP = 16


def _spread_labels(lines: list[Line]) -> list[Line]:
    """Each line's name beside its last point, pushed down just enough not to overlap."""
    placed, last = {}, None
    for line in sorted(lines, key=lambda line: line.points[-1][1]):
        y = line.points[-1][1] + 4
        y = y if last is None else max(y, last + LABEL_GAP)
        placed[line.routine], last = y, y
    return [line._replace(label_y=round(placed[line.routine], 1)) for line in lines]


def _y(score: float) -> float:
    return round(CHART_BOTTOM - score * (CHART_BOTTOM - CHART_TOP) / 10, 1)
