"""Socket.IO handlers (docs/protocol.md): authenticate at connect, authorise every command.

A socket's identity (game, kind, player) is fixed at connect; everything else
is read from the service when needed, so nothing about the game is kept in
the socket. Commands go through `GameService.execute` (the engine checks the
actor's rules), are stored, and only then emitted to their audiences.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import time
from collections.abc import Mapping
from typing import Any, cast

from flask import current_app, request
from flask_socketio import disconnect, emit
from socketio.exceptions import ConnectionRefusedError as Refused  # its message reaches the page

from ..engine.commands import Actor
from ..engine.errors import N_, RuleError
from ..errors import RoleplayError
from ..i18n import normalise_locale
from ..outbox import me, wire
from ..service import NotFound, hash_token
from ..storage.eventstore import StoreError
from . import rooms
from .clusterlock import QueueUnavailable
from .delivery import Delivery, delivery
from .extensions import socketio
from .guard import ConnectionGuard
from .reasons import payload
from .runtime import Runtime, Viewer, runtime
from .security import login_key, projector_grant

log = logging.getLogger(__name__)

#: a socket refused this many messages within 10 seconds is flooding: it is disconnected
FLOOD_DISCONNECT = 200
#: how long a player thrown out for flooding is refused when it comes back
FLOOD_LOCKOUT_S = 10.0
#: sockets one seat's token may hold open at once (tabs, a phone): each one receives every
#: event, so hundreds of them for one token made the server send everything hundreds of times
SOCKETS_PER_PLAYER = 4
#: sockets one instructor login may hold open (dashboards and projectors)
SOCKETS_PER_LOGIN = 20

MAX_PAYLOAD_CHARS = 16 * 1024
MAX_DEPTH = 6
CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
GAME_ID = re.compile(r"^[0-9a-f]{4,32}$")


class BadPayload(RuleError):
    def __init__(self, message: str):
        super().__init__(message, code="bad_request")


def _depth(value: Any, limit: int) -> int:
    """Nesting depth of JSON-like data, stopping early past `limit`."""
    stack = [(value, 1)]
    deepest = 0
    while stack:
        v, d = stack.pop()
        deepest = max(deepest, d)
        if deepest > limit:
            return deepest
        if isinstance(v, dict):
            stack.extend((x, d + 1) for x in v.values())
        elif isinstance(v, list):
            stack.extend((x, d + 1) for x in v)
    return deepest


def check_payload(payload: Any) -> dict[str, Any]:
    """A client's message as a dict, or BadPayload: not an object, too big or too deep."""
    if not isinstance(payload, dict):
        raise BadPayload(N_("A message must be a JSON object."))
    if _depth(payload, MAX_DEPTH) > MAX_DEPTH:
        raise BadPayload(N_("The message is nested too deeply."))
    try:
        size = len(json.dumps(payload))
    except (TypeError, ValueError) as e:
        raise BadPayload(N_("The message is not plain JSON.")) from e
    if size > MAX_PAYLOAD_CHARS:
        raise BadPayload(N_("The message is too large."))
    return payload


def _connect_refused(msgid: str, extra: Mapping[str, Any] | None = None,
                     **params: Any) -> Refused:
    """A refused connection: the page gets the text as the error's message and
    `{msg, args}` (and `extra`) as its data."""
    got = payload(msgid, params)
    return Refused(got["message"], {**(extra or {}), "msg": got["msg"], "args": got["args"]})


def _error(code: str, message: str, client_id: str | None = None,
           params: Mapping[str, Any] | None = None) -> None:
    """An error answer: `message` is a msgid (`N_`), `params` fill its placeholders."""
    emit("error", {"code": code, **payload(message, params), "client_id": client_id})


def _refused(e: RuleError, client_id: str | None = None) -> None:
    _error(e.code, e.reason.msg, client_id, e.reason.args)


