"""The Socket.IO packets' JSON, old (the stdlib, python-socketio's default) vs new (orjson).

    .venv/bin/python bench/jsoncpu.py                 # a 500-student game, 10 rounds
    .venv/bin/python bench/jsoncpu.py --students 200 --rounds 20

A seeded game in negotiation (bench/gamesetup.py, English and Russian), a proposal
at each table; encodes the instructor's view, a seat view and a sync
packet as `JsonPacket.encode` would, old and new alternating round by round in the
same process (`time.process_time`), and decodes an incoming chat command. Prints each
path's best and median per encode, and the bytes on the wire. Not a test.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from typing import Any

from engineio import json as eio_json
from gamesetup import scenario, valid_package

from roleplay.engine.commands import INSTRUCTOR_ACTOR, Actor
from roleplay.service import GameService
from roleplay.storage.db import make_engine
from roleplay.storage.eventstore import EventStore
from roleplay.web.packets import OrjsonCodec


def old_dumps(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"))


def new_dumps(data: Any) -> str:
    return OrjsonCodec.dumps(data, separators=(",", ":"))


def views(lang: str, students: int) -> dict[str, Any]:
    """The instructor's sync and a seat's update of a game whose students read `lang`."""
    service = GameService(EventStore(make_engine("sqlite://")))
    sc = scenario()
    state = service.create_game(sc, seed=1, auto_advance=False)
    gid = state.setup.game_id
    name = "Студент" if lang == "ru" else "Student"
    joined = [service.join(state.setup.code, f"{name} {i + 1}", lang) for i in range(students)]
    service.execute(gid, INSTRUCTOR_ACTOR, "start")
    while service.state(gid).phase.id != "negotiation":
        service.execute(gid, INSTRUCTOR_ACTOR, "advance")
    st = service.state(gid)
    pkg, tables = valid_package(sc), set()
    for j in joined:  # a proposal at each table
        table = st.players[j.player_id].table
        if table not in tables:
            tables.add(table)
            service.execute(gid, Actor("player", j.player_id), "propose", {"package": pkg})
    return {"staff": ["sync", {"view": service.view(gid, "instructor"), "me": None, "events": []}],
            "seat": ["update", {"view": service.view(gid, joined[0].player_id)}]}


def timeit(fn: Callable[[Any], str], data: Any, n: int) -> float:
    c0 = time.process_time()
    for _ in range(n):
        fn(data)
    return (time.process_time() - c0) / n * 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--students", type=int, default=500)
    ap.add_argument("--rounds", type=int, default=10)
    a = ap.parse_args()
    for lang in ("en", "ru"):
        for kind, data in views(lang, a.students).items():
            old, new = old_dumps(data), new_dumps(data)
            assert json.loads(old) == json.loads(new)
            n = 20 if kind == "staff" else 500
            per: dict[str, list[float]] = {"old": [], "new": []}
            for r in range(a.rounds):
                for name, fn in (("old", old_dumps), ("new", new_dumps))[:: 1 if r % 2 else -1]:
                    per[name].append(timeit(fn, data, n))
            for v in per.values():
                v.sort()
            print(f"{lang} {kind}: {len(old.encode()):,} -> {len(new.encode()):,} bytes; "
                  f"encode old best {per['old'][0]:.0f} us median {per['old'][len(per['old']) // 2]:.0f}"
                  f", new best {per['new'][0]:.0f} us median {per['new'][len(per['new']) // 2]:.0f}")
    cmd = '["command",{"name":"chat","args":{"channel":"official","text":"Здравствуйте, коллеги"},' \
          '"client_id":"chat-00001234"}]'
    per = {"old": [], "new": []}
    decoders: tuple[tuple[str, Callable[[str], Any]], ...] = (("old", eio_json.loads),
                                                               ("new", OrjsonCodec.loads))
    for r in range(a.rounds):
        for name, decode in decoders[:: 1 if r % 2 else -1]:
            c0 = time.process_time()
            for _ in range(20_000):
                decode(cmd)
            per[name].append((time.process_time() - c0) / 20_000 * 1e6)
    for v in per.values():
        v.sort()
    print(f"decode a chat command: old best {per['old'][0]:.2f} us, new best {per['new'][0]:.2f} us")


if __name__ == "__main__":
    main()
