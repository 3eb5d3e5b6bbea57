"""Every table of chairops, in one readable place (DESIGN.md section 2)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from .extensions import db


def utcnow() -> dt.datetime:
    """The current time, timezone-aware in UTC."""
    return dt.datetime.now(dt.UTC)


ROLES = ("admin", "coordinator", "therapist")
EVENT_STATUSES = ("draft", "published", "closed", "cancelled", "completed")
# slots: people claim times; line: a walk-up line, first come, first served (chairops.walkup).
EVENT_KINDS = ("slots", "line")
BOOKING_STATUSES = ("booked", "checked_in", "in_service", "completed", "no_show", "cancelled")
# A booking in one of these holds its slot; no_show and cancelled free it.
ACTIVE_BOOKING_STATUSES = ("booked", "checked_in", "in_service", "completed")
_ACTIVE_SQL = "status IN ('booked', 'checked_in', 'in_service', 'completed')"


class UTCDateTime(TypeDecorator):
    """A timestamp that is always timezone-aware UTC in Python, on PostgreSQL and SQLite alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        value = value.astimezone(dt.UTC)
        # SQLite keeps text: store UTC without an offset so comparisons stay lexical.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def result_processor(self, dialect, coltype):
        # PostgreSQL sessions run in UTC (extensions.utc_sessions), so psycopg gives aware UTC
        # datetimes already: nothing to convert on the hottest reads.
        if dialect.name == "postgresql":
            return None
        return super().result_processor(dialect, coltype)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


Timestamp = UTCDateTime()


class Company(db.Model):
    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(64), default="America/New_York")
    country: Mapped[str] = mapped_column(String(2), default="US")
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utcnow)
    # Countries whose numbers may be texted, ISO codes separated by spaces; none: `country` only.
    sms_countries: Mapped[str | None] = mapped_column(String(60))

    events: Mapped[list[Event]] = relationship(back_populates="company")


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(f"role IN {ROLES}", name="ck_users_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[str] = mapped_column(String(20))
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    api_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utcnow)

    company: Mapped[Company | None] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login reads this on every request
        return self.active


class Event(db.Model):
    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint(f"status IN {EVENT_STATUSES}", name="ck_events_status"),
        CheckConstraint("chairs_count > 0", name="ck_events_chairs"),
        CheckConstraint("slot_minutes > 0", name="ck_events_slot_minutes"),
        CheckConstraint("buffer_minutes >= 0", name="ck_events_buffer_minutes"),
        # The dashboard reads only recent and coming events, by company or (admins) all.
        Index("ix_events_company_date", "company_id", "date"),
        Index("ix_events_date", "date"),
        CheckConstraint(f"kind IN {EVENT_KINDS}", name="ck_events_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    location: Mapped[str] = mapped_column(String(200))
    room: Mapped[str] = mapped_column(String(120), default="")
    timezone: Mapped[str] = mapped_column(String(64))
    date: Mapped[dt.date] = mapped_column(Date)
    start_time: Mapped[dt.time] = mapped_column(Time)
    end_time: Mapped[dt.time] = mapped_column(Time)
    slot_minutes: Mapped[int] = mapped_column(Integer, default=15)
    buffer_minutes: Mapped[int] = mapped_column(Integer, default=5)
    chairs_count: Mapped[int] = mapped_column(Integer, default=2)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    signup_opens_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)
    signup_closes_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)
    share_token: Mapped[str] = mapped_column(String(64), unique=True)
    reminder_lead_minutes: Mapped[int] = mapped_column(Integer, default=10)
    aftercare_delay_minutes: Mapped[int] = mapped_column(Integer, default=60)
    one_booking_per_person: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utcnow)
    kind: Mapped[str] = mapped_column(String(10), default="slots", server_default="slots")
    # The recurring programme this date belongs to, if any (its sign-up opens on a schedule).
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programmes.id"), index=True)

    company: Mapped[Company] = relationship(back_populates="events")
    programme: Mapped[Programme | None] = relationship(back_populates="events")
    chairs: Mapped[list[Chair]] = relationship(
        back_populates="event", order_by="Chair.number", cascade="all, delete-orphan"
    )


