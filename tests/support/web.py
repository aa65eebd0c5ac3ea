"""What the web tests share: a four-role scenario with secrets to look for, socket clients,
and a real server in a subprocess. The fixtures built on it are in tests/conftest.py."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import requests
from flask import Flask
from flask.testing import FlaskClient

from roleplay.viewpatch import merge_patch
from roleplay.web import socketio

DATA = Path(__file__).parent / "data"
PASSWORD = "correct horse battery staple"
SECRET_KEY = "test-secret-key-0123456789abcdef"

#: Each role's confidential marker and the numbers only that role may see.
SECRETS: dict[str, dict[str, Any]] = {
    "eu": {"marker": "CONF-EU-1f9e7a", "points": ["37.173", "62.827"], "batna": "31.713"},
    "government": {"marker": "CONF-GOV-2a8d6b", "points": ["44.191", "55.809"],
                   "batna": "37.737"},
    "civil_society": {"marker": "CONF-CS-3b7c5c", "points": ["58.414", "41.586"],
                      "batna": "13.131"},
    "lobbyist": {"marker": "CONF-LOB-4c6b4d", "points": ["46.474", "53.526"],
                 "batna": "11.117"},
}

FOUR_ROLES_YAML = """\
id: four-secrets
title: Four roles with secrets
version: "1"
summary: A test scenario whose confidential parts are easy to find in a payload.
sources: [van Gils, section 4]
background: Four delegations, two issues.
roles:
  - id: eu
    name: European Union
    side: eu
    signatory: true
    batna: 31.713
    briefing: {public: The EU delegation., confidential: "CONF-EU-1f9e7a keep the clause."}
    actions: [statement]
  - id: government
    name: Government
    side: government
    signatory: true
    batna: 37.737
    briefing: {public: The government., confidential: "CONF-GOV-2a8d6b equals only."}
    actions: [statement]
  - id: civil_society
    name: Civil society
    side: none
    batna: 13.131
    briefing: {public: Independent NGOs., confidential: "CONF-CS-3b7c5c the prisoners."}
    actions: [shadow]
  - id: lobbyist
    name: Lobbyist
    side: none
    batna: 11.117
    budget: 10
    briefing: {public: A PR agency., confidential: "CONF-LOB-4c6b4d the MEP trip."}
    actions: [trip]
issues:
  - id: rights
    title: Human rights
    options:
      - id: clause
        label: Clause
        kind: template
        template_distance: 0
        points: {eu: 37.173, government: 0, civil_society: 58.414, lobbyist: 0}
      - id: none
        label: No clause
        kind: opt_out
        template_distance: 1
        points: {eu: 0, government: 44.191, civil_society: 0, lobbyist: 46.474}
  - id: energy
    title: Energy
    options:
      - id: joint
        label: Joint text
        kind: co_designed
        template_distance: 0.5
        points: {eu: 62.827, government: 55.809, civil_society: 41.586, lobbyist: 53.526}
      - id: std
        label: Standard
        kind: template
        template_distance: 0
        points: {eu: 0, government: 0, civil_society: 0, lobbyist: 0}
phases:
  - {id: briefing, kind: briefing, title: Briefing, minutes: 5}
  - {id: talks, kind: negotiation, title: Talks, minutes: 10}
  - {id: decision, kind: decision, title: Decision, minutes: 5}
  - {id: results, kind: results, title: Results, minutes: 5}
channels:
  - {id: official, name: Official, members: [eu, government], bridge: [civil_society]}
  - {id: nongov, name: Non-governmental, members: [eu, civil_society]}
  - {id: unofficial, name: Unofficial, members: [government, lobbyist]}
actions:
  - {id: statement, name: Public statement, visibility: table}
  - {id: shadow, name: Shadow report, visibility: channel, channel: nongov}
  - id: trip
    name: MEP trip
    visibility: private
    budget_cost: 2
    effects: {batna: {lobbyist: 1.5}}
table:
  roles: [eu, government, civil_society, lobbyist]
debrief:
  questions: ["Who was heard?"]
history:
  text: Talks stalled.
"""

ROLES = ("eu", "government", "civil_society", "lobbyist")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def leaks(payload: Any, own_role: str | None) -> list[str]:
    """Other roles' secrets found anywhere in a payload (as JSON text)."""
    text = json.dumps(payload, ensure_ascii=False)
    found = []
    for role, secret in SECRETS.items():
        if role == own_role:
            continue
        if secret["marker"] in text:
            found.append(f"{role} marker")
        for number in [*secret["points"], secret["batna"]]:
            if re.search(rf"(?<![\d.]){re.escape(number)}(?!\d)", text):
                found.append(f"{role} number {number}")
    return found


def join(client: FlaskClient, code: str, name: str) -> dict[str, Any]:
    r = client.post("/api/join", json={"code": code, "name": name})
    assert r.status_code == 200, r.get_json()
    return dict(r.get_json())


def player_socket(app: Flask, game_id: str, token: str, last_seq: int = 0) -> Any:
    return socketio.test_client(app, auth={"kind": "player", "game": game_id, "token": token,
                                           "last_seq": last_seq},
                                flask_test_client=app.test_client())


def instructor_socket(app: Flask, game_id: str, flask_client: FlaskClient) -> Any:
    return socketio.test_client(app, auth={"kind": "instructor", "game": game_id},
                                flask_test_client=flask_client)


def received(sock: Any, name: str | None = None) -> list[Any]:
    """Payloads a test client received (of one event name, or all as (name, payload))."""
    got = sock.get_received()
    if name is None:
        return [(m["name"], m["args"][0] if m["args"] else None) for m in got]
    return [m["args"][0] if m["args"] else None for m in got if m["name"] == name]


class DashboardCopy:
    """What an instructor's dashboard holds after what its socket received (as instructor.js)."""

    def __init__(self) -> None:
        self.view: dict[str, Any] | None = None
        self.seqs: dict[str, int] = {}
        self.patches = 0

    def take(self, messages: list[tuple[str, Any]]) -> None:
        for name, payload in messages:
            if name in ("sync", "view"):
                self.view, self.seqs = payload["view"], {}
            elif name == "view_patch":
                assert self.view is not None, "a patch came before any whole view"
                assert merge_patch(self.view, payload, self.seqs)
                self.patches += 1


# -- a real server in a subprocess ------------------------------------------------------
class ServerProcess:
    """`roleplay serve` on a free loopback port; `kill()` is SIGKILL, `start()` starts it again."""

    def __init__(self, db_url: str, mode: str, log: Path, port: int | None = None):
        self.db_url = db_url
        self.mode = mode
        self.log = log
        self.port = port or free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> None:
        env = dict(os.environ, ROLEPLAY_INSTRUCTOR_PASSWORD=PASSWORD,
                   ROLEPLAY_SECRET_KEY=SECRET_KEY)
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "roleplay.cli", "serve", "--host", "127.0.0.1",
                 "--port", str(self.port), "--db", self.db_url, "--async-mode", self.mode],
                stdout=out, stderr=subprocess.STDOUT, env=env)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text(errors='replace')}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.kill()  # not left running (nor warned about, as a ResourceWarning) after the test
        raise RuntimeError(f"server did not start: {self.log.read_text(errors='replace')}")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.kill()


@contextlib.contextmanager
def running_server(tmp_path: Path, mode: str) -> Iterator[ServerProcess]:
    server = ServerProcess(f"sqlite:///{tmp_path / 'server.db'}", mode, tmp_path / "server.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()
