"""The application service: load a game, decide, persist, and hand back the events.

No Flask and no Socket.IO here: the web layer and the CLI both call this.
Persist, then broadcast: `execute` returns events only after they are
committed; the caller delivers them. Games live in memory as a cache of
their log; a restart, or another worker's write, is caught up from the
database (the unique sequence number makes a stale writer retry).
"""

from __future__ import annotations

import hashlib
import logging
import random
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from .engine.commands import SYSTEM_ACTOR, Actor, decide
from .engine.errors import N_, RuleError
from .engine.events import Event, EventType
from .engine.state import GameSetup, GameState, apply, initial_state, table_records
from .engine.views import instructor_view, player_view, results_visible, visible_events
from .errors import RoleplayError
from .scenario.loader import CampaignBundle, content_hash
from .scenario.model import Scenario
from .scoring import GameScores, TableScore, score_game
from .storage.eventstore import ConflictError, DuplicateCommandError, EventStore, StoreError

#: Join codes avoid look-alikes (0/O, 1/I/L, 2/Z, 5/S, 8/B) and vowels (no words).
log = logging.getLogger(__name__)

CODE_ALPHABET = "34679CDFGHJKMNPQRTVWXY"
CODE_LENGTH = 5
MAX_RETRIES = 30


class NotFound(RoleplayError):
    pass


def new_code(rng: secrets.SystemRandom | None = None) -> str:
    r = rng or secrets.SystemRandom()
    return "".join(r.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(raw: str) -> str:
    """What a student typed, forgiving case, spaces and dashes."""
    return "".join(ch for ch in raw.upper() if ch.isalnum())[:16]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class _Cached:
    state: GameState
    log: list[Event] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock)
    #: client ids of the stored commands: a retry is recognised before it is decided again
    client_ids: set[str] = field(default_factory=set)
    #: chat lines staged for the group commit and not yet stored and delivered (or failed)
    in_flight: int = 0
    #: the seq of the last staged event (the next staged one follows it)
    staged_seq: int = 0
    #: notified (under `lock`) whenever `in_flight` drops
    settled: threading.Condition = field(init=False)

    def __post_init__(self) -> None:
        self.settled = threading.Condition(self.lock)

    def add(self, e: Event) -> None:
        if e.seq <= self.state.seq:
            return  # already caught up from the database (a staged chat line just committed)
        self.state = apply(self.state, e)
        self.log.append(e)
        if e.client_id is not None:
            self.client_ids.add(e.client_id)


@dataclass
class Staged:
    """A chat line decided and queued for the group commit (`GameService.stage_chat`)."""

    game_id: str
    events: list[Event]
    #: sends the events to their audiences, once they are durable, in log order
    deliver: Callable[[list[Event]], None]
    done: threading.Event = field(default_factory=threading.Event)
    error: RoleplayError | None = None

    def wait(self) -> list[Event]:
        """The stored and delivered events, or the StoreError that kept them out."""
        self.done.wait()
        if self.error is not None:
            raise self.error
        return self.events


@dataclass(frozen=True)
class Joined:
    game_id: str
    player_id: str
    token: str
    events: tuple[Event, ...]
    #: True when a returning student got their seat back (`reclaim`)
    reclaimed: bool = False


