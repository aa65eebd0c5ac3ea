"""Threat 18 (docs/security.md), one worker: PostgreSQL going away and coming back.

A small TCP proxy sits between the app and PostgreSQL, so the test can cut every
connection and refuse new ones (the database "goes away"), then let them through
again. Separately, the server terminates our backends (`pg_terminate_backend`), as a
PostgreSQL restart or failover would. The two-worker Redis + PostgreSQL deployment is
tests/test_multiworker.py's; what is and is not covered is in docs/security.md.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from flask import Flask

from roleplay.engine.commands import Actor
from roleplay.scenario.model import Scenario
from roleplay.service import GameService
from roleplay.settings import Settings
from roleplay.storage.db import make_engine
from roleplay.storage.eventstore import EventStore, StoreError
from roleplay.web import create_app, socketio
from support.web import PASSWORD, SECRET_KEY, free_port, join, player_socket, received

pytestmark = pytest.mark.postgres


class Proxy:
    """TCP forwarding 127.0.0.1:<port> -> target, which can be taken down and up again."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.port = free_port()
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self.up()

    def up(self) -> None:
        ls = socket.socket()
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("127.0.0.1", self.port))
        ls.listen(32)
        self._listener = ls
        threading.Thread(target=self._accept, args=(ls,), daemon=True).start()

    def _accept(self, ls: socket.socket) -> None:
        while True:
            try:
                client, _ = ls.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.target, timeout=3)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns += [client, server]
            threading.Thread(target=self._pipe, args=(client, server), daemon=True).start()

    def _pipe(self, a: socket.socket, b: socket.socket) -> None:
        try:
            while True:
                ready, _, _ = select.select([a, b], [], [], 1.0)
                for s in ready:
                    data = s.recv(65536)
                    if not data:
                        return
                    (b if s is a else a).sendall(data)
        except (OSError, ValueError):
            return
        finally:
            for s in (a, b):
                with contextlib.suppress(OSError):
                    s.close()

    def down(self) -> None:
        """Refuse new connections and cut the open ones."""
        if self._listener is not None:
            with contextlib.suppress(OSError):  # wakes the accept() (a close alone does not)
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        with self._lock:
            conns, self._conns = self._conns, []
        for s in conns:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                s.close()


@pytest.fixture
def proxied(pg_url: str) -> Iterator[tuple[str, Proxy]]:
    parts = urlsplit(pg_url)
    proxy = Proxy((parts.hostname or "127.0.0.1", parts.port or 5432))
    netloc = f"{parts.username}@127.0.0.1:{proxy.port}"
    url = urlunsplit((parts.scheme, netloc, parts.path, parts.query + "&connect_timeout=2", ""))
    yield url, proxy
    proxy.down()


def _app(service: GameService) -> Flask:
    settings = Settings(database_url="sqlite://", async_mode="threading", testing=True,
                        secret_key=SECRET_KEY, instructor_password=PASSWORD)
    return create_app(settings, service=service)


