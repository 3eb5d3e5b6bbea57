"""The phone sign-up page is light on a poor connection (issue 13.7), read from the Performance API.

First visit (empty cache): at most 20 KB over the wire in at most 2 requests. The next page:
at most 8 KB, the stylesheet coming from the cache without even a revalidation request.
"""

from __future__ import annotations

import re

import pytest

from bench.page_weight import BUDGET, sign_up_journey

pytestmark = pytest.mark.browser


def test_sign_up_page_and_the_next_stay_within_budget(
    live_server, new_page, phone_context_options, make
):
    event = make.event()
    page = new_page(**phone_context_options)
    responses = []
    page.on("response", lambda response: responses.append(response))
    figures = sign_up_journey(page, event.share_token)
    first, after = figures["first_visit"], figures["next_page"]

    assert first["bytes"] <= BUDGET["first_visit_bytes"], first
    assert first["requests"] <= BUDGET["first_visit_requests"], first
    assert after["bytes"] <= BUDGET["next_page_bytes"], after
    assert after["requests"] == 1, after  # only the page itself: the stylesheet is cached
    (stylesheet,) = [r for r in first["resources"] if r["url"].endswith(".css")]
    assert re.fullmatch(r"/static/app\.[0-9a-f]{12}\.css", stylesheet["url"])
    assert stylesheet["encoded"] < stylesheet["decoded"] / 3  # sent compressed
    assert first["document"]["encoded"] < first["document"]["decoded"] / 2

    css = next(r for r in responses if r.url.endswith(stylesheet["url"]))
    headers = css.all_headers()
    assert (
        "immutable" in headers["cache-control"] and "max-age=315360000" in headers["cache-control"]
    )
    assert headers["content-encoding"] in ("br", "gzip")
    html = next(r for r in responses if r.url.endswith(f"/e/{event.share_token}"))
    assert html.all_headers()["content-encoding"] in ("br", "gzip")
