"""The eventlet server's listener: its connections send small writes at once (TCP_NODELAY)."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from roleplay.web import server
from support.web import free_port

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


@pytest.mark.skipif(not hasattr(socket, "TCP_INFO"), reason="TCP_INFO is Linux's")
def test_the_listener_queues_a_reconnect_storm_not_eventlets_default_fifty() -> None:
    """A restarted server's students reconnect at once: past the listen backlog the kernel
    drops their connections (the instructor's login with them) until the client retries.
    Linux reports a listening socket's backlog in TCP_INFO's `tcpi_sacked` (what `ss -l`
    shows as Send-Q), capped at net.core.somaxconn."""
    import struct
    from pathlib import Path

    somaxconn = int(Path("/proc/sys/net/core/somaxconn").read_text())
    listener = server.eventlet_listener("127.0.0.1", 0)
    try:
        info = listener.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
        (backlog,) = struct.unpack_from("I", info, 28)  # after 8 one-byte fields and 5 u32s
        assert backlog == min(server.LISTEN_BACKLOG, somaxconn)
        assert backlog >= 1024
    finally:
        listener.close()


def test_a_second_server_on_the_same_port_cannot_listen() -> None:
    """Two servers sharing a port (SO_REUSEPORT) would split a class between two processes."""
    port = free_port()  # a named port: eventlet never shares port 0
    first = server.eventlet_listener("127.0.0.1", port)
    try:
        with pytest.raises(OSError):
            server.eventlet_listener("127.0.0.1", port).close()
    finally:
        first.close()
