"""The share kit: the sign-up link as a QR code, for the poster and for downloads (segno)."""

from __future__ import annotations

import io

import segno
from markupsafe import Markup

from ..errors import EventConflict
from ..models import Event

# A printed code is scanned across a room and may get scuffed: prefer more error correction.
QR_OPTIONS = {"error": "q", "boost_error": True}
QUIET_ZONE = 4  # modules of white around the code, as the standard asks


class SignupNotOpen(EventConflict):
    """The share kit of an event that takes no bookings: a draft, or a closed or past event."""

    problem = "signup-not-open"
    title = "There is no sign-up link to share"


def require_signup_open(event: Event) -> None:
    """Only a published event has a sign-up link worth sharing; anything else is a 409 page."""
    if event.status == "draft":
        raise SignupNotOpen("Publish the event first: a draft has no sign-up link yet.")
    if event.status != "published":
        raise SignupNotOpen(f"This event is {event.status}, so its sign-up link no longer works.")


def qr_inline_svg(url: str, title: str) -> Markup:
    """The code as an SVG element to put in a page; it scales to its box (viewBox, no size)."""
    code = segno.make(url, **QR_OPTIONS)
    svg = code.svg_inline(
        scale=1, border=QUIET_ZONE, omitsize=True, dark="#000", light="#fff", svgclass="qr",
        lineclass=None, title=title,
    )  # fmt: skip
    return Markup(svg)  # segno escapes the title; the rest is its own markup


def qr_file(url: str, kind: str) -> bytes:
    """The code as a file to download: 'svg' (any size, for print) or 'png' (for email, chat)."""
    out = io.BytesIO()
    code = segno.make(url, **QR_OPTIONS)
    if kind == "svg":
        code.save(out, kind="svg", scale=10, border=QUIET_ZONE, dark="#000", light="#fff")
    else:
        code.save(out, kind="png", scale=12, border=QUIET_ZONE, dark="#000", light="#fff")
    return out.getvalue()
