"""Threat model (docs/security.md), the socket layer through Flask-SocketIO's test client.

Threats 2, 3, 4 (sockets), 5, 11, 13, 14 and 15 (database down). The real-server
side (origin, oversized frames, flooding, SIGKILL, load) is in
test_security_server.py.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from roleplay.engine.commands import Actor, command_names
from roleplay.scenario.model import Scenario
from roleplay.service import GameService
from roleplay.storage.db import make_engine
from roleplay.storage.eventstore import EventStore
from roleplay.storage.tables import PlayerTokenRow
from roleplay.web import socketio
from roleplay.web.sockets import FLOOD_DISCONNECT
from support import web
from support.socket_game import Game, socket_game
from support.web import ROLES, join, leaks, player_socket, received

CIDS = iter(f"sec-{i:08d}" for i in range(10**7))


@pytest.fixture
def game(app: Flask, web_service: GameService, instructor: FlaskClient,
         four_secrets: Scenario) -> Game:
    return socket_game(app, web_service, instructor, four_secrets, 4)


def _projector(app: Flask, g: Game, instructor: FlaskClient) -> Any:
    return socketio.test_client(app, auth={"kind": "projector", "game": g.id},
                                flask_test_client=instructor)


def _quiet(g: Game, *others: Any, but: Any = None) -> None:
    """Nobody except `but` heard anything."""
    for s in [*g.socks, g.teacher, *others]:
        if s is not but and s.is_connected():
            assert received(s) == [], "a refused or failed command reached another client"


# -- 2. unauthenticated or forged sockets ---------------------------------------------
def _garbage_auths(g: Game) -> list[Any]:
    token = g.players[0]["token"]
    return [
        None, "", 42, [], {"kind": "player"},
        {"kind": "player", "game": g.id},
        {"kind": "player", "game": g.id, "token": None},
        {"kind": "player", "game": g.id, "token": ""},
        {"kind": "player", "game": g.id, "token": "x" * 32},  # forged
        {"kind": "player", "game": g.id, "token": token[:-1] + ("A" if token[-1] != "A" else "B")},
        {"kind": "player", "game": g.id, "token": token * 20},  # over-long
        {"kind": "player", "game": g.id, "token": {"$ne": ""}},
        {"kind": "player", "game": "f" * 16, "token": token},  # right token, wrong game
        {"kind": "player", "game": "../../etc", "token": token},
        {"kind": "instructor", "game": g.id},  # no session cookie
        {"kind": "projector", "game": g.id},
        {"kind": "admin", "game": g.id, "token": token},
    ]


def test_no_garbage_or_forged_credentials_connect_and_nothing_is_received(game: Game) -> None:
    game.drain()
    for auth in _garbage_auths(game):
        sock = socketio.test_client(game.app, auth=auth, flask_test_client=game.app.test_client())
        assert not sock.is_connected(), auth
        assert sock.queue == [], auth  # refused before any sync
    # ... and an expired one: a kicked player's token (threat 5 too)
    victim = game.seat(1, "lobbyist")
    game.teach("kick", {"player": game.players[victim]["player_id"]})
    again = player_socket(game.app, game.id, game.players[victim]["token"])
    assert not again.is_connected()
    assert again.queue == []


def _token_row_revoked(g: Game, player_id: str, revoked: bool) -> None:
    """Set the stored token's revoked flag directly, as a lost or a stray revocation would."""
    with Session(g.service.store.engine) as s:
        row = s.get(PlayerTokenRow, (g.id, player_id))
        assert row is not None
        row.revoked = revoked
        s.add(row)
        s.commit()


def test_a_revoked_token_alone_keeps_its_seated_player_out(game: Game) -> None:
    """The first of the two layers on its own (threat 5): the token's hash revoked, the player
    not kicked (a seat handed on, a logout of the seat), and the socket is refused."""
    victim = game.seat(1, "lobbyist")
    pid, token = game.players[victim]["player_id"], game.players[victim]["token"]
    assert game.service.authenticate(game.id, token) == pid
    _token_row_revoked(game, pid, True)
    assert not game.service.state(game.id).players[pid].kicked
    assert game.service.authenticate(game.id, token) is None
    again = player_socket(game.app, game.id, token)
    assert not again.is_connected()
    assert again.queue == []


