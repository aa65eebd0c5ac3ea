"""Two `roleplay serve` workers behind nginx, sharing PostgreSQL and the Redis message queue.

The deployment of docs/deployment.md, started for real: nginx from the
template in deploy/nginx.conf (sticky by client address), two worker
processes on a fresh PostgreSQL schema and Redis. One table's students are
spread across both workers (each connects from its own loopback address, so
the proxy's hash sends them to different workers); everyone must see every
event of their audience exactly once and in sequence order, and commands
for the same game arriving at both workers at once must never fork the log.

Needs nginx, PostgreSQL and Redis: skipped when one is missing, except in CI
(ROLEPLAY_REQUIRE_SERVICES=1), where a missing service is a failure.
"""

from __future__ import annotations

import contextlib
import http.client
import itertools
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio

from support.services import missing, wait_port
from support.web import free_port
from support.workers import CHANNEL, PASSWORD

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "deploy" / "nginx.conf"

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.timeout(120)]


def _nginx() -> str:
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None)
    if found is None:
        missing("nginx is not installed (apt-get install nginx)")
    return str(found)


def nginx_conf(tmp: Path, listen: int, workers: list[int]) -> str:
    """deploy/nginx.conf filled in, wrapped in a main file that keeps everything in `tmp`."""
    site = TEMPLATE.read_text()
    site = site.replace("{{ LISTEN }}", f"127.0.0.1:{listen}")
    site = site.replace("{{ WORKERS }}", "\n".join(f"    server 127.0.0.1:{p};" for p in workers))
    (tmp / "site.conf").write_text(site)
    temp = "\n".join(f"    {kind}_temp_path {tmp}/{kind}_temp;"
                     for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers must reach files under tmp
    return f"""{user}worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {tmp}/access.log;
{temp}
    include {tmp}/site.conf;
}}
"""


@dataclass
class Cluster:
    proxy_port: int
    worker_ports: list[int]
    tmp: Path
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.proxy_port}"

    def worker_for(self, source_ip: str) -> str:
        """Which worker the proxy sends a client at `source_ip` to (from its response header)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.proxy_port, timeout=5,
                                          source_address=(source_ip, 0))
        try:
            conn.request("GET", "/healthz")
            r = conn.getresponse()
            r.read()
            assert r.status == 200
            return str(r.getheader("X-Roleplay-Worker"))
        finally:
            conn.close()

    def logs(self) -> str:
        out = []
        for f in sorted(self.tmp.glob("*.log")):
            out.append(f"== {f.name}\n{f.read_text(errors='replace')[-2000:]}")
        return "\n".join(out)


@pytest.fixture
def cluster(tmp_path: Path, pg_url: str, redis_url: str) -> Iterator[Cluster]:
    nginx = _nginx()
    tmp = tmp_path
    c = Cluster(free_port(), [free_port(), free_port()], tmp)
    env = {**os.environ, "ROLEPLAY_INSTRUCTOR_PASSWORD": PASSWORD,
           "ROLEPLAY_SECRET_KEY": secrets.token_hex(32),  # the same for both: shared sessions
           "ROLEPLAY_PROXY_HOPS": "1"}  # as deployed: client addresses from X-Forwarded-For
    roleplay = [sys.executable, "-m", "roleplay.cli"]
    try:
        for i, port in enumerate(c.worker_ports):
            log = tmp / f"worker{i + 1}.log"
            with open(log, "wb") as out:
                c.procs.append(subprocess.Popen(
                    [*roleplay, "serve", "--db", pg_url, "--message-queue", redis_url,
                     "--port", str(port)],
                    env=env, stdout=out, stderr=subprocess.STDOUT, cwd=tmp))
        (tmp / "nginx.conf").write_text(nginx_conf(tmp, c.proxy_port, c.worker_ports))
        with open(tmp / "nginx-stdout.log", "wb") as out:
            c.procs.append(subprocess.Popen(
                [nginx, "-p", str(tmp), "-c", str(tmp / "nginx.conf"), "-e", str(tmp / "error.log")],
                stdout=out, stderr=subprocess.STDOUT))
        for port, proc, name in zip([*c.worker_ports, c.proxy_port], c.procs,
                                    ["worker1", "worker2", "nginx-stdout"], strict=True):
            wait_port(port, proc, tmp / f"{name}.log")
        yield c
    finally:
        for p in reversed(c.procs):
            p.terminate()
        for p in c.procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)


class Watcher:
    """One socket through the proxy, from its own source address; records every event."""

    def __init__(self, cluster: Cluster, source_ip: str, auth: dict[str, Any],
                 cookie: str | None = None):
        self.seqs: list[int] = []
        self.events: list[dict[str, Any]] = []
        self.acks: list[dict[str, Any]] = []
        self.errors: list[dict[str, Any]] = []
        self.synced = threading.Event()
        self.lock = threading.Lock()
        sock = socket.create_connection(("127.0.0.1", cluster.proxy_port), timeout=10,
                                        source_address=(source_ip, 0))
        sock.settimeout(None)
        self.sio = socketio.Client(reconnection=False,
                                   websocket_extra_options={"socket": sock})
        self.sio.on("sync", self._sync)
        self.sio.on("events", self._events)
        self.sio.on("ack", lambda data: self._append(self.acks, data))
        self.sio.on("error", lambda data: self._append(self.errors, data))
        headers = {"Cookie": cookie} if cookie else {}
        self.sio.connect(cluster.url, auth=auth, transports=["websocket"], headers=headers,
                         wait_timeout=10)
        assert self.synced.wait(10), "no sync after connect"

    def _append(self, where: list[dict[str, Any]], data: dict[str, Any]) -> None:
        with self.lock:
            where.append(data)

    def _sync(self, data: dict[str, Any]) -> None:
        with self.lock:
            for e in data["events"]:
                self.seqs.append(e["seq"])
                self.events.append(e)
        self.synced.set()

    def _events(self, data: dict[str, Any]) -> None:
        with self.lock:
            for e in data["events"]:
                self.seqs.append(e["seq"])
                self.events.append(e)

    def command(self, name: str, args: dict[str, Any] | None = None) -> str:
        client_id = secrets.token_hex(8)
        self.sio.emit("command", {"name": name, "args": args or {}, "client_id": client_id})
        return client_id

    def wait_acks(self, n: int, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.acks) + len(self.errors) >= n:
                    return
            time.sleep(0.02)
        raise AssertionError(f"{len(self.acks)} acks and {self.errors} errors of {n} commands")

    def wait_seq(self, seq: int, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if self.seqs and self.seqs[-1] >= seq:
                    return
            time.sleep(0.02)


def _spread(cluster: Cluster, n: int) -> list[str]:
    """`n` loopback addresses that the proxy sends alternately to each worker."""
    by_worker: dict[str, list[str]] = {}
    for last in range(2, 250):
        ip = f"127.0.0.{last}"
        by_worker.setdefault(cluster.worker_for(ip), []).append(ip)
        if len(by_worker) == 2 and all(len(v) >= n for v in by_worker.values()):
            break
    assert len(by_worker) == 2, f"the proxy sent every address to one worker: {by_worker}"
    a, b = by_worker.values()
    return [(a if i % 2 == 0 else b)[i // 2] for i in range(n)]


def _valid_package(sc: Any) -> dict[str, str]:
    from roleplay.engine.commands import linkage_problem

    for combo in itertools.product(*[[o.id for o in i.options] for i in sc.issues]):
        pkg = {i.id: o for i, o in zip(sc.issues, combo, strict=True)}
        if linkage_problem(sc, pkg) is None:
            return pkg
    raise AssertionError("the scenario has no valid package")


def test_two_workers_one_table_everyone_sees_everything_in_order(
        cluster: Cluster, pg_url: str) -> None:
    from roleplay.service import GameService
    from roleplay.storage.db import make_engine
    from roleplay.storage.eventstore import EventStore

    http_ = requests.Session()
    r = http_.post(f"{cluster.url}/api/login", json={"password": PASSWORD}, timeout=10)
    assert r.status_code == 200, r.text
    r = http_.post(f"{cluster.url}/api/games", timeout=10,
                   json={"ref": "builtin:association-agreement", "seed": 5, "auto_advance": False})
    assert r.status_code in (200, 201), r.text
    game_id, code = r.json()["game_id"], r.json()["code"]
    players = []
    for i in range(5):
        r = requests.post(f"{cluster.url}/api/join", json={"code": code, "name": f"S{i}"},
                          timeout=10)
        assert r.status_code == 200, r.text
        players.append(r.json())
    cookie = "; ".join(f"{k}={v}" for k, v in http_.cookies.items())

    ips = _spread(cluster, 6)
    workers = [cluster.worker_for(ip) for ip in ips]
    teacher = Watcher(cluster, ips[0], {"kind": "instructor", "game": game_id, "last_seq": 0}, cookie)
    for name in ("start", "advance", "advance"):  # briefing, opening, negotiation
        teacher.command(name)
    teacher.wait_acks(3)
    assert not teacher.errors, teacher.errors

    engine = make_engine(pg_url)
    try:
        service = GameService(EventStore(engine))
        state = service.state(game_id)
        assert state.phase is not None and state.phase.id == "negotiation"
        seats = {p["player_id"]: state.players[p["player_id"]] for p in players}
        assert {s.table for s in seats.values()} == {1}, "five students: one table of 4 roles"
        students = [Watcher(cluster, ips[i + 1], {"kind": "player", "game": game_id,
                                                  "token": p["token"], "last_seq": 0})
                    for i, p in enumerate(players)]
        assert {workers[i + 1] for i in range(len(students))} == set(workers), \
            "the table's students are on both workers"

        # everyone at once, on both workers: chat lines, then proposals from both sides
        package = _valid_package(state.scenario)
        sent = {id(w): 0 for w in students}
        go = threading.Barrier(len(students))

        def burst(w: Watcher, pid: str) -> None:
            role = seats[pid].role
            go.wait()
            for k in range(8):
                w.command("chat", {"channel": CHANNEL[role], "text": f"{pid} line {k}"})
                sent[id(w)] += 1
            if role in ("eu", "government"):
                w.command("propose", {"package": package})
                sent[id(w)] += 1

        threads = [threading.Thread(target=burst, args=(w, p["player_id"]))
                   for w, p in zip(students, players, strict=True)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(15)
        for w in students:
            w.wait_acks(sent[id(w)])
        assert not [e for w in students for e in w.errors], [e for w in students for e in w.errors]

        # the log did not fork: contiguous sequence numbers, every command stored once
        service.forget(game_id)
        log = service.log(game_id)
        assert [e.seq for e in log] == list(range(1, len(log) + 1))
        stored = [e for e in log if e.type in ("chat", "proposal_made")]
        acked = sum(len(a["seq"]) for w in students for a in w.acks)
        assert len(stored) == acked == sum(sent.values())
        assert len({e.client_id for e in stored}) == len(stored)

        # everyone saw exactly their audience's events, once each, in order, on either worker
        last = log[-1].seq
        for w, p in zip([teacher, *students], [None, *players], strict=True):
            viewer = "instructor" if p is None else p["player_id"]
            expected = [e.seq for e in service.events_for(game_id, viewer)]
            w.wait_seq(expected[-1] if expected else last)
            with w.lock:
                got = list(w.seqs)
            assert got == sorted(set(got)), f"{viewer} saw events out of order or twice: {got}"
            assert got == expected, f"{viewer} on {workers[0]}: missing {set(expected) - set(got)}"
    except BaseException:
        print(cluster.logs())
        raise
    finally:
        for w in [teacher, *locals().get("students", [])]:
            w.sio.disconnect()
        engine.dispose()


class DisobedientClient:
    """A raw client through the proxy that signs in and then only reads, answering pings: it
    ignores `kicked`, `resync` and even Socket.IO's own disconnect packet."""

    def __init__(self, cluster: Cluster, source_ip: str, auth: dict[str, Any]):
        import websocket

        sock = socket.create_connection(("127.0.0.1", cluster.proxy_port), timeout=10,
                                        source_address=(source_ip, 0))
        self.ws = websocket.create_connection(
            f"ws://127.0.0.1:{cluster.proxy_port}/socket.io/?EIO=4&transport=websocket",
            socket=sock, timeout=None, suppress_origin=True)
        assert self.ws.recv().startswith("0{")
        self.ws.send("40" + json.dumps(auth))
        self.heard: list[tuple[str, Any]] = []
        self.lock = threading.Lock()
        self.signed_in = threading.Event()
        self.closed = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        assert self.signed_in.wait(10), "not signed in"

    def _read(self) -> None:
        try:
            while True:
                msg = self.ws.recv()
                if not msg:
                    break
                if msg == "2":
                    self.ws.send("3")
                elif msg.startswith("40"):
                    self.signed_in.set()
                elif msg.startswith("42"):
                    name, *args = json.loads(msg[2:])
                    with self.lock:
                        self.heard.append((name, args[0] if args else None))
        except Exception:
            pass
        finally:
            self.closed.set()

    def seqs(self) -> set[int]:
        with self.lock:
            return {e["seq"] for name, data in self.heard if name in ("events", "sync")
                    for e in data["events"]}

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.ws.close(timeout=0.2)


