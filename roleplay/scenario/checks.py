"""Cross-checks that a schema cannot express: references between parts of a scenario.

Each problem is a `(path, message)` pair; the path is the YAML path as a tuple
of keys and list indices, so the loader can turn it into a line and column.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Iterator

from .model import Campaign, Effects, Scenario

Path = tuple[str | int, ...]
Problem = tuple[Path, str]

#: A role's best package must total 100 points, within this tolerance.
BEST_TOTAL_TOLERANCE = 0.5


def _duplicates(items: Iterable[str]) -> set[str]:
    return {k for k, n in Counter(items).items() if n > 1}


def _dupe_ids(path: str, ids: list[str]) -> Iterator[Problem]:
    dupes = _duplicates(ids)
    for i, ident in enumerate(ids):
        if ident in dupes:
            yield (path, i, "id"), f"duplicate id '{ident}': every {path[:-1]} id must be unique"


def _effects(path: Path, eff: Effects, sc: Scenario) -> Iterator[Problem]:
    roles = {r.id for r in sc.roles}
    channels = {c.id for c in sc.channels}
    for key in ("batna", "points", "actions_per_phase"):
        for role in getattr(eff, key):
            if role not in roles:
                yield (*path, key, role), f"unknown role '{role}'; expected one of {sorted(roles)}"
    for var in eff.variables:
        if var not in sc.variables:
            yield (*path, "variables", var), (
                f"unknown variable '{var}'; declare it under 'variables' "
                f"(known: {sorted(sc.variables)})"
            )
    for key in ("close_channels", "open_channels"):
        for i, ch in enumerate(getattr(eff, key)):
            if ch not in channels:
                yield (*path, key, i), f"unknown channel '{ch}'; expected one of {sorted(channels)}"


def _unknown_option(sc: Scenario, ref: str) -> str:
    """What to write instead of an 'issue.option' reference that names nothing."""
    issue_id, dot, option_id = ref.partition(".")
    issues = {i.id: [o.id for o in i.options] for i in sc.issues}
    if not dot:
        return (f"'{ref}' needs the issue and the option, with a dot: 'issue.option' "
                f"(issues: {', '.join(issues)})")
    if issue_id not in issues:
        return f"unknown issue '{issue_id}' in '{ref}'; the issues are: {', '.join(issues)}"
    options = ", ".join(f"{issue_id}.{o}" for o in issues[issue_id])
    return f"issue '{issue_id}' has no option '{option_id}'; its options are: {options}"


def cross_check(sc: Scenario) -> list[Problem]:
    """Every reference problem in a scenario that validated against the schema."""
    return list(_cross_check(sc))


def _cross_check(sc: Scenario) -> Iterator[Problem]:
    roles = {r.id for r in sc.roles}
    actions = {a.id for a in sc.actions}
    phases = {p.id for p in sc.phases}
    channels = {c.id for c in sc.channels}
    events = {e.id for e in sc.events}
    yield from _dupe_ids("roles", [r.id for r in sc.roles])
    yield from _dupe_ids("issues", [i.id for i in sc.issues])
    yield from _dupe_ids("phases", [p.id for p in sc.phases])
    yield from _dupe_ids("channels", [c.id for c in sc.channels])
    yield from _dupe_ids("actions", [a.id for a in sc.actions])
    yield from _dupe_ids("events", [e.id for e in sc.events])

    for ri, role in enumerate(sc.roles):
        for ai, act in enumerate(role.actions):
            if act not in actions:
                yield ("roles", ri, "actions", ai), (
                    f"unknown action '{act}'; define it under 'actions' (known: {sorted(actions)})"
                )
    sides = Counter(r.side for r in sc.roles if r.signatory)
    if not any(r.signatory for r in sc.roles):
        yield ("roles",), "no role is a signatory: at least one role must sign a deal"
    for side in ("eu", "government"):
        if sides[side] > 1:
            yield ("roles",), f"more than one signatory role on side '{side}'"

    option_refs = {f"{i.id}.{o.id}" for i in sc.issues for o in i.options}
    for ii, issue in enumerate(sc.issues):
        for oi, dupe in enumerate(issue.options):
            if [o.id for o in issue.options].count(dupe.id) > 1:
                yield ("issues", ii, "options", oi, "id"), (
                    f"duplicate option id '{dupe.id}' in issue '{issue.id}'"
                )
        for oi, opt in enumerate(issue.options):
            base: Path = ("issues", ii, "options", oi)
            for role_id in opt.points:
                if role_id not in roles:
                    yield (*base, "points", role_id), (
                        f"unknown role '{role_id}'; expected one of {sorted(roles)}"
                    )
            for role_id in sorted(roles - set(opt.points)):
                yield (*base, "points"), f"role '{role_id}' is missing from this option's points"
            for key in ("requires", "excludes"):
                for ri, ref in enumerate(getattr(opt, key)):
                    if ref not in option_refs:
                        yield (*base, key, ri), _unknown_option(sc, ref)
                    elif ref.split(".")[0] == issue.id:
                        yield (*base, key, ri), "a linkage must point to another issue"
            for var in opt.variables:
                if var not in sc.variables:
                    yield (*base, "variables", var), f"unknown variable '{var}'"

    for ri, role in enumerate(sc.roles):
        best = sum(max(o.points.get(role.id, 0.0) for o in i.options) for i in sc.issues)
        if abs(best - 100) > BEST_TOTAL_TOLERANCE:
            yield ("roles", ri, "id"), (
                f"role '{role.id}': its best package totals {best:g} points; scale its points "
                "so that the best possible package totals 100"
            )

    for pi, phase in enumerate(sc.phases):
        for ai, act in enumerate(phase.actions or ()):
            if act not in actions:
                yield ("phases", pi, "actions", ai), (
                    f"unknown action '{act}'; expected one of {sorted(actions)}"
                )
    if not any(p.kind == "decision" for p in sc.phases):
        yield ("phases",), "no decision phase: a deal can only be signed in a decision phase"

    for ci, ch in enumerate(sc.channels):
        for key in ("members", "bridge"):
            for mi, member in enumerate(getattr(ch, key)):
                if member not in roles:
                    yield ("channels", ci, key, mi), (
                        f"unknown role '{member}'; expected one of {sorted(roles)}"
                    )

    for ai, action in enumerate(sc.actions):
        yield from _effects(("actions", ai, "effects"), action.effects, sc)
        if action.visibility == "channel" and action.channel is None:
            yield ("actions", ai), "visibility 'channel' needs 'channel'"
        if action.channel is not None and action.channel not in channels:
            yield ("actions", ai, "channel"), f"unknown channel '{action.channel}'"
        if action.risk is not None and action.risk.event not in events:
            yield ("actions", ai, "risk", "event"), (
                f"unknown event '{action.risk.event}'; expected one of {sorted(events)}"
            )

    for ei, ev in enumerate(sc.events):
        yield from _effects(("events", ei, "effects"), ev.effects, sc)
        if ev.trigger.phase is not None and ev.trigger.phase not in phases:
            yield ("events", ei, "trigger", "phase"), (
                f"unknown phase '{ev.trigger.phase}'; expected one of {sorted(phases)}"
            )

    for ti, role_id in enumerate(sc.table.roles):
        if role_id not in roles:
            yield ("table", "roles", ti), f"unknown role '{role_id}'"
    for role in sc.roles:
        if role.signatory and role.id not in sc.table.roles:
            yield ("table", "roles"), f"signatory role '{role.id}' has no seat at the table"
    for d in _duplicates(sc.table.roles):
        yield ("table", "roles"), f"role '{d}' has two seats"

    issues = {i.id: {o.id for o in i.options} for i in sc.issues}
    for issue_id, option_id in sc.history.package.items():
        if issue_id not in issues:
            yield ("history", "package", issue_id), f"unknown issue '{issue_id}'"
        elif option_id not in issues[issue_id]:
            yield ("history", "package", issue_id), (
                f"unknown option '{option_id}'; expected one of {sorted(issues[issue_id])}"
            )


def package_count(sc: Scenario) -> int:
    n = 1
    for issue in sc.issues:
        n *= len(issue.options)
    return n


def all_packages(sc: Scenario) -> Iterator[dict[str, str]]:
    """Every package (issue -> option), in file order. Mind package_count first."""
    ids = [i.id for i in sc.issues]
    for combo in itertools.product(*[[o.id for o in i.options] for i in sc.issues]):
        yield dict(zip(ids, combo, strict=True))


def campaign_problems(campaign: Campaign, scenarios: tuple[Scenario, ...]) -> list[Problem]:
    """Carries must name variables of both steps, and effects must fit the next step."""
    out: list[Problem] = []
    for si, (step, sc) in enumerate(zip(campaign.steps, scenarios, strict=True)):
        if step.carry and si == 0:
            out.append((("steps", si, "carry"), "the first step has nothing to carry from"))
            continue
        prev = scenarios[si - 1] if si > 0 else None
        for ci, carry in enumerate(step.carry):
            base: Path = ("steps", si, "carry", ci)
            if prev is not None and carry.variable not in prev.variables:
                out.append(((*base, "variable"),
                            f"'{prev.id}' has no variable '{carry.variable}' to carry"))
            if carry.variable not in sc.variables:
                out.append(((*base, "variable"),
                            f"'{sc.id}' has no variable '{carry.variable}' to carry into"))
            for ei, ce in enumerate(carry.effects):
                out.extend(_effects((*base, "effects", ei, "effects"), ce.effects, sc))
    return out
