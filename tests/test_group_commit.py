"""The group commit of chat lines (`GameService.stage_chat`): lines staged while a commit is
on the disk share the next one; each is delivered in log order only once it is durable;
a failed batch fails every line staged on top of it, and the log has no gap."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from roleplay.engine.commands import Actor
from roleplay.engine.events import Event
from roleplay.scenario.model import Scenario
from roleplay.service import GameService, Staged
from roleplay.storage.db import make_engine
from roleplay.storage.eventstore import EventStore, StoreError


@pytest.fixture
def service(tmp_path: Path) -> GameService:
    return GameService(EventStore(make_engine(f"sqlite:///{tmp_path / 'group.db'}")))


def _talking(service: GameService, scenario: Scenario) -> tuple[str, list[str]]:
    gid = service.create_game(scenario, seed=7).setup.game_id
    code = service.state(gid).setup.code
    players = [service.join(code, f"P{i}").player_id for i in range(4)]
    service.execute(gid, Actor("instructor"), "start")
    service.execute(gid, Actor("instructor"), "advance")
    return gid, players


class Gate:
    """Holds the writer inside its first `append_batch` until opened; records every batch."""

    def __init__(self, service: GameService, fail_first: bool = False):
        self.append = service.store.append_batch
        self.batches: list[list[int]] = []
        self.entered, self.open = threading.Event(), threading.Event()
        self.fail_first = fail_first

    def __call__(self, batch: Any) -> None:
        first = not self.batches
        self.batches.append([e.seq for _, events in batch for e in events])
        if first:
            self.entered.set()
            self.open.wait(10)
            if self.fail_first:
                raise StoreError("The database is not available; nothing was saved.")
        self.append(batch)


def _stage(service: GameService, gid: str, pid: str, text: str,
           delivered: list[int]) -> Staged:
    def deliver(events: list[Event]) -> None:
        stored = {e.seq for e in service.store.events(gid)}
        assert all(e.seq in stored for e in events), "delivered before it was stored"
        delivered.extend(e.seq for e in events)

    staged = service.stage_chat(gid, Actor("player", pid), {"channel": "team", "text": text},
                                client_id=f"chat-{text}-0001", deliver=deliver)
    assert staged is not None
    return staged


def test_lines_staged_during_a_commit_share_the_next_one_and_arrive_in_order(
        service: GameService, four_secrets: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    gid, players = _talking(service, four_secrets)
    seq0 = service.state(gid).seq
    gate = Gate(service)
    monkeypatch.setattr(service.store, "append_batch", gate)
    delivered: list[int] = []
    first = _stage(service, gid, players[0], "a", delivered)
    assert gate.entered.wait(10)
    rest = [_stage(service, gid, players[i % 4], f"b{i}", delivered) for i in range(5)]
    assert delivered == []  # nothing is heard of before its commit
    gate.open.set()
    for s in [first, *rest]:
        s.wait()
    assert gate.batches == [[seq0 + 1], [seq0 + 2 + i for i in range(5)]]
    assert delivered == [seq0 + 1 + i for i in range(6)]
    assert [e.seq for e in service.store.events(gid, after=seq0)] == delivered
    assert service.state(gid).seq == seq0 + 6
    # a command of another kind comes after them in the log
    events = service.execute(gid, Actor("instructor"), "advance")
    assert events[0].seq == seq0 + 7


def test_a_failed_batch_fails_the_lines_staged_on_it_and_leaves_no_gap(
        service: GameService, four_secrets: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    gid, players = _talking(service, four_secrets)
    seq0 = service.state(gid).seq
    gate = Gate(service, fail_first=True)
    monkeypatch.setattr(service.store, "append_batch", gate)
    delivered: list[int] = []
    first = _stage(service, gid, players[0], "lost", delivered)
    assert gate.entered.wait(10)
    # staged on top of the failing line, queued behind it
    later = _stage(service, gid, players[1], "lost-too", delivered)
    gate.open.set()
    for s in (first, later):
        with pytest.raises(StoreError):
            s.wait()
    assert delivered == [] and service.store.events(gid, after=seq0) == []
    again = _stage(service, gid, players[0], "again", delivered)
    assert [e.seq for e in again.wait()] == [seq0 + 1]
    assert [e.seq for e in service.store.events(gid, after=seq0)] == [seq0 + 1]
    # the failed lines' ids were released: a retry of one is stored, not taken as a repeat
    retry = _stage(service, gid, players[0], "lost", delivered)
    assert [e.seq for e in retry.wait()] == [seq0 + 2]