def _allowed(rt: Runtime, sid: str, client_id: str | None) -> bool:
    """The socket's token bucket; a flood (200 refusals within 10 s) closes the socket, so
    that answering it stops costing the server (and the other players) anything."""
    viewer = rt.connections.get(sid)
    key = f"p:{viewer.game_id}:{viewer.player_id}" if viewer and viewer.player_id else sid
    bucket = rt.bucket(key)
    if bucket.allow():
        return True
    _error("rate_limited", N_("Too many messages; wait a moment."), client_id)
    if bucket.refused >= FLOOD_DISCONNECT:
        log.warning("socket %s flooded (%d messages refused within 10 s): disconnected",
                    sid, bucket.refused)
        if viewer is not None:
            _lock_out(rt, viewer)
        rt.forget_socket(sid)
        eio_sid = _eio_sid(sid)
        disconnect()
        guard().close(eio_sid)  # the whole connection: a script would ignore the disconnect
    return False


def _player_key(viewer: Viewer) -> str:
    return f"p:{viewer.game_id}:{viewer.player_id}" if viewer.player_id else f"l:{viewer.login}"


def _token_key(game_id: str, token_hash: str) -> str:
    return f"t:{game_id}:{token_hash}"


def _lock_out(rt: Runtime, viewer: Viewer) -> None:
    """Refuse a flooding player's sockets for a while: by the player, and by its seat key,
    so that a script reconnecting in a loop is refused before any database query."""
    if viewer.player_id is None:
        return
    until = time.monotonic() + FLOOD_LOCKOUT_S
    rt.flood_lockout[_player_key(viewer)] = until
    if viewer.token_hash is not None:
        rt.flood_lockout[_token_key(viewer.game_id, viewer.token_hash)] = until


def _token_locked_out(rt: Runtime, game_id: str, token: Any) -> bool:
    if not isinstance(token, str):
        return False
    until = rt.flood_lockout.get(_token_key(game_id, hash_token(token)))
    return until is not None and time.monotonic() < until


def _flooding(rt: Runtime, viewer: Viewer) -> bool:
    """A player thrown out for flooding cannot come straight back (for up to 10 s)."""
    if viewer.player_id is None:
        return False
    until = rt.flood_lockout.get(_player_key(viewer))
    if until is not None and time.monotonic() < until:
        return True
    b = rt.buckets.get(_player_key(viewer))
    return b is not None and b.refused >= FLOOD_DISCONNECT and time.monotonic() - b.window < 10


def guard() -> ConnectionGuard:
    return cast(ConnectionGuard, current_app.extensions["roleplay.guard"])


def _eio_sid(sid: str) -> str | None:
    """The Engine.IO connection under a Socket.IO session."""
    eio_sid = delivery().socketio.server.manager.eio_sid_from_sid(sid, "/")
    return str(eio_sid) if eio_sid is not None else None


def flooded(rt: Runtime, sio_server: Any, eio_sid: str) -> None:
    """The guard closes a connection for flooding: its player stays out for a while."""
    sid = sio_server.manager.sid_from_eio_sid(eio_sid, "/")
    viewer = rt.connections.get(sid) if sid is not None else None
    if viewer is not None:
        _lock_out(rt, viewer)


def _admit(rt: Runtime, sid: str, viewer: Viewer) -> None:
    """The caps of a signed-in socket: sockets per seat or login, and full syncs per second."""
    key = _player_key(viewer)
    cap = SOCKETS_PER_PLAYER if viewer.player_id else SOCKETS_PER_LOGIN
    same = sum(1 for s, v in list(rt.connections.items())
               if s != sid and _player_key(v) == key)
    if same >= cap:
        raise _connect_refused(
            N_("This seat is already open in %(count)s windows; close one and reload."),
            count=same)
    wait = rt.sync_wait(key)
    if wait > 0:
        # a page retries by itself after `retry_in` seconds (connection.js)
        raise _connect_refused(N_("Reconnecting too often; retrying in a moment."),
                               extra={"retry_in": round(wait + 0.5, 1)})