class Chair(db.Model):
    __tablename__ = "chairs"
    __table_args__ = (UniqueConstraint("event_id", "number", name="uq_chairs_event_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(60), default="")
    therapist_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # How many minutes this chair runs behind; waiting people's expected times shift by it.
    late_minutes: Mapped[int] = mapped_column(Integer, default=0)
    # Breaks as [["12:00", "12:30"], ...] in the event's local time.
    breaks: Mapped[list[Any]] = mapped_column(JSON, default=list)

    event: Mapped[Event] = relationship(back_populates="chairs")
    therapist: Mapped[User | None] = relationship()


class Slot(db.Model):
    __tablename__ = "slots"
    __table_args__ = (
        UniqueConstraint("chair_id", "starts_at", name="uq_slots_chair_start"),
        Index("ix_slots_event_start", "event_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    chair_id: Mapped[int] = mapped_column(ForeignKey("chairs.id", ondelete="CASCADE"))
    starts_at: Mapped[dt.datetime] = mapped_column(Timestamp)
    ends_at: Mapped[dt.datetime] = mapped_column(Timestamp)

    chair: Mapped[Chair] = relationship()


class Booking(db.Model):
    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint(f"status IN {BOOKING_STATUSES}", name="ck_bookings_status"),
        # The database, not Python, makes double booking impossible.
        Index(
            "uq_bookings_slot_active",
            "slot_id",
            unique=True,
            postgresql_where=text(_ACTIVE_SQL),
            sqlite_where=text(_ACTIVE_SQL),
        ),
        Index(
            "uq_bookings_event_phone_active",
            "event_id",
            "phone_key",
            unique=True,
            postgresql_where=text(_ACTIVE_SQL),
            sqlite_where=text(_ACTIVE_SQL),
        ),
        Index("ix_bookings_event_status", "event_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    slot_id: Mapped[int] = mapped_column(ForeignKey("slots.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    phone: Mapped[str | None] = mapped_column(String(20))
    # The phone when the event allows one booking per person, else NULL; the unique index uses it.
    phone_key: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    sms_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    sms_consent_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)
    status: Mapped[str] = mapped_column(String(20), default="booked")
    manage_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    walk_in: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utcnow, onupdate=utcnow)
    status_changed_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)
    # Counts changes of time, so calendar files update their entry (iCalendar SEQUENCE).
    revision: Mapped[int] = mapped_column(Integer, default=0)
    # The status before the last move, kept for a short undo on the tablet.
    previous_status: Mapped[str | None] = mapped_column(String(20))

    event: Mapped[Event] = relationship()
    slot: Mapped[Slot] = relationship()
    screen: Mapped[Screen | None] = relationship(back_populates="booking", uselist=False)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_BOOKING_STATUSES


_PAIN_SCORES_SQL = " AND ".join(
    f"({c} IS NULL OR {c} BETWEEN 0 AND 10)" for c in ("pain_before", "pain_after", "pain_followup")
)


class Screen(db.Model):
    """The newest pre-chair screen of a booking: answers (purged later) and the outcome."""

    __tablename__ = "screens"
    __table_args__ = (
        CheckConstraint(_PAIN_SCORES_SQL, name="ck_screens_pain_scores"),
        # The hourly purge looks only at screens still holding raw answers.
        Index(
            "ix_screens_answers_held",
            "booking_id",
            postgresql_where=text("answers_purged_at IS NULL"),
            sqlite_where=text("answers_purged_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), unique=True
    )
    answers: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    routine: Mapped[str] = mapped_column(String(20))
    rule: Mapped[str] = mapped_column(String(4))
    # Why a modified or refer routine was chosen (sciatica, light_only, ...), as decided then.
    reason: Mapped[str] = mapped_column(String(30), default="")
    rule_version: Mapped[str] = mapped_column(String(20))
    cautions: Mapped[list[str]] = mapped_column(JSON, default=list)
    pressure: Mapped[str | None] = mapped_column(String(10))
    avoid_note: Mapped[str | None] = mapped_column(String(140))
    taken_by: Mapped[str] = mapped_column(String(20), default="attendee")
    submitted_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utcnow)
    answers_purged_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)
    # Lower-back pain 0-10 before, after and two days later: health data kept with the outcome,
    # not with the raw answers, so the purge leaves it (chairops/outcomes). Skipping the after
    # score sets pain_after_at and leaves pain_after empty.
    pain_before: Mapped[int | None] = mapped_column(Integer)
    pain_after: Mapped[int | None] = mapped_column(Integer)
    pain_after_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)
    followup_asked_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)
    pain_followup: Mapped[int | None] = mapped_column(Integer)
    pain_followup_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)

    booking: Mapped[Booking] = relationship(back_populates="screen")


