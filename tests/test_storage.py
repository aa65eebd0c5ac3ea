"""The event store contract, run on SQLite and on PostgreSQL alike."""

from __future__ import annotations

import threading

import pytest

from roleplay.driver import play_game
from roleplay.engine.commands import INSTRUCTOR_ACTOR, Actor
from roleplay.engine.events import Audience, Event
from roleplay.engine.state import GameSetup, replay
from roleplay.scenario.model import Scenario
from roleplay.service import GameService
from roleplay.storage.eventstore import ConflictError, DuplicateCommandError, EventStore


def _setup(sc: Scenario, gid: str = "g1", code: str = "CODE1") -> GameSetup:
    return GameSetup(gid, code, 3, (sc,))


def _event(seq: int, client_id: str | None = None) -> Event:
    return Event(seq, "chat", 1.0, "p1", Audience("roles", 1, ("eu",), None, "team"),
                 {"text": f"line {seq}", "ü": "ä"}, client_id)


def test_events_round_trip_in_order(store: EventStore, worked_example: Scenario) -> None:
    store.create_game(setup=_setup(worked_example), title="t", scenario_hash="h", now=0)
    store.append("g1", [_event(1), _event(2)])
    store.append("g1", [_event(3)])
    got = store.events("g1")
    assert [e.seq for e in got] == [1, 2, 3]
    assert got[0].audience == _event(1).audience and got[0].data == _event(1).data
    assert [e.seq for e in store.events("g1", after=2)] == [3]
    assert store.setup("g1") == _setup(worked_example)


def test_a_taken_sequence_number_is_a_conflict_and_stores_nothing(
    store: EventStore, worked_example: Scenario
) -> None:
    store.create_game(setup=_setup(worked_example), title="t", scenario_hash="h", now=0)
    store.append("g1", [_event(1)])
    with pytest.raises(ConflictError):
        store.append("g1", [_event(2), _event(1)])
    assert [e.seq for e in store.events("g1")] == [1]


def test_a_repeated_client_id_is_stored_once(store: EventStore, worked_example: Scenario) -> None:
    store.create_game(setup=_setup(worked_example), title="t", scenario_hash="h", now=0)
    store.append("g1", [_event(1, "c-1")])
    with pytest.raises(DuplicateCommandError):
        store.append("g1", [_event(2, "c-1")])
    store.append("g1", [_event(2, None), _event(3, None)])  # NULL ids never collide
    assert len(store.events("g1")) == 3


def test_games_are_found_by_code_and_listed(store: EventStore, worked_example: Scenario) -> None:
    store.create_game(setup=_setup(worked_example), title="t", scenario_hash="h", now=0)
    with pytest.raises(ConflictError):
        store.create_game(setup=_setup(worked_example, "g2", "CODE1"), title="t",
                          scenario_hash="h", now=0)
    assert store.game_id_for_code("CODE1") == "g1"
    assert [g.id for g in store.games()] == ["g1"]


def test_two_services_on_one_database_never_fork_the_log(
    store: EventStore, four_roles: Scenario
) -> None:
    """Two workers writing to one game: the unique seq makes the stale one retry."""
    a, b = GameService(store), GameService(store)
    gid = a.create_game(four_roles, seed=1).setup.game_id
    players = [a.join(a.state(gid).setup.code, f"S{i}").player_id for i in range(8)]
    a.execute(gid, INSTRUCTOR_ACTOR, "start")
    while a.state(gid).phase.kind != "negotiation":
        a.execute(gid, INSTRUCTOR_ACTOR, "advance")
    state = a.state(gid)
    talkers = [p for p in players if state.players[p].role in ("eu", "government")]

    def talk(service: GameService, who: str) -> None:
        for i in range(10):
            service.execute(gid, Actor("player", who), "chat",
                            {"channel": "official", "text": f"{who} {i}"})

    threads = [threading.Thread(target=talk, args=(svc, who))
               for svc, who in zip([a, b, a, b], talkers, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    log = store.events(gid)
    assert [e.seq for e in log] == list(range(1, len(log) + 1))
    assert sum(e.type == "chat" for e in log) == 40
    assert a.state(gid) == b.state(gid) == replay(store.setup(gid), log)


def test_a_whole_game_survives_losing_the_service(store: EventStore, four_roles: Scenario) -> None:
    """Play half a game, drop every in-memory object, reload from the database, finish."""
    service = GameService(store)
    halfway = {}

    def stop_midway(state: object) -> None:
        raise _Halfway

    with pytest.raises(_Halfway):
        play_game(service, four_roles, players=8, seed=5, on_phase=stop_midway)
    (gid,) = [g.id for g in store.games()]
    before = service.state(gid)
    halfway["seq"] = before.seq
    del service  # the "process" is gone; only the database remains

    reborn = GameService(EventStore(store.engine))
    assert reborn.state(gid) == before
    while reborn.state(gid).status != "finished":
        reborn.execute(gid, INSTRUCTOR_ACTOR, "advance")
    final = reborn.state(gid)
    assert final.seq > halfway["seq"]
    assert replay(store.setup(gid), store.events(gid)) == final
    assert all(t.outcome != "open" for t in final.tables.values())


class _Halfway(Exception):
    pass


def test_ended_logins_are_kept_for_the_session_lifetime(store: EventStore) -> None:
    """Logouts shared by every worker (web/runtime.py), on SQLite and PostgreSQL."""
    store.end_login("a" * 64, 1000.0, keep_s=100)
    store.end_login("a" * 64, 1001.0, keep_s=100)  # twice: recorded once
    assert store.login_ended("a" * 64) and not store.login_ended("b" * 64)
    store.end_login("b" * 64, 1200.0, keep_s=100)  # the first has outlived every cookie
    assert not store.login_ended("a" * 64) and store.login_ended("b" * 64)
