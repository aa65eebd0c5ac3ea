"""A class of bots played in-process on the pure engine: no storage, no sockets.

`play_class` seats `players` bots with seeded personalities, plays every phase
of a scenario or campaign for `rounds` rounds through `decide` and `apply`
(each bot sees only its own `player_view`) and returns the final state.
`class_figures` scores every table of every step and sums up what the issue
"Play that teaches the paper" asks of a class: table types, distinct deals,
openings from both sides, and each signatory's mean score at deals and at
deadlocks. Used by tests/test_bot_classes.py and bench/bot_classes.py.
"""

from __future__ import annotations

import contextlib
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .engine.commands import INSTRUCTOR_ACTOR, SYSTEM_ACTOR, Actor, decide
from .engine.errors import RuleError
from .engine.state import GameSetup, GameState, apply, initial_state, table_records
from .engine.views import player_view
from .scenario.model import Scenario
from .scoring import score_game
from .strategy import Personality, draw_personality, next_move

if TYPE_CHECKING:  # the loader reads YAML; this module stays as pure as the engine
    from .scenario.loader import CampaignBundle

ROUNDS_PER_PHASE = 6
START = 1_000_000.0


def play_class(source: Scenario | CampaignBundle, players: int = 40, seed: int = 1,
               rounds: int = ROUNDS_PER_PHASE) -> GameState:
    scenarios: tuple[Scenario, ...]
    if isinstance(source, Scenario):
        scenarios, campaign = (source,), None
    else:
        scenarios, campaign = tuple(source.scenarios), source.campaign
    state = initial_state(GameSetup(f"class-{seed}", "CLASS", seed, scenarios, campaign))
    rng = random.Random(seed)
    now = START

    def run(actor: Actor, command: str, args: dict[str, object] | None = None) -> None:
        nonlocal state
        for e in decide(state, actor, command, args or {}, now=now):
            state = apply(state, e)

    ids = [f"bot{i + 1}" for i in range(players)]
    styles: dict[str, Personality] = {}
    for pid in ids:
        run(SYSTEM_ACTOR, "join", {"player": pid, "name": f"Bot {pid[3:]}"})
        styles[pid] = draw_personality(rng)
    run(INSTRUCTOR_ACTOR, "start")
    for _ in range(1000):
        if state.status == "finished":
            break
        for r in range(rounds):
            for pid in rng.sample(ids, len(ids)):
                view = player_view(state, pid, now)
                move = next_move(view, rng, (r + 1) / rounds, styles[pid])
                if move is not None:  # a bot may misjudge: the rules say no, nothing changes
                    with contextlib.suppress(RuleError):
                        run(Actor("player", pid), move[0], move[1])
        run(INSTRUCTOR_ACTOR, "advance")
        now += 1.0
    return state


@dataclass(frozen=True)
class StepFigures:
    scenario: str
    tables: int
    types: dict[str, int]  # table type -> tables
    distinct_deals: int
    both_opened: float  # share of tables where both signatories opened
    mean_at_deal: dict[str, float | None]  # signatory role -> mean role score at deals
    mean_at_deadlock: dict[str, float | None]


def _mean(xs: Sequence[float | None]) -> float | None:
    vs = [x for x in xs if x is not None]
    return sum(vs) / len(vs) if vs else None


def class_figures(states: Sequence[GameState]) -> list[StepFigures]:
    """One row per step (scenario), summed over the classes given."""
    out = []
    steps = len(states[0].setup.scenarios)
    for step in range(steps):
        sc = states[0].setup.scenarios[step]
        scores, records = [], []
        for st in states:
            recs = table_records(st, step)
            records += recs
            scores += list(score_game(sc, recs).tables)
        signatories = [r.id for r in sc.roles if r.signatory]
        deals = [s for s in scores if s.valid]
        dead = [s for s in scores if not s.valid]
        out.append(StepFigures(
            scenario=sc.id,
            tables=len(scores),
            types=dict(Counter(s.table_type for s in scores)),
            distinct_deals=len({tuple(sorted(s.deal.items())) for s in deals if s.deal}),
            both_opened=sum(1 for r in records if {"eu", "government"} <= set(r.openings))
            / max(1, len(records)),
            mean_at_deal={r: _mean([s.role(r).score for s in deals]) for r in signatories},
            mean_at_deadlock={r: _mean([s.role(r).score for s in dead]) for r in signatories},
        ))
    return out
