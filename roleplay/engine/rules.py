"""The rules a seat's command must pass, one function per rule, each saying why not.

Each function returns a `Reason` (the refusal) or None (allowed). `commands.decide`
raises the reason a rule gives; `views.player_view` shows the same reasons beside the
actions they refuse, so the page and the bots never re-derive a rule and a refusal and
the view cannot disagree. `refusal(state, player, command, now, ...)` runs a command's
rules in the order the command checks them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..scenario.model import Scenario
from .errors import N_, Reason
from .records import Package
from .state import GameState, Player, TableState

TEAM = "team"

#: the phase capability each seat command needs (`phase.allow` in the scenario)
CAPABILITY: dict[str, str] = {
    "chat": "chat", "open": "open", "propose": "propose", "suggest": "propose",
    "link": "link", "act": "act", "sign": "sign", "refuse": "sign",
}

#: what the refusal says when the phase does not allow a command
_NOT_IN_PHASE: dict[str, str] = {
    "chat": N_("You cannot chat during %(phase)s."),
    "open": N_("You cannot submit an opening position during %(phase)s."),
    "propose": N_("You cannot make a proposal during %(phase)s."),
    "suggest": N_("You cannot suggest a package during %(phase)s."),
    "link": N_("You cannot declare a linkage during %(phase)s."),
    "act": N_("You cannot take an action during %(phase)s."),
    "sign": N_("You cannot sign during %(phase)s."),
    "refuse": N_("You cannot refuse to sign during %(phase)s."),
}


def _no(code: str, msg: str, **args: Any) -> Reason:
    return Reason(code, msg, args)


# -- who and when --------------------------------------------------------------------------
def player_refusal(state: GameState, player: str | None) -> Reason | None:
    """A command from a player id the game does not know, or one removed from it."""
    p = state.players.get(player or "")
    if p is None:
        return _no("forbidden", N_("Unknown player."))
    if p.kicked:
        return _no("forbidden", N_("You were removed from this game."))
    return None


def seat_refusal(state: GameState, player: str | None) -> Reason | None:
    """A player without a seat at a table (yet)."""
    refused = player_refusal(state, player)
    if refused is not None:
        return refused
    p = state.players[player or ""]
    if p.table is None or p.role is None or p.table not in state.tables:
        return _no("wrong_phase", N_("You do not have a seat yet."))
    return None


def running_refusal(state: GameState, now: float) -> Reason | None:
    """A move that needs the clock running: not while paused, not after time is up."""
    if state.status == "paused":
        return _no("wrong_phase", N_("The game is paused."))
    if state.deadline is not None and now >= state.deadline:
        return _no("wrong_phase", N_("Time is up for this phase."))
    return None


def phase_refusal(state: GameState, command: str, now: float) -> Reason | None:
    """The game's status and the current phase's `allow` list against a seat command (chat
    goes on while the game is paused or the clock has run out; nothing else does)."""
    if state.status == "lobby":
        return _no("wrong_phase", N_("The game has not started yet."))
    if state.status == "finished":
        return _no("wrong_phase", N_("The game is over."))
    capability = CAPABILITY[command]
    phase = state.phase
    if phase is None or capability not in phase.allowed:
        return _no("wrong_phase", _NOT_IN_PHASE[command],
                   phase=phase.title if phase is not None else "this phase")
    return None if capability == "chat" else running_refusal(state, now)


def _settled(t: TableState) -> Reason | None:
    if t.outcome != "open":
        return _no("wrong_phase", N_("Your table has already settled."))
    return None


# -- linkage ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Conflict:
    """Options that cannot all be in one package (one or two 'issue.option' refs), and why."""

    options: tuple[str, ...]
    reason: Reason

    def to_dict(self) -> dict[str, Any]:
        return {"options": list(self.options), "reason": self.reason.to_dict()}


def linkage_conflicts(sc: Scenario) -> tuple[Conflict, ...]:
    """The scenario's linkage rules as the sets of options a package may not hold together:
    'A requires B' forbids A with each other option of B's issue, 'A excludes B' forbids A
    with B. In the order `linkage_reason` reports them (issue, option, requires first)."""
    out: list[Conflict] = []
    for issue in sc.issues:
        for opt in issue.options:
            mine = f"{issue.id}.{opt.id}"
            for ref in opt.requires:
                other_issue, other_id = ref.split(".", 1)
                other = sc.option(other_issue, other_id)
                why = _no("bad_request", N_("'%(option)s' (%(issue)s) requires '%(other)s'."),
                          option=opt.label, issue=issue.title, other=other.label)
                for alt in sc.issue(other_issue).options:
                    if alt.id != other_id:
                        out.append(Conflict(tuple(dict.fromkeys(
                            (mine, f"{other_issue}.{alt.id}"))), why))
            for ref in opt.excludes:
                other = sc.option(*ref.split(".", 1))
                why = _no("bad_request", N_("'%(option)s' (%(issue)s) cannot go with '%(other)s'."),
                          option=opt.label, issue=issue.title, other=other.label)
                out.append(Conflict(tuple(dict.fromkeys((mine, ref))), why))
    return tuple(out)


_CONFLICTS: dict[int, tuple[Scenario, tuple[Conflict, ...]]] = {}


def _conflicts(sc: Scenario) -> tuple[Conflict, ...]:
    """`linkage_conflicts`, once per scenario object (a view asks for them every time)."""
    got = _CONFLICTS.get(id(sc))
    if got is None or got[0] is not sc:
        if len(_CONFLICTS) > 256:
            _CONFLICTS.clear()
        got = _CONFLICTS[id(sc)] = (sc, linkage_conflicts(sc))
    return got[1]


def linkage_reason(sc: Scenario, pkg: Package) -> Reason | None:
    """Why a complete package breaks the scenario's linkage rules, or None."""
    chosen = {f"{k}.{v}" for k, v in pkg.items()}
    return next((c.reason for c in _conflicts(sc) if chosen.issuperset(c.options)), None)


