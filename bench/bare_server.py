"""The bare stack: a minimal Flask-SocketIO broadcast server, to measure the app against.

Same framework, async mode and settings as `roleplay serve`, and nothing
else: a client connects with `{"room": NAME}` and joins that room (and the
room "all"); `msg` is re-emitted to the sender's room as `msg`; `all` is
re-emitted to every client. No authorisation, no persistence, no views.

With `--persist DB`, each message is first stored in SQLite as the app stores
its events (WAL, `synchronous=FULL`, one autocommitted INSERT, under eventlet on
an OS thread of `tpool` as `roleplay serve` does), and emitted once durable:
the bare stack plus persist-then-broadcast, nothing else.

    python bench/bare_server.py --port 5100 [--async-mode eventlet|threading] [--gc-freeze]
                                [--persist DB]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=5100)
    ap.add_argument("--async-mode", default="eventlet", choices=["eventlet", "threading"])
    ap.add_argument("--gc-freeze", action="store_true", help="the app's garbage-collector policy (tune_gc)")
    ap.add_argument("--persist", metavar="DB", help="store each message in this SQLite file first")
    args = ap.parse_args(argv)

    if args.async_mode == "eventlet":
        import eventlet

        eventlet.monkey_patch()

    from flask import Flask, request
    from flask_socketio import SocketIO, emit, join_room

    app = Flask(__name__)
    sio = SocketIO(app, async_mode=args.async_mode, cors_allowed_origins="*")
    rooms: dict[str, str] = {}
    store = _store(args.persist, args.async_mode) if args.persist else None

    @sio.on("connect")
    def connect(auth: Any = None) -> None:
        room = str((auth or {}).get("room", "r"))
        rooms[request.sid] = room  # type: ignore[attr-defined]
        join_room(room)
        join_room("all")
        emit("sync", {"ok": True})

    @sio.on("disconnect")
    def disconnect(*_: Any) -> None:
        rooms.pop(request.sid, None)  # type: ignore[attr-defined]

    @sio.on("msg")
    def msg(data: Any) -> None:
        room = rooms.get(request.sid, "r")  # type: ignore[attr-defined]
        if store is not None:
            store(room, data)
        sio.emit("msg", data, to=room)
        emit("ack", {"client_id": (data or {}).get("client_id")})

    @sio.on("all")
    def to_all(data: Any) -> None:
        if store is not None:
            store("all", data)
        sio.emit("all", data, to="all")

    if args.gc_freeze:  # the app's policy (roleplay.web.server.tune_gc), for a like-for-like run
        from roleplay.web.server import tune_gc

        tune_gc()
    print(f"bare server on {args.host}:{args.port} ({args.async_mode})", flush=True)
    if args.async_mode == "eventlet":
        # the app's listener (TCP_NODELAY) and connection limit, for a like-for-like run
        import eventlet.wsgi

        from roleplay.web.server import MAX_CONNECTIONS, eventlet_listener

        eventlet.wsgi.server(eventlet_listener(args.host, args.port), app,
                             max_size=MAX_CONNECTIONS, log_output=False)
    else:
        sio.run(app, host=args.host, port=args.port, log_output=False,
                allow_unsafe_werkzeug=True)
    return 0


def _store(path: str, async_mode: str) -> Callable[[str, Any], None]:
    """`store(room, data)`: one message durable in SQLite before it returns."""
    import json
    import sqlite3
    import threading

    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE IF NOT EXISTS msg (id INTEGER PRIMARY KEY, room TEXT NOT NULL,"
                 " data TEXT NOT NULL)")
    run: Callable[..., Any] = lambda fn, *a: fn(*a)  # noqa: E731
    if async_mode == "eventlet":
        from eventlet import tpool

        run = tpool.execute
    lock = threading.Lock()  # one writer at a time (a green lock under eventlet)

    def store(room: str, data: Any) -> None:
        with lock:
            run(conn.execute, "INSERT INTO msg (room, data) VALUES (?, ?)",
                (room, json.dumps(data)))

    return store


if __name__ == "__main__":
    sys.exit(main())
