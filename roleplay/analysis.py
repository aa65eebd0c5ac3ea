"""`roleplay analyze`: what a scenario's package space offers, and what its author must fix.

Pure: takes a validated Scenario, returns an Analysis with `to_dict()` (for
--json) and `to_text()` (a readable report). Formulas are those of
roleplay.scoring (docs/scoring.md); the analysis uses the pre-event BATNAs and
assumes equal input (EI = 1) when it reports a package's partnership
differentiation, since no one has proposed anything yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .scenario.model import Scenario
from .scoring import frontier as fr
from .scoring.frontier import EPS
from .scoring.measures import (
    PD_SPLIT,
    TAILORING_SPLIT,
    TYPE_LABELS,
    Weights,
    midpoint,
    potential_pd_terms,
    table_type,
    tailoring_terms,
    total,
    weights,
)
from .scoring.problem import PostEvent, post_event_problem
from .scoring.space import (
    COUNT_LIMIT,
    Grid,
    Space,
    agreement_frontier,
    all_options,
    best_package,
    build_space,
    links_hold,
    package_ids,
    package_index,
    package_points,
)
from .scoring.table import jsonable

#: Above this many packages the author is told the space is large.
MANY_PACKAGES = 1_000_000
#: An issue is idle when every role's range on it is below this many points.
IDLE_RANGE = 2.0

WARNING_CODES = (
    "no-zopa",
    "dominated-option",
    "batna-unreachable",
    "idle-issue",
    "no-differentiation-tension",
    "many-packages",
    "unlimited-batna-tactic",
    "no-post-event-zopa",
    "deadlock-pays",
    "template-breaks-linkage",
    "history-incomplete",
)


@dataclass(frozen=True)
class PackageView:
    label: str
    package: dict[str, str]
    points: dict[str, float]  # every role's points
    tailoring: float  # T
    partnership: float  # PD with equal input (EI = 1)
    table_type: str


@dataclass(frozen=True)
class OutcomePoint:
    label: str
    eu: float
    government: float


@dataclass(frozen=True)
class Zopa:
    count: int | None  # acceptable packages; None when too many to count
    joint_max: float | None  # J_max
    best_for_eu: PackageView | None
    best_for_government: PackageView | None
    types: dict[str, int]  # table type -> acceptable packages of that type (EI = 1)


@dataclass(frozen=True)
class Finding:
    code: str  # one of WARNING_CODES
    subject: str  # the issue, option ('issue.option') or role concerned, or ''
    message: str
    accepted_by: str | None = None  # the author note that accepts it


@dataclass(frozen=True)
class PostEventAnalysis:
    """The problem after the guaranteed events and each signatory's own-BATNA tactics."""

    problem: PostEvent
    nash: PackageView | None
    kalai_smorodinsky: PackageView | None
    nash_hull: OutcomePoint | None
    zopa: Zopa
    #: per signatory side: (best deadlock U = BATNA + costs, U at the post-event Nash package)
    deadlock_vs_nash: dict[str, tuple[float, float | None]]


@dataclass(frozen=True)
class Analysis:
    scenario: str
    title: str
    package_count: int
    valid_count: int | None  # packages that satisfy requires/excludes
    sides: dict[str, str]  # 'eu'/'government' -> role id
    batnas: dict[str, float]
    frontier: tuple[OutcomePoint, ...]  # Pareto frontier in (EU, government) points
    frontier_packages: tuple[dict[str, str], ...]
    nash: PackageView | None
    kalai_smorodinsky: PackageView | None
    nash_hull: OutcomePoint | None
    kalai_smorodinsky_hull: OutcomePoint | None
    best: tuple[PackageView, ...]  # each role's best package
    template: PackageView  # the EU template (every issue's template option)
    government_ideal: PackageView
    zopa: Zopa
    integrative_potential: float | None
    notable: tuple[PackageView, ...]
    warnings: tuple[Finding, ...]
    accepted: tuple[Finding, ...]
    post_event: PostEventAnalysis

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON; outcome points are keyed by role id, as every package's points are."""
        out: dict[str, Any] = jsonable(self)
        for key in ("frontier", "nash_hull", "kalai_smorodinsky_hull"):
            out[key] = _by_role(out[key], self.sides)
        post = out["post_event"]
        post["nash_hull"] = _by_role(post["nash_hull"], self.sides)
        post["deadlock_vs_nash"] = {self.sides.get(k, k): v for k, v in post["deadlock_vs_nash"].items()}
        return out

    def to_text(self) -> str:
        return "\n".join(_text(self))