def test_postgres_going_away_and_coming_back(proxied: tuple[str, Proxy],
                                            four_secrets: Scenario) -> None:
    url, proxy = proxied
    engine = make_engine(url)
    service = GameService(EventStore(engine))
    app = _app(service)
    state = service.create_game(four_secrets, seed=3)
    gid, code = state.setup.game_id, state.setup.code
    web_client = app.test_client()
    players = [join(web_client, code, f"P{i}") for i in range(4)]
    service.execute(gid, Actor("instructor"), "start")
    service.execute(gid, Actor("instructor"), "advance")
    socks = [player_socket(app, gid, p["token"]) for p in players]  # seated: in their rooms
    st = service.state(gid)
    by_role = {st.players[p["player_id"]].role: i for i, p in enumerate(players)}
    eu, gov = socks[by_role["eu"]], socks[by_role["government"]]
    for s in socks:
        received(s)

    heard: list[str] = []

    def send(sock: Any, text: str, cid: str) -> tuple[str, Any]:
        sock.emit("command", {"name": "chat", "client_id": cid,
                              "args": {"channel": "official", "text": text}})
        everything = received(sock)
        if sock is gov:
            heard.extend(e["data"]["text"] for n, p in everything if n == "events"
                         for e in p["events"])
        got = [(n, p) for n, p in everything if n in ("ack", "error")]
        assert len(got) == 1, got
        return got[0]

    assert send(eu, "before", "cid-before-1")[0] == "ack"
    received(gov)
    before = service.store.events(gid)

    proxy.down()
    name, reply = send(eu, "during", "cid-during-1")
    assert name == "error" and reply["code"] == "unavailable", reply
    assert "database" in reply["message"].lower()
    assert received(gov) == [], "a client heard of an event that was not stored"
    r = web_client.post("/api/join", json={"code": code, "name": "Late"})
    assert r.status_code == 503 and r.get_json()["error"]["code"] == "unavailable"
    assert not player_socket(app, gid, players[0]["token"]).is_connected()
    page = web_client.get(f"/play/{gid}")
    assert page.status_code == 503 and b"Traceback" not in page.data

    proxy.up()
    # the page retries the same command (same client id): stored once, heard once
    name, reply = send(eu, "during", "cid-during-1")
    assert name == "ack" and len(reply["seq"]) == 1
    assert send(eu, "during", "cid-during-1") == ("ack", {"client_id": "cid-during-1", "seq": []})
    heard.clear()
    heard.extend(e["data"]["text"] for n, p in received(gov) if n == "events" for e in p["events"])
    assert send(gov, "after", "cid-after-1")[0] == "ack"
    assert heard == ["during", "after"]
    events = service.store.events(gid)
    assert events[: len(before)] == before
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    texts = [e.data.get("text") for e in events if e.type == "chat"]
    assert texts == ["before", "during", "after"]
    assert service.state(gid).seq == events[-1].seq
    engine.dispose()


def test_terminated_backends_are_replaced(pg_url: str, four_secrets: Scenario) -> None:
    """A PostgreSQL restart or failover kills our connections; the pool reconnects."""
    import psycopg

    tagged = pg_url + "&application_name=rp_terminate"
    engine = make_engine(tagged)
    service = GameService(EventStore(engine))
    gid = service.create_game(four_secrets).setup.game_id
    code = service.state(gid).setup.code
    for i in range(3):
        service.join(code, f"S{i}")
        with psycopg.connect(web_postgres_admin(pg_url), autocommit=True) as admin:
            killed = admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = 'rp_terminate'").fetchone()
        assert killed is not None and killed[0] >= 1
    service.forget(gid)
    players = service.state(gid).players
    assert len(players) == 3
    assert [e.seq for e in service.store.events(gid)] == [1, 2, 3]
    engine.dispose()


def web_postgres_admin(pg_url: str) -> str:
    return pg_url.split("?")[0]


def test_a_database_that_is_not_there_is_a_clear_error(four_secrets: Scenario) -> None:
    engine = make_engine("sqlite://")  # tables made; then point a store at nothing
    dead = make_engine_lazy(f"postgresql://postgres@127.0.0.1:{free_port()}/test?connect_timeout=2")
    store = EventStore(dead)
    for call in (lambda: store.game("abc"), lambda: store.events("abc"),
                 lambda: store.games(), lambda: store.player_for_token("a", "b")):
        with pytest.raises(StoreError):
            call()
    service = GameService(store)
    with pytest.raises(StoreError):
        service.create_game(four_secrets)
    app = _app(GameService(EventStore(engine)))
    app.extensions["roleplay"].service.store = store
    c = app.test_client()
    r = c.post("/api/join", json={"code": "ABCDE", "name": "x"})
    assert r.status_code == 503 and r.get_json()["error"]["code"] == "unavailable"
    page = c.post("/join", data={"code": "ABCDE", "name": "x"})
    assert page.status_code == 503 and b"Traceback" not in page.data
    sock = socketio.test_client(app, auth={"kind": "player", "game": "ab" * 8, "token": "x" * 32},
                                flask_test_client=c)
    assert not sock.is_connected()
    engine.dispose()


def make_engine_lazy(url: str) -> Any:
    """An engine that does not connect (and so does not create tables) until used."""
    from sqlalchemy import create_engine

    from roleplay.storage.db import normalise_url

    return create_engine(normalise_url(url), pool_pre_ping=True)
