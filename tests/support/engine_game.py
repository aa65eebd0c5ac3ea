"""A game driven through the engine command by command (no service, no web), for engine tests."""

from __future__ import annotations

from typing import Any

import pytest

from roleplay.engine.commands import INSTRUCTOR_ACTOR, SYSTEM_ACTOR, Actor, decide
from roleplay.engine.errors import RuleError
from roleplay.engine.events import Event
from roleplay.engine.state import GameSetup, GameState, apply, initial_state
from roleplay.scenario.model import Scenario

T0 = 1_000_000.0
MARKERS = {"eu": "MARKER-EU-7f3a", "government": "MARKER-GOV-91bd",
           "civil_society": "MARKER-CS-22c8", "lobbyist": "MARKER-LOB-5e61"}
PKG_TEMPLATE = {"rights": "std", "energy": "std", "cso": "std"}
PKG_JOINT = {"rights": "joint", "energy": "joint", "cso": "joint"}


class Game:
    """A game driven command by command, keeping the log."""

    def __init__(self, scenario: Scenario, seed: int = 7):
        self.state: GameState = initial_state(GameSetup("g", "CODE1", seed, (scenario,)))
        self.log: list[Event] = []
        self.now = T0

    def do(self, actor: Actor | str, command: str, **args: Any) -> tuple[Event, ...]:
        if isinstance(actor, str):
            actor = Actor("player", actor)
        events = decide(self.state, actor, command, args, now=self.now)
        for e in events:
            self.state = apply(self.state, e)
            self.log.append(e)
        return events

    def refused(self, actor: Actor | str, command: str, **args: Any) -> RuleError:
        before = self.state
        with pytest.raises(RuleError) as info:
            self.do(actor, command, **args)
        assert self.state == before
        return info.value

    def seat(self, role: str, table: int = 1) -> str:
        return next(p.id for p in self.state.players.values()
                    if p.table == table and p.role == role)



def seated(scenario: Scenario, students: int = 8) -> Game:
    """A game whose students have joined and been seated by the start (in the briefing)."""
    g = Game(scenario)
    for i in range(students):
        g.do(SYSTEM_ACTOR, "join", player=f"p{i}", name=f"Student {i}")
    g.do(INSTRUCTOR_ACTOR, "start")
    return g


def to_phase(g: Game, kind: str) -> None:
    while g.state.phase.kind != kind:
        g.do(INSTRUCTOR_ACTOR, "advance")
