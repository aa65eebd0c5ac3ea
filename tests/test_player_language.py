"""A player's language lives on the server: the join carries it (POST /join `language`,
else the `lang` cookie or Accept-Language), the player-joined event stores it, a change is a
`language_set` event, and the state keeps `players[pid].language` (COMMON contract)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from roleplay.engine.commands import INSTRUCTOR_ACTOR, SYSTEM_ACTOR
from roleplay.engine.events import EventType, payload_problems
from roleplay.engine.state import replay
from roleplay.engine.views import instructor_view, player_view
from roleplay.scenario.model import Scenario
from roleplay.service import GameService
from support.engine_game import Game
from support.web import instructor_socket, join, player_socket, received


# -- the engine -------------------------------------------------------------------------------
def test_a_join_records_the_language_and_the_state_keeps_it(four_roles: Scenario) -> None:
    g = Game(four_roles)
    (joined,) = g.do(SYSTEM_ACTOR, "join", player="p1", name="Leyla", language="az")
    assert joined.type == EventType.PLAYER_JOINED and joined.data["language"] == "az"
    assert payload_problems(joined.type, joined.data) == []
    (plain,) = g.do(SYSTEM_ACTOR, "join", player="p2", name="Tom")
    assert plain.data["language"] == "en"  # left out: the source language
    assert g.state.players["p1"].language == "az" and g.state.players["p2"].language == "en"
    assert player_view(g.state, "p1", g.now)["me"]["language"] == "az"
    assert {p["id"]: p["language"] for p in instructor_view(g.state, g.now)["players"]} == \
        {"p1": "az", "p2": "en"}


@pytest.mark.parametrize("bad", ["de", "RU", "", 7, ["ru"], {"ru": 1}, True, "ru" * 40])
def test_a_join_in_a_language_the_game_does_not_offer_is_refused(four_roles: Scenario,
                                                                 bad: Any) -> None:
    g = Game(four_roles)
    err = g.refused(SYSTEM_ACTOR, "join", player="p1", name="Leyla", language=bad)
    assert err.code == "bad_request"
    assert err.message.startswith("'language' must be en, ru or az (got ")
    assert g.log == []


def test_set_language_changes_the_state_and_is_in_the_log(four_roles: Scenario) -> None:
    g = Game(four_roles)
    g.do(SYSTEM_ACTOR, "join", player="p1", name="Leyla")
    (changed,) = g.do("p1", "set_language", language="ru")
    assert changed.type == EventType.LANGUAGE_SET
    assert dict(changed.data) == {"player": "p1", "language": "ru"}
    assert changed.audience.kind == "player" and changed.audience.player == "p1"
    assert payload_problems(changed.type, changed.data) == []
    assert g.state.players["p1"].language == "ru"
    assert g.do("p1", "set_language", language="ru") == ()  # the same again: nothing new
    assert replay(g.state.setup, g.log).players["p1"].language == "ru"


@pytest.mark.parametrize("args", [{}, {"language": None}, {"language": "fr"},
                                  {"language": 1}, {"language": ["az"]}])
def test_a_malformed_set_language_is_refused_and_changes_nothing(four_roles: Scenario,
                                                                 args: dict[str, Any]) -> None:
    g = Game(four_roles)
    g.do(SYSTEM_ACTOR, "join", player="p1", name="Leyla", language="ru")
    before = len(g.log)
    err = g.refused("p1", "set_language", **args)  # `refused` checks the state is the same
    assert err.code == "bad_request" and "'language' must be en, ru or az" in err.message
    assert len(g.log) == before and g.state.players["p1"].language == "ru"


def test_only_a_player_sets_their_language(four_roles: Scenario) -> None:
    g = Game(four_roles)
    g.do(SYSTEM_ACTOR, "join", player="p1", name="Leyla")
    assert g.refused(INSTRUCTOR_ACTOR, "set_language", language="ru").code == "forbidden"
    assert g.refused("nobody", "set_language", language="ru").code == "forbidden"
    g.do(INSTRUCTOR_ACTOR, "kick", player="p1")
    assert g.refused("p1", "set_language", language="ru").code == "forbidden"
    assert g.state.players["p1"].language == "en"


def test_a_returning_student_keeps_or_changes_their_language(four_roles: Scenario) -> None:
    g = Game(four_roles)
    g.do(SYSTEM_ACTOR, "join", player="p1", name="Leyla", language="az")
    kept = g.do(SYSTEM_ACTOR, "reclaim", player="p1", name="Leyla")
    assert EventType.LANGUAGE_SET not in [e.type for e in kept]
    assert g.state.players["p1"].language == "az"
    changed = g.do(SYSTEM_ACTOR, "reclaim", player="p1", name="Leyla", language="ru")
    assert [e.data["language"] for e in changed if e.type == EventType.LANGUAGE_SET] == ["ru"]
    assert g.state.players["p1"].language == "ru"
    assert g.refused(SYSTEM_ACTOR, "reclaim", player="p1", name="Leyla", language="xx")


# -- the web layer ----------------------------------------------------------------------------
def _joined_language(service: GameService, game_id: str) -> list[str]:
    return [e.data.get("language") for e in service.log(game_id)
            if e.type == EventType.PLAYER_JOINED]


def test_the_join_form_sends_the_language(app: Flask, web_service: GameService,
                                          four_secrets: Scenario) -> None:
    state = web_service.create_game(four_secrets)
    gid, code = state.setup.game_id, state.setup.code
    r = app.test_client().post("/join", data={"code": code, "name": "Olga", "language": "ru"})
    assert r.status_code == 303
    c = app.test_client()
    c.set_cookie("lang", "az")
    assert c.post("/join", data={"code": code, "name": "Leyla"}).status_code == 303
    r = app.test_client().post("/join", data={"code": code, "name": "Anna"},
                               headers={"Accept-Language": "de-DE, ru;q=0.8, en;q=0.5"})
    assert r.status_code == 303
    assert app.test_client().post("/join", data={"code": code, "name": "Tom"}).status_code == 303
    assert _joined_language(web_service, gid) == ["ru", "az", "ru", "en"]
    assert [p.language for p in web_service.state(gid).players.values()] == ["ru", "az", "ru", "en"]


def test_the_join_form_refuses_a_language_it_does_not_offer(
        app: Flask, web_service: GameService, four_secrets: Scenario) -> None:
    state = web_service.create_game(four_secrets)
    r = app.test_client().post("/join", data={"code": state.setup.code, "name": "Olga",
                                              "language": "klingon"})
    assert r.status_code == 400
    assert "&#39;language&#39; must be en, ru or az (got &#39;klingon&#39;)" in r.get_data(as_text=True)
    assert web_service.state(state.setup.game_id).players == {}
    api = app.test_client().post("/api/join", json={"code": state.setup.code, "name": "Olga",
                                                    "language": ["ru"]})
    assert api.status_code == 400 and "'language' must be" in api.get_json()["error"]["message"]


def test_set_language_over_the_socket(app: Flask, web_service: GameService,
                                      four_secrets: Scenario, instructor: FlaskClient) -> None:
    state = web_service.create_game(four_secrets)
    gid, code = state.setup.game_id, state.setup.code
    me = join(app.test_client(), code, "Olga")
    teacher = instructor_socket(app, gid, instructor)
    sock = player_socket(app, gid, me["token"])
    assert received(sock, "sync")[0]["me"]["language"] == "en"
    sock.emit("command", {"name": "set_language", "args": {"language": "ru"},
                          "client_id": "lang-00001"})
    assert received(sock, "ack")[0]["client_id"] == "lang-00001"
    assert web_service.state(gid).players[me["player_id"]].language == "ru"
    seen = [e for m in received(teacher, "events") for e in m["events"]]
    assert [e["data"] for e in seen if e["type"] == "language_set"] == \
        [{"player": me["player_id"], "language": "ru"}]
    seq = web_service.state(gid).seq
    sock.emit("command", {"name": "set_language", "args": {"language": "<script>"},
                          "client_id": "lang-00002"})
    (err,) = received(sock, "error")
    assert err["code"] == "bad_request" and err["client_id"] == "lang-00002"
    assert web_service.state(gid).seq == seq
    assert web_service.state(gid).players[me["player_id"]].language == "ru"


# -- exports: the original text, and each player's language -----------------------------------
def test_exports_record_each_players_language_and_keep_the_original_text() -> None:
    import csv
    import io
    import zipfile

    import jsonschema

    from roleplay.engine.commands import Actor
    from roleplay.export import build_export, export_game, export_schema, rescore_export
    from roleplay.scenario.resolve import resolve_source
    from roleplay.storage.db import make_engine
    from roleplay.storage.eventstore import EventStore

    service = GameService(EventStore(make_engine("sqlite://")))
    sc = resolve_source("association-agreement")
    assert isinstance(sc, Scenario) and "ru" in sc.translations
    state = service.create_game(sc, seed=3)
    gid, code = state.setup.game_id, state.setup.code
    ids = [service.join(code, f"S{i}", lang).player_id
           for i, lang in enumerate(["ru", "az", "en", None])]
    service.execute(gid, Actor("player", ids[3]), "set_language", {"language": "ru"})
    service.execute(gid, INSTRUCTOR_ACTOR, "start")
    while service.state(gid).status != "finished":
        service.execute(gid, INSTRUCTOR_ACTOR, "advance")
    export = build_export(service, gid)
    jsonschema.validate(export, export_schema(), cls=jsonschema.Draft202012Validator)
    by_name = {p["name"]: p["language"] for p in export["players"]}
    assert by_name == {"S0": "ru", "S1": "az", "S2": "en", "S3": "ru"}
    assert [e["payload"]["language"] for e in export["events"]
            if e["type"] == "player_joined"] == ["ru", "az", "en", "en"]
    assert [e["payload"]["language"] for e in export["events"] if e["type"] == "language_set"] \
        == ["ru"]
    # the texts the events carry and the scenario's own are the original's (English)
    titles = {e["payload"]["title"] for e in export["events"] if e["type"] == "phase_started"}
    assert titles == {p.title for p in sc.phases}
    definition = export["steps"][0]["definition"]
    assert definition["title"] == sc.title and "ru" in definition["translations"]
    assert rescore_export(export)["matches"] is True
    old = dict(export, format_version=1)  # a version 1 export still rescores
    assert rescore_export(old)["matches"] is True
    with zipfile.ZipFile(io.BytesIO(export_game(service, gid, fmt="csv"))) as z:
        rows = list(csv.DictReader(io.StringIO(z.read("players.csv").decode("utf-8-sig"))))
    assert {r["name"]: r["language"] for r in rows} == by_name
    with zipfile.ZipFile(io.BytesIO(export_game(service, gid, fmt="xlsx"))) as z:
        strings = z.read("xl/sharedStrings.xml").decode("utf-8")
    assert all(f"<t>{w}</t>" in strings for w in ("language", "ru", "az", "en"))


def test_a_page_opened_in_another_language_sets_the_players_language(
        app: Flask, web_service: GameService, four_secrets: Scenario) -> None:
    state = web_service.create_game(four_secrets)
    gid, code = state.setup.game_id, state.setup.code
    me = join(app.test_client(), code, "Olga")  # no language: English
    browser = app.test_client()
    browser.set_cookie("lang", "az")  # the page's picker, or ?lang=az
    import roleplay.web.extensions as ext

    sock = ext.socketio.test_client(app, auth={"kind": "player", "game": gid,
                                               "token": me["token"]}, flask_test_client=browser)
    sync = received(sock, "sync")[0]
    assert sync["me"]["language"] == "az"
    assert [e["data"] for e in sync["events"] if e["type"] == "language_set"] == \
        [{"player": me["player_id"], "language": "az"}]
    seq = web_service.state(gid).seq
    sock.disconnect()
    again = ext.socketio.test_client(app, auth={"kind": "player", "game": gid,
                                                "token": me["token"]}, flask_test_client=browser)
    assert received(again, "sync")[0]["me"]["language"] == "az"
    assert web_service.state(gid).seq == seq  # the same language: nothing written
    browser.set_cookie("lang", "klingon")  # not a language the game offers: left as it is
    third = ext.socketio.test_client(app, auth={"kind": "player", "game": gid,
                                                "token": me["token"]}, flask_test_client=browser)
    assert received(third, "sync")[0]["me"]["language"] == "az"
