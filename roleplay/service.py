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
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from .engine.commands import SYSTEM_ACTOR, Actor, decide
from .engine.errors import N_, RuleError
from .engine.events import Event, EventType
from .engine.state import GameSetup, GameState, apply, initial_state, table_records
from .engine.views import visible_events
from .errors import RoleplayError
from .outbox import EMPTY, Outbox, projector_events, projector_view, seat_view, staff_view
from .outbox import build as build_outbox
from .scenario.loader import CampaignBundle, content_hash
from .scenario.model import Scenario
from .scoring import GameScores, score_game
from .storage.eventstore import (
    ConflictError,
    DuplicateCommandError,
    EventStore,
    GameSummary,
    StoreError,
)
from .storage.tables import GameRow, ScenarioRow

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


class Executed(list[Event]):
    """The events `execute` stored, in log order (a list: none for a repeated command), and
    who must hear of them (`outbox`, built from the state right after them)."""

    def __init__(self, events: Iterable[Event] = (), outbox: Outbox = EMPTY):
        super().__init__(events)
        self.outbox = outbox


@dataclass(frozen=True)
class Joined:
    game_id: str
    player_id: str
    token: str
    events: tuple[Event, ...]
    #: True when a returning student got their seat back (`reclaim`)
    reclaimed: bool = False
    outbox: Outbox = EMPTY


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
    ) -> Executed:
        """Decide and persist. Returns the stored events (none for a repeated command) and
        their outbox (`roleplay.outbox`: who receives what), built from the state after them.

        Token changes go in the events' transaction: `tokens` for new players, `rekey` for
        a reclaimed seat, a merge's token handover (from its `players_merged` event), and a
        kicked player's token revoked (from its `player_kicked` event): the kick and the
        end of its token are one write, so no worker can let the kicked token back in.
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
                    return Executed()
                events = decide(cached.state, actor, command, args, now=self.clock(),
                                client_id=client_id)
                handover = tuple((str(e.data["absorb"]), str(e.data["keep"]))
                                 for e in events if e.type == EventType.PLAYERS_MERGED)
                revoke = tuple(str(e.data["player"])
                               for e in events if e.type == EventType.PLAYER_KICKED)
                try:
                    self.store.append(game_id, events, tokens=tokens, rekey=rekey,
                                      handover=handover, revoke=revoke)
                except ConflictError:
                    # another worker wrote first: catch up, back off a little, decide again
                    time.sleep(random.uniform(0, 0.002 * (attempt + 1)))
                    self._catch_up(cached)
                    continue
                except DuplicateCommandError:
                    self._catch_up(cached)
                    return Executed()
                for e in events:
                    cached.add(e)
                return Executed(tuple(events), build_outbox(cached.state, events))
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
        return Joined(game_id, player_id, token, tuple(events), outbox=events.outbox)

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
        return Joined(game_id, player_id, token, tuple(events), reclaimed=True,
                      outbox=events.outbox)

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

    def projector_events(self, game_id: str, after: int = 0) -> list[Event]:
        """What a projector may see of the log after `after` (the latest public events)."""
        return projector_events(self.log(game_id), after)

    def view(self, game_id: str, viewer: str) -> dict[str, Any]:
        return self.view_of(self.state(game_id), viewer, self.clock())

    def view_of(self, state: GameState, viewer: str, now: float) -> dict[str, Any]:
        """A viewer's view of a state ('instructor', 'projector' or a player id), with
        results when due (built in `roleplay.outbox`)."""
        if viewer == "instructor":
            return staff_view(state, now, self.scores)
        if viewer == "projector":
            return projector_view(state, now, self.scores)
        return seat_view(state, viewer, now, self.scores)

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

    def tick(self, game_id: str) -> Executed:
        """End the running phase if its clock ran out."""
        state = self.state(game_id)
        if state.status != "running" or state.deadline is None or self.clock() < state.deadline:
            return Executed()
        return self.execute(game_id, SYSTEM_ACTOR, "tick")

    # -- what the web layer reads from the store ---------------------------------------
    def games(self) -> list[GameSummary]:
        return self.store.games()

    def game_exists(self, game_id: str) -> bool:
        """Whether the game exists: from memory when this process holds it (every socket's
        connect asks, a reconnect storm or a locked-out flooder's retries hundreds of times a
        second), else from its row, its setup parsed."""
        with self._lock:
            if game_id in self._games:
                return True
        return self.store.setup(game_id) is not None

    def game_row(self, game_id: str) -> GameRow | None:
        """A game's row (title, code, when it finished), or None; a too long id is none."""
        return self.store.game(game_id) if len(game_id) <= 32 else None

    def end_login(self, key_hash: str, keep_s: float) -> None:
        self.store.end_login(key_hash, self.clock(), keep_s)

    def login_ended(self, key_hash: str) -> bool:
        return self.store.login_ended(key_hash)

    # the scenario library's uploads (`web.library.Uploads`)
    def uploads(self) -> list[ScenarioRow]:
        """The scenarios instructors uploaded, newest first."""
        return self.store.uploads()

    def upload(self, number: int) -> ScenarioRow | None:
        return self.store.upload(number)

    def add_upload(self, *, scenario_id: str, title: str, yaml_text: str,
                   now: float) -> ScenarioRow:
        return self.store.add_upload(scenario_id=scenario_id, title=title,
                                     yaml_text=yaml_text, now=now)

    def close(self) -> None:
        """Let the database's connections go (a local server stopping)."""
        self.store.close()

