"""The audience rule, once: who an event reaches, and whether a viewer is among them.

`recipients(audience)` addresses an event (every player, a table, a seat, a role
across tables, one player, the staff, the projector); each recipient says who it
holds now (`includes(state, viewer)`, by the viewer's current seat). A viewer may
see an event when some recipient of its audience includes it (`can_see`). The
outbox sends live events to the recipients' rooms and a resync filters the log
with `can_see`, so both follow this one rule.

A viewer is 'instructor', 'projector' or a player id. A kicked player is in no
recipient but those addressed to it personally (the notice of its own kick).
"""

from __future__ import annotations

from dataclasses import dataclass

from .events import Audience
from .state import GameState
from .state import Player as PlayerState

#: the viewer names that are no player id (a player id is hex: they cannot clash)
INSTRUCTOR_VIEWER = "instructor"
PROJECTOR_VIEWER = "projector"


def _seated(state: GameState, viewer: str) -> PlayerState | None:
    """The viewer as a player still in the game (None: no player, or kicked)."""
    p = state.players.get(viewer)
    return None if p is None or p.kicked else p


@dataclass(frozen=True)
class Players:
    """Every player of the game (seated or not)."""

    def includes(self, state: GameState, viewer: str) -> bool:
        return _seated(state, viewer) is not None


@dataclass(frozen=True)
class Table:
    """Every player seated at one table."""

    table: int

    def includes(self, state: GameState, viewer: str) -> bool:
        p = _seated(state, viewer)
        return p is not None and p.table == self.table


@dataclass(frozen=True)
class Seat:
    """The players at one seat (a role at a table): they share one view."""

    table: int
    role: str

    def includes(self, state: GameState, viewer: str) -> bool:
        p = _seated(state, viewer)
        return p is not None and p.table == self.table and p.role == self.role


@dataclass(frozen=True)
class Role:
    """One role at every table."""

    role: str

    def includes(self, state: GameState, viewer: str) -> bool:
        p = _seated(state, viewer)
        return p is not None and p.role == self.role


@dataclass(frozen=True)
class Player:
    """One player, kicked or not (what is addressed to it personally)."""

    player: str

    def includes(self, state: GameState, viewer: str) -> bool:
        return viewer == self.player


@dataclass(frozen=True)
class Staff:
    """The instructor's dashboards (they receive every event)."""

    def includes(self, state: GameState, viewer: str) -> bool:
        return viewer == INSTRUCTOR_VIEWER


@dataclass(frozen=True)
class Projector:
    """The projector: public, game-wide events and the public view only."""

    def includes(self, state: GameState, viewer: str) -> bool:
        return viewer == PROJECTOR_VIEWER


Recipient = Players | Table | Seat | Role | Player | Staff | Projector


def recipients(audience: Audience) -> tuple[Recipient, ...]:
    """Who receives an event with this audience (the staff always; the projector only
    game-wide events)."""
    out: tuple[Recipient, ...]
    if audience.kind == "game":
        out = (Players(), Projector())
    elif audience.kind == "table":
        out = (Table(audience.table),) if audience.table is not None else ()
    elif audience.kind == "roles":
        if audience.table is None:
            out = tuple(Role(r) for r in audience.roles)
        else:
            out = tuple(Seat(audience.table, r) for r in audience.roles)
    elif audience.kind == "player":
        out = (Player(audience.player),) if audience.player else ()
    else:
        out = ()
    return (*out, Staff())


def can_see(state: GameState, viewer: str, audience: Audience) -> bool:
    """Whether a viewer ('instructor', 'projector' or a player id) is in an audience, by
    current seat: some recipient of the audience includes it."""
    return any(r.includes(state, viewer) for r in recipients(audience))
