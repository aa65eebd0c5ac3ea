"""The event store: append-only logs with a unique (game, seq), games and tokens."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, delete, func, insert, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, select

from ..engine.events import Audience, Event, EventType
from ..engine.state import GameSetup
from ..errors import RoleplayError
from ..scenario.model import Campaign, Scenario
from .tables import EndedLoginRow, EventRow, GameRow, PlayerTokenRow, ScenarioRow

EVENT: Table = EventRow.__table__  # type: ignore[attr-defined]
TOKEN: Table = PlayerTokenRow.__table__  # type: ignore[attr-defined]
GAME: Table = GameRow.__table__  # type: ignore[attr-defined]
#: the INSERT of events on the kept SQLite connection, in the DBAPI's own terms (the
#: columns of `_values`)
_INSERT_EVENT = (f"INSERT INTO {EVENT.name} (game_id, seq, type, at, actor, audience_json, "
                 "data_json, client_id) VALUES (:game_id, :seq, :type, :at, :actor, "
                 ":audience_json, :data_json, :client_id)")

#: how the store runs its raw database work: `offload(fn, *args)` returns fn(*args)
Offload = Callable[..., Any]


def run_here(fn: Callable[..., Any], *args: Any) -> Any:
    """The default `EventStore.offload`: call fn in this thread (threading mode, tests)."""
    return fn(*args)


def _insert_rows(conn: sqlite3.Connection, rows: list[dict[str, Any]]) -> None:
    """Store rows in one transaction on an autocommit sqlite3 connection: one INSERT is
    its own; several are BEGIN, INSERT, COMMIT. Only the sqlite3 module's own calls (they
    let the GIL go while SQLite works and syncs): this may run on another OS thread than
    the caller's, where no lock, log or pool of the caller's may be touched."""
    if len(rows) == 1:
        conn.execute(_INSERT_EVENT, rows[0])
        return
    conn.execute("BEGIN")
    conn.executemany(_INSERT_EVENT, rows)
    conn.execute("COMMIT")


class StoreError(RoleplayError):
    """The database could not do what was asked (it may be down)."""


class ConflictError(StoreError):
    """Another writer took this sequence number first: catch up and retry."""


class DuplicateCommandError(StoreError):
    """This client command id is already in the log: the command was applied once."""


@dataclass(frozen=True)
class GameSummary:
    id: str
    code: str
    title: str
    scenario_id: str
    created_at: float
    finished_at: float | None
    events: int


@contextlib.contextmanager
def _reachable(what: str = "The database is not available.") -> Iterator[None]:
    """Turn a lost or refused database connection into StoreError (the callers' `unavailable`)."""
    try:
        yield
    except (OperationalError, InterfaceError) as e:
        raise StoreError(what) from e


def _dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def setup_to_json(setup: GameSetup) -> str:
    return _dumps({
        "game_id": setup.game_id,
        "code": setup.code,
        "seed": setup.seed,
        "scenarios": [s.model_dump(mode="json") for s in setup.scenarios],
        "campaign": setup.campaign.model_dump(mode="json") if setup.campaign else None,
        "show_results": setup.show_results,
        "auto_advance": setup.auto_advance,
    })


def setup_from_json(text: str) -> GameSetup:
    d = json.loads(text)
    return GameSetup(
        game_id=d["game_id"],
        code=d["code"],
        seed=int(d["seed"]),
        scenarios=tuple(Scenario.model_validate(s) for s in d["scenarios"]),
        campaign=Campaign.model_validate(d["campaign"]) if d.get("campaign") else None,
        show_results=bool(d.get("show_results", True)),
        auto_advance=bool(d.get("auto_advance", True)),
    )


def _values(game_id: str, e: Event) -> dict[str, Any]:
    """An event as the column values of its row (for a Core insert)."""
    return {
        "game_id": game_id,
        "seq": e.seq,
        "type": e.type,
        "at": e.at,
        "actor": e.actor,
        "audience_json": _dumps(e.audience.to_dict()),
        "data_json": _dumps(dict(e.data)),
        "client_id": e.client_id,
    }


def _event(r: EventRow) -> Event:
    return Event(
        seq=r.seq,
        type=EventType(r.type),
        at=r.at,
        actor=r.actor,
        audience=Audience.from_dict(json.loads(r.audience_json)),
        data=json.loads(r.data_json),
        client_id=r.client_id,
    )


class EventStore:
    def __init__(self, engine: Engine):
        self.engine = engine
        #: the autocommit sqlite3 connection to a SQLite file that stores events (the
        #: group commit's batches, a command's one event), kept between them: checking a
        #: connection out of the pool, switching it to autocommit and back, and returning
        #: it (a ROLLBACK) cost about twice the INSERT's own CPU, once per chat line
        #: (docs/performance.md, round five), and SQLAlchemy's execution around a one-row
        #: INSERT a third more (round six). SQLite takes one writer at a time anyway, so
        #: taking turns at this connection costs no concurrency. SQLite's file
        #: connections do not drop; PostgreSQL's and the in-memory database's (one
        #: connection shared by every checkout) keep the pool's path.
        self._kept: sqlite3.Connection | None = None
        self._kept_lock = threading.Lock()
        self._keep = engine.dialect.name == "sqlite" and not isinstance(engine.pool, StaticPool)
        #: runs the kept connection's INSERTs and COMMIT (`_insert_rows`): here by default;
        #: under eventlet `roleplay.web.server` hands them to an OS thread, so that the
        #: event loop goes on (and stages the next lines) while SQLite writes and syncs
        self.offload: Offload = run_here

    def close(self) -> None:
        """Let the database's connections go (the kept one too)."""
        with self._kept_lock:
            if self._kept is not None:
                self._kept.close()
                self._kept = None
        self.engine.dispose()

    def _connect_kept(self) -> sqlite3.Connection:
        """A sqlite3 connection of the engine's own (its pragmas: WAL, synchronous=FULL),
        taken out of the pool for good and switched to autocommit. The engine opens SQLite
        files with check_same_thread=False (`make_engine`): an offloaded INSERT runs on
        another OS thread than the one that connected."""
        proxied = self.engine.raw_connection()
        proxied.detach()
        conn = proxied.dbapi_connection
        assert isinstance(conn, sqlite3.Connection)
        conn.isolation_level = None
        return conn

    def _insert_kept(self, rows: list[dict[str, Any]]) -> None:
        """Rows in one transaction on the kept connection (`_insert_rows`, run by `offload`);
        a connection whose statement failed is closed, not kept. sqlite3's errors come out
        as SQLAlchemy's (IntegrityError, OperationalError, ...), as on the pool's path."""
        with self._kept_lock:
            conn, self._kept = self._kept, None
            try:
                if conn is None:
                    conn = self._connect_kept()
                self.offload(_insert_rows, conn, rows)
            except sqlite3.Error as e:
                if conn is not None:
                    conn.close()
                raise DBAPIError.instance(_INSERT_EVENT, None, e, sqlite3.Error) from e
            except Exception:
                if conn is not None:
                    conn.close()
                raise
            # (a BaseException, the writer's green thread killed while an OS thread may
            # still be writing on it: the connection is let go, not closed under it)
            self._kept = conn

    def _insert_alone(self, rows: list[dict[str, Any]]) -> None:
        """One autocommitted INSERT (its own transaction): on the kept connection when
        there is one."""
        if self._keep:
            self._insert_kept(rows)
            return
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(insert(EVENT), rows)

    # -- games ---------------------------------------------------------------------
    def create_game(self, *, setup: GameSetup, title: str, scenario_hash: str, now: float) -> None:
        row = GameRow(
            id=setup.game_id,
            code=setup.code,
            title=title,
            scenario_id=setup.scenarios[0].id,
            scenario_hash=scenario_hash,
            created_at=now,
            setup_json=setup_to_json(setup),
        )
        try:
            with Session(self.engine) as s:
                s.add(row)
                s.commit()
        except IntegrityError as e:
            raise ConflictError("game id or code taken") from e
        except OperationalError as e:
            raise StoreError("The database is not available.") from e

    def setup(self, game_id: str) -> GameSetup | None:
        with _reachable(), Session(self.engine) as s:
            row = s.get(GameRow, game_id)
            return setup_from_json(row.setup_json) if row else None

    def game(self, game_id: str) -> GameRow | None:
        with _reachable(), Session(self.engine) as s:
            return s.get(GameRow, game_id)

    def game_id_for_code(self, code: str) -> str | None:
        with _reachable(), Session(self.engine) as s:
            return s.exec(select(GameRow.id).where(GameRow.code == code)).first()

    def games(self) -> list[GameSummary]:
        with _reachable(), Session(self.engine) as s:
            counts = dict(
                s.exec(select(EventRow.game_id, func.count()).group_by(EventRow.game_id)).all()
            )
            rows = s.exec(select(GameRow).order_by(GameRow.created_at.desc())).all()  # type: ignore[attr-defined]
            return [
                GameSummary(r.id, r.code, r.title, r.scenario_id, r.created_at, r.finished_at,
                            counts.get(r.id, 0))
                for r in rows
            ]

    def unfinished_game_ids(self) -> list[str]:
        with _reachable(), Session(self.engine) as s:
            return list(s.exec(select(GameRow.id).where(GameRow.finished_at == None)).all())  # noqa: E711

    def delete_games(self, game_ids: Sequence[str]) -> int:
        if not game_ids:
            return 0
        with _reachable(), Session(self.engine) as s:
            s.exec(delete(EventRow).where(EventRow.game_id.in_(game_ids)))  # type: ignore[attr-defined]
            s.exec(delete(PlayerTokenRow).where(PlayerTokenRow.game_id.in_(game_ids)))  # type: ignore[attr-defined]
            s.exec(delete(GameRow).where(GameRow.id.in_(game_ids)))  # type: ignore[attr-defined]
            s.commit()
        return len(game_ids)

    def games_created_before(self, cutoff: float) -> list[str]:
        with _reachable(), Session(self.engine) as s:
            return list(s.exec(select(GameRow.id).where(GameRow.created_at < cutoff)).all())

    # -- the log ---------------------------------------------------------------------
    def append(
        self,
        game_id: str,
        events: Sequence[Event],
        *,
        tokens: Sequence[tuple[str, str]] = (),
        rekey: Sequence[tuple[str, str]] = (),
        handover: Sequence[tuple[str, str]] = (),
        revoke: Sequence[str] = (),
    ) -> None:
        """Store events (and new players' token hashes) in one transaction, or nothing.

        `rekey` (player, hash) gives a player a new token (the old one stops working: a
        seat reclaimed from a new device); `handover` (from, to) moves `from`'s token to
        `to` (two players merged: the device of `from` now holds `to`'s seat); `revoke`
        ends players' tokens (a kick: stored with the kick, or not at all).

        Raises ConflictError when a sequence number is taken (catch up and
        retry), DuplicateCommandError when the command's client id is already
        stored, StoreError when the database is unavailable.
        """
        if not events:
            return
        # Core statements, not the ORM's unit of work: this runs once per command, and
        # the ORM's bookkeeping was a third of its time (bench/run.py, storage).
        rows = [_values(game_id, e) for e in events]
        finishes = any(e.type == EventType.GAME_FINISHED for e in events)
        try:
            if len(rows) == 1 and not (tokens or rekey or handover or revoke) and not finishes:
                # the common case (a chat line, a proposal, a signature): one INSERT is its own
                # transaction, as atomic and durable as BEGIN/INSERT/COMMIT, in one round trip
                self._insert_alone(rows)
                return
            with self.engine.begin() as conn:
                conn.execute(insert(EVENT), rows)
                if tokens:
                    conn.execute(insert(TOKEN), [
                        {"game_id": game_id, "player_id": p, "token_hash": h, "revoked": False}
                        for p, h in tokens])
                for p, h in rekey:
                    conn.execute(update(TOKEN).where(TOKEN.c.game_id == game_id,
                                                     TOKEN.c.player_id == p)
                                 .values(token_hash=h, revoked=False))
                for source, target in handover:
                    self._hand_token_over(conn, game_id, source, target)
                if revoke:
                    conn.execute(update(TOKEN).where(TOKEN.c.game_id == game_id,
                                                     TOKEN.c.player_id.in_(revoke))
                                 .values(revoked=True))
                if finishes:
                    conn.execute(update(GAME).where(GAME.c.id == game_id)
                                 .values(finished_at=events[-1].at))
        except IntegrityError as e:
            client_id = events[0].client_id
            if client_id is not None and self._has_client_id(game_id, client_id):
                raise DuplicateCommandError(client_id) from e
            raise ConflictError(f"sequence {events[0].seq} of game {game_id} is taken") from e
        except OperationalError as e:
            raise StoreError("The database is not available; nothing was saved.") from e

    def append_batch(self, batch: Sequence[tuple[str, Sequence[Event]]]) -> None:
        """Several commands' events, of one or more games, in one transaction: one COMMIT
        (one fsync) for all of them, or nothing (group commit: `GameService.stage_chat`).

        Raises ConflictError when a sequence number or client id is taken, StoreError
        when the database is unavailable; then none of the batch is stored.
        """
        rows = [_values(game_id, e) for game_id, events in batch for e in events]
        if not rows:
            return
        try:
            if self._keep:  # one transaction on the kept connection (an INSERT alone in it)
                self._insert_kept(rows)
                return
            if len(rows) == 1:  # alone in its batch: one autocommitted INSERT, as `append`
                self._insert_alone(rows)
                return
            with self.engine.begin() as conn:
                conn.execute(insert(EVENT), rows)
        except IntegrityError as e:
            raise ConflictError("a sequence number or command of the batch is taken") from e
        except OperationalError as e:
            raise StoreError("The database is not available; nothing was saved.") from e

    @staticmethod
    def _hand_token_over(conn: Any, game_id: str, source: str, target: str) -> None:
        mine = (TOKEN.c.game_id == game_id) & (TOKEN.c.player_id == source)
        moved = conn.execute(select(TOKEN.c.token_hash).where(mine)).scalar()
        if moved is None:
            return
        conn.execute(delete(TOKEN).where(mine))  # first: token hashes are unique
        conn.execute(update(TOKEN).where(TOKEN.c.game_id == game_id, TOKEN.c.player_id == target)
                     .values(token_hash=moved, revoked=False))

    def _has_client_id(self, game_id: str, client_id: str) -> bool:
        with _reachable(), Session(self.engine) as s:
            q = select(EventRow.id).where(EventRow.game_id == game_id, EventRow.client_id == client_id)
            return s.exec(q).first() is not None

    def events(self, game_id: str, after: int = 0) -> list[Event]:
        try:
            with Session(self.engine) as s:
                q = (
                    select(EventRow)
                    .where(EventRow.game_id == game_id, EventRow.seq > after)
                    .order_by(EventRow.seq)  # type: ignore[arg-type]
                )
                return [_event(r) for r in s.exec(q).all()]
        except OperationalError as e:
            raise StoreError("The database is not available.") from e

    # -- tokens --------------------------------------------------------------------------
    def player_for_token(self, game_id: str, token_hash: str) -> str | None:
        with _reachable(), Session(self.engine) as s:
            row = s.exec(
                select(PlayerTokenRow).where(
                    PlayerTokenRow.game_id == game_id, PlayerTokenRow.token_hash == token_hash
                )
            ).first()
            return row.player_id if row is not None and not row.revoked else None

    # -- instructor logins ended by logging out -------------------------------------------
    def end_login(self, key_hash: str, now: float, keep_s: float) -> None:
        """Record a logout (once), and forget logouts older than `keep_s`."""
        with _reachable(), Session(self.engine) as s:
            s.exec(delete(EndedLoginRow).where(EndedLoginRow.ended_at < now - keep_s))  # type: ignore[arg-type]
            if s.get(EndedLoginRow, key_hash) is None:
                s.add(EndedLoginRow(key_hash=key_hash, ended_at=now))
            try:
                s.commit()
            except IntegrityError:  # another worker recorded the same logout just now
                s.rollback()

    def login_ended(self, key_hash: str) -> bool:
        with _reachable(), Session(self.engine) as s:
            return s.get(EndedLoginRow, key_hash) is not None

    # -- uploaded scenarios -------------------------------------------------------------
    def uploads(self) -> list[ScenarioRow]:
        """Every uploaded scenario, newest first."""
        with _reachable(), Session(self.engine) as s:
            q = select(ScenarioRow).order_by(ScenarioRow.created_at.desc())  # type: ignore[attr-defined]
            return list(s.exec(q).all())

    def upload(self, number: int) -> ScenarioRow | None:
        with _reachable(), Session(self.engine) as s:
            return s.get(ScenarioRow, number)

    def add_upload(self, *, scenario_id: str, title: str, yaml_text: str,
                   now: float) -> ScenarioRow:
        row = ScenarioRow(scenario_id=scenario_id, title=title, yaml_text=yaml_text,
                          created_at=now)
        with _reachable("The database is not available; the scenario was not saved."), \
                Session(self.engine) as s:
            s.add(row)
            s.commit()
            s.refresh(row)
        return row