# -- building blocks ------------------------------------------------------------------------


def _view(
    space: Space, w: Weights, scenario: Scenario, label: str, package: Sequence[int]
) -> PackageView:
    t = total(tailoring_terms(space, w), package)
    pd = total(potential_pd_terms(space, w), package)
    return PackageView(
        label=label,
        package=package_ids(space, package),
        points={r.id: package_points(space, r.id, package) for r in scenario.roles},
        tailoring=t,
        partnership=pd,
        table_type=table_type(t, pd),
    )


def _template(space: Space) -> tuple[int, ...]:
    """Per issue the template option nearest the standard text (any option if none is one)."""

    def rank(k: int, j: int) -> tuple[bool, float, int]:
        return (space.kinds[k][j] != "template", float(space.distance[k][j]), j)

    return tuple(min(range(n), key=lambda j: rank(k, j)) for k, n in enumerate(space.shape))


def _count(space: Space, w: Weights, floors: dict[str, float]) -> tuple[int, int, dict[str, int]]:
    """(linkage-valid packages, acceptable packages, acceptable packages per table type)."""
    grid = Grid.over(all_options(space))
    rest = {r: grid.rest_sum(space.points[r]) for r in space.constrained}
    t_terms, pd_terms = tailoring_terms(space, w), potential_pd_terms(space, w)
    rest_t, rest_pd = grid.rest_sum(t_terms), grid.rest_sum(pd_terms)
    valid_n = accept_n = 0
    types = dict.fromkeys(("unilateral_template", "joint_standard", "cherry_picking",
                           "tailor_made_partnership"), 0)
    for prefix in grid.prefixes():
        ok = grid.valid(space.links, prefix)
        mask = np.ones(len(rest_t), dtype=bool) if ok is None else ok.copy()
        valid_n += int(mask.sum())
        for r in space.constrained:
            mask &= rest[r] >= floors[r] - EPS - grid.prefix_sum(space.points[r], prefix)
        n = int(mask.sum())
        accept_n += n
        if n == 0:
            continue
        high_t = rest_t >= TAILORING_SPLIT - EPS - grid.prefix_sum(t_terms, prefix)
        high_pd = rest_pd >= PD_SPLIT - EPS - grid.prefix_sum(pd_terms, prefix)
        both = int((mask & high_t & high_pd).sum())
        only_t = int((mask & high_t).sum()) - both
        only_pd = int((mask & high_pd).sum()) - both
        types["tailor_made_partnership"] += both
        types["cherry_picking"] += only_t
        types["joint_standard"] += only_pd
        types["unilateral_template"] += n - both - only_t - only_pd
    return valid_n, accept_n, types


def _dominated(scenario: Scenario, space: Space) -> list[Finding]:
    out = []
    roles = [r.id for r in scenario.roles]
    for k, issue in enumerate(space.issue_ids):
        table = np.array([[space.points[r][k][j] for r in roles] for j in range(space.shape[k])])
        for j, option in enumerate(space.option_ids[k]):
            for i, other in enumerate(space.option_ids[k]):
                if i != j and np.all(table[i] >= table[j]) and np.any(table[i] > table[j]):
                    out.append(
                        Finding(
                            "dominated-option",
                            f"{issue}.{option}",
                            f"option '{issue}.{option}' is dominated by '{issue}.{other}': "
                            "no role gains from it and some lose; nobody should ever choose it",
                        )
                    )
                    break
    return out


def _by_role(points: Any, sides: dict[str, str]) -> Any:
    """An OutcomePoint's dict (or a list of them) with its points under the sides' role ids."""
    if isinstance(points, list):
        return [_by_role(p, sides) for p in points]
    if points is None:
        return None
    return {"label": points["label"], "points": {sides[s]: points[s] for s in ("eu", "government")}}


def _authoring(scenario: Scenario, space: Space, template: Sequence[int]) -> list[Finding]:
    """Findings about the scenario's own consistency: its template and its history."""
    out = []
    if not links_hold(space, template):
        broken = [
            f"{space.issue_ids[link.issue]}.{space.option_ids[link.issue][link.option]} "
            + ("requires " if link.requires else "excludes ")
            + f"{space.issue_ids[link.other_issue]}.{space.option_ids[link.other_issue][link.other_option]}"
            for link in space.links
            if template[link.issue] == link.option
            and (template[link.other_issue] == link.other_option) != link.requires
        ]
        out.append(Finding(
            "template-breaks-linkage", "",
            "the EU template (every issue's template option) breaks the scenario's own "
            f"linkage rules ({'; '.join(broken)}): the EU cannot propose its own standard text",
        ))
    package = scenario.history.package
    missing = [i.id for i in scenario.issues if i.id not in package]
    if package and missing:
        out.append(Finding(
            "history-incomplete", "",
            f"history.package leaves out {', '.join(missing)}: history is not scored like a deal "
            "and is missing from the notable packages and the debrief's outcome plot; give "
            "every issue the option closest to what happened",
        ))
    return out