def test_a_kick_alone_keeps_the_player_out_when_its_token_was_not_revoked(game: Game) -> None:
    """The second layer on its own (threat 5): the engine's kicked flag refuses the socket
    even with the token's row unrevoked (a revocation lost between two workers, or undone)."""
    victim = game.seat(1, "lobbyist")
    pid, token = game.players[victim]["player_id"], game.players[victim]["token"]
    game.teach("kick", {"player": pid})
    _token_row_revoked(game, pid, False)
    assert game.service.state(game.id).players[pid].kicked
    assert game.service.authenticate(game.id, token) is None
    again = player_socket(game.app, game.id, token)
    assert not again.is_connected()
    assert again.queue == []


def test_a_flooder_coming_back_is_refused_before_its_key_is_looked_up(
        game: Game, monkeypatch: pytest.MonkeyPatch) -> None:
    """A seat thrown out for flooding is refused by its key's hash for 10 s, before the
    database is asked whose key it is: a script reconnecting in a loop with it would
    otherwise cost a query and a state catch-up per try (bench/attack.py, signed-in flood)."""
    flooder, token = game.socks[0], game.players[0]["token"]
    for _ in range(FLOOD_DISCONNECT + 40):
        if not flooder.is_connected():
            break
        flooder.emit("command", {"name": "explode", "args": {}})
    assert not flooder.is_connected(), "the flooder was not thrown out"
    looked_up: list[tuple[Any, ...]] = []
    real = game.service.store.player_for_token
    monkeypatch.setattr(game.service.store, "player_for_token",
                        lambda *a: looked_up.append(a) or real(*a))
    again = player_socket(game.app, game.id, token)
    assert not again.is_connected()
    assert looked_up == [], "the locked-out key was looked up in the database"
    other = player_socket(game.app, game.id, game.players[1]["token"])
    assert other.is_connected() and len(looked_up) == 1, "another seat's key was not checked"


def test_an_unsigned_socket_gets_no_answer_but_an_error(game: Game) -> None:
    """Handlers never trust a socket that is not in the connection table."""
    rt = game.app.extensions["roleplay"]
    sid = next(iter(rt.connections))
    viewer = rt.connections.pop(sid)
    try:
        for s in game.socks:
            s.emit("command", {"name": "chat", "args": {"channel": "official", "text": "x"}})
            s.emit("sync", {})
        codes = {p["code"] for s in game.socks for n, p in received(s) if n == "error"}
        assert codes == {"forbidden"}
    finally:
        rt.connections[sid] = viewer


