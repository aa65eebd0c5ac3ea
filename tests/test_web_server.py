"""Against a real server (`roleplay serve` in a subprocess), in threading and eventlet mode."""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest
import socketio

from roleplay.bots import InstructorBot, PlayerBot, close_all
from roleplay.scenario.loader import parse_scenario
from support.web import FOUR_ROLES_YAML, PASSWORD, running_server

pytestmark = pytest.mark.server


@pytest.mark.parametrize("mode", ["threading", "eventlet"])
def test_join_chat_and_reconnect_with_last_seq(tmp_path: Path, mode: str) -> None:
    with running_server(tmp_path, mode) as server:
        teacher = InstructorBot(server.url, PASSWORD)
        teacher.login()
        ref = teacher.upload(parse_scenario(FOUR_ROLES_YAML, "four.yaml"))
        code = teacher.create_game(ref, seed=1)["code"]
        teacher.connect()
        eu, gov = (PlayerBot(server.url, n, random.Random(1)) for n in ("Ann", "Bob"))
        clients = [teacher, eu, gov]
        try:
            t0 = time.monotonic()
            eu.join(code)
            eu.connect()
            join_to_seat = time.monotonic() - t0
            gov.join(code)
            gov.connect()
            assert teacher.command("start")["ok"]
            assert eu.wait_for(lambda c: (c.view or {}).get("role") is not None)
            assert eu.view["role"]["id"] == "eu" and gov.wait_for(
                lambda c: (c.view or {}).get("role") is not None)
            assert eu.command("chat", {"channel": "official", "text": "hello"})["ok"]
            assert gov.wait_for(lambda c: any(e["data"].get("text") == "hello"
                                              for e in c.events.values()))
            eu.close()
            seen = eu.last_seq
            missed = []
            for i in range(3):
                reply = gov.command("chat", {"channel": "official", "text": f"missed {i}"})
                assert reply["ok"]
                missed += reply["seq"]
            eu.syncs.clear()
            eu.connect()
            sync = eu.syncs[-1]
            assert [e["seq"] for e in sync["events"]] == missed
            assert [e["data"]["text"] for e in sync["events"]] == [f"missed {i}"
                                                                    for i in range(3)]
            assert all(e["seq"] > seen for e in sync["events"])
            # a socket from another site is refused at the handshake
            stranger = socketio.Client(reconnection=False)
            with pytest.raises(socketio.exceptions.ConnectionError):
                stranger.connect(server.url, headers={"Origin": "http://evil.example"},
                                 auth={"kind": "player", "game": eu.game_id, "token": eu.token},
                                 transports=["websocket"], wait_timeout=5)
        finally:
            close_all(clients)
        assert join_to_seat < 2.0
