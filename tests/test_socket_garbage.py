"""Socket events leave no cyclic garbage behind them (extensions.socket_events_match_a_rule).

Flask-SocketIO runs each event inside a request context built from the handshake's
request. If no URL rule matches the Socket.IO address, every push stores a routing
exception whose traceback is a reference cycle; at 500 students that kept the garbage
collector busy on the event loop (docs/performance.md, "Round seven").
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask, request
from werkzeug.test import EnvironBuilder

TESTS = Path(__file__).resolve().parent

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


#: 15 chat lines in a fresh interpreter, the collector off: the cyclic garbage they leave.
#: In the test process, other tests' threads (a socket reader, a proxy) may make garbage in
#: the same window, and a count of the whole process's garbage would count theirs too.
GARBAGE_OF_CHAT_LINES = """
import gc
from roleplay.scenario.loader import parse_scenario
from roleplay.service import GameService
from roleplay.settings import Settings
from roleplay.storage.db import make_engine
from roleplay.storage.eventstore import EventStore
from roleplay.web import create_app
from support.socket_game import socket_game
from support.web import FOUR_ROLES_YAML, PASSWORD, SECRET_KEY

service = GameService(EventStore(make_engine("sqlite://")))
app = create_app(Settings(database_url="sqlite://", async_mode="threading", testing=True,
                          secret_key=SECRET_KEY, instructor_password=PASSWORD), service=service)
teacher = app.test_client()
assert teacher.post("/api/login", json={"password": PASSWORD}).status_code == 200
g = socket_game(app, service, teacher, parse_scenario(FOUR_ROLES_YAML, "four-secrets.yaml"), 4)
g.teach("advance")
eu = g.seat(1, "eu")
gc.collect()
gc.disable()
for k in range(3):  # warm-up: caches and lazily built objects, not garbage
    g.send(eu, "chat", {"channel": "official", "text": f"warm {k}"})
gc.collect()
for k in range(LINES):
    r = g.send(eu, "chat", {"channel": "official", "text": f"line {k}"})
    assert r["ok"], r
print(gc.collect())
"""


def test_chat_lines_leave_little_cyclic_garbage() -> None:
    lines = 15  # with the warm-up, within one player's burst of 20 commands
    done = subprocess.run(
        [sys.executable, "-c", f"LINES = {lines}\n" + GARBAGE_OF_CHAT_LINES],
        capture_output=True, text=True, timeout=120, cwd=TESTS,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(
            p for p in (str(TESTS), os.environ.get("PYTHONPATH")) if p)})
    assert done.returncode == 0, done.stderr
    unreachable = int(done.stdout.split()[-1])
    # A routing exception's traceback was ~59 objects per event (885 here). What stays is
    # werkzeug's own: its URL matcher's recursive closure, 8 objects per match, which
    # every Flask request pays.
    assert unreachable < 20 * lines, f"{unreachable} objects of cyclic garbage after {lines} lines"
