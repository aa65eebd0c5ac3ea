"""What each viewer may see: of the log (`visible_events`, by the audience rule of
`engine.audience.can_see`, re-exported here) and of the state (`player_view`).

A player's view never holds another role's confidential briefing, points or
BATNA, nor a line from a channel the player's role is not in. The instructor
sees everything.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from ..scenario.model import Scenario
from . import rules
from .audience import can_see as can_see
from .cards import Same, role_card
from .commands import TEAM, most_points, other_signatory, utility
from .events import Event
from .language import in_language, log_texts, target_labels, translation_info
from .outcomes import deadlock_message, deadlock_text
from .records import Package
from .staff import instructor_controls, step_lists
from .state import GameState, Player, TableState


def _closed_note(state: GameState, t: TableState, channel: str, role: str) -> dict[str, Any]:
    """Why `role` cannot write in `channel` at its table (whatever the phase), in words
    (`closed_note`) and as a catalog message (`closed_reason`); None when it can. The chat
    rule's own reason: a channel closed at the table, or one the role joins only through a
    bridge, naming the action that lets it in."""
    why = rules.chat_refusal(state, t, role, channel)
    return {"closed_note": why.message if why is not None else None,
            "closed_reason": why.to_dict() if why is not None else None}


def visible_events(state: GameState, viewer: str, events: list[Event]) -> list[Event]:
    """The events of `events` the viewer may see now (`audience.can_see`)."""
    return [e for e in events if can_see(state, viewer, e.audience)]


def _phase(state: GameState) -> dict[str, Any] | None:
    ph = state.phase
    if ph is None:
        return None
    return {
        "index": state.phase_index,
        "id": ph.id,
        "kind": ph.kind,
        "title": ph.title,
        "minutes": ph.minutes,
        "allow": list(ph.allowed),
        "instructions": ph.instructions,
    }


def game_header(state: GameState, now: float) -> dict[str, Any]:
    sc = state.scenario
    return {
        "id": state.setup.game_id,
        "code": state.setup.code,
        "title": sc.title,
        "scenario": sc.id,
        "status": state.status,
        "step": state.step,
        "steps": [s.title for s in state.setup.scenarios],
        "campaign": state.setup.campaign.title if state.setup.campaign else None,
        "phase": _phase(state),
        "phases": [{"id": p.id, "title": p.title, "kind": p.kind, "allow": list(p.allowed)}
                   for p in sc.phases],
        "deadline": state.deadline,
        "remaining": state.remaining,
        "server_time": now,
        "seq": state.seq,
        "lobby_locked": state.lobby_locked,
        "results_visible": results_visible(state),
    }


def results_visible(state: GameState) -> bool:
    """Students see scores once released, or in a results phase unless results are held."""
    if state.results_released:
        return True
    ph = state.phase
    at_results = state.status == "finished" or (ph is not None and ph.kind == "results")
    return at_results and state.setup.show_results


def _seats(state: GameState, table: TableState, with_ids: bool,
           seated: Mapping[int, list[Player]] | None = None) -> dict[str, list[Any]]:
    """Who sits in each role at `table`; `seated` (players by table) spares a scan of everyone."""
    out: dict[str, list[Any]] = {r: [] for r in state.scenario.table.roles}
    players = seated.get(table.id, []) if seated is not None else state.players.values()
    for p in players:
        if p.table == table.id and p.role is not None and not p.kicked:
            out.setdefault(p.role, []).append({"id": p.id, "name": p.name} if with_ids else p.name)
    return out


def _openings_revealed(state: GameState) -> bool:
    ph = state.phase
    return state.status != "lobby" and not (ph is not None and ph.kind == "opening")


def _variables(state: GameState, t: TableState) -> list[dict[str, Any]]:
    sc = state.scenario
    return [
        {"id": k, "label": v.label, "value": t.variables.get(k, v.initial), "max": v.maximum}
        for k, v in sc.variables.items()
    ]


def _signed(x: float) -> str:
    return f"{x:+g}".replace("-", "\u2212")


def _effect_words(state: GameState, eff: Any, role: str | None) -> list[str]:
    """An effect in words, keeping other roles' BATNA and point changes confidential
    (role None: the instructor sees them all)."""
    sc = state.scenario
    mine = (lambda r: True) if role is None else (lambda r: r == role)
    words = []
    for r, v in eff.batna.items():
        if mine(r):
            words.append(("your" if role else f"{r}'s") + f" BATNA {_signed(v)}")
    for r, v in eff.points.items():
        if mine(r):
            words.append(("your" if role else f"{r}'s") + f" points {_signed(v)}")
    for r, v in eff.actions_per_phase.items():
        if mine(r):
            words.append(("your" if role else f"{r}'s") + f" actions per phase {_signed(v)}")
    for c in eff.close_channels:
        words.append(f"{sc.channel(c).name} closed")
    return words


def _carried(state: GameState, t: TableState, role: str | None) -> list[dict[str, Any]]:
    """What this table brought from the campaign's previous step, and what it does now."""
    camp = state.setup.campaign
    if camp is None or not t.carried or state.step >= len(camp.steps):
        return []
    out = []
    for rule in camp.steps[state.step].carry:
        value = t.carried.get(rule.variable)
        if value is None:
            continue
        effects = [w for ce in rule.effects if value >= ce.at_least
                   for w in _effect_words(state, ce.effects, role)]
        out.append({"variable": rule.variable, "label": rule.label, "value": value,
                    "effects": effects})
    return out


