"""Threat 4 (docs/security.md): every socket hears exactly what its viewer may see.

A whole game with two tables is played through Flask-SocketIO's test client: in
every phase every player, the instructor and the projector resync from the
start, and after every command every socket's live events are collected. Both
are compared with the audience rule written out here, apart from the code it
checks (`engine.audience.can_see` and `recipients`, `rooms.for_recipient`,
`service.events_for`, `outbox.projector_events`): nothing more, and nothing less.
`scripts/mutation_check.py` removes those protections one line at a time and
runs this file to show that each removal fails it.
"""

from __future__ import annotations

import time
import types
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from roleplay.engine.events import Audience, Event
from roleplay.engine.state import GameState
from roleplay.scenario.model import Scenario
from roleplay.service import GameService
from roleplay.web import socketio
from support.web import join, player_socket, received

#: what the projector's sync carries at most (the latest public events)
PROJECTOR_TAIL = 50
PACKAGE = {"rights": "clause", "energy": "joint"}
CIDS = iter(f"aud-{i:08d}" for i in range(10**7))


def may_see(state: GameState, viewer: str, audience: Audience) -> bool:
    """The audience rule (docs/protocol.md), by the viewer's seat now: 'instructor',
    'projector' or a player id."""
    if viewer == "instructor":
        return True
    if viewer == "projector":
        return audience.kind == "game"
    p = state.players.get(viewer)
    if audience.kind == "player":
        return audience.player == viewer
    if p is None or p.kicked or audience.kind == "instructor":
        return False
    if audience.kind == "game":
        return True
    if audience.kind == "table":
        return p.table is not None and p.table == audience.table
    if audience.kind == "roles":
        same_table = audience.table is None or p.table == audience.table
        return same_table and p.role is not None and p.role in audience.roles
    raise AssertionError(f"an audience this test does not know: {audience}")


class Table:
    """Eight players (two tables of four roles), the instructor and a projector."""

    def __init__(self, app: Flask, service: GameService, teacher: FlaskClient,
                 scenario: Scenario):
        self.app, self.service = app, service
        state = service.create_game(scenario, seed=11)
        self.id, self.code = state.setup.game_id, state.setup.code
        self.viewers: dict[str, Any] = {
            "instructor": socketio.test_client(app, auth={"kind": "instructor", "game": self.id},
                                               flask_test_client=teacher),
            "projector": socketio.test_client(app, auth={"kind": "projector", "game": self.id},
                                              flask_test_client=teacher),
        }
        web_client = app.test_client()
        for i in range(8):
            p = join(web_client, self.code, f"Student {i + 1}")
            self.viewers[p["player_id"]] = player_socket(app, self.id, p["token"])
        assert all(s.is_connected() for s in self.viewers.values())
        self.heard: dict[str, set[int]] = {v: set() for v in self.viewers}
        self.clock: Any = None
        self.take()
        #: the last seq whose live delivery was checked (the joins came before the sockets)
        self.checked = max(e.seq for e in self.log())

    @property
    def players(self) -> list[str]:
        return [v for v in self.viewers if v not in ("instructor", "projector")]

    def log(self) -> list[Event]:
        return list(self.service.store.events(self.id))  # the database, not the cache

    def seat(self, table: int, role: str) -> str:
        state = self.service.state(self.id)
        return next(pid for pid in self.players
                    if state.players[pid].table == table and state.players[pid].role == role)

    def take(self) -> None:
        """Read every socket's live events."""
        for viewer, sock in self.viewers.items():
            for name, payload in received(sock):
                if name == "events":
                    self.heard[viewer].update(int(e["seq"]) for e in payload["events"])

    def check_live(self) -> None:
        """Each new event reached exactly the sockets whose viewer may see it."""
        self.take()
        state = self.service.state(self.id)
        for e in self.log():
            if e.seq <= self.checked:
                continue
            should = {v for v in self.viewers if may_see(state, v, e.audience)}
            did = {v for v in self.viewers if e.seq in self.heard[v]}
            assert did == should, (
                f"event {e.seq} {e.type} to {e.audience}: missing at {self.label(should - did)}, "
                f"leaked to {self.label(did - should)}")
            self.checked = e.seq

    def label(self, viewers: set[str]) -> list[str]:
        state = self.service.state(self.id)
        out = []
        for v in sorted(viewers):
            p = state.players.get(v)
            out.append(v if p is None else f"{p.role}@{p.table}")
        return out

    def check_resync(self, when: str) -> None:
        """Every socket syncs from seq 0: its events are the visible part of the log."""
        self.take()
        if self.clock is not None:
            self.clock.now += 60.0
        log, state = self.log(), self.service.state(self.id)
        for viewer, sock in self.viewers.items():
            sock.emit("sync", {"last_seq": 0})
            got_all = received(sock)
            syncs = [p for n, p in got_all if n == "sync"]
            assert len(syncs) == 1, (when, viewer, [(n, p) for n, p in got_all if n != "events"])
            got = [int(e["seq"]) for e in syncs[0]["events"]]
            want = [e.seq for e in log if may_see(state, viewer, e.audience)]
            if viewer == "projector":
                want = want[-PROJECTOR_TAIL:]
            assert got == want, (when, self.label({viewer}), sorted(set(got) ^ set(want)))

    def command(self, viewer: str, name: str, args: dict[str, Any] | None = None) -> None:
        sock = self.viewers[viewer]
        cid = next(CIDS)
        sock.emit("command", {"name": name, "args": args or {}, "client_id": cid})
        got = received(sock)
        acks = [p for n, p in got if n == "ack" and p.get("client_id") == cid]
        assert acks, (name, args, got)
        for n, payload in got:  # what it heard on the way
            if n == "events":
                self.heard[viewer].update(int(e["seq"]) for e in payload["events"])
        self.check_live()