WAITLIST_STATUSES = ("waiting", "offered", "booked", "expired", "declined", "left", "closed")
# waiting and offered hold a place in line; the others are finished.
LIVE_WAITLIST_STATUSES = ("waiting", "offered")
_LIVE_WAITLIST_SQL = "status IN ('waiting', 'offered')"


class WaitlistEntry(db.Model):
    """Someone waiting for a chair at a full event; a freed slot goes to the first in line."""

    __tablename__ = "waitlist_entries"
    __table_args__ = (
        CheckConstraint(f"status IN {WAITLIST_STATUSES}", name="ck_waitlist_status"),
        # One place in line per number and event.
        Index(
            "uq_waitlist_event_phone_live",
            "event_id",
            "phone",
            unique=True,
            postgresql_where=text(_LIVE_WAITLIST_SQL),
            sqlite_where=text(_LIVE_WAITLIST_SQL),
        ),
        # A slot is offered to one person at a time.
        Index(
            "uq_waitlist_offered_slot",
            "offered_slot_id",
            unique=True,
            postgresql_where=text("status = 'offered'"),
            sqlite_where=text("status = 'offered'"),
        ),
        Index("ix_waitlist_event_status_position", "event_id", "status", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    phone: Mapped[str] = mapped_column(String(20))
    sms_consent_at: Mapped[dt.datetime] = mapped_column(Timestamp)
    position: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="waiting")
    # The token of the waitlist link (status page, leave the list, claim an offer); hash only.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    offered_slot_id: Mapped[int | None] = mapped_column(ForeignKey("slots.id", ondelete="SET NULL"))
    # The claim link of the current offer is a separate token, texted with the offer.
    offer_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    offered_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)
    offer_expires_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship()
    offered_slot: Mapped[Slot | None] = relationship()

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_WAITLIST_STATUSES


LINE_STATUSES = ("waiting", "called", "served", "left", "missed")
# waiting and called hold a place (one per phone and event); the others are finished.
LIVE_LINE_STATUSES = ("waiting", "called")
_LIVE_LINE_SQL = "status IN ('waiting', 'called')"


class LineEntry(db.Model):
    """Someone in the walk-up line of a `line` event; order is (line_at, id), join time first."""

    __tablename__ = "line_entries"
    __table_args__ = (
        CheckConstraint(f"status IN {LINE_STATUSES}", name="ck_line_entries_status"),
        # One live place per phone and event; kiosk entries have no phone (NULLs never clash).
        Index(
            "uq_line_entries_event_phone_live",
            "event_id",
            "phone",
            unique=True,
            postgresql_where=text(_LIVE_LINE_SQL),
            sqlite_where=text(_LIVE_LINE_SQL),
        ),
        Index("ix_line_entries_event_status_order", "event_id", "status", "line_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    phone: Mapped[str | None] = mapped_column(String(20))
    sms_consent_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)
    kiosk: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default="waiting")
    # The token of the person's page (/l/<token>); hash only.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    joined_at: Mapped[dt.datetime] = mapped_column(Timestamp)
    # The place in line: the join time, moved once behind the next two by "not here".
    line_at: Mapped[dt.datetime] = mapped_column(Timestamp)
    first_called_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)
    called_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)
    chair_number: Mapped[int | None] = mapped_column(Integer)
    not_here_count: Mapped[int] = mapped_column(Integer, default=0)
    requeued_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)
    ended_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)
    # The walk-in booking made when a chair calls the person: the tablet works from it.
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="SET NULL"))
    # A screen taken while waiting, before there is a booking to hold it; moved to it at the call.
    screen_answers: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    screened_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship()
    booking: Mapped[Booking | None] = relationship()

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_LINE_STATUSES