def _proposal_list(state: GameState, t: TableState, roles: list[str]) -> list[dict[str, Any]]:
    out = []
    for number, p in enumerate(t.proposals, start=1):
        out.append(
            {
                "seq": p.seq,
                "number": number,  # 1, 2, 3 at this table (seq counts the whole game's events)
                "role": p.role,
                "package": dict(p.package),
                "phase": p.phase,
                "suggested_by": p.suggested_by,
                "points": {r: state.scenario.points(r, p.package) for r in roles},
            }
        )
    return out


def _notice(p: Player) -> dict[str, Any] | None:
    """The last line the server told this player about their seat (moved, seat back)."""
    return {"seq": p.notice[0], "text": p.notice[1], "message": p.notice[2]} if p.notice else None


@lru_cache(maxsize=64)
def _scenario_parts(key: Same) -> dict[str, Any]:
    """The parts of a seat view that are the (translated) scenario's alone, whatever the
    state: built once per scenario object (`in_language` gives the same translated object
    every time) instead of for every view of every proposal and signature. They are
    shared by every view built from the scenario: callers must not change them."""
    sc = key.sc
    return {
        "scenario": {"id": sc.id, "title": sc.title, "summary": sc.summary,
                     "background": sc.background},
        "roles": [
            {"id": r.id, "name": r.name, "side": r.side, "signatory": r.signatory,
             "public": r.briefing.public}
            for r in sc.roles if r.id in sc.table.roles
        ],
        # the options a package may not hold together, each with the refusal it gets
        "linkage": rules.linkage_table(sc),
        "issues": {r.id: _issues(sc, r.id) for r in sc.roles},
    }


def _issues(sc: Scenario, role: str) -> list[dict[str, Any]]:
    return [
        {
            "id": i.id,
            "title": i.title,
            "description": i.description,
            "options": [
                {"id": o.id, "label": o.label, "description": o.description, "kind": o.kind,
                 "points": o.points.get(role, 0.0),
                 "requires": list(o.requires), "excludes": list(o.excludes)}
                for o in i.options
            ],
        }
        for i in sc.issues
    ]


