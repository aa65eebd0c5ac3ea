"""The Socket.IO packets' JSON (roleplay/web/packets.py): orjson, and where it differs."""

from __future__ import annotations

import contextlib
import json
import random
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from roleplay.bots import InstructorBot, PlayerBot, close_all
from roleplay.scenario.loader import parse_scenario
from roleplay.scenario.model import Scenario
from roleplay.scenario.resolve import resolve_source
from roleplay.service import GameService
from roleplay.web import socketio
from roleplay.web.packets import NOT_JSON, JsonPacket, OrjsonCodec
from support.web import (
    FOUR_ROLES_YAML,
    PASSWORD,
    ServerProcess,
    instructor_socket,
    player_socket,
    received,
    running_server,
)


def _old(data: Any) -> str:
    """What python-socketio's own Packet wrote before (the stdlib, ASCII, NaN as NaN)."""
    return json.dumps(data, separators=(",", ":"))


# -- out ----------------------------------------------------------------------------------
@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, str]]:
    """Every payload the server encodes, with what the new codec wrote for it."""
    got: list[tuple[Any, str]] = []
    real = OrjsonCodec.dumps

    def dumps(data: Any, separators: Any = None) -> str:
        out = real(data, separators)
        got.append((data, out))
        return out

    monkeypatch.setattr(OrjsonCodec, "dumps", staticmethod(dumps))
    return got


def test_real_views_mean_what_the_stdlib_wrote_and_russian_is_not_escaped(
        app: Flask, web_service: GameService, instructor: FlaskClient,
        recorded: list[tuple[Any, str]]) -> None:
    sc = resolve_source("builtin:association-agreement")
    assert isinstance(sc, Scenario)
    state = web_service.create_game(sc, seed=3)
    gid, code = state.setup.game_id, state.setup.code
    joined = [web_service.join(code, f"Игрок {i}" if i % 2 else f"Player {i}",
                               "ru" if i % 2 else "en") for i in range(8)]
    teacher = instructor_socket(app, gid, instructor)
    web_service.execute(gid, _instructor(), "start")
    web_service.execute(gid, _instructor(), "advance")
    socks = [player_socket(app, gid, j.token) for j in joined]
    teacher.emit("command", {"name": "chat", "args": {"channel": "official", "text": "привет"},
                             "client_id": "teacher-0001"})
    socks[1].emit("sync", {"last_seq": 0})
    events = {n for s in (teacher, *socks) for n, _ in received(s)}
    assert {"sync"} <= events
    syncs = [(d, out) for d, out in recorded if isinstance(d, list) and d[0] == "sync"]
    assert len(syncs) >= 10  # a sync per socket: the instructor's and each seat's, en and ru
    for data, out in recorded:
        old = _old(data)
        assert json.loads(out.encode("utf-8").decode("utf-8")) == json.loads(old)
    ru = [(d, out) for d, out in syncs if (d[1].get("me") or {}).get("language") == "ru"]
    en = [(d, out) for d, out in syncs if (d[1].get("me") or {}).get("language") == "en"]
    assert ru and en
    for data, out in ru:  # UTF-8 on the wire: Cyrillic no longer six bytes a letter
        assert "\\u04" not in out and "\\u04" in _old(data)
        assert len(out.encode("utf-8")) < len(_old(data)) * 0.6
    for _, out in en:  # one byte a character in memory: its few minus signs escaped
        assert out.isascii()
    staff = [d for d, _ in syncs if "tables" in d[1].get("view", {}) and d[1].get("me") is None]
    assert staff, "the instructor's sync"


def _instructor() -> Any:
    from roleplay.engine.commands import INSTRUCTOR_ACTOR

    return INSTRUCTOR_ACTOR


def test_views_are_written_by_orjson_not_the_fallback(
        app: Flask, web_service: GameService, instructor: FlaskClient,
        monkeypatch: pytest.MonkeyPatch, four_secrets: Scenario) -> None:
    fell_back: list[Any] = []
    real = json.dumps

    def spy(data: Any, *a: Any, **k: Any) -> str:
        fell_back.append(data)
        return real(data, *a, **k)

    monkeypatch.setattr("roleplay.web.packets.json.dumps", spy)
    state = web_service.create_game(four_secrets, seed=3)
    j = web_service.join(state.setup.code, "P", "ru")
    teacher = instructor_socket(app, state.setup.game_id, instructor)
    sock = player_socket(app, state.setup.game_id, j.token)
    assert received(teacher) and received(sock)
    assert [d for d in fell_back if isinstance(d, list)] == []