INVITE_ROLES = ("coordinator", "therapist")


class Invite(db.Model):
    """A single-use link that lets a new coordinator or therapist set their password."""

    __tablename__ = "invites"
    __table_args__ = (CheckConstraint(f"role IN {INVITE_ROLES}", name="ck_invites_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[str] = mapped_column(String(20))
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(Timestamp)
    used_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    company: Mapped[Company | None] = relationship()
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])


class AuditEntry(db.Model):
    """Who looked at or changed what: health data access, status changes, exports."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(60))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


MESSAGE_KINDS = (
    "confirmation",
    "reminder",
    "up_next",
    "tips",
    "event_changed",
    "event_cancelled",
    "waitlist_offer",
    "reply",
    "followup",
    "line_notice",
    "line_called",
    "line_missed",
    "next_date_opens",
)
# pending: waiting for send_at; sending: claimed by a dispatcher (lease); sent/delivered/
# undelivered: Twilio's word; failed: permanent error; unknown: the request may have left,
# reconcile before any resend; suppressed: opted out; cancelled: booking changed; dropped: too late.
MESSAGE_STATUSES = (
    "pending",
    "sending",
    "sent",
    "delivered",
    "undelivered",
    "failed",
    "unknown",
    "suppressed",
    "cancelled",
    "dropped",
)


class Message(db.Model):
    """The outbox: every text, written in the same transaction as the change that causes it."""

    __tablename__ = "messages"
    __table_args__ = (
        CheckConstraint(f"status IN {MESSAGE_STATUSES}", name="ck_messages_status"),
        CheckConstraint(f"kind IN {MESSAGE_KINDS}", name="ck_messages_kind"),
        Index("ix_messages_due", "status", "send_at"),
        Index("ix_messages_booking", "booking_id"),
        Index("ix_messages_listed", "send_at", "id"),  # the outbox, newest first
        # The admin's outbox filtered to one event or one kind, newest first (a rare kind would
        # otherwise scan every text). Status has ix_messages_due.
        Index("ix_messages_event_send_at", "event_id", "send_at", "id"),
        Index("ix_messages_kind_send_at", "kind", "send_at", "id"),
        # The sending limits count claimed texts per number, per event and in all (limits.py);
        # the first also answers enqueue's "has this number had a text?" (the STOP line).
        Index("ix_messages_to_claimed", "to", "claimed_at"),
        Index("ix_messages_event_claimed", "event_id", "claimed_at"),
        Index("ix_messages_claimed", "claimed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="SET NULL"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    to: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)
    send_at: Mapped[dt.datetime] = mapped_column(Timestamp)
    # After this the text is pointless (an "up next" once the slot has begun): dropped, not sent.
    valid_until: Mapped[dt.datetime | None] = mapped_column(Timestamp)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)
    lease_until: Mapped[dt.datetime | None] = mapped_column(Timestamp)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)
    provider_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    error_code: Mapped[str | None] = mapped_column(String(20))
    error_text: Mapped[str | None] = mapped_column(String(300))
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utcnow, onupdate=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)
    # SMS segments the body costs (operators pay per segment); kept, as the body is redacted.
    segments: Mapped[int | None] = mapped_column(Integer)

    booking: Mapped[Booking | None] = relationship()


class OptOut(db.Model):
    """A number that said STOP (or that Twilio reports as unsubscribed): nothing is sent to it."""

    __tablename__ = "opt_outs"

    phone: Mapped[str] = mapped_column(String(20), primary_key=True)
    since: Mapped[dt.datetime] = mapped_column(Timestamp, default=utcnow)
    source: Mapped[str] = mapped_column(String(20))  # stop_reply, twilio_21610, staff


class StaffSession(db.Model):
    """One signed-in browser of a staff member; signing out deletes it, so copied cookies die."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The session and remember cookies carry the token; only its hash is kept.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utcnow)


