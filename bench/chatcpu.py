"""CPU per chat line through the real handler path, in process (no network, no load client).

    .venv/bin/python bench/chatcpu.py            # 2,000 chat lines, best of 5 rounds
    .venv/bin/python bench/chatcpu.py --lines 500 --rounds 3

The app (create_app, threading mode, a SQLite file with the app's own settings:
WAL, synchronous=FULL) with a seeded 40-student game in negotiation; every student
and the instructor connected through Flask-SocketIO's test client. Each chat line
goes through everything a student's line goes through on the server: the Socket.IO
packet decoded, Flask-SocketIO's request context, the handler (rate limit, payload
checks), the group commit (stage, INSERT, COMMIT), the outbox and its emits to the
table and the staff, the ack. The test client's own share (encoding the packet it
sends, decoding what it receives) is in the figure too, the same for every commit.

Prints process CPU-ms per chat line (all threads: the writer is one) and wall-ms,
the best of the rounds: a shared machine makes each round slower, never faster.
`--compare kept` alternates, round by round in the same process, the single INSERT on
a pool checkout (the old path) and on the kept connection (EventStore's `_keep`);
`--compare session` Flask's cookie session opened per event (the old path) and the
socket's managed session (security.SessionInterface); `--compare raw` the kept
connection's INSERT through SQLAlchemy Core's execute (round five's path) and through
sqlite3's own (round six: `eventstore._insert_rows`); `--compare json` the packets' JSON
by the stdlib (python-socketio's default) and by orjson (packets.OrjsonCodec); each
prints each path's best and median: on a shared machine two processes' figures differ
by more than a lever.

Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import tempfile
import time
from pathlib import Path
from typing import Any

from engineio import json as engineio_json
from flask.sessions import SecureCookieSessionInterface
from gamesetup import seated_game
from load import APP_CHANNELS
from sqlalchemy import insert

from roleplay.settings import Settings
from roleplay.storage.eventstore import EVENT
from roleplay.web import create_app, socketio
from roleplay.web.packets import JsonPacket, OrjsonCodec
from roleplay.web.runtime import TokenBucket
from roleplay.web.security import SessionInterface


def _core_insert(store: Any) -> Any:
    """Round five's kept connection: an autocommit SQLAlchemy Connection, Core's execute."""
    kept: list[Any] = [None]

    def insert_kept(rows: list[dict[str, Any]]) -> None:
        with store._kept_lock:
            conn, kept[0] = kept[0], None
            if conn is None:
                conn = store.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            try:
                if len(rows) == 1:
                    conn.execute(insert(EVENT), rows)
                else:
                    with conn.begin():
                        conn.execute(insert(EVENT), rows)
            except BaseException:
                conn.close()
                raise
            kept[0] = conn

    return insert_kept


class _CookieEveryEvent(SecureCookieSessionInterface):
    """The session interface before round five: the cookie opened on every event."""

    def get_cookie_secure(self, app: Any) -> bool:
        return SessionInterface.get_cookie_secure(self, app)  # type: ignore[arg-type]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--lines", type=int, default=2000, help="chat lines per round")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--students", type=int, default=40)
    ap.add_argument("--compare", choices=["kept", "session", "raw", "json"],
                    help="alternate the old and the new path round by round")
    a = ap.parse_args()
    logging.disable(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'chat.db'}"
        settings = Settings(database_url=url, async_mode="threading", testing=True,
                            secret_key="x" * 32, instructor_password="bench-password",
                            socket_handshake_rate=1000.0, sockets_per_address=10_000)
        app = create_app(settings)
        rt = app.extensions["roleplay"]
        game_id, seats = seated_game(rt.service, a.students)
        teacher_http = app.test_client()
        assert teacher_http.post("/api/login", json={"password": "bench-password"}).status_code == 200
        socks = [socketio.test_client(app, auth={"kind": "player", "game": game_id,
                                                 "token": s.token},
                                      flask_test_client=app.test_client()) for s in seats]
        teacher = socketio.test_client(app, auth={"kind": "instructor", "game": game_id},
                                       flask_test_client=teacher_http)
        assert teacher.is_connected() and all(s.is_connected() for s in socks)
        # the bench sends far faster than a student may: its seats get unlimited buckets
        # (the bucket's accounting still runs per line)
        for s in seats:
            rt.buckets[f"p:{game_id}:{s.player_id}"] = TokenBucket(rate=1e9, burst=1e9,
                                                                   tokens=1e9)
        ids = (f"chat-{i:08d}" for i in itertools.count())
        best_cpu = best_wall = float("inf")
        store = rt.service.store
        core = _core_insert(store)
        per: dict[str, list[float]] = {"old": [], "new": []}
        for r in range(a.rounds):
            kind = "new" if a.compare is None or r % 2 else "old"
            if a.compare == "kept":
                store._keep = kind == "new"
                if not store._keep and store._kept is not None:
                    store._kept.close()
                    store._kept = None
            if a.compare == "raw":
                if kind == "new":
                    store.__dict__.pop("_insert_kept", None)
                else:
                    store._insert_kept = core
            if a.compare == "session":
                app.session_interface = SessionInterface() if kind == "new" else _CookieEveryEvent()
            if a.compare == "json":
                JsonPacket.json = OrjsonCodec if kind == "new" else engineio_json
            for s in (*socks, teacher):
                s.get_received()
            got: dict[str, int] = {}
            c0, w0 = time.process_time(), time.perf_counter()
            for i in range(a.lines):
                sock, seat = socks[i % len(socks)], seats[i % len(socks)]
                sock.emit("command", {"name": "chat", "client_id": next(ids),
                                      "args": {"channel": APP_CHANNELS[seat.role],
                                               "text": f"line {i} of {r}"}})
                if i % 50 == 49:  # the test client keeps what it received until read
                    for s in (*socks, teacher):
                        for m in s.get_received():
                            got[m["name"]] = got.get(m["name"], 0) + 1
            cpu, wall = time.process_time() - c0, time.perf_counter() - w0
            best_cpu, best_wall = min(best_cpu, cpu), min(best_wall, wall)
            per[kind].append(1e6 * cpu / a.lines)
            print(f"round {r + 1}{'' if a.compare is None else ' (' + kind + ')'}: "
                  f"{1000 * cpu / a.lines:.3f} CPU-ms / line, "
                  f"{1000 * wall / a.lines:.3f} wall-ms / line (received {got})")
        if a.compare is not None:
            for kind, v in per.items():
                v.sort()
                print(f"{kind}: best {v[0]:.0f} us, median {v[len(v) // 2]:.0f} us per chat line")
            return
        print(f"best: {1000 * best_cpu / a.lines:.3f} CPU-ms per chat line "
              f"({best_cpu / a.lines * 1e6:.0f} us), {1000 * best_wall / a.lines:.3f} wall-ms")


if __name__ == "__main__":
    main()
