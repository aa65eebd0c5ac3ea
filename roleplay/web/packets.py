"""Socket.IO packets for a JSON-only protocol: no search for binary attachments, orjson.

python-socketio walks every outgoing payload, recursively and without
stopping early, to find bytes it would have to send as attachments. Our
protocol (docs/protocol.md) is JSON only, and the instructor's view of a
500-student game is a few hundred KB: the walk took longer than encoding it
(4 ms of a 9 ms send, bench/run.py). Incoming packets are still decoded by
their type: a client's binary packet is refused by the handlers as "not plain
JSON".

The packet's JSON (`Packet.json`, which python-socketio calls as
`json.dumps(data, separators=...)` and `json.loads(text)`) is `OrjsonCodec`:
orjson writes UTF-8 (a Russian seat view is under half its `\\uXXXX`-escaped
size) several times faster than the stdlib encoder (docs/performance.md,
round six). Where the two differ:

* out: NaN and infinities are written `null` (the stdlib wrote `NaN`, which a
  browser's JSON.parse rejects: the whole packet was lost); a payload orjson
  cannot write (an int beyond 64 bits, a str with a lone surrogate, a type it
  does not know, a non-str dict key) is written by the stdlib encoder as
  before, its non-finite floats as `null` too.
* in: what orjson refuses (NaN/Infinity literals, a number beyond a double,
  a lone surrogate escape, and any text with a run of 20 digits or a minus and
  19, which may be an int beyond 64 bits that orjson would read as an inexact float) is read
  again by the stdlib parser, the old path, and each of those values becomes
  `NOT_JSON`: the handler's payload check (`check_payload`) cannot serialise it
  and answers `bad_request` ("not plain JSON"), as for any other bad message.
  A text neither parser reads is dropped as before.
"""

from __future__ import annotations

import codecs
import json
import math
import re
from typing import Any

import orjson
from socketio import packet  # untyped: hence the ignore below

#: an int literal that may lie beyond 64 bits, which orjson reads as an inexact float: 20
#: digits or more (2**64 has 20), or a minus and 19 (-2**63 has 19)
_LONG_DIGITS = re.compile(r"\d{20}|-\d{19}")
_INT_MIN, _INT_MAX = -(2**63), 2**64 - 1  # what orjson reads and writes exactly


class NotJson:
    """An incoming value that is not plain JSON: no encoder writes it."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NOT_JSON"


NOT_JSON = NotJson()


def _int(text: str) -> Any:
    if len(text) > 21:  # beyond any 64-bit int; int() of a long text costs quadratic time
        return NOT_JSON
    value = int(text)
    return value if _INT_MIN <= value <= _INT_MAX else NOT_JSON


def _float(text: str) -> Any:
    value = float(text)
    return value if math.isfinite(value) else NOT_JSON


def _constant(_: str) -> Any:
    return NOT_JSON


def _not_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _mark_surrogates(value: Any) -> Any:
    """The stdlib parser's result with each str that has a lone surrogate as NOT_JSON."""
    if isinstance(value, str):
        return NOT_JSON if _not_utf8(value) else value
    if isinstance(value, list):
        return [_mark_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {(NOT_JSON if _not_utf8(k) else k): _mark_surrogates(v) for k, v in value.items()}
    return value


def _finite(value: Any) -> Any:
    """A payload for the stdlib encoder with its NaN and infinities as None (orjson's null)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    return value


def _json_escape(err: UnicodeError) -> tuple[str, int]:
    """A codec error handler: each character beyond ASCII as JSON's `\\uXXXX` (a pair of
    them beyond the BMP), unlike `backslashreplace`, whose `\\xNN` is not JSON."""
    if not isinstance(err, UnicodeEncodeError):
        raise err
    out = []
    for ch in err.object[err.start:err.end]:
        n = ord(ch)
        if n > 0xFFFF:
            n -= 0x10000
            out.append(f"\\u{0xD800 + (n >> 10):04x}\\u{0xDC00 + (n & 0x3FF):04x}")
        else:
            out.append(f"\\u{n:04x}")
    return "".join(out), err.end


codecs.register_error("roleplay-json-escape", _json_escape)


#: the most bytes beyond ASCII a packet may have to be escaped (a seat view has a few minus
#: signs; the handler costs about a microsecond a run of them)
_ESCAPE_AT_MOST = 120


def _compact(raw: bytes) -> str:
    """orjson's UTF-8 as the str Engine.IO sends, in the least memory. A str takes as many
    bytes per character as its widest character needs, so one minus sign (U+2212, the
    views' typography) in an English view doubled the whole string (22 -> 44 KB a seat
    view, held in each socket's queue until sent: +45 KB resident per student at 500,
    bench/run.py). A text that is mostly ASCII has its few other characters escaped, as
    the stdlib encoder did; a text with many (Russian) stays UTF-8, under half the
    escaped size on the wire."""
    if raw.isascii():
        return raw.decode("ascii")
    text = raw.decode("utf-8")
    extra = len(raw) - len(text)  # at least the number of characters beyond ASCII
    # escaped (6 bytes each) is smaller than 2 bytes a character; and few enough that the
    # error handler's per-run call stays cheap (a staff view full of Cyrillic names, one
    # per instructor, would take longer to escape than the stdlib takes to encode it)
    if extra <= _ESCAPE_AT_MOST and 5 * extra < len(text):
        return text.encode("ascii", "roleplay-json-escape").decode("ascii")
    return text


class OrjsonCodec:
    """`Packet.json`: the two calls python-socketio's Packet makes."""

    @staticmethod
    def dumps(data: Any, separators: Any = None) -> str:
        try:
            return _compact(orjson.dumps(data))
        except TypeError:  # beyond orjson: the stdlib encoder, as before (ASCII, escaped)
            return json.dumps(_finite(data), separators=(",", ":"))

    @staticmethod
    def loads(text: str) -> Any:
        if isinstance(text, str) and _LONG_DIGITS.search(text) is None:
            try:
                return orjson.loads(text)
            except orjson.JSONDecodeError:
                pass
        try:
            return _mark_surrogates(json.loads(text, parse_int=_int, parse_float=_float,
                                               parse_constant=_constant))
        except RecursionError as e:  # nested deeper than the interpreter's stack
            raise ValueError("packet nested too deeply") from e


class JsonPacket(packet.Packet):  # type: ignore[misc]
    json = OrjsonCodec

    @classmethod
    def data_is_binary(cls, data: Any) -> bool:
        return False
