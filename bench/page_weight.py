"""Page weight of the phone sign-up journey, as Chromium's Performance API reports it.

A new phone-sized browser (empty cache) opens an event's sign-up page, then books a time and
lands on the confirmation page (the next page). For each page: the bytes that crossed the
network (navigation and resource transferSize: headers plus compressed bodies) and the number
of requests that went out (a resource served from the browser's cache has transferSize 0).
Budgets (issue 13): the first visit at most 20 KB in at most 2 requests, the next page at
most 8 KB. Figures go to bench/results/page_weight.json and stdout.

Run from the repository root: `.venv/bin/python bench/page_weight.py` (SQLite in a temporary
folder, the app served by werkzeug on 127.0.0.1, Debian's chromium).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "page_weight.json"
CHROMIUM = "/usr/bin/chromium"
BUDGET = {"first_visit_bytes": 20 * 1024, "first_visit_requests": 2, "next_page_bytes": 8 * 1024}
PHONE = {"width": 390, "height": 844}

FIGURES = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const resources = performance.getEntriesByType("resource").map(r => ({
    url: new URL(r.name).pathname, transfer: r.transferSize,
    encoded: r.encodedBodySize, decoded: r.decodedBodySize,
  }));
  const sent = resources.filter(r => r.transfer > 0);
  return {
    url: new URL(nav.name).pathname,
    document: {transfer: nav.transferSize, encoded: nav.encodedBodySize,
               decoded: nav.decodedBodySize},
    resources,
    bytes: nav.transferSize + sent.reduce((total, r) => total + r.transfer, 0),
    requests: 1 + sent.length,
  };
}"""


def page_figures(page) -> dict:
    """The transfer figures of the page now open, once it has loaded."""
    page.wait_for_load_state("load")
    return page.evaluate(FIGURES)


def sign_up_journey(page, share_token: str) -> dict:
    """Open the sign-up page with an empty cache, book the first time, land on the booking."""
    page.goto(f"/e/{share_token}")
    first = page_figures(page)
    page.locator("label.time").first.click()
    page.get_by_label("Your name").fill("Pat Weight")
    page.get_by_label("Mobile number").fill("(202) 555-0147")
    with page.expect_navigation(url=lambda url: "/b/" in url):
        page.get_by_role("button", name="Book my massage").click()
    return {"first_visit": first, "next_page": page_figures(page)}


def _event(app) -> str:
    """A published event tomorrow with two chairs; its share token."""
    from chairops.events.service import create_event, publish_event, validate_event
    from chairops.extensions import db
    from chairops.models import Company

    with app.app_context():
        db.create_all()
        company = Company(name="Bench Co", timezone="America/New_York", country="US")
        db.session.add(company)
        day = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).date().isoformat()
        raw = {
            "title": "Chair massage day", "location": "1 Main Street",
            "timezone": "America/New_York", "date": day, "start_time": "10:00",
            "end_time": "12:00", "chairs": 2, "slot_minutes": 15, "buffer_minutes": 5,
        }  # fmt: skip
        event = create_event(db.session, company, validate_event(raw))
        publish_event(db.session, event)
        db.session.commit()
        return event.share_token


def main() -> int:
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from chairops import create_app

    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3", "TESTING": True}
        )
        token = _event(app)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
                context = browser.new_context(viewport=PHONE, is_mobile=True, base_url=base)
                figures = sign_up_journey(context.new_page(), token)
                browser.close()
        finally:
            server.shutdown()
    first, after = figures["first_visit"], figures["next_page"]
    within = (
        first["bytes"] <= BUDGET["first_visit_bytes"]
        and first["requests"] <= BUDGET["first_visit_requests"]
        and after["bytes"] <= BUDGET["next_page_bytes"]
    )
    result = {"budget": BUDGET, "within_budget": within, **figures}
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0 if within else 1


if __name__ == "__main__":
    sys.exit(main())
