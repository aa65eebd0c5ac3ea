"""A game played through Flask-SocketIO's test client: players' and the instructor's sockets."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from roleplay.scenario.model import Scenario
from roleplay.service import GameService
from support.web import instructor_socket, join, player_socket, received

CLIENT_IDS = iter(f"client-{i:06d}" for i in range(10**6))


@dataclass
class Game:
    id: str
    code: str
    app: Flask
    service: GameService
    players: list[dict[str, Any]]
    socks: list[Any]
    teacher: Any
    log: dict[int, list[tuple[str, Any]]] = field(default_factory=dict)

    def seat(self, table: int, role: str) -> int:
        state = self.service.state(self.id)
        for i, p in enumerate(self.players):
            sp = state.players[p["player_id"]]
            if sp.table == table and sp.role == role:
                return i
        raise LookupError((table, role))

    def drain(self) -> None:
        """Read every socket's queue into the log (so later checks see only what is new)."""
        for i, s in enumerate(self.socks):
            if s.is_connected():
                self.log.setdefault(i, []).extend(received(s))
        received(self.teacher)

    def send(self, i: int, name: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
        cid = next(CLIENT_IDS)
        self.socks[i].emit("command", {"name": name, "args": args or {}, "client_id": cid})
        got = received(self.socks[i])
        self.log.setdefault(i, []).extend(got)
        replies = [p for n, p in got if n in ("ack", "error") and p.get("client_id") == cid]
        assert len(replies) == 1, got
        name = next(n for n, p in got if p is replies[0])
        return {"ok": name == "ack", **replies[0]}

    def teach(self, name: str, args: dict[str, Any] | None = None) -> None:
        self.teacher.emit("command", {"name": name, "args": args or {},
                                      "client_id": next(CLIENT_IDS)})
        got = received(self.teacher)
        assert [n for n, _ in got if n == "error"] == [], got
        self.drain()


def socket_game(app: Flask, service: GameService, teacher_client: FlaskClient, scenario: Scenario,
          n: int) -> Game:
    state = service.create_game(scenario, seed=7)
    gid, code = state.setup.game_id, state.setup.code
    http = app.test_client()
    players = [join(http, code, f"Player {i + 1}") for i in range(n)]
    socks = [player_socket(app, gid, p["token"]) for p in players]
    teacher = instructor_socket(app, gid, teacher_client)
    assert teacher.is_connected() and all(s.is_connected() for s in socks)
    g = Game(gid, code, app, service, players, socks, teacher)
    g.drain()
    g.teach("start")
    return g
