"""Flask extensions, created unbound; `create_app` binds them."""

from __future__ import annotations

from flask_socketio import SocketIO

from .packets import JsonPacket

socketio = SocketIO(serializer=JsonPacket)
