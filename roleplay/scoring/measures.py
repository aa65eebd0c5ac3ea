"""Per-issue weights and the differentiation measures of a package.

Salience and joint weights follow SCORING.md; issue success is Thomson,
Stokman, Achen & König (2006). Tailoring and opt-out share read a deal through
Brussels' eyes (Schimmelfennig & Winzen 2014); partnership differentiation
through Baku's (common ground in the spirit of Kalai 1977, co-design, equal
input).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..engine.records import TableRecord
from ..i18n import N_
from ..scenario.model import Scenario
from .frontier import Floats
from .space import Space

#: Table-type thresholds: tailoring below 0.25 leaves the EU template almost untouched.
TAILORING_SPLIT = 0.25
PD_SPLIT = 0.5

EU_AUTHOR = 0.0
GOVERNMENT_AUTHOR = 1.0
JOINT_AUTHOR = 0.5

#: English, as the exports keep them; a page says them in its language (`N_` marks them)
TYPE_LABELS = {
    "unilateral_template": N_("unilateral template"),
    "joint_standard": N_("joint standard"),
    "cherry_picking": N_("cherry-picking"),
    "tailor_made_partnership": N_("tailor-made partnership"),
    "deadlock": N_("deadlock"),
}


@dataclass(frozen=True, eq=False)
class Weights:
    """Per-issue quantities (canonical issue order) that every measure reuses."""

    range_eu: Floats  # R_EU(k)
    range_gov: Floats  # R_AZ(k)
    salience_eu: Floats  # s_EU(k)
    salience_gov: Floats  # s_AZ(k)
    joint: Floats  # w_k
    success_eu: tuple[Floats, ...]  # ŝ_EU(k, option)
    success_gov: tuple[Floats, ...]  # ŝ_AZ(k, option)


def _share(values: Floats) -> Floats:
    total = float(values.sum())
    return values / total if total > 0 else np.zeros_like(values)


def _success(vector: Floats) -> Floats:
    low, span = float(vector.min()), float(vector.max() - vector.min())
    # A side that does not care about an issue is satisfied by any option.
    return (vector - low) / span if span > 0 else np.ones_like(vector)


def weights(space: Space) -> Weights:
    eu, gov = space.points[space.eu], space.points[space.government]
    r_eu = np.array([v.max() - v.min() for v in eu])
    r_gov = np.array([v.max() - v.min() for v in gov])
    return Weights(
        range_eu=r_eu,
        range_gov=r_gov,
        salience_eu=_share(r_eu),
        salience_gov=_share(r_gov),
        joint=_share(r_eu + r_gov),
        success_eu=tuple(_success(v) for v in eu),
        success_gov=tuple(_success(v) for v in gov),
    )


# -- additive per-option contributions (so packages can be summed with numpy) ----------


def tailoring_terms(space: Space, w: Weights) -> tuple[Floats, ...]:
    """s_EU(k) · d(option): tailoring is their sum over the package."""
    return tuple(w.salience_eu[k] * space.distance[k] for k in range(len(space.issue_ids)))


def opt_out_terms(space: Space, w: Weights) -> tuple[Floats, ...]:
    return tuple(
        w.salience_eu[k] * np.array([kind == "opt_out" for kind in space.kinds[k]], dtype=float)
        for k in range(len(space.issue_ids))
    )


def common_ground_terms(w: Weights) -> tuple[Floats, ...]:
    return tuple(
        w.joint[k] * np.minimum(w.success_eu[k], w.success_gov[k]) for k in range(len(w.joint))
    )


def co_design_terms(space: Space, w: Weights) -> tuple[Floats, ...]:
    return tuple(
        w.joint[k] * np.array([kind == "co_designed" for kind in space.kinds[k]], dtype=float)
        for k in range(len(space.issue_ids))
    )


def potential_pd_terms(space: Space, w: Weights) -> tuple[Floats, ...]:
    """(CG + CD)/2 per option: partnership differentiation if input were equal (EI = 1)."""
    cg, cd = common_ground_terms(w), co_design_terms(space, w)
    return tuple((a + b) / 2 for a, b in zip(cg, cd, strict=True))


def total(terms: Sequence[Floats], package: Sequence[int]) -> float:
    return round(float(sum(terms[k][j] for k, j in enumerate(package))), 9)


def midpoint(space: Space, w: Weights) -> tuple[int, ...]:
    """The package that splits every issue: per issue the most even compromise, i.e.
    the option maximising min(ŝ_EU, ŝ_AZ), then ŝ_EU + ŝ_AZ, then first in canonical order."""
    chosen = []
    for k in range(len(space.issue_ids)):
        low = np.round(np.minimum(w.success_eu[k], w.success_gov[k]), 9)
        both = np.round(w.success_eu[k] + w.success_gov[k], 9)
        chosen.append(max(range(len(low)), key=lambda j: (low[j], both[j], -j)))
    return tuple(chosen)


def table_type(tailoring: float | None, partnership: float | None) -> str:
    if tailoring is None or partnership is None:
        return "deadlock"
    high_t = tailoring >= TAILORING_SPLIT - 1e-9
    high_pd = partnership >= PD_SPLIT - 1e-9
    if high_t:
        return "tailor_made_partnership" if high_pd else "cherry_picking"
    return "joint_standard" if high_pd else "unilateral_template"


# -- authorship ------------------------------------------------------------------------


def opening_round(scenario: Scenario) -> int:
    """Index of the first opening phase; openings count as proposals made in it."""
    for i, phase in enumerate(scenario.phases):
        if phase.kind == "opening":
            return i
    return -1


def authorship(
    scenario: Scenario, record: TableRecord, deal: Mapping[str, str]
) -> dict[str, float]:
    """Per issue of the deal, from what each side put forward (openings and proposals,
    in any order): 0 if only the EU ever proposed the adopted option, 1 if only the
    government did, 0.5 if both did, or if it stood in a joint proposal or one by a role
    on neither side, or in no proposal at all. Who typed first does not matter."""
    contributions: list[tuple[str, bool, Mapping[str, str]]] = [
        (side, False, pkg) for side, pkg in record.openings.items()
    ]
    contributions += [(p.side, p.joint, p.package) for p in record.proposals]
    out: dict[str, float] = {}
    for issue, option in deal.items():
        having = [c for c in contributions if c[2].get(issue) == option]
        sides = {c[0] for c in having}
        shared = any(c[1] for c in having) or not sides <= {"eu", "government"}
        if not having or shared or sides == {"eu", "government"}:
            out[issue] = JOINT_AUTHOR
        else:
            out[issue] = EU_AUTHOR if sides == {"eu"} else GOVERNMENT_AUTHOR
    return out


@dataclass(frozen=True)
class Differentiation:
    tailoring: float  # T
    opt_out_share: float  # OO
    common_ground: float  # CG
    co_design: float  # CD
    authorship: dict[str, float]  # issue -> 0 EU, 1 government, 0.5 joint
    government_input: float  # a_AZ
    equal_input: float  # EI
    partnership: float  # PD


def differentiation(
    space: Space, w: Weights, package: Sequence[int], authors: Mapping[str, float]
) -> Differentiation:
    a_gov = float(sum(w.joint[k] * authors[issue] for k, issue in enumerate(space.issue_ids)))
    equal_input = 1 - abs(2 * a_gov - 1)
    cg = total(common_ground_terms(w), package)
    cd = total(co_design_terms(space, w), package)
    return Differentiation(
        tailoring=total(tailoring_terms(space, w), package),
        opt_out_share=total(opt_out_terms(space, w), package),
        common_ground=cg,
        co_design=cd,
        authorship=dict(authors),
        government_input=round(a_gov, 9),
        equal_input=round(equal_input, 9),
        partnership=round(equal_input * (cg + cd) / 2, 9),
    )


def role_score(utility: float, batna: float) -> float | None:
    """RS = 100 (U − RV)/(100 − RV): 0 at the pre-event BATNA, 100 at the best package."""
    if batna >= 100:
        return None
    return 100 * (utility - batna) / (100 - batna)
