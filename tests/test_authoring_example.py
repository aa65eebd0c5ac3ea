"""The example in docs/authoring.md validates and plays to the end."""

from __future__ import annotations

from roleplay.driver import play_game
from roleplay.scenario.loader import parse_scenario
from roleplay.service import GameService
from support.authoring import example_text


def test_the_authoring_example_validates_and_plays(memory_service: GameService) -> None:
    scenario = parse_scenario(example_text(), "docs/authoring.md")
    assert scenario.id == "visa-talks"
    state = play_game(memory_service, scenario, players=6, seed=2)
    assert state.status == "finished"
    assert all(t.outcome in ("deal", "deadlock") for t in state.tables.values())
