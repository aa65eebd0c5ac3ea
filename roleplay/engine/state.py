"""The game state is a fold over the event log: `replay(setup, events)`.

Everything here is frozen. `apply` never checks rules (commands do that); it
only records facts, so a log that was accepted once always replays.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from ..scenario.model import Campaign, Scenario
from .events import LOG_ONLY, Event, EventType
from .records import Package, ProposalRecord, TableRecord

Status = Literal["lobby", "running", "paused", "finished"]


@dataclass(frozen=True)
class GameSetup:
    """What a game is created from; stored beside the log, not in it."""

    game_id: str
    code: str
    seed: int
    scenarios: tuple[Scenario, ...]  # one, or a campaign's steps in order
    campaign: Campaign | None = None
    show_results: bool = True  # False: results are held until the instructor releases them
    auto_advance: bool = True  # a phase whose clock runs out ends by itself


@dataclass(frozen=True)
class Player:
    id: str
    name: str
    table: int | None = None
    role: str | None = None
    kicked: bool = False
    #: the player whose seat this one's device now holds (`merge`); such a player is also kicked
    merged_into: str | None = None
    #: a name (its `name_key`) the instructor handed this seat to (`hand`), until claimed
    handed_to: str | None = None
    #: the last `seat_notice` to this player: (seq, English text, catalog text or None for
    #: an event older than the catalog), e.g. where a move put them
    notice: tuple[int, str, Any] | None = None
    #: the language the player reads in (`scenario.languages`): their view's scenario text
    language: str = "en"


@dataclass(frozen=True)
class Proposal:
    seq: int
    role: str
    player: str
    package: Package
    phase: str
    round: int
    suggested_by: str | None = None  # the non-signatory whose suggestion this adopts


@dataclass(frozen=True)
class Suggestion:
    """A non-binding package a non-signatory put to one signatory (the latest per pair)."""

    seq: int
    role: str  # who suggests
    to: str  # the signatory it is put to
    player: str
    package: Package
    phase: str


@dataclass(frozen=True)
class Linkage:
    role: str
    issue: str  # no agreement on this issue ...
    requires: str  # ... unless this 'issue.option' is in the deal


@dataclass(frozen=True)
class TableState:
    id: int
    step: int
    variables: Mapping[str, float]
    openings: Mapping[str, Package] = field(default_factory=dict)  # side -> package
    proposals: tuple[Proposal, ...] = ()
    signatures: Mapping[str, int] = field(default_factory=dict)  # role -> proposal seq
    linkages: tuple[Linkage, ...] = ()
    outcome: Literal["open", "deal", "deadlock"] = "open"
    deal: Package | None = None
    deadlock_reason: str | None = None
    batna_shift: Mapping[str, float] = field(default_factory=dict)
    point_adjust: Mapping[str, float] = field(default_factory=dict)
    actions_per_phase_shift: Mapping[str, int] = field(default_factory=dict)
    budget_spent: Mapping[str, float] = field(default_factory=dict)
    closed_channels: frozenset[str] = frozenset()
    opened_channels: frozenset[str] = frozenset()
    bridge_open: bool = False
    actions_taken: tuple[tuple[str, str, int], ...] = ()  # (role, action, phase index)
    events_fired: tuple[str, ...] = ()
    #: each signatory's estimate of the other side's BATNA, from the briefing (role -> points)
    batna_guesses: Mapping[str, float] = field(default_factory=dict)
    thresholds_fired: frozenset[str] = frozenset()  # 'variable<bound' / 'variable>=bound'
    carried: Mapping[str, float] = field(default_factory=dict)  # from the campaign's last step
    suggestions: tuple[Suggestion, ...] = ()

    @property
    def current(self) -> Proposal | None:
        return self.proposals[-1] if self.proposals else None


@dataclass(frozen=True)
class GameState:
    setup: GameSetup
    seq: int = 0
    status: Status = "lobby"
    step: int = 0
    phase_index: int = -1  # -1 before the start
    deadline: float | None = None  # when the running phase ends
    remaining: float | None = None  # seconds left, while paused
    lobby_locked: bool = False
    results_released: bool = False
    players: Mapping[str, Player] = field(default_factory=dict)
    tables: Mapping[int, TableState] = field(default_factory=dict)
    past: tuple[Mapping[int, TableState], ...] = ()  # settled tables of earlier steps
    #: the seq of the last event that changed each table (its state or who sits at it)
    #: and each player: what changed since a given seq, without comparing states
    table_seq: Mapping[int, int] = field(default_factory=dict)
    player_seq: Mapping[str, int] = field(default_factory=dict)

    # -- derived ----------------------------------------------------------------
    @property
    def scenario(self) -> Scenario:
        return self.setup.scenarios[self.step]

    @property
    def phase(self) -> Any:
        if 0 <= self.phase_index < len(self.scenario.phases):
            return self.scenario.phases[self.phase_index]
        return None

    def seat_players(self, table: int, role: str) -> list[Player]:
        return [
            p for p in self.players.values() if p.table == table and p.role == role and not p.kicked
        ]

    def batna(self, table: TableState, role: str) -> float:
        return self.scenario.role(role).batna + table.batna_shift.get(role, 0.0)

    def channel_members(self, table: TableState, channel_id: str) -> tuple[str, ...]:
        """Roles in a channel at a table now; () when the channel is closed there."""
        ch = self.scenario.channel(channel_id)
        if channel_id in table.closed_channels:
            return ()
        members = list(ch.members)
        if table.bridge_open:
            members += [r for r in ch.bridge if r not in members]
        return tuple(r for r in members if r in self.scenario.table.roles)


def initial_state(setup: GameSetup) -> GameState:
    return GameState(setup=setup)


def new_table(scenario: Scenario, table_id: int, step: int, variables: Mapping[str, float]) -> TableState:
    values = {k: v.initial for k, v in scenario.variables.items()}
    values.update({k: v for k, v in variables.items() if k in values})
    return TableState(id=table_id, step=step, variables=values)


def _add(d: Mapping[str, float], deltas: Mapping[str, Any]) -> dict[str, float]:
    out = dict(d)
    for k, v in deltas.items():
        out[k] = out.get(k, 0) + v
    return out


def _clamped_vars(sc: Scenario, d: Mapping[str, float], deltas: Mapping[str, Any]) -> dict[str, float]:
    out = dict(d)
    for k, v in deltas.items():
        spec = sc.variables.get(k)
        value = out.get(k, 0) + v
        if spec is not None:
            value = min(spec.maximum, max(spec.minimum, value))
        out[k] = value
    return out


def _apply_effects(sc: Scenario, t: TableState, eff: Mapping[str, Any]) -> TableState:
    """Effects as stored in an event's data (plain dicts), applied to one table."""
    return replace(
        t,
        batna_shift=_add(t.batna_shift, eff.get("batna", {})),
        point_adjust=_add(t.point_adjust, eff.get("points", {})),
        variables=_clamped_vars(sc, t.variables, eff.get("variables", {})),
        actions_per_phase_shift={
            k: int(v) for k, v in _add(t.actions_per_phase_shift, eff.get("actions_per_phase", {})).items()
        },
        closed_channels=(t.closed_channels | frozenset(eff.get("close_channels", ())))
        - frozenset(eff.get("open_channels", ())),
        bridge_open=t.bridge_open or bool(eff.get("open_bridge", False)),
    )


