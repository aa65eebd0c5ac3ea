"""Packages to play in tests: each side's best opening and a deal both signatories prefer."""

from __future__ import annotations

import itertools

from roleplay.engine.commands import linkage_problem
from roleplay.scenario.model import Scenario


def packages(sc: Scenario) -> list[dict[str, str]]:
    """Every package the scenario's option links allow."""
    ids = [[o.id for o in i.options] for i in sc.issues]
    out = []
    for combo in itertools.product(*ids):
        pkg = {i.id: o for i, o in zip(sc.issues, combo, strict=True)}
        if linkage_problem(sc, pkg) is None:
            out.append(pkg)
    return out


def plan(sc: Scenario) -> dict[str, dict[str, str]]:
    """Openings (each side's best) and a deal both signatories prefer to their BATNA."""
    pkgs = packages(sc)
    eu = max(pkgs, key=lambda p: sc.points("eu", p))
    gov = max(pkgs, key=lambda p: sc.points("government", p))
    both = [p for p in pkgs if sc.points("eu", p) >= sc.role("eu").batna
            and sc.points("government", p) >= sc.role("government").batna]
    deal = max(both, key=lambda p: min(sc.points("eu", p) - sc.role("eu").batna,
                                       sc.points("government", p) - sc.role("government").batna))
    return {"eu": eu, "government": gov, "deal": deal}
