"""Browser fixtures: the test's app served on a real port, and Debian's chromium via Playwright.

Each test gets its own app and SQLite file (the `app` fixture); the live server answers from a
background thread in its own app contexts, so the test and the browser share that database.
Under CI=true a missing or broken chromium fails the run; elsewhere the browser tests skip.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
IN_CI = os.environ.get("CI", "").lower() == "true"
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}
# Playwright's default is 30 s; a local page that takes more than this is a failure worth seeing.
TIMEOUT_MS = 5_000


def _unavailable(why: object):
    if IN_CI:
        pytest.fail(f"chromium is required under CI=true but unavailable: {why}")
    pytest.skip(f"chromium unavailable: {why}")


@pytest.fixture
def app_config():
    """Browser tests run the real CSRF flow; cookies must work over plain http."""
    return {
        "WTF_CSRF_ENABLED": True,
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
    }


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """Serve the test's app on 127.0.0.1 and an ephemeral port; yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base_url = f"http://127.0.0.1:{server.server_port}"
    previous = app.config["PUBLIC_BASE_URL"]
    app.config["PUBLIC_BASE_URL"] = base_url
    # A short poll interval lets shutdown() return at once instead of after up to 0.5 s.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="live-server", daemon=True
    )
    thread.start()
    try:
        yield base_url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        app.config["PUBLIC_BASE_URL"] = previous


@pytest.fixture(scope="session")
def browser():
    """One headless chromium for the whole session."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing")
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    try:
        playwright = sync_playwright().start()
    except Exception as exc:  # the driver itself could not start
        _unavailable(exc)
    try:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
    except PlaywrightError as exc:
        playwright.stop()
        _unavailable(exc)
    try:
        yield browser
    finally:
        browser.close()
        playwright.stop()


def _page(browser, **options):
    context = browser.new_context(**options)
    context.set_default_timeout(TIMEOUT_MS)
    return context, context.new_page()


@pytest.fixture
def phone_context_options() -> dict:
    """A phone-sized context; tests may copy it and change a setting (e.g. JavaScript off)."""
    return {
        "viewport": PHONE,
        "is_mobile": True,
        "has_touch": True,
        "accept_downloads": True,
        "locale": "en-US",
    }


@pytest.fixture
def phone_page(browser, live_server, phone_context_options):
    context, page = _page(browser, base_url=live_server, **phone_context_options)
    yield page
    context.close()


@pytest.fixture
def laptop_page(browser, live_server):
    context, page = _page(browser, base_url=live_server, viewport=LAPTOP, locale="en-US")
    yield page
    context.close()


@pytest.fixture
def new_page(browser, live_server):
    """Open pages in extra contexts (JavaScript off, another person); closed after the test.

    Depends on live_server so that every page closes before the server stops.
    """
    contexts = []

    def open_page(**options):
        context, page = _page(browser, base_url=live_server, **options)
        contexts.append(context)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def shots() -> Path:
    """Where screenshots go for a person to look at; never inside the repository."""
    folder = Path(os.environ.get("CHAIROPS_SHOTS", "/tmp/shots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder
