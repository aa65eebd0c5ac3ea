"""Bots that play over the real protocol: python-socketio clients, like a browser tab.

A bot joins by code over HTTP (`POST /api/join`), connects its socket with
the token, keeps the views and events the server sends it, and plays with
`roleplay.strategy.next_move` on its own view only. An instructor bot logs
in, starts the game and advances the phases.

`simulate` runs a whole game this way: against a running server, or against
one it starts in-process on a free loopback port (threading mode).
"""

from __future__ import annotations

import contextlib
import os
import random
import secrets
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
import socketio

from .errors import RoleplayError
from .scenario.loader import CampaignBundle
from .scenario.model import Scenario
from .strategy import Personality, draw_personality, next_move
from .viewpatch import merge_patch

TIMEOUT = 10.0
ROUNDS_PER_PHASE = 6


class BotError(RoleplayError):
    pass


def _check(r: requests.Response, what: str) -> dict[str, Any]:
    try:
        body = r.json()
    except ValueError:
        body = {}
    if r.status_code != 200:
        err = body.get("error") or {}
        raise BotError(f"{what} failed ({r.status_code}): {err.get('message', r.reason)}")
    return dict(body)


def close_dropped_connections(sio: socketio.Client) -> None:
    """Close the client's WebSocket when the server drops the connection.

    python-engineio's client closes its WebSocket only when it disconnects by
    itself: when the server goes away (killed, restarted, or closing a sender of
    an oversized frame) the dead socket stays open until the garbage collector
    finds it and warns (a ResourceWarning at some later, unrelated moment, which
    the test suite turns into an error). The `disconnect` handler runs after the
    client's read and write loops have ended, before any reconnect.
    """

    def close(*_: Any) -> None:
        eio = sio.eio
        ws = getattr(eio, "ws", None)
        if ws is not None and eio.state == "connected":  # dropped, not disconnecting
            with contextlib.suppress(Exception):
                ws.close()  # does nothing once the library saw the connection end ...
            with contextlib.suppress(Exception):
                ws.shutdown()  # ... so close the socket itself

    sio.on("disconnect", close)


class Client(ABC):
    """One socket: the latest view, every event seen (by seq), and commands with replies."""

    def __init__(self, base_url: str, http: requests.Session | None = None):
        self.base_url = base_url.rstrip("/")
        self.http = http or requests.Session()
        self.sio = socketio.Client(reconnection=True, reconnection_delay=0.5,
                                   reconnection_delay_max=2, handle_sigint=False,
                                   http_session=self.http)
        self.view: dict[str, Any] | None = None
        #: for an instructor's view: the seq each part of it came from (dashboard.merge_patch)
        self.view_seqs: dict[str, int] = {}
        self._recent: list[dict[str, Any]] = []  # the dashboard's last patches
        self._base = -1  # the seq of the whole view they are applied on
        self.me: dict[str, Any] | None = None
        self.events: dict[int, dict[str, Any]] = {}
        self.last_seq = 0
        self.errors: list[dict[str, Any]] = []
        self.syncs: list[dict[str, Any]] = []
        self.kicked = False
        self._replies: dict[str, dict[str, Any]] = {}
        self._cond = threading.Condition()
        self.sio.on("sync", self._on_sync)
        self.sio.on("view", self._on_view)
        self.sio.on("view_patch", self._on_view_patch)
        self.sio.on("events", self._on_events)
        self.sio.on("ack", self._on_ack)
        self.sio.on("error", self._on_error)
        self.sio.on("resync", self._on_resync)
        self.sio.on("kicked", self._on_kicked)
        close_dropped_connections(self.sio)

    # -- what the server sends --------------------------------------------------------
    def _seen(self, events: list[dict[str, Any]]) -> None:
        for e in events:
            self.events[int(e["seq"])] = e
            self.last_seq = max(self.last_seq, int(e["seq"]))

    def _on_sync(self, data: dict[str, Any]) -> None:
        with self._cond:
            self.syncs.append(data)
            self._whole(data["view"])
            self.me = data.get("me")
            self._seen(data["events"])
            self.last_seq = max(self.last_seq, int(data["seq"]))
            self._cond.notify_all()

    def _on_view(self, data: dict[str, Any]) -> None:
        with self._cond:
            self._whole(data["view"])
            self._cond.notify_all()

    def _whole(self, view: dict[str, Any]) -> None:
        """A whole view: the base unless an earlier whole view was newer (views from two
        workers may cross); the dashboard's recent patches newer than it are applied
        again on it (dashboard.py)."""
        if self.view is not None and view["game"]["seq"] < self._base:
            return
        self._base = view["game"]["seq"]
        self.view, self.view_seqs = view, {}
        for p in self._recent:
            if p["seq"] > view["game"]["seq"]:
                self._merge(p)

    def _merge(self, patch: dict[str, Any]) -> None:
        assert self.view is not None
        if not merge_patch(self.view, patch, self.view_seqs):
            self.sio.emit("sync", {"last_seq": self.last_seq})

    def _on_view_patch(self, data: dict[str, Any]) -> None:
        with self._cond:
            self._recent = [*self._recent[-49:], data]
            if self.view is not None:  # else the sync's whole view is on its way
                self._merge(data)
            self._cond.notify_all()

    def _on_events(self, data: dict[str, Any]) -> None:
        with self._cond:
            self._seen(data["events"])
            self._cond.notify_all()

    def _on_ack(self, data: dict[str, Any]) -> None:
        with self._cond:
            if data.get("client_id"):
                self._replies[data["client_id"]] = {"ok": True, **data}
            self._cond.notify_all()

    def _on_error(self, data: dict[str, Any]) -> None:
        with self._cond:
            self.errors.append(data)
            if data.get("client_id"):
                self._replies[data["client_id"]] = {"ok": False, **data}
            self._cond.notify_all()

    def _on_resync(self, data: dict[str, Any]) -> None:
        self.sio.emit("sync", {"last_seq": self.last_seq})

    def _on_kicked(self, data: dict[str, Any]) -> None:
        self.kicked = True

    # -- what a bot does --------------------------------------------------------------
    @abstractmethod
    def auth(self) -> dict[str, Any]:
        """The socket's `auth` (called again on every reconnect, with the latest last_seq)."""

    def connect(self) -> None:
        self.sio.connect(self.base_url, auth=lambda: self.auth(), transports=["websocket"],
                         wait_timeout=int(TIMEOUT))
        self.wait_for(lambda c: c.view is not None)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.sio.disconnect()

    def wait_for(self, test: Callable[[Client], bool], timeout: float = TIMEOUT) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: test(self), timeout)

    def command(self, name: str, args: dict[str, Any] | None = None,
                timeout: float = TIMEOUT) -> dict[str, Any]:
        """Send a command and wait for its `ack` or `error`."""
        client_id = secrets.token_hex(8)
        self.sio.emit("command", {"name": name, "args": args or {}, "client_id": client_id})
        with self._cond:
            if not self._cond.wait_for(lambda: client_id in self._replies, timeout):
                raise BotError(f"no reply to {name} within {timeout:g} s")
            return self._replies.pop(client_id)


class PlayerBot(Client):
    def __init__(self, base_url: str, name: str, rng: random.Random,
                 personality: Personality | None = None):
        super().__init__(base_url)
        self.name = name
        self.rng = rng
        #: how it negotiates (hard-liner, integrative, ...), drawn from its seeded rng
        self.personality = personality or draw_personality(rng)
        self.game_id = ""
        self.token = ""
        self.sent = 0
        self.refused = 0

    def join(self, code: str) -> None:
        body = _check(self.http.post(f"{self.base_url}/api/join",
                                     json={"code": code, "name": self.name}, timeout=TIMEOUT),
                      "join")
        self.game_id, self.token = body["game_id"], body["token"]

    def auth(self) -> dict[str, Any]:
        return {"kind": "player", "game": self.game_id, "token": self.token,
                "last_seq": self.last_seq}

    def act(self, progress: float) -> dict[str, Any] | None:
        """One move from the strategy on the latest view; the reply, or None for no move."""
        if self.view is None or self.kicked:
            return None
        move = next_move(self.view, self.rng, progress, self.personality)
        if move is None:
            return None
        self.sent += 1
        reply = self.command(*move)
        if not reply["ok"]:
            self.refused += 1
        return reply


class InstructorBot(Client):
    def __init__(self, base_url: str, password: str):
        super().__init__(base_url)
        self.password = password
        self.game_id = ""

    def login(self) -> None:
        _check(self.http.post(f"{self.base_url}/api/login", json={"password": self.password},
                              timeout=TIMEOUT), "login")

    def upload(self, scenario: Scenario) -> str:
        import yaml

        text = yaml.safe_dump(scenario.model_dump(mode="json"), sort_keys=False,
                              allow_unicode=True)
        body = _check(self.http.post(f"{self.base_url}/api/scenarios", json={"yaml": text},
                                     timeout=TIMEOUT), "upload")
        return str(body["ref"])

    def create_game(self, ref: str, seed: int | None) -> dict[str, Any]:
        body = _check(self.http.post(f"{self.base_url}/api/games",
                                     json={"ref": ref, "seed": seed}, timeout=TIMEOUT),
                      "create game")
        self.game_id = body["game_id"]
        return body

    def auth(self) -> dict[str, Any]:
        return {"kind": "instructor", "game": self.game_id, "last_seq": self.last_seq}

    def export(self, fmt: str = "json") -> bytes:
        r = self.http.get(f"{self.base_url}/instructor/games/{self.game_id}/export.{fmt}",
                          timeout=60)
        if r.status_code != 200:
            raise BotError(f"export failed ({r.status_code})")
        return r.content


def close_all(clients: list[Client]) -> None:
    """Disconnect clients side by side (each may wait up to 3 s for the closing handshake)."""
    threads = [threading.Thread(target=c.close, daemon=True) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=TIMEOUT)


# -- a whole game ----------------------------------------------------------------------
def _phase_key(view: dict[str, Any] | None) -> tuple[int, int, str] | None:
    if view is None:
        return None
    g = view["game"]
    return (g["step"], (g["phase"] or {}).get("index", -1), g["status"])


def play(base_url: str, instructor: InstructorBot, code: str, players: int, seed: int,
         rounds: int = ROUNDS_PER_PHASE) -> tuple[list[PlayerBot], float]:
    """Join `players` bots, start, play each phase for `rounds` rounds, advance to the end."""
    rng = random.Random(seed)
    bots = [PlayerBot(base_url, f"Bot {i + 1}", random.Random(rng.random()))
            for i in range(players)]
    join_times = []
    for b in bots:
        t0 = time.monotonic()
        b.join(code)
        b.connect()
        join_times.append(time.monotonic() - t0)
    instructor.connect()
    reply = instructor.command("start")
    if not reply["ok"]:
        raise BotError(f"start refused: {reply['message']}")
    for _ in range(1000):
        key = _phase_key(instructor.view)
        if key is None or key[2] == "finished":
            break
        for b in bots:  # every seat's view shows the phase the instructor sees
            b.wait_for(_shows_phase(key), timeout=3)
        for r in range(rounds):
            for b in rng.sample(bots, len(bots)):
                b.act(progress=(r + 1) / rounds)
        reply = instructor.command("advance")
        if not reply["ok"] and reply.get("code") != "wrong_phase":
            raise BotError(f"advance refused: {reply['message']}")
    else:
        raise BotError("the game did not finish")
    return bots, (sum(join_times) / len(join_times) if join_times else 0.0)


