"""Who receives what after a command: the outbox, a pure function of the state and events.

Like an oTree live handler's `{recipient: payload}`, `build(state, events)`
says which recipients (every player, a table, a seat, a role across tables,
one player, the staff, the projector) get which messages: the stored events
by audience, the notices that close a kicked or replaced player's sockets,
the seats whose views changed, and whether the staff's and projector's views
are due. Each view is built here too (`render`), from `engine.views` and the
scores. No Socket.IO, no Flask: `web/delivery.py` turns recipients into rooms
(`web/rooms.py`), decides when to send (coalescing in big games) and emits.

The recipients of an event and who each holds are the engine's audience rule
(`engine.audience`): a resync filters the log with `can_see` from the same
recipients, so a live event reaches exactly the sockets whose viewer would also
get it in a resync.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .engine.audience import Player, Players, Projector, Recipient, Role, Seat, Staff, Table, recipients
from .engine.events import Event, EventType
from .engine.staff import instructor_controls
from .engine.state import GameState
from .engine.views import (
    game_header,
    instructor_player,
    instructor_table,
    instructor_view,
    player_view,
    results_visible,
    seated_by_table,
)
from .i18n import N_
from .scoring import GameScores, TableScore

#: the scores of a state's current step (the service memoises them per state)
Scorer = Callable[[GameState], GameScores]

#: events that change nothing a view shows (but the log): no views are resent for them
QUIET = frozenset({EventType.CHAT, EventType.MESSAGE})
#: what the projector's sync carries at most (the latest public events)
PROJECTOR_TAIL = 50


# -- the projector's sync --------------------------------------------------------------
def projector_events(events: Iterable[Event], after: int,
                     limit: int = PROJECTOR_TAIL) -> list[Event]:
    """What a projector's sync carries: the latest public events after `after`."""
    public = [e for e in events if e.seq > after and Projector() in recipients(e.audience)]
    return public[-limit:]


# -- messages -------------------------------------------------------------------------
@dataclass(frozen=True)
class Message:
    """One Socket.IO message (`name`, `payload`) for some recipients."""

    to: tuple[Recipient, ...]
    name: str
    payload: Mapping[str, Any]
    #: after it is sent, the recipients' sockets are closed (a kick, a seat taken over)
    close: bool = False


@dataclass(frozen=True)
class Placement:
    """A player whose seat changed: its sockets move to the rooms of its seat now.

    `tables` are the tables it left or joined (a socket on another worker leaves
    their rooms without this worker knowing which rooms it was in)."""

    player: str
    tables: tuple[int, ...]


@dataclass(frozen=True)
class Outbox:
    """Everything a change sends, in the order it must go."""

    #: the seq of the state it was built from
    seq: int = 0
    #: sockets to re-place first, so that a moved player hears of its new table's events
    place: tuple[Placement, ...] = ()
    #: the events, batched by recipients, in log order
    events: tuple[Message, ...] = ()
    #: kicked and replaced players' notices (each closes the player's sockets)
    notices: tuple[Message, ...] = ()
    #: the seats and unseated players whose views changed (in the order they are sent)
    views: tuple[Seat | Player, ...] = ()
    #: whether the staff's and the projector's views changed
    staff: bool = False
    #: games that ended: per-game memory of what was sent can go
    finished: bool = False


EMPTY = Outbox()


def wire(e: Event) -> dict[str, Any]:
    """An event as a client receives it: no audience."""
    table = e.audience.table if e.audience.table is not None else e.data.get("table")
    return {"seq": e.seq, "type": e.type, "at": e.at, "actor": e.actor,
            "channel": e.audience.channel, "table": table, "data": dict(e.data)}


def build(state: GameState, events: Iterable[Event]) -> Outbox:
    """The outbox of `events`, just stored, with `state` the state after them."""
    events = list(events)
    if not events:
        return EMPTY
    kicked = {str(e.data["player"]) for e in events if e.type == EventType.PLAYER_KICKED}
    loud = [e for e in events if e.type not in QUIET]
    return Outbox(
        seq=state.seq,
        place=_placements(events, kicked),
        events=tuple(_event_batches(events)),
        notices=tuple(_notices(events)),
        views=_view_targets(state, loud),
        staff=bool(loud),
        finished=any(e.type == EventType.GAME_FINISHED for e in events),
    )


def _placements(events: list[Event], kicked: set[str]) -> tuple[Placement, ...]:
    tables: dict[str, list[int]] = {}
    for e in events:
        if e.type != EventType.SEAT_ASSIGNED or str(e.data["player"]) in kicked:
            continue
        seen = tables.setdefault(str(e.data["player"]), [])
        for t in (e.data.get("previous_table"), e.data.get("table")):
            if t is not None and int(t) not in seen:
                seen.append(int(t))
    return tuple(Placement(pid, tuple(ts)) for pid, ts in tables.items())


