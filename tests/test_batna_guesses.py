"""BATNA guesses: each signatory's private estimate of the other side's BATNA (engine)."""

from __future__ import annotations

from typing import Any

import pytest

from roleplay.engine.commands import INSTRUCTOR_ACTOR, SYSTEM_ACTOR
from roleplay.engine.state import GameSetup, initial_state, replay
from roleplay.engine.views import can_see, instructor_view, player_view
from roleplay.scenario.model import Scenario
from support.engine_game import Game, seated, to_phase


@pytest.fixture
def game(four_roles: Scenario) -> Game:
    g = seated(four_roles)
    assert g.state.phase.kind == "briefing"
    return g


def test_a_signatory_records_its_estimate_and_may_change_it(game: Game) -> None:
    eu = game.seat("eu")
    (e,) = game.do(eu, "guess_batna", guess=38)
    assert e.type == "batna_guessed"
    assert dict(e.data) == {"table": 1, "role": "eu", "side": "eu", "about": "government",
                            "guess": 38.0, "name": game.state.players[eu].name}
    game.do(eu, "guess_batna", guess=52.5)
    game.do(game.seat("government"), "guess_batna", guess=20)
    assert dict(game.state.tables[1].batna_guesses) == {"eu": 52.5, "government": 20.0}
    assert game.state.tables[2].batna_guesses == {}
    # the log replays to the same state
    assert replay(game.state.setup, game.log) == game.state


def test_only_the_guessers_seat_and_the_instructor_see_a_guess(game: Game) -> None:
    eu = game.seat("eu")
    (e,) = game.do(eu, "guess_batna", guess=44)
    mates = [p.id for p in game.state.players.values() if p.table == 1 and p.role == "eu"]
    others = [p.id for p in game.state.players.values() if p.id not in mates]
    assert mates and others
    assert all(can_see(game.state, pid, e.audience) for pid in mates)
    assert not any(can_see(game.state, pid, e.audience) for pid in others)
    assert can_see(game.state, "instructor", e.audience)
    mine = player_view(game.state, eu, game.now)["batna_guess"]
    assert mine == {"about": "government", "guess": 44.0, "max": 100.0, "open": True}
    gov_view: dict[str, Any] = player_view(game.state, game.seat("government"), game.now)
    assert gov_view["batna_guess"]["guess"] is None
    assert "44" not in repr(gov_view["batna_guess"])
    assert player_view(game.state, game.seat("civil_society"), game.now)["batna_guess"] is None
    table = instructor_view(game.state, game.now)["tables"][0]
    assert table["batna_guesses"] == {"eu": 44.0}


def test_guesses_are_for_the_briefing_phase_only(four_roles: Scenario) -> None:
    g = Game(four_roles)
    g.do(SYSTEM_ACTOR, "join", player="p0", name="Ann")
    g.do(INSTRUCTOR_ACTOR, "assign")
    err = g.refused("p0", "guess_batna", guess=40)
    assert err.code == "wrong_phase" and "briefing phase" in err.message
    g.do(INSTRUCTOR_ACTOR, "start")
    g.do("p0", "guess_batna", guess=40)
    g.do(INSTRUCTOR_ACTOR, "pause")
    assert "paused" in g.refused("p0", "guess_batna", guess=41).message
    g.do(INSTRUCTOR_ACTOR, "resume")
    g.now += 10_000  # the briefing's clock ran out
    assert "Time is up" in g.refused("p0", "guess_batna", guess=41).message
    g.now -= 10_000
    to_phase(g, "opening")
    err = g.refused("p0", "guess_batna", guess=41)
    assert err.code == "wrong_phase" and "briefing phase" in err.message
    g.do(INSTRUCTOR_ACTOR, "end")
    assert g.refused("p0", "guess_batna", guess=41).code == "wrong_phase"
    assert dict(g.state.tables[1].batna_guesses) == {"eu": 40.0}


def test_non_signatories_and_the_unseated_cannot_guess(game: Game) -> None:
    for role in ("civil_society", "lobbyist"):
        err = game.refused(game.seat(role), "guess_batna", guess=40)
        assert "signatories" in err.message
    assert game.refused(INSTRUCTOR_ACTOR, "guess_batna", guess=40).message.startswith("Only the player")
    game.do(SYSTEM_ACTOR, "join", player="late", name="Late")
    game.do(INSTRUCTOR_ACTOR, "kick", player="late")
    assert game.refused("late", "guess_batna", guess=40).code == "forbidden"


@pytest.mark.parametrize("bad", [None, "40", True, -1, 100.5, float("nan"), float("inf"), [40], {"x": 1}])
def test_a_malformed_guess_is_refused_and_changes_nothing(game: Game, bad: Any) -> None:
    args = {} if bad is None else {"guess": bad}
    err = game.refused(game.seat("eu"), "guess_batna", **args)
    assert err.code == "bad_request"
    assert "from 0 to 100" in err.message


def test_each_step_of_a_campaign_has_its_own_guesses(four_roles: Scenario) -> None:
    setup = GameSetup("g", "CODE1", 7, (four_roles, four_roles))
    g = Game(four_roles)
    g.state = initial_state(setup)
    for i in range(4):
        g.do(SYSTEM_ACTOR, "join", player=f"p{i}", name=f"S{i}")
    g.do(INSTRUCTOR_ACTOR, "start")
    eu = g.seat("eu")
    g.do(eu, "guess_batna", guess=30)
    while g.state.step == 0:
        g.do(INSTRUCTOR_ACTOR, "advance")
    assert g.state.phase.kind == "briefing"
    assert g.state.tables[1].batna_guesses == {}
    g.do(eu, "guess_batna", guess=70)
    assert dict(g.state.past[0][1].batna_guesses) == {"eu": 30.0}
    assert dict(g.state.tables[1].batna_guesses) == {"eu": 70.0}
