"""Persist, then deliver: run a command and send each event only to its audience's rooms.

Socket handlers, HTTP routes and the clock all change games through
`run_command` / `join_game`, so every change reaches the same rooms in the
same order. Views are sent afterwards to the seats an event concerned (players
sharing a seat get one view), to the instructor and to the projector.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any, cast

from flask import current_app

from ..engine.commands import Actor, returning_seat
from ..engine.events import Event
from ..engine.names import normalise_name
from ..engine.state import GameState
from ..engine.views import game_header, player_view, results_visible, seated_by_table
from ..errors import RoleplayError
from ..service import Joined
from . import rooms
from .clusterlock import ClusterLocks
from .dashboard import Dashboard
from .directory import SocketDirectory
from .runtime import Runtime

log = logging.getLogger(__name__)

NAMESPACE = "/"
#: games with this many players get their staff views coalesced (see _send_staff_views)
COALESCE_FROM = 60
STAFF_VIEW_EVERY = 1.0
#: events that change nothing a view shows (but the log): no views are resent for them
QUIET = frozenset({"chat", "message"})
#: how often a worker checks that its message queue still works (see `watch_queue`)
QUEUE_CHECK_S = 0.25


def wire(e: Event) -> dict[str, Any]:
    """An event as a client receives it: no audience."""
    table = e.audience.table if e.audience.table is not None else e.data.get("table")
    return {"seq": e.seq, "type": e.type, "at": e.at, "actor": e.actor,
            "channel": e.audience.channel, "table": table, "data": dict(e.data)}


def seat_view(state: GameState, player_id: str, now: float) -> dict[str, Any]:
    """A player's view without `me`: the same for everyone at one seat."""
    v = player_view(state, player_id, now)
    v.pop("me", None)
    return v


def me(state: GameState, player_id: str) -> dict[str, Any] | None:
    p = state.players.get(player_id)
    if p is None:
        return None
    return {"id": p.id, "name": p.name, "table": p.table, "role": p.role, "kicked": p.kicked,
            "notice": {"seq": p.notice[0], "text": p.notice[1]} if p.notice else None,
            "language": p.language}


def projector_view(state: GameState, now: float) -> dict[str, Any]:
    """Public data only: the header, how many joined, each table's status."""
    shown = results_visible(state)
    by_table = seated_by_table(state)
    tables = []
    for t in sorted(state.tables.values(), key=lambda t: t.id):
        tables.append({
            "id": t.id,
            "players": sum(1 for p in by_table.get(t.id, ()) if not p.kicked),
            "proposals": len(t.proposals),
            "signed": sorted(t.signatures),
            "outcome": t.outcome,
            "deal": dict(t.deal) if shown and t.deal else None,
        })
    return {
        "game": game_header(state, now),
        "joined": sum(1 for p in state.players.values() if not p.kicked),
        # the lobby's names as students join (in join order), for the projector's welcome
        # screen; once the game runs the projector shows tables, not people
        "names": [p.name for p in state.players.values() if not p.kicked]
        if state.status == "lobby" else [],
        "tables": tables,
    }


def game_events_for_projector(events: Iterable[Event], after: int, limit: int = 50) -> list[Event]:
    public = [e for e in events if e.seq > after and e.audience.kind == "game"]
    return public[-limit:]


