"""The instructor's dashboard over the socket: the whole view once, then patches.

The whole instructor view of a 500-student game is about 300 KB of JSON and
took 8 ms to build and encode; sent once a second while a class negotiates,
it held up every chat line that arrived meanwhile (the benchmark's slowest
1 % of chat lines were these; bench/run.py --profile). So after the whole view
(`sync`, or a `view` when the step changes), each worker sends the dashboard
`view_patch` messages holding only what changed since its previous send: the
game header, the tables whose state or seats changed, the players whose entry
changed, and the scores when a table changed once scores exist.

Patches are idempotent: each carries the `seq` of the state it was built from,
and a client keeps, per table and per player, the `seq` its copy came from and
replaces it only with a copy from the same or a later state. So patches from
several workers (each one relative to its own previous send) may interleave,
arrive after a newer whole view, or repeat, and the dashboard still ends at
the latest state. `merge_patch` is that rule in Python (the bots and the tests
use it; instructor.js has the same rule).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..engine.state import GameState, TableState
from ..engine.views import game_header, instructor_player, instructor_table, seated_by_table

#: (table state, its seated players) as last sent: frozen objects, compared by value
TableKey = tuple[TableState, tuple[Any, ...]]


@dataclass
class _Sent:
    """What one worker last sent a game's dashboards."""

    step: int
    tables: dict[int, TableKey]
    players: dict[str, tuple[Any, ...]]
    scored: bool


class Dashboard:
    """Builds the instructor's whole view and the patches after it, per game."""

    def __init__(self) -> None:
        self._sent: dict[str, _Sent] = {}
        self._lock = threading.Lock()

    def forget(self, game_id: str) -> None:
        with self._lock:
            self._sent.pop(game_id, None)

    def update(self, state: GameState, now: float, whole: Callable[[], dict[str, Any]],
               decorate: Callable[[list[dict[str, Any]]], None],
               scores: Callable[[], dict[str, Any] | None]) -> tuple[str, dict[str, Any]]:
        """The next message for the game's dashboards: ("view", ...) or ("view_patch", ...).

        `whole()` builds the whole (decorated) view; `decorate(players)` adds what
        this worker knows of each player (online, last seen); `scores()` gives the
        instructor's scores, or None before any table has closed.
        """
        game_id = state.setup.game_id
        seated = seated_by_table(state)
        tables: dict[int, TableKey] = {
            tid: (t, tuple(seated.get(tid, ()))) for tid, t in state.tables.items()}
        with self._lock:
            before = self._sent.get(game_id)
        if before is None or before.step != state.step or before.tables.keys() != tables.keys():
            view = whole()
            players = {p["id"]: _player_key(p) for p in view["players"]}
            self._remember(game_id, _Sent(state.step, tables, players, "results" in view))
            return "view", {"view": view}
        changed = [tid for tid, key in tables.items() if not _same_table(before.tables[tid], key)]
        entries = [instructor_player(p) for p in state.players.values()]
        decorate(entries)
        players = {p["id"]: _player_key(p) for p in entries}
        patch: dict[str, Any] = {
            "seq": state.seq,
            "step": state.step,
            "game": game_header(state, now),
            "tables": [instructor_table(state, state.tables[tid], seated) for tid in sorted(changed)],
            "players": [p for p in entries if before.players.get(p["id"]) != players[p["id"]]],
        }
        scored = before.scored
        if changed or not before.scored:
            results = scores()
            if results is not None:
                patch["results"] = results
                scored = True
        self._remember(game_id, _Sent(state.step, tables, players, scored))
        return "view_patch", patch

    def _remember(self, game_id: str, sent: _Sent) -> None:
        with self._lock:
            self._sent[game_id] = sent


def _same_table(a: TableKey, b: TableKey) -> bool:
    # a table's state is replaced, never changed, when an event touches it: identity first
    return (a[0] is b[0] or a[0] == b[0]) and a[1] == b[1]


def _player_key(p: dict[str, Any]) -> tuple[Any, ...]:
    return (p["name"], p["table"], p["role"], p["kicked"], p.get("online"), p.get("last_seen"))


def merge_patch(view: dict[str, Any], patch: dict[str, Any], seqs: dict[str, int]) -> bool:
    """Apply a `view_patch` to a whole instructor view, in place.

    `seqs` maps "game", "results", "table:<id>" and "player:<id>" to the `seq` of
    the state each part of `view` came from; a part not in it came with the
    whole view (its `game.seq`). Start with an empty dict for every whole view.
    Returns False when the patch is newer and of another step (a campaign moved
    on): the client should then ask for a `sync`.
    """
    default = seqs.setdefault("*", int(view["game"]["seq"]))  # the whole view's own seq
    seq = int(patch["seq"])
    if patch["step"] != view["game"]["step"]:
        return seq < seqs.get("game", default)
    if seq >= seqs.get("game", default):
        view["game"] = patch["game"]
        seqs["game"] = seq
    for kind, parts, new in (("table", view["tables"], patch["tables"]),
                             ("player", view["players"], patch["players"])):
        index = {part["id"]: i for i, part in enumerate(parts)}
        for part in new:
            key = f"{kind}:{part['id']}"
            if seq < seqs.get(key, default):
                continue  # this copy is older than the one held
            seqs[key] = seq
            if part["id"] in index:
                parts[index[part["id"]]] = part
            else:
                index[part["id"]] = len(parts)
                parts.append(part)
    if "results" in patch and seq >= seqs.get("results", default):
        view["results"] = patch["results"]
        seqs["results"] = seq
    view["tables"].sort(key=lambda t: t["id"])
    return True