def player_view(state: GameState, player_id: str, now: float) -> dict[str, Any]:
    """Everything one player may see of the state, as JSON-able data, with the scenario's
    text in the player's language (`language.in_language`)."""
    p = state.players.get(player_id)
    language = p.language if p is not None else "en"
    original, state = state, in_language(state, language)
    sc = state.scenario
    fixed = _scenario_parts(Same(sc))
    view: dict[str, Any] = {
        "game": game_header(state, now),
        "scenario": fixed["scenario"],
        "roles": fixed["roles"],
        "me": None,
        "role": None,
        "table": None,
        "translation": translation_info(original, language, p.role if p else None),
        "log_texts": log_texts(original, language),
    }
    if p is None:
        return view
    view["me"] = {"id": p.id, "name": p.name, "table": p.table, "role": p.role, "kicked": p.kicked,
                  "notice": _notice(p), "language": p.language}
    if p.kicked or p.table is None or p.role is None or p.table not in state.tables:
        return view
    t = state.tables[p.table]
    role = sc.role(p.role)
    mine = [role.id]
    budget_left = rules.budget_left(state, t, role.id)
    view["role"] = {
        "id": role.id,
        "name": role.name,
        "side": role.side,
        "signatory": role.signatory,
        "batna": state.batna(t, role.id),
        "batna_start": role.batna,
        "points_adjust": t.point_adjust.get(role.id, 0.0),
        "budget": role.budget,
        "budget_left": budget_left,
        "actions_left": rules.actions_left(state, t, role.id),
        "briefing": {"public": role.briefing.public, "confidential": role.briefing.confidential},
        "card": role_card(sc, role.id),
    }
    # what this seat may do now, and why not, from the rules `decide` refuses with
    view["phase_allows"] = rules.phase_permissions(state, p.id, now)
    view["can"] = rules.seat_permissions(state, p.id, now, view["phase_allows"])
    view["batna_guess"] = _batna_guess(state, t, role.id)
    view["linkage"] = fixed["linkage"]
    view["issues"] = fixed["issues"][role.id]
    mine_ch = [c for c in sc.channels if role.id in c.members or role.id in c.bridge]
    chat = [rules.answer(r) for r in rules.refusal_each(
        state, p.id, "chat", now, "channel", [TEAM] + [c.id for c in mine_ch])]
    channels = [{"id": TEAM, "name": "Team", "open": True, "members": [role.id], **chat[0]}]
    for c, verdict in zip(mine_ch, chat[1:], strict=True):
        members = state.channel_members(t, c.id)
        channels.append({"id": c.id, "name": c.name, "open": role.id in members,
                         "members": list(members), "description": c.description,
                         **_closed_note(state, t, c.id, role.id), **verdict})
    view["channels"] = channels
    actions = []
    acts = rules.refusal_each(state, p.id, "act", now, "action", list(role.actions))
    for aid, act in zip(role.actions, acts, strict=True):
        labels = target_labels(original, language, aid)
        a = sc.action(aid)
        actions.append({
            "id": a.id, "name": a.name, "description": a.description, "cost": a.cost,
            "budget_cost": a.budget_cost, "targets": list(a.targets),
            "target_labels": {x: labels.get(x, x) for x in a.targets},
            "uses_left": rules.uses_left(state, t, role.id, aid),
            "in_phase": state.phase is not None and (
                state.phase.actions is None or aid in state.phase.actions),
            **rules.answer(act),
        })
    view["actions"] = actions
    openings: dict[str, Package] = {}
    if _openings_revealed(state):
        openings = dict(t.openings)
    elif role.side in t.openings:
        openings = {role.side: t.openings[role.side]}
    current = t.current
    proposals = _proposal_list(state, t, mine)
    view["table"] = {
        "id": t.id,
        "seats": _seats(state, t, with_ids=False),
        "openings": {side: dict(pkg) for side, pkg in openings.items()},
        "my_opening_totals": {side: utility(state, t, role.id, pkg) for side, pkg in openings.items()},
        "proposals": [dict(x, my_total=utility(state, t, role.id, x["package"]),
                           sign=rules.answer(verdict))
                      for x, verdict in zip(proposals, rules.refusal_each(
                          state, p.id, "sign", now, "proposal", [x["seq"] for x in proposals]),
                          strict=True)],
        "current": current.seq if current else None,
        "signatures": dict(t.signatures),
        "linkages": [{"role": lk.role, "issue": lk.issue, "requires": lk.requires}
                     for lk in t.linkages],
        "outcome": t.outcome,
        "deal": dict(t.deal) if t.deal else None,
        "deadlock_reason": t.deadlock_reason,
        "my_total_current": utility(state, t, role.id, current.package) if current else None,
        # what makes that total: the options' points and the changes from actions and events
        "my_points_current": {"options": sc.points(role.id, current.package),
                              "adjust": t.point_adjust.get(role.id, 0.0)} if current else None,
        "my_points_deal": {"options": sc.points(role.id, t.deal),
                           "adjust": t.point_adjust.get(role.id, 0.0),
                           "total": utility(state, t, role.id, t.deal)} if t.deal else None,
        "deadlock_text": deadlock_text(sc, t.deadlock_reason),
        "deadlock_message": deadlock_message(sc, t.deadlock_reason),
        "variables": _variables(state, t),
        "carried": _carried(state, t, role.id),
        # suggestions put to this role (a signatory), or the ones this role made
        "suggestions": [
            {"seq": x.seq, "role": x.role, "to": x.to, "package": dict(x.package),
             "points": sc.points(role.id, x.package)}
            for x in t.suggestions if role.id in (x.role, x.to)
        ],
        "bridge_open": t.bridge_open,
        "closed_channels": sorted(t.closed_channels),
        "events_fired": list(t.events_fired),
    }
    view["campaign"] = _campaign_for(state, p.table, role.id)
    return view


