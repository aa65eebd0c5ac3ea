"""A role's one-screen card: what a student reads first, built from the scenario's data.

The objective, the meaning of the BATNA and what the role does not know are authored
(`Role.card`); everything else is generated here from the same data the engine plays
by (actions' costs, limits, effects and risks, the BATNA, the best package, who signs),
so the card cannot drift from the mechanics.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from roleplay.i18n import N_
from roleplay.i18n.messages import Text, and_list, english, joined, or_list, say, say_plural
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
    """Each effect in a few words, in English (`effect_texts` says them for the reader)."""
    return [english(x) for x in effect_texts(sc, eff, me)]


def effect_texts(sc: Scenario, eff: Effects, me: str | None = None) -> list[Text]:
    """Each effect in a few words, as catalog texts: the one wording of effects, for a
    role's card and the instructor's dashboard alike.

    On a role's card (`me` given) the effects are seen from that role ("your BATNA +5") and
    other roles, channels and variables are named in a word, since the card is one phone
    screen ("EU points −1", "closes the parliamentary channel", "trust +10"); for the
    instructor (`me` None) by their authored names. A 0/1 variable that records the channel
    change just listed is not said twice.
    """
    roles = {r.id: r.name for r in sc.roles}
    channels = {c.id: c.name for c in sc.channels}

    def name(role_id: str) -> str:
        return roles.get(role_id, role_id) if me is None else tag(role_id)

    def variable(var: str) -> str:
        if me is None and var in sc.variables:
            return sc.variables[var].label
        return var.replace("_", " ")

    out: list[Text] = []
    for r, v in eff.batna.items():
        out.append(say("your BATNA %(value)s", value=_num(v)) if r == me
                   else say("%(role)s BATNA %(value)s", role=name(r), value=_num(v)))
    for r, v in eff.points.items():
        out.append(say("your points %(value)s", value=_num(v)) if r == me
                   else say("%(role)s points %(value)s", role=name(r), value=_num(v)))
    for var, v in eff.variables.items():
        flag = var in sc.variables and sc.variables[var].maximum <= 1
        if flag and (eff.close_channels or eff.open_channels):
            continue
        out.append(f"{variable(var)} {_num(v)}")
    for r, n in eff.actions_per_phase.items():
        out.append(say("your actions per phase %(value)s", value=_num(n)) if r == me
                   else say("%(role)s actions per phase %(value)s", role=name(r), value=_num(n)))
    for c in eff.close_channels:
        out.append(say("closes %(channel)s", channel=channels.get(c, c)) if me is None
                   else say("closes the %(channel)s channel", channel=_channel_name(sc, c)))
    for c in eff.open_channels:
        out.append(say("opens %(channel)s", channel=channels.get(c, c)) if me is None
                   else say("opens the %(channel)s channel", channel=_channel_name(sc, c)))
    if eff.open_bridge:
        bridged = sorted({r for c in sc.channels for r in c.bridge})
        out.append(say("lets %(roles)s into the official channel", roles=and_list([name(r) for r in bridged]))
                   if bridged else say("lets bridge roles into the official channel"))
    return out


def _channel_name(sc: Scenario, cid: str) -> str:
    """A channel in a word or two: its id ('non_governmental' -> 'non-governmental')."""
    return cid.replace("_", "-")


def action_parts(sc: Scenario, me: str, a: Action) -> list[Text]:
    """What an action does, costs and risk first, as catalog texts."""
    parts: list[Text] = []
    if a.cost:
        parts.append(say_plural("costs you %(n)s point", "costs you %(n)s points", a.cost))
    if a.budget_cost:
        parts.append(say("%(n)s of your budget", n=f"{a.budget_cost:g}"))
    if a.limit is not None:
        parts.append(say("once") if a.limit == 1 else say("up to %(n)s times", n=a.limit))
    parts.extend(effect_texts(sc, a.effects, me))
    if a.requires_open:
        parts.append(say("needs the %(channel)s channel open", channel=_channel_name(sc, a.requires_open)))
    if a.target_effects:
        parts.append(say("target matters (below)"))
    if a.risk is not None:
        try:
            title = sc.event(a.risk.event).title
        except KeyError:
            title = a.risk.event
        parts.append(say("%(chance)s risk of “%(event)s”", chance=f"{round(100 * a.risk.chance)}%",
                         event=title))
    return parts or [say("no effect on points")]


def action_line(sc: Scenario, me: str, a: Action) -> dict[str, Any]:
    """One line per action: its name and what it does (`effect`, English; `effect_text`,
    the parts for the reader's catalog)."""
    text = joined("; ", action_parts(sc, me, a))
    return {"id": a.id, "name": a.name, "effect": english(text), "effect_text": text}


_TARGETS_ADD = N_("%(targets)s add %(effects)s")


def note_texts(sc: Scenario, role: Role) -> list[Text]:
    """What the action lines leave out: targets' extra effects, and the thresholds of
    scenario variables that move this role."""
    out: list[Text] = []
    seen: list[str] = []
    for aid in role.actions:
        a = sc.action(aid)
        if not a.target_effects:
            continue
        groups: dict[str, tuple[list[str], Text]] = {}
        for target, eff in a.target_effects.items():
            what = joined(", ", effect_texts(sc, eff, role.id))
            groups.setdefault(english(what), ([], what))[0].append(target)
        line = say("Targets: %(groups)s", groups=joined("; ", [
            say(_TARGETS_ADD, targets=", ".join(ts), effects=what)
            for ts, what in groups.values()]))
        key = english(line)
        if key not in seen:  # several actions often share one table of targets
            seen.append(key)
            out.append(line)
    for vid, var in sc.variables.items():
        for th in var.thresholds:
            if role.id not in th.effects.batna and role.id not in th.effects.points:
                continue
            effects = joined(", ", effect_texts(sc, th.effects, role.id))
            name = vid.replace("_", " ")
            out.append(say("If %(variable)s reaches %(n)s: %(effects)s.", variable=name,
                           n=f"{th.at_least:g}", effects=effects) if th.at_least is not None
                       else say("If %(variable)s drops below %(n)s: %(effects)s.", variable=name,
                                n=f"{th.below:g}", effects=effects))
    return out


def notes(sc: Scenario, role: Role) -> list[str]:
    return [english(x) for x in note_texts(sc, role)]


def best_total(sc: Scenario, role_id: str) -> float:
    """The role's best package, linkage ignored: per issue its highest-scoring option."""
    return sum(max(o.points.get(role_id, 0.0) for o in i.options) for i in sc.issues)


def _the(role_id: str) -> Text:
    return say("the %(role)s", role=tag(role_id))


def _rights(sc: Scenario, role: Role) -> list[Text]:
    signers = [r.id for r in sc.roles if r.signatory and r.id in sc.table.roles]
    if role.signatory:
        others = [_the(r) for r in signers if r != role.id]
        if others:
            return [say("You sign or refuse (%(others)s must sign too); you submit an opening "
                        "and propose packages.", others=and_list(others))]
        return [say("You sign or refuse; you submit an opening and propose packages.")]
    mine = [_channel_name(sc, c.id) for c in sc.channels if role.id in c.members]
    bridge = [_channel_name(sc, c.id) for c in sc.channels if role.id in c.bridge]
    # `suggest`: a non-signatory puts a package to a signatory, who may adopt it as its own
    lines: list[Text] = [say("You do not sign (%(signers)s do) or propose packages; you may "
                             "suggest one to them, chat and act.",
                             signers=and_list([_the(r) for r in signers]))]
    if mine or bridge:
        openers = [_the(r.id) for r in sc.roles
                   if any(sc.action(x).effects.open_bridge for x in r.actions)]
        if not bridge:
            lines.append(say("Your channels: %(channels)s.", channels=", ".join(mine)))
        elif openers:
            lines.append(say("Your channels: %(channels)s; %(bridge)s if %(openers)s invites you.",
                             channels=", ".join(mine), bridge=", ".join(bridge),
                             openers=or_list(openers)))
        else:
            lines.append(say("Your channels: %(channels)s; %(bridge)s if invited.",
                             channels=", ".join(mine), bridge=", ".join(bridge)))
    if role.is_veto:
        lines.append(say("A deal below your BATNA is void."))
    return lines


class Same:
    """A scenario as a cache key by identity (scenarios hold dicts, so they do not hash)."""

    __slots__ = ("sc",)

    def __init__(self, sc: Scenario) -> None:
        self.sc = sc

    def __hash__(self) -> int:
        return id(self.sc)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Same) and other.sc is self.sc