@pytest.mark.parametrize(("data", "meant"), [
    ({"x": float("nan"), "y": float("inf"), "z": -float("inf")}, {"x": None, "y": None, "z": None}),
    ({"t": (1, 2.5, "a")}, {"t": [1, 2.5, "a"]}),
    ({2: "a", True: "b", None: "c"}, {"2": "a", "true": "b", "null": "c"}),  # as the stdlib
    ({"big": 2**70, "nan": float("nan")}, {"big": 2**70, "nan": None}),
    ({"max": 2**64 - 1, "min": -(2**63)}, {"max": 2**64 - 1, "min": -(2**63)}),
    ({"f": [0.1, 1e16, 1e-7, 123456789.125, -0.0]}, {"f": [0.1, 1e16, 1e-7, 123456789.125, -0.0]}),
    (["ev", {"s": "a\ud800b"}], ["ev", {"s": "a\ud800b"}]),  # lone surrogate: escaped, ASCII
])
def test_the_encoder_writes_valid_utf8_json(data: Any, meant: Any) -> None:
    out = OrjsonCodec.dumps(data, separators=(",", ":"))
    assert json.loads(out.encode("utf-8")) == meant  # encodable as UTF-8, strict JSON
    assert "NaN" not in out and "Infinity" not in out


def test_a_mostly_ascii_text_is_escaped_to_stay_one_byte_a_character() -> None:
    """A str is as wide as its widest character: one minus sign (U+2212) made a whole
    English view two bytes a character in memory. Mostly ASCII: the few others escaped
    (BMP, Latin-1 and beyond the BMP alike, as valid JSON); mostly Cyrillic: UTF-8."""
    english = {"points": "EU points \u22121", "name": "Zoë 😀", "body": "a" * 400}
    out = OrjsonCodec.dumps(["update", english])
    assert out.isascii() and json.loads(out) == ["update", english]
    assert "\\u2212" in out and "\\u00eb" in out and "\\ud83d\\ude00" in out
    russian = {"text": "Правительство Азербайджана подписывает соглашение \u22121"}
    out = OrjsonCodec.dumps(["update", russian])
    assert "Правительство" in out and json.loads(out) == ["update", russian]


def test_a_packet_is_the_same_frame_but_for_the_json() -> None:
    pkt = JsonPacket(data=["update", {"t": "Привет, правительство", "n": [1, 2]}], id=7)
    assert pkt.encode() == '27["update",{"t":"Привет, правительство","n":[1,2]}]'


# -- in -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "read"), [
    ('{"n":NaN}', {"n": NOT_JSON}),
    ('{"n":Infinity,"m":-Infinity}', {"n": NOT_JSON, "m": NOT_JSON}),
    ('{"n":1e400}', {"n": NOT_JSON}),
    ('{"n":123456789012345678901234567890}', {"n": NOT_JSON}),
    ('{"n":-9223372036854775809}', {"n": NOT_JSON}),
    ('{"n":' + "9" * 150 + "}", {"n": NOT_JSON}),
    ('["\\ud800"]', [NOT_JSON]),
    ('{"\\udfff":1}', {NOT_JSON: 1}),
    ('{"n":18446744073709551615,"m":-9223372036854775808}',
     {"n": 18446744073709551615, "m": -9223372036854775808}),
    ('{"text":"call 123456789012345678901234567890","n":1.5}',
     {"text": "call 123456789012345678901234567890", "n": 1.5}),
    ('{"t":"\\ud83d\\ude00 привет","n":[1,2.5,null,true]}', {"t": "😀 привет", "n": [1, 2.5, None, True]}),
])
def test_the_decoder_marks_what_is_not_plain_json(text: str, read: Any) -> None:
    assert OrjsonCodec.loads(text) == read


@pytest.mark.parametrize("text", ['{"n":', "[1,]", "{'a':1}", "[" * 5000 + "]" * 5000, "\x00"])
def test_text_no_parser_reads_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        OrjsonCodec.loads(text)


