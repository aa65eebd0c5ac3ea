"""Persist, then broadcast: no socket hears of an event before it is durable.

Every `events` and `sync` message the server emits is checked, as it is emitted, against
what a second, separate connection to the same SQLite file can read: a committed row,
not one still inside the writer's open transaction. The game plays a few commands of
each kind (a join, a phase change, chat, a proposal, a signature). A store that writes
each command's events only later (the "send, then persist" mistake: a write queued and
acknowledged before its commit) must fail the check.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from roleplay.scenario.model import Scenario
from roleplay.service import GameService
from roleplay.storage.db import make_engine
from roleplay.storage.eventstore import EventStore
from roleplay.web import socketio
from support.web import instructor_socket, join, player_socket, received

PACKAGE = {"rights": "clause", "energy": "joint"}


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "durable.db"


@pytest.fixture
def web_service(db_path: Path) -> GameService:
    """The app's service on a file, so that another connection can look at what is committed."""
    return GameService(EventStore(make_engine(f"sqlite:///{db_path}")))


class Watch:
    """Checks each emitted event against the rows another connection can read."""

    def __init__(self, db_path: Path):
        self.db = sqlite3.connect(db_path, check_same_thread=False)
        self.game_id = ""
        self.checked = 0
        self.early: list[tuple[str, int]] = []

    def durable(self) -> set[int]:
        rows = self.db.execute("SELECT seq FROM event WHERE game_id = ?", (self.game_id,))
        return {int(r[0]) for r in rows}

    def wrap(self, emit: Callable[..., Any]) -> Callable[..., Any]:
        def watched(event: str, data: Any = None, *a: Any, **kw: Any) -> Any:
            if event in ("events", "sync") and isinstance(data, dict) and self.game_id:
                seqs = [int(e["seq"]) for e in data.get("events", [])]
                stored = self.durable()
                self.early += [(event, s) for s in seqs if s not in stored]
                self.checked += len(seqs)
            return emit(event, data, *a, **kw)
        return watched


def test_no_event_reaches_a_socket_before_it_is_durable(
        app: Flask, web_service: GameService, instructor: FlaskClient, four_secrets: Scenario,
        db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    watch = Watch(db_path)
    monkeypatch.setattr(socketio.server, "emit", watch.wrap(socketio.server.emit))
    played = _play(app, web_service, instructor, four_secrets, watch)
    assert watch.early == [], f"sent before they were committed: {watch.early}"
    # the check saw the game's events go out (it cannot pass by seeing nothing)
    assert watch.checked >= played


def test_the_check_fails_when_events_are_stored_after_they_are_sent(
        app: Flask, web_service: GameService, instructor: FlaskClient, four_secrets: Scenario,
        db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    watch = Watch(db_path)
    monkeypatch.setattr(socketio.server, "emit", watch.wrap(socketio.server.emit))
    store = web_service.store
    append = store.append
    late: list[tuple[Any, ...]] = []

    def append_later(game_id: str, events: Any, **kw: Any) -> None:
        """A write queued and acknowledged at once, committed with the next one."""
        for g, e, k in late:
            append(g, e, **k)
        late[:] = [(game_id, events, kw)]

    # once everyone is in: the game and the joins are stored as usual
    _play(app, web_service, instructor, four_secrets, watch,
          seated=lambda: monkeypatch.setattr(store, "append", append_later))
    assert watch.early, "the watch did not notice events sent before they were stored"


def _play(app: Flask, service: GameService, teacher_client: FlaskClient, scenario: Scenario,
          watch: Watch, seated: Callable[[], None] = lambda: None) -> int:
    """Four players through chat, a proposal and a signature; the events stored."""
    state = service.create_game(scenario, seed=7)
    watch.game_id = gid = state.setup.game_id
    web_client = app.test_client()
    players = [join(web_client, state.setup.code, f"Player {i + 1}") for i in range(4)]
    socks = [player_socket(app, gid, p["token"]) for p in players]
    teacher = instructor_socket(app, gid, teacher_client)
    ids = iter(f"durable-{i:06d}" for i in range(10**6))
    seated()

    def command(sock: Any, name: str, args: dict[str, Any] | None = None) -> None:
        sock.emit("command", {"name": name, "args": args or {}, "client_id": next(ids)})
        received(sock)

    command(teacher, "start")
    command(teacher, "advance")
    seats = {service.state(gid).players[p["player_id"]].role: i for i, p in enumerate(players)}
    eu, gov = socks[seats["eu"]], socks[seats["government"]]
    command(eu, "chat", {"channel": "official", "text": "hello"})
    command(eu, "propose", {"package": PACKAGE})
    command(teacher, "advance")
    command(eu, "sign")
    command(gov, "sign")
    for s in [*socks, teacher]:
        received(s)
        s.disconnect()
    return len(service.store.events(gid))
