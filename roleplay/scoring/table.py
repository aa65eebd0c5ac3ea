"""Scores of one table (`score_table`) and of a whole game (`score_game`)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..engine.records import TableRecord
from ..scenario.model import Scenario
from . import frontier as fr
from .measures import (
    Differentiation,
    Weights,
    authorship,
    differentiation,
    midpoint,
    role_score,
    table_type,
    weights,
)
from .power import concession, movement, powers, surplus_shares
from .space import (
    Space,
    agreement_frontier,
    build_space,
    links_hold,
    package_ids,
    package_index,
    package_points,
)


def jsonable(value: Any) -> Any:
    """Dataclasses, mappings and sequences as plain JSON types; NaN and inf as None."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@dataclass(frozen=True)
class RoleScore:
    role: str
    side: str
    points: float | None  # Σ points of the deal; None on deadlock
    adjust: float  # costs and bonuses of actions and events (applied whatever the outcome)
    utility: float  # U_r: points + adjust, or the post-event BATNA + adjust on deadlock
    batna: float  # RV_r, before events
    batna_after: float  # d_r, after events
    score: float | None  # RS_r; None when the BATNA is 100


@dataclass(frozen=True)
class Solution:
    """A bargaining solution: a package (discrete) or a point on the hull."""

    package: dict[str, str] | None
    eu: float
    government: float


@dataclass(frozen=True)
class Efficiency:
    joint: float  # J (J_d on deadlock)
    joint_disagreement: float  # J_d, post-event
    joint_max: float | None  # J_max over acceptable packages; None with no zone of agreement
    efficiency: float | None  # E_J
    pareto_distance: float | None  # Δ_P
    pareto_optimality: float | None  # PO
    nash: Solution | None
    kalai_smorodinsky: Solution | None
    nash_hull: Solution | None
    kalai_smorodinsky_hull: Solution | None
    joint_midpoint: float  # J_mid
    integrative_potential: float | None  # IP


@dataclass(frozen=True)
class SidePower:
    side: str  # 'eu' or 'government'
    role: str
    surplus_share: float | None  # σ_X
    nash_residual: float | None  # ρ_X
    tactical_power: float | None  # TP_X
    movement: dict[str, float]  # m_X(k) on contested issues
    defensive_power: float | None  # DP_X
    offensive_power: float | None  # OP_X
    concession: float | None  # C_X


@dataclass(frozen=True)
class TableScore:
    table: int
    deal: dict[str, str] | None  # the signed package, even when void
    valid: bool
    deadlock_reason: str | None
    table_type: str
    roles: tuple[RoleScore, ...]
    differentiation: Differentiation | None
    efficiency: Efficiency
    power: tuple[SidePower, SidePower]

    def role(self, role_id: str) -> RoleScore:
        for r in self.roles:
            if r.role == role_id:
                return r
        raise KeyError(role_id)

    def side(self, side: str) -> SidePower:
        for p in self.power:
            if p.side == side:
                return p
        raise KeyError(side)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = jsonable(self)
        return out


#: Other seats of the same role a student's percentile needs before it is shown: among one
#: or two it says little and all but names them.
MIN_PEERS = 3


@dataclass(frozen=True)
class RolePercentile:
    table: int
    role: str
    percentile: float | None  # among the same role at the other tables


@dataclass(frozen=True)
class GameScores:
    tables: tuple[TableScore, ...]
    percentiles: tuple[RolePercentile, ...]
    impasse_rate: float | None  # share of deadlocked tables (Tripp & Sondak 1992)

    def percentile(self, table: int, role: str) -> float | None:
        for p in self.percentiles:
            if p.table == table and p.role == role:
                return p.percentile
        raise KeyError((table, role))

    def shown_percentile(self, table: int, role: str) -> float | None:
        """The percentile a student may be shown: None below MIN_PEERS other scored seats."""
        others = sum(1 for t in self.tables if t.table != table and t.role(role).score is not None)
        return self.percentile(table, role) if others >= MIN_PEERS else None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = jsonable(self)
        return out


