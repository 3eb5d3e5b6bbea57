"""The OpenAPI 3.1 document served at /api/v1/openapi.json; a test checks it against the routes."""

from __future__ import annotations

from ..messaging.listing import DEFAULT_LIMIT, MAX_LIMIT
from ..models import MESSAGE_KINDS, MESSAGE_STATUSES
from ..screening.rules import AREAS, CONDITIONS, LEG_SYMPTOMS, NOTE_LIMIT, PRESSURES
from . import openapi_outcomes, openapi_programmes
from .line_openapi import PATHS as LINE_PATHS


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _problems(*codes: int) -> dict:
    problem = {"content": {"application/problem+json": {"schema": _ref("Problem")}}}
    return {str(code): {"description": "Problem", **problem} for code in codes}


def _query(name: str, schema: dict, description: str = "") -> dict:
    parameter = {"name": name, "in": "query", "required": False, "schema": schema}
    return parameter | ({"description": description} if description else {})


_TOKEN = {"name": "token", "in": "path", "required": True, "schema": {"type": "string"}}
_SHARE = {"name": "share_token", "in": "path", "required": True, "schema": {"type": "string"}}
_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
_STAFF = [{"bearer": []}]
_NUMBER = {"name": "number", "in": "path", "required": True, "schema": {"type": "integer"}}
_OBJ = {"type": "object"}

