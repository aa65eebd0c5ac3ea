"""The package space of a scenario, in a canonical order, and fast ways through it.

Issues are kept sorted by id and options within an issue sorted by id, so
every result (and every tie-break) is the same whatever order the scenario
file lists them in. A package is a tuple of option indices in that order.

Three ways through the space, from cheapest to dearest:

* the Pareto frontier in (EU, government) points is built issue by issue:
  the frontier of a sum of issues only ever uses frontier points of the
  partial sums, so it stays small (a few hundred points) however many
  packages there are; issues tied by `requires`/`excludes` are enumerated
  together first;
* the set of packages every veto role accepts has the same frontier cut to
  the BATNA quadrant, unless a role outside the two sides also holds a veto:
  then options dominated for every constrained role are pruned and the rest
  is enumerated with numpy;
* counting (packages in the zone of agreement, quadrants of the
  differentiation map) enumerates everything in chunks: the trailing issues'
  points are summed once into one numpy array by broadcasting, and each chunk
  compares that array with thresholds shifted by the leading issues' sum.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from ..errors import RoleplayError
from ..scenario.model import Scenario
from .frontier import EPS, Floats, Ints, PackagePoint, frontier_candidates, to_points

Bools = NDArray[np.bool_]

#: Trailing issues are summed into arrays of at most this many packages.
CHUNK = 1 << 21
#: Above this many packages counting is refused (about 2.5 s per 10^7).
COUNT_LIMIT = 50_000_000


class ScoringError(RoleplayError):
    """A scenario or a table record that cannot be scored, with the reason."""


@dataclass(frozen=True)
class Link:
    """If `issue` takes `option`, `other_issue` must (or must not) take `other_option`."""

    issue: int
    option: int
    other_issue: int
    other_option: int
    requires: bool


@dataclass(frozen=True, eq=False)
class Space:
    issue_ids: tuple[str, ...]
    option_ids: tuple[tuple[str, ...], ...]
    role_ids: tuple[str, ...]
    eu: str  # the EU side's role id
    government: str  # the government side's role id
    points: Mapping[str, tuple[Floats, ...]]  # role -> per issue, points per option
    kinds: tuple[tuple[str, ...], ...]
    distance: tuple[Floats, ...]  # template_distance per issue, per option
    links: tuple[Link, ...]
    constrained: tuple[str, ...]  # roles that must reach their BATNA: both sides and veto roles
    batna: Mapping[str, float]  # pre-event BATNAs
    frontier: tuple[PackagePoint, ...]  # Pareto frontier of all linkage-valid packages

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(o) for o in self.option_ids)

    @property
    def package_count(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def extra_veto(self) -> tuple[str, ...]:
        return tuple(r for r in self.constrained if r not in (self.eu, self.government))


def build_space(scenario: Scenario) -> Space:
    eu_role = scenario.side_role("eu")
    gov_role = scenario.side_role("government")
    if eu_role is None or gov_role is None:
        raise ScoringError("scoring needs a role on side 'eu' and a role on side 'government'")
    issues = sorted(scenario.issues, key=lambda i: i.id)
    options = [sorted(i.options, key=lambda o: o.id) for i in issues]
    role_ids = tuple(sorted(r.id for r in scenario.roles))
    points = {
        r: tuple(np.array([o.points.get(r, 0.0) for o in opts], dtype=float) for opts in options)
        for r in role_ids
    }
    where = {
        f"{issue.id}.{o.id}": (k, j)
        for k, (issue, opts) in enumerate(zip(issues, options, strict=True))
        for j, o in enumerate(opts)
    }
    links: list[Link] = []
    for k, opts in enumerate(options):
        for j, o in enumerate(opts):
            for refs, requires in ((o.requires, True), (o.excludes, False)):
                for ref in refs:
                    if ref not in where:
                        raise ScoringError(f"unknown linked option '{ref}'")
                    other_k, other_j = where[ref]
                    links.append(Link(k, j, other_k, other_j, requires))
    sides = (eu_role.id, gov_role.id)
    constrained = tuple(dict.fromkeys((*sides, *(r.id for r in scenario.roles if r.is_veto))))
    space = Space(
        issue_ids=tuple(i.id for i in issues),
        option_ids=tuple(tuple(o.id for o in opts) for opts in options),
        role_ids=role_ids,
        eu=eu_role.id,
        government=gov_role.id,
        points=points,
        kinds=tuple(tuple(o.kind for o in opts) for opts in options),
        distance=tuple(
            np.array([o.template_distance for o in opts], dtype=np.float64) for opts in options
        ),
        links=tuple(links),
        constrained=constrained,
        batna={r.id: r.batna for r in scenario.roles},
        frontier=(),
    )
    return _with_frontier(space)


# -- packages --------------------------------------------------------------------


def package_ids(space: Space, package: Sequence[int]) -> dict[str, str]:
    return {
        issue: space.option_ids[k][j]
        for k, (issue, j) in enumerate(zip(space.issue_ids, package, strict=True))
    }


def package_index(space: Space, package: Mapping[str, str]) -> tuple[int, ...] | None:
    """Option indices of a package; None if it leaves an issue open.

    Raises ScoringError for an issue or option the scenario does not have.
    """
    for issue, option in package.items():
        if issue not in space.issue_ids:
            raise ScoringError(f"unknown issue '{issue}' in a package")
        if option not in space.option_ids[space.issue_ids.index(issue)]:
            raise ScoringError(f"unknown option '{issue}.{option}' in a package")
    if set(package) != set(space.issue_ids):
        return None
    return tuple(
        space.option_ids[k].index(package[issue]) for k, issue in enumerate(space.issue_ids)
    )


def package_points(space: Space, role: str, package: Sequence[int]) -> float:
    vectors = space.points[role]
    return round(float(sum(vectors[k][j] for k, j in enumerate(package))), 9)


def links_hold(space: Space, package: Sequence[int]) -> bool:
    for link in space.links:
        if package[link.issue] == link.option:
            chosen = package[link.other_issue] == link.other_option
            if chosen != link.requires:
                return False
    return True


def _linked_issues(space: Space) -> list[int]:
    return sorted({k for link in space.links for k in (link.issue, link.other_issue)})


# -- chunked enumeration ------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Grid:
    """Packages drawn from a subset of each issue's options, visited in chunks.

    Issues before `split` form the prefix, fixed within a chunk; the rest are
    enumerated as one flat numpy array (first rest issue varies slowest).
    """

    options: tuple[Ints, ...]
    split: int

    @staticmethod
    def over(options: Sequence[Ints]) -> Grid:
        split, size = len(options), 1
        while split > 0 and size * len(options[split - 1]) <= CHUNK:
            split -= 1
            size *= len(options[split])
        return Grid(tuple(options), split)

    @property
    def rest_shape(self) -> tuple[int, ...]:
        return tuple(len(o) for o in self.options[self.split :])

    def rest_sum(self, vectors: Sequence[Floats]) -> Floats:
        out = np.zeros(1, dtype=np.float64)
        for k in range(self.split, len(self.options)):
            out = (out[:, None] + vectors[k][self.options[k]][None, :]).ravel()
        return out

    def prefixes(self) -> Iterator[tuple[int, ...]]:
        return itertools.product(*(o.tolist() for o in self.options[: self.split]))

    @staticmethod
    def prefix_sum(vectors: Sequence[Floats], prefix: tuple[int, ...]) -> float:
        return float(sum(vectors[k][j] for k, j in enumerate(prefix)))

    def _chosen(self, k: int, option: int, prefix: tuple[int, ...]) -> Bools:
        """Whether issue k takes the option, as an array that broadcasts over the chunk."""
        rest_dims = len(self.options) - self.split
        if k < self.split:
            return np.full((1,) * rest_dims, prefix[k] == option, dtype=bool)
        shape = [1] * rest_dims
        shape[k - self.split] = len(self.options[k])
        chosen: Bools = (self.options[k] == option).reshape(shape)
        return chosen

    def valid(self, links: Sequence[Link], prefix: tuple[int, ...]) -> Bools | None:
        """Linkage-valid packages of the chunk as a flat mask; None when there are no links."""
        if not links:
            return None
        ok = np.ones((1,) * (len(self.options) - self.split), dtype=bool)
        for link in links:
            first = self._chosen(link.issue, link.option, prefix)
            other = self._chosen(link.other_issue, link.other_option, prefix)
            broken = first & ~other if link.requires else first & other
            ok = ok & ~broken
        return np.broadcast_to(ok, self.rest_shape).ravel()

    def decode(self, prefix: tuple[int, ...], flat: Ints) -> Ints:
        """Option indices (rows: packages, columns: issues) of chunk positions."""
        rest = np.unravel_index(flat, self.rest_shape)
        columns = [np.full(len(flat), j, dtype=np.int64) for j in prefix]
        columns += [self.options[self.split + i][r] for i, r in enumerate(rest)]
        return np.stack(columns, axis=1) if columns else np.zeros((len(flat), 0), np.int64)


def all_options(space: Space) -> tuple[Ints, ...]:
    return tuple(np.arange(n, dtype=np.int64) for n in space.shape)


# -- the frontier, issue by issue -------------------------------------------------


def _with_frontier(space: Space) -> Space:
    eu, gov = space.points[space.eu], space.points[space.government]
    linked = _linked_issues(space)
    n_issues = len(space.issue_ids)
    if linked:
        grid = Grid.over(
            [
                all_options(space)[k] if k in linked else np.zeros(1, np.int64)
                for k in range(n_issues)
            ]
        )
        # issues outside the linked group count nothing yet: the loop below adds them
        eu_l = [v if k in linked else np.zeros_like(v) for k, v in enumerate(eu)]
        gov_l = [v if k in linked else np.zeros_like(v) for k, v in enumerate(gov)]
        xs, ys, keys = [], [], []
        rest_x, rest_y = grid.rest_sum(eu_l), grid.rest_sum(gov_l)
        for prefix in grid.prefixes():
            ok = grid.valid(space.links, prefix)
            flat = np.flatnonzero(ok) if ok is not None else np.arange(len(rest_x))
            x = rest_x[flat] + grid.prefix_sum(eu_l, prefix)
            y = rest_y[flat] + grid.prefix_sum(gov_l, prefix)
            near = frontier_candidates(x, y)
            flat, x, y = flat[near], x[near], y[near]
            front = to_points(x, y, grid.decode(prefix, flat))
            xs.append(np.array([p.eu for p in front]))
            ys.append(np.array([p.government for p in front]))
            keys.append(np.array([p.package for p in front], dtype=np.int64).reshape(-1, n_issues))
        current = to_points(np.concatenate(xs), np.concatenate(ys), np.concatenate(keys))
        if not current:
            raise ScoringError("no package satisfies the scenario's requires/excludes rules")
    else:
        current = [PackagePoint((0,) * n_issues, 0.0, 0.0)]
    for k in range(n_issues):
        if k in linked:
            continue
        n_opt = len(space.option_ids[k])
        x = (np.array([p.eu for p in current])[:, None] + eu[k][None, :]).ravel()
        y = (np.array([p.government for p in current])[:, None] + gov[k][None, :]).ravel()
        grown = np.repeat(np.array([p.package for p in current], dtype=np.int64), n_opt, axis=0)
        grown[:, k] = np.tile(np.arange(n_opt), len(current))
        current = to_points(x, y, grown)
    return replace(space, frontier=_exact(space, current))


def _exact(space: Space, points: Sequence[PackagePoint]) -> tuple[PackagePoint, ...]:
    """The points recomputed from their packages, summed in canonical order, so that
    partial sums made on the way cannot leave traces of the scenario's order."""
    return tuple(
        PackagePoint(
            p.package,
            package_points(space, space.eu, p.package),
            package_points(space, space.government, p.package),
        )
        for p in points
    )


