"""Flask extensions, created unbound; `create_app` binds them."""

from __future__ import annotations

from typing import NoReturn

from flask import Flask, abort
from flask_socketio import SocketIO

from .packets import JsonPacket

socketio = SocketIO(serializer=JsonPacket)

#: where python-socketio answers (Flask-SocketIO's default `path`)
SOCKET_PATH = "/socket.io/"


def _not_a_page() -> NoReturn:
    abort(404)


def socket_events_match_a_rule(app: Flask) -> None:
    """Give the Socket.IO address a URL rule, so each event's request context finds one.

    Flask-SocketIO runs every event handler inside a request context built from the
    socket's handshake request. Without a rule for that address, pushing the context
    stores a NotFound in `request.routing_exception` (a WebsocketMismatch for a websocket
    if only the polling rule existed), whose traceback holds the frames that raised it: a
    reference cycle of ~59 objects per event, left to the garbage collector.
    The rules only ever serve the context: python-socketio answers the address before
    Flask sees it, and a request that does reach the view gets a plain 404.
    """
    for websocket, methods in ((False, ["GET", "POST"]), (True, ["GET"])):
        app.add_url_rule(SOCKET_PATH, endpoint=f"socketio_{'ws' if websocket else 'http'}",
                         view_func=_not_a_page, methods=methods, websocket=websocket,
                         strict_slashes=False)
