"""Under eventlet (`roleplay serve`'s mode), the group commit's INSERT and COMMIT run on an OS
thread (`server.offload_writes`): the event loop goes on meanwhile, and the lines staged then
share the next commit. Run in a fresh interpreter, patched first as `serve` is."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("eventlet")

SCRIPT = r"""
import eventlet
eventlet.monkey_patch()
import json, sys
from pathlib import Path
from eventlet import patcher
real = patcher.original("threading")

from roleplay.engine.commands import Actor
from roleplay.scenario.loader import load_scenario
from roleplay.service import GameService
from roleplay.storage import eventstore
from roleplay.storage.db import make_engine
from roleplay.storage.eventstore import EventStore
from roleplay.web import server

service = GameService(EventStore(make_engine("sqlite:///" + sys.argv[1])))
if sys.argv[3] == "offload":
    server.offload_writes(service)
gid = service.create_game(load_scenario(Path(sys.argv[2])), seed=7).setup.game_id
code = service.state(gid).setup.code
players = [service.join(code, f"P{i}").player_id for i in range(4)]
service.execute(gid, Actor("instructor"), "start")
service.execute(gid, Actor("instructor"), "advance")

main = real.get_ident()
staged_all = real.Event()  # a real Event: waited on by the OS thread that writes
batches = []
insert_rows = eventstore._insert_rows

def watched(conn, rows):  # runs where the store's offload runs it
    first = not batches
    batches.append((len(rows), real.get_ident() != main))
    if first:  # the disk is slow: does the loop stage the next lines meanwhile?
        batches[-1] += (staged_all.wait(float(sys.argv[4])),)
    insert_rows(conn, rows)

eventstore._insert_rows = watched
delivered = []

def stage(i):
    return service.stage_chat(gid, Actor("player", players[i % 4]),
                               {"channel": "team", "text": f"line {i}"},
                               client_id=f"chat-line-{i:04d}", deliver=delivered.extend)

first = stage(0)
eventlet.sleep(0.05)  # the writer takes the first line alone
rest = [stage(i) for i in range(1, 6)]
staged_all.set()
for s in [first, *rest]:
    s.wait()
stored = [e.seq for e in service.store.events(gid)][-6:]
print(json.dumps({"batches": batches, "delivered": [e.seq for e in delivered],
                  "stored": stored}))
"""


def _run(tmp_path: Path, mode: str, wait_s: float) -> dict[str, list]:  # type: ignore[type-arg]
    data = Path(__file__).parent / "data" / "four-roles.yaml"
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "g.db"), str(data), mode,
                          str(wait_s)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_under_eventlet_the_commit_runs_on_an_os_thread_while_the_loop_stages_the_next_lines(
        tmp_path: Path) -> None:
    r = _run(tmp_path, "offload", 10)
    # the first line alone, on an OS thread, which saw the other five staged meanwhile;
    # then those five in one commit
    assert r["batches"] == [[1, True, True], [5, True]]
    assert r["delivered"] == r["stored"] and len(r["stored"]) == 6


def test_without_the_offload_the_commit_holds_the_loop(tmp_path: Path) -> None:
    """What `offload_writes` is for (and a check that the test above can fail): with the
    sqlite3 calls on the loop's own thread, nothing is staged while the first commit waits
    (it gives up after a second), and each line is committed alone."""
    r = _run(tmp_path, "inline", 1)
    assert r["batches"][0] == [1, False, False]
    assert r["delivered"] == r["stored"] and len(r["stored"]) == 6