# -- packages every constrained role accepts ------------------------------------------


def _pruned_options(space: Space, roles: Sequence[str]) -> tuple[Ints, ...]:
    """Per issue, the options not dominated for the constrained roles.

    Option o goes when another option o' of the issue, neither of them linked,
    gives every constrained role at least as much and either one of the two
    sides strictly more, or both sides the same and o' comes first in
    canonical order (so ties still resolve as without pruning).
    """
    linked = {(link.issue, link.option) for link in space.links}
    linked |= {(link.other_issue, link.other_option) for link in space.links}
    kept: list[Ints] = []
    for k, n in enumerate(space.shape):
        table = np.array([[space.points[r][k][j] for r in roles] for j in range(n)])
        keep = []
        for j in range(n):
            dominated = False
            for i in range(n):
                if i == j or (k, i) in linked or (k, j) in linked:
                    continue
                at_least = bool(np.all(table[i] >= table[j] - EPS))
                sides_better = bool(np.any(table[i][:2] > table[j][:2] + EPS))
                sides_equal = bool(np.all(np.abs(table[i][:2] - table[j][:2]) <= EPS))
                if at_least and (sides_better or (sides_equal and i < j)):
                    dominated = True
                    break
            if not dominated:
                keep.append(j)
        kept.append(np.array(keep, dtype=np.int64))
    return tuple(kept)