def _event_batches(events: list[Event]) -> Iterable[Message]:
    """Consecutive events with the same recipients go in one message."""
    batch: list[dict[str, Any]] = []
    to: tuple[Recipient, ...] = ()
    for e in events:
        who = recipients(e.audience)
        if batch and who != to:
            yield Message(to, "events", {"events": batch})
            batch = []
        batch.append(wire(e))
        to = who
    if batch:
        yield Message(to, "events", {"events": batch})


# what a closed socket's page says ({msg, args} for its catalog beside the English message)
KICKED = N_("Your instructor removed you from this game.")
ELSEWHERE = N_("Your seat was opened on another device or browser.")
RESEATED = N_("You now play %(name)s's seat.")
_ELSEWHERE = {"message": ELSEWHERE, "msg": ELSEWHERE, "args": {}}


def _notices(events: list[Event]) -> Iterable[Message]:
    """A kicked player is told and closed; a reclaimed seat's old device is told and closed
    (its token is void); a merge closes the kept seat's own device first (its token now
    belongs to the merged one), then tells the merged device to reconnect into it."""
    for e in events:
        if e.type == EventType.PLAYER_KICKED:
            yield Message((Player(str(e.data["player"])),), "kicked",
                          {"message": KICKED, "msg": KICKED, "args": {}}, True)
    for e in events:
        if e.type == EventType.SEAT_RECLAIMED:
            yield Message((Player(str(e.data["player"])),), "kicked", _ELSEWHERE, True)
        elif e.type == EventType.PLAYERS_MERGED:
            yield Message((Player(str(e.data["keep"])),), "kicked", _ELSEWHERE, True)
            args = {"name": e.data["keep_name"]}
            yield Message((Player(str(e.data["absorb"])),), "reseated", {
                "message": RESEATED % args, "msg": RESEATED, "args": args}, True)


def _view_targets(state: GameState, loud: list[Event]) -> tuple[Seat | Player, ...]:
    """The seats (and unseated players) that receive one of `loud`, or left a table in it."""
    seats: set[tuple[int, str]] = set()
    lone: set[str] = set()
    for e in loud:
        for r in recipients(e.audience):
            s, p = _reached(state, r)
            seats |= s
            lone |= p
        if e.type == EventType.SEAT_ASSIGNED and e.data.get("previous_table") is not None:
            seats |= _seats_at(state, int(e.data["previous_table"]))
    return (*(Seat(t, r) for t, r in sorted(seats)), *(Player(p) for p in sorted(lone)))


def _reached(state: GameState, r: Recipient) -> tuple[set[tuple[int, str]], set[str]]:
    """The occupied seats, and the players without a seat, a recipient reaches."""
    if isinstance(r, Players):
        lone = {p.id for p in state.players.values()
                if not p.kicked and (p.table is None or p.role is None)}
        return _seats_at(state, None), lone
    if isinstance(r, Table):
        return _seats_at(state, r.table), set()
    if isinstance(r, Seat):
        return {s for s in _seats_at(state, r.table) if s[1] == r.role}, set()
    if isinstance(r, Role):
        return {s for s in _seats_at(state, None) if s[1] == r.role}, set()
    if isinstance(r, Player):
        p = state.players.get(r.player)
        if p is None or p.kicked:  # a kicked player's sockets are closed: no view
            return set(), set()
        if p.table is not None and p.role is not None:
            return {(p.table, p.role)}, set()
        return set(), {p.id}
    return set(), set()  # the staff and the projector get their own views


def _seats_at(state: GameState, table: int | None) -> set[tuple[int, str]]:
    """Occupied seats at one table, or at every table."""
    return {
        (p.table, p.role) for p in state.players.values()
        if not p.kicked and p.table is not None and p.role is not None
        and (table is None or p.table == table)
    }


# -- views: the one place each is built ---------------------------------------------------
def seat_view(state: GameState, viewer: str, now: float, scores: Scorer) -> dict[str, Any]:
    """A player's view with the results once they are visible (and `me`)."""
    out = player_view(state, viewer, now)
    if results_visible(state) and out["table"] is not None:
        out["results"] = player_results(scores(state), state, viewer)
    return out


def staff_view(state: GameState, now: float, scores: Scorer) -> dict[str, Any]:
    """The instructor's whole view, with the scores once a table has closed."""
    out = instructor_view(state, now)
    if any(t.outcome != "open" for t in state.tables.values()):
        out["results"] = scores(state).to_dict()
    return out


def staff_patch(state: GameState, since: int, now: float,
                players: list[dict[str, Any]]) -> dict[str, Any]:
    """What changed for the dashboards after seq `since`: the header, the tables changed,
    and `players` (the caller's choice: those changed, with what it knows of presence)."""
    changed = sorted(tid for tid in state.tables if state.table_seq.get(tid, 0) > since)
    seated = seated_by_table(state) if changed else {}
    return {
        "seq": state.seq,
        "step": state.step,
        "game": game_header(state, now),
        "controls": instructor_controls(state),
        "tables": [instructor_table(state, state.tables[tid], seated) for tid in changed],
        "players": players,
    }


def staff_players(state: GameState) -> list[dict[str, Any]]:
    return [instructor_player(p) for p in state.players.values()]


