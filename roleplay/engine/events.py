"""Events: the only way the game changes. Each carries its audience.

An event is a fact with a per-game sequence number. Its `data` is the same for
everyone in its audience, so anything private to one role goes in a separate
event whose audience is that role.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal, TypedDict

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


class EventType(StrEnum):
    """Every event type the engine writes. A `StrEnum`, so a member is the same string as
    the one stored in the log and the export (`EventType.CHAT == "chat"`)."""

    PLAYER_JOINED = "player_joined"
    LANGUAGE_SET = "language_set"
    SEAT_ASSIGNED = "seat_assigned"
    SEAT_NOTICE = "seat_notice"
    SEAT_RECLAIMED = "seat_reclaimed"
    SEAT_HANDED = "seat_handed"
    PLAYERS_MERGED = "players_merged"
    PLAYER_KICKED = "player_kicked"
    LOBBY_LOCKED = "lobby_locked"
    PHASE_STARTED = "phase_started"
    PAUSED = "paused"
    RESUMED = "resumed"
    EXTENDED = "extended"
    STEP_STARTED = "step_started"
    OPENING_SUBMITTED = "opening_submitted"
    OPENINGS_REVEALED = "openings_revealed"
    PROPOSAL_MADE = "proposal_made"
    PACKAGE_SUGGESTED = "package_suggested"
    LINKAGE_DECLARED = "linkage_declared"
    ACTION_TAKEN = "action_taken"
    PRIVATE_EFFECT = "private_effect"
    EVENT_FIRED = "event_fired"
    THRESHOLD_CROSSED = "threshold_crossed"
    CHAT = "chat"
    MESSAGE = "message"
    SIGNED = "signed"
    REFUSED = "refused"
    TABLE_SETTLED = "table_settled"
    BATNA_GUESSED = "batna_guessed"
    RESULTS_RELEASED = "results_released"
    GAME_FINISHED = "game_finished"


LOG_ONLY: frozenset[EventType] = frozenset({
    EventType.CHAT,  # a line said; the state keeps no transcript
    EventType.MESSAGE,  # the instructor's announcement
    EventType.OPENINGS_REVEALED,  # the openings are already in the table's state
    EventType.REFUSED,  # the table_settled that follows it settles the table
})
"""Types that change no state: they are in the log for the players, the report and the
export. `state.apply` handles every other type and raises on a type that is neither."""


# -- the payload of each type (an event's `data`) -------------------------------------
# Optional keys sit in a `total=False` subclass: under `from __future__ import annotations`
# a `NotRequired[...]` is a string TypedDict cannot read, so it would count as required.
Package = dict[str, str]  # issue id -> option id
PublicEffects = dict[str, Any]  # commands._public_effects: the changes a table may see


class _Joined(TypedDict):
    player: str
    name: str


class PlayerJoined(_Joined, total=False):
    language: str  # the player's language (`scenario.languages`); a log from before has none


class LanguageSet(TypedDict):
    """A player chose another language: their seat's view and pages follow it. Not in
    LOG_ONLY: the state keeps it (`players[pid].language`), so a replay gives it back."""

    player: str
    language: str


class SeatAssigned(TypedDict):
    player: str
    name: str
    table: int | None
    role: str | None
    previous_table: int | None


class SeatNotice(TypedDict):
    player: str
    table: int | None
    role: str | None
    text: str


class SeatReclaimed(TypedDict):
    player: str
    name: str
    previous_name: str
    handed: bool
    table: int | None
    role: str | None


class SeatHanded(TypedDict):
    player: str
    seat_name: str
    name: str
    key: str


class PlayersMerged(TypedDict):
    keep: str
    absorb: str
    keep_name: str
    absorb_name: str
    table: int | None
    role: str | None


class PlayerKicked(TypedDict):
    player: str
    name: str
    table: int | None
    role: str | None


class LobbyLocked(TypedDict):
    locked: bool


class PhaseStarted(TypedDict):
    step: int
    phase_index: int
    phase: str
    kind: str
    title: str
    minutes: float
    deadline: float


class Paused(TypedDict):
    remaining: float | None


class Resumed(TypedDict):
    deadline: float


class _Extension(TypedDict):
    seconds: int


class Extended(_Extension, total=False):
    remaining: float  # while paused
    deadline: float  # while running


class StepStarted(TypedDict):
    step: int
    scenario: str
    title: str
    variables: dict[str, float]
    effects: dict[str, Any]


class OpeningSubmitted(TypedDict):
    table: int
    role: str
    side: str
    package: Package


class OpeningsRevealed(TypedDict):
    table: int
    openings: dict[str, Package]


class _Proposal(TypedDict):
    table: int
    role: str
    name: str
    package: Package
    phase: str
    round: int


class ProposalMade(_Proposal, total=False):
    suggested_by: str  # the role whose suggestion this adopts


class PackageSuggested(TypedDict):
    table: int
    role: str
    to: str
    name: str
    package: Package
    phase: str


class LinkageDeclared(TypedDict):
    table: int
    role: str
    issue: str
    requires: dict[str, str] | None


class ActionTaken(TypedDict):
    table: int
    role: str
    name: str
    action: str
    title: str
    target: str | None
    phase_index: int
    budget_cost: int
    effects: PublicEffects


class PrivateEffect(TypedDict):
    table: int
    role: str
    effects: dict[str, Any]
    reason: str


class EventFired(TypedDict):
    table: int | None
    card: str
    title: str
    text: str
    source: str | None
    effects: PublicEffects


class ThresholdCrossed(TypedDict):
    table: int
    key: str
    variable: str
    title: str
    text: str
    effects: PublicEffects


class Chat(TypedDict):
    table: int
    channel: str
    role: str
    name: str
    text: str


class Message(TypedDict):
    text: str
    table: int | None
    player: str | None


class Signed(TypedDict):
    table: int
    role: str
    name: str
    proposal: int


class Refused(TypedDict):
    table: int
    role: str
    name: str


class TableSettled(TypedDict):
    table: int
    outcome: str
    package: Package | None
    reason: str


class BatnaGuessed(TypedDict):
    table: int
    role: str
    side: str
    about: str
    guess: float
    name: str


class NoPayload(TypedDict):
    pass


PAYLOADS: Mapping[EventType, type] = {
    EventType.PLAYER_JOINED: PlayerJoined,
    EventType.LANGUAGE_SET: LanguageSet,
    EventType.SEAT_ASSIGNED: SeatAssigned,
    EventType.SEAT_NOTICE: SeatNotice,
    EventType.SEAT_RECLAIMED: SeatReclaimed,
    EventType.SEAT_HANDED: SeatHanded,
    EventType.PLAYERS_MERGED: PlayersMerged,
    EventType.PLAYER_KICKED: PlayerKicked,
    EventType.LOBBY_LOCKED: LobbyLocked,
    EventType.PHASE_STARTED: PhaseStarted,
    EventType.PAUSED: Paused,
    EventType.RESUMED: Resumed,
    EventType.EXTENDED: Extended,
    EventType.STEP_STARTED: StepStarted,
    EventType.OPENING_SUBMITTED: OpeningSubmitted,
    EventType.OPENINGS_REVEALED: OpeningsRevealed,
    EventType.PROPOSAL_MADE: ProposalMade,
    EventType.PACKAGE_SUGGESTED: PackageSuggested,
    EventType.LINKAGE_DECLARED: LinkageDeclared,
    EventType.ACTION_TAKEN: ActionTaken,
    EventType.PRIVATE_EFFECT: PrivateEffect,
    EventType.EVENT_FIRED: EventFired,
    EventType.THRESHOLD_CROSSED: ThresholdCrossed,
    EventType.CHAT: Chat,
    EventType.MESSAGE: Message,
    EventType.SIGNED: Signed,
    EventType.REFUSED: Refused,
    EventType.TABLE_SETTLED: TableSettled,
    EventType.BATNA_GUESSED: BatnaGuessed,
    EventType.RESULTS_RELEASED: NoPayload,
    EventType.GAME_FINISHED: NoPayload,
}
"""The TypedDict each type's `data` follows (tests check every emitted event against it)."""


def payload_problems(type_: EventType, data: Mapping[str, Any]) -> list[str]:
    """What is wrong with `data` as the payload of `type_`: missing or unknown keys."""
    spec = PAYLOADS[type_]
    required: frozenset[str] = spec.__required_keys__  # type: ignore[attr-defined]
    allowed = required | spec.__optional_keys__  # type: ignore[attr-defined]
    return ([f"{type_}: missing {k!r}" for k in sorted(required - set(data))]
            + [f"{type_}: unknown {k!r}" for k in sorted(set(data) - allowed)])


@dataclass(frozen=True)
class Event:
    seq: int
    type: EventType
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
            type=EventType(d["type"]),  # ValueError on a type the engine never wrote
            at=float(d["at"]),
            actor=str(d["actor"]),
            audience=Audience.from_dict(d["audience"]),
            data=dict(d.get("data") or {}),
            client_id=client_id,
        )
