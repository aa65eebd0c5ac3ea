"""Mechanics that bite: variable thresholds, target-dependent effects, closed channels."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from roleplay.engine.commands import INSTRUCTOR_ACTOR, SYSTEM_ACTOR
from roleplay.engine.state import replay
from roleplay.engine.views import player_view
from roleplay.scenario.loader import load_scenario
from roleplay.scenario.model import Scenario
from support.engine_game import Game, to_phase


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


# -- the built-in scenarios: each mechanic changes something that matters -------------------
BUILT_IN = Path(__file__).resolve().parent.parent / "scenarios"
NAMES = ["association-agreement", "strategic-partnership", "progress-report"]


def _built_in(name: str, calm: bool = False) -> Game:
    """A game at the negotiation; `calm`: with a seed where no chance card fires."""
    for seed in range(1, 100):
        g = Game(load_scenario(BUILT_IN / f"{name}.yaml"), seed=seed)
        for i in range(4):
            g.do(SYSTEM_ACTOR, "join", player=f"p{i}", name=f"Student {i}")
        g.do(INSTRUCTOR_ACTOR, "start")
        to_phase(g, "negotiation")
        chance = {e.id for e in g.state.scenario.events if e.trigger.kind == "chance"}
        if not calm or not chance & set(g.state.tables[1].events_fired):
            return g
    raise AssertionError("no calm seed")


@pytest.mark.parametrize("name", NAMES)
def test_a_cancelled_pcc_silences_civil_society_and_the_lobby_with_meps(name: str) -> None:
    g = _built_in(name)
    cs, lob = g.seat("civil_society"), g.seat("lobbyist")
    for who in (cs, lob):
        view = player_view(g.state, who, g.now)
        assert next(c for c in view["channels"] if c["id"] == "parliamentary")["open"]
    g.do(cs, "chat", channel="parliamentary", text="Remember the prisoners.")
    g.do(g.seat("government"), "act", action="gov_cancel_pcc")
    assert g.refused(cs, "chat", channel="parliamentary", text="Hello?").code == "forbidden"
    err = g.refused(lob, "act", action="lob_influence_meps", target="EPP")
    assert "closed" in str(err)
    assert g.refused(lob, "act", action="lob_sponsored_trip", target="EPP").code == "forbidden"


@pytest.mark.parametrize("name", NAMES)
def test_the_ep_group_changes_the_eps_reaction(name: str) -> None:
    shifts = {}
    for target in ("EPP", "ALDE", "Greens/EFA"):
        g = _built_in(name)
        events = g.do(g.seat("lobbyist"), "act", action="lob_influence_meps", target=target)
        taken = next(e for e in events if e.type == "action_taken")
        private = [e for e in events if e.type == "private_effect"
                   and e.data["reason"] == taken.data["title"] and e.data["role"] == "eu"]
        shifts[target] = (private[0].data["effects"]["batna"]["eu"],
                          taken.data["effects"]["variables"]["exposure"])
    assert shifts["EPP"][0] < shifts["ALDE"][0] < 0 < shifts["Greens/EFA"][0]
    assert shifts["EPP"][1] > shifts["ALDE"][1]


@pytest.mark.parametrize("name", NAMES)
def test_gongo_funding_costs_civil_society_its_voice(name: str) -> None:
    g = _built_in(name)
    cs = g.seat("civil_society")
    before = player_view(g.state, cs, g.now)["role"]["actions_left"]
    g.do(g.seat("government"), "act", action="gov_fund_gongos")
    assert player_view(g.state, cs, g.now)["role"]["actions_left"] == before - 1
    g.do(cs, "act", action="cs_shadow_report")
    assert g.refused(cs, "act", action="cs_public_appeal").code == "conflict"
    assert g.refused(g.seat("government"), "act", action="gov_fund_gongos").code == "conflict"


@pytest.mark.parametrize("name", NAMES)
def test_trust_built_in_the_talks_lowers_both_batnas(name: str) -> None:
    g = _built_in(name, calm=True)
    eu = g.seat("eu")
    sc = g.state.scenario
    (th,) = sc.variables["trust"].thresholds
    before = {r: g.state.batna(g.state.tables[1], r) for r in ("eu", "government")}
    while g.state.tables[1].variables["trust"] < th.at_least:
        g.do(eu, "act", action="eu_private_dialogue")  # trust +10, government BATNA -2
        assert len([e for e in g.log if e.type == "threshold_crossed"]) <= 1
    assert [e.data["key"] for e in g.log if e.type == "threshold_crossed"] == [
        f"trust>={th.at_least:g}"]
    uses = sum(1 for _, a, _ in g.state.tables[1].actions_taken if a == "eu_private_dialogue")
    t = g.state.tables[1]
    assert g.state.batna(t, "eu") == before["eu"] - 2
    assert g.state.batna(t, "government") == before["government"] - 2 - 2 * uses


def test_campaign_carry_over_is_in_the_students_view() -> None:
    from roleplay.engine.state import GameSetup, initial_state
    from roleplay.scenario.loader import load_campaign

    bundle = load_campaign(BUILT_IN / "campaign-2010-2016.yaml")
    g = Game(bundle.scenarios[0])
    g.state = initial_state(GameSetup("g", "C", 3, tuple(bundle.scenarios), bundle.campaign))
    for i in range(4):
        g.do(SYSTEM_ACTOR, "join", player=f"p{i}", name=f"Student {i}")
    g.do(INSTRUCTOR_ACTOR, "start")
    to_phase(g, "negotiation")
    eu, gov = g.seat("eu"), g.seat("government")
    g.do(eu, "act", action="eu_private_dialogue")
    g.do(eu, "act", action="eu_private_dialogue")  # trust 40 - 5 + 20 = 55
    g.do(gov, "act", action="gov_cancel_pcc")  # trust 45, the PCC suspended
    while g.state.step == 0:
        g.do(INSTRUCTOR_ACTOR, "advance")
    view = player_view(g.state, eu, g.now)
    carried = {c["variable"]: c for c in view["table"]["carried"]}
    assert carried["trust"]["value"] == 45 and carried["trust"]["effects"] == []
    assert carried["pcc_suspended"]["value"] == 1
    assert "your BATNA \u22122" in carried["pcc_suspended"]["effects"]
    assert any("closed" in w for w in carried["pcc_suspended"]["effects"])
    assert "parliamentary" in view["table"]["closed_channels"]
    # another role sees the public part, never the EU's BATNA change
    cs_view = player_view(g.state, g.seat("civil_society"), g.now)
    cs_carried = {c["variable"]: c for c in cs_view["table"]["carried"]}
    assert not any("BATNA" in w for w in cs_carried["pcc_suspended"]["effects"])


# -- non-signatories' voice: a suggested package a signatory may adopt -----------------------
@pytest.mark.parametrize("name", NAMES)
def test_civil_society_suggests_and_the_eu_adopts_it(name: str) -> None:
    g = _built_in(name)
    cs, eu, gov = g.seat("civil_society"), g.seat("eu"), g.seat("government")
    pkg = {i.id: i.options[1].id for i in g.state.scenario.issues}  # the co-designed texts
    assert g.refused(cs, "propose", package=pkg).code == "forbidden"
    assert g.refused(cs, "suggest", package=pkg, to="lobbyist").code == "bad_request"
    assert g.refused(eu, "suggest", package=pkg, to="government").code == "forbidden"
    (ev,) = g.do(cs, "suggest", package=pkg, to="eu")
    assert ev.type == "package_suggested" and set(ev.audience.roles) == {"civil_society", "eu"}
    assert g.refused(cs, "suggest", package=pkg, to="eu").code == "conflict"
    eu_view = player_view(g.state, eu, g.now)
    (sug,) = eu_view["table"]["suggestions"]
    assert sug["role"] == "civil_society" and sug["package"] == pkg
    assert sug["points"] == g.state.scenario.points("eu", pkg)
    assert player_view(g.state, gov, g.now)["table"]["suggestions"] == []
    # the government cannot adopt what was put to the EU; the EU cannot alter it and adopt
    assert g.refused(gov, "propose", package=pkg, suggestion=ev.seq).code == "not_found"
    other = {**pkg, next(iter(pkg)): g.state.scenario.issues[0].options[0].id}
    if g.state.scenario.option(next(iter(pkg)), other[next(iter(pkg))]).excludes == ():
        assert g.refused(eu, "propose", package=other, suggestion=ev.seq).code == "bad_request"
    (made,) = g.do(eu, "propose", package=pkg, suggestion=ev.seq)
    assert made.data["suggested_by"] == "civil_society" and made.audience.kind == "table"
    current = player_view(g.state, gov, g.now)["table"]["proposals"][-1]
    assert current["suggested_by"] == "civil_society" and current["role"] == "eu"
    assert replay(g.state.setup, g.log) == g.state


def test_suggestions_wait_for_the_negotiation(four_roles: Scenario) -> None:
    g = Game(four_roles)
    for i in range(4):
        g.do(SYSTEM_ACTOR, "join", player=f"p{i}", name=f"Student {i}")
    g.do(INSTRUCTOR_ACTOR, "start")
    pkg = {"rights": "joint", "energy": "joint", "cso": "joint"}
    assert g.refused(g.seat("lobbyist"), "suggest", package=pkg, to="government").code == (
        "wrong_phase")