def agreement_frontier(space: Space, floors: Mapping[str, float]) -> list[PackagePoint]:
    """The Pareto frontier of the packages every constrained role accepts.

    `floors` gives each constrained role's BATNA (post-event at a table).
    Memoised per space and floors: tables of a game share their pre-event BATNAs.
    """
    key = tuple(sorted((r, float(floors[r])) for r in space.constrained))
    return list(_agreement_frontier(space, key))


@functools.lru_cache(maxsize=32)
def _agreement_frontier(
    space: Space, key: tuple[tuple[str, float], ...]
) -> tuple[PackagePoint, ...]:
    floors = dict(key)
    f_eu, f_gov = floors[space.eu] - EPS, floors[space.government] - EPS
    if not space.extra_veto:
        return tuple(p for p in space.frontier if p.eu >= f_eu and p.government >= f_gov)
    roles = (space.eu, space.government, *space.extra_veto)
    grid = Grid.over(_pruned_options(space, roles))
    rest = {r: grid.rest_sum(space.points[r]) for r in roles}
    xs, ys, keys = [], [], []
    for prefix in grid.prefixes():
        ok = grid.valid(space.links, prefix)
        mask = np.ones(len(rest[space.eu]), dtype=bool) if ok is None else ok.copy()
        for r in roles:
            mask &= rest[r] >= floors[r] - EPS - grid.prefix_sum(space.points[r], prefix)
        flat = np.flatnonzero(mask)
        if len(flat) == 0:
            continue
        x = rest[space.eu][flat] + grid.prefix_sum(space.points[space.eu], prefix)
        y = rest[space.government][flat] + grid.prefix_sum(space.points[space.government], prefix)
        near = frontier_candidates(x, y)
        flat, x, y = flat[near], x[near], y[near]
        front = to_points(x, y, grid.decode(prefix, flat))
        xs.append(np.array([p.eu for p in front]))
        ys.append(np.array([p.government for p in front]))
        keys.append(
            np.array([p.package for p in front], dtype=np.int64).reshape(-1, len(space.shape))
        )
    if not xs:
        return ()
    return _exact(space, to_points(np.concatenate(xs), np.concatenate(ys), np.concatenate(keys)))


