"""How bots negotiate, working only from a player's own view. Pure: randomness is passed in.

Bots see what a student sees: their own points per option, the options' kinds
and linkage rules, the proposals on the table and their BATNA. So they cannot
compute the Nash package; they do what a class does:

* a signatory opens with its best package that satisfies the linkage rules;
* in the negotiation it lowers its target from that best package toward its
  BATNA plus a margin, and each time proposes the package it believes the
  other side likes most among those still worth its target. That belief comes
  from what the other side put on the table and from the options' kinds (an EU
  likes its templates, Baku its opt-outs, both can live with co-designed
  text), so a bot considers packages neither side has proposed: logrolling;
* when the other side's latest proposal is worth its target, it leaves it on
  the table or, if it is the adopting kind, proposes it too (equal input);
* in the decision phase it signs what beats its BATNA and refuses what does not.

A **personality** (seeded per bot) sets the margin, the pace of concessions,
a taste for co-designed text, which issues it never gives away and how often
it uses its role's tactics, so a class of bots spreads over the
differentiation map. Non-signatories take actions, chat, and suggest their best
package to a signatory, which adopts it when it is worth its target.
"""

from __future__ import annotations

import itertools
import random
import zlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

Move = tuple[str, dict[str, Any]]
Package = dict[str, str]


@dataclass(frozen=True)
class Personality:
    name: str
    margin: float  # points above the BATNA it never goes below
    pace: float  # exponent of the concession curve: > 1 concedes late, < 1 early
    co_design: float  # how much it likes co-designed text, in estimated-acceptance units
    holds: int  # its most important issues it never settles at its worst option
    tactics: float  # chance per round of using one of its role's actions
    adopts: bool  # proposes the other side's acceptable package itself
    slack: float  # accepts a proposal this many points below its target
    walk_away: float = 0.0  # signs only this many points above its BATNA (hard-liners walk)
    brinkmanship: float = 0.0  # chance of a last-round ultimatum that asks for more


PERSONALITIES: dict[str, Personality] = {
    p.name: p
    for p in (
        Personality("hard_liner", margin=16, pace=2.2, co_design=0.0, holds=2, tactics=0.45,
                    adopts=False, slack=0, walk_away=10, brinkmanship=0.5),
        Personality("integrative", margin=4, pace=1.0, co_design=0.9, holds=0, tactics=0.1,
                    adopts=True, slack=3),
        Personality("values_first", margin=6, pace=1.3, co_design=0.4, holds=1, tactics=0.2,
                    adopts=True, slack=1),
        Personality("pragmatist", margin=2, pace=0.7, co_design=0.2, holds=0, tactics=0.15,
                    adopts=True, slack=5),
        Personality("opportunist", margin=5, pace=1.2, co_design=-0.5, holds=0, tactics=0.3,
                    adopts=False, slack=2, walk_away=2, brinkmanship=0.25),
    )
}

LINES = {
    "eu": ["Our standard text protects both of us.", "We can be flexible on some chapters."],
    "government": ["We want a partnership of equals.", "This clause is not acceptable to Baku."],
    "civil_society": ["Please remember the political prisoners.", "Civil society must be heard."],
    "lobbyist": ["My client has options elsewhere.", "Let us keep this constructive."],
}

#: What a bot assumes the other side thinks of each kind of option, before evidence.
PRIOR = {
    "eu": {"template": 1.0, "co_designed": 0.55, "opt_out": 0.0},
    "government": {"template": 0.0, "co_designed": 0.55, "opt_out": 1.0},
}


def personality_for(view: dict[str, Any]) -> Personality:
    """A stable personality for a seat when the caller has not chosen one (the driver)."""
    me = view.get("me") or {}
    key = f"{me.get('name')}|{me.get('table')}|{me.get('role')}"
    names = sorted(PERSONALITIES)
    return PERSONALITIES[names[zlib.crc32(key.encode()) % len(names)]]