def _tables_for(state: GameState, data: Mapping[str, Any]) -> list[int]:
    t = data.get("table")
    return list(state.tables) if t is None else [int(t)]


def _update_table(state: GameState, table_id: int, **changes: Any) -> GameState:
    tables = dict(state.tables)
    tables[table_id] = replace(tables[table_id], **changes)
    return replace(state, tables=tables)


def _map_tables(state: GameState, ids: Iterable[int], fn: Any) -> GameState:
    tables = dict(state.tables)
    for i in ids:
        if i in tables:
            tables[i] = fn(tables[i])
    return replace(state, tables=tables)


class UnknownEvent(ValueError):
    """An event whose type has neither a handler nor a place in `events.LOG_ONLY`."""


def apply(state: GameState, event: Event) -> GameState:
    """The state after one event. A log-only type (`events.LOG_ONLY`) only advances the
    sequence number; a type the engine does not know raises `UnknownEvent`."""
    handler = _HANDLERS.get(event.type)
    if handler is not None:
        new = handler(state, event)
    elif event.type in LOG_ONLY:
        new = state
    else:
        raise UnknownEvent(f"event {event.seq}: no handler for type {event.type!r}")
    return replace(new, seq=event.seq, **_versions(state, new, event.seq))


def _versions(old: GameState, new: GameState, seq: int) -> dict[str, Any]:
    """`table_seq` and `player_seq` after an event: handlers replace what they change,
    so what they did not touch is the same object as before."""
    out: dict[str, Any] = {}
    tables: set[int] = set()
    if new.players is not old.players:
        players = {pid for pid, p in new.players.items() if old.players.get(pid) is not p}
        for pid in players:  # a seat change changes both tables' seats
            before, after = old.players.get(pid), new.players[pid]
            tables |= {t for t in (before.table if before else None, after.table) if t is not None}
        out["player_seq"] = {**new.player_seq, **dict.fromkeys(players, seq)}
    if new.tables is not old.tables:
        tables |= {tid for tid, t in new.tables.items() if old.tables.get(tid) is not t}
    if tables:
        out["table_seq"] = {**new.table_seq, **dict.fromkeys(tables, seq)}
    return out


