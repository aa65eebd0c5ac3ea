"""Socket.IO packets for a JSON-only protocol: no search for binary attachments.

python-socketio walks every outgoing payload, recursively and without
stopping early, to find bytes it would have to send as attachments. Our
protocol (docs/protocol.md) is JSON only, and the instructor's view of a
500-student game is a few hundred KB: the walk took longer than encoding it
(4 ms of a 9 ms send, bench/run.py). Incoming packets are unchanged: a
client's binary packet is still decoded by its type, and then refused by the
handlers as "not plain JSON".
"""

from __future__ import annotations

from typing import Any

from socketio import packet  # untyped: hence the ignore below


class JsonPacket(packet.Packet):  # type: ignore[misc]
    @classmethod
    def data_is_binary(cls, data: Any) -> bool:
        return False