SCHEMAS = {
    "Problem": {
        "type": "object",
        "required": ["type", "title", "status"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "errors": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    },
    "Booking": {
        "type": "object",
        "required": ["start", "end", "chair", "status"],
        "properties": {
            "token": {"type": "string"},
            "start": {"type": "string", "format": "date-time"},
            "end": {"type": "string", "format": "date-time"},
            "chair": {"type": "integer"},
            "status": {"type": "string"},
            "manage_url": {"type": "string"},
            "screen_url": {"type": "string"},
            "ics_url": {"type": "string"},
            "screen_done": {"type": "boolean"},
        },
    },
    "Claim": {
        "type": "object",
        "required": ["name", "phone", "start", "sms_consent"],
        "properties": {
            "name": {"type": "string", "maxLength": 80},
            "phone": {"type": "string"},
            "start": {"type": "string", "format": "date-time"},
            "sms_consent": {"type": "boolean"},
            "email": {"type": "string"},
        },
    },
    "JoinWaitlist": {
        "type": "object",
        "required": ["name", "phone", "sms_consent"],
        "properties": {
            "name": {"type": "string", "maxLength": 80},
            "phone": {"type": "string"},
            "sms_consent": {"type": "boolean", "description": "must be true: offers come by text"},
        },
    },
    "WaitlistPlace": {
        "type": "object",
        "required": ["status", "place_in_line", "offer"],
        "properties": {
            "token": {"type": "string", "description": "returned once, when joining"},
            "url": {"type": "string"},
            "status": {
                "type": "string",
                "enum": ["waiting", "offered", "booked", "expired", "declined", "left", "closed"],
            },
            "place_in_line": {"type": ["integer", "null"]},
            "offer": {
                "type": ["object", "null"],
                "properties": {
                    "start": {"type": "string", "format": "date-time"},
                    "end": {"type": "string", "format": "date-time"},
                    "chair": {"type": "integer"},
                    "expires_at": {"type": "string", "format": "date-time"},
                },
            },
        },
    },
    "NewEvent": {
        "type": "object",
        "required": [
            "title",
            "location",
            "timezone",
            "date",
            "start_time",
            "end_time",
            "chairs",
            "slot_minutes",
            "buffer_minutes",
        ],
        "properties": {
            "company_id": {"type": "integer", "description": "admin only"},
            "title": {"type": "string", "maxLength": 120},
            "location": {"type": "string", "maxLength": 200},
            "timezone": {"type": "string", "examples": ["America/New_York"]},
            "date": {"type": "string", "format": "date"},
            "start_time": {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$"},
            "end_time": {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$"},
            "chairs": {"type": "integer", "minimum": 1, "maximum": 30},
            "slot_minutes": {"type": "integer", "minimum": 5, "maximum": 120},
            "buffer_minutes": {"type": "integer", "minimum": 0, "maximum": 60},
            "kind": {
                "enum": ["slots", "line"],
                "default": "slots",
                "description": "slots: people book times; line: a walk-up line, no slots",
            },
        },
    },
    "ScreenAnswers": {
        "type": "object",
        "required": ["pain_areas", "leg_symptoms", "red_flags", "conditions", "pressure"],
        "properties": {
            "pain_areas": {
                "type": "array",
                "items": {"enum": list(AREAS)},
            },
            "low_back_pain": {"type": ["integer", "null"], "minimum": 0, "maximum": 10},
            "new_or_different": {"type": "boolean"},
            "leg_symptoms": {"enum": list(LEG_SYMPTOMS)},
            "red_flags": {"type": "boolean"},
            "conditions": {
                "type": "array",
                "items": {"enum": list(CONDITIONS)},
            },
            "pressure": {"enum": list(PRESSURES)},
            "avoid_note": {"type": "string", "maxLength": NOTE_LIMIT},
        },
    },
    "Queue": {
        "type": "object",
        "required": ["chair", "bookings"],
        "properties": {
            "chair": {"type": "integer"},
            "late_minutes": {"type": "integer"},
            "bookings": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "name", "start", "end", "status", "walk_in", "screen"],
                    "properties": {
                        "id": {"type": "integer"},
                        "name": {"type": "string"},
                        "start": {"type": "string", "format": "date-time"},
                        "end": {"type": "string", "format": "date-time"},
                        "expected_start": {"type": "string", "format": "date-time"},
                        "status": {"type": "string"},
                        "walk_in": {"type": "boolean"},
                        "screen": {
                            "type": ["object", "null"],
                            "properties": {
                                "routine": {
                                    "enum": ["standard", "glute_exception", "modified", "refer"]
                                },
                                "rule": {"type": "string"},
                                "cautions": {"type": "array", "items": {"type": "string"}},
                                "pressure": {"type": ["string", "null"]},
                                "avoid_note": {"type": ["string", "null"]},
                            },
                        },
                    },
                },
            },
        },
    },
    "Message": {
        "type": "object",
        "required": [
            "id",
            "kind",
            "to",
            "status",
            "send_at",
            "attempts",
            "error_code",
            "sid",
            "segments",
            "booking_id",
            "event_id",
        ],
        "properties": {
            "id": {"type": "integer"},
            "kind": {"enum": list(MESSAGE_KINDS)},
            "to": {"type": "string", "description": "masked but for the last four digits"},
            "status": {"enum": list(MESSAGE_STATUSES)},
            "send_at": {
                "type": "string",
                "format": "date-time",
                "description": "in the event's time zone; UTC for a text of no event",
            },
            "attempts": {"type": "integer"},
            "error_code": {"type": ["string", "null"]},
            "sid": {"type": ["string", "null"]},
            "segments": {
                "type": ["integer", "null"],
                "description": "SMS segments the text costs; null for texts written before "
                "they were counted",
            },
            "booking_id": {"type": ["integer", "null"]},
            "event_id": {"type": ["integer", "null"]},
        },
    },
    "Roster": {
        "type": "object",
        "required": ["bookings", "counts"],
        "properties": {
            "bookings": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "name", "start", "chair", "status"],
                    "properties": {
                        "id": {"type": "integer", "description": "filters GET /api/v1/messages"},
                        "name": {"type": "string"},
                        "start": {"type": "string", "format": "date-time"},
                        "end": {"type": "string", "format": "date-time"},
                        "chair": {"type": "integer"},
                        "status": {
                            "enum": ["booked", "checked_in", "in_service", "completed", "no_show"]
                        },
                        "walk_in": {"type": "boolean"},
                    },
                },
            },
            "counts": {
                "type": "object",
                "description": "bookings in each status, the event's slots, slots holding "
                "nobody (free), and people on the waitlist",
                "additionalProperties": {"type": "integer"},
                "required": [
                    "slots",
                    "free",
                    "booked",
                    "checked_in",
                    "in_service",
                    "completed",
                    "no_show",
                    "cancelled",
                    "waitlist",
                ],
            },
        },
    },
    "EventChange": {
        "type": "object",
        "description": "Any of these; fields left out keep their value.",
        "properties": {
            "title": {"type": "string", "maxLength": 120},
            "location": {"type": "string", "maxLength": 200},
            "room": {"type": "string", "maxLength": 120},
            "timezone": {"type": "string", "examples": ["America/New_York"]},
            "date": {"type": "string", "format": "date"},
            "start_time": {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$"},
            "end_time": {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$"},
            "chairs": {"type": "integer", "minimum": 1, "maximum": 30},
            "slot_minutes": {"type": "integer", "minimum": 5, "maximum": 120},
            "buffer_minutes": {"type": "integer", "minimum": 0, "maximum": 60},
            "confirm_cancellations": {
                "type": "boolean",
                "default": False,
                "description": "cancel (and text) the bookings whose times the change removes",
            },
        },
    },
    "BookingsAffected": {
        "allOf": [
            _ref("Problem"),
            {
                "type": "object",
                "properties": {
                    "affected": {
                        "type": "array",
                        "description": "with bookings-affected: who would lose their time",
                        "items": {
                            "type": "object",
                            "required": ["name", "start", "chair"],
                            "properties": {
                                "name": {"type": "string"},
                                "start": {"type": "string", "format": "date-time"},
                                "chair": {"type": "integer"},
                            },
                        },
                    }
                },
            },
        ]
    },
    "Event": {
        "type": "object",
        "required": ["id", "share_token", "status", "slots"],
        "properties": {
            "id": {"type": "integer"},
            "share_token": {"type": "string"},
            "status": {"type": "string"},
            "slots": {"type": "integer"},
            "signup_url": {"type": "string"},
        },
    },
}


PATHS = {
    "/api/v1/public/events/{share_token}": {
        "get": {
            "summary": "An event's free times, for attendees",
            "parameters": [_SHARE],
            "responses": {
                "200": _json({"type": "object", "required": ["event", "times", "waitlist_open"]}),
                **_problems(404),
            },
        }
    },
    "/api/v1/public/events/{share_token}/bookings": {
        "post": {
            "summary": "Claim a chair at a start time",
            "parameters": [_SHARE],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref("Claim")}},
            },
            "responses": {
                "201": _json(
                    {"type": "object", "properties": {"booking": _ref("Booking")}}, "Booked"
                ),
                **_problems(400, 404, 409, 410, 413, 422, 429),
            },
        }
    },
    "/api/v1/public/events/{share_token}/waitlist": {
        "post": {
            "summary": "Join the waitlist of a full event (offers come by text)",
            "parameters": [_SHARE],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref("JoinWaitlist")}},
            },
            "responses": {
                "201": _json(
                    {"type": "object", "properties": {"waitlist": _ref("WaitlistPlace")}},
                    "On the waitlist",
                ),
                **_problems(400, 404, 409, 413, 422, 429),
            },
        }
    },
    "/api/v1/waitlist/{token}": {
        "get": {
            "summary": "A place on a waitlist and any open offer, by its token",
            "parameters": [_TOKEN],
            "responses": {
                "200": _json({"type": "object", "properties": {"waitlist": _ref("WaitlistPlace")}}),
                **_problems(404),
            },
        },
        "delete": {
            "summary": "Leave the waitlist (an open offer passes to the next in line)",
            "parameters": [_TOKEN],
            "responses": {
                "200": _json({"type": "object", "properties": {"waitlist": _ref("WaitlistPlace")}}),
                **_problems(404),
            },
        },
    },
    "/api/v1/waitlist/{token}/claim": {
        "post": {
            "summary": "Claim the chair offered to this place before the offer expires",
            "parameters": [_TOKEN],
            "responses": {
                "201": _json(
                    {"type": "object", "properties": {"booking": _ref("Booking")}}, "Booked"
                ),
                **_problems(404, 409, 410, 429),
            },
        }
    },
    "/api/v1/bookings/{token}": {
        "get": {
            "summary": "A booking, by the attendee's token",
            "parameters": [_TOKEN],
            "responses": {
                "200": _json({"type": "object", "properties": {"booking": _ref("Booking")}}),
                **_problems(404),
            },
        },
        "delete": {
            "summary": "Cancel a booking (repeatable)",
            "parameters": [_TOKEN],
            "responses": {
                "200": _json({"type": "object", "properties": {"booking": _ref("Booking")}}),
                **_problems(404, 422),
            },
        },
    },
    "/api/v1/bookings/{token}/screen": {
        "put": {
            "summary": "Submit or retake the pre-chair screen",
            "parameters": [_TOKEN],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref("ScreenAnswers")}},
            },
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "properties": {
                            "screen": {
                                "type": "object",
                                "required": ["done", "advice"],
                                "properties": {
                                    "done": {"type": "boolean"},
                                    "advice": {"type": "string"},
                                },
                            }
                        },
                    }
                ),
                **_problems(400, 404, 409, 413, 422, 429),
            },
        }
    },
    "/api/v1/events/{id}/chairs/{number}/queue": {
        "get": {
            "summary": "A chair's queue with screen outcomes (its therapist or an admin)",
            "security": _STAFF,
            "parameters": [
                _ID,
                _NUMBER,
                {"name": "If-None-Match", "in": "header", "schema": {"type": "string"}},
            ],
            "responses": {
                "200": _json(_ref("Queue")),
                "304": {"description": "Unchanged since the ETag given"},
                **_problems(401, 404),
            },
        }
    },
    "/api/v1/bookings/{id}/status": {
        "post": {
            "summary": "Move a booking forward (check in, start, complete, no-show)",
            "security": _STAFF,
            "parameters": [_ID],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["status"],
                            "properties": {
                                "status": {
                                    "enum": ["checked_in", "in_service", "completed", "no_show"]
                                }
                            },
                        }
                    }
                },
            },
            "responses": {
                "200": _json(_OBJ),
                **_problems(400, 401, 404, 422),
                "409": {
                    "description": "bad-transition (never allowed), or not-now: allowed only on "
                    "the event's local day, from CHECKIN_LEAD_MINUTES before the booking (check "
                    "in, start) or after its expected start (no-show); `detail` says from when",
                    "content": {"application/problem+json": {"schema": _ref("Problem")}},
                },
            },
        }
    },
    "/api/v1/events/{id}/chairs/{number}/therapist": {
        "post": {
            "summary": "Assign a therapist to a chair (admin)",
            "security": _STAFF,
            "parameters": [_ID, _NUMBER],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["user_id"],
                            "properties": {"user_id": {"type": ["integer", "null"]}},
                        }
                    }
                },
            },
            "responses": {"200": _json(_OBJ), **_problems(400, 401, 404, 422)},
        }
    },
    "/api/v1/me": {
        "get": {
            "summary": "The calling staff member",
            "security": _STAFF,
            "responses": {
                "200": _json({"type": "object", "required": ["id", "email", "role", "company_id"]}),
                **_problems(401),
            },
        }
    },
    "/api/v1/events": {
        "post": {
            "summary": "Create a draft event and its slots",
            "security": _STAFF,
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref("NewEvent")}},
            },
            "responses": {
                "201": _json({"type": "object", "properties": {"event": _ref("Event")}}, "Created"),
                **_problems(400, 401, 404, 422),
            },
        }
    },
    "/api/v1/messages": {
        "get": {
            "summary": "Texts in the outbox, newest first, a page at a time (admin)",
            "description": "Ordered by send time, then id, both descending. Follow next_before "
            "for older texts: pages neither skip nor repeat texts that share a send time. "
            "Numbers are masked. A bad filter is 422 naming it.",
            "security": _STAFF,
            "parameters": [
                _query("booking_id", {"type": "integer", "minimum": 1}),
                _query("event_id", {"type": "integer", "minimum": 1}),
                _query("kind", {"enum": list(MESSAGE_KINDS)}),
                _query("status", {"enum": list(MESSAGE_STATUSES)}),
                _query(
                    "limit",
                    {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": MAX_LIMIT,
                        "default": DEFAULT_LIMIT,
                    },
                ),
                _query(
                    "before",
                    {"type": "string"},
                    "the next_before of the previous page (opaque)",
                ),
            ],
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "required": ["messages", "next_before"],
                        "properties": {
                            "messages": {"type": "array", "items": _ref("Message")},
                            "next_before": {
                                "type": ["string", "null"],
                                "description": "pass as before for the next (older) page; "
                                "null on the last page",
                            },
                        },
                    }
                ),
                **_problems(401, 404, 422),
            },
        }
    },
    "/api/v1/events/{id}": {
        "patch": {
            "summary": "Change an event's details, date, hours or chairs (its coordinator, admin)",
            "description": "Every booking whose time stays is kept. When the change removes "
            "booked times the answer is 409 bookings-affected listing those people, unless "
            "confirm_cancellations is true: then they are cancelled and texted. Times already "
            "used at the chair, and cancelled or completed events, are 409 event-conflict.",
            "security": _STAFF,
            "parameters": [_ID],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref("EventChange")}},
            },
            "responses": {
                "200": _json({"type": "object", "properties": {"event": _ref("Event")}}),
                "409": {
                    "description": "Bookings affected, or the event cannot change",
                    "content": {"application/problem+json": {"schema": _ref("BookingsAffected")}},
                },
                **_problems(400, 401, 404, 422),
            },
        }
    },
    "/api/v1/events/{id}/roster": {
        "get": {
            "summary": "Who booked an event, in time order, with counts (its coordinator, admin)",
            "description": "Names, times, chairs and statuses only: never a phone number or a "
            "screen field. Cancelled bookings are counted, not listed.",
            "security": _STAFF,
            "parameters": [_ID],
            "responses": {"200": _json(_ref("Roster")), **_problems(401, 404)},
        }
    },
    "/api/v1/events/{id}/publish": {
        "post": {
            "summary": "Open sign-up",
            "security": _STAFF,
            "parameters": [_ID],
            "responses": {
                "200": _json({"type": "object", "properties": {"event": _ref("Event")}}),
                **_problems(401, 404, 409),
            },
        }
    },
}