def replay(setup: GameSetup, events: Iterable[Event]) -> GameState:
    state = initial_state(setup)
    for e in events:
        state = apply(state, e)
    return state


# -- handlers ----------------------------------------------------------------------
def _joined(s: GameState, e: Event) -> GameState:
    d = e.data
    players = dict(s.players)
    players[d["player"]] = Player(id=d["player"], name=d["name"],
                                  language=str(d.get("language") or "en"))
    return replace(s, players=players)


def _language_set(s: GameState, e: Event) -> GameState:
    players = dict(s.players)
    pid = e.data["player"]
    players[pid] = replace(players[pid], language=str(e.data["language"]))
    return replace(s, players=players)


def _seated(s: GameState, e: Event) -> GameState:
    d = e.data
    players = dict(s.players)
    tables = dict(s.tables)
    table = d["table"]
    if table is not None and table not in tables:
        tables[table] = new_table(s.scenario, table, s.step, d.get("variables", {}))
    players[d["player"]] = replace(players[d["player"]], table=table, role=d["role"])
    return replace(s, players=players, tables=tables)


def _kicked(s: GameState, e: Event) -> GameState:
    players = dict(s.players)
    players[e.data["player"]] = replace(players[e.data["player"]], kicked=True, table=None, role=None)
    return replace(s, players=players)


def _reclaimed(s: GameState, e: Event) -> GameState:
    players = dict(s.players)
    pid = e.data["player"]
    players[pid] = replace(players[pid], name=e.data["name"], handed_to=None)
    return replace(s, players=players)


def _handed(s: GameState, e: Event) -> GameState:
    players = dict(s.players)
    pid = e.data["player"]
    players[pid] = replace(players[pid], handed_to=e.data["key"])
    return replace(s, players=players)


def _merged(s: GameState, e: Event) -> GameState:
    players = dict(s.players)
    absorbed = e.data["absorb"]
    players[absorbed] = replace(players[absorbed], kicked=True, table=None, role=None,
                                merged_into=e.data["keep"], handed_to=None)
    return replace(s, players=players)


def _noticed(s: GameState, e: Event) -> GameState:
    players = dict(s.players)
    pid = e.data["player"]
    players[pid] = replace(players[pid], notice=(e.seq, str(e.data["text"]), e.data.get("message")))
    return replace(s, players=players)


def _lobby(s: GameState, e: Event) -> GameState:
    return replace(s, lobby_locked=bool(e.data["locked"]))


def _phase_started(s: GameState, e: Event) -> GameState:
    d = e.data
    return replace(
        s,
        status="running",
        phase_index=int(d["phase_index"]),
        deadline=d["deadline"],
        remaining=None,
    )