# -- 3. authorisation on every event, for every role ---------------------------------------
PACKAGE = {"rights": "clause", "energy": "joint"}
#: every command, with arguments that would be valid for someone, and what each role gets
#: in the talks phase ("ok" = stored). Players act only as their own seat; the projector
#: only watches; "system" commands belong to the server.
TABLE: dict[str, tuple[dict[str, Any], dict[str, str]]] = {
    "join": ({"player": "ghost", "name": "Ghost"}, {}),
    "assign": ({}, {"instructor": "wrong_phase"}),
    "move": ({"player": "OTHER", "table": 1, "role": "eu"}, {"instructor": "ok"}),
    "kick": ({"player": "OTHER"}, {"instructor": "ok"}),
    "reclaim": ({"player": "OTHER", "name": "Player 4"}, {}),
    "hand": ({"player": "OTHER", "name": "Newcomer"}, {"instructor": "ok"}),
    "merge": ({"keep": "OTHER", "absorb": "OTHER"}, {"instructor": "bad_request"}),
    "lock": ({"locked": True}, {"instructor": "ok"}),
    "start": ({}, {"instructor": "conflict"}),
    "pause": ({}, {"instructor": "ok"}),
    "resume": ({}, {"instructor": "wrong_phase"}),
    "extend": ({"seconds": 60}, {"instructor": "ok"}),
    "advance": ({}, {"instructor": "ok"}),
    "tick": ({}, {"instructor": "ok"}),
    "inject": ({"event": "nothing-such"}, {"instructor": "not_found"}),
    "broadcast": ({"text": "hello"}, {"instructor": "ok"}),
    "release_results": ({}, {"instructor": "ok"}),
    "end": ({}, {"instructor": "ok"}),
    "chat": ({"channel": "official", "text": "hi"}, {"eu": "ok", "government": "ok",
                                                      "civil_society": "forbidden",
                                                      "lobbyist": "forbidden"}),
    "open": ({"package": PACKAGE}, {"eu": "wrong_phase", "government": "wrong_phase",
                                    "civil_society": "wrong_phase", "lobbyist": "wrong_phase"}),
    "propose": ({"package": PACKAGE}, {"eu": "ok", "government": "ok",
                                       "civil_society": "forbidden", "lobbyist": "forbidden"}),
    "suggest": ({"to": "eu", "package": PACKAGE}, {"civil_society": "ok", "lobbyist": "ok"}),
    "link": ({"issue": "energy", "requires": "rights.clause"},
             {"eu": "ok", "government": "ok", "civil_society": "forbidden",
              "lobbyist": "forbidden"}),
    "act": ({"action": "statement"}, {"eu": "ok", "government": "ok",
                                      "civil_society": "forbidden", "lobbyist": "forbidden"}),
    "sign": ({}, {"eu": "wrong_phase", "government": "wrong_phase",
                  "civil_society": "wrong_phase", "lobbyist": "wrong_phase"}),
    "refuse": ({}, {"eu": "wrong_phase", "government": "wrong_phase",
                    "civil_society": "wrong_phase", "lobbyist": "wrong_phase"}),
    "set_language": ({"language": "ru"}, {"eu": "ok", "government": "ok",
                                          "civil_society": "ok", "lobbyist": "ok"}),
    "guess_batna": ({"guess": 40}, {"eu": "wrong_phase", "government": "wrong_phase",
                                    "civil_society": "forbidden", "lobbyist": "forbidden"}),
}
SENDERS = (*ROLES, "projector", "instructor")  # the instructor last: its commands change the game


def test_the_table_covers_every_command() -> None:
    assert set(TABLE) == set(command_names())


@pytest.mark.parametrize("name", sorted(TABLE))
def test_every_command_from_every_role(app: Flask, game: Game, instructor: FlaskClient,
                                       name: str) -> None:
    game.teach("advance")  # talks: the phase where most is allowed
    proj = _projector(app, game, instructor)
    received(proj)
    args, expected = TABLE[name]
    who = command_names()[name]
    for sender in SENDERS:
        sock = proj if sender == "projector" else game.teacher if sender == "instructor" \
            else game.socks[game.seat(1, sender)]
        kind = "player" if sender in ROLES else sender
        want = expected.get(sender, "forbidden")
        if kind != "projector" and kind not in who:
            assert want == "forbidden", (name, sender)
        real = {k: (game.players[game.seat(1, "lobbyist")]["player_id"] if v == "OTHER" else v)
                for k, v in args.items()}
        game.drain()
        received(proj)
        before = game.service.store.events(game.id)
        cid = next(CIDS)
        sock.emit("command", {"name": name, "args": real, "client_id": cid})
        got = received(sock)
        replies = [(n, p) for n, p in got if n in ("ack", "error") and p["client_id"] == cid]
        assert len(replies) == 1, (name, sender, got)
        outcome = "ok" if replies[0][0] == "ack" else replies[0][1]["code"]
        assert outcome == want, (name, sender, replies)
        if outcome != "ok":
            assert game.service.store.events(game.id) == before, (name, sender)
            _quiet(game, proj, but=sock)


@pytest.mark.parametrize("sender", SENDERS)
def test_unknown_socket_events_do_nothing(app: Flask, game: Game, instructor: FlaskClient,
                                          sender: str) -> None:
    proj = _projector(app, game, instructor)
    sock = proj if sender == "projector" else game.teacher if sender == "instructor" \
        else game.socks[game.seat(1, sender)]
    game.drain()
    received(proj)
    before = game.service.store.events(game.id)
    for ev in ("join", "kick", "advance", "admin", "message", "events", "view", "ack"):
        sock.emit(ev, {"player": game.players[0]["player_id"], "name": "x"})
    assert game.service.store.events(game.id) == before
    _quiet(game, proj)
    sock.emit("sync", {"last_seq": 0})
    assert [n for n, _ in received(sock)] == ["sync"]


