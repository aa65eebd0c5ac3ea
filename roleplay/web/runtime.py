"""What the web layer holds per app: settings, the service, locks and connection bookkeeping.

No game state lives here: games are in the service (a cache of the log).
This holds only who each socket is, per-socket rate limits and per-game
locks that keep "persist, then emit" in sequence order.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Literal, cast

from flask import current_app

from ..service import GameService
from ..settings import Settings

ViewerKind = Literal["player", "instructor", "projector"]


@dataclass(frozen=True)
class Viewer:
    """Who a socket is, fixed at connect."""

    game_id: str
    kind: ViewerKind
    player_id: str | None = None

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

    def allow(self, now: float | None = None) -> bool:
        t = time.monotonic() if now is None else now
        self.tokens = min(self.burst, self.tokens + (t - self.last) * self.rate)
        self.last = t
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class LoginThrottle:
    """At most `limit` failed logins per address per `window` seconds."""

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
            return bool(q) and len(q) >= self.limit

    def failed(self, address: str) -> None:
        with self._lock:
            self._fails.setdefault(address, deque()).append(time.monotonic())


class Runtime:
    def __init__(self, settings: Settings, service: GameService, login_secret: str,
                 generated_secret: bool):
        self.settings = settings
        self.service = service
        self._login_secret = login_secret
        #: True when no password was configured and a token was generated at start
        self.generated_secret = generated_secret
        self.connections: dict[str, Viewer] = {}
        self.buckets: dict[str, TokenBucket] = {}
        self.logins = LoginThrottle()
        self.ticking = False
        self._locks: dict[str, threading.RLock] = {}
        self._guard = threading.Lock()

    @property
    def login_hint(self) -> str:
        if self.generated_secret:
            return f"log in with the one-time token {self._login_secret}"
        return "log in with the password in ROLEPLAY_INSTRUCTOR_PASSWORD"

    def check_login(self, given: str) -> bool:
        return hmac.compare_digest(given.encode(), self._login_secret.encode())

    def game_lock(self, game_id: str) -> threading.RLock:
        """Held from storing a game's events until they are emitted: emits stay in seq order."""
        with self._guard:
            lock = self._locks.get(game_id)
            if lock is None:
                lock = self._locks[game_id] = threading.RLock()
            return lock

    def bucket(self, sid: str) -> TokenBucket:
        b = self.buckets.get(sid)
        if b is None:
            b = self.buckets[sid] = TokenBucket()
        return b

    def forget_socket(self, sid: str) -> None:
        self.connections.pop(sid, None)
        self.buckets.pop(sid, None)


def runtime() -> Runtime:
    return cast(Runtime, current_app.extensions["roleplay"])