def draw_personality(rng: random.Random) -> Personality:
    return PERSONALITIES[rng.choice(sorted(PERSONALITIES))]


# -- the package space as this role sees it --------------------------------------------------
@dataclass(frozen=True)
class _Space:
    issues: tuple[str, ...]
    options: tuple[tuple[str, ...], ...]
    points: tuple[tuple[float, ...], ...]  # own points per issue, per option
    kinds: tuple[tuple[str, ...], ...]
    packages: tuple[tuple[int, ...], ...]  # every linkage-valid package (option indices)
    totals: tuple[float, ...]  # own points of each


def _freeze(view: dict[str, Any]) -> tuple[Any, ...]:
    return (
        tuple((i["id"], tuple((o["id"], float(o["points"]), o["kind"]) for o in i["options"]))
              for i in view["issues"]),
        # the view's linkage rules: the option sets no package may hold together
        tuple(frozenset(c["options"]) for c in view["linkage"]),
    )


@lru_cache(maxsize=64)
def _space_of(frozen: tuple[Any, ...]) -> _Space:
    by_issue, conflicts = frozen
    issues = tuple(i for i, _ in by_issue)
    options = tuple(tuple(o[0] for o in opts) for _, opts in by_issue)
    points = tuple(tuple(o[1] for o in opts) for _, opts in by_issue)
    kinds = tuple(tuple(o[2] for o in opts) for _, opts in by_issue)
    valid, totals = [], []
    for combo in itertools.product(*(range(len(o)) for o in options)):
        chosen = {f"{issues[k]}.{options[k][j]}" for k, j in enumerate(combo)}
        if not any(c <= chosen for c in conflicts):
            valid.append(combo)
            totals.append(sum(points[k][j] for k, j in enumerate(combo)))
    return _Space(issues, options, points, kinds, tuple(valid), tuple(totals))


def _space(view: dict[str, Any]) -> _Space:
    return _space_of(_freeze(view))


def _as_package(sp: _Space, combo: tuple[int, ...]) -> Package:
    return {sp.issues[k]: sp.options[k][j] for k, j in enumerate(combo)}


def _as_combo(sp: _Space, pkg: Package) -> tuple[int, ...] | None:
    try:
        return tuple(sp.options[k].index(pkg[i]) for k, i in enumerate(sp.issues))
    except (KeyError, ValueError):
        return None


def ideal(view: dict[str, Any]) -> Package:
    """This role's best package among those the linkage rules allow."""
    sp = _space(view)
    best = max(range(len(sp.packages)), key=lambda n: (sp.totals[n], -n))
    return _as_package(sp, sp.packages[best])


def own_points(view: dict[str, Any], pkg: Package) -> float:
    total = 0.0
    for issue in view["issues"]:
        for o in issue["options"]:
            if o["id"] == pkg.get(issue["id"]):
                total += o["points"]
    return total


def _belief(view: dict[str, Any], sp: _Space, other: str) -> list[list[float]]:
    """How much the other side seems to like each option: a prior by kind, plus what it
    opened with and proposed (its latest proposal counts most)."""
    prior = PRIOR.get(other, PRIOR["eu"])
    est = [[prior.get(kind, 0.5) for kind in kinds] for kinds in sp.kinds]
    table = view["table"]
    other_roles = {r["id"] for r in view.get("roles", []) if r["side"] == other}
    evidence: list[tuple[Package, float]] = []
    if other in table["openings"]:
        evidence.append((table["openings"][other], 1.0))
    theirs = [p for p in table["proposals"] if p["role"] in other_roles]
    for n, p in enumerate(theirs):
        evidence.append((p["package"], 1.0 if n == len(theirs) - 1 else 0.4))
    for pkg, weight in evidence:
        for k, issue in enumerate(sp.issues):
            if pkg.get(issue) in sp.options[k]:
                est[k][sp.options[k].index(pkg[issue])] += weight
    return est