# -- one role's best package ----------------------------------------------------------


def best_package(space: Space, role: str) -> tuple[int, ...]:
    """The linkage-valid package with most points for a role.

    Ties go to more joint (EU + government) points, then more EU points, then the
    first package in canonical order (docs/scoring.md, invariant 1): a role's best
    package is never one that another of its best packages dominates.
    """
    vectors = space.points[role]
    eu = [np.round(v, 9) for v in space.points[space.eu]]
    joint = [np.round(a + b, 9) for a, b in zip(space.points[space.eu],
                                                 space.points[space.government], strict=True)]
    own = [np.round(v, 9) for v in vectors]
    linked = _linked_issues(space)
    package = [int(np.lexsort((-eu[k], -joint[k], -own[k]))[0]) for k in range(len(vectors))]
    if not linked:
        return tuple(package)
    grid = Grid.over(
        [
            all_options(space)[k] if k in linked else np.array([package[k]], dtype=np.int64)
            for k in range(len(vectors))
        ]
    )
    rests = [np.round(grid.rest_sum(v), 9) for v in (vectors, joint, eu)]
    best: tuple[tuple[float, ...], tuple[int, ...]] | None = None
    for prefix in grid.prefixes():
        ok = grid.valid(space.links, prefix)
        flat = np.flatnonzero(ok) if ok is not None else np.arange(len(rests[0]))
        if len(flat) == 0:
            continue
        own_t, joint_t, eu_t = (
            np.round(r[flat] + grid.prefix_sum(v, prefix), 9)
            for r, v in zip(rests, (vectors, joint, eu), strict=True)
        )
        rows = grid.decode(prefix, flat)
        i = int(np.lexsort((*rows.T[::-1], -eu_t, -joint_t, -own_t))[0])
        candidate = ((float(own_t[i]), float(joint_t[i]), float(eu_t[i])),
                     tuple(int(v) for v in rows[i]))
        if best is None or _better(candidate, best):
            best = candidate
    if best is None:
        raise ScoringError("no package satisfies the scenario's requires/excludes rules")
    return best[1]


def _better(a: tuple[tuple[float, ...], tuple[int, ...]],
            b: tuple[tuple[float, ...], tuple[int, ...]]) -> bool:
    """Is a before b: more points (own, joint, EU, within EPS), then first in canonical order?"""
    for x, y in zip(a[0], b[0], strict=True):
        if x > y + EPS:
            return True
        if x < y - EPS:
            return False
    return a[1] < b[1]
