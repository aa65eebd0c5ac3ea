"""Events: the only way the game changes. Each carries its audience.

An event is a fact with a per-game sequence number. Its `data` is the same for
everyone in its audience, so anything private to one role goes in a separate
event whose audience is that role.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

AudienceKind = Literal["game", "table", "roles", "player", "instructor"]


@dataclass(frozen=True)
class Audience:
    """Who may see an event (the instructor sees every event).

    * game: every player;
    * table: every player seated at `table`;
    * roles: players in one of `roles`, at `table` (or at every table when None);
    * player: one player;
    * instructor: nobody but the instructor.
    """

    kind: AudienceKind
    table: int | None = None
    roles: tuple[str, ...] = ()
    player: str | None = None
    channel: str | None = None  # for display: which channel a chat line went to

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "table": self.table,
            "roles": list(self.roles),
            "player": self.player,
            "channel": self.channel,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Audience:
        return cls(
            kind=d["kind"],
            table=d.get("table"),
            roles=tuple(d.get("roles") or ()),
            player=d.get("player"),
            channel=d.get("channel"),
        )


GAME = Audience("game")
INSTRUCTOR = Audience("instructor")


def table_audience(table: int) -> Audience:
    return Audience("table", table=table)


def roles_audience(table: int | None, roles: tuple[str, ...], channel: str | None = None) -> Audience:
    return Audience("roles", table=table, roles=roles, channel=channel)


def player_audience(player: str) -> Audience:
    return Audience("player", player=player)


@dataclass(frozen=True)
class Event:
    seq: int
    type: str
    at: float  # seconds since the epoch, from the clock passed to the command
    actor: str  # a player id, 'instructor' or 'system'
    audience: Audience
    data: Mapping[str, Any] = field(default_factory=dict)
    client_id: str | None = None  # the command's id from the client, for de-duplication

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "type": self.type,
            "at": self.at,
            "actor": self.actor,
            "audience": self.audience.to_dict(),
            "data": dict(self.data),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], client_id: str | None = None) -> Event:
        return cls(
            seq=int(d["seq"]),
            type=str(d["type"]),
            at=float(d["at"]),
            actor=str(d["actor"]),
            audience=Audience.from_dict(d["audience"]),
            data=dict(d.get("data") or {}),
            client_id=client_id,
        )
