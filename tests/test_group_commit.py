"""The group commit of chat lines (`GameService.stage_chat`): lines staged while a commit is
on the disk share the next one; each is delivered in log order only once it is durable;
a failed batch fails every line staged on top of it, and the log has no gap."""

from __future__ import annotations

import sqlite3
import sys
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


# -- the batch's database work handed to `EventStore.offload` (an OS thread under eventlet) --
class Offload:
    """An `EventStore.offload` that runs each call on a thread of its own, as eventlet's
    tpool does; records each call's rows and thread, and can hold the first call, before
    (`hold_before`) or after (`hold_after`) its database work, until `release` is set."""

    def __init__(self, hold_before: bool = False, hold_after: bool = False,
                 fail_first: bool = False):
        self.calls: list[tuple[int, int]] = []  # (rows, thread ident)
        self.python_calls: list[str] = []  # Python functions run on the foreign thread
        self.entered, self.release = threading.Event(), threading.Event()
        self.hold_before, self.hold_after, self.fail_first = hold_before, hold_after, fail_first

    def __call__(self, fn: Any, conn: Any, rows: list[dict[str, Any]]) -> None:
        first = not self.calls
        outcome: list[BaseException] = []

        def profile(frame: Any, event: str, arg: Any) -> None:
            if event == "call":
                self.python_calls.append(frame.f_code.co_qualname)

        def run() -> None:
            self.calls.append((len(rows), threading.get_ident()))
            if first:
                self.entered.set()
                if self.hold_before:
                    self.release.wait(10)
                if self.fail_first:
                    outcome.append(sqlite3.OperationalError("disk I/O error"))
                    return
            sys.setprofile(profile)
            try:
                fn(conn, rows)
            except BaseException as e:
                outcome.append(e)
            finally:
                sys.setprofile(None)
            if first and self.hold_after:
                self.release.wait(10)

        t = threading.Thread(target=run)
        t.start()
        t.join()
        if outcome:
            raise outcome[0]


def test_the_batch_is_stored_by_the_offload_with_nothing_but_sqlite3_calls(
        service: GameService, four_secrets: Scenario) -> None:
    """The group commit's INSERT and COMMIT are what `offload` runs, on its thread; that
    thread runs no Python code of the app's or SQLAlchemy's (whose locks, logs and pool are
    eventlet's green ones under eventlet): only `_insert_rows` and sqlite3's C calls."""
    gid, players = _talking(service, four_secrets)
    seq0 = service.state(gid).seq
    offload = Offload()
    service.store.offload = offload
    delivered: list[int] = []
    _stage(service, gid, players[0], "one", delivered).wait()
    assert len(offload.calls) == 1 and offload.calls[0][0] == 1
    assert offload.calls[0][1] != threading.get_ident()
    assert set(offload.python_calls) == {"_insert_rows"}
    assert [e.seq for e in service.store.events(gid, after=seq0)] == delivered == [seq0 + 1]
    # a command's one event goes the same way
    service.execute(gid, Actor("instructor"), "advance")
    assert len(offload.calls) == 2 and set(offload.python_calls) == {"_insert_rows"}
    assert service.store.events(gid)[-1].seq == seq0 + 2


def test_lines_staged_while_the_offload_writes_are_staged_at_once_and_share_the_next_commit(
        service: GameService, four_secrets: Scenario) -> None:
    """While the first line's commit is on the offload's thread, staging goes on (the
    writer holds neither the queue nor a game's lock meanwhile): the five lines staged
    then are stored together, in one transaction, once it returns."""
    gid, players = _talking(service, four_secrets)
    seq0 = service.state(gid).seq
    offload = Offload(hold_before=True)
    service.store.offload = offload
    delivered: list[int] = []
    first = _stage(service, gid, players[0], "a", delivered)
    assert offload.entered.wait(10)
    staging = threading.Thread(target=lambda: rest.extend(
        _stage(service, gid, players[i % 4], f"b{i}", delivered) for i in range(5)))
    rest: list[Staged] = []
    staging.start()
    staging.join(5)
    assert not staging.is_alive() and len(rest) == 5, "staging waited for the commit"
    assert delivered == []
    offload.release.set()
    for s in [first, *rest]:
        s.wait()
    assert [n for n, _ in offload.calls] == [1, 5]
    assert delivered == [seq0 + 1 + i for i in range(6)]
    assert [e.seq for e in service.store.events(gid, after=seq0)] == delivered


def test_no_line_is_delivered_before_its_offloaded_commit_has_returned(
        service: GameService, four_secrets: Scenario) -> None:
    gid, players = _talking(service, four_secrets)
    seq0 = service.state(gid).seq
    offload = Offload(hold_after=True)  # committed on the disk, not yet returned
    service.store.offload = offload
    delivered: list[int] = []
    staged = _stage(service, gid, players[0], "a", delivered)
    assert offload.entered.wait(10)
    assert not staged.done.wait(0.2)
    assert delivered == []
    offload.release.set()
    assert [e.seq for e in staged.wait()] == delivered == [seq0 + 1]


def test_a_batch_failed_on_the_offload_fails_its_lines_and_its_connection_is_not_kept(
        service: GameService, four_secrets: Scenario) -> None:
    gid, players = _talking(service, four_secrets)
    seq0 = service.state(gid).seq
    store = service.store
    offload = Offload(hold_before=True, fail_first=True)
    store.offload = offload
    delivered: list[int] = []
    kept = store._kept  # the commands' INSERTs so far connected it
    assert kept is not None
    first = _stage(service, gid, players[0], "lost", delivered)
    assert offload.entered.wait(10)
    later = _stage(service, gid, players[1], "lost-too", delivered)
    offload.release.set()
    for s in (first, later):
        with pytest.raises(StoreError, match="nothing was saved"):  # the store's own words
            s.wait()
    assert delivered == [] and store.events(gid, after=seq0) == []
    assert store._kept is None
    with pytest.raises(sqlite3.ProgrammingError):  # closed
        kept.execute("SELECT 1")
    assert [e.seq for e in _stage(service, gid, players[0], "again", delivered).wait()] \
        == [seq0 + 1]
    assert store._kept is not None and store._kept is not kept
