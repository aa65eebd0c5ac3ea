"""A simple negotiating strategy for bots, working only from a player's own view.

Bots see what a student sees (their own points, the proposals on the table),
so they cannot compute the Nash package directly. They open at their ideal
and concede over the negotiation toward the other side's latest proposal,
issue by issue, never below their BATNA plus a margin; they sign what is at
or above their BATNA. Non-signatories chat and take actions. Pure: the
randomness is passed in.
"""

from __future__ import annotations

import random
from typing import Any

Move = tuple[str, dict[str, Any]]

LINES = {
    "eu": ["Our standard text protects both of us.", "We can be flexible on some chapters."],
    "government": ["We want a partnership of equals.", "This clause is not acceptable to Baku."],
    "civil_society": ["Please remember the political prisoners.", "Civil society must be heard."],
    "lobbyist": ["My client has options elsewhere.", "Let us keep this constructive."],
}


def ideal(view: dict[str, Any]) -> dict[str, str]:
    return {i["id"]: max(i["options"], key=lambda o: o["points"])["id"] for i in view["issues"]}


def own_points(view: dict[str, Any], pkg: dict[str, str]) -> float:
    total = 0.0
    for issue in view["issues"]:
        for o in issue["options"]:
            if o["id"] == pkg.get(issue["id"]):
                total += o["points"]
    return total


def _linkage_ok(view: dict[str, Any], pkg: dict[str, str]) -> bool:
    chosen = {f"{k}.{v}" for k, v in pkg.items()}
    for issue in view["issues"]:
        for o in issue["options"]:
            if o["id"] == pkg[issue["id"]]:
                if any(r not in chosen for r in o["requires"]):
                    return False
                if any(x in chosen for x in o["excludes"]):
                    return False
    return True


def concede(view: dict[str, Any], theirs: dict[str, str], target: float) -> dict[str, str]:
    """Logroll: from this role's ideal, give the other side the issues that cost least,
    as long as this role keeps at least `target` points."""
    best = ideal(view)
    pkg = dict(best)
    points = {i["id"]: {o["id"]: o["points"] for o in i["options"]} for i in view["issues"]}
    costs = sorted(
        (points[k][best[k]] - points[k][theirs[k]], k) for k in best if theirs.get(k) != best[k]
    )
    for _cost, issue_id in costs:
        trial = {**pkg, issue_id: theirs[issue_id]}
        if own_points(view, trial) >= target and _linkage_ok(view, trial):
            pkg = trial
    return pkg if _linkage_ok(view, pkg) else best


def next_move(view: dict[str, Any], rng: random.Random, progress: float) -> Move | None:
    """The bot's next command, or None to wait. `progress` runs 0 → 1 over the phase."""
    game, role, table = view["game"], view.get("role"), view.get("table")
    phase = game.get("phase")
    if role is None or table is None or phase is None or game["status"] != "running":
        return None
    allow = set(phase["allow"])
    side = role["side"]
    if "open" in allow and role["signatory"] and side not in table["openings"]:
        return "open", {"package": ideal(view)}
    if "sign" in allow and role["signatory"] and table["outcome"] == "open":
        if table["current"] is None:
            return None
        if table["signatures"].get(role["id"]) == table["current"]:
            return None
        mine = table["my_total_current"]
        if mine is not None and mine >= role["batna"]:
            return "sign", {"proposal": table["current"]}
        return ("refuse", {}) if progress > 0.5 else None
    if "propose" in allow and role["signatory"] and table["outcome"] == "open":
        theirs = [p for p in table["proposals"] if p["role"] != role["id"]]
        mine = [p for p in table["proposals"] if p["role"] == role["id"]]
        top = 100.0
        floor = role["batna"] + 2
        target = max(floor, top - (top - floor) * min(1.0, progress * 1.3))
        reference = theirs[-1]["package"] if theirs else table["openings"].get(
            "government" if side == "eu" else "eu", ideal(view))
        pkg = concede(view, reference, target)
        if theirs and own_points(view, theirs[-1]["package"]) >= target:
            pkg = dict(theirs[-1]["package"])
        if not mine or mine[-1]["package"] != pkg or table["current"] != mine[-1]["seq"]:
            if table["proposals"] and table["proposals"][-1]["package"] == pkg:
                pass  # already on the table
            elif rng.random() < 0.7:
                return "propose", {"package": pkg}
    if "act" in allow and role["actions_left"] > 0 and rng.random() < 0.25:
        usable = [a for a in view["actions"] if a["in_phase"] and a["uses_left"] != 0
                  and a["budget_cost"] <= role["budget_left"]]
        if usable:
            a = rng.choice(usable)
            args: dict[str, Any] = {"action": a["id"]}
            if a["targets"]:
                args["target"] = rng.choice(a["targets"])
            return "act", args
    if "chat" in allow and rng.random() < 0.3:
        open_channels = [c for c in view["channels"] if c["open"]]
        if open_channels:
            ch = rng.choice(open_channels)
            lines = LINES.get(role["id"], ["Let us find common ground."])
            return "chat", {"channel": ch["id"], "text": rng.choice(lines)}
    return None
