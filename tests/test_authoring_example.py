"""The example in docs/authoring.md validates and plays to the end."""

from __future__ import annotations

import re
from pathlib import Path

from roleplay.driver import play_game
from roleplay.scenario.loader import parse_scenario
from roleplay.service import GameService

DOC = Path(__file__).parent.parent / "docs" / "authoring.md"


def example_text() -> str:
    blocks = re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    assert len(blocks) == 1
    return blocks[0]


def test_the_authoring_example_validates_and_plays(memory_service: GameService) -> None:
    scenario = parse_scenario(example_text(), "docs/authoring.md")
    assert scenario.id == "visa-talks"
    state = play_game(memory_service, scenario, players=6, seed=2)
    assert state.status == "finished"
    assert all(t.outcome in ("deal", "deadlock") for t in state.tables.values())
