"""An in-process server on a free loopback port, and a whole game played on it by bots
(`roleplay simulate` without --server, and the tests).

This layer sits above both the web app and the bots: it starts one and points the other
at it, so neither has to import the other.
"""

from __future__ import annotations

import contextlib
import secrets
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..bots import BotError, InstructorBot, run
from ..scenario.loader import CampaignBundle
from ..scenario.model import Scenario
from ..settings import Settings
from ..web import create_app, ticker


def _quiet_handler() -> type:
    from werkzeug.serving import WSGIRequestHandler

    class Quiet(WSGIRequestHandler):
        """No line per request: a simulation makes hundreds."""

        def log_request(self, *args: Any, **kwargs: Any) -> None:
            return None

        def log_error(self, *args: Any) -> None:
            return None

    return Quiet


@contextlib.contextmanager
def local_server(database_url: str | None = None, password: str | None = None,
                 ) -> Iterator[tuple[str, Any, str]]:
    """An in-process server (threading mode) on a free loopback port: (url, app, password)."""
    from werkzeug.serving import make_server


    password = password or secrets.token_urlsafe(16)
    with tempfile.TemporaryDirectory(prefix="roleplay-") as tmp:
        url = database_url or f"sqlite:///{Path(tmp) / 'simulation.db'}"
        # every bot joins from 127.0.0.1: no per-address join or handshake limit for a
        # simulated class
        settings = Settings(database_url=url, async_mode="threading",
                            instructor_password=password, host="127.0.0.1", port=0,
                            join_rate=0.0, socket_handshake_rate=0.0)
        app = create_app(settings)
        server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_quiet_handler())
        thread = threading.Thread(target=server.serve_forever, name="roleplay-server",
                                  daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_port}", app, password
        finally:
            ticker.stop(app.extensions["roleplay.delivery"])
            server.shutdown()
            thread.join(timeout=5)
            app.extensions["roleplay"].service.close()


def simulate(source: Scenario | CampaignBundle, players: int, seed: int,
             out: Path | None = None, database_url: str | None = None) -> dict[str, Any]:
    """Play a whole game with bots over Socket.IO on a server of its own, keeping its games
    in `database_url` (default: a temporary database, deleted after); the JSON export goes
    to `out` if given."""
    if players < 1:
        raise BotError("At least one player.")
    with local_server(database_url) as (url, app, password):
        state = app.extensions["roleplay"].service.create_game(source, seed=seed)
        game_id: str = state.setup.game_id
        code: str = state.setup.code

        def adopt(ins: InstructorBot) -> str:
            ins.game_id = game_id
            return code

        return run(url, password, adopt, players, seed, out)
