"""A role's one-screen card: what a student reads first, built from the scenario's data.

The objective, the meaning of the BATNA and what the role does not know are authored
(`Role.card`); everything else is generated here from the same data the engine plays
by (actions' costs, limits, effects and risks, the BATNA, the best package, who signs),
so the card cannot drift from the mechanics.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from roleplay.scenario.model import Action, Effects, Role, Scenario


def short_role(sc: Scenario, role_id: str) -> str:
    """'European Union (EEAS, ...)' -> 'European Union'."""
    try:
        name = sc.role(role_id).name
    except KeyError:
        return role_id
    return name.split(" (")[0]


def tag(role_id: str) -> str:
    """A role in a few letters for effect lines: 'eu' -> 'EU', 'civil_society' -> 'civil society'."""
    return role_id.upper() if len(role_id) <= 2 else role_id.replace("_", " ")


def _num(x: float) -> str:
    sign = "+" if x > 0 else "−" if x < 0 else "±"
    return f"{sign}{abs(x):g}"


def effect_phrases(sc: Scenario, eff: Effects, me: str | None = None) -> list[str]:
    """Each effect in a few words: the one wording of effects, for a role's card and the
    instructor's dashboard alike.

    On a role's card (`me` given) the effects are seen from that role ("your BATNA +5") and
    other roles, channels and variables are named in a word, since the card is one phone
    screen ("EU points −1", "closes the parliamentary channel", "trust +10"); for the
    instructor (`me` None) by their authored names. A 0/1 variable that records the channel
    change just listed is not said twice.
    """
    roles = {r.id: r.name for r in sc.roles}
    channels = {c.id: c.name for c in sc.channels}

    def who(role_id: str, what: str) -> str:
        if me is None:
            return f"{roles.get(role_id, role_id)} {what}"
        return f"your {what}" if role_id == me else f"{tag(role_id)} {what}"

    def channel(cid: str) -> str:
        return channels.get(cid, cid) if me is None else f"the {_channel_name(sc, cid)} channel"

    def variable(var: str) -> str:
        if me is None and var in sc.variables:
            return sc.variables[var].label
        return var.replace("_", " ")

    out: list[str] = []
    for r, v in eff.batna.items():
        out.append(f"{who(r, 'BATNA')} {_num(v)}")
    for r, v in eff.points.items():
        out.append(f"{who(r, 'points')} {_num(v)}")
    for var, v in eff.variables.items():
        flag = var in sc.variables and sc.variables[var].maximum <= 1
        if flag and (eff.close_channels or eff.open_channels):
            continue
        out.append(f"{variable(var)} {_num(v)}")
    for r, n in eff.actions_per_phase.items():
        out.append(f"{who(r, 'actions per phase')} {_num(n)}")
    for c in eff.close_channels:
        out.append(f"closes {channel(c)}")
    for c in eff.open_channels:
        out.append(f"opens {channel(c)}")
    if eff.open_bridge:
        bridged = sorted({r for c in sc.channels for r in c.bridge})
        names = " and ".join(tag(r) if me is not None else roles.get(r, r) for r in bridged)
        out.append(f"lets {names or 'bridge roles'} into the official channel")
    return out


def _channel_name(sc: Scenario, cid: str) -> str:
    """A channel in a word or two: its id ('non_governmental' -> 'non-governmental')."""
    return cid.replace("_", "-")


def action_line(sc: Scenario, me: str, a: Action) -> dict[str, Any]:
    """One line per action: its name and what it does, costs and risk first."""
    parts: list[str] = []
    if a.cost:
        parts.append(f"costs you {a.cost:g} point{'s' if a.cost != 1 else ''}")
    if a.budget_cost:
        parts.append(f"{a.budget_cost:g} of your budget")
    if a.limit is not None:
        parts.append("once" if a.limit == 1 else f"up to {a.limit} times")
    parts.extend(effect_phrases(sc, a.effects, me))
    if a.requires_open:
        parts.append(f"needs the {_channel_name(sc, a.requires_open)} channel open")
    if a.target_effects:
        parts.append("target matters (below)")
    if a.risk is not None:
        try:
            title = sc.event(a.risk.event).title
        except KeyError:
            title = a.risk.event
        parts.append(f"{round(100 * a.risk.chance)}% risk of “{title}”")
    return {"id": a.id, "name": a.name, "effect": "; ".join(parts) or "no effect on points"}


def notes(sc: Scenario, role: Role) -> list[str]:
    """What the action lines leave out: targets' extra effects, and the thresholds of
    scenario variables that move this role."""
    out: list[str] = []
    seen: list[tuple[str, ...]] = []
    for aid in role.actions:
        a = sc.action(aid)
        if not a.target_effects:
            continue
        groups: dict[str, list[str]] = {}
        for target, eff in a.target_effects.items():
            groups.setdefault(", ".join(effect_phrases(sc, eff, role.id)), []).append(target)
        line = "Targets: " + "; ".join(f"{', '.join(ts)} add {what}" for what, ts in groups.items())
        key = (line,)
        if key not in seen:  # several actions often share one table of targets
            seen.append(key)
            out.append(line)
    for vid, var in sc.variables.items():
        for th in var.thresholds:
            if role.id not in th.effects.batna and role.id not in th.effects.points:
                continue
            bound = (f"reaches {th.at_least:g}" if th.at_least is not None
                     else f"drops below {th.below:g}")
            what = ", ".join(effect_phrases(sc, th.effects, role.id))
            out.append(f"If {vid.replace('_', ' ')} {bound}: {what}.")
    return out


def best_total(sc: Scenario, role_id: str) -> float:
    """The role's best package, linkage ignored: per issue its highest-scoring option."""
    return sum(max(o.points.get(role_id, 0.0) for o in i.options) for i in sc.issues)


