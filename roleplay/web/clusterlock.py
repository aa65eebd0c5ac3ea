"""A game's lock across workers, so that events reach every socket in sequence order.

With several workers, the unique (game, seq) keeps the log from forking, but
two workers can commit seq 20 and 21 and then publish them to the message
queue in the other order (the writer of 20 was descheduled between its commit
and its publish): every client would then see 21 before 20. Holding one lock
per game across all workers from deciding to publishing makes the order in
the queue the order in the log. The lock lives in Redis, which every
multi-worker deployment already runs for Flask-SocketIO's message queue.

A worker that dies while holding a lock releases it by expiry (`HOLD_S`).
One worker alone (no message queue) needs none of this: its per-game local
lock already orders its emits.
"""

from __future__ import annotations

import logging
import threading
import weakref
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from ..storage.eventstore import StoreError

log = logging.getLogger(__name__)

#: longest a command may hold a game's lock before Redis frees it (a crashed worker)
HOLD_S = 10.0
#: longest a command waits for a game's lock before giving up ("very busy")
WAIT_S = 20.0
#: how often a waiting worker retries (Redis has no blocking SET NX)
POLL_S = 0.002
#: longest one Redis call may take: a Redis that is down or hung is `unavailable` in seconds
REDIS_TIMEOUT_S = 2.0


class QueueUnavailable(StoreError):
    """Nothing was stored: the game's lock could not be taken (Redis away, or the game too busy)."""


class ClusterLocks:
    """Per-game Redis locks, or none when there is no Redis message queue."""

    def __init__(self, message_queue: str | None):
        self._redis: Any = None
        if message_queue and message_queue.startswith(("redis://", "rediss://", "unix://")):
            import redis

            self._redis = redis.Redis.from_url(message_queue, socket_timeout=REDIS_TIMEOUT_S,
                                               socket_connect_timeout=REDIS_TIMEOUT_S)
        #: a game's lock object lives while a command holds it, then goes (it is in Redis)
        self._locks: weakref.WeakValueDictionary[str, _Held] = weakref.WeakValueDictionary()
        self._guard = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self._redis is not None

    def reachable(self) -> bool:
        """Whether Redis answers now (always true without Redis)."""
        if self._redis is None:
            return True
        import redis

        try:
            return bool(self._redis.ping())
        except redis.RedisError:
            return False

    def hold(self, game_id: str) -> AbstractContextManager[Any]:
        """A context manager holding `game_id`'s lock in every worker (reentrant per worker)."""
        if self._redis is None:
            return nullcontext()
        with self._guard:
            lock = self._locks.get(game_id)
            if lock is None:
                lock = _Held(self._redis.lock(
                    f"roleplay:game-lock:{game_id}", timeout=HOLD_S, sleep=POLL_S,
                    blocking_timeout=WAIT_S, thread_local=False))
                self._locks[game_id] = lock
            return lock

    def __len__(self) -> int:
        """How many games' lock objects this worker keeps now."""
        return len(self._locks)


class _Held:
    """Enter/exit a Redis lock; nested entries (same worker, under its local lock) count."""

    def __init__(self, lock: Any):
        self._lock = lock
        self._depth = 0

    def __enter__(self) -> _Held:
        if self._depth == 0:
            import redis

            try:
                acquired = self._lock.acquire()
            except redis.RedisError as e:
                raise QueueUnavailable(
                    "The server cannot reach its message queue; nothing was stored, retry soon."
                ) from e
            if not acquired:
                raise QueueUnavailable("The game is very busy; nothing was stored, please try again.")
        self._depth += 1
        return self

    def __exit__(self, *exc: object) -> None:
        self._depth -= 1
        if self._depth == 0:
            import redis

            try:
                self._lock.release()
            except redis.exceptions.LockError:
                pass  # held past HOLD_S and freed by expiry: nothing left to release
            except redis.RedisError as e:
                # Redis went away after the command was stored and published: the command
                # stands (it is acknowledged) and the lock expires by itself after HOLD_S
                log.warning("a game lock was not released (%s); it expires in %s s", e, HOLD_S)
