"""The PostgreSQL and Redis servers the tests use, and waiting for a process's port.

A missing service skips the tests that need it, except under ROLEPLAY_REQUIRE_SERVICES=1
(CI), where it fails them.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest

POSTGRES_URL = os.environ.get(
    "ROLEPLAY_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("ROLEPLAY_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
REQUIRE_SERVICES = os.environ.get("ROLEPLAY_REQUIRE_SERVICES") == "1"


def missing(what: str) -> NoReturn:
    """Skip the test for a missing service; fail it where the services are required."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{what} (ROLEPLAY_REQUIRE_SERVICES=1: the test must run)")
    pytest.skip(what)


def postgres_schema_url(prefix: str) -> Iterator[str]:
    """A fresh schema in the test database (its URL), dropped afterwards."""
    try:
        import psycopg
    except ImportError:  # pragma: no cover - the test extra installs it
        missing("psycopg is not installed")
    schema = prefix + secrets.token_hex(4)
    try:
        with psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
    except psycopg.OperationalError as e:
        missing(f"PostgreSQL is not reachable: {e}")
    sep = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


def reachable_redis() -> str:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as e:
        missing(f"Redis is not reachable: {e}")
    return REDIS_URL


def wait_port(port: int, proc: subprocess.Popen[bytes] | None, log: Path, timeout: float = 30) -> None:
    """Until something listens on the loopback port; the log's tail if the process exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"process exited early:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listens on {port}:\n{log.read_text(errors='replace')[-3000:]}")