def declared_linkage_refusal(state: GameState, t: TableState, role: str,
                             pkg: Package) -> Reason | None:
    """A package without what this role declared it will not sign without (`link`)."""
    sc = state.scenario
    chosen = {f"{k}.{v}" for k, v in pkg.items()}
    for lk in t.linkages:
        if lk.role == role and lk.requires not in chosen:
            return _no("conflict", N_("You declared no agreement on %(issue)s unless "
                                      "%(requires)s; this package does not have it."),
                       issue=sc.issue(lk.issue).title, requires=lk.requires)
    return None


# -- each seat command's own rules (after the seat and the phase) ---------------------------
def open_refusal(state: GameState, t: TableState, role: str) -> Reason | None:
    r = state.scenario.role(role)
    if not r.signatory or r.side not in ("eu", "government"):
        return _no("forbidden", N_("Only the two signatories submit opening positions."))
    if r.side in t.openings:
        return _no("conflict", N_("Your side has already submitted its opening position."))
    return None


def propose_refusal(state: GameState, t: TableState, role: str) -> Reason | None:
    settled = _settled(t)
    if settled is not None:
        return settled
    if not state.scenario.role(role).signatory:
        return _no("forbidden", N_("Only signatories put packages on the table; suggest yours "
                                   "to one of them instead."))
    return None


def suggest_refusal(state: GameState, t: TableState, role: str) -> Reason | None:
    settled = _settled(t)
    if settled is not None:
        return settled
    if state.scenario.role(role).signatory:
        return _no("forbidden", N_("Your side puts packages on the table itself: propose it."))
    return None


def link_refusal(state: GameState, t: TableState, role: str) -> Reason | None:
    if not state.scenario.role(role).signatory:
        return _no("forbidden", N_("Only signatories can tie their signature to a condition."))
    return None


def act_refusal(state: GameState, t: TableState, role: str, action: Any = None) -> Reason | None:
    """Whether `role` may take `action` now: its own action, in this phase, within its
    allowance, the action's limit and the budget, and the channels it needs open."""
    sc = state.scenario
    r = sc.role(role)
    if not isinstance(action, str) or action not in r.actions:
        return _no("forbidden", N_("Your role cannot take that action."))
    phase = state.phase
    if phase is not None and phase.actions is not None and action not in phase.actions:
        return _no("wrong_phase", N_("That action is not available in this phase."))
    a = sc.action(action)
    if actions_left(state, t, role) <= 0:
        return _no("conflict", N_("Your role has used its %(count)s action(s) for this phase."),
                   count=max(actions_allowed(state, t, role), 0))
    if uses_left(state, t, role, action) == 0:
        return _no("conflict", N_("You have used this action as often as it allows."))
    if a.budget_cost > budget_left(state, t, role) + 1e-9:
        return _no("conflict", N_("Your influence budget cannot cover this."))
    for needed in (a.channel, a.requires_open):
        if needed is not None and needed in t.closed_channels:
            return _no("forbidden", N_("%(channel)s is closed at your table, so this action "
                                       "cannot be taken."), channel=sc.channel(needed).name)
    return None


