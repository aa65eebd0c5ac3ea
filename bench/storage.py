"""Storage, rebuild, export and analysis benchmarks (no server, no sockets).

* append: events stored per second through `EventStore.append`, one command
  (one transaction, one event) at a time, and ten events per transaction as
  a phase change stores them; and whole chat commands through
  `GameService.execute` (decide, persist with `synchronous=FULL`, apply).
* rebuild: a 300-student game's log read back and folded by a fresh service.
* export: that game as JSON, CSV and HTML (`roleplay.export`, when present).
* analyze: `roleplay.analysis.analyze` on a 10-issue x 5-option scenario.
"""

from __future__ import annotations

import contextlib
import random
import time
import uuid
from typing import Any

from gamesetup import scenario, seated_game

from roleplay.engine.commands import Actor
from roleplay.engine.events import Event, EventType, table_audience
from roleplay.scenario.model import Scenario
from roleplay.service import GameService
from roleplay.storage.db import make_engine
from roleplay.storage.eventstore import EventStore

CHANNEL = {"eu": "non_governmental", "civil_society": "non_governmental",
           "government": "unofficial", "lobbyist": "unofficial"}


def fresh_postgres(url: str) -> tuple[str, Any]:
    """A new, empty schema on the server at `url`: (URL using it, a function that drops it)."""
    import psycopg

    schema = "bench_" + uuid.uuid4().hex[:10]
    with psycopg.connect(url, autocommit=True) as c:
        c.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in url else "?"
    scoped = f"{url}{sep}options=-csearch_path%3D{schema}"

    def drop() -> None:
        with psycopg.connect(url, autocommit=True) as c:
            c.execute(f"DROP SCHEMA {schema} CASCADE")

    return scoped, drop


def _service(url: str) -> GameService:
    return GameService(EventStore(make_engine(url)))


def append_rate(url: str, *, commands: int = 2000, per_tx: int = 1) -> float:
    """Events per second stored by `EventStore.append`, `per_tx` events per transaction."""
    svc = _service(url)
    gid, _ = seated_game(svc, 8)
    store = svc.store
    seq = svc.state(gid).seq
    t0 = time.perf_counter()
    for i in range(commands):
        events = []
        for _ in range(per_tx):
            seq += 1
            events.append(Event(seq, EventType.CHAT, time.time(), "bench", table_audience(1),
                                {"text": f"line {i}", "table": 1}, None))
        store.append(gid, events)
    dt = time.perf_counter() - t0
    svc.store.engine.dispose()
    return round(commands * per_tx / dt)


def execute_rate(url: str, *, commands: int = 2000, players: int = 40) -> float:
    """Chat commands per second through `GameService.execute` (one event each)."""
    svc = _service(url)
    gid, seats = seated_game(svc, players)
    t0 = time.perf_counter()
    for i in range(commands):
        s = seats[i % len(seats)]
        svc.execute(gid, Actor("player", s.player_id), "chat",
                    {"channel": CHANNEL[s.role], "text": f"hello {i}"}, client_id=f"bench-{i:08d}")
    dt = time.perf_counter() - t0
    svc.store.engine.dispose()
    return round(commands / dt)


def big_game(url: str, players: int = 300, chats_each: int = 10, seed: int = 3) -> tuple[str, int]:
    """A 300-student game: everyone seated, chats, proposals, signatures, to the end."""
    from gamesetup import valid_package

    from roleplay.engine.commands import INSTRUCTOR_ACTOR
    from roleplay.engine.errors import RuleError

    svc = _service(url)
    sc = scenario()
    pkg = valid_package(sc)
    gid, seats = seated_game(svc, players, seed=seed)
    rng = random.Random(seed)
    for i in range(chats_each):
        for s in seats:
            svc.execute(gid, Actor("player", s.player_id), "chat",
                        {"channel": CHANNEL[s.role], "text": f"line {i} from {s.player_id}"})
        if i % 3 == 0:
            for s in seats:
                if s.role in ("eu", "government") and rng.random() < 0.5:
                    svc.execute(gid, Actor("player", s.player_id), "propose", {"package": pkg})
    svc.execute(gid, INSTRUCTOR_ACTOR, "advance")  # decision
    for s in seats:
        if s.role in ("eu", "government"):
            with contextlib.suppress(RuleError):  # no proposal there, or already settled
                svc.execute(gid, Actor("player", s.player_id), "sign", {})
    while svc.state(gid).status != "finished":
        svc.execute(gid, INSTRUCTOR_ACTOR, "advance")
    n = svc.state(gid).seq
    svc.store.engine.dispose()
    return gid, n


