"""The server's clock: end phases on time, whether or not anyone is connected.

Each tick also closes this worker's sockets of instructor logins that were
ended (logged out) on another worker.

A background task (started by `create_app` outside tests) ticks every running
game once a second. Deadlines are absolute times in the log, so after a
restart the clock simply resumes where the log says it is.
"""

from __future__ import annotations

import logging
from typing import Any

from ..errors import RoleplayError
from .delivery import Delivery

log = logging.getLogger(__name__)

INTERVAL = 1.0


def tick_all(delivery: Delivery) -> int:
    """Tick every running game once; returns how many events that stored."""
    stored = 0
    for game_id in delivery.rt.service.running_game_ids():
        try:
            stored += len(delivery.tick(game_id))
        except RoleplayError as e:  # the database may be down for a moment: try next second
            log.warning("tick of game %s failed: %s", game_id, e)
        except Exception:
            log.exception("tick of game %s failed", game_id)
    return stored


def start(delivery: Delivery, socketio: Any) -> None:
    rt = delivery.rt
    if rt.ticking:
        return
    rt.ticking = True

    def loop() -> None:
        while rt.ticking:
            socketio.sleep(INTERVAL)
            tick_all(delivery)
            try:
                delivery.close_ended_logins()
            except Exception:
                log.exception("closing the sockets of ended logins failed")

    socketio.start_background_task(loop)


def stop(delivery: Delivery) -> None:
    delivery.rt.ticking = False