def _rights(sc: Scenario, role: Role) -> list[str]:
    signers = [r.id for r in sc.roles if r.signatory and r.id in sc.table.roles]
    if role.signatory:
        other = " and ".join(f"the {tag(r)}" for r in signers if r != role.id)
        also = f" ({other} must sign too)" if other else ""
        return [f"You sign or refuse{also}; you submit an opening and propose packages."]
    names = " and ".join(f"the {tag(r)}" for r in signers)
    mine = [_channel_name(sc, c.id) for c in sc.channels if role.id in c.members]
    bridge = [_channel_name(sc, c.id) for c in sc.channels if role.id in c.bridge]
    # `suggest`: a non-signatory puts a package to a signatory, who may adopt it as its own
    lines = [f"You do not sign ({names} do) or propose packages; you may suggest one to "
             "them, chat and act."]
    if mine or bridge:
        openers = [f"the {tag(r.id)}" for r in sc.roles
                   if any(sc.action(x).effects.open_bridge for x in r.actions)]
        invited = f"if {' or '.join(openers)} invites you" if openers else "if invited"
        where = ", ".join(mine) + (f"; {', '.join(bridge)} {invited}" if bridge else "")
        lines.append(f"Your channels: {where}.")
    if role.is_veto:
        lines.append("A deal below your BATNA is void.")
    return lines


class _Same:
    """A scenario as a cache key by identity (scenarios hold dicts, so they do not hash)."""

    __slots__ = ("sc",)

    def __init__(self, sc: Scenario) -> None:
        self.sc = sc

    def __hash__(self) -> int:
        return id(self.sc)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Same) and other.sc is self.sc


@lru_cache(maxsize=64)
def _cards(key: _Same) -> dict[str, dict[str, Any]]:
    return {r.id: build_card(key.sc, r.id) for r in key.sc.roles}


def role_card(sc: Scenario, role_id: str) -> dict[str, Any]:
    """The card of one role, built once per scenario (views ask for it on every send).

    The cache holds the scenario itself, so its id is never reused while cached.
    Callers must not change the dict they get.
    """
    return _cards(_Same(sc))[role_id]


def build_card(sc: Scenario, role_id: str) -> dict[str, Any]:
    """The card of one role, as JSON-able data."""
    role = sc.role(role_id)
    authored = role.card
    best = best_total(sc, role.id)
    return {
        "name": short_role(sc, role.id),
        "objective": authored.objective if authored else "",
        "batna": role.batna,
        "batna_meaning": authored.batna if authored else "what you get if there is no deal",
        "unknown": authored.unknown if authored else "",
        "score": (
            f"Your score: 0 = your BATNA ({role.batna:g} points), 100 = your best "
            f"package ({best:g}); negative below your BATNA."
        ),
        "rights": _rights(sc, role),
        "actions": [action_line(sc, role.id, sc.action(a)) for a in role.actions],
        "notes": notes(sc, role),
        "budget": role.budget,
    }
