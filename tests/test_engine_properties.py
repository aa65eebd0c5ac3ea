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

from roleplay.engine.commands import INSTRUCTOR_ACTOR, SYSTEM_ACTOR, Actor, decide
from roleplay.engine.errors import RuleError
from roleplay.engine.events import Event
from roleplay.engine.state import GameSetup, apply, initial_state, replay
from roleplay.engine.views import can_see, player_view
from roleplay.scenario.model import Scenario

MARKERS = {"eu": "MARKER-EU-7f3a", "government": "MARKER-GOV-91bd",
           "civil_society": "MARKER-CS-22c8", "lobbyist": "MARKER-LOB-5e61"}
OPTIONS = ["std", "joint", "out", "bogus"]
CHANNELS = ["official", "non_governmental", "unofficial", "team", "nope"]
PLAYERS = [f"p{i}" for i in range(6)] + ["ghost"]

package = st.fixed_dictionaries(
    {"rights": st.sampled_from(OPTIONS), "energy": st.sampled_from(OPTIONS),
     "cso": st.sampled_from(OPTIONS)}
)
player_cmd = st.one_of(
    st.tuples(st.just("chat"), st.fixed_dictionaries(
        {"channel": st.sampled_from(CHANNELS), "text": st.text(max_size=20)})),
    st.tuples(st.sampled_from(["open", "propose"]), st.fixed_dictionaries({"package": package})),
    st.tuples(st.just("sign"), st.fixed_dictionaries({})),
    st.tuples(st.just("refuse"), st.fixed_dictionaries({})),
    st.tuples(st.just("act"), st.fixed_dictionaries({
        "action": st.sampled_from(["statement", "invite_cs", "cancel_pcc", "russia",
                                   "shadow_report", "lobby_meps", "x"]),
        "target": st.sampled_from([None, "EPP", "S&D", "bogus"])})),
    st.tuples(st.just("link"), st.fixed_dictionaries({
        "issue": st.sampled_from(["rights", "energy", "x"]),
        "requires": st.sampled_from(["energy.joint", "rights.out", "cso.std", "bad"])})),
    st.tuples(st.sampled_from(["advance", "start"]), st.fixed_dictionaries({})),
)
instructor_cmd = st.one_of(
    st.tuples(st.sampled_from(["start", "advance", "pause", "resume", "assign", "tick",
                               "release_results", "end"]), st.fixed_dictionaries({})),
    st.tuples(st.just("extend"), st.fixed_dictionaries({"seconds": st.integers(-5, 4000)})),
    st.tuples(st.just("kick"), st.fixed_dictionaries({"player": st.sampled_from(PLAYERS)})),
    st.tuples(st.just("inject"), st.fixed_dictionaries({
        "event": st.sampled_from(["scandal", "oil_fall", "nope"]),
        "table": st.sampled_from([None, 1, 2, 9])})),
    st.tuples(st.just("move"), st.fixed_dictionaries({
        "player": st.sampled_from(PLAYERS), "table": st.integers(0, 3),
        "role": st.sampled_from(["eu", "government", "civil_society", "lobbyist", "x"])})),
)
step = st.one_of(
    st.tuples(st.just("player"), st.sampled_from(PLAYERS), player_cmd, st.floats(0, 400)),
    st.tuples(st.just("instructor"), st.just(""), instructor_cmd, st.floats(0, 400)),
    st.tuples(st.just("join"), st.sampled_from(PLAYERS), st.just(("join", {})), st.floats(0, 5)),
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(step, max_size=60), seed=st.integers(0, 3))
def test_random_sessions_keep_the_invariants(four_roles: Scenario, steps: list[Any], seed: int) -> None:
    state = initial_state(GameSetup("g", "CODE1", seed, (four_roles,)))
    log: list[Event] = []
    now = 1000.0
    for kind, who, (name, args), dt in steps:
        now += dt
        if kind == "join":
            actor, args = SYSTEM_ACTOR, {"player": who, "name": f"Name {who}"}
        elif kind == "instructor":
            actor = INSTRUCTOR_ACTOR
        else:
            actor = Actor("player", who)
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