def _held(sp: _Space, holds: int) -> set[tuple[int, int]]:
    """(issue, option) pairs a bot refuses: its worst option on its `holds` biggest issues."""
    ranges = sorted(
        range(len(sp.issues)), key=lambda k: (-(max(sp.points[k]) - min(sp.points[k])), k)
    )
    out = set()
    for k in ranges[:holds]:
        worst = min(range(len(sp.points[k])), key=lambda j: sp.points[k][j])
        out.add((k, worst))
    return out


def choose(view: dict[str, Any], target: float, style: Personality,
           rng: random.Random) -> Package:
    """The package this role believes the other side likes most among those worth at
    least `target` to it (ties and near-ties broken at random: bots differ)."""
    sp = _space(view)
    side = view["role"]["side"]
    other = "government" if side == "eu" else "eu"
    # each reading of the other side is a little off: bots, like students, misjudge
    belief = [[b + rng.gauss(0, 0.35) for b in row] for row in _belief(view, sp, other)]
    held = _held(sp, style.holds)
    best, best_value = None, -1e9
    for n, combo in enumerate(sp.packages):
        if sp.totals[n] < target - 1e-9 or any((k, j) in held for k, j in enumerate(combo)):
            continue
        value = sum(belief[k][j] for k, j in enumerate(combo))
        value += style.co_design * sum(sp.kinds[k][j] == "co_designed" for k, j in enumerate(combo))
        value += 0.02 * (sp.totals[n] - target) + rng.uniform(0, 0.8)
        if value > best_value:
            best, best_value = combo, value
    return _as_package(sp, best) if best is not None else ideal(view)


def concede(view: dict[str, Any], theirs: Package, target: float) -> Package:
    """From this role's best package, give the other side the issues that cost least, as
    long as this role keeps at least `target` points and the linkage rules hold."""
    sp = _space(view)
    valid = set(sp.packages)
    best = ideal(view)
    pkg = dict(best)
    points = {i["id"]: {o["id"]: o["points"] for o in i["options"]} for i in view["issues"]}
    costs = sorted(
        (points[k][best[k]] - points[k][theirs[k]], k) for k in best if theirs.get(k) != best[k]
    )
    for _cost, issue_id in costs:
        trial = {**pkg, issue_id: theirs[issue_id]}
        if own_points(view, trial) >= target and _as_combo(sp, trial) in valid:
            pkg = trial
    return pkg


def target_points(view: dict[str, Any], style: Personality, progress: float) -> float:
    top = own_points(view, ideal(view))
    floor = min(top, float(view["role"]["batna"]) + style.margin)
    share: float = min(1.0, max(0.0, progress)) ** style.pace
    return top - (top - floor) * share


def _deal_points(view: dict[str, Any]) -> float | None:
    """This role's points from the package on the table (without costs already spent)."""
    table = view["table"]
    current = next((p for p in table["proposals"] if p["seq"] == table["current"]), None)
    return own_points(view, current["package"]) if current is not None else None


def next_move(view: dict[str, Any], rng: random.Random, progress: float,
              personality: Personality | None = None) -> Move | None:
    """The bot's next command, or None to wait. `progress` runs 0 → 1 over the phase."""
    game, role, table = view["game"], view.get("role"), view.get("table")
    phase = game.get("phase")
    if role is None or table is None or phase is None or game["status"] != "running":
        return None
    style = personality or personality_for(view)
    # what the rules let this seat do now comes from the view (`can`), never re-derived
    can = {name: bool(v["allowed"]) for name, v in view["can"].items()}
    if can["open"]:
        return "open", {"package": ideal(view)}
    if can["refuse"]:  # the decision: sign what the table holds, or walk away
        return _decide(view, role, table, progress, style)
    if can["propose"]:
        move = _negotiate(view, rng, progress, style)
        if move is not None:
            return move
    if can["suggest"] and rng.random() < 0.15:
        move = _suggest(view, rng)
        if move is not None:
            return move
    if can["act"] and role["actions_left"] > 0 and rng.random() < (
        style.tactics if role["signatory"] else 0.25
    ):
        # the actions the rules allow now (a closed channel's action among the refused)
        usable = [a for a in view["actions"] if a["allowed"]]
        if usable:
            a = rng.choice(usable)
            args: dict[str, Any] = {"action": a["id"]}
            if a["targets"]:
                args["target"] = rng.choice(a["targets"])
            return "act", args
    if can["chat"] and rng.random() < 0.3:
        open_channels = [c for c in view["channels"] if c["allowed"]]
        if open_channels:
            ch = rng.choice(open_channels)
            lines = LINES.get(role["id"], ["Let us find common ground."])
            return "chat", {"channel": ch["id"], "text": rng.choice(lines)}
    return None


