"""Commands: check a request against the state and the actor, and return events.

`decide(state, actor, name, args, now=...)` is the single entry point. It
never changes anything itself: it returns the new events (already numbered),
or raises RuleError saying why not. Randomness comes from the game's seed and
the sequence number, so the same log always replays to the same state (the
rolled outcome is recorded in the events anyway).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ..i18n.messages import Text, english, say
from ..scenario.languages import SOURCE, choices, known
from ..scenario.model import Effects, EventCard, Scenario
from . import rules
from .errors import N_, RuleError, check
from .events import (
    GAME,
    INSTRUCTOR,
    Audience,
    Event,
    EventType,
    player_audience,
    roles_audience,
    table_audience,
)
from .names import name_key, normalise_name
from .records import Package
from .rules import TEAM as TEAM  # the views and the bots' tests import them from here
from .rules import other_signatory as other_signatory
from .rules import player_refusal
from .state import GameState, Player, TableState, apply

MAX_CHAT = 1000


@dataclass(frozen=True)
class Actor:
    kind: Literal["instructor", "player", "system"]
    player: str | None = None

    @property
    def id(self) -> str:
        return self.player if self.kind == "player" and self.player else self.kind


INSTRUCTOR_ACTOR = Actor("instructor")
SYSTEM_ACTOR = Actor("system")


@dataclass
class _Builder:
    """Collects events, applying each at once so later checks see it."""

    state: GameState
    actor: Actor
    now: float
    client_id: str | None
    events: list[Event] = field(default_factory=list)

    def emit(self, type_: EventType, audience: Audience, **data: Any) -> Event:
        event = Event(
            seq=self.state.seq + 1,
            type=type_,
            at=self.now,
            actor=self.actor.id,
            audience=audience,
            data=data,
            client_id=self.client_id if not self.events else None,
        )
        before = self.state
        self.state = apply(self.state, event)
        self.events.append(event)
        if type_ in _MOVES_VARIABLES:
            _thresholds(self, before)
        return event

    def rng(self) -> random.Random:
        return random.Random(f"{self.state.setup.seed}:{self.state.seq}:{len(self.events)}")


#: event types whose effects may move a table's variables (and so cross a threshold)
_MOVES_VARIABLES = frozenset({EventType.ACTION_TAKEN, EventType.EVENT_FIRED})


def _thresholds(b: _Builder, before: GameState) -> None:
    """Fire each scenario variable threshold a table's value has just crossed (once per
    table): 'trust falls below 20' is an event of its own, with its effects."""
    sc = b.state.scenario
    for tid, t in sorted(b.state.tables.items()):
        old = before.tables.get(tid)
        if old is None or old.step != t.step:
            continue
        for name, spec in sc.variables.items():
            for th in spec.thresholds:
                key = f"{name}{th.key}"
                was, now = old.variables.get(name, spec.initial), t.variables.get(name, spec.initial)
                if key in t.thresholds_fired or not th.crossed(was, now):
                    continue
                b.emit(EventType.THRESHOLD_CROSSED, table_audience(tid), table=tid, key=key,
                       variable=name, title=th.title, text=th.text,
                       effects=_public_effects(th.effects))
                _private_effects(b, th.effects, tid, th.title)
                t = b.state.tables[tid]


Handler = Callable[[_Builder, Mapping[str, Any]], None]
_COMMANDS: dict[str, tuple[frozenset[str], Handler]] = {}


def _command(name: str, *who: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        _COMMANDS[name] = (frozenset(who), fn)
        return fn

    return register


def command_names() -> dict[str, frozenset[str]]:
    """Every command and who may send it ('instructor', 'player', 'system')."""
    return {name: who for name, (who, _) in _COMMANDS.items()}


def decide(
    state: GameState,
    actor: Actor,
    command: str,
    args: Mapping[str, Any] | None = None,
    *,
    now: float,
    client_id: str | None = None,
) -> tuple[Event, ...]:
    """The events a command produces, or RuleError."""
    if not isinstance(command, str) or command not in _COMMANDS:
        raise RuleError(N_("Unknown command %(command)s."), code="bad_request",
                        params={"command": repr(str(command)[:40])})
    if args is None:
        args = {}
    if not isinstance(args, Mapping):
        raise RuleError(N_("A command's arguments must be an object."), code="bad_request")
    who, handler = _COMMANDS[command]
    if actor.kind not in who:
        raise RuleError(N_("Only the %(who)s may %(command)s."),
                        params={"who": " or ".join(sorted(who)),
                                "command": command.replace("_", " ")})
    if actor.kind == "player":
        _player(state, actor)
    if not math.isfinite(now):
        raise RuleError(N_("Bad clock."), code="bad_request")
    _current_step(state, args)
    b = _Builder(state, actor, now, client_id)
    handler(b, args)
    return tuple(b.events)


def _current_step(state: GameState, args: Mapping[str, Any]) -> None:
    """A command may name the campaign step (`step`, `scenario`) it was chosen in: one sent
    from a page still showing the previous scenario (an event id there can mean another
    event here) is refused, not applied to the new step."""
    if "step" not in args and "scenario" not in args:
        return
    step, scenario = args.get("step", state.step), args.get("scenario", state.scenario.id)
    if isinstance(step, bool) or not isinstance(step, int) or not isinstance(scenario, str):
        raise RuleError(N_("'step' must be a whole number and 'scenario' an id."), code="bad_request")
    if step == state.step and scenario == state.scenario.id:
        return
    steps = state.setup.scenarios
    named = step if "step" in args else next(
        (i for i, sc in enumerate(steps) if sc.id == scenario), -1)
    was = f"scenario {named + 1}" if 0 <= named < len(steps) else "another scenario"
    raise RuleError(N_("This was chosen for %(was)s; the game is now on scenario %(step)s of "
                       "%(steps)s (%(title)s). Nothing was done: choose again from the current "
                       "lists."), code="conflict",
                    params={"was": was, "step": state.step + 1, "steps": len(steps),
                            "title": state.scenario.title})


# -- argument helpers --------------------------------------------------------------
def _text(args: Mapping[str, Any], key: str, max_len: int = MAX_CHAT) -> str:
    value = args.get(key)
    if not isinstance(value, str):
        raise RuleError(N_("'%(key)s' must be text."), code="bad_request", params={"key": key})
    value = value.strip()
    if not value:
        raise RuleError(N_("'%(key)s' is empty."), code="bad_request", params={"key": key})
    if len(value) > max_len:
        raise RuleError(N_("'%(key)s' is longer than %(max)s characters."), code="bad_request",
                        params={"key": key, "max": max_len})
    return value


def _int(args: Mapping[str, Any], key: str, lo: int, hi: int, default: int | None = None) -> int:
    value = args.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise RuleError(N_("'%(key)s' must be a whole number from %(lo)s to %(hi)s."),
                        code="bad_request", params={"key": key, "lo": lo, "hi": hi})
    return value


def _opt_table(state: GameState, args: Mapping[str, Any]) -> int | None:
    if args.get("table") is None:
        return None
    t = _int(args, "table", 1, 10_000)
    if t not in state.tables:
        raise RuleError(N_("There is no table %(table)s."), code="not_found", params={"table": t})
    return t


def _player(state: GameState, actor: Actor) -> Player:
    check(player_refusal(state, actor.player))
    return state.players[actor.player or ""]


def _seated(b: _Builder, command: str, **what: Any) -> tuple[Player, TableState, str]:
    """The actor's seat, once `command`'s rules (seat, phase, its own with `what`) pass."""
    check(rules.refusal(b.state, b.actor.player, command, b.now, **what))
    p = b.state.players[b.actor.player or ""]
    assert p.table is not None and p.role is not None
    return p, b.state.tables[p.table], p.role


def _package(sc: Scenario, raw: Any) -> dict[str, str]:
    if not isinstance(raw, Mapping):
        raise RuleError(N_("A package must map every issue to one option."), code="bad_request")
    issues = {i.id: {o.id for o in i.options} for i in sc.issues}
    if set(raw) != set(issues):
        missing = sorted(set(issues) - set(raw))
        if missing:
            raise RuleError(N_("Choose an option for: %(issues)s."), code="bad_request",
                            params={"issues": ", ".join(missing)})
        raise RuleError(N_("The package names an unknown issue."), code="bad_request")
    for issue, option in raw.items():
        if not isinstance(option, str) or option not in issues[issue]:
            raise RuleError(N_("Unknown option for %(issue)s."), code="bad_request",
                            params={"issue": issue})
    pkg = {i.id: str(raw[i.id]) for i in sc.issues}
    check(rules.linkage_reason(sc, pkg))
    return pkg


def linkage_problem(sc: Scenario, pkg: Package) -> str | None:
    """Why a package breaks the scenario's linkage rules (English), or None."""
    reason = rules.linkage_reason(sc, pkg)
    return reason.message if reason is not None else None


