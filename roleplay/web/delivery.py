"""Persist, then deliver: run a command and send its outbox to the recipients' rooms.

Socket handlers, HTTP routes and the clock all change games through
`run_command` / `join_game`, so every change reaches the same rooms in the
same order. What goes to whom is the command's outbox (`roleplay.outbox`,
built by the service with the events); this module holds the locks that keep
emits in log order, turns recipients into rooms (`rooms.for_recipient`),
places sockets in their rooms, decides when views go out in a big game
(coalescing) and emits.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from typing import Any, cast

from flask import current_app

from ..engine.audience import Player
from ..engine.commands import Actor, returning_seat
from ..engine.events import Event
from ..engine.names import normalise_name
from ..engine.state import GameState
from ..errors import RoleplayError
from ..outbox import Message, Outbox, Placement, render, staff_scores
from ..outbox import build as build_outbox
from ..outbox import projector_view as public_projector_view
from ..service import Executed, Joined
from . import rooms
from .clusterlock import ClusterLocks
from .dashboard import Dashboard
from .directory import SocketDirectory
from .runtime import Runtime, Viewer

log = logging.getLogger(__name__)

NAMESPACE = "/"
#: games with this many players get their staff views coalesced (see _send_staff_views)
COALESCE_FROM = 60
STAFF_VIEW_EVERY = 1.0
#: how often a worker checks that its message queue still works (see `watch_queue`)
QUEUE_CHECK_S = 0.25
#: a player's last-seen time is kept this long (the dashboard shows it; a login lasts 12 h)
LAST_SEEN_KEEP_S = 13 * 3600
#: `last_seen` is swept of old entries each time it has grown by this many
LAST_SEEN_SWEEP = 1024


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
        self._last_seen_sweep = LAST_SEEN_SWEEP

    # -- changing a game ---------------------------------------------------------------
    def run_command(self, game_id: str, actor: Actor, name: str,
                    args: Mapping[str, Any] | None = None,
                    client_id: str | None = None) -> Executed:
        """Execute (RuleError / StoreError propagate, nothing sent) and deliver."""
        if actor.kind == "player":
            self.seen(game_id, actor.player)
        if name == "chat" and not self.cluster.enabled:
            # group commit (service.stage_chat): stored with the lines around it, delivered
            # by the writer in log order once durable; a chat line needs no views
            with self.rt.game_lock(game_id):
                staged = self.rt.service.stage_chat(
                    game_id, actor, args, client_id=client_id,
                    deliver=lambda events: self.publish(game_id, self._outbox(game_id, events)))
            return Executed() if staged is None else Executed(staged.wait())
        with self.rt.game_lock(game_id), self.cluster.hold(game_id):
            done = self.rt.service.execute(game_id, actor, name, args, client_id=client_id)
            self.publish(game_id, done.outbox)
        # The views after the lock: the game's next commands need not wait for them
        self.send_views(game_id, done.outbox)
        return done

    def _outbox(self, game_id: str, events: list[Event]) -> Outbox:
        """The outbox of events stored by the group commit (applied to the cache just now)."""
        return build_outbox(self.rt.service.state_at_least(game_id, events[-1].seq), events)

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
            self.publish(joined.game_id, joined.outbox)
        self.send_views(joined.game_id, joined.outbox)
        return joined

    def tick(self, game_id: str) -> Executed:
        with self.rt.game_lock(game_id), self.cluster.hold(game_id):
            done = self.rt.service.tick(game_id)
            self.publish(game_id, done.outbox)
        self.send_views(game_id, done.outbox)
        return done

    # -- views: the outbox's, with what this worker adds ----------------------------------
    def view_for(self, viewer: Viewer, state: GameState, now: float) -> dict[str, Any]:
        """A socket's whole view (its sync): a seat's, the staff's or the projector's."""
        if viewer.kind == "instructor":
            return self.staff_view(state, now)
        if viewer.kind == "projector":
            return self.public_view(state, now)
        v = self.rt.service.view_of(state, viewer.id, now)
        v.pop("me", None)  # a seat's view is the same for everyone at it; `me` goes beside
        return v

    def staff_view(self, state: GameState, now: float) -> dict[str, Any]:
        """The instructor's view, with who is connected to this worker and when last seen."""
        v = self.rt.service.view_of(state, "instructor", now)
        self._decorate(state.setup.game_id, v["players"])
        v["join"] = self.rt.join_address.to_dict(state.setup.code)
        return v

    def public_view(self, state: GameState, now: float) -> dict[str, Any]:
        v = public_projector_view(state, now, self.rt.service.scores)
        v["join"] = self.rt.join_address.to_dict(state.setup.code)
        return v

    def _decorate(self, game_id: str, players: list[dict[str, Any]]) -> None:
        online = self.rt.online_players(game_id)
        for p in players:
            p["online"] = p["id"] in online
            seen = self.last_seen.get((game_id, p["id"]))
            if seen is not None:
                p["last_seen"] = seen

    def staff_update(self, state: GameState, now: float) -> tuple[str, dict[str, Any]]:
        """What the game's dashboards get next: the whole view, or a patch (see dashboard.py)."""
        game_id = state.setup.game_id
        return self.dashboard.update(
            state, now, whole=lambda: self.staff_view(state, now),
            decorate=lambda players: self._decorate(game_id, players),
            scores=lambda: staff_scores(state, self.rt.service.scores))

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
        if player_id is None:
            return
        now = self.rt.service.clock()
        self.last_seen[(game_id, player_id)] = now
        if len(self.last_seen) >= self._last_seen_sweep:
            old = [k for k, t in self.last_seen.items() if now - t > LAST_SEEN_KEEP_S]
            for k in old:
                self.last_seen.pop(k, None)
            self._last_seen_sweep = len(self.last_seen) + LAST_SEEN_SWEEP

    def forget_game(self, game_id: str) -> None:
        """A game ended: what this worker kept about it per player and per send goes."""
        for k in [k for k in self.last_seen if k[0] == game_id]:
            self.last_seen.pop(k, None)
        self.dashboard.forget(game_id)
        with self._staff_guard:
            self._staff_sent.pop(game_id, None)

    # -- sending -----------------------------------------------------------------------
    def _emit(self, event: str, payload: dict[str, Any], to: str | list[str]) -> None:
        self.socketio.emit(event, payload, to=to, namespace=NAMESPACE)

    def _send(self, game_id: str, m: Message) -> None:
        """One outbox message to its recipients' rooms (then their sockets closed, if so)."""
        self._emit(m.name, dict(m.payload), [rooms.for_recipient(game_id, r) for r in m.to])
        if m.close:
            for r in m.to:
                if isinstance(r, Player):
                    self._close_player(game_id, r.player)

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

    def publish(self, game_id: str, out: Outbox) -> None:
        """Send an outbox's events and notices, in log order (call it holding the game's
        lock): moved players' sockets first, so that a newly seated player hears of its
        table's events at once, and a moved one no longer hears of its old table's."""
        if out.place:
            state = self.rt.service.state_at_least(game_id, out.seq)
            for moved in out.place:
                self._place_player(game_id, state, moved)
        for m in out.events:
            self._send(game_id, m)
        if self.rt.settings.message_queue:
            # Sockets on other workers were re-placed above through the queue; their pages
            # also fetch what their new seat saw before they arrived.
            for moved in out.place:
                self._emit("resync", {}, rooms.player(game_id, moved.player))
        for m in out.notices:
            self._send(game_id, m)
        if out.finished:
            self.forget_game(game_id)

    def _place_player(self, game_id: str, state: GameState, moved: Placement) -> None:
        """A moved player's sockets: this worker's into exactly the rooms of its seat now;
        the other workers' (through the queue, before the events that follow are emitted)
        out of every room of the tables it left or joined and of its role, and into the
        new ones."""
        pid = moved.player
        wanted = rooms.for_player(game_id, state, pid)
        local = self._local_sids(rooms.player(game_id, pid))
        for sid in local:
            self.place(sid, game_id, wanted)
        remote = self.directory.sids(game_id, pid) - set(local)
        if not remote:
            return
        roles = [r.id for r in state.scenario.roles]
        stale = {rooms.role(game_id, r) for r in roles}
        for t in moved.tables:
            stale.add(rooms.table(game_id, t))
            stale |= {rooms.seat(game_id, t, r) for r in roles}
        server = self.socketio.server
        for sid in remote:
            for r in sorted(stale - set(wanted)):
                server.leave_room(sid, r, namespace=NAMESPACE)
            for r in wanted:
                server.enter_room(sid, r, namespace=NAMESPACE)

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

    def send_views(self, game_id: str, out: Outbox) -> None:
        """The outbox's views (the seats', then the staff's), built from the latest state.

        In a big game this yields before each view it builds: first so that the sockets'
        writers send the events (a phase change builds a view per seat, and the events
        waited for all of them), then so that other commands run meanwhile. Views carry
        the state's seq, and the pages keep the newest.
        """
        if not out.views and not out.staff:
            # a chat line changes no view: the instructor's dashboard of a big game is
            # hundreds of KB, and rebuilding it per chat line was most of the server's time
            return
        service = self.rt.service
        state, now = service.state_at_least(game_id, out.seq), service.clock()
        big = len(state.players) >= COALESCE_FROM
        # With one worker, a seat with no socket here has nobody to send its view to (a
        # page that connects later gets its whole view in its sync): not built. With a
        # message queue the seat's sockets may be on another worker: always built.
        alone = not self.rt.settings.message_queue
        for target in out.views:
            if alone and not self._local_sids(rooms.for_recipient(game_id, target)):
                continue
            if big:
                self.socketio.sleep(0)
                state, now = service.state_at_least(game_id, state.seq), service.clock()
            for m in render(state, target, now, service.scores):
                self._send(game_id, m)
        if out.staff:
            self._send_staff_views(game_id, state, now)

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


def delivery() -> Delivery:
    """The current app's Delivery."""
    return cast(Delivery, current_app.extensions["roleplay.delivery"])