def test_kicks_and_moves_reach_sockets_on_the_other_worker(cluster: Cluster, pg_url: str) -> None:
    """The instructor's worker stores a kick and a move; the two students' sockets are on
    the other worker and obey nothing. The kicked one hears nothing more and is closed; the
    moved one hears its new table's events and none of its old table's."""
    from roleplay.service import GameService
    from roleplay.storage.db import make_engine
    from roleplay.storage.eventstore import EventStore

    http_ = requests.Session()
    r = http_.post(f"{cluster.url}/api/login", json={"password": PASSWORD}, timeout=10)
    assert r.status_code == 200, r.text
    r = http_.post(f"{cluster.url}/api/games", timeout=10,
                   json={"ref": "builtin:association-agreement", "seed": 5, "auto_advance": False})
    game_id, code = r.json()["game_id"], r.json()["code"]
    players = [requests.post(f"{cluster.url}/api/join", json={"code": code, "name": f"S{i}"},
                             timeout=10).json() for i in range(8)]
    cookie = "; ".join(f"{k}={v}" for k, v in http_.cookies.items())
    ips = _spread(cluster, 8)
    a_ips, b_ips = ips[0::2], ips[1::2]  # the proxy sends each list to one worker
    teacher = Watcher(cluster, a_ips[0], {"kind": "instructor", "game": game_id}, cookie)
    for name in ("start", "advance", "advance"):
        teacher.command(name)
    teacher.wait_acks(3)
    engine = make_engine(pg_url)
    clients: list[Any] = [teacher]
    try:
        service = GameService(EventStore(engine))
        state = service.state(game_id)
        seat = {(p.table, p.role): p.id for p in state.players.values()}
        assert {t for t, _ in seat} == {1, 2}, seat
        token = {p["player_id"]: p["token"] for p in players}

        def auth(pid: str) -> dict[str, Any]:
            return {"kind": "player", "game": game_id, "token": token[pid], "last_seq": 0}

        kicked = DisobedientClient(cluster, b_ips[0], auth(seat[(1, "civil_society")]))
        moved = DisobedientClient(cluster, b_ips[1], auth(seat[(1, "lobbyist")]))
        clients += [kicked, moved]
        eu1 = Watcher(cluster, a_ips[1], auth(seat[(1, "eu")]))
        eu2 = Watcher(cluster, b_ips[2], auth(seat[(2, "eu")]))
        clients += [eu1, eu2]
        teacher.command("kick", {"player": seat[(1, "civil_society")]})
        teacher.command("move", {"player": seat[(1, "lobbyist")], "table": 2, "role": "lobbyist"})
        teacher.wait_acks(5)
        assert not teacher.errors, teacher.errors
        package = _valid_package(state.scenario)
        eu1.command("propose", {"package": package})
        eu1.wait_acks(1)
        eu2.command("propose", {"package": package})
        eu2.wait_acks(1)
        teacher.command("broadcast", {"text": "last word"})
        teacher.wait_acks(6)
        assert not eu1.errors and not eu2.errors and not teacher.errors
        service.forget(game_id)
        log = service.log(game_id)
        old_table = next(e.seq for e in log if e.type == "proposal_made" and e.data["table"] == 1)
        new_table = next(e.seq for e in log if e.type == "proposal_made" and e.data["table"] == 2)
        last = log[-1].seq  # the broadcast: the moved student hears it after the proposals
        deadline = time.monotonic() + 15
        while last not in moved.seqs() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert last in moved.seqs(), "the moved student's socket stopped hearing the game"
        # one socket's stream is in order: with `last` in, both proposals came before it or never
        assert new_table in moved.seqs(), "the moved student did not hear its new table"
        assert old_table not in moved.seqs(), "the moved student still hears its old table"
        # the marker for the kicked socket is its close: nothing can arrive on it after that
        assert kicked.closed.wait(15), "the kicked student's connection stayed open"
        heard_after_kick = {s for s in kicked.seqs()
                            if s > next(e.seq for e in log if e.type == "player_kicked")}
        assert heard_after_kick == set(), f"the kicked student still hears {heard_after_kick}"
    except BaseException:
        print(cluster.logs())
        raise
    finally:
        for c in clients:
            if isinstance(c, Watcher):
                c.sio.disconnect()
            else:
                c.close()
        engine.dispose()