def _authenticate(auth: Any) -> Viewer:
    rt = runtime()
    if not isinstance(auth, dict):
        raise _connect_refused(N_("Sign in first."))
    kind, game_id = auth.get("kind"), auth.get("game")
    if not isinstance(game_id, str) or not GAME_ID.match(game_id):
        raise _connect_refused(N_("Unknown game."))
    if kind == "player" and _token_locked_out(rt, game_id, auth.get("token")):
        # before the database: a flooder's reconnect loop must cost next to nothing
        raise _connect_refused(N_("Too many messages; wait a few seconds."))
    try:
        if not rt.service.game_exists(game_id):
            raise _connect_refused(N_("Unknown game."))
        if kind == "player":
            token = auth.get("token")
            player_id = rt.service.authenticate(game_id, token)  # type: ignore[arg-type]
            if player_id is None:
                raise _connect_refused(N_("This seat's key is not valid; join again."))
            return Viewer(game_id, "player", player_id, token_hash=hash_token(str(token)))
    except StoreError as e:
        raise _connect_refused(N_("The server cannot reach its database; retry soon.")) from e
    if kind in ("instructor", "projector"):
        key = login_key()
        grant = projector_grant(game_id) if kind == "projector" and key is None else None
        if grant is not None:  # a projector-only link: ends 12 hours after it was opened
            rt.login_seen(*grant)
            return Viewer(game_id, kind, login=grant[0])
        if key is None:
            raise _connect_refused(N_("Log in as the instructor first."))
        return Viewer(game_id, kind, login=key)
    raise _connect_refused(N_("Unknown kind of connection."))


def _last_seq(raw: Any) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
        return 0
    return raw


def send_sync(delivery: Delivery, sid: str, viewer: Viewer, after: int) -> None:
    """Place the socket in its rooms, then send what it missed (rooms first: nothing slips)."""
    service = delivery.rt.service
    state = service.state(viewer.game_id)
    delivery.place(sid, viewer.game_id,
                   rooms.for_viewer(viewer.game_id, state, viewer.kind, viewer.player_id))
    if viewer.kind == "projector":
        events = service.projector_events(viewer.game_id, after)
    else:
        events = service.events_for(viewer.game_id, viewer.id, after)
        state = service.state(viewer.game_id)
    who = None
    if viewer.kind == "player":
        delivery.seen(viewer.game_id, viewer.player_id)
        who = me(state, viewer.id)
    view = delivery.view_for(viewer, state, service.clock())
    seq = max([state.seq, *(e.seq for e in events)])
    emit("sync", {"me": who, "view": view, "events": [wire(e) for e in events], "seq": seq},
         to=sid)


def _follow_page_language(viewer: Viewer) -> None:
    """A student's page language (the `lang` cookie: the join page's or the page's own
    choice) is their language on the server too: a page opened in another language sets
    it (`set_language`) before the sync, so the scenario's text follows the page."""
    if viewer.kind != "player" or viewer.player_id is None:
        return
    lang = normalise_locale(request.cookies.get("lang"))
    p = runtime().service.state(viewer.game_id).players.get(viewer.player_id)
    if lang is None or p is None or p.language == lang:
        return
    with contextlib.suppress(RuleError, QueueUnavailable, NotFound):  # the sync goes on as is
        delivery().run_command(viewer.game_id, Actor("player", viewer.player_id),
                               "set_language", {"language": lang})


@socketio.on("connect")
def on_connect(auth: Any = None) -> None:
    viewer = _authenticate(auth)
    rt = runtime()
    if _flooding(rt, viewer):
        raise _connect_refused(N_("Too many messages; wait a few seconds."))
    sid: str = request.sid  # type: ignore[attr-defined]
    _admit(rt, sid, viewer)
    rt.connections[sid] = viewer
    after = _last_seq(auth.get("last_seq")) if isinstance(auth, dict) else 0
    try:
        if viewer.login is not None:  # closed together when this login logs out
            delivery().socketio.server.enter_room(sid, rooms.login(viewer.login), namespace="/")
        _follow_page_language(viewer)
        send_sync(delivery(), sid, viewer, after)
    except StoreError as e:
        rt.forget_socket(sid)
        raise _connect_refused(N_("The server cannot reach its database; retry soon.")) from e
    guard().signed_in(_eio_sid(sid))
    if viewer.player_id is not None:  # so that a kick or move on another worker reaches it
        delivery().directory.add(viewer.game_id, viewer.player_id, sid)
    if viewer.kind == "player":
        delivery().presence_changed(viewer.game_id)  # a late joiner shows online at once