# -- 4. confidential markers over sockets and pages ----------------------------------------
def test_pages_and_assets_a_student_can_reach_hold_no_secret(app: Flask, game: Game) -> None:
    student = app.test_client()
    game.teach("advance")
    urls = ["/", f"/join/{game.code}", f"/play/{game.id}", "/healthz",
            f"/projector/{game.id}", f"/instructor/games/{game.id}",
            f"/api/games/{game.id}", f"/instructor/games/{game.id}/qr.svg",
            f"/play/{game.id}/results", "/debrief.css", f"/instructor/games/{game.id}/present",
            f"/instructor/games/{game.id}/debrief"]
    urls += [f"/instructor/games/{game.id}/export.{f}" for f in ("json", "csv", "html")]
    urls += [f"/instructor/games/{game.id}/export.{f}?anonymize=1" for f in ("json", "html")]
    static = Path(app.static_folder or "")
    urls += ["/static/" + p.relative_to(static).as_posix() for p in static.rglob("*")
             if p.is_file()]
    assert len(urls) > 15
    for url in urls:
        r = student.get(url)
        assert r.status_code in (200, 302, 401, 404), url
        if url.startswith(("/instructor", "/projector", "/api/games")):
            assert r.status_code in (302, 401), f"{url} is open to students"
        assert leaks(r.get_data(as_text=True), None) == [], url
        r.close()
    # a freshly joined student's page (with its token) holds no briefing either
    r = student.post("/join", data={"code": game.code, "name": "Late Comer"})
    page = student.get(r.headers["Location"]).get_data(as_text=True)
    assert "data-token" in page or "token" in page
    assert leaks(page, None) == []


def test_a_resync_after_every_phase_leaks_nothing(app: Flask, game: Game,
                                                  instructor: FlaskClient) -> None:
    """Sync payloads (the whole visible log plus the view) in every phase, for every role."""
    proj = _projector(app, game, instructor)
    seat = {r: game.seat(1, r) for r in ROLES}
    for phase in range(4):
        for r, i in seat.items():
            game.socks[i].emit("sync", {"last_seq": 0})
            assert leaks(received(game.socks[i]), r) == [], (phase, r)
        if phase == 1:
            assert game.send(seat["eu"], "propose", {"package": PACKAGE})["ok"]
            assert game.send(seat["lobbyist"], "act", {"action": "trip"})["ok"]
        game.teach("advance")
    assert leaks(received(proj), None) == []


#: a campaign step's carried changes, each only for its own role to see
CARRIED = {"eu": ("batna", -7.771), "government": ("batna", 3.332),
           "civil_society": ("points", 2.223), "lobbyist": ("points", -4.449)}


def _two_round_campaign(four_secrets: Scenario) -> Any:
    from roleplay.scenario.loader import CampaignBundle
    from roleplay.scenario.model import (
        Campaign,
        CampaignStep,
        Carry,
        CarryEffect,
        Effects,
        Variable,
    )

    sc = four_secrets.model_copy(update={"variables": {"trust": Variable(label="Trust",
                                                                         initial=60)}})
    changes = Effects(batna={r: v for r, (k, v) in CARRIED.items() if k == "batna"},
                      points={r: v for r, (k, v) in CARRIED.items() if k == "points"})
    carry = Carry(variable="trust", label="Trust",
                  effects=(CarryEffect(at_least=50, effects=changes),))
    campaign = Campaign(kind="campaign", id="two-rounds", title="Two rounds", version="1",
                        summary="The same talks twice; trust carries.",
                        steps=(CampaignStep(scenario=sc.id),
                               CampaignStep(scenario=sc.id, carry=(carry,))))
    return CampaignBundle(campaign, (sc, sc))


