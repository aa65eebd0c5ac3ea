"""Socket.IO handlers through Flask-SocketIO's test client: authorisation, audiences, secrets."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from roleplay.scenario.model import Scenario
from roleplay.service import GameService
from roleplay.web import socketio
from support.socket_game import Game, socket_game
from support.web import (
    ROLES,
    leaks,
    player_socket,
    received,
)


@pytest.fixture
def game(app: Flask, web_service: GameService, instructor: FlaskClient,
         four_secrets: Scenario) -> Game:
    """Four players at one table, in the briefing phase."""
    return socket_game(app, web_service, instructor, four_secrets, 4)


@pytest.fixture
def two_tables(app: Flask, web_service: GameService, instructor: FlaskClient,
               four_secrets: Scenario) -> Game:
    return socket_game(app, web_service, instructor, four_secrets, 8)


def _to_talks(g: Game) -> None:
    g.teach("advance")


def _to_decision_with_proposal(g: Game) -> int:
    g.teach("advance")
    r = g.send(g.seat(1, "eu"), "propose", {"package": {"rights": "clause", "energy": "joint"}})
    assert r["ok"], r
    g.teach("advance")
    return int(r["seq"][0])


# -- connecting ------------------------------------------------------------------------
@pytest.mark.parametrize("auth", [
    None,
    "token",
    {"kind": "player", "game": "0123456789abcdef", "token": "x" * 32},
    {"kind": "player", "token": "x" * 32},
    {"kind": "wizard"},
])
def test_bad_credentials_are_refused(app: Flask, game: Game, auth: Any) -> None:
    if isinstance(auth, dict) and "game" not in auth and auth.get("kind") == "player":
        auth = {**auth, "game": game.id}
    sock = socketio.test_client(app, auth=auth, flask_test_client=app.test_client())
    assert not sock.is_connected()


def test_instructor_and_projector_need_the_session(app: Flask, game: Game) -> None:
    for kind in ("instructor", "projector"):
        sock = socketio.test_client(app, auth={"kind": kind, "game": game.id},
                                    flask_test_client=app.test_client())
        assert not sock.is_connected()


def test_connect_syncs_only_what_was_missed(app: Flask, game: Game) -> None:
    game.send(0, "chat", {"channel": "official", "text": "first"})
    game.drain()
    seen = max(e["seq"] for n, p in game.log[0] if n == "events" for e in p["events"])
    game.send(1, "chat", {"channel": "official", "text": "second"})
    game.send(1, "chat", {"channel": "official", "text": "third"})
    again = player_socket(app, game.id, game.players[0]["token"], last_seq=seen)
    syncs = received(again, "sync")
    assert len(syncs) == 1
    texts = [e["data"]["text"] for e in syncs[0]["events"]]
    assert texts == ["second", "third"]
    assert syncs[0]["me"]["id"] == game.players[0]["player_id"]
    assert all(e["seq"] > seen for e in syncs[0]["events"])


# -- refused commands change nothing and reach nobody ----------------------------------------
FORBIDDEN = [
    # (role, phase, command, args, code)
    ("civil_society", "briefing", "advance", {}, "forbidden"),
    ("eu", "briefing", "start", {}, "forbidden"),
    ("government", "briefing", "end", {}, "forbidden"),
    ("lobbyist", "briefing", "broadcast", {"text": "I am the teacher"}, "forbidden"),
    ("eu", "briefing", "kick", {"player": "OTHER"}, "forbidden"),
    ("eu", "briefing", "move", {"player": "SELF", "table": 2, "role": "lobbyist"}, "forbidden"),
    ("eu", "briefing", "join", {"player": "p9", "name": "Ghost"}, "forbidden"),
    ("eu", "briefing", "tick", {}, "forbidden"),
    ("eu", "briefing", "explode", {}, "bad_request"),
    ("eu", "briefing", "chat", {"channel": "unofficial", "text": "psst"}, "forbidden"),
    ("lobbyist", "briefing", "chat", {"channel": "official", "text": "psst"}, "forbidden"),
    ("lobbyist", "briefing", "chat", {"channel": "nongov", "text": "psst"}, "forbidden"),
    ("civil_society", "briefing", "chat", {"channel": "official", "text": "psst"}, "forbidden"),
    ("government", "briefing", "chat", {"channel": "nongov", "text": "psst"}, "forbidden"),
    ("eu", "briefing", "chat", {"channel": "nowhere", "text": "psst"}, "bad_request"),
    ("eu", "briefing", "propose", {"package": {"rights": "clause", "energy": "joint"}},
     "wrong_phase"),
    ("civil_society", "talks", "propose", {"package": {"rights": "clause", "energy": "joint"}},
     "forbidden"),
    ("eu", "talks", "act", {"action": "trip"}, "forbidden"),
    ("lobbyist", "talks", "act", {"action": "statement"}, "forbidden"),
    ("civil_society", "decision", "sign", {}, "forbidden"),
    ("lobbyist", "decision", "sign", {"role": "government"}, "forbidden"),
    ("lobbyist", "decision", "refuse", {}, "forbidden"),
    ("eu", "decision", "sign", {"proposal": 1}, "conflict"),
]


@pytest.mark.parametrize(("role", "phase", "name", "args", "code"), FORBIDDEN)
def test_forbidden_commands(game: Game, role: str, phase: str, name: str,
                            args: dict[str, Any], code: str) -> None:
    if phase == "talks":
        _to_talks(game)
    elif phase == "decision":
        _to_decision_with_proposal(game)
    me = game.seat(1, role)
    ids = {p["player_id"] for p in game.players}
    args = {k: (game.players[me]["player_id"] if v == "SELF" else
                next(iter(ids - {game.players[me]["player_id"]})) if v == "OTHER" else v)
            for k, v in args.items()}
    game.drain()
    before = game.service.store.events(game.id)
    reply = game.send(me, name, args)
    assert not reply["ok"]
    assert reply["code"] == code, reply
    assert game.service.store.events(game.id) == before
    for i, s in enumerate(game.socks):
        if i != me:
            assert received(s) == [], f"player {i} heard of a refused command"
    assert received(game.teacher) == []


def test_signing_is_always_for_ones_own_role(game: Game) -> None:
    proposal = _to_decision_with_proposal(game)
    eu = game.seat(1, "eu")
    reply = game.send(eu, "sign", {"proposal": proposal, "role": "government"})
    assert reply["ok"]
    signed = [e for e in game.service.store.events(game.id) if e.type == "signed"]
    assert [e.data["role"] for e in signed] == ["eu"]
    assert game.service.state(game.id).tables[1].outcome == "open"


@pytest.mark.parametrize("payload", [
    "advance",
    ["command", "advance"],
    42,
    None,
    {"name": "chat", "args": {"channel": "official", "text": "x" * 20_000}},
    {"name": "chat", "args": {"channel": "official", "text": "hi",
                              "deep": {"a": {"b": {"c": {"d": {"e": {"f": {}}}}}}}}},
    {"name": "chat", "args": "not an object"},
    {"name": 7},
    {"name": "chat", "args": {"channel": "official", "text": "hi"}, "client_id": "bad id!"},
])
def test_malformed_payloads_get_an_error_and_change_nothing(game: Game, payload: Any) -> None:
    game.drain()
    before = game.service.store.events(game.id)
    game.socks[0].emit("command", payload)
    got = received(game.socks[0])
    assert [n for n, _ in got] == ["error"]
    assert got[0][1]["code"] == "bad_request"
    assert game.service.store.events(game.id) == before
    assert all(received(s) == [] for s in game.socks[1:])


def test_commands_are_rate_limited_per_socket(game: Game) -> None:
    game.drain()
    for _ in range(40):
        game.socks[0].emit("command", {"name": "explode", "args": {}})
    codes = [p["code"] for n, p in received(game.socks[0]) if n == "error"]
    assert codes.count("rate_limited") >= 15
    assert codes[:20] == ["bad_request"] * 20
    reply = game.send(1, "chat", {"channel": "official", "text": "others are not slowed"})
    assert reply["ok"]


def test_a_repeated_client_id_is_stored_once(game: Game) -> None:
    payload = {"name": "chat", "args": {"channel": "official", "text": "once"},
               "client_id": "same-id-123"}
    game.socks[0].emit("command", payload)
    game.socks[0].emit("command", payload)
    acks = received(game.socks[0], "ack")
    assert [len(a["seq"]) for a in acks] == [1, 0]
    assert [e.data.get("text") for e in game.service.store.events(game.id)].count("once") == 1


def test_the_projector_only_watches(app: Flask, game: Game, instructor: FlaskClient) -> None:
    proj = socketio.test_client(app, auth={"kind": "projector", "game": game.id},
                                flask_test_client=instructor)
    sync = received(proj, "sync")[0]
    assert sync["me"] is None and "tables" in sync["view"]
    proj.emit("command", {"name": "advance", "args": {}})
    assert [p["code"] for p in received(proj, "error")] == ["forbidden"]


# -- audiences ---------------------------------------------------------------------------------
def _heard(game: Game, i: int, text: str) -> bool:
    return any(e["data"].get("text") == text for n, p in game.log.get(i, []) if n == "events"
               for e in p["events"]) or any(
        e["data"].get("text") == text for n, p in game.log.get(i, []) if n == "sync"
        for e in p["events"])


def test_tables_and_channels_hear_only_their_own(two_tables: Game) -> None:
    g = two_tables
    lines = {
        (1, "eu", "official"): "t1 official",
        (1, "eu", "nongov"): "t1 nongov",
        (1, "lobbyist", "unofficial"): "t1 unofficial",
        (2, "government", "official"): "t2 official",
        (1, "civil_society", "team"): "t1 cs team",
    }
    for (table, role, channel), text in lines.items():
        assert g.send(g.seat(table, role), "chat", {"channel": channel, "text": text})["ok"]
    g.drain()
    members = {"official": {"eu", "government"}, "nongov": {"eu", "civil_society"},
               "unofficial": {"government", "lobbyist"}}
    for (table, role, channel), text in lines.items():
        allowed = members.get(channel, {role})
        for t in (1, 2):
            for r in ROLES:
                should = t == table and r in allowed
                assert _heard(g, g.seat(t, r), text) == should, (text, t, r)


def test_a_moved_player_hears_the_new_table_only(two_tables: Game) -> None:
    g = two_tables
    mover = g.seat(1, "lobbyist")
    g.teach("move", {"player": g.players[mover]["player_id"], "table": 2, "role": "lobbyist"})
    g.log.clear()
    assert g.send(g.seat(1, "government"), "chat", {"channel": "unofficial", "text": "old"})["ok"]
    # the mover is now the second lobbyist at table 2: seat() finds the first, so address by id
    g.drain()
    assert not _heard(g, mover, "old")
    assert g.send(g.seat(2, "government"), "chat", {"channel": "unofficial", "text": "new"})["ok"]
    g.drain()
    assert _heard(g, mover, "new")


def test_a_kicked_player_is_disconnected_and_cannot_return(app: Flask, game: Game) -> None:
    victim = game.seat(1, "lobbyist")
    game.teach("kick", {"player": game.players[victim]["player_id"]})
    assert not game.socks[victim].is_connected()
    assert game.service.authenticate(game.id, game.players[victim]["token"]) is None
    again = player_socket(app, game.id, game.players[victim]["token"])
    assert not again.is_connected()


def test_no_student_ever_receives_another_roles_secrets(app: Flask, game: Game,
                                                        instructor: FlaskClient) -> None:
    g = game
    proj = socketio.test_client(app, auth={"kind": "projector", "game": g.id},
                                flask_test_client=instructor)
    seat = {r: g.seat(1, r) for r in ROLES}
    for r in ROLES:
        for channel in ("official", "nongov", "unofficial", "team"):
            g.send(seat[r], "chat", {"channel": channel, "text": f"{r} says hello"})
    _to_talks(g)
    assert g.send(seat["lobbyist"], "act", {"action": "trip"})["ok"]
    assert g.send(seat["civil_society"], "act", {"action": "shadow"})["ok"]
    assert g.send(seat["eu"], "act", {"action": "statement"})["ok"]
    assert g.send(seat["eu"], "propose",
                  {"package": {"rights": "clause", "energy": "joint"}})["ok"]
    assert g.send(seat["government"], "propose",
                  {"package": {"rights": "none", "energy": "joint"}})["ok"]
    assert g.send(seat["eu"], "link", {"issue": "energy", "requires": "rights.clause"})["ok"]
    g.teach("advance")
    assert g.send(seat["government"], "refuse")["ok"]
    g.teach("advance")
    g.teach("release_results")
    g.teach("end")
    for i in seat.values():  # a reconnect's sync carries the whole visible log
        g.log[i].extend(received(player_socket(app, g.id, g.players[i]["token"])))
    for r, i in seat.items():
        payloads = g.log[i]
        assert len(payloads) > 20
        assert leaks(payloads, r) == [], r
        own = leaks(payloads, None)
        assert own, f"{r} never saw its own confidential briefing"
    projector_payloads = received(proj)
    assert projector_payloads and leaks(projector_payloads, None) == []


def test_a_refusal_is_the_views_reason_as_a_catalog_message(game: Game) -> None:
    _to_talks(game)
    lobbyist = game.seat(1, "lobbyist")
    view = game.service.view(game.id, game.players[lobbyist]["player_id"])
    reply = game.send(lobbyist, "propose", {"package": {"rights": "clause", "energy": "joint"}})
    assert not reply["ok"]
    said = {k: reply[k] for k in ("code", "msg", "args", "message")}
    assert said == view["can"]["propose"]["reason"]
    assert said["msg"] == ("Only signatories put packages on the table; suggest yours to one "
                           "of them instead.") and said["args"] == {}
    # one with arguments: the text is the msgid with them filled in
    reply = game.send(lobbyist, "nonsense")
    assert reply["msg"] == "Unknown command %(command)s." and reply["args"] == {
        "command": "'nonsense'"}
    assert reply["message"] == "Unknown command 'nonsense'."


def test_the_rate_limit_answer_is_a_catalog_message(game: Game) -> None:
    game.drain()
    for _ in range(40):
        game.socks[0].emit("command", {"name": "explode", "args": {}})
    limited = [p for n, p in received(game.socks[0]) if n == "error" and p["code"] == "rate_limited"]
    assert limited and all(p["msg"] == "Too many messages; wait a moment." and p["args"] == {}
                           and p["message"] == p["msg"] for p in limited)


def test_http_errors_carry_the_catalog_message(app: Flask, game: Game) -> None:
    web_client = app.test_client()
    r = web_client.post("/api/join", json={"code": game.code, "name": "x" * 500})
    err = r.get_json()["error"]
    assert err["msg"] == "Please use a name of at most %(max)s characters." and err["args"]
    assert err["message"] == err["msg"] % err["args"]
    r = web_client.post("/api/join", json={"nope": 1})
    assert r.get_json()["error"] == {"code": "bad_request", "msg": "Send {code, name} as JSON.",
                                     "args": {}, "message": "Send {code, name} as JSON."}
    r = web_client.get("/api/no-such-thing")
    assert r.status_code == 404 and set(r.get_json()["error"]) == {"code", "msg", "args",
                                                                    "message"}


def test_a_refusal_is_told_in_the_readers_language(app: Flask) -> None:
    from roleplay.web.reasons import payload

    msg, args = "You cannot sign during %(phase)s.", {"phase": "Talks"}
    with app.test_request_context("/socket.io/", headers={"Accept-Language": "ru"}):
        got = payload(msg, args)
    assert got == {"msg": msg, "args": args,
                   "message": "Во время этапа «Talks» подписывать нельзя."}
    with app.test_request_context("/socket.io/", headers={"Accept-Language": "az"}):
        assert payload(msg, args)["message"] == "«Talks» mərhələsində imzalamaq olmaz."
    with app.test_request_context("/socket.io/"):
        assert payload(msg, args)["message"] == "You cannot sign during Talks."
