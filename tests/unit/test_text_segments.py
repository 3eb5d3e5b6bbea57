"""Every kind of text fits in two SMS segments for the longest name, title and place the forms
allow, in GSM-7 and when a name or place holds a character outside it; links, the stop line and
the safety line are never cut."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chairops.events.rules import TEXT_LIMITS
from chairops.messaging import rules, texts
from chairops.seating.seats import NAME_LIMIT

BRAND = "chairops"
AT, CLOCK, DAY = "Wed 30 Sep, 12:45 PM", "12:45 PM", "Wed 30 Sep"  # the longest each can be
BASES = ("https://chairops.example.com", "https://massage.acme-corporation.example.com")
TOKEN, SHARE = "T" * 43, "S" * 22  # token_urlsafe(32) and token_urlsafe(16)


def _long(start: str, limit: int) -> str:
    return (start + " " + "Wellness wing, floor 3" * 20)[:limit]


NAMES = {
    "short": "Sam",
    "zoe": "Zoë",
    "lukasz": "Łukasz",
    "longest-gsm": "A" * NAME_LIMIT,
    "longest-ucs": "Łukasz" + "ë" * (NAME_LIMIT - 6),
    "cjk": "王" * NAME_LIMIT,
    "braces": "{Sam}" * (NAME_LIMIT // 5),  # extension characters cost two septets
}
PLACES = {
    "short": ("Room 4", "1 Main St"),
    "curly": ("Kate’s room", "1 Main Street"),
    "longest-gsm": (
        _long("Room", TEXT_LIMITS["room"]),
        _long("1 Main St", TEXT_LIMITS["location"]),
    ),
    "longest-ucs": (
        _long("Kate’s room", TEXT_LIMITS["room"]),
        _long("ul. Łódzka 5, Kraków", TEXT_LIMITS["location"]),
    ),
    "euro": ("€" * TEXT_LIMITS["room"], "[" * TEXT_LIMITS["location"]),
}
TITLES = {
    "short": "Winter reset",
    "longest-gsm": _long("Chair massage day", TEXT_LIMITS["title"]),
    "longest-ucs": _long("Zoë’s wellness day", TEXT_LIMITS["title"]),
}


def every_text(base: str, name: str, room: str, location: str, title: str) -> dict[str, str]:
    """Each kind of text as the services word it, with these variable parts."""
    where = texts.place(room, location)
    manage, screen = f"{base}/b/{TOKEN}", f"{base}/b/{TOKEN}/screen"
    wait, signup = f"{base}/w/{TOKEN}", f"{base}/e/{SHARE}"
    return {
        "confirmation": texts.confirmation(BRAND, name, AT, where, 30, manage),
        "moved": texts.moved(BRAND, AT, where, 30, manage),
        "reminder": texts.reminder(BRAND, CLOCK, where, screen, manage),
        "reminder-screened": texts.reminder(BRAND, CLOCK, where, None, manage),
        "up_next": texts.up_next(BRAND, 30, CLOCK, where),
        "tips-low-back": texts.tips(BRAND, "low_back"),
        "tips-general": texts.tips(BRAND, "general"),
        "event_cancelled": texts.event_cancelled(BRAND, title, AT),
        "event_changed": texts.event_changed(BRAND, AT, where),
        "booking_dropped": texts.booking_dropped(BRAND, title, AT, signup),
        "booking_dropped-closed": texts.booking_dropped(BRAND, title, AT, None),
        "waitlist_joined": texts.waitlist_joined(BRAND, title, DAY, 999, wait),
        "waitlist_offer": texts.waitlist_offer(BRAND, AT, where, 30, CLOCK, wait, False),
        "waitlist_offer-now": texts.waitlist_offer(BRAND, AT, where, 30, CLOCK, wait, True),
        "help": texts.help_text(BRAND),
        "other_reply": texts.other_reply_text(BRAND),
    }


# The outbox adds the stop line to a number's first text; these carry it themselves.
CARRY_STOP = {"confirmation", "help"}
LINKS = {
    "confirmation": "/b/",
    "moved": "/b/",
    "reminder": "/screen",
    "reminder-screened": "/b/",
    "booking_dropped": "/e/",
    "waitlist_joined": "/w/",
    "waitlist_offer": "/w/",
    "waitlist_offer-now": "/w/",
}


def check(kind: str, body: str, base: str) -> None:
    sent = body if kind in CARRY_STOP else f"{body} {texts.STOP_LINE}"
    assert rules.segments(sent) <= 2, (kind, rules.segments(sent), sent)
    assert body.startswith(f"{BRAND}: ")
    if kind in CARRY_STOP:
        assert body.endswith(texts.STOP_LINE)
    if kind.startswith("tips"):
        assert texts.SAFETY_LINE in body
    if kind in LINKS:  # the whole link, never cut
        token = SHARE if LINKS[kind] == "/e/" else TOKEN
        assert f"{base}{LINKS[kind].replace('/screen', '/b/')}{token}" in body


@pytest.mark.parametrize("base", BASES, ids=["base", "long-base"])
@pytest.mark.parametrize("name", NAMES, ids=str)
@pytest.mark.parametrize("place", PLACES, ids=str)
@pytest.mark.parametrize("title", TITLES, ids=str)
def test_every_kind_fits_two_segments_with_the_longest_inputs(base, name, place, title):
    room, location = PLACES[place]
    for kind, body in every_text(base, NAMES[name], room, location, TITLES[title]).items():
        check(kind, body, base)


def test_short_plain_inputs_are_sent_as_they_are():
    bodies = every_text(BASES[0], "Sam", "Room 4", "1 Main St", "Winter reset")
    assert "Sam, your chair massage" in bodies["confirmation"]
    assert "Room 4, 1 Main St" in bodies["up_next"] and "Winter reset" in bodies["event_cancelled"]
    assert not any(rules.TRUNCATED in body for body in bodies.values())


def test_a_name_outside_gsm7_is_kept_where_it_fits_and_made_plain_where_it_does_not():
    # A link and the stop line leave no room for UCS-2 in two segments: the name is spelled plain.
    confirmation = texts.confirmation(BRAND, "Zoë", AT, "Room 4", 3, f"{BASES[0]}/b/{TOKEN}")
    assert confirmation.startswith("chairops: Zoe, your") and rules.is_gsm7(confirmation)
    # A short text without a link still fits in UCS-2: the place keeps its own spelling.
    up_next = texts.up_next(BRAND, 3, CLOCK, "ul. Łódzka 5")
    assert up_next.endswith("ul. Łódzka 5.") and not rules.is_gsm7(up_next)


def test_curly_quotes_and_dashes_are_always_sent_plain():
    up_next = texts.up_next(BRAND, 3, CLOCK, "Kate’s room – 1 Main\u00a0St")
    assert up_next.endswith("Kate's room - 1 Main St.") and rules.segments(up_next) == 1


def test_a_long_place_is_cut_with_a_plain_marker():
    room, location = PLACES["longest-gsm"]
    body = texts.confirmation(BRAND, "Sam", AT, texts.place(room, location), 3, "https://x/b/t")
    assert "Sam, your chair massage" in body and rules.TRUNCATED + ", chair 3." in body
    assert rules.is_gsm7(body) and rules.segments(body) == 2


@settings(max_examples=60, deadline=None)
@given(
    name=st.text(min_size=1, max_size=NAME_LIMIT),
    room=st.text(max_size=TEXT_LIMITS["room"]),
    location=st.text(min_size=1, max_size=TEXT_LIMITS["location"]),
    title=st.text(min_size=1, max_size=TEXT_LIMITS["title"]),
)
def test_any_name_place_and_title_the_forms_allow_fit_two_segments(name, room, location, title):
    for kind, body in every_text(BASES[1], name, room, location, title).items():
        check(kind, body, BASES[1])
