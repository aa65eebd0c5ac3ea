"""`roleplay serve` (eventlet mode) counting the group commit's batches: `bench/run.py
--batch-sizes` starts the app's servers through this.

    BENCH_BATCH_SIZES=/tmp/b.jsonl python bench/batchsizes.py serve --port 8000 --db ...

Patches eventlet first (as `roleplay serve` does in its fresh interpreter, which it then
does not need), wraps `EventStore.append_batch` to count how many chat lines each batch
holds, and appends the counts so far, as one line of JSON {lines in a batch: batches}, to
the file named by BENCH_BATCH_SIZES on SIGUSR1 (and on SIGTERM, then exits). One dict
update per batch: nothing the bench's figures can see.

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
from collections import Counter
from typing import Any

if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
    del sys.path[0]  # bench/'s own modules (load, storage, ...) are not the server's

from roleplay.web.server import _prepare_eventlet

_prepare_eventlet()

from roleplay.storage.eventstore import EventStore  # noqa: E402

SIZES: Counter[int] = Counter()
_append_batch = EventStore.append_batch


def _counted(self: EventStore, batch: Any) -> None:
    SIZES[sum(len(events) for _, events in batch)] += 1
    _append_batch(self, batch)


def _dump(signum: int, _frame: Any) -> None:
    with open(os.environ["BENCH_BATCH_SIZES"], "a") as f:
        f.write(json.dumps(dict(sorted(SIZES.items()))) + "\n")
    if signum == signal.SIGTERM:
        os._exit(0)


EventStore.append_batch = _counted  # type: ignore[method-assign]

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