def _findings(
    scenario: Scenario,
    space: Space,
    counted: bool,
    zopa: Zopa,
    agreement: list[fr.PackagePoint],
    post: PostEventAnalysis,
) -> list[Finding]:
    out: list[Finding] = []
    if not agreement:
        out.append(
            Finding(
                "no-zopa",
                "",
                "no package gives both sides (and every veto role) at least its BATNA: "
                "every table will deadlock unless events move the BATNAs",
            )
        )
    out += _dominated(scenario, space)
    for role in scenario.roles:
        best = package_points(space, role.id, best_package(space, role.id))
        if best < role.batna - EPS:
            out.append(
                Finding(
                    "batna-unreachable",
                    role.id,
                    f"role '{role.id}' can get at most {best:g} points but its BATNA is "
                    f"{role.batna:g}: it gains from no deal at all",
                )
            )
    for k, issue in enumerate(space.issue_ids):
        spans = [float(space.points[r][k].max() - space.points[r][k].min()) for r in space.role_ids]
        if max(spans) < IDLE_RANGE:
            out.append(
                Finding(
                    "idle-issue",
                    issue,
                    f"issue '{issue}': every role's points differ by less than {IDLE_RANGE:g} "
                    "across its options, so nobody cares how it is settled",
                )
            )
    disagree = zopa.types.get("cherry_picking", 0) + zopa.types.get("joint_standard", 0)
    if counted and agreement and disagree == 0:
        out.append(
            Finding(
                "no-differentiation-tension",
                "",
                "no acceptable package is cherry-picking or a joint standard: tailoring and "
                "partnership differentiation always agree, so the paper's lesson (the two "
                "meanings pull apart) cannot emerge",
            )
        )
    for t in post.problem.tactics:
        if not t.limited:
            out.append(
                Finding(
                    "unlimited-batna-tactic",
                    t.action,
                    f"action '{t.action}' raises its own role's BATNA ('{t.role}') and declares "
                    "no limit: give it one (and a cost), or walking away pays",
                )
            )
    if not post.zopa.joint_max and agreement:
        out.append(
            Finding(
                "no-post-event-zopa",
                "",
                "after the guaranteed events and the signatories' own-BATNA tactics no package "
                "gives both sides their BATNA: tables that use them can only deadlock",
            )
        )
    for side, (dead, nash) in post.deadlock_vs_nash.items():
        if nash is not None and dead >= nash - EPS:
            out.append(
                Finding(
                    "deadlock-pays",
                    side,
                    f"the {side} side's best deadlock ({dead:g}) is not below what it gets at "
                    f"the post-event Nash package ({nash:g}): refusing pays",
                )
            )
    if space.package_count > MANY_PACKAGES:
        extra = "" if counted else "; too many to count, so counts are not reported"
        out.append(
            Finding(
                "many-packages",
                "",
                f"{space.package_count:,} packages: students cannot survey the space; consider "
                f"fewer options or merging issues{extra}",
            )
        )
    return out


def _accept(findings: list[Finding], notes: Sequence[str]) -> tuple[list[Finding], list[Finding]]:
    warnings, accepted = [], []
    for f in findings:
        note = next((n for n in notes if f.code in n), None)
        if note is None:
            warnings.append(f)
        else:
            accepted.append(Finding(f.code, f.subject, f.message, note))
    return warnings, accepted


# -- the analysis ------------------------------------------------------------------------


