"""Socket.IO room names: the one place that turns audiences and seats into rooms.

Every socket of a game is in exactly the rooms its viewer belongs to now:

* a player: the game's player room, its own room, and, once seated, its
  table, its seat (table + role) and its role across tables;
* the instructor: the instructor room (which receives every event);
* a projector: the projector room (public, game-wide events only).

Who receives a message is decided in `roleplay.outbox`, with the recipients of
`roleplay.engine.audience`; this only names each recipient's room, so that a
socket hears of an event exactly when `engine.audience.can_see` says its viewer
may see it (the room holds the viewer's socket when the recipient includes the
viewer).
"""

from __future__ import annotations

from ..engine.audience import Player, Players, Projector, Recipient, Role, Seat, Staff, Table
from ..engine.state import GameState


def game(game_id: str) -> str:
    return f"g:{game_id}"


def player(game_id: str, player_id: str) -> str:
    return f"p:{game_id}:{player_id}"


def table(game_id: str, table_id: int) -> str:
    return f"t:{game_id}:{table_id}"


def seat(game_id: str, table_id: int, role: str) -> str:
    return f"s:{game_id}:{table_id}:{role}"


def role(game_id: str, role_id: str) -> str:
    return f"r:{game_id}:{role_id}"


def instructor(game_id: str) -> str:
    return f"i:{game_id}"


def projector(game_id: str) -> str:
    return f"v:{game_id}"


def login(key: str) -> str:
    """Every socket opened with one instructor login (closed together at logout)."""
    return f"a:{key}"


def game_of(room: str) -> str | None:
    """The game a room belongs to (None for a socket's own room)."""
    parts = room.split(":")
    if len(parts) >= 2 and parts[0] in _KINDS:
        return parts[1]
    return None


_KINDS = frozenset("gptsriv")


def for_recipient(game_id: str, r: Recipient) -> str:
    """The room of one of the outbox's recipients."""
    if isinstance(r, Players):
        return game(game_id)
    if isinstance(r, Table):
        return table(game_id, r.table)
    if isinstance(r, Seat):
        return seat(game_id, r.table, r.role)
    if isinstance(r, Role):
        return role(game_id, r.role)
    if isinstance(r, Player):
        return player(game_id, r.player)
    if isinstance(r, Staff):
        return instructor(game_id)
    if isinstance(r, Projector):
        return projector(game_id)
    raise TypeError(f"not a recipient: {r!r}")


def for_player(game_id: str, state: GameState, player_id: str) -> list[str]:
    """The rooms a player's sockets belong in, by the player's seat in `state`."""
    p = state.players.get(player_id)
    if p is None or p.kicked:
        return []
    out = [game(game_id), player(game_id, player_id)]
    if p.table is not None and p.role is not None:
        out += [table(game_id, p.table), seat(game_id, p.table, p.role), role(game_id, p.role)]
    return out


def for_viewer(game_id: str, state: GameState, kind: str, player_id: str | None) -> list[str]:
    if kind == "instructor":
        return [instructor(game_id)]
    if kind == "projector":
        return [projector(game_id)]
    return for_player(game_id, state, player_id or "")
