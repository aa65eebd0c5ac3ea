"""Which sockets each player holds on every worker, so that kicks and moves reach them all.

python-socketio's message queue carries emits, and also disconnects and room
changes of a socket id held by another worker (`server.disconnect`,
`enter_room` and `leave_room` publish them when the id is not local, on the
same channel as the emits, so in order with them). What no worker knows is
which socket ids the others hold for a player. This keeps them in Redis, one
set per player (added at connect, removed at disconnect, expiring with the
login lifetime), so that the worker storing a kick, a reclaimed seat or a move
can disconnect or re-place that player's sockets wherever they are, whether
or not their pages obey `kicked` and `resync`.

Without a message queue (one worker) it is off: every socket is local.
"""

from __future__ import annotations

import logging
from typing import Any

from .clusterlock import REDIS_TIMEOUT_S

log = logging.getLogger(__name__)

#: a set lives as long as an instructor's login (players' sockets close long before)
TTL_S = 13 * 3600


class SocketDirectory:
    def __init__(self, message_queue: str | None):
        self._redis: Any = None
        if message_queue and message_queue.startswith(("redis://", "rediss://", "unix://")):
            import redis

            self._redis = redis.Redis.from_url(message_queue, socket_timeout=REDIS_TIMEOUT_S,
                                               socket_connect_timeout=REDIS_TIMEOUT_S)

    @property
    def enabled(self) -> bool:
        return self._redis is not None

    @staticmethod
    def _key(game_id: str, player_id: str) -> str:
        return f"roleplay:sockets:{game_id}:{player_id}"

    def add(self, game_id: str, player_id: str, sid: str) -> None:
        if self._redis is None:
            return
        import redis

        key = self._key(game_id, player_id)
        try:
            pipe = self._redis.pipeline()
            pipe.sadd(key, sid)
            pipe.expire(key, TTL_S)
            pipe.execute()
        except redis.RedisError as e:
            # the socket works; only a kick or move stored on another worker will not reach it
            # until Redis is back (its page still obeys `kicked` and `resync`)
            log.warning("socket %s not recorded for its player: %s", sid, e)

    def remove(self, game_id: str, player_id: str, sid: str) -> None:
        if self._redis is None:
            return
        import redis

        try:
            self._redis.srem(self._key(game_id, player_id), sid)
        except redis.RedisError as e:  # a stale id costs one ignored message later
            log.warning("closed socket %s not removed from its player's set: %s", sid, e)

    def sids(self, game_id: str, player_id: str) -> set[str]:
        """The player's socket ids on every worker (empty when off or Redis is away)."""
        if self._redis is None:
            return set()
        import redis

        try:
            return {m.decode() if isinstance(m, bytes) else str(m)
                    for m in self._redis.smembers(self._key(game_id, player_id))}
        except redis.RedisError as e:
            log.warning("the sockets of player %s could not be listed: %s", player_id, e)
            return set()
