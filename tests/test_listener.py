"""The eventlet server's listener: its connections send small writes at once (TCP_NODELAY)."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from roleplay.web import server

eventlet_wsgi = pytest.importorskip("eventlet.wsgi")


def test_the_server_listens_with_nodelay_and_its_connections_inherit_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    handed: dict[str, Any] = {}
    monkeypatch.setattr(eventlet_wsgi, "server",
                        lambda sock, app, **kw: handed.update(sock=sock, app=app, **kw))
    app = object()
    server._serve_eventlet(app, "127.0.0.1", 0)  # type: ignore[arg-type]
    listener = handed["sock"]
    try:
        assert handed["app"] is app
        assert handed["max_size"] == server.MAX_CONNECTIONS
        assert handed["socket_timeout"] == server.SOCKET_TIMEOUT_S
        with socket.create_connection(listener.getsockname()[:2], timeout=5):
            conn, _ = listener.accept()  # the connection is waiting: accept does not block
            try:
                assert conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
            finally:
                conn.close()
    finally:
        listener.close()
