"""Property tests: random command sequences, legal and illegal, never break invariants.

Invariants: replaying the log gives the live state; sequence numbers are
contiguous; a refused command changes nothing; no player's view or visible
log holds another role's confidential marker.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roleplay.engine.commands import decide
from roleplay.engine.errors import RuleError
from roleplay.engine.events import Event
from roleplay.engine.state import GameSetup, apply, initial_state, replay
from roleplay.engine.views import can_see, player_view
from roleplay.scenario.model import Scenario
from support.engine_game import MARKERS
from support.random_sessions import actor_and_args, step


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(step, max_size=60), seed=st.integers(0, 3))
def test_random_sessions_keep_the_invariants(four_roles: Scenario, steps: list[Any], seed: int) -> None:
    state = initial_state(GameSetup("g", "CODE1", seed, (four_roles,)))
    log: list[Event] = []
    now = 1000.0
    for kind, who, (name, args), dt in steps:
        now += dt
        actor, args = actor_and_args(kind, who, args)
        try:
            events = decide(state, actor, name, args, now=now)
        except RuleError:
            continue  # refused: decide changed nothing (state is immutable)
        for e in events:
            assert e.seq == state.seq + 1
            state = apply(state, e)
            log.append(e)
    assert [e.seq for e in log] == list(range(1, len(log) + 1))
    assert replay(state.setup, log) == state
    for p in state.players.values():
        if p.role is None:
            continue
        seen = json.dumps(player_view(state, p.id, now)) + json.dumps(
            [e.to_dict() for e in log if can_see(state, p.id, e.audience)]
        )
        for role, marker in MARKERS.items():
            if role != p.role:
                assert marker not in seen