def test_a_campaign_step_tells_each_role_only_its_own_carried_changes(
        app: Flask, web_service: GameService, instructor: FlaskClient,
        four_secrets: Scenario) -> None:
    """`step_started` goes to the whole game: each role's BATNA or point change travels
    on its own, to that role (and the instructor), never to the others or the projector."""
    import json
    import re

    state = web_service.create_game(_two_round_campaign(four_secrets), seed=3)
    gid, code = state.setup.game_id, state.setup.code
    players = [join(app.test_client(), code, f"Student {i}") for i in range(8)]  # two tables
    socks = [player_socket(app, gid, p["token"]) for p in players]
    teacher = web.instructor_socket(app, gid, instructor)
    proj = _projector(app, Game(gid, code, app, web_service, players, socks, teacher),
                      instructor)
    for name in ["start", "advance", "advance", "advance", "advance"]:  # into round two
        teacher.emit("command", {"name": name, "args": {}, "client_id": next(CIDS)})
        assert [p for n, p in received(teacher) if n == "error"] == []
    assert web_service.state(gid).step == 1
    for s in socks:  # and what a page reloaded now would be sent
        s.emit("sync", {"last_seq": 0})

    def shown(payload: Any, number: float) -> bool:
        text = json.dumps(payload)
        return re.search(rf"(?<![\d.]){re.escape(str(number))}(?!\d)", text) is not None

    roles = {p["player_id"]: web_service.state(gid).players[p["player_id"]].role
             for p in players}
    for p, s in zip(players, socks, strict=True):
        got = received(s)
        own = roles[p["player_id"]]
        for role, (_, number) in CARRIED.items():
            assert shown(got, number) == (role == own), (own, role, number)
    assert not any(shown(received(proj), n) for _, n in CARRIED.values())
    # the carried changes still reach the game: each table's BATNA and points moved
    for t in web_service.state(gid).tables.values():
        assert t.batna_shift == {"eu": -7.771, "government": 3.332}
        assert t.point_adjust == {"civil_society": 2.223, "lobbyist": -4.449}


# -- 5. seat takeover ----------------------------------------------------------------------
def test_a_name_is_not_a_key_and_a_token_opens_only_its_own_seat(app: Flask, game: Game) -> None:
    victim = game.players[0]
    state = game.service.state(game.id)
    name = state.players[victim["player_id"]].name
    # the victim is online: the same name is refused (docs/security.md, "Identity")
    same = app.test_client().post("/api/join", json={"code": game.code, "name": name.upper()})
    assert same.status_code == 409 and same.get_json()["error"]["code"] == "conflict"
    impostor = join(app.test_client(), game.code, name + " X")
    assert impostor["player_id"] != victim["player_id"]
    assert impostor["token"] != victim["token"]
    sock = player_socket(app, game.id, impostor["token"])
    me = received(sock, "sync")[0]["me"]
    assert me["id"] == impostor["player_id"]
    # rejoining needs the seat's token: the victim's own token still opens the victim's seat
    back = player_socket(app, game.id, victim["token"])
    assert received(back, "sync")[0]["me"]["id"] == victim["player_id"]
    # and the impostor's commands act as the impostor (a player id in args is ignored)
    r = game.send(0, "chat", {"channel": "team", "text": "me", "player": impostor["player_id"]})
    ev = game.service.store.events(game.id, after=r["seq"][0] - 1)[0]
    assert ev.actor == victim["player_id"]


