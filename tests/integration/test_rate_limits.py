"""Issue 12, point 1: one rate-limit budget per client over every endpoint that creates, moves or
cancels, and counters shared by every worker when RATELIMIT_STORAGE_URI names Redis."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import redis

from tests.conftest import _unavailable
from tests.factories import phone

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379"


@pytest.fixture
def app_config():
    return {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://",
            "CLAIM_RATE_LIMIT": "5 per minute"}  # fmt: skip


def test_claim_cancel_join_and_leave_draw_on_one_budget(client, make):
    event = make.event(chairs=2)
    full = make.event(chairs=1, start_time="10:00", end_time="10:35")
    for n in (1, 2):
        make.booking(full, n)
    base = f"/api/v1/public/events/{event.share_token}"
    start = client.get(base).json["times"][0]["start"]
    body = {"name": "Ira", "phone": phone(50), "sms_consent": True, "start": start}
    token = client.post(f"{base}/bookings", json=body).json["booking"]["token"]  # 1
    assert client.delete(f"/api/v1/bookings/{token}").status_code == 200  # 2
    join = {"name": "Ira", "phone": phone(50), "sms_consent": True}
    url = f"/api/v1/public/events/{full.share_token}/waitlist"
    place = client.post(url, json=join).json["waitlist"]["token"]  # 3
    assert client.delete(f"/api/v1/waitlist/{place}").status_code == 200  # 4
    assert client.post(f"/e/{event.share_token}", data={"name": "x"}).status_code == 422  # 5
    refused = client.delete(f"/api/v1/bookings/{token}")
    assert refused.status_code == 429 and refused.json["type"] == "/problems/too-many-requests"
    assert client.get(base).status_code == 200  # reading is not limited
    other = client.delete(
        f"/api/v1/bookings/{token}", environ_overrides={"REMOTE_ADDR": "10.9.9.9"}
    )
    assert other.status_code == 200  # another client has its own budget


def test_a_staff_token_has_its_own_budget(client, make):
    _, token = make.user("coordinator", api_token=True)
    headers = {"Authorization": f"Bearer {token}"}
    statuses = [client.post("/api/v1/events", json={}, headers=headers).status_code
                for _ in range(6)]  # fmt: skip
    assert statuses == [422] * 5 + [429]
    assert client.delete("/api/v1/bookings/x").status_code == 404  # the address is still fine


WORKER = """
import json, sys
from chairops import create_app
app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                  "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": sys.argv[1],
                  "RATELIMIT_KEY_PREFIX": sys.argv[2], "CLAIM_RATE_LIMIT": "4 per minute"})
client = app.test_client()
print(json.dumps([client.delete("/api/v1/bookings/short").status_code
                  for _ in range(int(sys.argv[3]))]))
"""


def worker(prefix: str, requests: int) -> list[int]:
    """One web worker: its own process and app, counting in the storage given."""
    out = subprocess.run(
        [sys.executable, "-c", WORKER, REDIS_URL, prefix, str(requests)],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_two_workers_share_their_counters_in_redis():
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    except redis.RedisError as exc:
        _unavailable("Redis", exc)
    prefix = "chairops-test-" + secrets.token_hex(4)
    assert worker(prefix, 3) == [404, 404, 404]
    assert worker(prefix, 2) == [404, 429]  # the second worker saw the first one's three