def rebuild_s(url: str, game_id: str, repeat: int = 3) -> float:
    """Best time for a fresh service to read the log and fold it into the state."""
    best = float("inf")
    engine = make_engine(url)
    for _ in range(repeat):
        svc = GameService(EventStore(engine))
        t0 = time.perf_counter()
        svc.state(game_id)
        best = min(best, time.perf_counter() - t0)
    engine.dispose()
    return round(best, 3)


def export_s(url: str, game_id: str) -> dict[str, Any]:
    """Seconds to export as JSON, CSV and HTML (fresh service each time), or why not."""
    try:
        from roleplay.export import export_game
    except ImportError:
        return {"skipped": "roleplay.export is not there yet"}
    out: dict[str, Any] = {}
    engine = make_engine(url)
    for fmt in ("json", "csv", "html"):
        svc = GameService(EventStore(engine))
        t0 = time.perf_counter()
        data = export_game(svc, game_id, fmt=fmt, anonymize=True)
        out[f"{fmt}_s"] = round(time.perf_counter() - t0, 3)
        out[f"{fmt}_kb"] = round(len(data) / 1024)
    engine.dispose()
    return out


def ten_by_five(seed: int = 7) -> Scenario:
    """The built-in Association Agreement with 10 issues of 5 options and random points."""
    base = scenario()
    rng = random.Random(seed)
    roles = [r.id for r in base.roles]
    kinds = [("template", 0.0), ("opt_out", 0.25), ("co_designed", 0.5), ("opt_out", 0.75),
             ("co_designed", 1.0)]
    issues: list[dict[str, Any]] = []
    for k in range(10):
        issues.append({
            "id": f"k{k}", "title": f"Issue {k}",
            "options": [{"id": f"o{j}", "label": f"Option {j}", "kind": kinds[j][0],
                         "template_distance": kinds[j][1],
                         "points": {r: round(rng.uniform(0, 10), 2) for r in roles}}
                        for j in range(5)],
        })
    d = base.model_dump(mode="json", exclude_none=True)
    d.update(id="ten-by-five", issues=issues, events=[], actions=[])
    for r in d["roles"]:
        r["actions"] = []
        r["batna"] = 40.0
    try:
        return Scenario.model_validate(d)
    except Exception:  # the built-in may refer to its issues elsewhere: a minimal scenario then
        return Scenario.model_validate({
            "id": "ten-by-five", "title": "Ten by five", "version": "1", "summary": "s",
            "sources": ["bench"], "background": "b",
            "roles": [{"id": r, "name": r, "side": r if r in ("eu", "government") else "none",
                       "signatory": r in ("eu", "government"), "batna": 40.0,
                       "briefing": {"confidential": "c"}} for r in ("eu", "government")],
            "issues": [{**i, "options": [{**o, "points": {r: o["points"][r]
                                                           for r in ("eu", "government")}}
                                          for o in i["options"]]} for i in issues],
            "phases": [{"id": "sign", "kind": "decision", "title": "Sign", "minutes": 5}],
            "table": {"roles": ["eu", "government"]},
            "debrief": {"questions": ["q"]}, "history": {"text": "h"},
        })


def analyze_s() -> dict[str, Any]:
    from roleplay.analysis import analyze

    sc = ten_by_five()
    t0 = time.perf_counter()
    a = analyze(sc)
    return {"seconds": round(time.perf_counter() - t0, 3), "packages": a.package_count,
            "roles": len(sc.roles)}
