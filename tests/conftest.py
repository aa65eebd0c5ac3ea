"""Shared fixtures: scenarios, and event stores on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from roleplay.scenario.loader import load_scenario
from roleplay.scenario.model import Scenario
from roleplay.service import GameService
from roleplay.storage.db import make_engine
from roleplay.storage.eventstore import EventStore

DATA = Path(__file__).parent / "data"
POSTGRES_URL = os.environ.get(
    "ROLEPLAY_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REQUIRE_SERVICES = os.environ.get("ROLEPLAY_REQUIRE_SERVICES") == "1"


@pytest.fixture(scope="session")
def worked_example() -> Scenario:
    return load_scenario(DATA / "worked-example.yaml")


@pytest.fixture(scope="session")
def four_roles() -> Scenario:
    return load_scenario(DATA / "four-roles.yaml")


def _postgres_engine_url() -> Iterator[str]:
    """A fresh schema in the test database, dropped afterwards."""
    try:
        import psycopg
    except ImportError:  # pragma: no cover - the test extra installs it
        pytest.skip("psycopg is not installed")
    schema = "rp_" + secrets.token_hex(4)
    try:
        with psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
    except psycopg.OperationalError as e:
        if REQUIRE_SERVICES:
            raise
        pytest.skip(f"PostgreSQL is not reachable: {e}")
    sep = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each storage test runs on a SQLite file and on the PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
    else:
        yield from _postgres_engine_url()


@pytest.fixture
def store(db_url: str) -> Iterator[EventStore]:
    engine = make_engine(db_url)
    yield EventStore(engine)
    engine.dispose()


@pytest.fixture
def service(store: EventStore) -> GameService:
    return GameService(store)


@pytest.fixture
def memory_service() -> GameService:
    return GameService(EventStore(make_engine("sqlite://")))