def actions_allowed(state: GameState, t: TableState, role: str) -> int:
    """How many actions `role` may take in a phase at `t` (events and actions shift it)."""
    return state.scenario.role(role).actions_per_phase + t.actions_per_phase_shift.get(role, 0)


def actions_left(state: GameState, t: TableState, role: str) -> int:
    """The actions `role` may still take in the current phase (0 at the least)."""
    used = sum(1 for r, _, pi in t.actions_taken if r == role and pi == state.phase_index)
    return max(0, actions_allowed(state, t, role) - used)


def uses_left(state: GameState, t: TableState, role: str, action: str) -> int | None:
    """How often `role` may still take `action` in this game (None: no limit)."""
    limit = state.scenario.action(action).limit
    if limit is None:
        return None
    return max(0, limit - sum(1 for r, x, _ in t.actions_taken if r == role and x == action))


def budget_left(state: GameState, t: TableState, role: str) -> float:
    """What is left of `role`'s influence budget at `t`."""
    return state.scenario.role(role).budget - t.budget_spent.get(role, 0.0)


def sign_refusal(state: GameState, t: TableState, role: str,
                 proposal: Any = None) -> Reason | None:
    """Whether `role` may sign the proposal on the table (`proposal`: the seq the page
    shows; None: whatever is on the table now)."""
    if not state.scenario.role(role).signatory:
        return _no("forbidden", N_("Your role does not sign agreements."))
    settled = _settled(t)
    if settled is not None:
        return settled
    current = t.current
    if current is None:
        return _no("wrong_phase", N_("There is no proposal on the table to sign."))
    if proposal is not None and proposal != current.seq:
        return _no("conflict", N_("That proposal is no longer the one on the table."))
    if t.signatures.get(role) == current.seq:
        return _no("conflict", N_("Your side has already signed."))
    return declared_linkage_refusal(state, t, role, current.package)


def refuse_refusal(state: GameState, t: TableState, role: str) -> Reason | None:
    if not state.scenario.role(role).signatory:
        return _no("forbidden", N_("Your role does not sign agreements."))
    return _settled(t)


def chat_refusal(state: GameState, t: TableState, role: str, channel: Any = None) -> Reason | None:
    """Whether `role` may write in `channel` at its table: the team channel always; a
    scenario channel while it is open there and the role is in it (a bridge channel once
    the bridge is open; the reason names the actions that open it)."""
    if channel == TEAM:
        return None
    sc = state.scenario
    channels, ways = _channel_facts(sc)
    if not isinstance(channel, str) or channel not in channels:
        return _no("bad_request", N_("No such channel."))
    if channel in t.closed_channels:
        return _no("forbidden", N_("This channel is closed at your table."))
    if role in state.channel_members(t, channel):
        return None
    if len(ways) == 1:
        return _no("forbidden", N_("You are not in this channel yet: you join it once the "
                                   "%(role)s takes \u201c%(action)s\u201d."),
                   role=_short(ways[0][0]), action=ways[0][1])
    if ways:
        return _no("forbidden", N_("You are not in this channel yet: you join it once one of "
                                   "these is taken: %(actions)s."),
                   actions="; ".join(f"\u201c{a}\u201d ({_short(r)})" for r, a in ways))
    return _no("forbidden", N_("You are not in this channel: you join it only while a bridge "
                               "is open."))


_FACTS: dict[int, tuple[Scenario, frozenset[str], tuple[tuple[str, str], ...]]] = {}


def _channel_facts(sc: Scenario) -> tuple[frozenset[str], tuple[tuple[str, str], ...]]:
    """A scenario's channel ids and the (role name, action name) pairs that open a bridge,
    once per scenario object (every seat view asks for them per channel)."""
    got = _FACTS.get(id(sc))
    if got is None or got[0] is not sc:
        if len(_FACTS) > 256:
            _FACTS.clear()
        ways = tuple((sc.role(r.id).name, a.name) for r in sc.roles if r.id in sc.table.roles
                     for a in (sc.action(x) for x in r.actions) if a.effects.open_bridge)
        got = _FACTS[id(sc)] = (sc, frozenset(c.id for c in sc.channels), ways)
    return got[1], got[2]


def _short(name: str) -> str:
    cut = name.find(" (")
    return name[:cut] if cut > 0 else name