@pytest.mark.parametrize("frame", [
    '2["command",{"name":"chat","args":{"channel":"official","text":"hi","n":1e400},'
    '"client_id":"big-float-01"}]',
    '2["command",{"name":"chat","args":{"channel":"official","text":"hi",'
    '"n":123456789012345678901234567890},"client_id":"big-int-0001"}]',
    '2["command",{"name":"chat","args":{"channel":"official","text":"hi","n":NaN},'
    '"client_id":"nan-00000001"}]',
    '2["command",{"name":"chat","args":{"channel":"official","text":"\\ud800"},'
    '"client_id":"surrogate-01"}]',
    '2["command",{"name":"propose","args":{"package":{"rights":"clause","energy":"joint"}},'
    '"n":Infinity,"client_id":"infinity-001"}]',
    '2["command",NaN]',
    '2["sync",{"last_seq":1e400}]',
])
def test_a_frame_with_what_is_not_plain_json_is_a_bad_request(
        app: Flask, web_service: GameService, instructor: FlaskClient, four_secrets: Scenario,
        frame: str) -> None:
    state = web_service.create_game(four_secrets, seed=3)
    gid = state.setup.game_id
    j = web_service.join(state.setup.code, "P")
    web_service.execute(gid, _instructor(), "start")
    web_service.execute(gid, _instructor(), "advance")
    sock = player_socket(app, gid, j.token)
    other = player_socket(app, gid, web_service.join(state.setup.code, "Q").token)
    received(sock), received(other)
    before = web_service.store.events(gid)
    socketio.server._handle_eio_message(sock.eio_sid, frame)  # the frame as the wire brings it
    got = received(sock)
    assert [n for n, _ in got] == ["error"], got
    assert got[0][1]["code"] == "bad_request"
    assert "Traceback" not in got[0][1]["message"]
    assert web_service.store.events(gid) == before
    assert received(other) == []
    sock.emit("command", {"name": "chat", "args": {"channel": "official", "text": "fine"},
                          "client_id": "afterwards-1"})
    after = received(sock)
    assert [n for n, _ in after][-1] == "ack", after


# -- the same on a running server (eventlet, a raw WebSocket) ------------------------------
@pytest.fixture(scope="module")
def eventlet_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with running_server(tmp_path_factory.mktemp("json"), "eventlet") as s:
        yield s


@pytest.mark.server
def test_a_running_server_refuses_big_numbers_as_bad_requests(eventlet_server: ServerProcess) -> None:
    """What the stdlib read before (a number beyond a double, a 30-digit int, NaN) and
    orjson would not (or would read as an inexact float): `bad_request`, then the socket
    goes on, and the server logs no traceback."""
    import websocket

    mark = eventlet_server.log.stat().st_size if eventlet_server.log.exists() else 0
    teacher = InstructorBot(eventlet_server.url, PASSWORD)
    teacher.login()
    code = teacher.create_game(teacher.upload(parse_scenario(FOUR_ROLES_YAML, "four.yaml")), seed=2)["code"]
    teacher.connect()
    bot = PlayerBot(eventlet_server.url, "P", random.Random(1))
    bot.join(code)
    bot.connect()
    ws = None
    try:
        assert teacher.command("start")["ok"] and teacher.command("advance")["ok"]
        ws = websocket.create_connection(
            f"ws://127.0.0.1:{eventlet_server.port}/socket.io/?EIO=4&transport=websocket",
            timeout=30, suppress_origin=True)
        assert ws.recv().startswith("0{")
        ws.send("40" + json.dumps(bot.auth()))
        while not ws.recv().startswith("40"):
            pass
        chat = '42["command",{{"name":"chat","client_id":"{cid}","args":{{"channel":"official",' \
               '"text":"hi","n":{n}}}}}]'
        for cid, n in [("float-1e400", "1e400"), ("int-30-digit", "1" * 30), ("nan-literal", "NaN"),
                       ("int-150-digit", "9" * 150), ("fine-number", "7")]:
            ws.send(chat.format(cid=cid, n=n))
            while True:
                msg = ws.recv()
                if msg == "2":  # Engine.IO's ping
                    ws.send("3")
                    continue
                if cid in msg:
                    break
            name, reply = json.loads(msg[2:])
            if cid == "fine-number":
                assert name == "ack", reply
            else:
                assert (name, reply["code"]) == ("error", "bad_request"), reply
                assert "Traceback" not in reply["message"]
        log = eventlet_server.log.read_bytes()[mark:].decode(errors="replace")
        assert "Traceback" not in log
    finally:
        if ws is not None:
            with contextlib.suppress(Exception):
                ws.close()
        close_all([teacher, bot])
