"""Games for the benchmarks: seeded through the service, as the server would store them."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from roleplay.engine.commands import INSTRUCTOR_ACTOR, linkage_problem
from roleplay.scenario.loader import load_scenario
from roleplay.scenario.model import Scenario
from roleplay.service import GameService

SCENARIO = "association-agreement"


def scenario(ref: str = SCENARIO) -> Scenario:
    from roleplay.scenario.resolve import resolve_source

    src = resolve_source(ref)
    assert isinstance(src, Scenario)
    return src


def valid_package(sc: Scenario) -> dict[str, str]:
    """A package every linkage rule accepts (the first in option order)."""
    ids = [[o.id for o in i.options] for i in sc.issues]
    for combo in itertools.islice(itertools.product(*ids), 100_000):
        pkg = {i.id: o for i, o in zip(sc.issues, combo, strict=True)}
        if linkage_problem(sc, pkg) is None:
            return pkg
    raise RuntimeError("no valid package found")


@dataclass(frozen=True)
class Seat:
    player_id: str
    token: str
    table: int
    role: str


def seated_game(service: GameService, players: int, *, seed: int = 1,
                phase: str = "negotiation", sc: Scenario | None = None) -> tuple[str, list[Seat]]:
    """A started game with `players` seated (tables of 4-5) and its phase at `phase`."""
    sc = sc or scenario()
    state = service.create_game(sc, seed=seed, auto_advance=False)
    game_id = state.setup.game_id
    joined = [service.join(state.setup.code, f"Student {i + 1}") for i in range(players)]
    service.execute(game_id, INSTRUCTOR_ACTOR, "start")
    while service.state(game_id).phase.id != phase:
        service.execute(game_id, INSTRUCTOR_ACTOR, "advance")
    st = service.state(game_id)
    seats = []
    for j in joined:
        p = st.players[j.player_id]
        assert p.table is not None and p.role is not None
        seats.append(Seat(j.player_id, j.token, p.table, p.role))
    return game_id, seats


__all__ = ["Seat", "load_scenario", "scenario", "seated_game", "valid_package"]
