"""Geometry of the outcome space in (EU points, government points).

Pareto filtering of candidate packages, the concave hull of a frontier, and the
Nash (1950) and Kalai–Smorodinsky (1975) solutions, both on the discrete
packages and on the convex hull (where lotteries between packages make the
solutions move smoothly instead of jumping between packages).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]

#: Sums of points are rounded to this many decimals before they are compared,
#: so that the order in which they were added (issue order) cannot matter.
DECIMALS = 9
EPS = 1e-9


@dataclass(frozen=True)
class Point:
    """A point in the outcome space (not necessarily a package)."""

    eu: float
    government: float

    @property
    def joint(self) -> float:
        return self.eu + self.government


@dataclass(frozen=True)
class PackagePoint:
    """A package (option index per issue, in canonical order) and its two sides' points."""

    package: tuple[int, ...]
    eu: float
    government: float

    @property
    def joint(self) -> float:
        return self.eu + self.government

    @property
    def point(self) -> Point:
        return Point(self.eu, self.government)


def pareto_indices(x: Floats, y: Floats, keys: Ints) -> Ints:
    """Rows of the candidates no other candidate dominates (both maximised).

    Among candidates with the same point, the one whose key row (option
    indices in canonical issue order) is lexicographically smallest is kept,
    so the result does not depend on the order of the candidates. The result
    is ordered by x descending.
    """
    if len(x) == 0:
        return np.zeros(0, dtype=np.int64)
    xr = np.round(x, DECIMALS)
    yr = np.round(y, DECIMALS)
    sort_keys = [keys[:, j] for j in range(keys.shape[1] - 1, -1, -1)]
    order = np.lexsort((*sort_keys, -yr, -xr))
    ys = yr[order]
    keep = np.empty(len(order), dtype=bool)
    keep[0] = True
    keep[1:] = ys[1:] > np.maximum.accumulate(ys)[:-1]
    return order[keep].astype(np.int64)


def frontier_candidates(x: Floats, y: Floats) -> Ints:
    """A cheap superset of the Pareto points (equal points all kept): one argsort, no keys.

    Used to cut millions of acceptable packages down to a few hundred before
    their option indices are decoded and ties are broken exactly.
    """
    if len(x) == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.argsort(-np.round(x, DECIMALS), kind="stable")
    ys = np.round(y, DECIMALS)[order]
    keep = np.empty(len(order), dtype=bool)
    keep[0] = True
    keep[1:] = ys[1:] >= np.maximum.accumulate(ys)[:-1]
    return order[keep].astype(np.int64)


def to_points(x: Floats, y: Floats, keys: Ints) -> list[PackagePoint]:
    """The Pareto frontier of the candidates, ordered by EU points ascending."""
    idx = pareto_indices(x, y, keys)[::-1]
    return [
        PackagePoint(tuple(int(v) for v in keys[i]), float(x[i]), float(y[i]))
        for i in idx
    ]


def distance_to(points: Sequence[PackagePoint], at: Point) -> float:
    """Euclidean distance from a point to the nearest of the packages."""
    return min(math.hypot(p.eu - at.eu, p.government - at.government) for p in points)


def _cross(o: Point, a: Point, b: Point) -> float:
    return (a.eu - o.eu) * (b.government - o.government) - (
        a.government - o.government
    ) * (b.eu - o.eu)


def upper_hull(frontier: Sequence[PackagePoint]) -> list[Point]:
    """Vertices of the concave envelope of a frontier ordered by EU points ascending."""
    hull: list[Point] = []
    for p in (q.point for q in frontier):
        while len(hull) >= 2 and _cross(hull[-2], hull[-1], p) >= -EPS:
            hull.pop()
        hull.append(p)
    return hull


def _nash_value(p: Point | PackagePoint, d: Point) -> float:
    return (p.eu - d.eu) * (p.government - d.government)


def _ks_value(p: Point | PackagePoint, d: Point, ideal: Point) -> float:
    gains = []
    for got, floor, top in ((p.eu, d.eu, ideal.eu), (p.government, d.government, ideal.government)):
        span = top - floor
        gains.append((got - floor) / span if span > EPS else math.inf)
    return min(gains)


def _best(points: Sequence[PackagePoint], value: list[float]) -> PackagePoint:
    """The point with the highest value; ties go to more joint points, then more EU points."""
    best = max(
        range(len(points)),
        key=lambda i: (round(value[i], DECIMALS), round(points[i].joint, DECIMALS), points[i].eu),
    )
    return points[best]


def ideal_point(agreement: Sequence[PackagePoint]) -> Point:
    return Point(max(p.eu for p in agreement), max(p.government for p in agreement))


def nash_package(agreement: Sequence[PackagePoint], d: Point) -> PackagePoint | None:
    """The acceptable package maximising (u_EU − d_EU)(u_AZ − d_AZ) (Nash 1950)."""
    if not agreement:
        return None
    return _best(agreement, [_nash_value(p, d) for p in agreement])


def ks_package(agreement: Sequence[PackagePoint], d: Point) -> PackagePoint | None:
    """The acceptable package maximising min_X (u_X − d_X)/(ideal_X − d_X) (Kalai–Smorodinsky)."""
    if not agreement:
        return None
    ideal = ideal_point(agreement)
    return _best(agreement, [_ks_value(p, d, ideal) for p in agreement])


def _segments(hull: list[Point]) -> list[tuple[Point, Point]]:
    if len(hull) == 1:
        return [(hull[0], hull[0])]
    return list(itertools.pairwise(hull))


def _along(a: Point, b: Point, t: float) -> Point:
    return Point(a.eu + t * (b.eu - a.eu), a.government + t * (b.government - a.government))


def _pick(candidates: list[Point], value: list[float]) -> Point:
    best = max(
        range(len(candidates)),
        key=lambda i: (
            round(value[i], DECIMALS),
            round(candidates[i].joint, DECIMALS),
            candidates[i].eu,
        ),
    )
    p = candidates[best]
    return Point(round(p.eu, DECIMALS), round(p.government, DECIMALS))


def nash_hull(agreement: Sequence[PackagePoint], d: Point) -> Point | None:
    """The Nash solution on the convex hull of the acceptable packages."""
    if not agreement:
        return None
    candidates: list[Point] = []
    for a, b in _segments(upper_hull(agreement)):
        dx, dy = b.eu - a.eu, b.government - a.government
        ts = [0.0, 1.0]
        if abs(dx * dy) > EPS:
            t = -(dx * (a.government - d.government) + dy * (a.eu - d.eu)) / (2 * dx * dy)
            if 0.0 < t < 1.0:
                ts.append(t)
        candidates.extend(_along(a, b, t) for t in ts)
    return _pick(candidates, [_nash_value(p, d) for p in candidates])


def ks_hull(agreement: Sequence[PackagePoint], d: Point) -> Point | None:
    """The Kalai–Smorodinsky solution on the convex hull of the acceptable packages."""
    if not agreement:
        return None
    ideal = ideal_point(agreement)
    gx, gy = ideal.eu - d.eu, ideal.government - d.government
    candidates: list[Point] = []
    for a, b in _segments(upper_hull(agreement)):
        ts = [0.0, 1.0]
        dx, dy = b.eu - a.eu, b.government - a.government
        denominator = dx * gy - dy * gx
        if gx > EPS and gy > EPS and abs(denominator) > EPS:
            t = ((a.government - d.government) * gx - (a.eu - d.eu) * gy) / denominator
            if 0.0 < t < 1.0:
                ts.append(t)
        candidates.extend(_along(a, b, t) for t in ts)
    return _pick(candidates, [_ks_value(p, d, ideal) for p in candidates])
