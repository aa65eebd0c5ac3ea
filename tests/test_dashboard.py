"""The dashboard's patches: a whole view plus the patches after it is the whole view now.

Random sessions (the engine property test's commands) run on two simulated
workers; after each command the worker that ran it sends its next dashboard
message. A dashboard that synced at any moment and received the messages
published after it, the two workers' messages interleaved in any order (each
worker's in its own order, as a message queue keeps them), must end holding
exactly the whole view of the final state.
"""

from __future__ import annotations

import copy
import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roleplay.engine.commands import INSTRUCTOR_ACTOR, SYSTEM_ACTOR, Actor, decide
from roleplay.engine.errors import RuleError
from roleplay.engine.state import GameSetup, GameState, apply, initial_state
from roleplay.engine.views import instructor_view
from roleplay.scenario.model import Scenario
from roleplay.viewpatch import merge_patch
from roleplay.web.dashboard import Dashboard
from support.random_sessions import actor_and_args, step

NOW = 5000.0


def _decorate(players: list[dict[str, Any]]) -> None:
    for p in players:
        p["online"] = len(p["name"]) % 2 == 0


def _scores(state: GameState) -> dict[str, Any] | None:
    """A stand-in for the scores: a function of the tables, present once one has closed."""
    if not any(t.outcome != "open" for t in state.tables.values()):
        return None
    return {"tables": [{"id": t.id, "outcome": t.outcome, "proposals": len(t.proposals)}
                       for t in sorted(state.tables.values(), key=lambda t: t.id)]}


def _whole(state: GameState) -> dict[str, Any]:
    v = instructor_view(state, NOW)
    _decorate(v["players"])
    results = _scores(state)
    if results is not None:
        v["results"] = results
    return v


def _send(dash: Dashboard, state: GameState) -> tuple[str, dict[str, Any]]:
    name, payload = dash.update(state, NOW, whole=lambda: _whole(state), decorate=_decorate,
                                scores=lambda: _scores(state))
    return name, copy.deepcopy(payload)


def _play(four_roles: Scenario, steps: list[Any]) -> list[GameState]:
    """The states after each stored command."""
    state = initial_state(GameSetup("g", "CODE1", 1, (four_roles,)))
    states = [state]
    now = 1000.0
    for kind, who, (name, args), dt in steps:
        now += dt
        actor, args = actor_and_args(kind, who, args)
        try:
            events = decide(state, actor, name, args, now=now)
        except RuleError:
            continue
        for e in events:
            state = apply(state, e)
        states.append(state)
    return states


class Copy:
    """A dashboard as instructor.js keeps it: patches that come before the sync's whole
    view, or before a newer whole view, are kept and applied again after it."""

    def __init__(self) -> None:
        self.view: dict[str, Any] | None = None
        self.seqs: dict[str, int] = {}
        self.recent: list[dict[str, Any]] = []
        self.base = -1  # the seq of the whole view the patches are applied on
        self.resyncs = 0

    def whole(self, view: dict[str, Any]) -> None:
        """A whole view (a `sync`'s or a `view`): the base unless an earlier whole view was
        newer; the recent patches newer than the base are applied again on it."""
        if self.view is not None and view["game"]["seq"] < self.base:
            return
        self.base = view["game"]["seq"]
        self.view, self.seqs = copy.deepcopy(view), {}
        for p in self.recent:
            if p["seq"] > view["game"]["seq"]:
                self._merge(p)

    def take(self, name: str, payload: dict[str, Any]) -> None:
        if name == "view":
            self.whole(payload["view"])
            return
        self.recent = [*self.recent, payload][-50:]
        if self.view is not None:
            self._merge(payload)

    def _merge(self, patch: dict[str, Any]) -> None:
        assert self.view is not None
        if not merge_patch(self.view, copy.deepcopy(patch), self.seqs):
            self.resyncs += 1


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(step, max_size=60), seed=st.integers(0, 10_000))
def test_a_whole_view_and_the_patches_after_it_make_the_whole_view(
        four_roles: Scenario, steps: list[Any], seed: int) -> None:
    """Two workers take turns; a send may be built from a state a little older than the
    previous send's (two threads racing); the dashboard syncs at any moment, and patches
    published after it joined the room may arrive before its sync."""
    rng = random.Random(seed)
    states = _play(four_roles, steps)
    workers = [Dashboard(), Dashboard()]
    queues: list[list[tuple[int, str, dict[str, Any]]]] = [[], []]
    for i in range(len(states)):
        w = rng.randrange(2)
        stale = rng.choice([0, 0, 0, 1, 2])
        used = max(0, i - stale)
        queues[w].append((used, *_send(workers[w], states[used])))
    # a change is always followed by a send of the newest state (the coalesced flush)
    w = rng.randrange(2)
    queues[w].append((len(states) - 1, *_send(workers[w], states[-1])))
    published: list[tuple[int, str, dict[str, Any]]] = []
    heads = [0, 0]
    while heads[0] < len(queues[0]) or heads[1] < len(queues[1]):
        k = rng.choice([q for q in (0, 1) if heads[q] < len(queues[q])])
        published.append(queues[k][heads[k]])
        heads[k] += 1
    # the socket joins the room before position `join`; its sync's whole view is built from
    # a state at least as new as anything published before, and arrives `late` messages on
    join = rng.randrange(len(published) + 1)
    newest = max([i for i, _, _ in published[:join]], default=0)
    synced_at = rng.randrange(newest, len(states))
    late = rng.randrange(0, 4)
    dash = Copy()
    for n, (_, name, payload) in enumerate(published[join:]):
        if n == late:
            dash.whole(_whole(states[synced_at]))
        dash.take(name, payload)
    if late >= len(published) - join:
        dash.whole(_whole(states[synced_at]))
    assert dash.resyncs == 0
    assert dash.view == _whole(states[-1])