# -- 11. malformed, oversized, deep --------------------------------------------------------
@pytest.mark.parametrize("payload", [
    {"name": "chat", "args": {"channel": "official", "text": "x" * 17_000}},
    {"name": "chat", "args": {"channel": "official", "text": "y", "pad": ["z"] * 9000}},
    {"name": "chat", "args": {"channel": "official", "text": "hi",
                              "deep": [[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]}},
    {"name": "x" * 100, "args": {}},
    {"name": "chat", "args": {"channel": "official", "text": "hi"}, "client_id": "a" * 65},
    {"name": "chat", "args": {"channel": "official", "text": "hi"}, "client_id": "<script>"},
    {"name": "chat", "args": {"channel": {"$gt": ""}, "text": "hi"}},
    {"name": "chat", "args": {"channel": "official", "text": 12}},
    {"name": "propose", "args": {"package": ["rights", "clause"]}},
    {"name": "propose", "args": {"package": {"rights": "clause", "energy": "joint",
                                             "extra": "x"}}},
    {"name": "link", "args": {"issue": "energy", "requires": "rights; DROP TABLE event"}},
])
def test_bad_payloads_are_refused_and_the_others_carry_on(game: Game, payload: Any) -> None:
    game.teach("advance")
    i = game.seat(1, "eu")
    before = game.service.store.events(game.id)
    game.socks[i].emit("command", payload)
    got = received(game.socks[i])
    assert [n for n, _ in got] == ["error"], got
    assert got[0][1]["code"] == "bad_request"
    assert "Traceback" not in got[0][1]["message"]
    assert game.service.store.events(game.id) == before
    _quiet(game, but=game.socks[i])
    assert game.send(game.seat(1, "government"), "chat",
                     {"channel": "official", "text": "still here"})["ok"]


def test_a_handler_crash_is_an_error_event_not_a_traceback(game: Game,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*a: Any, **k: Any) -> Any:
        raise ZeroDivisionError("internal detail /srv/roleplay/secret.py line 3")

    monkeypatch.setattr(game.service, "execute", boom)
    monkeypatch.setattr(game.service, "stage_chat", boom)  # chat lines' own (group commit) path
    game.socks[0].emit("command", {"name": "chat", "args": {}, "client_id": next(CIDS)})
    errors = received(game.socks[0], "error")
    assert [e["code"] for e in errors] == ["unavailable"]
    assert "internal detail" not in errors[0]["message"]
    assert "Traceback" not in errors[0]["message"]


# -- 13. duplicates -----------------------------------------------------------------------
@pytest.fixture
def two_workers(tmp_path: Path, four_secrets: Scenario) -> Iterator[tuple[GameService, ...]]:
    """Two services (as two workers would be) on one SQLite file."""
    engines = [make_engine(f"sqlite:///{tmp_path / 'shared.db'}") for _ in range(2)]
    yield tuple(GameService(EventStore(e)) for e in engines)
    for e in engines:
        e.dispose()


def _decision_game(a: GameService, scenario: Scenario) -> tuple[str, dict[str, str], int]:
    gid = a.create_game(scenario, seed=1).setup.game_id
    code = a.state(gid).setup.code
    players = [a.join(code, f"P{i}").player_id for i in range(4)]
    teacher = Actor("instructor")
    a.execute(gid, teacher, "start")
    a.execute(gid, teacher, "advance")
    st = a.state(gid)
    seat = {st.players[p].role or "": p for p in players}
    (ev,) = a.execute(gid, Actor("player", seat["eu"]), "propose", {"package": PACKAGE})
    a.execute(gid, teacher, "advance")
    return gid, seat, ev.seq


@pytest.mark.parametrize("same_client_id", [True, False])
def test_twenty_concurrent_signatures_store_one(two_workers: tuple[GameService, ...],
                                                four_secrets: Scenario,
                                                same_client_id: bool) -> None:
    a, b = two_workers
    gid, seat, proposal = _decision_game(a, four_secrets)
    b.state(gid)
    gov = Actor("player", seat["government"])
    start = threading.Barrier(20)
    results: list[Any] = []

    def sign(i: int) -> None:
        service = (a, b)[i % 2]
        cid = "retry-0000" if same_client_id else f"sign-{i:04d}"
        start.wait()
        try:
            results.append(service.execute(gid, gov, "sign", {"proposal": proposal},
                                           client_id=cid))
        except Exception as e:  # the refusals: RuleError('already signed')
            results.append(e)

    threads = [threading.Thread(target=sign, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    signed = [e for e in a.store.events(gid) if e.type == "signed"]
    assert len(signed) == 1
    stored = [r for r in results if isinstance(r, list) and r]
    assert len(stored) == 1
    others = [r for r in results if not (isinstance(r, list) and r)]
    assert len(others) == 19
    if same_client_id:  # a retry is acknowledged as already done, never refused
        assert all(r == [] for r in others), others
    else:
        assert all(getattr(r, "code", None) == "conflict" for r in others), others


# -- 14. rule breaking ------------------------------------------------------------------
def test_votes_after_close_wrong_phase_and_deadlines_are_enforced(game: Game) -> None:
    eu, gov = game.seat(1, "eu"), game.seat(1, "government")
    assert game.send(eu, "propose", {"package": PACKAGE})["code"] == "wrong_phase"  # briefing
    game.teach("advance")
    r = game.send(eu, "propose", {"package": PACKAGE})
    assert r["ok"]
    assert game.send(gov, "sign", {"proposal": r["seq"][0]})["code"] == "wrong_phase"
    # the deadline is the server's: a client cannot act once the clock has run out
    real = game.service.clock
    game.service.clock = lambda: real() + 11 * 60
    try:
        late = game.send(gov, "propose", {"package": PACKAGE})
        assert late["code"] == "wrong_phase" and "Time" in late["message"]
    finally:
        game.service.clock = real
    game.teach("advance")  # decision
    game.teach("advance")  # results: the vote has closed
    assert game.send(gov, "sign", {"proposal": r["seq"][0]})["code"] == "wrong_phase"
    assert game.send(eu, "refuse")["code"] == "wrong_phase"


def test_one_game_cannot_touch_another(app: Flask, web_service: GameService,
                                       instructor: FlaskClient, game: Game,
                                       four_secrets: Scenario) -> None:
    other = socket_game(app, web_service, instructor, four_secrets, 4)
    other.drain()
    other.log.clear()
    before = web_service.store.events(other.id)
    # a player's token does not open another game
    assert not player_socket(app, other.id, game.players[0]["token"]).is_connected()
    # a game id in the arguments is ignored; another game's player is not found here
    game.send(0, "chat", {"channel": "team", "text": "here", "game": other.id})
    r = game.send(0, "chat", {"channel": "team", "text": "x"})
    assert r["ok"]
    game.teacher.emit("command", {"name": "kick", "client_id": next(CIDS),
                                  "args": {"player": other.players[0]["player_id"],
                                           "game": other.id}})
    assert [p["code"] for p in received(game.teacher, "error")] == ["not_found"]
    assert web_service.store.events(other.id) == before
    other.drain()
    assert all(not got for got in other.log.values()), other.log


# -- 15. persist before broadcast: the database fails ----------------------------------------
class Outage:
    """Every statement (or only writes) fails as a database that went away."""

    def __init__(self, service: GameService, writes_only: bool = False):
        self.engine = service.store.engine
        self.writes_only = writes_only

    def _fail(self, conn: Any, cursor: Any, statement: str, *a: Any) -> None:
        if not self.writes_only or statement.lstrip().upper().startswith(("INSERT", "UPDATE")):
            raise OperationalError(statement, {}, Exception("server closed the connection"))

    def __enter__(self) -> Outage:
        event.listen(self.engine, "before_cursor_execute", self._fail)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._fail)


@pytest.mark.parametrize("writes_only", [True, False])
def test_with_the_database_down_nothing_is_emitted_and_nothing_is_lost(
        app: Flask, game: Game, instructor: FlaskClient, writes_only: bool) -> None:
    proj = _projector(app, game, instructor)
    game.teach("advance")
    eu = game.seat(1, "eu")
    before = game.service.store.events(game.id)
    seq = game.service.state(game.id).seq
    received(proj)
    game.drain()
    with Outage(game.service, writes_only):
        for name, args in [("chat", {"channel": "official", "text": "lost?"}),
                           ("propose", {"package": PACKAGE})]:
            reply = game.send(eu, name, args)
            assert reply["code"] == "unavailable", reply
            _quiet(game, proj, but=game.socks[eu])
        game.teacher.emit("command", {"name": "advance", "client_id": next(CIDS)})
        assert [p["code"] for p in received(game.teacher, "error")] == ["unavailable"]
        _quiet(game, proj)
        r = app.test_client().post("/api/join", json={"code": game.code, "name": "Newcomer"})
        assert r.status_code == 503 and r.get_json()["error"]["code"] == "unavailable"
        page = app.test_client().post("/join", data={"code": game.code, "name": "Newcomer"})
        assert page.status_code == 503 and b"Traceback" not in page.data
        _quiet(game, proj)
        if not writes_only:
            assert not player_socket(app, game.id, game.players[0]["token"]).is_connected()
            game.socks[eu].emit("sync", {"last_seq": 0})
            assert [p["code"] for p in received(game.socks[eu], "error")] == ["unavailable"]
            assert instructor.get("/instructor/").status_code == 503
    assert game.service.store.events(game.id) == before
    assert game.service.state(game.id).seq == seq
    # back up: the same command goes through once, and everyone hears it
    reply = game.send(eu, "chat", {"channel": "official", "text": "back"})
    assert reply["ok"] and reply["seq"] == [seq + 1]
    game.drain()
    assert any(n == "events" for n, _ in game.log[game.seat(1, "government")])