def _points(score: dict[str, Any] | None, table: dict[str, Any], deal: bool) -> dict[str, Any]:
    """Each role's utility as the scores (and `roleplay play`, and the export) give it.

    A deadlock's utility is the BATNA after events plus the role's costs and bonuses
    (a lobbyist's fees, a civil society's spent actions): the table's bare `batna` lacks them.
    """
    if score is not None:
        return {r["role"]: r["utility"] for r in score["roles"]}
    return dict(table["current_points"] if deal else table["batna"])


def summary(instructor: InstructorBot, bots: list[PlayerBot], seconds: float,
            join_seconds: float) -> dict[str, Any]:
    view = instructor.view or {}
    scored = {s["table"]: s for s in (view.get("results") or {}).get("tables", [])}
    tables = []
    for t in view.get("tables", []):
        deal = t["outcome"] == "deal"
        tables.append({
            "table": t["id"],
            "outcome": t["outcome"],
            "type": (scored.get(t["id"]) or {}).get("table_type"),
            "deal": t["deal"],
            "reason": t["deadlock_reason"],
            "points": _points(scored.get(t["id"]), t, deal),
            "seats": {r: [p["name"] for p in ps] for r, ps in t["seats"].items()},
        })
    game = view.get("game", {})
    return {
        "game_id": instructor.game_id,
        "code": game.get("code"),
        "scenario": game.get("scenario"),
        "status": game.get("status"),
        "players": len(bots),
        "events": game.get("seq"),
        "commands_sent": sum(b.sent for b in bots),
        "commands_refused": sum(b.refused for b in bots),
        "seconds": round(seconds, 3),
        "mean_join_to_seat_seconds": round(join_seconds, 4),
        "tables": tables,
    }


def simulate(source: Scenario | CampaignBundle, players: int, seed: int, server_url: str,
             out: Path | None = None, password: str | None = None) -> dict[str, Any]:
    """Play a whole game with bots over Socket.IO against the server at `server_url`; the
    JSON export goes to `out` if given. The instructor password comes from `password` or
    ROLEPLAY_INSTRUCTOR_PASSWORD; a campaign is referred to as a built-in, a scenario is
    uploaded. (`roleplay.local.simulate` plays one on a server of its own.)
    """
    if players < 1:
        raise BotError("At least one player.")
    given = password or os.environ.get("ROLEPLAY_INSTRUCTOR_PASSWORD")
    if not given:
        raise BotError("Set ROLEPLAY_INSTRUCTOR_PASSWORD to the server's instructor password.")
    secret: str = given

    def create(ins: InstructorBot) -> str:
        if isinstance(source, CampaignBundle):
            return str(ins.create_game(f"campaign:{source.campaign.id}", seed)["code"])
        return str(ins.create_game(ins.upload(source), seed)["code"])

    return run(server_url, secret, create, players, seed, out)


def _shows_phase(key: tuple[int, int, str]) -> Callable[[Client], bool]:
    def test(c: Client) -> bool:
        return _phase_key(c.view) == key

    return test


def run(url: str, password: str, create: Callable[[InstructorBot], str], players: int,
        seed: int, out: Path | None) -> dict[str, Any]:
    """Log in, `create` the game (returning its join code), play it, and summarise it."""
    instructor = InstructorBot(url, password)
    bots: list[PlayerBot] = []
    t0 = time.monotonic()
    try:
        instructor.login()
        code = create(instructor)
        bots, join_seconds = play(url, instructor, code, players, seed)
        result = summary(instructor, bots, time.monotonic() - t0, join_seconds)
        if out is not None:
            out.write_bytes(instructor.export("json"))
            result["export"] = str(out)
        return result
    except (requests.RequestException, socketio.exceptions.SocketIOError) as e:
        raise BotError(f"cannot talk to the server at {url}: {e}") from e
    finally:
        close_all([*bots, instructor])
