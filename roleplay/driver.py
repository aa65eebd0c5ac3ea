"""Play a whole game in-process through the service (no browser, no sockets).

The engine's own driver: used by `roleplay play`, by tests, and to check
that scenarios play to the end. Bots use the same strategy as the socket bots
(`roleplay.strategy`), seeing only their own player view.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable

from .engine.commands import INSTRUCTOR_ACTOR, Actor
from .engine.errors import RuleError
from .engine.state import GameState
from .scenario.loader import CampaignBundle
from .scenario.model import Scenario
from .service import GameService
from .strategy import next_move

ROUNDS_PER_PHASE = 6


def play_game(
    service: GameService,
    source: Scenario | CampaignBundle,
    *,
    players: int,
    seed: int = 1,
    rounds: int = ROUNDS_PER_PHASE,
    on_phase: Callable[[GameState], None] | None = None,
) -> GameState:
    """Create a game, seat `players` bots, and play every phase to the end."""
    state = service.create_game(source, seed=seed)
    game_id = state.setup.game_id
    rng = random.Random(seed)
    ids = [service.join(state.setup.code, f"Bot {i + 1}").player_id for i in range(players)]
    service.execute(game_id, INSTRUCTOR_ACTOR, "start")
    while service.state(game_id).status != "finished":
        for r in range(rounds):
            for pid in rng.sample(ids, len(ids)):
                view = service.view(game_id, pid)
                move = next_move(view, rng, progress=(r + 1) / rounds)
                if move is None:
                    continue
                # a bot may misjudge; then the rules say no and nothing changes
                with contextlib.suppress(RuleError):
                    service.execute(game_id, Actor("player", pid), move[0], move[1])
        if on_phase is not None:
            on_phase(service.state(game_id))
        service.execute(game_id, INSTRUCTOR_ACTOR, "advance")
    return service.state(game_id)
