"""The fixtures every test module may ask for by name: scenarios, event stores on SQLite and
PostgreSQL, the web app with its clients, the services of the multi-worker tests, and the
browser tests' Chromium and server. What they are built from is in tests/support/."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from roleplay.scenario.loader import load_scenario, parse_scenario
from roleplay.scenario.model import Scenario
from roleplay.service import GameService
from roleplay.settings import Settings
from roleplay.storage.db import make_engine
from roleplay.storage.eventstore import EventStore
from roleplay.web import create_app
from support.services import postgres_schema_url, reachable_redis
from support.web import FOUR_ROLES_YAML, PASSWORD, SECRET_KEY, ServerProcess

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def worked_example() -> Scenario:
    return load_scenario(DATA / "worked-example.yaml")


@pytest.fixture(scope="session")
def four_roles() -> Scenario:
    return load_scenario(DATA / "four-roles.yaml")


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each storage test runs on a SQLite file and on the PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
    else:
        yield from postgres_schema_url("rp_")


@pytest.fixture
def store(db_url: str) -> Iterator[EventStore]:
    engine = make_engine(db_url)
    yield EventStore(engine)
    engine.dispose()


@pytest.fixture
def service(store: EventStore) -> GameService:
    return GameService(store)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """The URL of a fresh PostgreSQL schema (for servers in subprocesses), dropped afterwards."""
    yield from postgres_schema_url("rp_")


@pytest.fixture
def redis_url() -> str:
    return reachable_redis()


@pytest.fixture
def memory_service() -> GameService:
    return GameService(EventStore(make_engine("sqlite://")))


# -- the web app and its clients ---------------------------------------------------------
@pytest.fixture(scope="session")
def four_secrets() -> Scenario:
    return parse_scenario(FOUR_ROLES_YAML, "four-secrets.yaml")


@pytest.fixture
def web_service() -> GameService:
    return GameService(EventStore(make_engine("sqlite://")))


@pytest.fixture
def app(web_service: GameService) -> Iterator[Flask]:
    settings = Settings(database_url="sqlite://", async_mode="threading", testing=True,
                        secret_key=SECRET_KEY, instructor_password=PASSWORD)
    yield create_app(settings, service=web_service)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def instructor(app: Flask) -> FlaskClient:
    """A Flask test client logged in as the instructor."""
    c = app.test_client()
    r = c.post("/api/login", json={"password": PASSWORD})
    assert r.status_code == 200
    return c


# -- the browser tests -------------------------------------------------------------------
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium (the test is skipped without Playwright or /usr/bin/chromium)."""
    from support.browser import chromium

    with chromium() as b:
        yield b


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of `roleplay serve` (threading, SQLite) for the module's browser tests, or of
    an already running server given as ROLEPLAY_TEST_SERVER (with the tests' password)."""
    running = os.environ.get("ROLEPLAY_TEST_SERVER")
    if running:
        yield running.rstrip("/")
        return
    tmp = tmp_path_factory.mktemp("browser")
    srv = ServerProcess(f"sqlite:///{tmp / 'game.db'}", "threading", tmp / "server.log")
    srv.start()
    try:
        yield srv.url
    finally:
        srv.stop()
