"""The instructor's dashboard over the socket: the whole view once, then patches.

The whole instructor view of a 500-student game is about 300 KB of JSON and
took 8 ms to build and encode; sent once a second while a class negotiates,
it held up every chat line that arrived meanwhile (the benchmark's slowest
1 % of chat lines were these; bench/run.py --profile). So after the whole view
(with `sync`, and a `view` from a worker's first send or when the step
changes), each worker sends the dashboards `view_patch` messages holding the
game header, every table and player that an event changed since that
worker's previous send (the state records the seq of each one's last change),
players whose presence this worker saw change, and the scores when a table
changed once scores exist.

Each patch carries the `seq` of the state it was built from. A client keeps,
per table and per player, the `seq` its copy came from and replaces it only
with a copy from the same or a later state; it keeps its last patches, and a
whole view, unless older than the one its copy is based on, becomes the new
base with the kept patches newer than it applied again (a patch may overtake
the `sync`). So
patches from several workers, or from two sends racing on one worker, may
interleave, repeat or arrive early, and the dashboard still ends at the latest
state (tests/test_dashboard.py). `roleplay.viewpatch.merge_patch` is the rule for
one patch in Python (the bots and the tests use it); instructor.js has the same rule.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..engine.state import GameState
from ..outbox import staff_patch, staff_players


@dataclass
class _Sent:
    """What one worker last sent a game's dashboards."""

    step: int
    #: the state's seq: the next patch holds everything changed after it
    seq: int
    #: each player's (online, last seen) as this worker last sent it
    presence: dict[str, tuple[Any, Any]]
    scored: bool


class Dashboard:
    """Builds the instructor's whole view and the patches after it, per game.

    A patch holds every table and player that any event after the previous send
    changed (`GameState.table_seq` / `player_seq`, so it includes what other
    workers' commands changed), not a comparison with what this worker sent:
    two sends racing each other, or two workers taking turns, can only make a
    later patch hold more than it needs, never less.
    """

    def __init__(self) -> None:
        self._sent: dict[str, _Sent] = {}
        self._lock = threading.Lock()

    def update(self, state: GameState, now: float, whole: Callable[[], dict[str, Any]],
               decorate: Callable[[list[dict[str, Any]]], None],
               scores: Callable[[], dict[str, Any] | None]) -> tuple[str, dict[str, Any]]:
        """The next message for the game's dashboards: ("view", ...) or ("view_patch", ...).

        `whole()` builds the whole (decorated) view; `decorate(players)` adds what
        this worker knows of each player (online, last seen); `scores()` gives the
        instructor's scores, or None before any table has closed. A finished game's
        dashboards get the whole view, and nothing is kept for it (its sends are few:
        the results released, a late reconnect).
        """
        game_id = state.setup.game_id
        with self._lock:
            before = self._sent.get(game_id)
        if state.status == "finished":
            self.forget(game_id)
            return "view", {"view": whole()}
        if before is None or before.step != state.step:
            view = whole()
            presence = {p["id"]: (p.get("online"), p.get("last_seen")) for p in view["players"]}
            self._remember(game_id, _Sent(state.step, state.seq, presence, "results" in view))
            return "view", {"view": view}
        base = before.seq
        entries = staff_players(state)
        decorate(entries)
        presence = {p["id"]: (p.get("online"), p.get("last_seen")) for p in entries}
        patch = staff_patch(state, base, now, [
            p for p in entries if state.player_seq.get(p["id"], 0) > base
            or before.presence.get(p["id"]) != presence[p["id"]]])
        scored = before.scored
        if patch["tables"] or not before.scored:
            results = scores()
            if results is not None:
                patch["results"] = results
                scored = True
        self._remember(game_id, _Sent(state.step, state.seq, presence, scored))
        return "view_patch", patch

    def forget(self, game_id: str) -> None:
        """Nothing kept for this game: its dashboards' next message is the whole view."""
        with self._lock:
            self._sent.pop(game_id, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._sent)

    def _remember(self, game_id: str, sent: _Sent) -> None:
        with self._lock:
            self._sent[game_id] = sent
