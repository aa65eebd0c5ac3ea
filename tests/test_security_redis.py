"""Threat 18 with two workers: the Redis message queue goes away and comes back.

Two `roleplay serve` workers on a fresh PostgreSQL schema share a private
Redis (started here on a free port, so the system Redis is never touched).
One table's students and an instructor socket are on each worker. Redis is
killed: every command must get a clear answer within seconds (`unavailable`,
nothing stored; or stored and acknowledged), never a traceback. Redis comes
back on the same port and commands go on at once, while the other worker's
message-queue listener is still waiting to reconnect. In the end every socket
must hold every event its viewer may see, each once, in order (merged as the
pages merge them: by seq, answering `resync` with a `sync`), and the log must
be contiguous with every client id stored once.

Needs PostgreSQL and `redis-server`: skipped when one is missing, except in CI
(ROLEPLAY_REQUIRE_SERVICES=1).
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio

from support.services import missing, wait_port
from support.web import free_port
from support.workers import CHANNEL, PASSWORD

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.timeout(120)]

#: longest a command may go unanswered while Redis is down
ANSWER_S = 5.0
#: longest the sockets may take to catch up once Redis is back
RECOVER_S = 20.0


class PrivateRedis:
    """`redis-server` on its own port, without persistence; `kill()` is SIGKILL."""

    def __init__(self, tmp: Path):
        exe = shutil.which("redis-server")
        if exe is None:
            missing("redis-server is not installed")
        self.exe = str(exe)
        self.port = free_port()
        self.log = tmp / "redis.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [self.exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no"], stdout=out, stderr=subprocess.STDOUT)
        wait_port(self.port, self.proc, self.log, timeout=10)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


class Worker:
    def __init__(self, tmp: Path, name: str, pg: str, queue: str):
        self.port = free_port()
        self.log = tmp / f"{name}.log"
        env = {**os.environ, "ROLEPLAY_INSTRUCTOR_PASSWORD": PASSWORD,
               "ROLEPLAY_SECRET_KEY": "redis-outage-test-secret-0123456789"}
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "roleplay.cli", "serve", "--host", "127.0.0.1",
                 "--port", str(self.port), "--db", pg, "--message-queue", queue,
                 "--async-mode", "eventlet"],
                env=env, stdout=out, stderr=subprocess.STDOUT)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)


@pytest.fixture
def setup(tmp_path: Path, pg_url: str) -> Iterator[tuple[PrivateRedis, list[Worker]]]:
    r = PrivateRedis(tmp_path)
    r.start()
    workers: list[Worker] = []
    try:
        workers = [Worker(tmp_path, f"worker{i + 1}", pg_url, r.url) for i in range(2)]
        for w in workers:
            wait_port(w.port, w.proc, w.log)
        yield r, workers
    finally:
        for w in workers:
            w.stop()
        r.kill()


class Page:
    """A socket that merges what it receives as the pages do (events.js `takeEvents`)."""

    def __init__(self, url: str, auth: dict[str, Any], cookie: str | None = None):
        self.log: dict[int, dict[str, Any]] = {}
        self.live: list[int] = []  # seqs received in `events` messages, duplicates kept
        self.answers: dict[str, tuple[str, dict[str, Any], float]] = {}
        self.sent: dict[str, float] = {}
        self.resyncs = 0
        self.count: dict[Any, int] = {}  # answers per client id: one each
        self.lock = threading.Lock()
        self.synced = threading.Event()
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("sync", self._sync)
        self.sio.on("events", self._events)
        self.sio.on("resync", self._resync)
        self.sio.on("ack", lambda d: self._answer("ack", d))
        self.sio.on("error", lambda d: self._answer("error", d))
        self.sio.connect(url, auth=auth, transports=["websocket"], wait_timeout=10,
                         headers={"Cookie": cookie} if cookie else {})
        assert self.synced.wait(10), "no sync after connect"

    def _sync(self, data: dict[str, Any]) -> None:
        with self.lock:
            for e in data["events"]:
                self.log.setdefault(e["seq"], e)
        self.synced.set()

    def _events(self, data: dict[str, Any]) -> None:
        with self.lock:
            for e in data["events"]:
                self.live.append(e["seq"])
                self.log.setdefault(e["seq"], e)

    def _resync(self, _: Any = None) -> None:
        # the pages answer `resync` with a `sync` from the start and merge by seq
        self.resyncs += 1
        self.sio.emit("sync", {"last_seq": 0})

    def _answer(self, kind: str, data: dict[str, Any]) -> None:
        with self.lock:
            cid = data.get("client_id")
            self.count[cid] = self.count.get(cid, 0) + 1
            if cid in self.sent and cid not in self.answers:
                self.answers[cid] = (kind, data, time.monotonic() - self.sent[cid])

    def command(self, name: str, args: dict[str, Any] | None = None,
                client_id: str | None = None) -> str:
        cid = client_id or secrets.token_hex(8)
        with self.lock:
            self.answers.pop(cid, None)
            self.count[cid] = 0  # a retry with the same id: one answer again
            self.sent[cid] = time.monotonic()
        self.sio.emit("command", {"name": name, "args": args or {}, "client_id": cid})
        return cid

    def wait_answers(self, ids: list[str], timeout: float) -> dict[str, tuple[str, dict[str, Any], float]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if all(i in self.answers for i in ids):
                    return {i: self.answers[i] for i in ids}
            time.sleep(0.02)
        with self.lock:
            missing = [i for i in ids if i not in self.answers]
        raise AssertionError(f"no answer within {timeout} s to commands {missing}")

    def seqs(self) -> list[int]:
        with self.lock:
            return sorted(self.log)


def _wait_for(what: str, check: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"{what}: not within {timeout} s")


def test_the_pages_answer_resync_with_a_sync_from_the_start() -> None:
    """What `Page._resync` mimics: the real pages fetch the whole log again and merge it."""
    static = Path(__file__).resolve().parent.parent / "roleplay" / "web" / "static"
    assert "resync: function () { restart(); }" in (static / "play" / "main.js").read_text()
    assert "function restart()" in (static / "play" / "main.js").read_text()
    for page in ("instructor.js", "projector.js"):
        assert "resync: function () { conn.sync(0); }" in (static / page).read_text(), page


def test_a_game_lock_with_redis_gone_is_a_clear_answer(tmp_path: Path) -> None:
    """Redis gone before a command: `unavailable` at once; gone while the lock is held (the
    command is stored): releasing it is no error, the lock expires in Redis by itself."""
    from roleplay.storage.eventstore import StoreError
    from roleplay.web.clusterlock import ClusterLocks

    server = PrivateRedis(tmp_path)
    server.start()
    try:
        locks = ClusterLocks(server.url)
        with locks.hold("g1"):
            server.kill()
        start = time.monotonic()
        with pytest.raises(StoreError, match="cannot reach its message queue"), locks.hold("g1"):
            pass
        assert time.monotonic() - start < ANSWER_S
        server.start()
        with locks.hold("g1"):
            pass
    finally:
        server.kill()


def test_redis_going_away_and_coming_back_with_two_workers(
        setup: tuple[PrivateRedis, list[Worker]], pg_url: str) -> None:
    from roleplay.service import GameService
    from roleplay.storage.db import make_engine
    from roleplay.storage.eventstore import EventStore

    redis_server, workers = setup
    w1, w2 = workers
    http = requests.Session()
    assert http.post(f"{w1.url}/api/login", json={"password": PASSWORD}, timeout=10).ok
    r = http.post(f"{w1.url}/api/games", timeout=10,
                  json={"ref": "builtin:association-agreement", "seed": 5, "auto_advance": False})
    assert r.status_code in (200, 201), r.text
    game_id, code = r.json()["game_id"], r.json()["code"]
    players = []
    for i in range(4):
        r = requests.post(f"{workers[i % 2].url}/api/join", json={"code": code, "name": f"S{i}"},
                          timeout=10)
        assert r.status_code == 200, r.text
        players.append(r.json())
    cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
    pages: list[Page] = []
    engine = make_engine(pg_url)
    try:
        staff = [Page(w.url, {"kind": "instructor", "game": game_id, "last_seq": 0}, cookie)
                 for w in workers]
        pages.extend(staff)
        ids = [staff[0].command(name) for name in ("start", "advance", "advance")]
        got = staff[0].wait_answers(ids, 15)
        assert all(k == "ack" for k, _, _ in got.values()), got
        service = GameService(EventStore(engine))
        state = service.state(game_id)
        students = [Page(workers[i % 2].url, {"kind": "player", "game": game_id,
                                              "token": p["token"], "last_seq": 0})
                    for i, p in enumerate(players)]
        pages.extend(students)
        role = {id(s): str(state.players[p["player_id"]].role)
                for s, p in zip(students, players, strict=True)}

        def chat(s: Page, text: str, client_id: str | None = None) -> str:
            return s.command("chat", {"channel": CHANNEL[role[id(s)]], "text": text}, client_id)

        # 1. Redis up: a chat line from everyone, heard everywhere
        for s in students:
            s.wait_answers([chat(s, "before")], 15)

        # 2. Redis killed: every command is answered at once, clearly
        redis_server.kill()
        outage: dict[str, Page] = {}
        for s in students:
            for k in range(2):
                outage[chat(s, f"during {k}")] = s
        answers = {}
        for s in students:
            answers.update(s.wait_answers([i for i, o in outage.items() if o is s], ANSWER_S + 2))
        for cid, (kind, data, took) in answers.items():
            assert took < ANSWER_S, f"command {cid} answered after {took:.1f} s: {data}"
            assert kind == "ack" or data.get("code") == "unavailable", (kind, data)
            assert "Traceback" not in str(data) and "Error(" not in str(data), data
            assert kind == "ack" or "message queue" in data["message"], data
        refused = {cid for cid, (kind, _, _) in answers.items() if kind == "error"}
        start = time.monotonic()
        r = requests.post(f"{w2.url}/api/join", json={"code": code, "name": "Late"}, timeout=10)
        assert time.monotonic() - start < ANSWER_S
        assert r.status_code == 503 and r.json()["error"]["code"] == "unavailable", r.text
        print("during the outage:", sorted((k, d.get("code"), d.get("message"), round(t, 2))
                                           for k, d, t in answers.values()))

        # 3. Redis back on the same port; commands go on at once from both workers
        redis_server.start()
        after: list[tuple[Page, str]] = []
        for s in students:
            for cid in [c for c in refused if outage[c] is s]:  # the pages retry refused commands
                after.append((s, chat(s, "retried", cid)))
            after.append((s, chat(s, "after")))
        for s in students:
            got = s.wait_answers([c for p, c in after if p is s], 15)
            assert all(k == "ack" for k, _, _ in got.values()), got

        def expected(i: int) -> list[int]:
            viewer = "instructor" if i < 2 else players[i - 2]["player_id"]
            return [e.seq for e in service.events_for(game_id, viewer)]

        # Redis is back for everyone once every page holds the log so far (its worker's
        # listener delivered or resynced), then once more
        for i, page in enumerate(pages):
            want = expected(i)
            _wait_for(f"page {i} before 'later'", lambda: set(want) <= set(page.seqs()),  # noqa: B023
                      RECOVER_S)
        for s in students:
            s.wait_answers([chat(s, "later")], 15)

        # the log did not fork and nothing was stored twice
        service.forget(game_id)
        log = service.log(game_id)
        assert [e.seq for e in log] == list(range(1, len(log) + 1)), "the log has a gap"
        ids_stored = [e.client_id for e in log if e.client_id]
        assert len(ids_stored) == len(set(ids_stored)), "a command was stored twice"
        chats = [e for e in log if e.type == "chat"]
        texts = [str(e.data.get("text")) for e in chats]
        assert texts.count("retried") + texts.count("during 0") + texts.count("during 1") \
            == len(outage), "a command of the outage was lost or stored twice"

        # every socket ends up with exactly its viewer's events, in order; a broadcast that
        # everyone sees comes last: what a socket was sent before it has arrived with it
        # (one socket's messages arrive in order), so nothing late can still come
        marker = staff[0].command("broadcast", {"text": "the end"})
        kind, ack, _ = staff[0].wait_answers([marker], 15)[marker]
        assert kind == "ack", ack
        marker_seq = max(ack["seq"])
        for i, page in enumerate(pages):
            _wait_for(f"page {i} hears the last broadcast",
                      lambda: marker_seq in page.seqs(), RECOVER_S)  # noqa: B023
        for i, page in enumerate(pages):
            want = expected(i)
            try:
                _wait_for(f"page {i}", lambda: page.seqs() == want, RECOVER_S)  # noqa: B023
            except AssertionError:
                raise AssertionError(
                    f"page {i} (worker {1 + i % 2}) lacks {sorted(set(want) - set(page.seqs()))}"
                    f", has extra {sorted(set(page.seqs()) - set(want))}"
                    f" after {page.resyncs} resyncs") from None
            with page.lock:
                live = list(page.live)
                twice = {c: n for c, n in page.count.items() if n != 1}
            assert not twice, f"page {i} got more than one answer to a command: {twice}"
            assert len(live) == len(set(live)), f"page {i} was sent an event twice: {live}"
            assert live == sorted(live), f"page {i} received events out of order: {live}"
        for w in workers:
            text = w.log.read_text(errors="replace")
            assert "Traceback" not in text, f"{w.log.name} logged a traceback:\n{text[-3000:]}"
    except BaseException:
        for w in workers:
            print(f"== {w.log.name}\n{w.log.read_text(errors='replace')[-4000:]}")
        raise
    finally:
        for p in pages:
            p.sio.disconnect()
        engine.dispose()