@socketio.on("disconnect")
def on_disconnect(*_: Any) -> None:
    rt = runtime()
    sid: str = request.sid  # type: ignore[attr-defined]
    viewer = rt.connections.get(sid)
    rt.forget_socket(sid)
    guard().signed_out(_eio_sid(sid))  # a client that stays connected is closed soon
    if viewer is not None and viewer.player_id is not None:
        delivery().directory.remove(viewer.game_id, viewer.player_id, sid)
    if viewer is not None and viewer.kind == "player":
        delivery().presence_changed(viewer.game_id)  # closed, or dropped after the ping timeout

@socketio.on("sync")
def on_sync(payload: Any = None) -> None:
    rt = runtime()
    sid: str = request.sid  # type: ignore[attr-defined]
    viewer = rt.connections.get(sid)
    if viewer is None or (viewer.login is not None and rt.login_ended(viewer.login)):
        _error("forbidden", N_("This connection is not signed in."))
        return
    if not _allowed(rt, sid, None):
        return
    try:
        data = check_payload({} if payload is None else payload)
        after = _last_seq(data.get("last_seq"))
        if rt.sync_wait(_player_key(viewer)) > 0:
            raise RuleError(N_("Too many syncs; wait a moment."), code="rate_limited")
        send_sync(delivery(), sid, viewer, after)
    except RuleError as e:
        _refused(e)
    except StoreError:
        _error("unavailable", N_("The server cannot reach its database; retry soon."))

@socketio.on("command")
def on_command(payload: Any = None) -> None:
    rt = runtime()
    sid: str = request.sid  # type: ignore[attr-defined]
    viewer = rt.connections.get(sid)
    client_id = raw_id = None
    if isinstance(payload, dict) and isinstance(payload.get("client_id"), str):
        raw_id = payload["client_id"]
        client_id = raw_id[:64]  # echoed in the reply; checked whole below
    if viewer is None or (viewer.login is not None and rt.login_ended(viewer.login)):
        _error("forbidden", N_("This connection is not signed in."), client_id)
        return
    if not _allowed(rt, sid, client_id):
        return
    try:
        data = check_payload(payload)
        name, args = data.get("name"), data.get("args", {})
        if not isinstance(name, str) or not 0 < len(name) <= 40:
            raise BadPayload(N_("'name' must be a command name."))
        if args is None:
            args = {}
        if not isinstance(args, dict):
            raise BadPayload(N_("'args' must be an object."))
        if raw_id is not None and not CLIENT_ID.match(raw_id):
            raise BadPayload(N_("'client_id' must be 8-64 letters, digits, '-' or '_'."))
        if viewer.kind == "projector":
            raise RuleError(N_("The projector only watches."), code="forbidden")
        actor = Actor("player", viewer.player_id) if viewer.kind == "player" \
            else Actor("instructor")
        events = delivery().run_command(viewer.game_id, actor, name, args, client_id)
    except RuleError as e:
        _refused(e, client_id)
        return
    except NotFound:
        _error("not_found", N_("This game no longer exists."), client_id)
        return
    except QueueUnavailable as e:
        _error("unavailable", str(e), client_id)
        return
    except StoreError:
        _error("unavailable", N_("The database is not available; nothing was stored."), client_id)
        return
    except RoleplayError as e:
        _error("unavailable", str(e), client_id)
        return
    emit("ack", {"client_id": client_id, "seq": [e.seq for e in events]})

@socketio.on_error_default
def on_error(e: BaseException) -> None:
    if isinstance(e, Refused):
        raise e  # a refused connection, not a failure: Socket.IO refuses it
    log.exception("socket handler failed", exc_info=e)
    _error("unavailable", N_("Something went wrong on the server; reload the page."))
