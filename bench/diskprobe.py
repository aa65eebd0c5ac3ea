"""What the disk alone does meanwhile: fdatasync of small appends at about the app's commit rate.

    python bench/diskprobe.py DIR --seconds 20 [--every-ms 20]

Appends 200 bytes to DIR/disk-probe-<pid>.bin every `--every-ms` milliseconds (on a
fixed schedule; a tick missed behind a slow sync is skipped, not made up), times each
`os.fdatasync`, and prints the times (ms) as one JSON list when `--seconds` are over.
`bench/run.py` runs it beside each app round, in the directory of the server's SQLite
file, so that the round's chat tail can be read against the disk's own tail that minute
(on a virtual disk an fsync after an idle gap can take 10-400 ms with nobody else's fault).

It is its own process on purpose: a thread of the load client would need the client's
GIL back after each sync, and while the client decodes a burst that wait (up to the
5 ms switch interval) would be counted as the disk's.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

RECORD = b"x" * 199 + b"\n"


def probe(directory: Path, seconds: float, every_ms: float = 20.0) -> list[float]:
    path = directory / f"disk-probe-{os.getpid()}.bin"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    out: list[float] = []
    try:
        step = every_ms / 1000
        t0 = time.monotonic()
        end = t0 + seconds
        tick = t0
        while True:
            tick += step
            now = time.monotonic()
            if tick < now:  # behind a slow sync: the next tick from now
                tick = now + step
            if tick >= end:
                break
            time.sleep(tick - now)
            os.write(fd, RECORD)
            a = time.perf_counter()
            os.fdatasync(fd)
            out.append((time.perf_counter() - a) * 1000)
    finally:
        os.close(fd)
        path.unlink(missing_ok=True)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("directory", type=Path)
    ap.add_argument("--seconds", type=float, required=True)
    ap.add_argument("--every-ms", type=float, default=20.0)
    args = ap.parse_args(argv)
    samples = probe(args.directory, args.seconds, args.every_ms)
    print(json.dumps([round(v, 3) for v in samples]), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
