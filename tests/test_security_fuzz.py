"""Fuzz (docs/security.md): random socket payloads from every role at a running game.

Invariants, for every message: the server never crashes (no `unavailable` from the
catch-all handler, the socket stays connected), a refused message stores nothing and
reaches nobody else, an acknowledged one stored exactly what it acknowledged, and no
student ever receives another role's confidential marker or numbers.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roleplay.engine.commands import command_names
from roleplay.scenario.model import Scenario
from roleplay.service import GameService
from roleplay.web import socketio
from support.socket_game import Game, socket_game
from support.web import ROLES, leaks, received

SENDERS = (*ROLES, "instructor", "projector")
KEYS = ["channel", "text", "package", "proposal", "issue", "requires", "action", "target",
        "player", "table", "role", "locked", "seconds", "event", "name", "game", "client_id"]
PLAUSIBLE = st.sampled_from([
    "official", "nongov", "unofficial", "team", "rights", "energy", "clause", "none", "joint",
    "std", "rights.clause", "energy.joint", "statement", "shadow", "trip", "eu", "government",
    "civil_society", "lobbyist", 1, 2, 0, -1, 10**12, 60, True, False, None, "",
    "<img src=x onerror=alert(1)>", "=1+2", "\u202e", "x" * 2000,
    {"rights": "clause", "energy": "joint"}, {"rights": "none", "energy": "std"},
])
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40)
    | PLAUSIBLE,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                               max_size=4),
    max_leaves=12,
)
ARGS = st.dictionaries(st.sampled_from(KEYS), JSON | PLAUSIBLE, max_size=5)
NAMES = st.sampled_from(sorted(command_names())) | st.text(max_size=12)
COMMAND = st.fixed_dictionaries(
    {"name": NAMES, "args": ARGS | JSON},
    optional={"client_id": st.from_regex(r"[A-Za-z0-9_-]{8,20}", fullmatch=True) | JSON},
)
PAYLOAD = COMMAND | JSON
MESSAGE = st.tuples(st.sampled_from(SENDERS), st.sampled_from(["command", "command", "sync"]),
                    PAYLOAD)


class FuzzGame(tuple[Game, Any]):
    """The game and its projector socket. Hypothesis prints the test's arguments with a
    failing case; the whole game's repr (100 KB) made it warn instead (an error here), so
    the failure itself went unseen."""

    def __repr__(self) -> str:
        return f"FuzzGame(game={self[0].id!r})"


@pytest.fixture
def fuzz_game(app: Flask, web_service: GameService, instructor: FlaskClient,
              four_secrets: Scenario) -> tuple[Game, Any]:
    g = socket_game(app, web_service, instructor, four_secrets, 4)
    g.teach("advance")
    proj = socketio.test_client(app, auth={"kind": "projector", "game": g.id},
                                flask_test_client=instructor)
    received(proj)
    g.drain()
    return FuzzGame((g, proj))


@settings(max_examples=250, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(messages=st.lists(MESSAGE, min_size=1, max_size=4))
def test_random_payloads_from_every_role(fuzz_game: tuple[Game, Any],
                                         messages: list[tuple[str, str, Any]]) -> None:
    g, proj = fuzz_game
    state = g.service.state(g.id)
    socks: dict[str, Any] = {"instructor": g.teacher, "projector": proj}
    for p, s in zip(g.players, g.socks, strict=True):
        role = state.players[p["player_id"]].role
        if role is not None and role not in socks and s.is_connected():
            socks[role] = s
    for sender, event, payload in messages:
        sock = socks.get(sender)
        if sock is None or not sock.is_connected():
            continue
        for s in socks.values():
            if s.is_connected():
                received(s)
        before = g.service.store.events(g.id)
        sock.emit(event, payload)
        got = received(sock)
        errors = [p for n, p in got if n == "error"]
        acks = [p for n, p in got if n == "ack"]
        assert not [e for e in errors if e["code"] == "unavailable"], (payload, errors)
        assert all(isinstance(e["message"], str) and "Traceback" not in e["message"]
                   for e in errors)
        after = g.service.store.events(g.id)
        if event == "sync":
            assert after == before
            continue
        if errors or not acks:
            assert after == before, (sender, payload, errors)
            for other, s in socks.items():
                if s is not sock and s.is_connected():
                    assert received(s) == [], (other, "heard a refused", payload)
        else:
            assert after[: len(before)] == before
            assert [e.seq for e in after[len(before):]] == acks[0]["seq"]
        assert g.service.state(g.id).seq == (after[-1].seq if after else 0)
        for r, s in socks.items():
            if r in ROLES and s.is_connected():
                assert leaks(got if s is sock else received(s), r) == [], (r, payload)
        if sender == "projector":
            assert leaks(got, None) == []
