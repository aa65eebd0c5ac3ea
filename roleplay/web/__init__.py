"""The web app: Flask pages, a small JSON API and Socket.IO, built by `create_app`.

Nothing happens at import time: `socketio` is created unbound and bound to
each app in `create_app`. Flask and friends are imported by `create_app`, so
that `roleplay serve` can monkey-patch for eventlet before they load.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask
    from flask_socketio import SocketIO

    from ..service import GameService
    from ..settings import Settings

STATIC = Path(__file__).resolve().parent / "static"
MAX_SOCKET_MESSAGE = 64 * 1024
#: Engine.IO pings every socket this often and drops one that has not answered within
#: the timeout: a phone that walked out of the Wi-Fi shows offline on the dashboard
#: within PING_INTERVAL_S + PING_TIMEOUT_S (9 s) rather than the default 45 s
PING_INTERVAL_S = 4
PING_TIMEOUT_S = 5

__all__ = ["create_app", "socketio"]


def _origin_check(settings: Settings) -> Callable[[str | None, dict[str, Any]], bool]:
    """Sockets may come from the app's own origin (as the browser reached it, through the
    trusted proxies only: `security.own_origins`) or listed ones."""
    from .security import own_origins

    def allowed(origin: str | None, environ: dict[str, Any]) -> bool:
        if origin is None:
            return True  # not a browser: no cross-site risk (auth decides)
        return origin.rstrip("/") in own_origins(environ, settings.allowed_origins)

    return allowed


def __getattr__(name: str) -> SocketIO:
    if name == "socketio":
        from .extensions import socketio

        return socketio
    raise AttributeError(name)


def create_app(settings: Settings | None = None, *, service: GameService | None = None) -> Flask:
    from flask import Flask

    from ..paths import templates_dir
    from ..service import GameService
    from ..settings import Settings
    from ..storage.db import make_engine
    from ..storage.eventstore import EventStore
    from . import aftergame, api, errors, instructor, languages, player, projector, security, ticker
    from . import sockets as _sockets  # registers the socket handlers
    from .delivery import Delivery
    from .extensions import socket_events_match_a_rule, socketio
    from .guard import ConnectionGuard, SocketLimits
    from .runtime import LOGIN_LIFETIME_S, Runtime

    settings = settings or Settings.from_env()
    app = Flask(__name__, template_folder=str(templates_dir()), static_folder=str(STATIC),
                static_url_path="/static")
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_upload_bytes + 16 * 1024,
        SESSION_COOKIE_NAME="roleplay",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.cookie_secure,  # and over HTTPS anyway (security.py)
        PERMANENT_SESSION_LIFETIME=timedelta(seconds=LOGIN_LIFETIME_S),
        TESTING=settings.testing,
    )
    if service is None:
        service = GameService(EventStore(make_engine(settings.database_url)))
    if settings.instructor_password:
        rt = Runtime(settings, service, settings.instructor_password, generated_secret=False)
    else:
        rt = Runtime(settings, service, secrets.token_urlsafe(12), generated_secret=True)
    app.extensions["roleplay"] = rt

    socketio.init_app(
        app,
        async_mode=settings.async_mode,
        message_queue=settings.message_queue,
        cors_allowed_origins=_origin_check(settings),
        max_http_buffer_size=MAX_SOCKET_MESSAGE,
        ping_interval=PING_INTERVAL_S,
        ping_timeout=PING_TIMEOUT_S,
    )
    socket_events_match_a_rule(app)
    # limits per connection and per address, in front of python-socketio (guard.py)
    rate = settings.socket_handshake_rate
    guard = ConnectionGuard(SocketLimits(per_address=settings.sockets_per_address,
                                         handshake_rate=rate, handshake_burst=max(1.0, 5 * rate)))
    guard.install(socketio.server)
    app.extensions["roleplay.guard"] = guard
    guard.on_flood.append(lambda eio_sid: _sockets.flooded(rt, socketio.server, eio_sid))
    if settings.proxy_hops:
        # behind nginx: the client's address (rate limits) and origin as the proxy saw them
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = settings.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    delivery = Delivery(rt, socketio)
    app.extensions["roleplay.delivery"] = delivery

    security.init_app(app)
    languages.init_app(app)
    errors.init_app(app)
    for bp in (player.bp, instructor.bp, projector.bp, api.bp, aftergame.bp):
        app.register_blueprint(bp)

    service.load_unfinished()
    if not settings.testing:
        ticker.start(delivery, socketio)
        socketio.start_background_task(guard.run_sweeper, socketio.sleep)
        if delivery.cluster.enabled:
            socketio.start_background_task(delivery.watch_queue)
    return app
