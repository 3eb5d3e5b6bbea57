"""The programmes part of the OpenAPI document; openapi.spec() merges it in."""

from __future__ import annotations

from ..programmes.recurrence import MAX_DATES
from ..programmes.rules import BOOKED_DATES, LIMITS, PRIORITY_HOURS, SIGNUP_DAYS_BEFORE


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _problems(*codes: int) -> dict:
    problem = {"content": {"application/problem+json": {"schema": _ref("Problem")}}}
    return {str(code): {"description": "Problem", **problem} for code in codes}


_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
_STAFF = [{"bearer": []}]
_CLOCK = {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$"}
_DAY = {"type": "string", "format": "date"}

_TEMPLATE = {
    "title": {"type": "string", "maxLength": 120},
    "location": {"type": "string", "maxLength": 200},
    "room": {"type": "string", "maxLength": 120},
    "timezone": {"type": "string", "examples": ["America/New_York"]},
    "start_time": _CLOCK,
    "end_time": _CLOCK,
    "chairs": {"type": "integer", "minimum": 1, "maximum": 30},
    "slot_minutes": {"type": "integer", "minimum": 5, "maximum": 120},
    "buffer_minutes": {"type": "integer", "minimum": 0, "maximum": 60},
}
_SETTINGS = {
    "rrule": {
        "type": "string",
        "maxLength": 500,
        "description": "An RFC 5545 RRULE over whole days (FREQ DAILY, WEEKLY, MONTHLY or "
        f"YEARLY) with COUNT or UNTIL; at most {MAX_DATES} dates within five years",
        "examples": ["FREQ=MONTHLY;BYDAY=1TU;COUNT=10", "FREQ=WEEKLY;BYDAY=TU,TH;UNTIL=20261218"],
    },
    "dtstart": {**_DAY, "description": "where the rule starts; the first date is the rule's first"},
    "exdates": {"type": "array", "items": _DAY, "description": "dates of the rule to skip"},
    "publish": {"type": "boolean", "default": False},
    "signup_opens_days_before": {
        "type": "integer",
        "minimum": LIMITS["signup_opens_days_before"][0],
        "maximum": LIMITS["signup_opens_days_before"][1],
        "default": SIGNUP_DAYS_BEFORE,
    },
    "signup_opens_time": {**_CLOCK, "default": "09:00", "description": "local time"},
    "priority_hours": {
        "type": "integer",
        "minimum": 0,
        "maximum": LIMITS["priority_hours"][1],
        "default": PRIORITY_HOURS,
        "description": "hours after sign-up opens in which only people who did not have a "
        "massage at the previous date may book (0: none)",
    },
    "monthly_cap": {
        "type": ["integer", "null"],
        "minimum": 1,
        "maximum": LIMITS["monthly_cap"][1],
        "default": None,
        "description": "massages per person per calendar month (null: no cap)",
    },
}

SCHEMAS = {
    "NewProgramme": {
        "type": "object",
        "required": [
            "title",
            "location",
            "timezone",
            "start_time",
            "end_time",
            "chairs",
            "slot_minutes",
            "buffer_minutes",
            "rrule",
            "dtstart",
        ],
        "properties": {"company_id": {"type": "integer", "description": "admin only"}}
        | _TEMPLATE
        | _SETTINGS,
    },  # fmt: skip
    "ProgrammeChange": {
        "type": "object",
        "description": "Any of these; fields left out keep their value.",
        "properties": _TEMPLATE
        | _SETTINGS
        | {
            "booked_dates": {
                "enum": list(BOOKED_DATES),
                "description": "dates with bookings: keep them as they are, or change them too "
                "(bookings whose times stay are kept; the others are cancelled and texted)",
            }
        },
    },
    "ProgrammeDate": {
        "type": "object",
        "required": ["id", "date", "share_token", "status", "signup_opens_at"],
        "properties": {
            "id": {"type": "integer"},
            "date": _DAY,
            "share_token": {"type": "string"},
            "status": {"type": "string"},
            "signup_opens_at": {"type": ["string", "null"], "format": "date-time"},
            "priority_ends_at": {"type": ["string", "null"], "format": "date-time"},
            "signup_url": {"type": "string"},
        },
    },
    "Programme": {
        "type": "object",
        "required": ["id", "events"],
        "properties": {"id": {"type": "integer"}, "company_id": {"type": "integer"}}
        | _TEMPLATE
        | _SETTINGS
        | {"events": {"type": "array", "items": _ref("ProgrammeDate")}},
    },
    "PriorityWindow": {
        "description": "409 priority-window from POST /api/v1/public/events/{share_token}/"
        "bookings: this number had a massage at the programme's previous date, and the first "
        "hours after sign-up opens are for people who did not. ends_at says when they may book.",
        "allOf": [
            _ref("Problem"),
            {
                "type": "object",
                "properties": {"ends_at": {"type": "string", "format": "date-time"}},
            },
        ],
    },
    "DatesAffected": {
        "allOf": [
            _ref("Problem"),
            {
                "type": "object",
                "properties": {
                    "affected": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "date": _DAY,
                                "event_id": {"type": "integer"},
                                "bookings": {"type": "integer"},
                                "change": {"enum": ["change", "cancel"]},
                            },
                        },
                    }
                },
            },
        ]
    },
}

_ONE = {"type": "object", "required": ["programme"], "properties": {"programme": _ref("Programme")}}

PATHS = {
    "/api/v1/programmes": {
        "post": {
            "summary": "Create a programme and an event for each date of its rule",
            "description": "The body is the event fields of POST /api/v1/events without date, "
            "plus the recurrence and sign-up settings. 422 names the field: an RRULE that gives "
            f"no date or more than {MAX_DATES}, an unknown zone, an end before the start.",
            "security": _STAFF,
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref("NewProgramme")}},
            },
            "responses": {"201": _json(_ONE, "Created"), **_problems(400, 401, 404, 422)},
        },
        "get": {
            "summary": "The caller's programmes (a coordinator's company; every one for an admin)",
            "security": _STAFF,
            "parameters": [
                {"name": "company_id", "in": "query", "schema": {"type": "integer"}},
            ],
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "required": ["programmes"],
                        "properties": {"programmes": {"type": "array", "items": _ref("Programme")}},
                    }
                ),
                **_problems(401, 404),
            },
        },
    },
    "/api/v1/programmes/{id}": {
        "get": {
            "summary": "A programme, its dates and their figures (counts only, never names)",
            "security": _STAFF,
            "parameters": [_ID],
            "responses": {"200": _json(_ONE), **_problems(401, 404)},
        },
        "patch": {
            "summary": "Change a programme and its future dates",
            "description": "Future dates without bookings change at once. When the change "
            "touches dates with bookings, the answer is 409 bookings-affected listing them, "
            'unless booked_dates is "keep" (they stay as they are) or "change".',
            "security": _STAFF,
            "parameters": [_ID],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref("ProgrammeChange")}},
            },
            "responses": {
                "200": _json(_ONE),
                "409": {
                    "description": "Dates with bookings affected",
                    "content": {"application/problem+json": {"schema": _ref("DatesAffected")}},
                },
                **_problems(400, 401, 404, 422),
            },
        },
    },
}
