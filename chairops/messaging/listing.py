"""The outbox listed newest first, a page at a time: one query for the admin's page and the API.

Pages follow a cursor of (send_at, id), the order of the list itself, so texts that share a
send time are neither skipped nor repeated, and texts written meanwhile do not shift the pages.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from collections.abc import Mapping
from typing import NamedTuple

from sqlalchemy import BigInteger, and_, literal, or_, select
from sqlalchemy.orm import Session

from ..errors import ValidationError
from ..models import MESSAGE_KINDS, MESSAGE_STATUSES, Event, Message

MAX_LIMIT = 200
DEFAULT_LIMIT = 50
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_WHOLE = re.compile(r"[0-9]{1,18}")
MAX_ID = 2**31 - 1  # ids are 32-bit integers in the database; a larger one matches nothing


class Cursor(NamedTuple):
    """Where a page ends: the next page holds the texts listed after this one."""

    send_at: dt.datetime
    id: int


class MessageQuery(NamedTuple):
    """Which texts to list: every filter left as None matches all."""

    booking_id: int | None = None
    event_id: int | None = None
    kind: str | None = None
    status: str | None = None
    limit: int = DEFAULT_LIMIT
    before: Cursor | None = None

    def filters(self) -> dict:
        """The filters as query arguments, for links to other pages of the same list."""
        names = ("booking_id", "event_id", "kind", "status")
        return {name: getattr(self, name) for name in names if getattr(self, name) is not None}


class Listed(NamedTuple):
    message: Message
    timezone: str  # the event's, in which its times are shown; UTC for texts of no event


class MessagePage(NamedTuple):
    rows: list[Listed]
    next_before: str | None  # the `before` of the next (older) page; None on the last page


def encode_cursor(cursor: Cursor) -> str:
    """An opaque, URL-safe token for a cursor."""
    micros = (cursor.send_at - _EPOCH) // dt.timedelta(microseconds=1)
    raw = f"{micros}.{cursor.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str) -> Cursor:
    """The cursor behind a token made by encode_cursor; ValueError for anything else."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ValueError("not a cursor") from exc
    micros, _, ident = raw.partition(".")
    if not (_WHOLE.fullmatch(micros) and _WHOLE.fullmatch(ident)):
        raise ValueError("not a cursor")
    return Cursor(_EPOCH + dt.timedelta(microseconds=int(micros)), int(ident))


def _whole(value: str, low: int, high: int) -> int:
    if not _WHOLE.fullmatch(value) or not low <= int(value) <= high:
        raise ValueError
    return int(value)


_PARSERS = {
    "booking_id": (lambda v: _whole(v, 1, MAX_ID), "Give the id of a booking (a whole number)."),
    "event_id": (lambda v: _whole(v, 1, MAX_ID), "Give the id of an event (a whole number)."),
    "kind": (MESSAGE_KINDS.index, "Use one of: " + ", ".join(MESSAGE_KINDS) + "."),
    "status": (MESSAGE_STATUSES.index, "Use one of: " + ", ".join(MESSAGE_STATUSES) + "."),
    "limit": (lambda v: _whole(v, 1, MAX_LIMIT), f"Give a whole number from 1 to {MAX_LIMIT}."),
    "before": (decode_cursor, "Use the next_before of the page before, as it was given."),
}


def parse_query(
    args: Mapping[str, str], default_limit: int = DEFAULT_LIMIT, lenient: bool = False
) -> MessageQuery:
    """The list asked for by query arguments; ValidationError names each bad one (or, lenient,
    a bad one is left out)."""
    values: dict = {"limit": default_limit}
    errors = {}
    for name, (parse, message) in _PARSERS.items():
        raw = (args.get(name) or "").strip()
        if not raw:
            continue
        try:
            parsed = parse(raw)
        except ValueError:
            errors[name] = message
            continue
        values[name] = raw if name in ("kind", "status") else parsed
    if errors and not lenient:
        raise ValidationError(errors)
    return MessageQuery(**values)


def find_messages(session: Session, query: MessageQuery) -> MessagePage:
    """One page of outbox rows, newest first, each with the time zone its times are shown in."""
    stmt = (
        select(Message, Event.timezone)
        .outerjoin(Event, Event.id == Message.event_id)
        .order_by(Message.send_at.desc(), Message.id.desc())
        .limit(query.limit + 1)  # one more says whether an older page exists
    )
    for name in ("booking_id", "event_id", "kind", "status"):
        if getattr(query, name) is not None:
            stmt = stmt.where(getattr(Message, name) == getattr(query, name))
    if query.before is not None:
        at, ident = query.before
        ident = literal(ident, BigInteger)  # a forged cursor may hold an id past 32 bits
        later = and_(Message.send_at == at, Message.id < ident)
        stmt = stmt.where(or_(Message.send_at < at, later))
    rows = session.execute(stmt).all()
    listed = [Listed(message, timezone or "UTC") for message, timezone in rows[: query.limit]]
    last = listed[-1].message if listed else None
    more = len(rows) > query.limit and last is not None
    return MessagePage(listed, encode_cursor(Cursor(last.send_at, last.id)) if more else None)
