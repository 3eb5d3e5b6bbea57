"""A throwaway PostgreSQL database for one benchmark run."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgresql://postgres@127.0.0.1:5432")


@contextmanager
def fresh_database(prefix: str) -> Iterator[str]:
    """Create <prefix>_<random>, yield its URL, drop it WITH (FORCE) whatever happens."""
    name = f"{prefix}_{secrets.token_hex(4)}"
    with psycopg.connect(f"{PG_SERVER}/test", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        with psycopg.connect(f"{PG_SERVER}/test", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