# -- one table ------------------------------------------------------------------------


def _validity(
    scenario: Scenario, space: Space, record: TableRecord, d: dict[str, float]
) -> tuple[tuple[int, ...] | None, str | None]:
    if record.deal is None:
        return None, record.deadlock_reason or "no_deal"
    package = package_index(space, record.deal)
    if package is None:
        return None, "incomplete"
    if not links_hold(space, package):
        return None, "linkage"
    for role in scenario.roles:
        if role.is_veto and package_points(space, role.id, package) < d[role.id] - fr.EPS:
            return None, "batna"
    return package, None


def _solution(space: Space, p: fr.PackagePoint | fr.Point | None) -> Solution | None:
    if p is None:
        return None
    package = package_ids(space, p.package) if isinstance(p, fr.PackagePoint) else None
    return Solution(package, p.eu, p.government)


def score_table(scenario: Scenario, record: TableRecord, space: Space | None = None) -> TableScore:
    """Every measure of SCORING.md for one table. Pass `space` to reuse it across tables."""
    space = space or build_space(scenario)
    w = weights(space)
    rv = {r.id: r.batna for r in scenario.roles}
    d = {r: rv[r] + record.batna_shift.get(r, 0.0) for r in rv}
    package, reason = _validity(scenario, space, record, d)

    roles = []
    for r in sorted(scenario.roles, key=lambda r: r.id):
        pts = package_points(space, r.id, package) if package is not None else None
        adjust = record.point_adjust.get(r.id, 0.0)
        # costs spent are spent: a deadlock pays the post-event BATNA plus the same
        # costs and bonuses as a deal (docs/scoring.md, "the deadlock rule")
        utility = (pts if pts is not None else d[r.id]) + adjust
        score = role_score(utility, rv[r.id])
        roles.append(RoleScore(r.id, r.side, pts, adjust, utility, rv[r.id], d[r.id], score))

    eu, gov = space.eu, space.government
    d_pt = fr.Point(d[eu], d[gov])
    rv_pt = fr.Point(rv[eu], rv[gov])
    agreement = agreement_frontier(space, d)
    nash_hull = fr.nash_hull(agreement, d_pt)
    nash_hull_before = fr.nash_hull(agreement_frontier(space, rv), rv_pt)
    j_max = max((p.joint for p in agreement), default=None)
    j_mid_pkg = midpoint(space, w)
    j_mid = package_points(space, eu, j_mid_pkg) + package_points(space, gov, j_mid_pkg)
    j_d = d_pt.joint

    diff = None
    deal_pt = None
    if package is not None:
        deal_pt = fr.Point(package_points(space, eu, package), package_points(space, gov, package))
        authors = authorship(scenario, record, package_ids(space, package))
        diff = differentiation(space, w, package, authors)
    joint = deal_pt.joint if deal_pt is not None else j_d
    room = j_max - j_d if j_max is not None else 0.0
    distance = fr.distance_to(space.frontier, deal_pt) if deal_pt is not None else None
    norm = math.hypot(float(w.range_eu.sum()), float(w.range_gov.sum()))
    efficiency = Efficiency(
        joint=joint,
        joint_disagreement=j_d,
        joint_max=j_max,
        efficiency=(joint - j_d) / room if room > fr.EPS else None,
        pareto_distance=distance,
        pareto_optimality=(
            max(0.0, 1 - distance / norm) if distance is not None and norm > 0 else None
        ),
        nash=_solution(space, fr.nash_package(agreement, d_pt)),
        kalai_smorodinsky=_solution(space, fr.ks_package(agreement, d_pt)),
        nash_hull=_solution(space, nash_hull),
        kalai_smorodinsky_hull=_solution(space, fr.ks_hull(agreement, d_pt)),
        joint_midpoint=j_mid,
        integrative_potential=(
            min(1.0, max(0.0, (j_max - j_mid) / room))
            if j_max is not None and room > fr.EPS
            else None
        ),
    )
    power = _power(scenario, space, w, record, package, deal_pt, d_pt, nash_hull, nash_hull_before)
    return TableScore(
        table=record.table,
        deal=dict(record.deal) if record.deal is not None else None,
        valid=package is not None,
        deadlock_reason=reason,
        table_type=table_type(
            diff.tailoring if diff else None, diff.partnership if diff else None
        ),
        roles=tuple(roles),
        differentiation=diff,
        efficiency=efficiency,
        power=power,
    )


