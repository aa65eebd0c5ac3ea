"""Socket events leave no cyclic garbage behind them (extensions.socket_events_match_a_rule).

Flask-SocketIO runs each event inside a request context built from the handshake's
request. If no URL rule matches the Socket.IO address, every push stores a routing
exception whose traceback is a reference cycle; at 500 students that kept the garbage
collector busy on the event loop (docs/performance.md, "Round seven").
"""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from flask import Flask, request
from flask.testing import FlaskClient
from werkzeug.test import EnvironBuilder

from roleplay.scenario.model import Scenario
from roleplay.service import GameService
from support.socket_game import socket_game

HANDSHAKES = {
    "polling": {"method": "GET", "query_string": "EIO=4&transport=polling"},
    "polling post": {"method": "POST", "query_string": "EIO=4&transport=polling&sid=x"},
    "websocket": {"method": "GET", "query_string": "EIO=4&transport=websocket",
                  "headers": {"Upgrade": "websocket", "Connection": "Upgrade"}},
    "no slash": {"method": "GET", "path": "/socket.io", "query_string": "EIO=4"},
}


@pytest.mark.parametrize("handshake", HANDSHAKES.values(), ids=HANDSHAKES.keys())
def test_an_events_request_context_finds_a_rule(app: Flask, handshake: dict[str, object]) -> None:
    args = {"path": "/socket.io/", **handshake}
    environ = EnvironBuilder(**args).get_environ()  # type: ignore[arg-type]
    with app.request_context(environ):
        assert request.routing_exception is None


@pytest.fixture
def collector_off() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def test_chat_lines_leave_little_cyclic_garbage(app: Flask, web_service: GameService,
                                    instructor: FlaskClient, four_secrets: Scenario,
                                    collector_off: None) -> None:
    g = socket_game(app, web_service, instructor, four_secrets, 4)
    g.teach("advance")
    eu = g.seat(1, "eu")
    for k in range(3):  # warm-up: caches and lazily built objects, not garbage
        g.send(eu, "chat", {"channel": "official", "text": f"warm {k}"})
    gc.collect()
    lines = 15  # with the warm-up, within one player's burst of 20 commands
    for k in range(lines):
        r = g.send(eu, "chat", {"channel": "official", "text": f"line {k}"})
        assert r["ok"], r
    unreachable = gc.collect()
    # A routing exception's traceback was ~59 objects per event (885 here). What stays is
    # werkzeug's own: its URL matcher's recursive closure, 8 objects per match, which
    # every Flask request pays.
    assert unreachable < 20 * lines, f"{unreachable} objects of cyclic garbage after {lines} lines"