def _paused(s: GameState, e: Event) -> GameState:
    return replace(s, status="paused", remaining=e.data["remaining"], deadline=None)


def _resumed(s: GameState, e: Event) -> GameState:
    return replace(s, status="running", deadline=e.data["deadline"], remaining=None)


def _extended(s: GameState, e: Event) -> GameState:
    if s.status == "paused":
        return replace(s, remaining=e.data["remaining"])
    return replace(s, deadline=e.data["deadline"])


def _step_started(s: GameState, e: Event) -> GameState:
    d = e.data
    step = int(d["step"])
    past = (*s.past, s.tables)
    new_s = replace(s, step=step, phase_index=-1, past=past, results_released=False)
    carried: Mapping[str, Mapping[str, float]] = d.get("variables", {})
    tables = {
        tid: replace(new_table(new_s.scenario, tid, step, carried.get(str(tid), {})),
                     carried=dict(carried.get(str(tid), {})))
        for tid in s.tables
    }
    effects: Mapping[str, Mapping[str, Any]] = d.get("effects", {})
    for tid_s, eff in effects.items():
        tid = int(tid_s)
        if tid in tables:
            tables[tid] = _apply_effects(new_s.scenario, tables[tid], eff)
    return replace(new_s, tables=tables)


def _opening(s: GameState, e: Event) -> GameState:
    d = e.data
    t = s.tables[d["table"]]
    return _update_table(s, t.id, openings={**t.openings, d["side"]: dict(d["package"])})


def _proposal(s: GameState, e: Event) -> GameState:
    d = e.data
    t = s.tables[d["table"]]
    p = Proposal(
        seq=e.seq,
        role=d["role"],
        player=e.actor,
        package=dict(d["package"]),
        phase=d["phase"],
        round=int(d["round"]),
        suggested_by=d.get("suggested_by"),
    )
    return _update_table(s, t.id, proposals=(*t.proposals, p), signatures={})


def _suggested(s: GameState, e: Event) -> GameState:
    d = e.data
    t = s.tables[d["table"]]
    new = Suggestion(seq=e.seq, role=d["role"], to=d["to"], player=e.actor,
                     package=dict(d["package"]), phase=d["phase"])
    kept = tuple(x for x in t.suggestions if (x.role, x.to) != (new.role, new.to))
    return _update_table(s, t.id, suggestions=(*kept, new))


def _linkage(s: GameState, e: Event) -> GameState:
    d = e.data
    t = s.tables[d["table"]]
    link = Linkage(role=d["role"], issue=d["issue"], requires=d["requires"])
    return _update_table(s, t.id, linkages=(*t.linkages, link))


def _action(s: GameState, e: Event) -> GameState:
    d = e.data
    t = s.tables[d["table"]]
    t = replace(
        t,
        actions_taken=(*t.actions_taken, (d["role"], d["action"], int(d["phase_index"]))),
        budget_spent=_add(t.budget_spent, {d["role"]: d.get("budget_cost", 0)}),
    )
    t = _apply_effects(s.scenario, t, d.get("effects", {}))
    tables = dict(s.tables)
    tables[t.id] = t
    return replace(s, tables=tables)


def _private_effect(s: GameState, e: Event) -> GameState:
    d = e.data
    return _map_tables(
        s, _tables_for(s, d), lambda t: _apply_effects(s.scenario, t, d.get("effects", {}))
    )


def _event_fired(s: GameState, e: Event) -> GameState:
    d = e.data

    def fire(t: TableState) -> TableState:
        t = _apply_effects(s.scenario, t, d.get("effects", {}))
        return replace(t, events_fired=(*t.events_fired, d["card"]))

    return _map_tables(s, _tables_for(s, d), fire)


def _threshold(s: GameState, e: Event) -> GameState:
    d = e.data

    def cross(t: TableState) -> TableState:
        t = _apply_effects(s.scenario, t, d.get("effects", {}))
        return replace(t, thresholds_fired=t.thresholds_fired | {str(d["key"])})

    return _map_tables(s, [int(d["table"])], cross)