class WebhookReceipt(db.Model):
    """A Twilio webhook already acted on: a replay (same MessageSid and event) changes nothing."""

    __tablename__ = "webhook_receipts"

    sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    # "inbound" for a reply, else the delivery status reported by the callback.
    event: Mapped[str] = mapped_column(String(20), primary_key=True)
    # Kept WEBHOOK_RECEIPT_DAYS, long past any retry of Twilio's (clock.purge_webhook_receipts).
    received_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utcnow, index=True)


class ConsoleText(db.Model):
    """The console sender's durable log: reconciliation looks texts up here, as at Twilio."""

    __tablename__ = "console_texts"
    __table_args__ = (Index("ix_console_texts_to_sent", "to", "sent_at"),)

    sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    to: Mapped[str] = mapped_column(String(20))
    # A hash, not the text: bodies hold attendees' link tokens, which are never kept in clear.
    body_hash: Mapped[str] = mapped_column(String(64))
    sent_at: Mapped[dt.datetime] = mapped_column(Timestamp)


class SendPace(db.Model):
    """The next free moment to send a text, shared by every dispatcher (SMS_RATE_PER_SECOND)."""

    __tablename__ = "send_pace"

    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    next_at: Mapped[dt.datetime] = mapped_column(Timestamp)


class Programme(db.Model):
    """A recurring chair-massage day: an RFC 5545 RRULE plus the template of its events."""

    __tablename__ = "programmes"
    __table_args__ = (
        CheckConstraint("chairs_count > 0", name="ck_programmes_chairs"),
        CheckConstraint("signup_opens_days_before >= 0", name="ck_programmes_signup_days"),
        CheckConstraint("priority_hours >= 0", name="ck_programmes_priority_hours"),
        CheckConstraint("monthly_cap IS NULL OR monthly_cap > 0", name="ck_programmes_monthly_cap"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    location: Mapped[str] = mapped_column(String(200))
    room: Mapped[str] = mapped_column(String(120), default="")
    timezone: Mapped[str] = mapped_column(String(64))
    start_time: Mapped[dt.time] = mapped_column(Time)
    end_time: Mapped[dt.time] = mapped_column(Time)
    slot_minutes: Mapped[int] = mapped_column(Integer)
    buffer_minutes: Mapped[int] = mapped_column(Integer)
    chairs_count: Mapped[int] = mapped_column(Integer)
    # The recurrence: an RRULE line, its first day, and the days it skips.
    rrule: Mapped[str] = mapped_column(String(500))
    dtstart: Mapped[dt.date] = mapped_column(Date)
    exdates: Mapped[list[str]] = mapped_column(JSON, default=list)  # ["YYYY-MM-DD", ...]
    publish: Mapped[bool] = mapped_column(Boolean, default=False)
    signup_opens_days_before: Mapped[int] = mapped_column(Integer, default=7)
    signup_opens_time: Mapped[dt.time] = mapped_column(Time, default=dt.time(9, 0))
    # The first hours after sign-up opens are for people who did not have the previous date.
    priority_hours: Mapped[int] = mapped_column(Integer, default=24)
    # Massages one phone may have per calendar month across the programme; NULL means no cap.
    monthly_cap: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utcnow, onupdate=utcnow)

    company: Mapped[Company] = relationship()
    events: Mapped[list[Event]] = relationship(back_populates="programme", order_by="Event.date")


class PriorityTurnaway(db.Model):
    """A number refused during a programme date's priority window, counted once per date."""

    __tablename__ = "priority_turnaways"
    __table_args__ = (
        UniqueConstraint("event_id", "phone_hash", name="uq_priority_turnaways_event_phone"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    # Only a hash: the count of distinct people is all the programme page needs.
    phone_hash: Mapped[str] = mapped_column(String(64))
    first_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