def test_a_patch_holds_only_what_changed(four_roles: Scenario) -> None:
    state = initial_state(GameSetup("g", "CODE1", 1, (four_roles,)))
    for i in range(8):
        for e in decide(state, SYSTEM_ACTOR, "join", {"player": f"p{i}", "name": f"P{i}"}, now=1.0):
            state = apply(state, e)
    for name in ("start", "advance", "advance"):
        for e in decide(state, INSTRUCTOR_ACTOR, name, {}, now=2.0):
            state = apply(state, e)
    dash = Dashboard()
    assert _send(dash, state)[0] == "view"
    name, patch = _send(dash, state)
    assert name == "view_patch" and patch["tables"] == [] and patch["players"] == []
    p0 = state.players["p0"]
    channel = next(c.id for c in four_roles.channels if p0.role in c.members)
    for e in decide(state, Actor("player", "p0"), "chat", {"channel": channel, "text": "hi"},
                    now=3.0):
        state = apply(state, e)
    name, patch = _send(dash, state)
    assert [t["id"] for t in patch["tables"]] == [], "a chat line changes no table"
    pkg = {i.id: i.options[0].id for i in four_roles.issues}
    proposer = next(p for p in state.players.values()
                    if p.role in ("eu", "government") and p.table is not None)
    for e in decide(state, Actor("player", proposer.id), "propose", {"package": pkg}, now=4.0):
        state = apply(state, e)
    name, patch = _send(dash, state)
    assert [t["id"] for t in patch["tables"]] == [proposer.table]
    assert patch["game"]["seq"] == patch["seq"] == state.seq
    # once a table has closed, the scores come with every patch that changes a table
    for e in decide(state, INSTRUCTOR_ACTOR, "advance", {}, now=5.0):
        state = apply(state, e)
    assert _send(dash, state)[1].get("results") is None
    refuser = next(p for p in state.players.values() if p.role == "government" and p.table == 1)
    for e in decide(state, Actor("player", refuser.id), "refuse", {}, now=6.0):
        state = apply(state, e)
    name, patch = _send(dash, state)
    assert [t["id"] for t in patch["tables"]] == [1] and patch["results"]["tables"][0]["outcome"]
    assert "results" not in _send(dash, state)[1], "nothing changed: no scores again"
    other = next(p for p in state.players.values() if p.role == "government" and p.table == 2)
    for e in decide(state, Actor("player", other.id), "refuse", {}, now=7.0):
        state = apply(state, e)
    name, patch = _send(dash, state)
    assert [t["id"] for t in patch["tables"]] == [2]
    assert [t["outcome"] for t in patch["results"]["tables"]] == ["deadlock", "deadlock"]
