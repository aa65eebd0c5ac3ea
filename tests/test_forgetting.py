"""What a worker keeps per game, player and socket goes again: its maps shrink.

A server runs for weeks of classes; every map keyed by game or player must
lose its entries once they no longer matter (the game ended, nobody holds
the lock, a rate limit equals a fresh one, a last-seen time is old), or the
process grows with every student it has ever seen.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from roleplay.engine.commands import INSTRUCTOR_ACTOR
from roleplay.engine.state import GameSetup, initial_state
from roleplay.scenario.model import Scenario
from roleplay.service import GameService
from roleplay.web import delivery as delivery_module
from roleplay.web import runtime as runtime_module
from roleplay.web.clusterlock import ClusterLocks
from roleplay.web.dashboard import Dashboard
from roleplay.web.delivery import Delivery
from roleplay.web.runtime import Runtime
from support.services import reachable_redis
from support.web import join, player_socket


def test_a_game_lock_goes_when_nobody_holds_it(app: Flask) -> None:
    rt: Runtime = app.extensions["roleplay"]
    lock = rt.game_lock("g1")
    with lock:
        assert rt.game_lock("g1") is lock, "while it is held, it is the game's one lock"
    assert "g1" in rt._locks
    del lock
    assert "g1" not in rt._locks and len(rt._locks) == 0


def test_idle_rate_limits_and_ended_lockouts_are_swept(app: Flask,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    rt: Runtime = app.extensions["roleplay"]
    long_ago = time.monotonic() - 60
    for i in range(runtime_module.SWEEP_EVERY - 1):
        b = rt.bucket(f"p:g:{i}")
        b.last = b.window = long_ago
    busy = rt.bucket("p:g:flooder")
    for _ in range(30):
        busy.allow()
    assert busy.refused > 0
    rt.flood_lockout["p:g:0"] = time.monotonic() - 1
    rt.flood_lockout["p:g:flooder"] = time.monotonic() + 10
    assert len(rt.buckets) == runtime_module.SWEEP_EVERY
    rt.bucket("p:g:new")  # the map has grown by SWEEP_EVERY: it is swept first
    assert set(rt.buckets) == {"p:g:flooder", "p:g:new"}, "only the idle ones went"
    assert rt.buckets["p:g:flooder"] is busy and busy.refused > 0
    assert set(rt.flood_lockout) == {"p:g:flooder"}


def test_idle_sync_limits_are_swept(app: Flask) -> None:
    rt: Runtime = app.extensions["roleplay"]
    for i in range(runtime_module.SWEEP_EVERY):
        assert rt.sync_wait(f"p:g:{i}") == 0.0
    assert rt.sweep(now=time.monotonic()) == 0, "just used: kept"
    assert rt.sweep(now=time.monotonic() + 60) == runtime_module.SWEEP_EVERY
    assert rt._syncs == {}


def test_an_idle_bucket_is_a_fresh_one() -> None:
    """What makes dropping it safe: after `idle`, using it gives what a new one gives."""
    b = runtime_module.TokenBucket()
    t0 = time.monotonic()
    for _ in range(40):
        b.allow(t0)
    assert b.refused == 20 and not b.idle(t0 + 5)
    later = t0 + 11
    assert b.idle(later)
    fresh = runtime_module.TokenBucket(last=later, window=later)
    assert [b.allow(later) for _ in range(25)] == [fresh.allow(later) for _ in range(25)]
    assert b.refused == fresh.refused


def test_a_cluster_lock_goes_when_its_command_is_done() -> None:
    locks = ClusterLocks(reachable_redis())
    for game in ("forget-a", "forget-b"):
        with locks.hold(game), locks.hold(game):  # nested: the same lock, entered once in Redis
            assert len(locks) == 1
    assert len(locks) == 0


def test_a_finished_games_dashboard_memory_goes(four_secrets: Scenario) -> None:
    from roleplay.engine.commands import SYSTEM_ACTOR, decide
    from roleplay.engine.state import apply
    from roleplay.engine.views import instructor_view

    state = initial_state(GameSetup("g", "CODE1", 1, (four_secrets,)))

    def do(actor: Any, command: str, **args: Any) -> None:
        nonlocal state
        for e in decide(state, actor, command, args, now=1.0):
            state = apply(state, e)

    for i in range(4):
        do(SYSTEM_ACTOR, "join", player=f"p{i}", name=f"Student {i}")
    dash = Dashboard()

    def send() -> str:
        return dash.update(state, 1.0, whole=lambda: instructor_view(state, 1.0),
                           decorate=lambda players: None, scores=lambda: None)[0]

    assert send() == "view" and len(dash) == 1
    do(INSTRUCTOR_ACTOR, "start")
    assert send() == "view_patch" and len(dash) == 1
    do(INSTRUCTOR_ACTOR, "end")
    assert state.status == "finished"
    assert send() == "view", "a finished game's dashboards get the whole view"
    assert len(dash) == 0 and send() == "view" and len(dash) == 0


def test_a_game_that_ends_leaves_nothing_behind_in_delivery(
        app: Flask, web_service: GameService, instructor: FlaskClient,
        four_secrets: Scenario) -> None:
    state = web_service.create_game(four_secrets, seed=2)
    gid = state.setup.game_id
    socks = [player_socket(app, gid, join(app.test_client(), state.setup.code,
                                          f"Student {i}")["token"]) for i in range(4)]
    d: Delivery = app.extensions["roleplay.delivery"]
    d.run_command(gid, INSTRUCTOR_ACTOR, "start")
    assert {k for k in d.last_seen if k[0] == gid}, "connected players were seen"
    assert len(d.dashboard) == 1
    d.run_command(gid, INSTRUCTOR_ACTOR, "end")
    assert not {k for k in d.last_seen if k[0] == gid}
    assert len(d.dashboard) == 0
    for s in socks:
        s.disconnect()


def test_old_last_seen_times_are_swept_as_the_map_grows(
        app: Flask, web_service: GameService, monkeypatch: pytest.MonkeyPatch) -> None:
    d: Delivery = app.extensions["roleplay.delivery"]
    now = [1_000_000.0]
    monkeypatch.setattr(web_service, "clock", lambda: now[0])
    monkeypatch.setattr(delivery_module, "LAST_SEEN_SWEEP", 10)
    d._last_seen_sweep = 10
    for i in range(9):
        d.seen("old-game", f"p{i}")
    now[0] += delivery_module.LAST_SEEN_KEEP_S + 1
    d.seen("new-game", "p0")  # the tenth entry: the sweep drops the nine old ones
    assert list(d.last_seen) == [("new-game", "p0")]
    for i in range(1, 10):
        d.seen("new-game", f"p{i}")
    assert len(d.last_seen) == 10, "recent ones stay"
