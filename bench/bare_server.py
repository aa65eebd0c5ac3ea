"""The bare stack: a minimal Flask-SocketIO broadcast server, to measure the app against.

Same framework, async mode and settings as `roleplay serve`, and nothing
else: a client connects with `{"room": NAME}` and joins that room (and the
room "all"); `msg` is re-emitted to the sender's room as `msg`; `all` is
re-emitted to every client. No authorisation, no persistence, no views.

    python bench/bare_server.py --port 5100 [--async-mode eventlet|threading] [--gc-freeze]
"""

from __future__ import annotations

import argparse
import sys
from typing import Any


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=5100)
    ap.add_argument("--async-mode", default="eventlet", choices=["eventlet", "threading"])
    ap.add_argument("--gc-freeze", action="store_true", help="the app's garbage-collector policy (tune_gc)")
    args = ap.parse_args(argv)

    if args.async_mode == "eventlet":
        import eventlet

        eventlet.monkey_patch()

    from flask import Flask, request
    from flask_socketio import SocketIO, emit, join_room

    app = Flask(__name__)
    sio = SocketIO(app, async_mode=args.async_mode, cors_allowed_origins="*")
    rooms: dict[str, str] = {}

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
        sio.emit("msg", data, to=rooms.get(request.sid, "r"))  # type: ignore[attr-defined]
        emit("ack", {"client_id": (data or {}).get("client_id")})

    @sio.on("all")
    def to_all(data: Any) -> None:
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


if __name__ == "__main__":
    sys.exit(main())