def utility(state: GameState, table: TableState, role: str, pkg: Package) -> float:
    return state.scenario.points(role, pkg) + table.point_adjust.get(role, 0.0)


# -- lobby and seats -----------------------------------------------------------------
@_command("join", "system")
def _join(b: _Builder, args: Mapping[str, Any]) -> None:
    s = b.state
    if s.lobby_locked:
        raise RuleError(N_("The lobby is locked; ask your instructor."), code="forbidden")
    if s.status == "finished":
        raise RuleError(N_("This game is over."), code="wrong_phase")
    pid = _text(args, "player", 64)
    if pid in s.players:
        raise RuleError(N_("That player id is taken."), code="conflict")
    name = normalise_name(args.get("name"))
    same = same_name(s, name)
    if same is not None:
        # told, not renamed: the web layer gives a returning student the seat back
        # (`reclaim`) before it gets here; this is someone else, or the seat is in use
        if same.kicked and same.merged_into is None:
            raise RuleError(N_("%(name)s was removed from this game. If your instructor lets "
                               "you back, they will hand you a seat under this name."),
                            code="forbidden", params={"name": same.name})
        raise RuleError(N_("Someone called %(name)s is already in this game. If that is you, "
                           "close the game on your other device and join again; if not, add "
                           "your initial or surname."), code="conflict", params={"name": same.name})
    language = _language(args, SOURCE)
    b.emit(EventType.PLAYER_JOINED, player_audience(pid), player=pid, name=name,
           language=language)
    if s.status != "lobby":
        _seat_late(b, pid)