def _decide(view: dict[str, Any], role: dict[str, Any], table: dict[str, Any],
            progress: float, style: Personality) -> Move | None:
    if table["current"] is None:
        return ("refuse", {}) if progress > 0.5 else None
    if table["signatures"].get(role["id"]) == table["current"]:
        return None
    if not view["can"]["sign"]["allowed"]:  # e.g. its own declared linkage is not met
        return ("refuse", {}) if progress > 0.5 else None
    mine = _deal_points(view)
    # a deadlock pays the BATNA plus the costs already spent, a deal its points plus
    # the same costs: a rational bot signs whatever is at or above its BATNA; a
    # hard-liner wants more and walks away from a thin deal
    if mine is not None and mine >= role["batna"] + style.walk_away - 1e-9:
        return "sign", {"proposal": table["current"]}
    return ("refuse", {}) if progress > 0.5 else None


def _suggest(view: dict[str, Any], rng: random.Random) -> Move | None:
    """A non-signatory puts its best valid package to one signatory, once each."""
    signatories = [r["id"] for r in view["roles"] if r["signatory"]]
    done = {s["to"] for s in view["table"].get("suggestions", [])}
    left = [r for r in signatories if r not in done]
    if not left:
        return None
    return "suggest", {"package": ideal(view), "to": rng.choice(left)}


def _negotiate(view: dict[str, Any], rng: random.Random, progress: float,
               style: Personality) -> Move | None:
    role, table = view["role"], view["table"]
    target = target_points(view, style, progress)
    for sg in table.get("suggestions", []):  # a suggestion worth the target: adopt it
        if sg["to"] == role["id"] and sg["points"] >= target and style.adopts and not any(
            p["package"] == sg["package"] for p in table["proposals"]
        ):
            return "propose", {"package": dict(sg["package"]), "suggestion": sg["seq"]}
    proposals = table["proposals"]
    mine = [p for p in proposals if p["role"] == role["id"]]
    theirs = [p for p in proposals if p["role"] != role["id"]]
    current = proposals[-1] if proposals else None
    if progress >= 1.0 and style.brinkmanship and rng.random() < style.brinkmanship:
        # the clock is the hard-liner's weapon: a last demand the other side may not
        # be able to sign (the decision phase allows no counter-offer)
        demand = choose(view, target_points(view, style, 0.5), style, rng)
        if current is None or current["package"] != demand:
            return "propose", {"package": demand}
    if theirs and own_points(view, theirs[-1]["package"]) >= target - style.slack:
        latest = theirs[-1]["package"]
        if own_points(view, latest) >= role["batna"] and current is not None and (
            current["package"] == latest
        ):
            if style.adopts and not any(p["package"] == latest for p in mine):
                return "propose", {"package": dict(latest)}
            return None  # it stands; sign it in the decision phase
    pkg = choose(view, target, style, rng)
    if current is not None and current["package"] == pkg:
        return None  # already on the table
    if mine and mine[-1]["package"] == pkg and current is not None and current["seq"] == mine[-1]["seq"]:
        return None
    if rng.random() < 0.7:
        return "propose", {"package": pkg}
    return None
