"""A student who comes back is the same student (docs/security.md, "Identity").

The rule: joining again with the game's code and the same name (case, accents and
look-alike letters aside) gives back that name's seat while its player is offline; the
same name while its player is online is refused with a message; the instructor can hand
a seat to a name, or merge two players. A moved student is told where they now sit.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio as sio
from flask import Flask
from flask.testing import FlaskClient

from roleplay.engine.commands import INSTRUCTOR_ACTOR, SYSTEM_ACTOR, returning_seat
from roleplay.engine.errors import RuleError
from roleplay.engine.names import name_key
from roleplay.scenario.model import Scenario
from roleplay.service import GameService
from support.engine_game import Game
from support.web import PASSWORD, instructor_socket, join, player_socket, received, running_server


@pytest.mark.parametrize(("a", "b"), [("Tom", "tóm"), ("Tom", "TOM."), ("Tom", "Тоm"),
                                      ("Zoë Lee", "zoe  lee"), ("Tom B", "Tom-B"),
                                      ("Ｔｏｍ", "tom")])
def test_names_differing_in_case_accents_or_script_are_one_name(a: str, b: str) -> None:
    assert name_key(a) == name_key(b)


@pytest.mark.parametrize(("a", "b"), [("Tom", "Tim"), ("Tom", "Tom B"), ("Team 1", "Team i")])
def test_different_names_stay_different(a: str, b: str) -> None:
    assert name_key(a) != name_key(b)


# -- the rule, in the engine ----------------------------------------------------------------
@pytest.fixture
def started(four_roles: Scenario) -> Game:
    g = Game(four_roles)
    for i, name in enumerate(["Tom", "Ann", "Eve", "Bob"]):
        g.do(SYSTEM_ACTOR, "join", player=f"p{i}", name=name)
    g.do(INSTRUCTOR_ACTOR, "start")
    return g


def test_an_offline_seat_goes_back_to_its_name(started: Game) -> None:
    s = started.state
    assert returning_seat(s, "tóm", online={"p1"}).id == "p0"  # type: ignore[union-attr]
    assert returning_seat(s, "Zed", online=set()) is None
    with pytest.raises(RuleError) as info:
        returning_seat(s, "TOM", online={"p0"})
    err = info.value
    assert err.code == "conflict" and "Someone called Tom is playing" in err.message
    events = started.do(SYSTEM_ACTOR, "reclaim", player="p0", name="tóm")
    assert [e.type for e in events] == ["seat_reclaimed", "seat_notice"]
    tom = started.state.players["p0"]
    assert tom.name == "Tom" and (tom.table, tom.role) == (1, "eu")
    assert events[1].audience.player == "p0"
    assert events[1].data["text"] == "Welcome back, Tom: this is your seat, table 1, as European Union."
    assert tom.notice == (events[1].seq, events[1].data["text"], events[1].data["message"])


def test_a_seat_back_in_the_lobby_says_when_it_comes(four_roles: Scenario) -> None:
    g = Game(four_roles)
    g.do(SYSTEM_ACTOR, "join", player="p0", name="Tom")
    events = g.do(SYSTEM_ACTOR, "reclaim", player="p0", name="TOM")
    assert events[-1].data["text"] == "Welcome back, Tom: you get a seat when the game starts."


def test_another_name_cannot_reclaim_a_seat(started: Game) -> None:
    assert started.refused(SYSTEM_ACTOR, "reclaim", player="p0", name="Ann").code == "forbidden"
    assert started.refused("p0", "reclaim", player="p0", name="Tom").code == "forbidden"


def test_duplicates_are_refused_and_a_removed_name_stays_out(started: Game) -> None:
    err = started.refused(SYSTEM_ACTOR, "join", player="x", name="ÁNN")
    assert err.code == "conflict" and "add your initial" in err.message
    started.do(INSTRUCTOR_ACTOR, "kick", player="p3")
    assert returning_seat(started.state, "bob", online=set()) is None
    err = started.refused(SYSTEM_ACTOR, "join", player="x", name="bob")
    assert err.code == "forbidden" and "removed" in err.message
    # the instructor lets Bob back: a seat handed to his name
    started.do(INSTRUCTOR_ACTOR, "hand", player="p2", name="Bob")
    seat = returning_seat(started.state, "BOB", online=set())
    assert seat is not None and seat.id == "p2"
    started.do(SYSTEM_ACTOR, "reclaim", player="p2", name="Bob")
    assert started.state.players["p2"].name == "Bob"
    again = returning_seat(started.state, "bob", online=set())  # his own seat, not the removed one
    assert again is not None and again.id == "p2"


def test_a_handed_seat_goes_to_the_name_even_while_its_player_is_online(started: Game) -> None:
    assert started.refused(INSTRUCTOR_ACTOR, "hand", player="p0", name="ann").code == "conflict"
    started.do(INSTRUCTOR_ACTOR, "hand", player="p0", name="Thomas")
    assert started.state.players["p0"].handed_to == "thomas"
    assert returning_seat(started.state, "THOMAS", online={"p0"}).id == "p0"  # type: ignore[union-attr]
    events = started.do(SYSTEM_ACTOR, "reclaim", player="p0", name="Thomas")
    p = started.state.players["p0"]
    assert p.name == "Thomas" and p.handed_to is None and p.table == 1
    assert "Your instructor gave you this seat: table 1, as European Union." in events[-1].data["text"]


def test_merging_gives_one_device_the_other_seat(started: Game) -> None:
    started.do(SYSTEM_ACTOR, "join", player="p4", name="Thomas")  # Tom again, under another name
    p4 = started.state.players["p4"]
    assert p4.table is not None
    assert started.refused(INSTRUCTOR_ACTOR, "merge", keep="p0", absorb="p0").code == "bad_request"
    assert started.refused(INSTRUCTOR_ACTOR, "merge", keep="p0", absorb="zz").code == "not_found"
    events = started.do(INSTRUCTOR_ACTOR, "merge", keep="p0", absorb="p4")
    assert [e.type for e in events] == ["players_merged", "seat_notice"]
    s = started.state
    assert s.players["p4"].kicked and s.players["p4"].merged_into == "p0"
    assert (s.players["p0"].table, s.players["p0"].role) == (1, "eu")
    assert "p4" not in {p.id for p in s.seat_players(p4.table, p4.role or "")}
    assert events[1].audience.player == "p0"
    assert events[1].data["text"] == ("Your instructor gave you Tom's seat: you now sit at "
                                      "table 1, as European Union.")
    # the merged player's name is free again, Tom's is not
    started.do(SYSTEM_ACTOR, "join", player="p5", name="Thomas")
    assert started.refused(SYSTEM_ACTOR, "join", player="p6", name="tom").code == "conflict"


def test_a_moved_student_is_told_where_they_now_sit(started: Game) -> None:
    events = started.do(INSTRUCTOR_ACTOR, "move", player="p1", table=2, role="government")
    assert [e.type for e in events] == ["seat_assigned", "seat_notice"]
    assert events[1].audience.player == "p1"
    assert events[1].data["text"] == ("Your instructor moved you: you now sit at table 2, as "
                                      "Government of Azerbaijan (before: table 1, Government of Azerbaijan).")


# -- through the web layer -------------------------------------------------------------------
def _queued(sock: Any, name: str) -> list[Any]:
    """What a test client received before the server closed it (get_received refuses then)."""
    return [m["args"][0] for m in sock.queue if m["name"] == name]


def _api_join(c: FlaskClient, code: str, name: str) -> Any:
    return c.post("/api/join", json={"code": code, "name": name})


def test_rejoining_with_the_same_name_gets_the_same_seat(
        app: Flask, web_service: GameService, four_secrets: Scenario,
        instructor: FlaskClient) -> None:
    state = web_service.create_game(four_secrets)
    gid, code = state.setup.game_id, state.setup.code
    first = join(app.test_client(), code, "Tom")
    others = [join(app.test_client(), code, n) for n in ("Ann", "Eve", "Bob")]
    teacher = instructor_socket(app, gid, instructor)
    teacher.emit("command", {"name": "start", "client_id": "start-0001"})
    seat = web_service.state(gid).players[first["player_id"]]
    sock = player_socket(app, gid, first["token"])
    assert sock.is_connected()
    r = _api_join(app.test_client(), code, "tom")  # a second phone while the first is online
    assert r.status_code == 409
    assert "Someone called Tom is playing in this game right now" in r.get_json()["error"]["message"]
    page = app.test_client().post("/join", data={"code": code, "name": "TÓM"})
    assert page.status_code == 409 and "Someone called Tom" in page.get_data(as_text=True)
    sock.disconnect()  # the phone's session is lost
    back = _api_join(app.test_client(), code, "tóm").get_json()  # a fresh browser
    assert back["player_id"] == first["player_id"] and back["reclaimed"] is True
    assert web_service.authenticate(gid, first["token"]) is None  # the old key is void
    again = player_socket(app, gid, back["token"])
    sync = received(again, "sync")[0]
    assert (sync["me"]["table"], sync["me"]["role"]) == (seat.table, seat.role)
    assert sync["me"]["notice"]["text"].startswith("Welcome back, Tom: this is your seat, table 1")
    assert len(web_service.state(gid).players) == 1 + len(others)
    log = [m for name, m in received(teacher) if name == "events"]
    assert any(e["type"] == "seat_reclaimed" for m in log for e in m["events"])


def test_the_instructor_hands_a_seat_and_the_old_device_is_told(
        app: Flask, web_service: GameService, four_secrets: Scenario,
        instructor: FlaskClient) -> None:
    state = web_service.create_game(four_secrets)
    gid, code = state.setup.game_id, state.setup.code
    tom = join(app.test_client(), code, "Tom")
    ghost = player_socket(app, gid, tom["token"])  # a forgotten tab keeps the seat online
    teacher = instructor_socket(app, gid, instructor)
    teacher.emit("command", {"name": "hand", "args": {"player": tom["player_id"],
                                                      "name": "Tom Brown"},
                             "client_id": "hand-00001"})
    assert received(teacher, "ack")
    back = _api_join(app.test_client(), code, "tom brown").get_json()
    assert back["player_id"] == tom["player_id"]
    assert _queued(ghost, "kicked")[0]["message"] == "Your seat was opened on another device or browser."
    assert not ghost.is_connected()
    assert web_service.state(gid).players[tom["player_id"]].name == "tom brown"


def test_a_merge_sends_the_device_to_the_kept_seat(
        app: Flask, web_service: GameService, four_secrets: Scenario,
        instructor: FlaskClient) -> None:
    state = web_service.create_game(four_secrets)
    gid, code = state.setup.game_id, state.setup.code
    tom = join(app.test_client(), code, "Tom")
    thomas = join(app.test_client(), code, "Thomas")
    sock = player_socket(app, gid, thomas["token"])
    old_tab = player_socket(app, gid, tom["token"])  # Tom's first tab, still open
    teacher = instructor_socket(app, gid, instructor)
    teacher.emit("command", {"name": "merge", "args": {"keep": tom["player_id"],
                                                       "absorb": thomas["player_id"]},
                             "client_id": "merge-0001"})
    assert _queued(sock, "reseated")[0]["message"] == "You now play Tom's seat."
    assert not sock.is_connected()
    assert _queued(old_tab, "kicked")[0]["message"] == "Your seat was opened on another device or browser."
    assert not old_tab.is_connected()
    assert web_service.authenticate(gid, thomas["token"]) == tom["player_id"]
    assert web_service.authenticate(gid, tom["token"]) is None
    again = player_socket(app, gid, thomas["token"])
    sync = received(again, "sync")[0]
    assert sync["me"]["id"] == tom["player_id"] and sync["me"]["name"] == "Tom"
    view = received(teacher, "view") or received(instructor_socket(app, gid, instructor), "sync")
    players = {p["id"]: p for p in view[-1]["view"]["players"]}
    assert players[thomas["player_id"]]["merged_into"] == tom["player_id"]


def test_a_moved_student_hears_where_they_sit(app: Flask, web_service: GameService,
                                              four_secrets: Scenario,
                                              instructor: FlaskClient) -> None:
    state = web_service.create_game(four_secrets)
    gid, code = state.setup.game_id, state.setup.code
    players = [join(app.test_client(), code, f"Student {i}") for i in range(5)]
    socks = [player_socket(app, gid, p["token"]) for p in players]
    teacher = instructor_socket(app, gid, instructor)
    teacher.emit("command", {"name": "start", "client_id": "start-0001"})
    mover = players[0]["player_id"]
    for s in socks:
        s.get_received()
    teacher.emit("command", {"name": "move", "args": {"player": mover, "table": 1,
                                                      "role": "lobbyist"},
                             "client_id": "move-00001"})
    notices = [e for m in received(socks[0], "events") for e in m["events"]
               if e["type"] == "seat_notice"]
    assert [n["data"]["text"] for n in notices] == [
        "Your instructor moved you: you now sit at table 1, as Lobbyist "
        "(before: table 1, European Union)."]
    heard = [e for s in socks[1:] for m in received(s, "events") for e in m["events"]]
    assert not any(e["type"] == "seat_notice" for e in heard)


# -- against a real server --------------------------------------------------------------------
@pytest.mark.timeout(120)
def test_a_real_server_gives_a_fresh_browser_its_seat_back(tmp_path: Path) -> None:
    with running_server(tmp_path, "eventlet") as srv:
        http = requests.Session()
        assert http.post(f"{srv.url}/api/login", json={"password": PASSWORD}).ok
        made = http.post(f"{srv.url}/api/games", json={"ref": "builtin:association-agreement"})
        gid, code = made.json()["game_id"], made.json()["code"]
        tom = requests.post(f"{srv.url}/api/join", json={"code": code, "name": "Tom"}).json()
        phone = sio.Client(reconnection=False)
        phone.connect(srv.url, auth={"kind": "player", "game": gid, "token": tom["token"]},
                      transports=["websocket"], wait_timeout=10)
        busy = requests.post(f"{srv.url}/api/join", json={"code": code, "name": "TOM"})
        assert busy.status_code == 409
        phone.disconnect()
        for _ in range(100):  # until the server has seen the socket close
            r = requests.post(f"{srv.url}/api/join", json={"code": code, "name": "tóm"})
            if r.status_code != 409:
                break
            time.sleep(0.1)
        back = r.json()
        assert back["player_id"] == tom["player_id"] and back["reclaimed"] is True
        refused = sio.Client(reconnection=False)
        with pytest.raises(sio.exceptions.ConnectionError):
            refused.connect(srv.url, auth={"kind": "player", "game": gid, "token": tom["token"]},
                            transports=["websocket"], wait_timeout=10)