def _language(args: Mapping[str, Any], default: str | None) -> str:
    """The `language` argument: a code the game offers; `default` when it is left out."""
    value = args.get("language")
    if value is None and default is not None:
        return default
    if not known(value):
        shown = str(value)[:20] if isinstance(value, str) else type(value).__name__
        raise RuleError(N_("'language' must be %(choices)s (got %(got)s)."), code="bad_request",
                        params={"choices": choices(), "got": repr(shown)})
    return str(value)


def _set_language(b: _Builder, pid: str, language: str) -> None:
    if b.state.players[pid].language != language:
        b.emit(EventType.LANGUAGE_SET, player_audience(pid), player=pid, language=language)


@_command("set_language", "player")
def _set_language_cmd(b: _Builder, args: Mapping[str, Any]) -> None:
    """A player reads in another language from now on (their pages and their seat's
    scenario text); the same language again changes nothing."""
    p = _player(b.state, b.actor)
    _set_language(b, p.id, _language(args, None))


def same_name(s: GameState, name: str) -> Player | None:
    """The player whose name is the same as `name` (`name_key`), if any: one still in the
    game first, else a removed one (merged players aside: their name lives on in the seat
    they were merged into)."""
    key = name_key(name)
    same = [p for p in s.players.values() if p.merged_into is None and name_key(p.name) == key]
    return next((p for p in same if not p.kicked), same[0] if same else None)


def handed_seat(s: GameState, name: str) -> Player | None:
    """The player whose seat the instructor handed to `name` (`hand`), if any."""
    key = name_key(name)
    return next((p for p in s.players.values() if p.handed_to == key and not p.kicked), None)


def returning_seat(s: GameState, name: str, online: set[str]) -> Player | None:
    """The seat a student joining as `name` gets back, or None (a new player joins).

    The rule (docs/security.md, "Identity"): a seat the instructor handed to this name,
    whoever holds it now; else the seat of a player with the same name (`name_key`)
    while that player is offline (no socket open). The same name while its player is
    online is refused, with a message: two people, or one on two devices.
    """
    handed = handed_seat(s, name)
    if handed is not None:
        return handed
    same = same_name(s, name)
    if same is None or same.kicked:
        return None  # a new player; `join` refuses a removed player's name
    if same.id in online:
        raise RuleError(N_("Someone called %(name)s is playing in this game right now. If that "
                           "is you on another phone or tab, close it and join again in 10 "
                           "seconds; if not, add your initial or surname."), code="conflict",
                        params={"name": same.name})
    return same


def seat_text(s: GameState, p: Player) -> Text:
    """Where a player sits, as a catalog text: "table 2, as Government" (or no seat yet)."""
    if p.table is None or p.role is None:
        return say("you get a seat when the game starts")
    return say("table %(table)s, as %(role)s", table=p.table, role=s.scenario.role(p.role).name)


def seat_words(s: GameState, p: Player) -> str:
    """Where a player sits, in English words."""
    return english(seat_text(s, p))


def _notice(b: _Builder, pid: str, message: Text) -> None:
    """A line to one player about their own seat (the page shows it as a banner): `text`
    in English, `message` for the reader's catalog."""
    p = b.state.players[pid]
    b.emit(EventType.SEAT_NOTICE, player_audience(pid), player=pid, table=p.table, role=p.role,
           text=english(message), message=message)


def seat_priority(sc: Scenario) -> list[str]:
    sig = [r for r in sc.table.roles if sc.role(r).signatory]
    return sig + [r for r in sc.table.roles if r not in sig]


def _team_sizes(s: GameState) -> dict[tuple[int, str], int]:
    sizes = {(t, r): 0 for t in s.tables for r in s.scenario.table.roles}
    for p in s.players.values():
        if p.table is not None and p.role is not None and not p.kicked:
            sizes[(p.table, p.role)] = sizes.get((p.table, p.role), 0) + 1
    return sizes


def _seat(b: _Builder, pid: str, table: int, role: str) -> None:
    p = b.state.players[pid]
    b.emit(
        EventType.SEAT_ASSIGNED,
        table_audience(table),
        player=pid,
        name=p.name,
        table=table,
        role=role,
        previous_table=p.table,
    )


def _seat_late(b: _Builder, pid: str) -> None:
    s = b.state
    sizes = _team_sizes(s)
    priority = seat_priority(s.scenario)
    order = sorted(sizes, key=lambda k: (sizes[k], k[0], priority.index(k[1])))
    if order and sizes[order[0]] < s.scenario.table.max_team:
        table, role = order[0]
    else:
        table, role = (max(s.tables, default=0) + 1), priority[0]
    _seat(b, pid, table, role)


