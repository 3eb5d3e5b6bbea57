"""Dispatch bench: 5,000 due texts through two dispatcher processes and the real twilio client.

In one run, against a fresh PostgreSQL database (created here, migrated with `flask db
upgrade`, dropped WITH (FORCE) at the end, also on failure):

* two dispatcher processes at once, each looping `dispatch_once` (FOR UPDATE SKIP LOCKED
  claims, no rate cap) until nothing is due, sending through TwilioSender, i.e. the real
  `twilio` Client whose HTTP client is pointed by TWILIO_API_BASE_URL at
* a local mock of Twilio's Messages endpoint (stdlib ThreadingHTTPServer in its own process)
  that answers 201 with a Message like Twilio's (unique "SM" + 32 hex SID, status "queued")
  and counts the requests it gets per message body;
* a baseline: the same 5,000 create-message requests made with the bare twilio Client (the
  same HTTP client class) from two processes, no database at all.

Results go to bench/results/dispatch.json and stdout. Exit status 1 when a text was sent
twice or never. Run from the repository root: `.venv/bin/python bench/dispatch.py`.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import secrets
import subprocess
import sys
import time
from collections import Counter
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs
from urllib.request import urlopen

import psycopg
from pgtools import fresh_database

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results" / "dispatch.json"
MESSAGES = 5000
PROCESSES = 2
BATCH = 100
ACCOUNT = "AC" + "b" * 32
TOKEN = "bench-auth-token"  # the mock checks that one is sent, not its value
FROM = "+15005550006"
PUBLIC = "https://bench.chairops.example"
TARGET_RATIO = 0.7
NOTES = (
    "msgs_per_s = texts / wall time from the start signal to the last dispatcher finding "
    "nothing due (claims, sends and records included); baseline_msgs_per_s = the same number "
    "of create-message calls with the bare twilio Client from as many processes, no database, "
    "averaged over a run before and a run after the dispatchers; "
    "ratio = msgs_per_s / baseline_msgs_per_s. duplicates = texts whose body reached the mock "
    "more than once; lost = texts that never reached it. Mock, clients and PostgreSQL share "
    "this machine."
)


# --- the mock of Twilio's Messages API ---------------------------------------------------


class MockTwilio(BaseHTTPRequestHandler):
    """POST /2010-04-01/Accounts/{sid}/Messages.json like Twilio; GET /_counts for the bench."""

    protocol_version = "HTTP/1.1"  # keep-alive, as with api.twilio.com
    disable_nagle_algorithm = True  # else each answer waits ~40 ms on a delayed ACK
    counts: Counter = Counter()

    def do_POST(self):
        form = parse_qs(self.rfile.read(int(self.headers.get("Content-Length", 0))).decode())
        path_ok = self.path == f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
        if not (path_ok and self.headers.get("Authorization") and "To" in form):
            return self._answer(400, {"code": 21604, "message": "bad request", "status": 400})
        body = form["Body"][0]
        self.counts[body] += 1
        return self._answer(201, self._message(form, body))

    def do_GET(self):
        self._answer(200, dict(self.counts))

    def _message(self, form, body) -> dict:
        sid = "SM" + secrets.token_hex(16)
        uri = f"/2010-04-01/Accounts/{ACCOUNT}/Messages/{sid}"
        now = formatdate(usegmt=True)
        return {
            "sid": sid, "account_sid": ACCOUNT, "to": form["To"][0],
            "from": form.get("From", [None])[0], "body": body, "status": "queued",
            "messaging_service_sid": form.get("MessagingServiceSid", [None])[0],
            "direction": "outbound-api", "num_segments": "1", "num_media": "0",
            "date_created": now, "date_updated": now, "date_sent": None, "price": None,
            "price_unit": "USD", "error_code": None, "error_message": None,
            "api_version": "2010-04-01",
            "uri": f"{uri}.json", "subresource_uris": {"media": f"{uri}/Media.json"},
        }  # fmt: skip

    def _answer(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def serve_mock(ports) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), MockTwilio)
    server.daemon_threads = True
    ports.put(server.server_address[1])
    server.serve_forever()


def mock_counts(base_url: str) -> Counter:
    with urlopen(f"{base_url}/_counts", timeout=30) as response:
        return Counter(json.load(response))


# --- the two sides: dispatchers and the bare client --------------------------------------


def dispatcher(db_url: str, base_url: str, ready, go, results) -> None:
    """One dispatcher process: loop dispatch_once until nothing is due; report its counts."""
    from chairops import create_app
    from chairops.messaging.dispatch import dispatch_once

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": db_url, "SECRET_KEY": "bench", "PUBLIC_BASE_URL": PUBLIC,
            "SMS_BACKEND": "twilio", "TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": TOKEN,
            "TWILIO_FROM": FROM, "TWILIO_API_BASE_URL": base_url, "SMS_RATE_PER_SECOND": 0,
            # Throughput is measured here, not the limits against pumping: those are off.
            "SMS_HOURLY_BUDGET": 0, "SMS_NUMBER_HOURLY_LIMIT": 0, "SMS_NUMBER_DAILY_LIMIT": 0,
            "SMS_EVENT_HOURLY_PER_SLOT": 0,
        }
    )  # fmt: skip
    ready.put(os.getpid())
    go.wait()
    totals = Counter()
    while (counts := dispatch_once(app, limit=BATCH, rate_per_second=0))["claimed"]:
        totals.update(counts)
    results.put((time.monotonic(), dict(totals)))


def bare_client(index: int, base_url: str, ready, go, results) -> None:
    """One baseline process: its share of the texts through the bare twilio Client."""
    from twilio.rest import Client

    from chairops.messaging.senders import RebasedTwilioHttpClient

    http = RebasedTwilioHttpClient(base_url, timeout=10)
    client = Client(ACCOUNT, TOKEN, http_client=http)
    ready.put(os.getpid())
    go.wait()
    for n in range(index, MESSAGES, PROCESSES):
        client.messages.create(
            to=phone(n), from_=FROM, body=text(n, "baseline"),
            status_callback=f"{PUBLIC}/twilio/status",
        )  # fmt: skip
    results.put((time.monotonic(), {"sent": len(range(index, MESSAGES, PROCESSES))}))


def race(ctx, target, args_of) -> tuple[float, list[dict]]:
    """Start PROCESSES workers, release them together, return the wall time and their counts."""
    ready, go, results = ctx.Queue(), ctx.Event(), ctx.Queue()
    workers = [
        ctx.Process(target=target, args=(*args_of(i), ready, go, results)) for i in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    try:
        for _ in workers:  # every process has imported and built its app before the signal
            ready.get(timeout=60)
        start = time.monotonic()
        go.set()
        finished = [results.get(timeout=150) for _ in workers]
        for worker in workers:
            worker.join(30)
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
                worker.join(5)
    return max(end for end, _ in finished) - start, [counts for _, counts in finished]


# --- database ----------------------------------------------------------------------------


def phone(n: int) -> str:
    return f"+1202555{n % 10000:04d}"


def text(n: int, side: str) -> str:
    token = f"{n:06d}{side[:4]}".ljust(43, "x")
    return (
        f"chairops: your chair massage is today at 2:15 PM, Wellness room, 3rd floor. Change "
        f"or cancel: {PUBLIC}/b/{token} #{side}{n}"
    )


def migrate_and_seed(url: str) -> None:
    env = os.environ | {"DATABASE_URL": url, "SMS_BACKEND": "console", "DEV_SCHEDULER": "0"}
    subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT, env=env, check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    rows = [(phone(n), text(n, "dispatch"), f"bench:{n}") for n in range(MESSAGES)]
    with psycopg.connect(url) as conn:
        with conn.cursor() as cursor:
            cursor.executemany(
                'INSERT INTO messages ("to", kind, body, send_at, status, attempts, '
                "idempotency_key, created_at, updated_at) VALUES (%s, 'reminder', %s, "
                "now() - interval '1 minute', 'pending', 0, %s, now(), now())",
                rows,
            )
        conn.commit()
        conn.execute("ANALYZE messages")


def statuses(url: str) -> dict:
    with psycopg.connect(url) as conn:
        return dict(conn.execute("SELECT status, count(*) FROM messages GROUP BY status"))


# --- the run ----------------------------------------------------------------------------


def summarize(url, counts, wall, baseline_walls, per_process) -> dict:
    bodies = [text(n, "dispatch") for n in range(MESSAGES)]
    baseline_runs = [MESSAGES / w for w in baseline_walls]
    rate, baseline = MESSAGES / wall, sum(baseline_runs) / len(baseline_runs)
    by_status = statuses(url)
    return {
        "messages": MESSAGES,
        "sent": by_status.get("sent", 0),
        "duplicates": sum(1 for b in bodies if counts[b] > 1),
        "lost": sum(1 for b in bodies if counts[b] == 0),
        "msgs_per_s": round(rate, 1),
        "baseline_msgs_per_s": round(baseline, 1),
        "ratio": round(rate / baseline, 3),
        "wall_s": round(wall, 2),
        "baseline_runs_msgs_per_s": [round(r, 1) for r in baseline_runs],
        "processes": PROCESSES,
        "batch": BATCH,
        "per_dispatcher": per_process,
        "statuses": by_status,
        "notes": NOTES,
    }


def main() -> int:
    ctx = mp.get_context("spawn")  # no fork after threads; each process builds its own app
    ports = ctx.Queue()
    mock = ctx.Process(target=serve_mock, args=(ports,), daemon=True)
    mock.start()
    try:
        base_url = f"http://127.0.0.1:{ports.get(timeout=30)}"
        with fresh_database("chairops_dispatch") as url:
            migrate_and_seed(url)
            db_url = url.replace("postgresql://", "postgresql+psycopg://")
            load = os.getloadavg()[0]
            # The baseline runs before and after the dispatchers, so drifting load evens out.
            before, _ = race(ctx, bare_client, lambda i: (i, base_url))
            wall, per_process = race(ctx, dispatcher, lambda i: (db_url, base_url))
            after, _ = race(ctx, bare_client, lambda i: (i, base_url))
            result = summarize(url, mock_counts(base_url), wall, [before, after], per_process)
            result["load_1m_before"] = round(load, 2)
    finally:
        mock.terminate()
        mock.join(5)
    result["targets"] = {  # correctness fails the run; the ratio is reported
        "duplicates == 0": result["duplicates"] == 0,
        "lost == 0": result["lost"] == 0,
        f"ratio >= {TARGET_RATIO}": result["ratio"] >= TARGET_RATIO,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0 if result["duplicates"] == 0 and result["lost"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
