"""`roleplay demo`: the person trying it gets a signatory seat of their own, and the
terminal shows the demo's own lines, not a development server's warnings or access log."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio as sio

from roleplay.engine.commands import INSTRUCTOR_ACTOR, SYSTEM_ACTOR, decide
from roleplay.engine.state import GameSetup, GameState, apply, initial_state
from roleplay.local.demo import bot_seats
from roleplay.scenario.model import Scenario
from roleplay.scenario.resolve import resolve_source
from support.web import free_port


def _do(state: GameState, actor: object, command: str, **args: object) -> GameState:
    for e in decide(state, actor, command, args, now=1000.0):  # type: ignore[arg-type]
        state = apply(state, e)
    return state


@pytest.mark.parametrize("players", [2, 3, 4, 5, 6, 8, 9, 13])
def test_the_person_gets_a_signatory_seat_alone(players: int) -> None:
    sc = resolve_source("association-agreement")
    assert isinstance(sc, Scenario)
    state = initial_state(GameSetup("g", "CODE1", 1, (sc,)))
    bots = [f"b{i}" for i in range(players - 1)]
    for i, bot in enumerate(bots):
        state = _do(state, SYSTEM_ACTOR, "join", player=bot, name=f"Bot {i + 1}")
    for bot, table, role in bot_seats(state, bots):
        state = _do(state, INSTRUCTOR_ACTOR, "move", player=bot, table=table, role=role)
    state = _do(state, INSTRUCTOR_ACTOR, "start")
    state = _do(state, SYSTEM_ACTOR, "join", player="me", name="Me")
    me = state.players["me"]
    assert me.table is not None and me.role is not None
    assert sc.role(me.role).signatory
    assert [p.id for p in state.seat_players(me.table, me.role)] == ["me"]
    # every bot has a seat, no team over the limit
    assert all(state.players[b].table is not None for b in bots)
    for t in state.tables:
        for r in sc.table.roles:
            assert len(state.seat_players(t, r)) <= sc.table.max_team


@pytest.mark.timeout(120)
def test_the_demo_seats_the_person_and_prints_no_server_noise(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "demo.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROLEPLAY_")}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "roleplay.cli", "demo", "--port", str(port),
             "--db", f"sqlite:///{tmp_path / 'demo.db'}", "--players", "4"],
            stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        end = time.monotonic() + 60
        while "started" not in log.read_text(errors="replace"):
            assert proc.poll() is None, log.read_text(errors="replace")
            assert time.monotonic() < end, log.read_text(errors="replace")
            time.sleep(0.2)
        text = log.read_text(errors="replace")
        code = re.search(r"/join/([A-Z0-9]+)", text)
        assert code, text
        url = f"http://127.0.0.1:{port}"
        assert requests.get(f"{url}/join/{code.group(1)}", timeout=5).ok
        me = requests.post(f"{url}/api/join", json={"code": code.group(1), "name": "Me"},
                           timeout=5).json()
        got: list[dict[str, Any]] = []
        live: list[dict[str, Any]] = []
        client = sio.Client(reconnection=False)
        client.on("sync", lambda d: got.append(d))
        client.on("events", lambda d: live.extend(d["events"]))
        client.connect(url, auth={"kind": "player", "game": me["game_id"], "token": me["token"]},
                       transports=["websocket"], wait_timeout=10)
        while not got and time.monotonic() < end:
            time.sleep(0.05)
        synced = got[0]["seq"]

        def bots_played_on() -> bool:  # a bot's move stored after our sync reached our page
            return any(e["seq"] > synced and e["actor"] not in ("instructor", "system")
                       for e in list(live))

        # the bots play on meanwhile (their requests must not be logged): wait for one of
        # their moves to reach us, then for the answer to one more request of our own,
        # which comes after its log line would have been written
        while not bots_played_on():
            assert time.monotonic() < end, f"no bot moved within 60 s; heard {live}"
            time.sleep(0.05)
        assert requests.get(f"{url}/healthz", timeout=5).ok
        client.disconnect()
        view = got[0]["view"]
        seat = got[0]["me"]
        assert isinstance(view, dict) and isinstance(seat, dict)
        roles = {r["id"]: r for r in view["roles"]}
        assert roles[seat["role"]]["signatory"] is True
        assert view["table"]["seats"][seat["role"]] == ["Me"]
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    text = log.read_text(errors="replace")
    assert "you sign or refuse the deal" in text
    for noise in ("WARNING", "development server", "Serving Flask app", "Debug mode",
                  "GET /", "POST /", "HTTP/1.1", "Traceback"):
        assert noise not in text, text
