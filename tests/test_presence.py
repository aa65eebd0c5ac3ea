"""Who is online, on the dashboard of a real server: a late joiner shows online when their
socket opens, and a phone that drops off the network (no close, just silence) shows
offline once Engine.IO's ping times out (docs/protocol.md, "Who is connected")."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio as sio
import websocket  # websocket-client (python-engineio's client uses it)

from support.web import PASSWORD, DashboardCopy, running_server

pytestmark = pytest.mark.timeout(120)


class Dashboard:
    """An instructor's socket on a real server, keeping the dashboard's copy of the view."""

    def __init__(self, url: str, game_id: str, cookie: str):
        self.copy = DashboardCopy()
        self.lock = threading.Lock()
        self.client = sio.Client(reconnection=False)
        for name in ("sync", "view", "view_patch"):
            self.client.on(name, self._taker(name))
        self.client.connect(url, headers={"Cookie": cookie}, transports=["websocket"],
                            auth={"kind": "instructor", "game": game_id}, wait_timeout=10)

    def _taker(self, name: str) -> Callable[[Any], None]:
        def take(payload: Any) -> None:
            with self.lock:
                self.copy.take([(name, payload)])
        return take

    def player(self, player_id: str) -> dict[str, Any] | None:
        with self.lock:
            view = self.copy.view
            if view is None:
                return None
            return next((dict(p) for p in view["players"] if p["id"] == player_id), None)

    def wait(self, player_id: str, online: bool, seconds: float) -> float:
        """Seconds until the dashboard shows the player with `online`; fails after `seconds`."""
        start = time.monotonic()
        while time.monotonic() - start < seconds:
            p = self.player(player_id)
            if p is not None and p.get("online") is online:
                return time.monotonic() - start
            time.sleep(0.05)
        pytest.fail(f"the dashboard never showed {player_id} online={online}: "
                    f"{self.player(player_id)}")


class Phone:
    """A student's socket by hand (Engine.IO 4 over WebSocket), answering the server's pings
    until `silence()`: then it falls silent the way a phone leaving the Wi-Fi does, with no
    close frame and no more pongs."""

    def __init__(self, url: str, game_id: str, token: str):
        self.ws = websocket.create_connection(
            url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket",
            timeout=10)
        opened = self.ws.recv()
        assert isinstance(opened, str) and opened.startswith("0")
        self.opened = json.loads(opened[1:])
        self.ws.send("40" + json.dumps({"kind": "player", "game": game_id, "token": token}))
        for _ in range(10):  # the `sync` comes from the connect handler, before its ack
            answer = self.ws.recv()
            if isinstance(answer, str) and answer.startswith("40"):
                break
            assert isinstance(answer, str) and answer.startswith("42"), answer
        else:
            pytest.fail("the server never acknowledged the socket")
        self.quiet = threading.Event()
        self.thread = threading.Thread(target=self._answer, daemon=True)
        self.thread.start()

    def _answer(self) -> None:
        while not self.quiet.is_set():
            try:
                packet = self.ws.recv()
            except (websocket.WebSocketException, OSError):
                return
            if packet == "2" and not self.quiet.is_set():
                self.ws.send("3")

    def silence(self) -> None:
        self.quiet.set()

    def close(self) -> None:
        self.quiet.set()
        self.ws.close()


def _setup(url: str) -> tuple[requests.Session, str, str]:
    http = requests.Session()
    assert http.post(f"{url}/api/login", json={"password": PASSWORD}).ok
    made = http.post(f"{url}/api/games", json={"ref": "builtin:association-agreement"}).json()
    cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
    return http, made["game_id"], made["code"] + "|" + cookie


def test_late_joiners_show_online_and_a_silent_phone_drops_off(tmp_path: Path) -> None:
    with running_server(tmp_path, "eventlet") as srv:
        _http, gid, rest = _setup(srv.url)
        code, cookie = rest.split("|", 1)
        dash = Dashboard(srv.url, gid, cookie)
        ann = requests.post(f"{srv.url}/api/join", json={"code": code, "name": "Ann"}).json()
        ann_phone = Phone(srv.url, gid, ann["token"])
        dash.wait(ann["player_id"], True, 10)
        # the server drops a silent socket within ping interval + timeout
        interval, timeout = ann_phone.opened["pingInterval"], ann_phone.opened["pingTimeout"]
        assert interval + timeout <= 10_000
        # a late joiner: the game runs, then the student joins and their socket opens
        dash.client.emit("command", {"name": "start", "client_id": "start-000001"})
        bob = requests.post(f"{srv.url}/api/join", json={"code": code, "name": "Bob"}).json()
        assert dash.wait(bob["player_id"], False, 10) >= 0  # joined, socket not open yet
        bob_phone = Phone(srv.url, gid, bob["token"])
        shown = dash.wait(bob["player_id"], True, 10)
        # Ann's phone goes silent: it neither closes nor answers the server's pings
        ann_phone.silence()
        gone = dash.wait(ann["player_id"], False, 30)
        print(f"\nlate joiner shown online {shown:.2f} s after connecting; silent phone shown "
              f"offline after {gone:.1f} s (ping every {interval / 1000:g} s, "
              f"timeout {timeout / 1000:g} s)")
        p = dash.player(bob["player_id"])
        assert p is not None and p["online"] is True  # Bob kept answering the pings
        bob_phone.close()  # a page closed cleanly is offline at once
        dash.wait(bob["player_id"], False, 10)
        ann_phone.close()
        dash.client.disconnect()
