"""`roleplay serve` (eventlet mode) with probes: `bench/run.py --batch-sizes` and
`--chat-path` start the app's servers through this.

    BENCH_BATCH_SIZES=/tmp/b.jsonl python bench/probed_server.py serve --port 8000 --db ...
    BENCH_CHAT_PATH=/tmp/c.jsonl python bench/probed_server.py serve --port 8000 --db ...

Patches eventlet first (as `roleplay serve` does in its fresh interpreter, which it then
does not need), then wraps some of the server's functions; on SIGUSR1 (and on SIGTERM,
then exits) it appends what they recorded so far, as one line of JSON, to each file named:

- BENCH_BATCH_SIZES: `EventStore.append_batch` counts how many chat lines each batch of
  the group commit holds: {lines in a batch: batches}. One dict update per batch.
- BENCH_CHAT_PATH: each chat line of the load client (its text starts "t=<send time>",
  bench/load.py) is timed on the server's monotonic clock, the load client's clock too
  (one machine): `sent` (by the client), `handler` (`Delivery.run_command` entered),
  `locked` (`stage_chat` called: the game's lock taken), `staged` (`stage_chat` returned),
  `taken` (the writer's `append_batch` began), `os_in` / `os_out` (`_insert_rows` on the
  OS thread: the INSERT and the COMMIT with its fsync), `durable` (`append_batch` returned
  to the writer), `delivered` (its emits done).
  A list of {step: time}; bench/run.py prints each segment's percentiles. A few dict
  writes per line; the records are kept until the server stops.

With BENCH_STALL_MS (and BENCH_STALL_EVERY_S, default 1), a slow disk: once every that many
seconds, the SQLite statement running then (an INSERT of the writer's, almost always)
stalls that long, on the thread that runs it (a sqlite3 progress handler sleeping in the
unpatched `time.sleep`): what a slow fsync of the virtual disk does, on demand.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
    del sys.path[0]  # bench/'s own modules (load, storage, ...) are not the server's

from roleplay.web.server import _prepare_eventlet

_prepare_eventlet()

from roleplay.service import GameService  # noqa: E402
from roleplay.storage import eventstore  # noqa: E402
from roleplay.storage.eventstore import EventStore  # noqa: E402
from roleplay.web.delivery import Delivery  # noqa: E402

SIZES: Counter[int] = Counter()
#: client_id -> {step: monotonic time} of each chat line of the load client
PATHS: dict[str, dict[str, float]] = {}
_append_batch = EventStore.append_batch
_insert_rows = eventstore._insert_rows
_run_command = Delivery.run_command
_stage_chat = GameService.stage_chat
_clock = time.monotonic
#: whether chat lines are timed (read once: `_counted` runs per batch)
TIMED = bool(os.environ.get("BENCH_CHAT_PATH"))


def _counted(self: EventStore, batch: Any) -> None:
    SIZES[sum(len(events) for _, events in batch)] += 1
    if not TIMED:
        _append_batch(self, batch)
        return
    taken = _clock()
    try:
        _append_batch(self, batch)
    finally:
        durable = _clock()
        for _, events in batch:
            path = PATHS.get(events[0].client_id or "")
            if path is not None:
                path.update(taken=taken, durable=durable)


def _timed_rows(conn: Any, rows: list[dict[str, Any]]) -> None:
    """On the OS thread: the INSERT and its COMMIT (a dict write needs no lock here)."""
    start = _clock()
    _insert_rows(conn, rows)
    end = _clock()
    for row in rows:
        path = PATHS.get(row.get("client_id") or "")
        if path is not None:
            path.update(os_in=start, os_out=end)


def _timed_command(self: Delivery, game_id: str, actor: Any, name: str,
                   args: Mapping[str, Any] | None = None, client_id: str | None = None) -> Any:
    text = (args or {}).get("text")
    if name == "chat" and client_id and isinstance(text, str) and text.startswith("t="):
        PATHS[client_id] = {"sent": float(text[2:].split()[0]), "handler": _clock()}
    return _run_command(self, game_id, actor, name, args, client_id)


def _timed_stage(self: GameService, game_id: str, actor: Any, args: Any, *,
                 client_id: str | None, deliver: Callable[[list[Any]], None]) -> Any:
    path = PATHS.get(client_id or "")
    if path is not None:
        path["locked"] = _clock()

    def delivered(events: list[Any]) -> None:
        deliver(events)
        if path is not None:
            path["delivered"] = _clock()

    staged = _stage_chat(self, game_id, actor, args, client_id=client_id, deliver=delivered)
    if path is not None:
        path["staged"] = _clock()
    return staged


def _dump(signum: int, _frame: Any) -> None:
    for var, what in (("BENCH_BATCH_SIZES", dict(sorted(SIZES.items()))),
                      ("BENCH_CHAT_PATH", [p for p in PATHS.values() if "delivered" in p])):
        if os.environ.get(var):
            with open(os.environ[var], "a") as f:
                f.write(json.dumps(what) + "\n")
    if signum == signal.SIGTERM:
        os._exit(0)


EventStore.append_batch = _counted  # type: ignore[method-assign]
if TIMED:
    eventstore._insert_rows = _timed_rows
    Delivery.run_command = _timed_command  # type: ignore[method-assign]
    GameService.stage_chat = _timed_stage  # type: ignore[method-assign]

if os.environ.get("BENCH_STALL_MS"):
    from eventlet import patcher
    from sqlalchemy import event
    from sqlalchemy.pool import Pool

    _sleep, _now = patcher.original("time").sleep, patcher.original("time").monotonic
    _stall_s = float(os.environ["BENCH_STALL_MS"]) / 1000
    _every_s = float(os.environ.get("BENCH_STALL_EVERY_S", "1"))
    _last = [_now()]

    def _progress() -> int:
        if _now() - _last[0] >= _every_s:
            _last[0] = _now()
            _sleep(_stall_s)
        return 0

    @event.listens_for(Pool, "connect")
    def _slow_disk(dbapi_conn: Any, _record: Any) -> None:
        if hasattr(dbapi_conn, "set_progress_handler"):
            dbapi_conn.set_progress_handler(_progress, 50)
signal.signal(signal.SIGUSR1, _dump)
signal.signal(signal.SIGTERM, _dump)

if __name__ == "__main__":
    from roleplay.cli import main

    sys.exit(main(sys.argv[1:]))