openapi_outcomes.merge(PATHS, SCHEMAS)


# Endpoints that create, move or cancel share one rate-limit budget per client (429).
_LIMITED = {
    ("/api/v1/public/events/{share_token}/bookings", "post"),
    ("/api/v1/public/events/{share_token}/waitlist", "post"),
    ("/api/v1/waitlist/{token}", "delete"),
    ("/api/v1/waitlist/{token}/claim", "post"),
    ("/api/v1/bookings/{token}", "delete"),
    ("/api/v1/bookings/{token}/screen", "put"),
    ("/api/v1/bookings/{id}/status", "post"),
    ("/api/v1/events/{id}/chairs/{number}/therapist", "post"),
    ("/api/v1/events", "post"),
    ("/api/v1/events/{id}", "patch"),
    ("/api/v1/events/{id}/publish", "post"),
}


def _with_edge_problems(paths: dict) -> dict:
    """Add what the edge checks answer before any view (edge.py): 422 for a bad field anywhere,
    and for JSON bodies 400 (unreadable or nested too deep), 413 (too large) and 415."""
    done = {}
    for path, operations in paths.items():
        done[path] = {}
        for method, operation in operations.items():
            codes = [422] + ([400, 413, 415] if "requestBody" in operation else [])
            codes += [429] if (path, method) in _LIMITED else []
            missing = [code for code in codes if str(code) not in operation["responses"]]
            responses = operation["responses"] | _problems(*missing)
            done[path][method] = operation | {"responses": responses}
    return done


def spec() -> dict:
    """The whole OpenAPI document."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "chairops API", "version": "1"},
        "paths": _with_edge_problems(PATHS | LINE_PATHS | openapi_programmes.PATHS),
        "components": {
            "schemas": SCHEMAS | openapi_programmes.SCHEMAS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