def analyze(scenario: Scenario) -> Analysis:
    """Everything an author needs to judge a scenario's package space (pre-event BATNAs)."""
    space = build_space(scenario)
    w = weights(space)
    floors = {r.id: r.batna for r in scenario.roles}
    d = fr.Point(floors[space.eu], floors[space.government])
    agreement = agreement_frontier(space, floors)

    def view(label: str, p: fr.PackagePoint | Sequence[int] | None) -> PackageView | None:
        if p is None:
            return None
        package = p.package if isinstance(p, fr.PackagePoint) else p
        return _view(space, w, scenario, label, package)

    counted = space.package_count <= COUNT_LIMIT
    valid_n, accept_n, types = _count(space, w, floors) if counted else (0, 0, {})
    j_max = max((p.joint for p in agreement), default=None)
    zopa = _zopa(view, agreement, accept_n if counted else None, j_max, types)
    post = _post_event(scenario, space, w, view, counted)
    ip = None
    mid = midpoint(space, w)
    j_mid = package_points(space, space.eu, mid) + package_points(space, space.government, mid)
    if j_max is not None and j_max - d.joint > EPS:
        ip = min(1.0, max(0.0, (j_max - j_mid) / (j_max - d.joint)))

    template = _view(space, w, scenario, "EU template", _template(space))
    ideal = _view(
        space, w, scenario, "government's ideal", best_package(space, space.government)
    )
    best = tuple(
        _view(space, w, scenario, f"best for {r.id}", best_package(space, r.id))
        for r in sorted(scenario.roles, key=lambda r: r.id)
    )
    nash = view("Nash bargaining solution", fr.nash_package(agreement, d))
    ks = view("Kalai–Smorodinsky solution", fr.ks_package(agreement, d))
    notable = [template, ideal, *best]
    notable += [v for v in (nash, ks, zopa.best_for_eu, zopa.best_for_government) if v]
    notable.append(_view(space, w, scenario, "every issue split evenly", mid))
    history = package_index(space, scenario.history.package) if scenario.history.package else None
    if history is not None:
        notable.append(_view(space, w, scenario, "what happened (history)", history))

    def point(label: str, p: fr.Point | None) -> OutcomePoint | None:
        return OutcomePoint(label, p.eu, p.government) if p is not None else None

    findings = _findings(scenario, space, counted, zopa, agreement, post)
    findings += _authoring(scenario, space, _template(space))
    warnings, accepted = _accept(findings, scenario.author_notes)
    return Analysis(
        scenario=scenario.id,
        title=scenario.title,
        package_count=space.package_count,
        valid_count=valid_n if counted else None,
        sides={"eu": space.eu, "government": space.government},
        batnas=floors,
        frontier=tuple(
            OutcomePoint(f"frontier {i + 1}", p.eu, p.government)
            for i, p in enumerate(space.frontier)
        ),
        frontier_packages=tuple(package_ids(space, p.package) for p in space.frontier),
        nash=nash,
        kalai_smorodinsky=ks,
        nash_hull=point("Nash on the convex hull", fr.nash_hull(agreement, d)),
        kalai_smorodinsky_hull=point(
            "Kalai–Smorodinsky on the convex hull", fr.ks_hull(agreement, d)
        ),
        best=best,
        template=template,
        government_ideal=ideal,
        zopa=zopa,
        integrative_potential=ip,
        notable=tuple(notable),
        warnings=tuple(warnings),
        accepted=tuple(accepted),
        post_event=post,
    )


def _zopa(
    view: Any, agreement: list[fr.PackagePoint], count: int | None, j_max: float | None,
    types: dict[str, int],
) -> Zopa:
    return Zopa(
        count=count,
        joint_max=j_max,
        best_for_eu=view(
            "best for the EU side within the zone", agreement[-1] if agreement else None
        ),
        best_for_government=view(
            "best for the government side within the zone", agreement[0] if agreement else None
        ),
        types=types,
    )


def _post_event(
    scenario: Scenario, space: Space, w: Weights, view: Any, counted: bool,
    start: dict[str, float] | None = None,
) -> PostEventAnalysis:
    problem = post_event_problem(scenario, start)
    floors = problem.batnas
    d = fr.Point(floors[space.eu], floors[space.government])
    agreement = agreement_frontier(space, floors)
    _valid, accept_n, types = _count(space, w, floors) if counted else (0, 0, {})
    j_max = max((p.joint for p in agreement), default=None)
    nash_pt = fr.nash_package(agreement, d)
    nash = view("Nash bargaining solution after the events", nash_pt)
    hull = fr.nash_hull(agreement, d)
    versus: dict[str, tuple[float, float | None]] = {}
    for side, role in (("eu", space.eu), ("government", space.government)):
        cost = problem.costs.get(role, 0.0)
        at_nash = package_points(space, role, nash_pt.package) + cost if nash_pt else None
        versus[side] = (floors[role] + cost, at_nash)
    return PostEventAnalysis(
        problem=problem,
        nash=nash,
        kalai_smorodinsky=view("Kalai–Smorodinsky solution after the events",
                               fr.ks_package(agreement, d)),
        nash_hull=(OutcomePoint("Nash on the convex hull after the events", hull.eu,
                                hull.government) if hull else None),
        zopa=_zopa(view, agreement, accept_n if counted else None, j_max, types),
        deadlock_vs_nash=versus,
    )


