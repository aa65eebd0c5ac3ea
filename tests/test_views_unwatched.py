"""A seat's view is built only if a socket on this worker would receive it: with one
worker, a seat whose students are all disconnected costs a proposal no view, and the
student who comes back gets the seat's whole view in the sync."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from roleplay.engine.views import player_view
from roleplay.scenario.model import Scenario
from roleplay.service import GameService
from roleplay.web import delivery as delivery_module
from support.socket_game import Game, socket_game
from support.web import player_socket, received


@pytest.fixture
def game(app: Flask, web_service: GameService, instructor: FlaskClient,
         four_secrets: Scenario) -> Game:
    """Four players at one table, in the briefing phase."""
    return socket_game(app, web_service, instructor, four_secrets, 4)


def test_a_seat_with_no_socket_gets_no_view_built(app: Flask, game: Game,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    game.teach("advance")
    gone = game.seat(1, "government")
    game.socks[gone].disconnect()
    gone_role = game.service.state(game.id).players[game.players[gone]["player_id"]].role
    built: list[Any] = []
    real = delivery_module.render

    def counting(state: Any, target: Any, now: float, scores: Any) -> Any:
        built.append(target)
        return real(state, target, now, scores)

    monkeypatch.setattr(delivery_module, "render", counting)
    eu = game.seat(1, "eu")
    r = game.send(eu, "propose", {"package": {"rights": "clause", "energy": "joint"}})
    assert r["ok"], r
    game.drain()
    roles = {getattr(t, "role", None) for t in built}
    assert gone_role not in roles
    assert "eu" in roles and len(built) == 3  # the three seats still connected
    for i in range(len(game.socks)):
        if i != gone:
            assert any(n == "view" for n, _ in game.log[i]), i
    # the student who comes back syncs the seat's view as it is now
    back = player_socket(app, game.id, game.players[gone]["token"])
    (sync,) = received(back, "sync")
    state = game.service.state(game.id)
    want = player_view(state, game.players[gone]["player_id"], sync["view"]["game"]["server_time"])
    want.pop("me")
    assert sync["view"] == want
    assert sync["view"]["table"]["current"] == int(r["seq"][0])
