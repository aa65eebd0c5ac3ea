"""Bots play a whole game over Socket.IO against an in-process server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from roleplay.bots import BotError
from roleplay.local.server import simulate
from roleplay.scenario.model import Scenario


def test_simulate_a_full_game_of_the_worked_example(worked_example: Scenario,
                                                     tmp_path: Path) -> None:
    out = tmp_path / "export.json"
    try:
        import roleplay.export  # noqa: F401
        has_export = True
    except ImportError:
        has_export = False
    result = simulate(worked_example, players=8, seed=5, out=out if has_export else None)
    assert result["status"] == "finished"
    assert result["scenario"] == "worked-example"
    assert result["players"] == 8
    assert [t["table"] for t in result["tables"]] == [1, 2, 3, 4]
    for t in result["tables"]:
        assert t["outcome"] in ("deal", "deadlock")
        assert sum(len(names) for names in t["seats"].values()) == 2
        if t["outcome"] == "deal":
            assert set(t["deal"]) == {"i1", "i2", "i3"}
            assert t["type"] not in (None, "deadlock")
        else:
            assert t["type"] == "deadlock"
    # seeded personalities: the four tables do not all land on the same type
    assert len({t["type"] for t in result["tables"]}) > 1
    assert result["commands_sent"] > 8
    assert result["events"] > 30
    json.dumps(result)
    if has_export:
        exported = json.loads(out.read_text(encoding="utf-8"))
        assert exported


def test_simulate_needs_players(worked_example: Scenario) -> None:
    with pytest.raises(BotError):
        simulate(worked_example, players=0, seed=1)