# -- the report ------------------------------------------------------------------------------


def _post_text(p: PostEventAnalysis) -> list[str]:
    pr = p.problem
    lines = ["After the guaranteed events and each signatory's own-BATNA tactics:"]
    lines.append("  events: " + (", ".join(pr.events) or "none"))
    tactics = ", ".join(f"{t.role} {t.action} x{t.times}" for t in pr.tactics)
    lines.append("  tactics: " + (tactics or "none"))
    if pr.thresholds:
        lines.append("  thresholds crossed: " + ", ".join(pr.thresholds))
    lines.append("  BATNAs: " + ", ".join(f"{r} {b:g}" for r, b in pr.batnas.items()))
    if pr.costs:
        lines.append("  costs and bonuses: " + ", ".join(f"{r} {c:+g}" for r, c in pr.costs.items()))
    z = p.zopa
    lines.append(f"  zone of agreement: {'not counted' if z.count is None else f'{z.count:,}'} "
                 "packages")
    if z.types:
        lines.append("  by type (equal input): "
                     + ", ".join(f"{TYPE_LABELS[t]} {n:,}" for t, n in z.types.items()))
    for v in (p.nash, p.kalai_smorodinsky):
        if v is not None:
            lines.append(_view_line(v))
    for side, (dead, nash) in p.deadlock_vs_nash.items():
        lines.append(f"  {side}: best deadlock {dead:g} against {_fmt(nash, 0)} at the Nash package")
    return lines



def _fmt(x: float | None, digits: int = 2) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def _pkg(package: dict[str, str]) -> str:
    return " ".join(f"{k}={v}" for k, v in package.items())


def _view_line(v: PackageView) -> str:
    pts = ", ".join(f"{r} {p:g}" for r, p in v.points.items())
    return (
        f"  {v.label}: {_pkg(v.package)}\n"
        f"      points: {pts}; T {_fmt(v.tailoring)}, PD {_fmt(v.partnership)} "
        f"({TYPE_LABELS[v.table_type]})"
    )


def _text(a: Analysis) -> list[str]:
    eu, gov = a.sides["eu"], a.sides["government"]
    lines = [f"Scenario {a.scenario}: {a.title}", ""]
    valid = f" ({a.valid_count:,} satisfy the linkage rules)" if a.valid_count is not None else ""
    lines.append(f"Packages: {a.package_count:,}{valid}")
    lines.append("BATNAs: " + ", ".join(f"{r} {b:g}" for r, b in a.batnas.items()))
    lines += ["", f"Pareto frontier ({eu} points, {gov} points):"]
    for p, pkg in zip(a.frontier, a.frontier_packages, strict=True):
        lines.append(f"  ({p.eu:g}, {p.government:g})  {_pkg(pkg)}")
    lines += ["", "Zone of possible agreement (every side and veto role at or above its BATNA):"]
    z = a.zopa
    lines.append(f"  packages: {'not counted' if z.count is None else f'{z.count:,}'}")
    lines.append(f"  joint maximum J_max: {_fmt(z.joint_max, 1)}")
    if z.types:
        lines.append(
            "  by type (equal input): "
            + ", ".join(f"{TYPE_LABELS[t]} {n:,}" for t, n in z.types.items())
        )
    for v in (z.best_for_eu, z.best_for_government):
        if v is not None:
            lines.append(_view_line(v))
    lines += ["", "Bargaining solutions (pre-event BATNAs):"]
    for v in (a.nash, a.kalai_smorodinsky):
        if v is not None:
            lines.append(_view_line(v))
    for h in (a.nash_hull, a.kalai_smorodinsky_hull):
        if h is not None:
            lines.append(f"  {h.label}: ({h.eu:.2f}, {h.government:.2f})")
    lines.append(f"Integrative potential IP: {_fmt(a.integrative_potential)}")
    lines += ["", *_post_text(a.post_event)]
    lines += ["", "Notable packages:"]
    lines += [_view_line(v) for v in a.notable]
    lines += ["", f"Warnings ({len(a.warnings)}):"]
    lines += [f"  [{f.code}] {f.message}" for f in a.warnings] or ["  none"]
    if a.accepted:
        lines += ["", f"Accepted by the author ({len(a.accepted)}):"]
        lines += [f"  [{f.code}] {f.message}\n      note: {f.accepted_by}" for f in a.accepted]
    return lines
