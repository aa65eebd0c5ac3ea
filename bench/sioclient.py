"""A lean Socket.IO client for load tests: asyncio + wsproto, one event loop for all.

python-socketio's own client runs threads per connection, which at 1,000
connections would cost the load generator more CPU than the server it
measures. This speaks just enough of Engine.IO 4 / Socket.IO 5 over a
WebSocket (no long-polling) to connect with an `auth` payload, answer pings,
emit events and hand each received event to a callback without parsing it
(the callback parses only what it needs). wsproto ships with python-engineio.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    Ping,
    RejectConnection,
    Request,
    TextMessage,
)

OnEvent = Callable[["Client", str, str], None]


class Refused(Exception):
    """The server answered the Socket.IO connect with an error (or the socket failed)."""


def event_name(packet: str) -> str:
    """The event name of a `42["name",...]` packet, without parsing the rest."""
    start = packet.index('"') + 1
    return packet[start:packet.index('"', start)]


class Client:
    def __init__(self, host: str, port: int, auth: dict[str, Any] | None, on_event: OnEvent,
                 *, cookie: str | None = None, tag: Any = None):
        self.host, self.port = host, port
        self.auth = auth
        self.on_event = on_event
        self.cookie = cookie
        self.tag = tag
        self.connected = False
        self.closed = asyncio.Event()
        self._ws: WSConnection | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._reader_task: asyncio.Task[None] | None = None

    async def connect(self, timeout: float = 30.0) -> None:
        await asyncio.wait_for(self._connect(), timeout)

    async def _connect(self) -> None:
        self.closed = asyncio.Event()
        reader, writer = await asyncio.open_connection(self.host, self.port)
        self._writer = writer
        ws = self._ws = WSConnection(ConnectionType.CLIENT)
        headers = [(b"cookie", self.cookie.encode())] if self.cookie else []
        writer.write(ws.send(Request(host=f"{self.host}:{self.port}",
                                     target="/socket.io/?EIO=4&transport=websocket",
                                     extra_headers=headers)))
        opened: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._pending = opened
        self._reader_task = asyncio.create_task(self._read(reader))
        await opened  # the Socket.IO connect answer
        self.connected = True

    def _send_text(self, text: str) -> None:
        if self._ws is None or self._writer is None or self._writer.is_closing():
            return
        self._writer.write(self._ws.send(TextMessage(data=text)))

    def emit(self, event: str, data: Any) -> None:
        self._send_text("42" + json.dumps([event, data], separators=(",", ":")))

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        if self._reader_task is not None:
            self._reader_task.cancel()
        self.connected = False
        self.closed.set()

    def _fail(self, exc: BaseException) -> None:
        if not self._pending.done():
            self._pending.set_exception(exc)

    async def _read(self, reader: asyncio.StreamReader) -> None:
        ws = self._ws
        assert ws is not None
        parts: list[str] = []
        try:
            while True:
                data = await reader.read(262144)
                if not data:
                    break
                ws.receive_data(data)
                for ev in ws.events():
                    if isinstance(ev, TextMessage):
                        parts.append(ev.data)
                        if ev.message_finished:
                            text = "".join(parts)
                            parts = []
                            self._packet(text)
                    elif isinstance(ev, AcceptConnection):
                        pass
                    elif isinstance(ev, RejectConnection):
                        self._fail(Refused(f"websocket refused: {ev.status_code}"))
                    elif isinstance(ev, Ping):
                        self._writer.write(ws.send(ev.response()))  # type: ignore[union-attr]
                    elif isinstance(ev, CloseConnection):
                        raise ConnectionResetError("closed by server")
                    elif isinstance(ev, BytesMessage):
                        pass
        except (ConnectionError, OSError, asyncio.IncompleteReadError) as e:
            self._fail(Refused(str(e) or type(e).__name__))
        except asyncio.CancelledError:
            raise
        finally:
            self._fail(Refused("connection closed"))
            self.connected = False
            self.closed.set()
            if self._writer is not None:
                self._writer.close()

    def _packet(self, text: str) -> None:
        kind = text[:1]
        if kind == "4":  # a Socket.IO packet inside an Engine.IO message
            sub = text[1:2]
            if sub == "2":
                self.on_event(self, event_name(text), text)
            elif sub == "0":
                if not self._pending.done():
                    self._pending.set_result(text)
            elif sub == "4":
                self._fail(Refused(text[2:]))
            elif sub == "1":
                self.connected = False
                if self._writer is not None:
                    self._writer.close()
        elif kind == "2":  # ping
            self._send_text("3")
        elif kind == "0":  # Engine.IO open: now connect to the namespace
            self._send_text("40" + (json.dumps(self.auth, separators=(",", ":")) if self.auth else ""))
        elif kind == "1":
            self.connected = False
