"""Mechanics that bite: variable thresholds, target-dependent effects, closed channels."""

from __future__ import annotations

from typing import Any

import pytest
from test_engine import Game, to_phase

from roleplay.engine.commands import INSTRUCTOR_ACTOR, SYSTEM_ACTOR
from roleplay.engine.state import replay
from roleplay.engine.views import player_view
from roleplay.scenario.model import Scenario


def _with(sc: Scenario, **changes: Any) -> Scenario:
    data = sc.model_dump(mode="json")
    for key, value in changes.items():
        data[key] = value(data[key])
    return Scenario.model_validate(data)


def _trust_threshold(variables: dict[str, Any]) -> dict[str, Any]:
    variables["trust"]["thresholds"] = [
        {"below": 35, "title": "Brussels loses patience", "text": "Member states cool.",
         "effects": {"batna": {"eu": 3}, "points": {"government": -1}}},
        {"at_least": 52, "title": "A working relationship",
         "effects": {"batna": {"eu": -2, "government": -2}}},
    ]
    return variables


def _epp_effects(actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for a in actions:
        if a["id"] == "lobby_meps":
            a["target_effects"] = {"EPP": {"batna": {"eu": -4}, "variables": {"trust": 1}}}
            a["risk"] = None
    return actions


@pytest.fixture
def game(four_roles: Scenario) -> Game:
    sc = _with(four_roles, variables=_trust_threshold, actions=_epp_effects)
    g = Game(sc)
    for i in range(4):
        g.do(SYSTEM_ACTOR, "join", player=f"p{i}", name=f"Student {i}")
    g.do(INSTRUCTOR_ACTOR, "start")
    to_phase(g, "negotiation")
    return g


def test_a_threshold_fires_once_when_trust_falls_below_it(game: Game) -> None:
    eu = game.seat("eu")
    t = game.state.tables[1]
    assert t.variables["trust"] == 50
    game.do(eu, "act", action="statement")  # trust 40: nothing yet
    assert not game.state.tables[1].thresholds_fired
    events = game.do(eu, "act", action="statement")  # trust 30: crossed
    kinds = [e.type for e in events]
    assert "threshold_crossed" in kinds
    crossed = next(e for e in events if e.type == "threshold_crossed")
    assert crossed.data["key"] == "trust<35" and crossed.audience.kind == "table"
    private = [e for e in events if e.type == "private_effect" and e.data["reason"] ==
               "Brussels loses patience"]
    assert {e.data["role"] for e in private} == {"eu", "government"}
    t = game.state.tables[1]
    assert game.state.batna(t, "eu") == game.state.scenario.role("eu").batna + 3
    assert t.point_adjust["government"] == -1
    # it does not fire again on the way further down, and the log replays to the same state
    game.do(game.seat("government"), "act", action="cancel_pcc")
    assert sum(e.type == "threshold_crossed" for e in game.log) == 1
    assert replay(game.state.setup, game.log) == game.state


def test_a_threshold_upward(game: Game) -> None:
    lob = game.seat("lobbyist")
    before = dict(game.state.tables[1].batna_shift)
    game.do(lob, "act", action="lobby_meps", target="EPP")  # trust 50 -> 51
    assert not game.state.tables[1].thresholds_fired
    game.do(lob, "act", action="lobby_meps", target="EPP")  # 52: reached
    t = game.state.tables[1]
    assert t.thresholds_fired == {"trust>=52"}
    assert t.batna_shift["eu"] == before.get("eu", 0) - 8 - 2
    assert t.batna_shift["government"] == before.get("government", 0) - 2


def test_the_target_changes_the_effect(game: Game) -> None:
    lob = game.seat("lobbyist")
    (taken, *_rest) = game.do(lob, "act", action="lobby_meps", target="S&D")
    assert game.state.tables[1].batna_shift.get("eu", 0) == 0
    assert "batna" not in taken.data["effects"]
    game.do(lob, "act", action="lobby_meps", target="EPP")
    assert game.state.tables[1].batna_shift["eu"] == -4
    assert game.state.tables[1].variables["trust"] == 51


def test_an_action_through_a_closed_channel_is_refused(game: Game) -> None:
    cs = game.seat("civil_society")
    game.do(game.seat("government"), "act", action="cancel_pcc")  # closes non_governmental
    err = game.refused(cs, "act", action="shadow_report")
    assert err.code == "forbidden" and "closed" in str(err)
    view = player_view(game.state, cs, game.now)
    assert "non_governmental" in view["table"]["closed_channels"]


def test_a_target_effect_must_name_a_target(four_roles: Scenario) -> None:
    def bad(actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for a in actions:
            if a["id"] == "lobby_meps":
                a["target_effects"] = {"Nobody": {"batna": {"eu": -1}}}
        return actions

    with pytest.raises(ValueError, match="target_effects"):
        _with(four_roles, actions=bad)