def _power(
    scenario: Scenario,
    space: Space,
    w: Weights,
    record: TableRecord,
    package: tuple[int, ...] | None,
    deal_pt: fr.Point | None,
    d_pt: fr.Point,
    nash_after: fr.Point | None,
    nash_before: fr.Point | None,
) -> tuple[SidePower, SidePower]:
    shares = surplus_shares(deal_pt, d_pt) if deal_pt is not None else None
    nash_shares = surplus_shares(nash_after, d_pt) if nash_after is not None else None
    openings = {
        side: package_index(space, pkg)
        for side, pkg in record.openings.items()
        if side in ("eu", "government")
    }
    own_eu, own_gov = openings.get("eu"), openings.get("government")
    moves: dict[str, dict[int, float]] = {}
    if package is not None and own_eu is not None and own_gov is not None:
        moves["eu"] = movement(space.points[space.eu], own_eu, own_gov, package)
        moves["government"] = movement(space.points[space.government], own_gov, own_eu, package)
    out = []
    for i, (side, role, salience, other_salience) in enumerate(
        (
            ("eu", space.eu, w.salience_eu, w.salience_gov),
            ("government", space.government, w.salience_gov, w.salience_eu),
        )
    ):
        other = "government" if side == "eu" else "eu"
        dp = op = None
        if side in moves:
            p = powers(salience, other_salience, moves[side], moves[other])
            dp, op = p.defensive, p.offensive
        own = openings.get(side)
        d_x = (d_pt.eu, d_pt.government)[i]
        conceded = None
        if package is not None and own is not None:
            conceded = concession(
                package_points(space, role, own), package_points(space, role, package), d_x
            )
        tactical = None
        if nash_after is not None and nash_before is not None:
            tactical = (nash_after.eu, nash_after.government)[i] - (
                nash_before.eu,
                nash_before.government,
            )[i]
        out.append(
            SidePower(
                side=side,
                role=role,
                surplus_share=shares[i] if shares else None,
                nash_residual=shares[i] - nash_shares[i] if shares and nash_shares else None,
                tactical_power=tactical,
                movement={space.issue_ids[k]: m for k, m in sorted(moves.get(side, {}).items())},
                defensive_power=dp,
                offensive_power=op,
                concession=conceded,
            )
        )
    return out[0], out[1]


# -- a whole game -------------------------------------------------------------------------


def _percentile(mine: float, others: Sequence[float]) -> float:
    below = sum(1 for o in others if o < mine - 1e-9)
    equal = sum(1 for o in others if abs(o - mine) <= 1e-9)
    return 100 * (below + 0.5 * equal) / len(others)


def score_game(scenario: Scenario, records: Sequence[TableRecord]) -> GameScores:
    """Every table's scores, role percentiles across tables and the impasse rate."""
    space = build_space(scenario)
    tables = tuple(score_table(scenario, r, space) for r in records)
    percentiles = []
    for t in tables:
        for rs in t.roles:
            others = [
                o.role(rs.role).score
                for o in tables
                if o is not t and o.role(rs.role).score is not None
            ]
            pct = None
            if rs.score is not None and others:
                pct = _percentile(rs.score, [x for x in others if x is not None])
            percentiles.append(RolePercentile(t.table, rs.role, pct))
    impasse = sum(1 for t in tables if not t.valid) / len(tables) if tables else None
    return GameScores(tables, tuple(percentiles), impasse)