#: each seat command's own rule, run after the seat and phase rules
_OWN: dict[str, Callable[..., Reason | None]] = {
    "chat": chat_refusal, "open": open_refusal, "propose": propose_refusal,
    "suggest": suggest_refusal, "link": link_refusal, "act": act_refusal,
    "sign": sign_refusal, "refuse": refuse_refusal,
}

SEAT_COMMANDS = tuple(_OWN)


def refusal(state: GameState, player: str | None, command: str, now: float,
            **what: Any) -> Reason | None:
    """Why `player` may not send `command` now (the seat, the phase, then the command's own
    rule with `what`: an action, a channel, a proposal), or None. `decide` raises exactly
    this; the view shows it."""
    refused = seat_refusal(state, player) or phase_refusal(state, command, now)
    if refused is not None:
        return refused
    p: Player = state.players[player or ""]
    assert p.table is not None and p.role is not None  # seat_refusal said so
    return _OWN[command](state, state.tables[p.table], p.role, **what)


def refusal_each(state: GameState, player: str | None, command: str, now: float, key: str,
                 values: list[Any]) -> list[Reason | None]:
    """`refusal` for each of `values` as `command`'s `key` (every action, every channel):
    the seat and phase rules run once, the command's own rule per value."""
    first = seat_refusal(state, player) or phase_refusal(state, command, now)
    if first is not None:
        return [first] * len(values)
    p = state.players[player or ""]
    assert p.table is not None and p.role is not None
    t, own = state.tables[p.table], _OWN[command]
    return [own(state, t, p.role, **{key: v}) for v in values]


# -- BATNA estimates ------------------------------------------------------------------------
def other_signatory(sc: Scenario, role: str) -> str | None:
    """The signatory on the other side of the table from `role` (EU <-> government), or None."""
    sides = {"eu": "government", "government": "eu"}
    mine = sc.role(role)
    if not mine.signatory or mine.side not in sides:
        return None
    return next((r.id for r in sc.roles if r.id in sc.table.roles and r.signatory
                 and r.side == sides[mine.side]), None)


def guess_refusal(state: GameState, player: str | None, now: float) -> Reason | None:
    """Whether `player` may record its estimate of the other side's BATNA now: a signatory,
    in the briefing phase, with the clock running."""
    refused = seat_refusal(state, player)
    if refused is not None:
        return refused
    role = state.players[player or ""].role
    assert role is not None
    if other_signatory(state.scenario, role) is None:
        return _no("forbidden", N_("Only the two signatories estimate each other's BATNA."))
    phase = state.phase
    if state.status not in ("running", "paused") or phase is None or phase.kind != "briefing":
        return _no("wrong_phase", N_("BATNA estimates are recorded during the briefing phase only."))
    return running_refusal(state, now)


def answer(reason: Reason | None) -> dict[str, Any]:
    """A rule's verdict as the view carries it: `allowed`, and `reason` when not."""
    return {"allowed": reason is None, "reason": None if reason is None else reason.to_dict()}


def seat_permissions(state: GameState, player: str, now: float,
                     phase: dict[str, Any] | None = None) -> dict[str, Any]:
    """Every seat command's verdict for `player` now, without a target (the page's buttons:
    an action, a channel and a proposal carry their own); `phase`: `phase_permissions`,
    when the caller has them already."""
    out = dict(phase if phase is not None else phase_permissions(state, player, now))
    seat = state.players[player]
    if seat.table is not None and seat.role is not None and seat.table in state.tables:
        t = state.tables[seat.table]
        for name in SEAT_COMMANDS:
            # the command's own rule once the phase allows it; `act` and `chat` depend on
            # what they are aimed at (each action and channel has its own verdict)
            if out[name]["allowed"] and name not in ("act", "chat"):
                out[name] = answer(_OWN[name](state, t, seat.role))
    out["guess_batna"] = answer(guess_refusal(state, player, now))
    return out


def phase_permissions(state: GameState, player: str, now: float) -> dict[str, Any]:
    """What the game's status and the current phase let this seat's commands do now (the
    seat and phase rules only, before each command's own): the page's panels open and
    close on these."""
    seat = seat_refusal(state, player)
    return {name: answer(seat or phase_refusal(state, name, now)) for name in SEAT_COMMANDS}


def linkage_table(sc: Scenario) -> list[dict[str, Any]]:
    """The linkage rules as the view carries them for a package being composed."""
    return [c.to_dict() for c in _conflicts(sc)]