def _campaign_for(state: GameState, table: int, role: str) -> dict[str, Any] | None:
    """A campaign seat's story so far: the step it is at and its result in each earlier one
    (what carried over is the table's `carried`)."""
    if state.setup.campaign is None:
        return None
    previous = []
    for step, tables in enumerate(state.past):
        old = tables.get(table)
        sc = state.setup.scenarios[step]
        if old is None or role not in sc.table.roles:
            continue
        batna = sc.role(role).batna + old.batna_shift.get(role, 0.0)
        deal = old.deal if old.outcome == "deal" else None
        previous.append({
            "step": step, "title": sc.title, "outcome": old.outcome, "batna": batna,
            "points": sc.points(role, deal) + old.point_adjust.get(role, 0.0) if deal else batna,
            "deadlock_text": deadlock_text(sc, old.deadlock_reason),
            "deadlock_message": deadlock_message(sc, old.deadlock_reason),
        })
    return {"step": state.step, "steps": len(state.setup.scenarios), "previous": previous}


def _batna_guess(state: GameState, t: TableState, role: str) -> dict[str, Any] | None:
    """A signatory's own estimate of the other side's BATNA (None for other roles)."""
    sc = state.scenario
    about = other_signatory(sc, role)
    if about is None:
        return None
    ph = state.phase
    return {
        "about": about,
        "guess": t.batna_guesses.get(role),
        "max": most_points(sc, about),
        "open": state.status == "running" and ph is not None and ph.kind == "briefing",
    }


def seated_by_table(state: GameState) -> dict[int, list[Player]]:
    """Players (kicked ones too) by the table they sit at, in join order."""
    seated: dict[int, list[Player]] = {}
    for p in state.players.values():
        if p.table is not None:
            seated.setdefault(p.table, []).append(p)
    return seated


def instructor_table(state: GameState, t: TableState,
                     seated: Mapping[int, list[Player]]) -> dict[str, Any]:
    """One table of the instructor's view: a function of the table, its seats and the step."""
    roles = list(state.scenario.table.roles)
    current = t.current
    return {
        "id": t.id,
        "seats": _seats(state, t, with_ids=True, seated=seated),
        "openings": {s: dict(pkg) for s, pkg in t.openings.items()},
        "proposals": _proposal_list(state, t, roles),
        "current": current.seq if current else None,
        "current_points": {r: utility(state, t, r, current.package) for r in roles}
        if current else None,
        "signatures": dict(t.signatures),
        "linkages": [{"role": lk.role, "issue": lk.issue, "requires": lk.requires}
                     for lk in t.linkages],
        "outcome": t.outcome,
        "deal": dict(t.deal) if t.deal else None,
        "deadlock_reason": t.deadlock_reason,
        "deadlock_text": deadlock_text(state.scenario, t.deadlock_reason),
        "deadlock_message": deadlock_message(state.scenario, t.deadlock_reason),
        "batna": {r: state.batna(t, r) for r in roles},
        "batna_guesses": dict(t.batna_guesses),
        "variables": _variables(state, t),
        "carried": _carried(state, t, None),
        "suggestions": [{"seq": x.seq, "role": x.role, "to": x.to, "package": dict(x.package)}
                        for x in t.suggestions],
        "bridge_open": t.bridge_open,
        "closed_channels": sorted(t.closed_channels),
        "events_fired": list(t.events_fired),
        "actions_taken": [{"role": r, "action": a, "phase_index": pi}
                          for r, a, pi in t.actions_taken],
    }


def instructor_player(p: Player) -> dict[str, Any]:
    return {"id": p.id, "name": p.name, "table": p.table, "role": p.role, "kicked": p.kicked,
            "merged_into": p.merged_into, "handed": p.handed_to is not None,
            "language": p.language}


def instructor_view(state: GameState, now: float) -> dict[str, Any]:
    """The whole game for the instructor's dashboard."""
    sc = state.scenario
    roles = list(sc.table.roles)
    seated = seated_by_table(state)
    return {
        "game": game_header(state, now),
        "scenario": {"id": sc.id, "title": sc.title, "summary": sc.summary},
        "roles": [{"id": r.id, "name": r.name, "side": r.side, "signatory": r.signatory}
                  for r in sc.roles if r.id in roles],
        "issues": [{"id": i.id, "title": i.title,
                    "options": [{"id": o.id, "label": o.label, "kind": o.kind} for o in i.options]}
                   for i in sc.issues],
        # the current step's events (with their effects in words), channels and actions
        **step_lists(state),
        "controls": instructor_controls(state),
        "players": [instructor_player(p) for p in state.players.values()],
        "tables": [instructor_table(state, t, seated)
                   for t in sorted(state.tables.values(), key=lambda t: t.id)],
    }
