"""What the web layer holds per app: settings, the service, locks and connection bookkeeping.

No game state lives here: games are in the service (a cache of the log).
This holds only who each socket is, per-socket rate limits and per-game
locks that keep "persist, then emit" in sequence order.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time
import weakref
from collections import deque
from dataclasses import dataclass, field
from typing import Literal, cast

from flask import current_app

from ..engine.errors import N_, RuleError
from ..service import GameService
from ..settings import Settings
from ..storage.eventstore import StoreError
from .address import JoinAddress, join_address

log = logging.getLogger(__name__)

#: how long an instructor's login lasts (the session cookie's lifetime)
LOGIN_LIFETIME_S = 12 * 3600

#: full syncs per player or login: `SYNC_BURST` at once, then `SYNC_RATE` a second
SYNC_BURST = 10.0
SYNC_RATE = 0.5

#: per-player maps are swept of idle entries each time they have grown by this many
SWEEP_EVERY = 256

ViewerKind = Literal["player", "instructor", "projector"]


@dataclass(frozen=True)
class Viewer:
    """Who a socket is, fixed at connect."""

    game_id: str
    kind: ViewerKind
    player_id: str | None = None
    #: the instructor login (session key) an instructor or projector socket was opened with
    login: str | None = None
    #: the hash of the seat key a player's socket signed in with (its flood lockout is
    #: looked up by it before the database is asked whose key it is)
    token_hash: str | None = None

    @property
    def id(self) -> str:
        return self.player_id if self.kind == "player" and self.player_id else self.kind


@dataclass
class TokenBucket:
    """`rate` commands per second on average, `burst` at once."""

    rate: float = 10.0
    burst: float = 20.0
    tokens: float = 20.0
    last: float = field(default_factory=time.monotonic)
    #: messages refused in the current 10-second window (a page never gets far; a script does)
    refused: int = 0
    window: float = field(default_factory=time.monotonic)

    def allow(self, now: float | None = None) -> bool:
        t = time.monotonic() if now is None else now
        self.tokens = min(self.burst, self.tokens + (t - self.last) * self.rate)
        self.last = t
        if t - self.window > 10.0:
            self.window, self.refused = t, 0
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        self.refused += 1
        return False

    def idle(self, now: float) -> bool:
        """Unused long enough to be full again with its window over: a new bucket is the same."""
        return now - self.last >= max(10.0, self.burst / self.rate) and now - self.window > 10.0


class LoginThrottle:
    """At most `limit` failed attempts (logins, join codes) per address per `window` seconds."""

    def __init__(self, limit: int = 10, window: float = 60.0):
        self.limit = limit
        self.window = window
        self._fails: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def blocked(self, address: str) -> bool:
        now = time.monotonic()
        with self._lock:
            q = self._fails.get(address)
            while q and now - q[0] > self.window:
                q.popleft()
            return q is not None and len(q) >= self.limit

    def failed(self, address: str) -> None:
        with self._lock:
            self._fails.setdefault(address, deque()).append(time.monotonic())


class AddressBuckets:
    """One token bucket per client address (joins per address: lobby flooding)."""

    def __init__(self, rate: float, burst: float):
        self.rate = rate
        self.burst = burst
        self._buckets: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()

    def allow(self, address: str) -> bool:
        if self.rate <= 0:
            return True  # switched off
        with self._lock:
            b = self._buckets.get(address)
            if b is None:
                if len(self._buckets) > 10_000:
                    self._buckets.clear()  # bounded memory; a forgotten bucket starts full
                b = self._buckets[address] = TokenBucket(self.rate, self.burst, self.burst)
            return b.allow()


class Runtime:
    def __init__(self, settings: Settings, service: GameService, login_secret: str,
                 generated_secret: bool):
        self.settings = settings
        self.service = service
        #: where students join (decided once, at start: see address.py)
        self.join_address: JoinAddress = join_address(settings.host, settings.port,
                                                      settings.public_url)
        self._login_secret = login_secret
        #: True when no password was configured and a token was generated at start
        self.generated_secret = generated_secret
        self.connections: dict[str, Viewer] = {}
        self.buckets: dict[str, TokenBucket] = {}
        #: full syncs (connects and `sync`) per player or login: each sends the whole view
        #: and log, so a reconnect loop cost everyone else; 10 at once, then one per 2 s
        self._syncs: dict[str, TokenBucket] = {}
        #: players thrown out for flooding -> until when their sockets are refused, keyed by
        #: the player (`p:game:player`) and by the seat key's hash (`t:game:hash`)
        self.flood_lockout: dict[str, float] = {}
        self.logins = LoginThrottle()
        #: wrong join codes per address (guessing codes). 30 a minute: a class behind one
        #: NAT address can make typos, while guessing one of 22**5 codes in a 90-minute
        #: class succeeds with a chance of 2,700 / 5.2 million
        self.code_failures = LoginThrottle(limit=30, window=60.0)
        #: joins per address (flooding the lobby with fake players)
        self.joins = AddressBuckets(settings.join_rate, settings.join_burst)
        #: instructor logins this worker knows were ended (all are in the database)
        self._ended_logins: set[str] = set()
        #: when each login this worker has seen began (its sockets end with it, 12 h on)
        self._login_since: dict[str, float] = {}
        self.ticking = False
        #: a game's lock lives while a command holds it (or waits for it), then goes
        self._locks: weakref.WeakValueDictionary[str, threading.RLock] = \
            weakref.WeakValueDictionary()
        self._guard = threading.Lock()
        self._sweep_at = SWEEP_EVERY

    @property
    def login_hint(self) -> str:
        if self.generated_secret:
            return f"log in with the one-time token {self._login_secret}"
        return "log in with the password in ROLEPLAY_INSTRUCTOR_PASSWORD"

    def check_login(self, given: str) -> bool:
        return hmac.compare_digest(given.encode(), self._login_secret.encode())

    def game_for_join(self, address: str, code: str) -> str:
        """The game a join code names, within the per-address limits, or RuleError.

        Wrong codes count against the address (30 a minute, then even a right
        code waits: guessing 22**5 codes is hopeless); joins are a token bucket
        per address (a script cannot fill the lobby with fake players).
        """
        if self.code_failures.blocked(address):
            raise RuleError(N_("Too many wrong codes from this device; wait a minute."),
                            code="rate_limited")
        game_id = self.service.game_id_for_code(code) if code else None
        if game_id is None:
            self.code_failures.failed(address)
            raise RuleError(N_("No game has that code; check it with your instructor."),
                            code="not_found")
        if not self.joins.allow(address):
            raise RuleError(N_("Too many joins from this network at once; try again in a moment."),
                            code="rate_limited")
        state = self.service.state(game_id)
        present = sum(1 for p in state.players.values() if not p.kicked and p.merged_into is None)
        if present >= self.settings.max_players:
            raise RuleError(N_("This game is full (%(count)s players); ask your instructor."),
                            params={"count": present},
                            code="forbidden")
        return game_id

    # -- instructor logins ended by logging out ----------------------------------------
    def end_login(self, key: str) -> None:
        """A logout: this login's cookie, and every copy of it, stops counting on every
        worker sharing the database, across restarts, until the copies have expired."""
        # StoreError propagates, and nothing changed: the instructor is asked to retry
        self.service.end_login(_login_hash(key), LOGIN_LIFETIME_S)
        self._ended_logins.add(key)

    def login_seen(self, key: str, since: float) -> None:
        """A login was used (a page or a socket): remember when it began."""
        if len(self._login_since) > 10_000:
            self._login_since.clear()  # bounded; a forgotten login is noted again when used
        self._login_since[key] = since

    def login_ended(self, key: str) -> bool:
        """Logged out (on any worker), or older than a login lasts: its sockets close too."""
        if key in self._ended_logins:
            return True
        since = self._login_since.get(key)
        if since is not None and time.time() - since > LOGIN_LIFETIME_S:
            return True
        try:
            ended = self.service.login_ended(_login_hash(key))
        except StoreError:
            # the database is away a moment: what this worker knows still holds, and
            # without the database an instructor can do nothing with the game anyway
            log.warning("could not check for a logout: the database is not available")
            return False
        if ended:
            self._ended_logins.add(key)
        return ended

    def game_lock(self, game_id: str) -> threading.RLock:
        """Held from storing a game's events until they are emitted: emits stay in seq order.

        Everyone who holds or waits for it holds a reference, so it stays the one lock of
        its game while it matters, and is dropped once nobody does."""
        with self._guard:
            lock = self._locks.get(game_id)
            if lock is None:
                lock = threading.RLock()
                self._locks[game_id] = lock
            return lock

    def bucket(self, key: str) -> TokenBucket:
        """A rate limit: per player (all its sockets together, so reconnecting or opening
        more sockets buys a flooder nothing), per socket for the instructor and projector."""
        b = self.buckets.get(key)
        if b is None:
            if len(self.buckets) >= self._sweep_at:
                self.sweep()
            b = self.buckets[key] = TokenBucket()
        return b

    def sweep(self, now: float | None = None) -> int:
        """Drop the rate limits that a fresh one equals (idle buckets) and ended lockouts;
        returns how many entries went. Called as the maps grow, so they stay the size of
        the players active in the last seconds, not of every player ever seen."""
        t = time.monotonic() if now is None else now
        gone = 0
        for table in (self.buckets, self._syncs):
            for key, b in list(table.items()):
                if b.idle(t):
                    table.pop(key, None)
                    gone += 1
        for key, until in list(self.flood_lockout.items()):
            if until <= t:
                self.flood_lockout.pop(key, None)
                gone += 1
        self._sweep_at = len(self.buckets) + len(self._syncs) + SWEEP_EVERY
        return gone

    def online_players(self, game_id: str) -> set[str]:
        """Players of a game with a socket open on this worker."""
        return {c.player_id for c in list(self.connections.values())
                if c.game_id == game_id and c.kind == "player" and c.player_id is not None}

    def sync_wait(self, key: str) -> float:
        """0 and one full sync counted, or the seconds until the next one is allowed."""
        with self._guard:
            b = self._syncs.get(key)
            if b is None:
                if len(self._syncs) >= self._sweep_at:
                    self.sweep()
                b = self._syncs[key] = TokenBucket(SYNC_RATE, SYNC_BURST, SYNC_BURST)
            if b.allow():
                return 0.0
            return (1.0 - b.tokens) / b.rate

    def forget_socket(self, sid: str) -> None:
        self.connections.pop(sid, None)
        self.buckets.pop(sid, None)


def _login_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def runtime() -> Runtime:
    return cast(Runtime, current_app.extensions["roleplay"])