class Delivery:
    """Sends through one Flask-SocketIO server; `socketio` is the app's extension."""

    def __init__(self, rt: Runtime, socketio: Any):
        self.rt = rt
        self.socketio = socketio
        #: with several workers, a game's lock is also held across them (publish order = log order)
        self.cluster = ClusterLocks(rt.settings.message_queue)
        #: every worker's sockets of each player (kicks and moves reach them all)
        self.directory = SocketDirectory(rt.settings.message_queue)
        #: big games: when staff views last went out, and which games have a send scheduled
        self._staff_sent: dict[str, float] = {}
        self._staff_pending: set[str] = set()
        self._staff_guard = threading.Lock()
        #: what this worker last sent each game's dashboards (they get patches after it)
        self.dashboard = Dashboard()
        #: (game, player) -> server time of the player's last command or connect
        self.last_seen: dict[tuple[str, str], float] = {}

    # -- changing a game ---------------------------------------------------------------
    def run_command(self, game_id: str, actor: Actor, name: str,
                    args: Mapping[str, Any] | None = None,
                    client_id: str | None = None) -> list[Event]:
        """Execute (RuleError / StoreError propagate, nothing sent) and deliver."""
        service = self.rt.service
        if actor.kind == "player":
            self.seen(game_id, actor.player)
        if name == "chat" and not self.cluster.enabled:
            # group commit (service.stage_chat): stored with the lines around it, delivered
            # by the writer in log order once durable; a chat line needs no views
            with self.rt.game_lock(game_id):
                staged = service.stage_chat(
                    game_id, actor, args, client_id=client_id,
                    deliver=lambda events: self.publish(game_id, events, views=False))
            return [] if staged is None else staged.wait()
        with self.rt.game_lock(game_id), self.cluster.hold(game_id):
            events = service.execute(game_id, actor, name, args, client_id=client_id)
            for e in events:
                if e.type == "player_kicked":
                    service.store.revoke_token(game_id, str(e.data["player"]))
            self.publish(game_id, events, views=False)
        # The views after the lock: the game's next commands need not wait for them
        self.send_views(game_id, events)
        return events

    def join_game(self, game_id: str, code: str, name: str,
                  language: str | None = None) -> Joined:
        """A new player, or a returning student's own seat (`returning_seat`), reading in
        `language` (None: English for a new player, unchanged for a returning one)."""
        service = self.rt.service
        with self.rt.game_lock(game_id), self.cluster.hold(game_id):
            seat = returning_seat(service.state(game_id), normalise_name(name),
                                  self.rt.online_players(game_id))
            joined = (service.reclaim(game_id, seat.id, name, language) if seat is not None
                      else service.join(code, name, language))
            self.publish(joined.game_id, list(joined.events), views=False)
        self.send_views(joined.game_id, list(joined.events))
        return joined

    def tick(self, game_id: str) -> list[Event]:
        with self.rt.game_lock(game_id), self.cluster.hold(game_id):
            events = self.rt.service.tick(game_id)
            self.publish(game_id, events, views=False)
        self.send_views(game_id, events)
        return events

    # -- views ------------------------------------------------------------------------
    def player_view(self, state: GameState, player_id: str, now: float) -> dict[str, Any]:
        """A seat's view (no `me`), with the results once they are visible."""
        v = self.rt.service.view_of(state, player_id, now)
        v.pop("me", None)
        return v

    def staff_view(self, state: GameState, now: float) -> dict[str, Any]:
        """The instructor's view, with who is connected to this worker and when last seen."""
        v = self.rt.service.view_of(state, "instructor", now)
        self._decorate(state.setup.game_id, v["players"])
        v["join"] = self.rt.join_address.to_dict(state.setup.code)
        return v

    def _decorate(self, game_id: str, players: list[dict[str, Any]]) -> None:
        online = {c.player_id for c in list(self.rt.connections.values())
                  if c.game_id == game_id and c.kind == "player"}
        for p in players:
            p["online"] = p["id"] in online
            seen = self.last_seen.get((game_id, p["id"]))
            if seen is not None:
                p["last_seen"] = seen

    def staff_update(self, state: GameState, now: float) -> tuple[str, dict[str, Any]]:
        """What the game's dashboards get next: the whole view, or a patch (see dashboard.py)."""
        game_id = state.setup.game_id
        service = self.rt.service

        def scores() -> dict[str, Any] | None:
            if not any(t.outcome != "open" for t in state.tables.values()):
                return None
            return service.scores(state).to_dict()

        return self.dashboard.update(
            state, now, whole=lambda: self.staff_view(state, now),
            decorate=lambda players: self._decorate(game_id, players), scores=scores)

    def public_view(self, state: GameState, now: float) -> dict[str, Any]:
        v = projector_view(state, now)
        v["join"] = self.rt.join_address.to_dict(state.setup.code)
        results = self.rt.service.public_results(state)
        v["results"] = results
        if results is not None:
            types = {t["id"]: t["type"] for t in results["tables"]}
            for t in v["tables"]:
                t["type"] = types.get(t["id"])
        return v

    def presence_changed(self, game_id: str) -> None:
        """A player's socket connected or closed: the dashboards hear of it now (a patch
        with the players whose presence changed), not at the game's next event."""
        service = self.rt.service
        try:
            # the cached state (no database read per connect): presence is not in the log
            self._send_staff_views(game_id, service.state_at_least(game_id, 0), service.clock())
        except RoleplayError as e:  # the database may be away a moment: the next send tells
            log.warning("presence of game %s not sent: %s", game_id, e)

    def seen(self, game_id: str, player_id: str | None) -> None:
        if player_id is not None:
            self.last_seen[(game_id, player_id)] = self.rt.service.clock()

    # -- sending -----------------------------------------------------------------------
    def _emit(self, event: str, payload: dict[str, Any], to: str | list[str]) -> None:
        self.socketio.emit(event, payload, to=to, namespace=NAMESPACE)

    def _local_sids(self, room: str) -> list[str]:
        manager = self.socketio.server.manager
        return [sid for sid, _ in manager.get_participants(NAMESPACE, room)]

    def place(self, sid: str, game_id: str, wanted: list[str]) -> None:
        """Put one socket in exactly `wanted` among this game's rooms."""
        server = self.socketio.server
        current = [r for r in server.rooms(sid, namespace=NAMESPACE)
                   if isinstance(r, str) and rooms.game_of(r) == game_id]
        for r in current:
            if r not in wanted:
                server.leave_room(sid, r, namespace=NAMESPACE)
        for r in wanted:
            if r not in current:
                server.enter_room(sid, r, namespace=NAMESPACE)

    def publish(self, game_id: str, events: list[Event], *, views: bool = True) -> None:
        """Send stored events to their audiences, in log order (call it holding the game's
        lock), then (unless `views` is False: the caller sends them) the fresh views."""
        if not events:
            return
        state = self.rt.service.state_at_least(game_id, events[-1].seq)
        moved = {str(e.data["player"]) for e in events if e.type == "seat_assigned"}
        kicked = {str(e.data["player"]) for e in events if e.type == "player_kicked"}
        # Seats first, so that a newly seated player hears of its table's events at once,
        # and a moved one no longer hears of its old table's.
        for pid in moved - kicked:
            wanted = rooms.for_player(game_id, state, pid)
            local = self._local_sids(rooms.player(game_id, pid))
            for sid in local:
                self.place(sid, game_id, wanted)
            self._place_remote(game_id, state, pid, local, wanted, events)
        batch: list[dict[str, Any]] = []
        batch_rooms: list[str] = []
        for e in events:
            to = rooms.for_audience(game_id, e.audience)
            if batch and to != batch_rooms:
                self._emit("events", {"events": batch}, batch_rooms)
                batch = []
            batch.append(wire(e))
            batch_rooms = to
        if batch:
            self._emit("events", {"events": batch}, batch_rooms)
        if self.rt.settings.message_queue:
            # Sockets on other workers were re-placed above through the queue; their pages
            # also fetch what their new seat saw before they arrived.
            for pid in moved - kicked:
                self._emit("resync", {}, rooms.player(game_id, pid))
        for pid in kicked:
            room = rooms.player(game_id, pid)
            self._emit("kicked", {"message": "Your instructor removed you from this game."}, room)
            self._close_player(game_id, pid)
        self._reseat(game_id, events)
        if views:
            self.send_views(game_id, events)

    def _reseat(self, game_id: str, events: list[Event]) -> None:
        """Sockets whose seat changed hands: a reclaimed seat's old device is told and
        closed (its token is void); a merged player's device is told to reconnect (its
        token now opens the seat it was merged into)."""
        elsewhere = {"message": "Your seat was opened on another device or browser."}
        for e in events:
            closing: list[tuple[str, str, dict[str, Any]]] = []
            if e.type == "seat_reclaimed":
                closing.append((str(e.data["player"]), "kicked", elsewhere))
            elif e.type == "players_merged":
                # the kept seat's own device first (its token now belongs to the merged one),
                # then the merged device, which reconnects into the kept seat
                closing.append((str(e.data["keep"]), "kicked", elsewhere))
                closing.append((str(e.data["absorb"]), "reseated", {
                    "message": f"You now play {e.data['keep_name']}'s seat."}))
            for pid, event, payload in closing:
                self._emit(event, payload, rooms.player(game_id, pid))
                self._close_player(game_id, pid)

    def _close_player(self, game_id: str, pid: str) -> None:
        """Disconnect every socket of a player, on this worker and (through the queue, after
        what was emitted to them) on the others: out of every room at once, whether or not
        the page obeys; a client that keeps its connection is closed by the guard's sweep."""
        local = self._local_sids(rooms.player(game_id, pid))
        for sid in local:
            self.place(sid, game_id, [])
            self.socketio.server.disconnect(sid, namespace=NAMESPACE)
        for sid in self.directory.sids(game_id, pid) - set(local):
            self.socketio.server.disconnect(sid, namespace=NAMESPACE)  # published

    def _place_remote(self, game_id: str, state: GameState, pid: str, local: list[str],
                      wanted: list[str], events: list[Event]) -> None:
        """A moved player's sockets on other workers: leave every room of its old seat and
        enter the new ones, through the queue, before the events that follow are emitted."""
        remote = self.directory.sids(game_id, pid) - set(local)
        if not remote:
            return
        roles = [r.id for r in state.scenario.roles]
        stale: set[str] = {rooms.role(game_id, r) for r in roles}
        for e in events:
            if e.type == "seat_assigned" and str(e.data["player"]) == pid:
                for t in (e.data.get("previous_table"), e.data.get("table")):
                    if t is not None:
                        stale.add(rooms.table(game_id, int(t)))
                        stale |= {rooms.seat(game_id, int(t), r) for r in roles}
        server = self.socketio.server
        for sid in remote:
            for r in sorted(stale - set(wanted)):
                server.leave_room(sid, r, namespace=NAMESPACE)
            for r in wanted:
                server.enter_room(sid, r, namespace=NAMESPACE)

    def send_views(self, game_id: str, events: list[Event]) -> None:
        """Fresh views for the seats (and staff) the events concern, from the latest state.

        In a big game this yields before each view it builds: first so that the sockets'
        writers send the events (a phase change builds a view per seat, and the events
        waited for all of them), then so that other commands run meanwhile. Views carry
        the state's seq, and the pages keep the newest.
        """
        if not events or all(e.type in QUIET for e in events):
            # a chat line changes no view: the instructor's dashboard of a big game is
            # hundreds of KB, and rebuilding it per chat line was most of the server's time
            return
        service = self.rt.service
        state = service.state_at_least(game_id, events[-1].seq)
        self._send_views(game_id, state, service.clock(), events,
                         big=len(state.players) >= COALESCE_FROM)

    def watch_queue(self) -> None:
        """Ask this worker's sockets to `resync` whenever its message queue comes back.

        While Redis is away (and until python-socketio's listener has subscribed again,
        which it retries after 1, 2, 4... s) this worker's sockets miss what the other
        workers publish; commands are refused meanwhile (`ClusterLocks`), but events
        stored just before Redis went, or just after it came back, are lost to them.
        So once Redis answers again and the listener is subscribed again, every socket
        of this worker is told, without going through the queue, to sync: the pages
        then fetch the log from the database and merge it by seq.
        """
        seen: Any = None  # the listener's subscription last seen working
        broken = False
        while True:
            self.socketio.sleep(QUEUE_CHECK_S)
            try:
                seen, broken = self._check_queue(seen, broken)
            except Exception:  # keep watching whatever happens
                log.exception("checking the message queue failed")

    def _check_queue(self, seen: Any, broken: bool) -> tuple[Any, bool]:
        """One look at the queue: (the subscription now known good, whether Redis was lost)."""
        manager = self.socketio.server.manager
        # python-socketio's RedisManager replaces `pubsub` when its listener reconnects
        sub = getattr(manager, "pubsub", None)
        if not self.cluster.reachable():
            return seen, True
        if sub is None or not sub.subscribed:
            return seen, broken
        if sub is not seen or broken:
            if seen is not None:
                log.warning("the message queue is back: this worker's sockets resync")
                # ignore_queue: only this worker's sockets (each worker tells its own)
                self.socketio.server.emit("resync", {}, namespace=NAMESPACE, ignore_queue=True)
            return sub, False
        return seen, broken

    def close_login(self, key: str) -> None:
        """Logging out: tell the instructor's and projector's sockets, then close them."""
        room = rooms.login(key)
        self._emit("logged_out", {"message": "You logged out; log in again to continue."}, room)
        self._disconnect_login(key)

    def _disconnect_login(self, key: str) -> None:
        for sid in self._local_sids(rooms.login(key)):
            self.rt.forget_socket(sid)
            self.socketio.server.disconnect(sid, namespace=NAMESPACE)

    def close_ended_logins(self) -> int:
        """Disconnect this worker's sockets of logins ended on another worker (the ticker
        calls this every second: the logout's `logged_out` reached them through the
        queue, but only the worker that served the logout closed its own sockets)."""
        logins = {c.login for c in list(self.rt.connections.values()) if c.login is not None}
        ended = [k for k in logins if self.rt.login_ended(k)]
        for key in ended:
            self._disconnect_login(key)
        return len(ended)

    def _send_views(self, game_id: str, state: GameState, now: float, events: list[Event],
                    *, big: bool) -> None:
        loud = [e for e in events if e.type not in QUIET]
        seats: set[tuple[int, str]] = set()
        lone: set[str] = set()
        everyone = False
        for e in loud:
            a = e.audience
            if a.kind == "game":
                everyone = True
            elif a.kind == "table":
                seats |= _seats_at(state, a.table)
            elif a.kind == "roles":
                seats |= {s for s in _seats_at(state, a.table) if s[1] in a.roles}
            elif a.kind == "player" and a.player:
                p = state.players.get(a.player)
                if p is not None and p.table is not None and p.role is not None:
                    seats.add((p.table, p.role))
                elif p is not None:
                    lone.add(p.id)
            if e.type == "seat_assigned" and e.data.get("previous_table") is not None:
                seats |= _seats_at(state, int(e.data["previous_table"]))
        if everyone:
            seats |= _seats_at(state, None)
            lone |= {p.id for p in state.players.values()
                     if not p.kicked and (p.table is None or p.role is None)}
        service = self.rt.service
        targets: list[tuple[str, tuple[int, str] | str]] = [
            (rooms.seat(game_id, t, r), (t, r)) for t, r in sorted(seats)]
        targets += [(rooms.player(game_id, pid), pid) for pid in sorted(lone)]
        for room, who in targets:
            if big:
                self.socketio.sleep(0)
                state, now = service.state_at_least(game_id, state.seq), service.clock()
            if isinstance(who, tuple):
                holders = state.seat_players(*who)
                if not holders:
                    continue
                if len({h.language for h in holders}) > 1:
                    # a team reading different languages: each its own view (its room)
                    for h in holders:
                        self._emit("view", {"view": self.player_view(state, h.id, now)},
                                   rooms.player(game_id, h.id))
                    continue
                pid = holders[0].id
            else:
                pid = who
            self._emit("view", {"view": self.player_view(state, pid, now)}, room)
        self._send_staff_views(game_id, state, now)

    def _send_staff_views(self, game_id: str, state: GameState, now: float) -> None:
        """The instructor's and the projector's views: at once, or coalesced in a big game.

        The instructor's view holds every table and player (about 400 bytes a student)
        and takes milliseconds to build and encode; sent after every proposal and
        signature of a 500-student game it was most of the server's time and made
        a burst of signatures queue for seconds. So in a game of `COALESCE_FROM`
        players or more, at most one pair of staff views goes out per
        `STAFF_VIEW_EVERY` seconds: the first at once, later ones folded into one
        send of the latest state when the interval is over. Staff also receive
        every event as it happens, so nothing is late but the dashboard's totals.
        """
        if len(state.players) < COALESCE_FROM:
            self._emit_staff_views(game_id, state, now)
            return
        clock = time.monotonic()
        with self._staff_guard:
            if game_id in self._staff_pending:
                return  # a send of the latest state is already scheduled
            wait = self._staff_sent.get(game_id, 0.0) + STAFF_VIEW_EVERY - clock
            if wait > 0:
                self._staff_pending.add(game_id)
            else:
                self._staff_sent[game_id] = clock
        if wait > 0:
            self.socketio.start_background_task(self._flush_staff_views, game_id, wait)
        else:
            self._emit_staff_views(game_id, state, now)

    def _flush_staff_views(self, game_id: str, wait: float) -> None:
        self.socketio.sleep(wait)
        with self._staff_guard:
            self._staff_pending.discard(game_id)
            self._staff_sent[game_id] = time.monotonic()
        try:
            # Not under the game's lock (commands need not wait for it): each dashboard patch
            # carries its seq and is idempotent, and the pages ignore a view older than theirs.
            service = self.rt.service
            self._emit_staff_views(game_id, service.state(game_id), service.clock())
        except RoleplayError as e:  # the database may be down a moment: the next change resends
            log.warning("staff views of game %s not sent: %s", game_id, e)

    def _emit_staff_views(self, game_id: str, state: GameState, now: float) -> None:
        self._emit(*self.staff_update(state, now), rooms.instructor(game_id))
        self._emit("view", {"view": self.public_view(state, now)}, rooms.projector(game_id))


def _seats_at(state: GameState, table: int | None) -> set[tuple[int, str]]:
    """Occupied seats at one table, or at every table."""
    return {
        (p.table, p.role) for p in state.players.values()
        if not p.kicked and p.table is not None and p.role is not None
        and (table is None or p.table == table)
    }


def delivery() -> Delivery:
    """The current app's Delivery."""
    return cast(Delivery, current_app.extensions["roleplay.delivery"])