def staff_scores(state: GameState, scores: Scorer) -> dict[str, Any] | None:
    """The instructor's scores, or None before any table has closed."""
    if not any(t.outcome != "open" for t in state.tables.values()):
        return None
    return scores(state).to_dict()


def projector_view(state: GameState, now: float, scores: Scorer) -> dict[str, Any]:
    """Public data only: the header, how many joined, each table's status, and once
    results are visible each table's type and role scores."""
    shown = results_visible(state)
    by_table = seated_by_table(state)
    results = public_results(state, scores)
    types = {t["id"]: t["type"] for t in results["tables"]} if results else {}
    tables = []
    for t in sorted(state.tables.values(), key=lambda t: t.id):
        entry: dict[str, Any] = {
            "id": t.id,
            "players": sum(1 for p in by_table.get(t.id, ()) if not p.kicked),
            "proposals": len(t.proposals),
            "signed": sorted(t.signatures),
            "outcome": t.outcome,
            "deal": dict(t.deal) if shown and t.deal else None,
        }
        if results is not None:
            entry["type"] = types.get(t.id)
        tables.append(entry)
    return {
        "game": game_header(state, now),
        "joined": sum(1 for p in state.players.values() if not p.kicked),
        # the lobby's names as students join (in join order), for the projector's welcome
        # screen; once the game runs the projector shows tables, not people
        "names": [p.name for p in state.players.values() if not p.kicked]
        if state.status == "lobby" else [],
        "tables": tables,
        "results": results,
    }


def me(state: GameState, player_id: str) -> dict[str, Any] | None:
    """Who a player's socket is: sent with its sync (a seat's view leaves it out)."""
    p = state.players.get(player_id)
    if p is None:
        return None
    return {"id": p.id, "name": p.name, "table": p.table, "role": p.role, "kicked": p.kicked,
            "notice": {"seq": p.notice[0], "text": p.notice[1], "message": p.notice[2]}
            if p.notice else None,
            "language": p.language}


def render(state: GameState, target: Seat | Player, now: float,
           scores: Scorer) -> list[Message]:
    """The views for one target of `Outbox.views`: one for the seat's players, or one per
    player when the team reads different languages (none: the seat is empty now)."""
    if isinstance(target, Player):
        return [_view_message(state, target, target.player, now, scores)]
    holders = state.seat_players(target.table, target.role)
    if len({h.language for h in holders}) > 1:
        return [_view_message(state, Player(h.id), h.id, now, scores) for h in holders]
    return [_view_message(state, target, h.id, now, scores) for h in holders[:1]]


def _view_message(state: GameState, to: Seat | Player, pid: str, now: float,
                  scores: Scorer) -> Message:
    v = seat_view(state, pid, now, scores)
    v.pop("me", None)  # the same for everyone at one seat
    return Message((to,), "view", {"view": v})


def rendered(out: Outbox, state: GameState, now: float, scores: Scorer) -> list[Message]:
    """Every view an outbox sends, built from `state`: the seats', then the staff's whole
    view and the projector's (delivery may send the staff patches instead)."""
    msgs = [m for t in out.views for m in render(state, t, now, scores)]
    if out.staff:
        msgs.append(Message((Staff(),), "view", {"view": staff_view(state, now, scores)}))
        msgs.append(Message((Projector(),), "view",
                            {"view": projector_view(state, now, scores)}))
    return msgs


# -- results ---------------------------------------------------------------------------
def public_results(state: GameState, scores: Scorer) -> dict[str, Any] | None:
    """What the projector may show once results are visible: types and role scores."""
    if not results_visible(state) or not state.tables:
        return None
    return {"tables": [_table_summary(t) for t in scores(state).tables]}


def _table_summary(ts: TableScore) -> dict[str, Any]:
    d = ts.differentiation
    return {
        "id": ts.table,
        "outcome": "deal" if ts.valid else "deadlock",
        "deal": ts.deal if ts.valid else None,
        "type": ts.table_type,
        "scores": {r.role: r.score for r in ts.roles},
        "tailoring": d.tailoring if d else None,
        "partnership": d.partnership if d else None,
    }


def player_results(scores: GameScores, state: GameState, player_id: str) -> dict[str, Any]:
    """What a student sees at the results: every table's type and role scores (0–100),
    and this role's own points; never another role's points or BATNA."""
    p = state.players[player_id]
    mine = next(t for t in scores.tables if t.table == p.table)
    own = mine.role(p.role or "")
    table = _table_summary(mine)
    table["points"] = {own.role: own.utility}
    # a percentile among one or two other seats says little and names them: 3 or more
    others = sum(1 for t in scores.tables
                 if t.table != mine.table and t.role(own.role).score is not None)
    table["percentile"] = scores.shown_percentile(mine.table, own.role)
    table["percentile_of"] = others
    return {
        "table": table,
        "tables": [_table_summary(t) for t in scores.tables],
        "report_url": f"/play/{state.setup.game_id}/results",
    }
