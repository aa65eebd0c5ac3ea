"""SIGKILL the server mid-round, restart it on the same database: nothing seen is lost.

The clients are python-socketio clients that reconnect by themselves with
their last_seq; the phase clock keeps its absolute deadline and the
restarted server's own ticker ends the phase on time.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest

from roleplay.bots import Client, InstructorBot, PlayerBot, close_all
from roleplay.scenario.loader import parse_scenario
from support.web import FOUR_ROLES_YAML, PASSWORD, ServerProcess

pytestmark = pytest.mark.server

BRIEFING_S = 3.0
TALKS_S = 9.0
SHORT = FOUR_ROLES_YAML.replace(
    "{id: briefing, kind: briefing, title: Briefing, minutes: 5}",
    f"{{id: briefing, kind: briefing, title: Briefing, minutes: {BRIEFING_S / 60}}}",
).replace(
    "{id: talks, kind: negotiation, title: Talks, minutes: 10}",
    f"{{id: talks, kind: negotiation, title: Talks, minutes: {TALKS_S / 60}}}",
)


def _phase(c: Client) -> int:
    phase = (c.view or {}).get("game", {}).get("phase")
    return -1 if phase is None else int(phase["index"])


def test_a_killed_server_restarts_and_the_class_finishes(tmp_path: Path) -> None:
    server = ServerProcess(f"sqlite:///{tmp_path / 'class.db'}", "threading",
                           tmp_path / "server.log")
    server.start()
    clients: list[Client] = []
    try:
        teacher = InstructorBot(server.url, PASSWORD)
        clients.append(teacher)
        teacher.login()
        code = teacher.create_game(teacher.upload(parse_scenario(SHORT, "short.yaml")),
                                   seed=3)["code"]
        teacher.connect()
        bots = [PlayerBot(server.url, f"P{i}", random.Random(i)) for i in range(4)]
        clients += bots
        for b in bots:
            b.join(code)
            b.connect()
        eu, gov = bots[0], bots[1]
        assert teacher.command("start")["ok"]
        # the server's clock ends the briefing by itself
        assert teacher.wait_for(lambda c: _phase(c) == 1, timeout=BRIEFING_S + 5)
        assert eu.wait_for(lambda c: _phase(c) == 1)
        package = {"rights": "clause", "energy": "joint"}
        assert eu.command("propose", {"package": package})["ok"]
        assert gov.command("chat", {"channel": "official", "text": "before the crash"})["ok"]
        assert gov.wait_for(lambda c: c.view["table"]["current"] is not None)
        deadline = teacher.view["game"]["deadline"]
        seen = {id(c): dict(c.events) for c in clients}
        assert all(seen.values())

        server.kill()
        server.start()
        listening_at = time.time()  # the restarted server's ticker runs from here on
        for c in clients:  # each reconnects by itself and syncs from its last_seq
            assert c.wait_for(lambda c: len(c.syncs) >= 2, timeout=15), "no reconnect"

        assert teacher.view["game"]["deadline"] == deadline
        assert teacher.view["game"]["phase"]["index"] == 1
        fresh = InstructorBot(server.url, PASSWORD)
        clients.append(fresh)
        fresh.login()
        fresh.game_id = teacher.game_id
        fresh.connect()
        for c in clients[:-1]:
            for seq, event in seen[id(c)].items():
                assert fresh.events.get(seq) == event, f"lost or changed seq {seq}"

        # the restarted server's clock ends the talks at the deadline from the log: never
        # before it, and at its first ticks after the deadline (or after it listens again,
        # should a slow machine restart it after the deadline had passed)
        assert teacher.wait_for(lambda c: _phase(c) == 2, timeout=TALKS_S + 5)
        decision = [e for e in teacher.events.values()
                    if e["type"] == "phase_started" and e["data"]["phase"] == "decision"]
        assert len(decision) == 1
        assert deadline <= decision[0]["at"] < max(deadline, listening_at) + 3

        for b in (eu, gov):
            assert b.wait_for(lambda c: _phase(c) == 2)
            assert b.command("sign", {"proposal": b.view["table"]["current"]})["ok"]
        assert teacher.wait_for(lambda c: c.view["tables"][0]["outcome"] == "deal")
        assert teacher.command("advance")["ok"]
        assert teacher.command("end")["ok"]
        assert teacher.wait_for(lambda c: c.view["game"]["status"] == "finished")
    finally:
        close_all(clients)
        server.stop()