class GameService:
    def __init__(self, store: EventStore, *, clock: Callable[[], float] = time.time):
        self.store = store
        self.clock = clock
        self._games: dict[str, _Cached] = {}
        self._scores: dict[tuple[str, int, int], GameScores] = {}
        self._lock = threading.Lock()
        #: the group commit's queue (in seq order per game) and its writer
        self._queue: list[Staged] = []
        self._queued = threading.Condition()
        self._writer: threading.Thread | None = None

    # -- creating and loading -------------------------------------------------------
    def create_game(
        self,
        source: Scenario | CampaignBundle,
        *,
        seed: int | None = None,
        show_results: bool = True,
        auto_advance: bool = True,
    ) -> GameState:
        if isinstance(source, CampaignBundle):
            scenarios, campaign = source.scenarios, source.campaign
            title, digest = campaign.title, content_hash(campaign)
        else:
            scenarios, campaign = (source,), None
            title, digest = source.title, content_hash(source)
        for _ in range(20):
            setup = GameSetup(
                game_id=secrets.token_hex(8),
                code=new_code(),
                seed=seed if seed is not None else secrets.randbelow(2**31),
                scenarios=tuple(scenarios),
                campaign=campaign,
                show_results=show_results,
                auto_advance=auto_advance,
            )
            try:
                self.store.create_game(setup=setup, title=title, scenario_hash=digest, now=self.clock())
            except ConflictError:
                continue
            state = initial_state(setup)
            with self._lock:
                self._games[setup.game_id] = _Cached(state)
            return state
        raise RoleplayError("Could not find a free join code; try again.")

    def _cached(self, game_id: str) -> _Cached:
        with self._lock:
            cached = self._games.get(game_id)
        if cached is None:
            setup = self.store.setup(game_id)
            if setup is None:
                raise NotFound("No such game.")
            cached = _Cached(initial_state(setup))
            with self._lock:
                cached = self._games.setdefault(game_id, cached)
        return cached

    def _catch_up(self, cached: _Cached) -> list[Event]:
        """Apply events other workers (or an earlier process) stored after ours."""
        newer = self.store.events(cached.state.setup.game_id, after=cached.state.seq)
        for e in newer:
            cached.add(e)
        return newer

    def state(self, game_id: str) -> GameState:
        cached = self._cached(game_id)
        with cached.lock:
            self._catch_up(cached)
            return cached.state

    def state_at_least(self, game_id: str, seq: int) -> GameState:
        """The state once it holds event `seq`: from memory when it does (no database read).

        Right after `execute` the cached state holds the events just stored, and
        every earlier one (a seq is stored only on top of the one before), so the
        web layer builds its views from it without a catch-up query per command.
        """
        cached = self._cached(game_id)
        with cached.lock:
            if cached.state.seq < seq:
                self._catch_up(cached)
            return cached.state

    def log(self, game_id: str) -> list[Event]:
        cached = self._cached(game_id)
        with cached.lock:
            self._catch_up(cached)
            return list(cached.log)

    def forget(self, game_id: str) -> None:
        """Drop the in-memory copy (a test's 'kill the store object')."""
        with self._lock:
            self._games.pop(game_id, None)

    def game_id_for_code(self, code: str) -> str | None:
        return self.store.game_id_for_code(normalise_code(code))

    # -- commands ------------------------------------------------------------------------
    def execute(
        self,
        game_id: str,
        actor: Actor,
        command: str,
        args: Mapping[str, Any] | None = None,
        *,
        client_id: str | None = None,
        tokens: tuple[tuple[str, str], ...] = (),
        rekey: tuple[tuple[str, str], ...] = (),
    ) -> list[Event]:
        """Decide and persist. Returns the stored events (empty for a repeated command).

        Token changes go in the events' transaction: `tokens` for new players, `rekey` for
        a reclaimed seat, and a merge's token handover (from its `players_merged` event).
        """
        cached = self._cached(game_id)
        with cached.lock:
            # chat lines staged before this command are stored and delivered first (their
            # seqs come before its), and none is staged meanwhile: the caller holds the
            # game's lock, which staging takes too
            cached.settled.wait_for(lambda: cached.in_flight == 0)
            if not cached.log and cached.state.seq == 0:
                self._catch_up(cached)
            for attempt in range(MAX_RETRIES):
                if client_id is not None and client_id in cached.client_ids:
                    # a retry of a stored command (sent twice, or to two workers): applied once,
                    # and acknowledged rather than refused ("you already signed")
                    return []
                events = decide(cached.state, actor, command, args, now=self.clock(),
                                client_id=client_id)
                handover = tuple((str(e.data["absorb"]), str(e.data["keep"]))
                                 for e in events if e.type == EventType.PLAYERS_MERGED)
                try:
                    self.store.append(game_id, events, tokens=tokens, rekey=rekey,
                                      handover=handover)
                except ConflictError:
                    # another worker wrote first: catch up, back off a little, decide again
                    time.sleep(random.uniform(0, 0.002 * (attempt + 1)))
                    self._catch_up(cached)
                    continue
                except DuplicateCommandError:
                    self._catch_up(cached)
                    return []
                for e in events:
                    cached.add(e)
                return list(events)
        raise RoleplayError("The game is very busy; please try again.")

    # -- group commit ---------------------------------------------------------------------
    def stage_chat(self, game_id: str, actor: Actor, args: Mapping[str, Any] | None, *,
                   client_id: str | None,
                   deliver: Callable[[list[Event]], None]) -> Staged | None:
        """Decide a chat line and queue it for the group commit; None for a repeat.

        Commands of one game commit one after another, so with the disk slow (5-20 ms
        per commit on a shared machine: docs/performance.md) a game's throughput was one
        command per fsync. Chat lines (most commands) change no state but the seq: each
        is decided on the durable state, numbered after the lines already staged, and
        queued; one writer stores everything queued in one transaction, then applies
        and `deliver`s each line in log order, and only then does `Staged.wait` return
        (persist, then broadcast: nobody hears of a line before it is durable). A failed
        batch fails every line staged on top of it. Call it holding the game's lock
        (staging order is log order); one worker only (no message queue).
        """
        cached = self._cached(game_id)
        with cached.lock:
            if not cached.log and cached.state.seq == 0:
                self._catch_up(cached)
            if client_id is not None and client_id in cached.client_ids:
                return None
            decided = decide(cached.state, actor, "chat", args, now=self.clock(),
                             client_id=client_id)
            base = cached.staged_seq if cached.in_flight else cached.state.seq
            events = [replace(e, seq=base + i + 1) for i, e in enumerate(decided)]
            if not events:
                return None
            item = Staged(game_id, events, deliver)
            cached.staged_seq = events[-1].seq
            cached.in_flight += 1
            if client_id is not None:
                cached.client_ids.add(client_id)
            with self._queued:  # under the game's cache lock: the queue keeps seq order
                self._queue.append(item)
                self._queued.notify()
                if self._writer is None:
                    self._writer = threading.Thread(target=self._write, name="group-commit",
                                                    daemon=True)
                    self._writer.start()
        return item

    def _write(self) -> None:
        """The group commit's writer: everything queued, in one transaction, until stopped."""
        while True:
            with self._queued:
                while not self._queue:
                    self._queued.wait()
                batch, self._queue = self._queue, []
            try:
                self.store.append_batch([(i.game_id, i.events) for i in batch])
            except Exception as e:  # the writer outlives any failure: its lines fail instead
                if not isinstance(e, RoleplayError):
                    log.exception("the group commit failed")
                self._failed(batch, e)
                continue
            for item in batch:
                cached = self._cached(item.game_id)
                with cached.lock:
                    for ev in item.events:
                        cached.add(ev)
                try:
                    item.deliver(item.events)
                except Exception:  # stored: the pages' next sync brings what was not sent
                    log.exception("delivering chat line %s failed", item.events[0].seq)
                with cached.lock:
                    cached.in_flight -= 1
                    cached.settled.notify_all()
                item.done.set()

    def _failed(self, batch: list[Staged], cause: Exception) -> None:
        """A batch was not stored: it fails, and so does every line staged on top of it."""
        error = cause if isinstance(cause, StoreError) and not isinstance(cause, ConflictError) \
            else StoreError("The database is not available; nothing was stored.")
        for game_id in dict.fromkeys(i.game_id for i in batch):
            cached = self._cached(game_id)
            with cached.lock:  # no line of this game is staged meanwhile
                with self._queued:
                    later = [i for i in self._queue if i.game_id == game_id]
                    self._queue = [i for i in self._queue if i.game_id != game_id]
                for item in [i for i in batch if i.game_id == game_id] + later:
                    for ev in item.events:
                        if ev.client_id is not None:
                            cached.client_ids.discard(ev.client_id)
                    item.error = error
                    cached.in_flight -= 1
                    item.done.set()
                cached.staged_seq = cached.state.seq
                cached.settled.notify_all()

    def join(self, code: str, name: str, language: str | None = None) -> Joined:
        game_id = self.game_id_for_code(code)
        if game_id is None:
            raise RuleError(N_("No game has that code; check it with your instructor."), code="not_found")
        player_id = secrets.token_hex(6)
        token = secrets.token_urlsafe(24)  # 192 bits
        events = self.execute(
            game_id, SYSTEM_ACTOR, "join",
            {"player": player_id, "name": name,
             **({"language": language} if language is not None else {})},
            tokens=((player_id, hash_token(token)),),
        )
        return Joined(game_id, player_id, token, tuple(events))

    def reclaim(self, game_id: str, player_id: str, name: str,
                language: str | None = None) -> Joined:
        """A returning student takes their seat back: a new token, the old one void.

        Whether they may (the seat's player is offline, or the seat was handed to this
        name) is the caller's check of presence plus the engine's `reclaim` rule."""
        token = secrets.token_urlsafe(24)
        events = self.execute(game_id, SYSTEM_ACTOR, "reclaim",
                              {"player": player_id, "name": name,
                               **({"language": language} if language is not None else {})},
                              rekey=((player_id, hash_token(token)),))
        return Joined(game_id, player_id, token, tuple(events), reclaimed=True)

    def authenticate(self, game_id: str, token: str) -> str | None:
        """The player a token belongs to, or None (unknown, revoked, or kicked)."""
        if not isinstance(token, str) or not 16 <= len(token) <= 128:
            return None
        player_id = self.store.player_for_token(game_id, hash_token(token))
        if player_id is None:
            return None
        p = self.state(game_id).players.get(player_id)
        if p is None or p.kicked:
            return None
        return player_id

    # -- reading -----------------------------------------------------------------------
    def events_for(self, game_id: str, viewer: str, after: int = 0) -> list[Event]:
        cached = self._cached(game_id)
        with cached.lock:
            self._catch_up(cached)
            tail = [e for e in cached.log if e.seq > after]
            return visible_events(cached.state, viewer, tail)

    def view(self, game_id: str, viewer: str) -> dict[str, Any]:
        return self.view_of(self.state(game_id), viewer, self.clock())

    def view_of(self, state: GameState, viewer: str, now: float) -> dict[str, Any]:
        """A viewer's view of a state ('instructor' or a player id), with results when due."""
        if viewer == "instructor":
            out = instructor_view(state, now)
            if any(t.outcome != "open" for t in state.tables.values()):
                out["results"] = self.scores(state).to_dict()
            return out
        out = player_view(state, viewer, now)
        if results_visible(state) and out["table"] is not None:
            out["results"] = player_results(self.scores(state), state, viewer)
        return out

    def public_results(self, state: GameState) -> dict[str, Any] | None:
        """What the projector may show once results are visible: types and role scores."""
        if not results_visible(state) or not state.tables:
            return None
        return {"tables": [_table_summary(t) for t in self.scores(state).tables]}

    def scores(self, state: GameState, step: int | None = None) -> GameScores:
        """Scores of every table of a step, computed once per state of the log."""
        step = state.step if step is None else step
        key = (state.setup.game_id, step, state.seq)
        with self._lock:
            hit = self._scores.get(key)
        if hit is None:
            hit = score_game(state.setup.scenarios[step], table_records(state, step))
            with self._lock:
                if len(self._scores) > 256:
                    self._scores.clear()
                self._scores[key] = hit
        return hit

    def running_game_ids(self) -> list[str]:
        with self._lock:
            return [gid for gid, c in self._games.items() if c.state.status == "running"]

    def load_unfinished(self) -> list[str]:
        """After a restart: bring every unfinished game back into memory."""
        ids = self.store.unfinished_game_ids()
        for gid in ids:
            self.state(gid)
        return ids

    def tick(self, game_id: str) -> list[Event]:
        """End the running phase if its clock ran out."""
        state = self.state(game_id)
        if state.status != "running" or state.deadline is None or self.clock() < state.deadline:
            return []
        return self.execute(game_id, SYSTEM_ACTOR, "tick")




def _table_summary(ts: TableScore) -> dict[str, Any]:
    d = ts.differentiation
    return {
        "id": ts.table,
        "outcome": "deal" if ts.valid else "deadlock",
        "deal": ts.deal if ts.valid else None,
        "type": ts.table_type,
        "scores": {r.role: r.score for r in ts.roles},
        "tailoring": d.tailoring if d else None,
        "partnership": d.partnership if d else None,
    }


def player_results(scores: GameScores, state: GameState, player_id: str) -> dict[str, Any]:
    """What a student sees at the results: every table's type and role scores (0–100),
    and this role's own points; never another role's points or BATNA."""
    p = state.players[player_id]
    mine = next(t for t in scores.tables if t.table == p.table)
    own = mine.role(p.role or "")
    table = _table_summary(mine)
    table["points"] = {own.role: own.utility}
    # a percentile among one or two other seats says little and names them: 3 or more
    others = sum(1 for t in scores.tables
                 if t.table != mine.table and t.role(own.role).score is not None)
    table["percentile"] = scores.shown_percentile(mine.table, own.role)
    table["percentile_of"] = others
    return {
        "table": table,
        "tables": [_table_summary(t) for t in scores.tables],
        "report_url": f"/play/{state.setup.game_id}/results",
    }