def _signed(s: GameState, e: Event) -> GameState:
    d = e.data
    t = s.tables[d["table"]]
    return _update_table(s, t.id, signatures={**t.signatures, d["role"]: int(d["proposal"])})


def _settled(s: GameState, e: Event) -> GameState:
    d = e.data
    t = s.tables[d["table"]]
    deal = dict(d["package"]) if d["outcome"] == "deal" else None
    variables = t.variables
    if deal is not None:
        for issue_id, option_id in deal.items():
            variables = _clamped_vars(s.scenario, variables, s.scenario.option(issue_id, option_id).variables)
    return _update_table(
        s, t.id, outcome=d["outcome"], deal=deal, deadlock_reason=d.get("reason"), variables=variables
    )


def _batna_guessed(s: GameState, e: Event) -> GameState:
    d = e.data
    t = s.tables[d["table"]]
    return _update_table(s, t.id, batna_guesses={**t.batna_guesses, d["role"]: float(d["guess"])})


def _released(s: GameState, e: Event) -> GameState:
    return replace(s, results_released=True)


def _finished(s: GameState, e: Event) -> GameState:
    return replace(s, status="finished", deadline=None, remaining=None)


_HANDLERS: Mapping[EventType, Callable[[GameState, Event], GameState]] = {
    EventType.PLAYER_JOINED: _joined,
    EventType.LANGUAGE_SET: _language_set,
    EventType.SEAT_ASSIGNED: _seated,
    EventType.PLAYER_KICKED: _kicked,
    EventType.SEAT_RECLAIMED: _reclaimed,
    EventType.SEAT_HANDED: _handed,
    EventType.PLAYERS_MERGED: _merged,
    EventType.SEAT_NOTICE: _noticed,
    EventType.LOBBY_LOCKED: _lobby,
    EventType.PHASE_STARTED: _phase_started,
    EventType.PAUSED: _paused,
    EventType.RESUMED: _resumed,
    EventType.EXTENDED: _extended,
    EventType.STEP_STARTED: _step_started,
    EventType.OPENING_SUBMITTED: _opening,
    EventType.PROPOSAL_MADE: _proposal,
    EventType.LINKAGE_DECLARED: _linkage,
    EventType.PACKAGE_SUGGESTED: _suggested,
    EventType.ACTION_TAKEN: _action,
    EventType.PRIVATE_EFFECT: _private_effect,
    EventType.EVENT_FIRED: _event_fired,
    EventType.THRESHOLD_CROSSED: _threshold,
    EventType.SIGNED: _signed,
    EventType.TABLE_SETTLED: _settled,
    EventType.BATNA_GUESSED: _batna_guessed,
    EventType.RESULTS_RELEASED: _released,
    EventType.GAME_FINISHED: _finished,
}


# -- scoring input -----------------------------------------------------------------
def table_record(scenario: Scenario, t: TableState) -> TableRecord:
    sides = {r.id: r.side for r in scenario.roles}
    return TableRecord(  # a side that skipped its opening has none: nothing is back-dated
        table=t.id,
        openings=dict(t.openings),
        proposals=tuple(
            ProposalRecord(
                seq=p.seq,
                role=p.role,
                side=sides[p.role],
                package=dict(p.package),
                phase=p.phase,
                round=p.round,
            )
            for p in t.proposals
        ),
        deal=dict(t.deal) if t.outcome == "deal" and t.deal is not None else None,
        deadlock_reason=t.deadlock_reason,
        batna_shift=dict(t.batna_shift),
        point_adjust=dict(t.point_adjust),
        events_fired=t.events_fired,
        actions_taken=tuple((r, a) for r, a, _ in t.actions_taken),
    )


def table_records(state: GameState, step: int | None = None) -> list[TableRecord]:
    """Scoring input for every table of one step (the current one by default)."""
    step = state.step if step is None else step
    tables = state.tables if step == state.step else state.past[step]
    scenario = state.setup.scenarios[step]
    return [table_record(scenario, t) for t in sorted(tables.values(), key=lambda t: t.id)]