@lru_cache(maxsize=64)
def _cards(key: Same) -> dict[str, dict[str, Any]]:
    return {r.id: build_card(key.sc, r.id) for r in key.sc.roles}


def role_card(sc: Scenario, role_id: str) -> dict[str, Any]:
    """The card of one role, built once per scenario (views ask for it on every send).

    The cache holds the scenario itself, so its id is never reused while cached.
    Callers must not change the dict they get.
    """
    return _cards(Same(sc))[role_id]


def build_card(sc: Scenario, role_id: str) -> dict[str, Any]:
    """The card of one role, as JSON-able data."""
    role = sc.role(role_id)
    authored = role.card
    best = best_total(sc, role.id)
    rights = _rights(sc, role)
    notes_ = note_texts(sc, role)
    score = say("Your score: 0 = your BATNA (%(batna)s points), 100 = your best package "
                "(%(best)s); negative below your BATNA.", batna=f"{role.batna:g}", best=f"{best:g}")
    meaning = None if authored and authored.batna else say("what you get if there is no deal")
    # the English lines beside the catalog texts (`*_text`) the page says in its language
    return {
        "name": short_role(sc, role.id),
        "objective": authored.objective if authored else "",
        "batna": role.batna,
        "batna_meaning": authored.batna if authored and authored.batna else english(meaning),
        "batna_meaning_text": meaning,
        "unknown": authored.unknown if authored else "",
        "score": english(score),
        "score_text": score,
        "rights": [english(x) for x in rights],
        "rights_text": rights,
        "actions": [action_line(sc, role.id, sc.action(a)) for a in role.actions],
        "notes": [english(x) for x in notes_],
        "notes_text": notes_,
        "budget": role.budget,
    }
