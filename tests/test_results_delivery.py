"""Results reach the pages: students get table types and scores (never others' points),
the projector gets table types, the dashboard gets every measure and who is online."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from roleplay.engine.commands import INSTRUCTOR_ACTOR
from roleplay.scenario.model import Scenario
from roleplay.service import GameService
from support import web
from support.web import DashboardCopy, instructor_socket, join, leaks, player_socket, received


def _run(app: Flask, gid: str, name: str, **args: object) -> None:
    app.extensions["roleplay.delivery"].run_command(gid, INSTRUCTOR_ACTOR, name, args)


def test_results_views_over_sockets(app: Flask, instructor: FlaskClient, four_secrets: Scenario,
                                    web_service: GameService) -> None:
    state = web_service.create_game(four_secrets, seed=2)
    gid, code = state.setup.game_id, state.setup.code
    joined = [join(app.test_client(), code, f"S{i}") for i in range(4)]
    socks = [player_socket(app, gid, j["token"]) for j in joined]
    staff = instructor_socket(app, gid, instructor)
    projector = web.socketio.test_client(app, auth={"kind": "projector", "game": gid},
                                         flask_test_client=instructor)
    _run(app, gid, "start")
    roles = {j["player_id"]: web_service.state(gid).players[j["player_id"]].role for j in joined}
    by_role = {r: p for p, r in roles.items()}
    while web_service.state(gid).phase.kind != "negotiation":
        _run(app, gid, "advance")
    pkg = {i.id: i.options[1].id for i in four_secrets.issues}
    eu = socks[[j["player_id"] for j in joined].index(by_role["eu"])]
    gov = socks[[j["player_id"] for j in joined].index(by_role["government"])]
    eu.emit("command", {"name": "propose", "args": {"package": pkg}, "client_id": "c-propose-1"})
    while web_service.state(gid).phase.kind != "decision":
        _run(app, gid, "advance")
    eu.emit("command", {"name": "sign", "args": {}, "client_id": "c-sign-eu-1"})
    gov.emit("command", {"name": "sign", "args": {}, "client_id": "c-sign-gov-1"})
    dash = DashboardCopy()
    dash.take(received(staff))
    for s in [*socks, projector]:
        s.get_received()
    _run(app, gid, "advance")  # the results phase
    for j, sock in zip(joined, socks, strict=True):
        views = received(sock, "view")
        assert views, "every seat gets a fresh view at the results"
        res = views[-1]["view"]["results"]
        role = roles[j["player_id"]]
        assert res["table"]["type"] and set(res["table"]["points"]) == {role}
        assert leaks(views, role) == []
    dash.take(received(staff))
    staff_view = dash.view
    assert staff_view is not None and dash.patches > 0
    assert staff_view["results"]["tables"][0]["table_type"]
    assert all(p["online"] is True and "last_seen" in p for p in staff_view["players"])
    proj = received(projector, "view")[-1]["view"]
    assert proj["tables"][0]["type"] == proj["results"]["tables"][0]["type"]
    assert leaks(proj, None) == []