def balanced_seats(n_players: int, sc: Scenario) -> list[tuple[int, str]]:
    """Seats (table, role) for n players in join order: full tables first, then teams."""
    priority = seat_priority(sc)
    k = len(priority)
    tables = max(1, n_players // k)
    while tables * k * sc.table.max_team < n_players:
        tables += 1
    seats = [(t, r) for t in range(1, tables + 1) for r in priority]
    out = seats[:n_players]
    extra = n_players - len(out)
    i = 0
    while extra > 0:
        out.append(seats[i % len(seats)])
        i += 1
        extra -= 1
    return out


@_command("assign", "instructor")
def _assign(b: _Builder, args: Mapping[str, Any]) -> None:
    if b.state.status != "lobby":
        raise RuleError(N_("Automatic assignment is for the lobby; move players instead."), "wrong_phase")
    _assign_all(b, only_unseated=False)


def _assign_all(b: _Builder, only_unseated: bool) -> None:
    s = b.state
    active = [p for p in s.players.values() if not p.kicked]
    if only_unseated:
        todo = [p for p in active if p.table is None]
        if not todo:
            return
        if any(p.table is not None for p in active):
            for p in todo:
                _seat_late(b, p.id)
            return
        active = todo
    for p, (table, role) in zip(active, balanced_seats(len(active), s.scenario), strict=True):
        if (p.table, p.role) != (table, role):
            _seat(b, p.id, table, role)


@_command("move", "instructor")
def _move(b: _Builder, args: Mapping[str, Any]) -> None:
    s = b.state
    if s.status == "finished":
        raise RuleError(N_("The game is over."), code="wrong_phase")
    pid = args.get("player")
    if not isinstance(pid, str) or pid not in s.players or s.players[pid].kicked:
        raise RuleError(N_("No such player."), code="not_found")
    table = _int(args, "table", 1, max(s.tables, default=0) + 1)
    role = args.get("role")
    if role not in s.scenario.table.roles:
        raise RuleError(N_("No such seat."), code="bad_request")
    if len(s.seat_players(table, str(role))) >= s.scenario.table.max_team:
        raise RuleError(N_("That seat's team is full."), code="conflict")
    before = s.players[pid]
    _seat(b, pid, table, str(role))
    if (before.table, before.role) != (table, role):
        where = seat_text(b.state, b.state.players[pid])
        _notice(b, pid, say("Your instructor moved you: you now sit at %(seat)s (before: table "
                            "%(table)s, %(role)s).", seat=where, table=before.table,
                            role=s.scenario.role(before.role).name)
                if before.table is not None and before.role is not None
                else say("Your instructor moved you: you now sit at %(seat)s.", seat=where))


# -- a returning student, and the instructor's repairs (docs/security.md, identity) -------
def _active(s: GameState, args: Mapping[str, Any], key: str) -> Player:
    pid = args.get(key)
    if not isinstance(pid, str) or pid not in s.players or s.players[pid].kicked:
        raise RuleError(N_("No such player."), code="not_found")
    return s.players[pid]


@_command("reclaim", "system")
def _reclaim(b: _Builder, args: Mapping[str, Any]) -> None:
    """A student who lost their session joins again under their own name (or under the name
    the instructor handed the seat to) and gets the seat back; the web layer checks that
    the seat's player is offline, and gives the new device the seat's only token."""
    s = b.state
    p = _active(s, args, "player")
    name = normalise_name(args.get("name"))
    handed = p.handed_to is not None and p.handed_to == name_key(name)
    if not handed and name_key(name) != name_key(p.name):
        raise RuleError(N_("That name does not hold this seat."), code="forbidden")
    other = same_name(s, name)
    if handed and other is not None and other.id != p.id and not other.kicked:
        raise RuleError(N_("Someone called %(name)s is already in this game."), code="conflict",
                        params={"name": other.name})
    new_name = name if handed else p.name
    language = _language(args, p.language)
    b.emit(EventType.SEAT_RECLAIMED, player_audience(p.id), player=p.id, name=new_name,
           previous_name=p.name, handed=handed, table=p.table, role=p.role)
    _set_language(b, p.id, language)  # the new device's choice
    p = b.state.players[p.id]
    if p.table is None or p.role is None:
        _notice(b, p.id, say("Welcome back, %(name)s: you get a seat when the game starts.",
                             name=p.name))
    elif handed:
        _notice(b, p.id, say("Your instructor gave you this seat: %(seat)s.",
                             seat=seat_text(b.state, p)))
    else:
        _notice(b, p.id, say("Welcome back, %(name)s: this is your seat, %(seat)s.", name=p.name,
                             seat=seat_text(b.state, p)))


@_command("hand", "instructor")
def _hand(b: _Builder, args: Mapping[str, Any]) -> None:
    """The next student to join as `name` gets this player's seat, online or not."""
    s = b.state
    p = _active(s, args, "player")
    name = normalise_name(args.get("name"))
    other = same_name(s, name)
    if other is not None and other.id != p.id and not other.kicked:  # a removed name may come back
        raise RuleError(N_("%(name)s is already in the game: merge the two players instead."),
                        params={"name": other.name},
                        code="conflict")
    b.emit(EventType.SEAT_HANDED, INSTRUCTOR, player=p.id, seat_name=p.name, name=name,
           key=name_key(name))


@_command("merge", "instructor")
def _merge_players(b: _Builder, args: Mapping[str, Any]) -> None:
    """`absorb` is the same student as `keep` (joined again under another name): the device
    of `absorb` takes over `keep`'s seat and name, and `absorb` leaves the game."""
    s = b.state
    keep, absorb = _active(s, args, "keep"), _active(s, args, "absorb")
    if keep.id == absorb.id:
        raise RuleError(N_("Choose two different players."), code="bad_request")
    b.emit(EventType.PLAYERS_MERGED, INSTRUCTOR, keep=keep.id, absorb=absorb.id, keep_name=keep.name,
           absorb_name=absorb.name, table=absorb.table, role=absorb.role)
    kept = b.state.players[keep.id]
    where = (say("you now sit at %(seat)s", seat=seat_text(b.state, kept)) if kept.table is not None
             and kept.role is not None else say("you get a seat when the game starts"))
    _notice(b, keep.id, say("Your instructor gave you %(name)s's seat: %(where)s.", name=keep.name,
                            where=where))


@_command("kick", "instructor")
def _kick(b: _Builder, args: Mapping[str, Any]) -> None:
    if b.state.status == "finished":
        raise RuleError(N_("The game is over."), code="wrong_phase")
    pid = args.get("player")
    if not isinstance(pid, str) or pid not in b.state.players or b.state.players[pid].kicked:
        raise RuleError(N_("No such player."), code="not_found")
    p = b.state.players[pid]
    b.emit(EventType.PLAYER_KICKED, player_audience(pid), player=pid, name=p.name, table=p.table, role=p.role)


@_command("lock", "instructor")
def _lock(b: _Builder, args: Mapping[str, Any]) -> None:
    if b.state.status == "finished":
        raise RuleError(N_("The game is over."), code="wrong_phase")
    locked = args.get("locked", True)
    if not isinstance(locked, bool):
        raise RuleError(N_("'locked' must be true or false."), code="bad_request")
    b.emit(EventType.LOBBY_LOCKED, INSTRUCTOR, locked=locked)


# -- the clock -----------------------------------------------------------------------
@_command("start", "instructor")
def _start(b: _Builder, args: Mapping[str, Any]) -> None:
    if b.state.status != "lobby":
        raise RuleError(N_("The game has already started."), code="conflict")
    _assign_all(b, only_unseated=True)
    _start_phase(b, 0)


def _start_phase(b: _Builder, index: int) -> None:
    sc = b.state.scenario
    phase = sc.phases[index]
    b.emit(
        EventType.PHASE_STARTED,
        GAME,
        step=b.state.step,
        phase_index=index,
        phase=phase.id,
        kind=phase.kind,
        title=phase.title,
        minutes=phase.minutes,
        deadline=b.now + phase.minutes * 60,
    )
    for card in sc.events:
        if card.trigger.phase != phase.id:
            continue
        if card.trigger.kind == "phase":
            _fire(b, card, None)
        elif card.trigger.kind == "chance":
            for tid in sorted(b.state.tables):
                if b.rng().random() < (card.trigger.chance or 0):
                    _fire(b, card, tid)


def _public_effects(eff: Effects) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if eff.variables:
        out["variables"] = dict(eff.variables)
    if eff.actions_per_phase:
        out["actions_per_phase"] = dict(eff.actions_per_phase)
    if eff.close_channels:
        out["close_channels"] = list(eff.close_channels)
    if eff.open_channels:
        out["open_channels"] = list(eff.open_channels)
    if eff.open_bridge:
        out["open_bridge"] = True
    return out


def _private_effects(b: _Builder, eff: Effects, table: int | None, reason: str) -> None:
    """BATNA and point changes are confidential: each goes only to its role."""
    for role in sorted(set(eff.batna) | set(eff.points)):
        private: dict[str, Any] = {}
        if role in eff.batna:
            private["batna"] = {role: eff.batna[role]}
        if role in eff.points:
            private["points"] = {role: eff.points[role]}
        b.emit(
            EventType.PRIVATE_EFFECT,
            roles_audience(table, (role,)),
            table=table,
            role=role,
            effects=private,
            reason=reason,
        )


def _fire(b: _Builder, card: EventCard, table: int | None) -> None:
    b.emit(
        EventType.EVENT_FIRED,
        GAME if table is None else table_audience(table),
        table=table,
        card=card.id,
        title=card.title,
        text=card.text,
        source=card.source,
        effects=_public_effects(card.effects),
    )
    _private_effects(b, card.effects, table, card.title)


@_command("pause", "instructor")
def _pause(b: _Builder, args: Mapping[str, Any]) -> None:
    s = b.state
    if s.status != "running":
        raise RuleError(N_("Only a running game can be paused."), code="wrong_phase")
    remaining = max(0.0, (s.deadline or b.now) - b.now)
    b.emit(EventType.PAUSED, GAME, remaining=remaining)


@_command("resume", "instructor")
def _resume(b: _Builder, args: Mapping[str, Any]) -> None:
    s = b.state
    if s.status != "paused":
        raise RuleError(N_("The game is not paused."), code="wrong_phase")
    b.emit(EventType.RESUMED, GAME, deadline=b.now + (s.remaining or 0.0))


@_command("extend", "instructor")
def _extend(b: _Builder, args: Mapping[str, Any]) -> None:
    s = b.state
    seconds = _int(args, "seconds", 10, 3600, default=60)
    if s.status == "paused":
        b.emit(EventType.EXTENDED, GAME, seconds=seconds, remaining=(s.remaining or 0.0) + seconds)
    elif s.status == "running":
        base = max(s.deadline or b.now, b.now)
        b.emit(EventType.EXTENDED, GAME, seconds=seconds, deadline=base + seconds)
    else:
        raise RuleError(N_("There is no running phase to extend."), code="wrong_phase")


@_command("advance", "instructor")
def _advance_cmd(b: _Builder, args: Mapping[str, Any]) -> None:
    s = b.state
    if s.status == "lobby":
        raise RuleError(N_("Start the game first."), code="wrong_phase")
    if s.status == "finished":
        raise RuleError(N_("The game is over."), code="wrong_phase")
    _advance(b)


def _advance(b: _Builder) -> None:
    s = b.state
    phase = s.phase
    if phase is not None and phase.kind == "opening":
        for t in sorted(s.tables.values(), key=lambda t: t.id):
            if t.openings:
                b.emit(EventType.OPENINGS_REVEALED, table_audience(t.id), table=t.id,
                       openings=dict(t.openings))
    if phase is not None and phase.kind == "decision":
        for tid in sorted(s.tables):
            if b.state.tables[tid].outcome == "open":
                b.emit(EventType.TABLE_SETTLED, table_audience(tid), table=tid, outcome="deadlock",
                       package=None, reason="no_signature")
    nxt = s.phase_index + 1
    if nxt < len(s.scenario.phases):
        _start_phase(b, nxt)
    elif s.step + 1 < len(s.setup.scenarios):
        _next_step(b)
        _start_phase(b, 0)
    else:
        b.emit(EventType.GAME_FINISHED, GAME)


def _next_step(b: _Builder) -> None:
    s = b.state
    step = s.step + 1
    nxt = s.setup.scenarios[step]
    rules = s.setup.campaign.steps[step].carry if s.setup.campaign else ()
    variables: dict[str, dict[str, float]] = {}
    effects: dict[str, dict[str, Any]] = {}
    confidential: dict[int, Effects] = {}
    for tid, t in sorted(s.tables.items()):
        carried = {r.variable: t.variables[r.variable] for r in rules if r.variable in t.variables}
        variables[str(tid)] = carried
        merged = Effects()
        for rule in rules:
            value = carried.get(rule.variable)
            for ce in rule.effects:
                if value is not None and value >= ce.at_least:
                    merged = _merge(merged, ce.effects)
        # the whole game hears of the step: BATNA and point changes go to their roles only
        effects[str(tid)] = merged.model_dump(exclude_defaults=True,
                                              exclude={"batna", "points"})
        confidential[tid] = merged
    b.emit(EventType.STEP_STARTED, GAME, step=step, scenario=nxt.id, title=nxt.title,
           variables=variables, effects=effects)
    for tid, merged in confidential.items():  # after step_started: it resets the tables
        _private_effects(b, merged, tid, f"Carried into {nxt.title}")


def _merge(a: Effects, c: Effects) -> Effects:
    def add(x: Mapping[str, Any], y: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(x)
        for k, v in y.items():
            out[k] = out.get(k, 0) + v
        return out

    return Effects(
        batna=add(a.batna, c.batna),
        points=add(a.points, c.points),
        variables=add(a.variables, c.variables),
        actions_per_phase=add(a.actions_per_phase, c.actions_per_phase),
        close_channels=tuple(dict.fromkeys((*a.close_channels, *c.close_channels))),
        open_channels=tuple(dict.fromkeys((*a.open_channels, *c.open_channels))),
        open_bridge=a.open_bridge or c.open_bridge,
    )


@_command("tick", "system", "instructor")
def _tick(b: _Builder, args: Mapping[str, Any]) -> None:
    """The clock ran out: end the phase (but never a results phase: that is the debrief)."""
    s = b.state
    phase = s.phase
    if (
        s.status == "running"
        and s.setup.auto_advance
        and s.deadline is not None
        and b.now >= s.deadline
        and phase is not None
        and phase.kind != "results"
    ):
        _advance(b)


@_command("inject", "instructor")
def _inject(b: _Builder, args: Mapping[str, Any]) -> None:
    s = b.state
    if s.status in ("lobby", "finished"):
        raise RuleError(N_("Events can be injected while the game runs."), code="wrong_phase")
    card_id = args.get("event")
    try:
        card = s.scenario.event(str(card_id))
    except KeyError:
        raise RuleError(N_("No such event in this scenario."), code="not_found") from None
    _fire(b, card, _opt_table(s, args))


@_command("broadcast", "instructor")
def _broadcast(b: _Builder, args: Mapping[str, Any]) -> None:
    text = _text(args, "text")
    s = b.state
    if args.get("player") is not None:
        pid = args["player"]
        if not isinstance(pid, str) or pid not in s.players:
            raise RuleError(N_("No such player."), code="not_found")
        aud = player_audience(pid)
    else:
        table = _opt_table(s, args)
        aud = GAME if table is None else table_audience(table)
    b.emit(EventType.MESSAGE, aud, text=text, table=aud.table, player=aud.player)


@_command("release_results", "instructor")
def _release(b: _Builder, args: Mapping[str, Any]) -> None:
    if b.state.results_released:
        raise RuleError(N_("Results are already released."), code="conflict")
    b.emit(EventType.RESULTS_RELEASED, GAME)


@_command("end", "instructor")
def _end(b: _Builder, args: Mapping[str, Any]) -> None:
    if b.state.status == "finished":
        raise RuleError(N_("The game is already over."), code="conflict")
    for tid in sorted(b.state.tables):
        if b.state.tables[tid].outcome == "open" and b.state.status != "lobby":
            b.emit(EventType.TABLE_SETTLED, table_audience(tid), table=tid, outcome="deadlock",
                   package=None, reason="ended")
    b.emit(EventType.GAME_FINISHED, GAME)


# -- at the table ------------------------------------------------------------------------
@_command("chat", "player")
def _chat(b: _Builder, args: Mapping[str, Any]) -> None:
    channel = args.get("channel")
    p, t, role = _seated(b, "chat", channel=channel)
    text = _text(args, "text")
    members = (role,) if channel == TEAM else b.state.channel_members(t, str(channel))
    b.emit(EventType.CHAT, roles_audience(t.id, members, channel), table=t.id, channel=channel,
           role=role, name=p.name, text=text)


@_command("open", "player")
def _open(b: _Builder, args: Mapping[str, Any]) -> None:
    _p, t, role = _seated(b, "open")
    r = b.state.scenario.role(role)
    pkg = _package(b.state.scenario, args.get("package"))
    b.emit(EventType.OPENING_SUBMITTED, roles_audience(t.id, (role,)), table=t.id, role=role,
           side=r.side, package=pkg)


@_command("propose", "player")
def _propose(b: _Builder, args: Mapping[str, Any]) -> None:
    p, t, role = _seated(b, "propose")
    pkg = _package(b.state.scenario, args.get("package"))
    s = b.state
    extra: dict[str, Any] = {}
    if args.get("suggestion") is not None:
        seq = args["suggestion"]
        found = next((x for x in t.suggestions if x.seq == seq and x.to == role), None)
        if found is None:
            raise RuleError(N_("That suggestion was not put to your role."), code="not_found")
        if dict(found.package) != pkg:
            raise RuleError(N_("The package differs from the suggestion; propose it as your own."),
                            code="bad_request")
        extra["suggested_by"] = found.role
    b.emit(EventType.PROPOSAL_MADE, table_audience(t.id), table=t.id, role=role, name=p.name,
           package=pkg, phase=s.phase.id, round=s.phase_index, **extra)


@_command("suggest", "player")
def _suggest(b: _Builder, args: Mapping[str, Any]) -> None:
    """A non-signatory puts a non-binding package to one signatory, who may adopt it as its
    own proposal (`propose` with `suggestion`). Only the two of them see it."""
    p, t, role = _seated(b, "suggest")
    sc = b.state.scenario
    signatories = [x.id for x in sc.roles if x.signatory and x.id in sc.table.roles]
    to = args.get("to")
    if to not in signatories:
        raise RuleError(N_("Suggest to one of: %(roles)s."), code="bad_request",
                        params={"roles": ", ".join(signatories)})
    pkg = _package(sc, args.get("package"))
    last = next((x for x in t.suggestions if (x.role, x.to) == (role, to)), None)
    if last is not None and dict(last.package) == pkg:
        raise RuleError(N_("You already suggested this package to them."), code="conflict")
    b.emit(EventType.PACKAGE_SUGGESTED, roles_audience(t.id, (role, str(to))), table=t.id, role=role,
           to=to, name=p.name, package=pkg, phase=b.state.phase.id)


@_command("link", "player")
def _link(b: _Builder, args: Mapping[str, Any]) -> None:
    _p, t, role = _seated(b, "link")
    sc = b.state.scenario
    issue = args.get("issue")
    requires = args.get("requires")
    if not isinstance(issue, str) or issue not in {i.id for i in sc.issues}:
        raise RuleError(N_("No such issue."), code="bad_request")
    if not isinstance(requires, str) or "." not in requires:
        raise RuleError(N_("'requires' must be 'issue.option'."), code="bad_request")
    other_issue, option = requires.split(".", 1)
    try:
        sc.option(other_issue, option)
    except KeyError:
        raise RuleError(N_("No such option."), code="bad_request") from None
    if other_issue == issue:
        raise RuleError(N_("Link two different issues."), code="bad_request")
    if any(lk.role == role and lk.issue == issue and lk.requires == requires for lk in t.linkages):
        raise RuleError(N_("You already declared this linkage."), code="conflict")
    b.emit(EventType.LINKAGE_DECLARED, table_audience(t.id), table=t.id, role=role, issue=issue,
           requires=requires)


@_command("act", "player")
def _act(b: _Builder, args: Mapping[str, Any]) -> None:
    action_id = args.get("action")
    p, t, role = _seated(b, "act", action=action_id)
    s = b.state
    sc = s.scenario
    action = sc.action(str(action_id))
    target = args.get("target")
    if action.targets:
        if target not in action.targets:
            raise RuleError(N_("Choose a target for this action."), code="bad_request")
    elif target is not None:
        raise RuleError(N_("This action takes no target."), code="bad_request")
    if action.visibility == "private":
        aud = roles_audience(t.id, (role,))
    elif action.visibility == "channel" and action.channel is not None:
        aud = roles_audience(t.id, s.channel_members(t, action.channel) or (role,), action.channel)
    else:
        aud = table_audience(t.id)
    eff = action.effects
    if isinstance(target, str) and target in action.target_effects:
        eff = _merge(eff, action.target_effects[target])
    b.emit(EventType.ACTION_TAKEN, aud, table=t.id, role=role, name=p.name, action=action_id,
           title=action.name, target=target, phase_index=s.phase_index,
           budget_cost=action.budget_cost, effects=_public_effects(eff))
    if action.cost:
        eff = _merge(eff, Effects(points={role: -action.cost}))
    _private_effects(b, eff, t.id, action.name)
    if action.risk is not None and b.rng().random() < action.risk.chance:
        _fire(b, sc.event(action.risk.event), t.id)


@_command("sign", "player")
def _sign(b: _Builder, args: Mapping[str, Any]) -> None:
    p, t, role = _seated(b, "sign", proposal=args.get("proposal"))
    s = b.state
    sc = s.scenario
    current = t.current
    assert current is not None  # sign_refusal said so
    b.emit(EventType.SIGNED, table_audience(t.id), table=t.id, role=role, name=p.name,
           proposal=current.seq)
    t = b.state.tables[t.id]
    signatories = [r.id for r in sc.roles if r.signatory and r.id in sc.table.roles]
    if all(t.signatures.get(r) == current.seq for r in signatories):
        # the same test as scoring's: the deal's points against the post-event BATNA
        below = [r.id for r in sc.roles if r.is_veto and r.id in sc.table.roles
                 and sc.points(r.id, current.package) < s.batna(t, r.id) - 1e-9]
        if below:
            b.emit(EventType.TABLE_SETTLED, table_audience(t.id), table=t.id, outcome="deadlock",
                   package=None, reason="below_batna")
        else:
            b.emit(EventType.TABLE_SETTLED, table_audience(t.id), table=t.id, outcome="deal",
                   package=dict(current.package), reason=None)


@_command("refuse", "player")
def _refuse(b: _Builder, args: Mapping[str, Any]) -> None:
    p, t, role = _seated(b, "refuse")
    b.emit(EventType.REFUSED, table_audience(t.id), table=t.id, role=role, name=p.name)
    b.emit(EventType.TABLE_SETTLED, table_audience(t.id), table=t.id, outcome="deadlock", package=None,
           reason=f"refused:{role}")


# -- BATNA guesses (the paper's misperception of asymmetry) --------------------------------
def most_points(sc: Scenario, role: str) -> float:
    """The most points any package could give a role (ignoring linkage): a guess's ceiling."""
    return sum(max((o.points.get(role, 0.0) for o in i.options), default=0.0) for i in sc.issues)


@_command("guess_batna", "player")
def _guess_batna(b: _Builder, args: Mapping[str, Any]) -> None:
    """A signatory's private estimate of the other side's BATNA, kept for the debrief.

    Only in the briefing phase, before anyone has negotiated; a new guess replaces the
    last one. Its audience is the guesser's own seat (the instructor sees every event).
    """
    check(rules.guess_refusal(b.state, b.actor.player, b.now))
    p = b.state.players[b.actor.player or ""]
    assert p.table is not None and p.role is not None
    t, role = b.state.tables[p.table], p.role
    s = b.state
    sc = s.scenario
    about = other_signatory(sc, role)
    assert about is not None
    raw = args.get("guess")
    top = most_points(sc, about)
    if (isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw)
            or not 0 <= raw <= top):
        raise RuleError(N_("An estimate is a number of points from 0 to %(top)s."),
                        code="bad_request", params={"top": f"{top:g}"})
    b.emit(EventType.BATNA_GUESSED, roles_audience(t.id, (role,)), table=t.id, role=role,
           side=sc.role(role).side, about=about, guess=round(float(raw), 2), name=p.name)
