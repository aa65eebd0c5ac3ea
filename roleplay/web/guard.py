"""Limits at the connection, before any Socket.IO packet is decoded (docs/security.md, 12).

A socket handler's own rate limit runs only after python-socketio has read,
parsed and dispatched a frame, to a background task of its own; a raw
Engine.IO connection sending frames as fast as it can kept the server busy
doing just that, signed in or not. So this guard sits on the Engine.IO
server's own events (`connect`, `message`, `disconnect`, through its public
`on()`), in front of python-socketio's handlers for them:

* at the Engine.IO handshake: at most `per_address` open connections and a
  bucket of handshakes per client address (refused with HTTP 401; a page's
  client retries by itself with its back-off);
* per message: a bucket of `rate` packets a second (`burst` at once) per
  connection, counted before the packet is parsed; a connection over it is
  closed at once, and its further frames are never parsed;
* a connection that has no signed-in Socket.IO session (it never signed in,
  was refused, or was disconnected by the server and ignored it) is closed
  after `sign_in_s` seconds by a sweep once a second.

It knows nothing of eventlet or threading: the server's own tasks and sleeps.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SocketLimits:
    #: packets a second per connection on average, and at once (a page sends a few a minute;
    #: the per-player command bucket, 10 a second, answers `rate_limited` well below this)
    rate: float = 30.0
    burst: float = 60.0
    #: packets a connection may send while it has no signed-in session: signing in is one
    #: (a client retrying a refused sign-in sends a few more, a second or more apart)
    anonymous_burst: float = 5.0
    anonymous_rate: float = 1.0
    #: seconds a connection may stay open without a signed-in Socket.IO session
    sign_in_s: float = 5.0
    #: open connections per client address (a whole lecture may share one NAT address)
    per_address: int = 2000
    #: Engine.IO handshakes per address (0: no limit): a script reconnecting in a loop gets
    #: the burst, then `handshake_rate` a second (each costs the server a millisecond or
    #: two: at 50 a second the others' chat p95 tripled, bench/attack.py). A lecture behind
    #: one NAT address reconnecting after a restart spreads its tries over seconds (the
    #: pages' back-off, 0.5 to 4 s) and a refused handshake is retried the same way: 300
    #: students are back within about 15 s (ROLEPLAY_SOCKET_HANDSHAKE_RATE raises it)
    handshake_rate: float = 20.0
    handshake_burst: float = 100.0


@dataclass
class _Bucket:
    rate: float
    burst: float
    tokens: float
    last: float

    def take(self, now: float) -> bool:
        self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


@dataclass
class _Conn:
    address: str
    environ: dict[str, Any]
    packets: _Bucket
    #: packets while anonymous
    anonymous: _Bucket
    #: when the connection last had no signed-in session (None while it has one)
    anonymous_since: float | None
    closing: bool = False


@dataclass
class GuardCounts:
    """What the guard refused or closed since start."""

    handshakes_refused: int = 0
    flooders_closed: int = 0
    idle_closed: int = 0


class ConnectionGuard:
    def __init__(self, limits: SocketLimits | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.limits = limits or SocketLimits()
        #: cuts a connection's network socket given its WSGI environ, so that the server
        #: stops reading it at once; set by the module that owns the async modes (server.py:
        #: under eventlet, a reader with data waiting never yields, and closing the
        #: Engine.IO socket alone left it reading a flooder's frames)
        self.sever: Callable[[dict[str, Any]], None] | None = None
        self.clock = clock
        self.counts = GuardCounts()
        self._conns: dict[str, _Conn] = {}
        self._by_address: dict[str, int] = {}
        self._handshakes: dict[str, _Bucket] = {}
        self._lock = threading.Lock()
        self._eio: Any = None
        #: called with a connection's Engine.IO sid just before it is closed for flooding
        self.on_flood: list[Callable[[str], None]] = []

    # -- wiring --------------------------------------------------------------------------
    def install(self, sio_server: Any) -> None:
        """Put the guard in front of python-socketio's Engine.IO handlers (once per server)."""
        eio = sio_server.eio
        if getattr(eio, "_roleplay_guard", None) is self:
            return
        inner = {name: eio.handlers[name] for name in ("connect", "message", "disconnect")}
        self._eio = eio

        def on_connect(eio_sid: str, environ: dict[str, Any]) -> Any:
            if not self.admit(eio_sid, environ):
                return False
            return inner["connect"](eio_sid, environ)

        def on_message(eio_sid: str, data: Any) -> Any:
            if not self.allow_packet(eio_sid):
                return None
            return inner["message"](eio_sid, data)

        def on_disconnect(eio_sid: str, *reason: Any) -> Any:
            self.forget(eio_sid)
            return inner["disconnect"](eio_sid, *reason)

        eio.on("connect", on_connect)
        eio.on("message", on_message)
        eio.on("disconnect", on_disconnect)
        eio._roleplay_guard = self

    # -- the Engine.IO handshake -----------------------------------------------------------
    def admit(self, eio_sid: str, environ: dict[str, Any]) -> bool:
        address = str(environ.get("REMOTE_ADDR") or "?")
        lim = self.limits
        now = self.clock()
        with self._lock:
            bucket = self._handshakes.get(address)
            if bucket is None:
                if len(self._handshakes) > 10_000:
                    self._handshakes.clear()  # bounded memory; a forgotten bucket starts full
                bucket = self._handshakes[address] = _Bucket(
                    lim.handshake_rate, lim.handshake_burst, lim.handshake_burst, now)
            if self._by_address.get(address, 0) >= lim.per_address or (
                    lim.handshake_rate > 0 and not bucket.take(now)):
                self.counts.handshakes_refused += 1
                refused = self.counts.handshakes_refused
                ok = False
                loud = refused in (1, 10) or refused % 1000 == 0
            else:
                self._by_address[address] = self._by_address.get(address, 0) + 1
                self._conns[eio_sid] = _Conn(
                    address, environ, _Bucket(lim.rate, lim.burst, lim.burst, now),
                    _Bucket(lim.anonymous_rate, lim.anonymous_burst, lim.anonymous_burst, now),
                    anonymous_since=now)
                ok, loud = True, False
        if not ok and loud:
            log.warning("socket handshakes refused for %s (%d so far): too many connections "
                        "from one address, or too fast", address, refused)
        return ok

    def forget(self, eio_sid: str) -> None:
        with self._lock:
            conn = self._conns.pop(eio_sid, None)
            if conn is not None:
                left = self._by_address.get(conn.address, 1) - 1
                if left > 0:
                    self._by_address[conn.address] = left
                else:
                    self._by_address.pop(conn.address, None)

    # -- packets -------------------------------------------------------------------------
    def allow_packet(self, eio_sid: str) -> bool:
        """Count one packet; False (and the connection closing) once it is over its bucket."""
        with self._lock:
            conn = self._conns.get(eio_sid)
            if conn is None or conn.closing:
                return False  # closed (the guard is in place before any connection)
            now = self.clock()
            bucket = conn.packets if conn.anonymous_since is None else conn.anonymous
            if bucket.take(now):
                return True
            conn.closing = True
            self.counts.flooders_closed += 1
            closed = self.counts.flooders_closed
            address = conn.address
        if closed in (1, 10) or closed % 1000 == 0:  # a loud flooder must not fill the log
            log.warning("socket connection from %s closed: more than %g packets at once or %g "
                        "a second (%d so far)", address, bucket.burst, bucket.rate, closed)
        for listener in self.on_flood:
            try:
                listener(eio_sid)
            except Exception:
                log.exception("a flood listener failed")
        self._close(eio_sid)
        return False

    # -- sessions ------------------------------------------------------------------------
    def signed_in(self, eio_sid: str | None) -> None:
        with self._lock:
            conn = self._conns.get(eio_sid or "")
            if conn is not None:
                conn.anonymous_since = None

    def signed_out(self, eio_sid: str | None) -> None:
        with self._lock:
            conn = self._conns.get(eio_sid or "")
            if conn is not None and conn.anonymous_since is None:
                conn.anonymous_since = self.clock()

    def sweep(self) -> int:
        """Close connections anonymous for longer than `sign_in_s`; how many were closed."""
        cutoff = self.clock() - self.limits.sign_in_s
        with self._lock:
            idle = [sid for sid, c in self._conns.items()
                    if not c.closing and c.anonymous_since is not None
                    and c.anonymous_since <= cutoff]
            for sid in idle:
                self._conns[sid].closing = True
            self.counts.idle_closed += len(idle)
        for sid in idle:
            self._close(sid)
        if idle:
            log.info("closed %d socket connection(s) that did not sign in within %g s",
                     len(idle), self.limits.sign_in_s)
        return len(idle)

    def run_sweeper(self, sleep: Callable[[float], None], every: float = 1.0) -> None:
        """The background task: sweep forever."""
        while True:
            sleep(every)
            try:
                self.sweep()
            except Exception:  # keep sweeping whatever happens
                log.exception("closing idle socket connections failed")

    def open_connections(self, address: str | None = None) -> int:
        with self._lock:
            if address is None:
                return len(self._conns)
            return self._by_address.get(address, 0)

    def close(self, eio_sid: str | None) -> None:
        """Close a whole connection now (a Socket.IO disconnect leaves the connection open:
        a client that ignores it would still be read)."""
        with self._lock:
            conn = self._conns.get(eio_sid or "")
            if conn is None or conn.closing:
                return
            conn.closing = True
        self._close(eio_sid or "")

    def _close(self, eio_sid: str) -> None:
        """Like `engineio.Server.disconnect`, without waiting for the client to take the
        closing packet (a long-polling client that never polls again would block us)."""
        if self._eio is None:
            return
        with self._lock:
            conn = self._conns.get(eio_sid)
        sock = self._eio.sockets.get(eio_sid)
        if sock is not None:
            try:
                sock.close(wait=False)
            except Exception:  # already gone
                log.debug("closing connection %s failed", eio_sid, exc_info=True)
            self._eio.sockets.pop(eio_sid, None)
        if conn is not None and self.sever is not None:
            with contextlib.suppress(OSError):  # already closed
                self.sever(conn.environ)