class _Clock:
    """The rate limits' clock: each round of resyncs comes a minute after the last (full
    syncs are rate-limited per player and per login: threat 12)."""

    def __init__(self) -> None:
        # an hour ahead of the real clock: a bucket made now (its start is the real clock's)
        # begins full, never short by however long the test took to get there
        self.now = time.monotonic() + 3600.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def table(app: Flask, web_service: GameService, instructor: FlaskClient,
          four_secrets: Scenario, monkeypatch: pytest.MonkeyPatch) -> Iterator[Table]:
    from roleplay.web import runtime as runtime_module

    clock = _Clock()
    monkeypatch.setattr(runtime_module, "time",
                        types.SimpleNamespace(monotonic=clock.monotonic, time=time.time))
    t = Table(app, web_service, instructor, four_secrets)
    t.clock = clock
    yield t
    for s in t.viewers.values():
        if s.is_connected():
            s.disconnect()


def test_every_socket_hears_exactly_its_audience_in_every_phase(table: Table) -> None:
    t = table
    t.command("instructor", "lock", {"locked": True})   # the instructor alone
    t.command("instructor", "lock", {"locked": False})
    t.check_resync("lobby")
    t.command("instructor", "start")
    t.check_resync("briefing")
    t.command("instructor", "advance")
    t.check_resync("talks, before anything was said")
    for n in (1, 2):
        eu, gov = t.seat(n, "eu"), t.seat(n, "government")
        cs, lob = t.seat(n, "civil_society"), t.seat(n, "lobbyist")
        t.command(eu, "chat", {"channel": "official", "text": f"official {n}"})
        t.command(cs, "chat", {"channel": "nongov", "text": f"nongov {n}"})
        t.command(lob, "chat", {"channel": "unofficial", "text": f"unofficial {n}"})
        t.command(gov, "chat", {"channel": "team", "text": f"team {n}"})
        t.command(eu, "act", {"action": "statement"})      # the table
        t.command(cs, "act", {"action": "shadow"})         # a channel's members
        t.command(lob, "act", {"action": "trip"})          # the lobbyist alone
        t.command(eu, "propose", {"package": PACKAGE})
    t.command("instructor", "broadcast", {"text": "ten minutes left"})
    t.check_resync("talks")
    t.command("instructor", "advance")
    t.check_resync("decision")
    for n in (1, 2):
        current = t.service.state(t.id).tables[n].current
        for role in ("eu", "government"):  # the signatories
            t.command(t.seat(n, role), "sign", {"proposal": current.seq} if current else {})
    t.check_resync("decision, signed")
    t.command("instructor", "advance")
    t.check_resync("results")
    t.command("instructor", "release_results")
    t.command("instructor", "end")
    t.check_resync("ended")
    kinds = {e.audience.kind for e in t.log()}
    assert {"game", "table", "roles", "player", "instructor"} <= kinds, kinds
    assert any(e.audience.kind == "roles" and len(e.audience.roles) == 1 for e in t.log())


def test_a_moved_player_hears_only_its_new_seat(table: Table) -> None:
    """Rooms follow the seat: after a move, the old table's private lines stop and the new
    one's start, live and on resync."""
    t = table
    t.command("instructor", "start")
    t.command("instructor", "advance")
    mover = t.seat(1, "lobbyist")
    other = t.seat(2, "lobbyist")
    t.command("instructor", "move", {"player": mover, "table": 2, "role": "lobbyist"})
    t.command("instructor", "move", {"player": other, "table": 1, "role": "lobbyist"})
    for n in (1, 2):
        t.command(t.seat(n, "government"), "chat", {"channel": "unofficial", "text": f"u{n}"})
        t.command(t.seat(n, "lobbyist"), "act", {"action": "trip"})
    t.check_resync("after the move")
