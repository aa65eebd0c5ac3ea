"""Bargaining power: surplus shares, Nash residuals, tactical power, defensive and
offensive power from the openings to the outcome, and concession.

Sources: Komorita & Kravitz (1979) for the equal-excess norm, Schneider, Finke
& Bailer (2010) for the Nash solution as the power baseline, Goldmann &
Sjöstedt (1979) as used by van Gils for defensive and offensive power.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .frontier import EPS, Floats, Point

SIDES = ("eu", "government")


def surplus_shares(u: Point, d: Point) -> tuple[float, float] | None:
    """σ_X = (u_X − d_X) / Σ (u − d); None when there is no surplus to share."""
    gains = (u.eu - d.eu, u.government - d.government)
    whole = sum(gains)
    if whole <= EPS:
        return None
    return gains[0] / whole, gains[1] / whole


def movement(
    vectors: Sequence[Floats], own: Sequence[int], other: Sequence[int], chosen: Sequence[int]
) -> dict[int, float]:
    """m_X(k) on contested issues (the openings differ), in X's points.

    |p(own opening) − p(chosen)| / |p(own opening) − p(other's opening)|, capped
    at 1. When X gives both openings the same points, the movement is 0 if the
    deal gives X those points too and 1 otherwise.
    """
    out: dict[int, float] = {}
    for k, v in enumerate(vectors):
        if own[k] == other[k]:
            continue
        moved = abs(float(v[own[k]] - v[chosen[k]]))
        apart = abs(float(v[own[k]] - v[other[k]]))
        if apart <= EPS:
            out[k] = 0.0 if moved <= EPS else 1.0
        else:
            out[k] = min(1.0, moved / apart)
    return out


@dataclass(frozen=True)
class Powers:
    defensive: float | None
    offensive: float | None


def powers(
    own_salience: Floats,
    other_salience: Floats,
    own_movement: dict[int, float],
    other_movement: dict[int, float],
) -> Powers:
    """DP_X = 1 − Σ s_Y m_X / Σ s_Y and OP_X = Σ s_X m_Y / Σ s_X over contested issues."""
    contested = sorted(own_movement)
    weight_other = sum(float(other_salience[k]) for k in contested)
    weight_own = sum(float(own_salience[k]) for k in contested)
    defensive = (
        1 - sum(float(other_salience[k]) * own_movement[k] for k in contested) / weight_other
        if weight_other > EPS
        else None
    )
    offensive = (
        sum(float(own_salience[k]) * other_movement[k] for k in contested) / weight_own
        if weight_own > EPS
        else None
    )
    return Powers(defensive, offensive)


def concession(opening: float, deal: float, batna: float) -> float | None:
    """C_X = (u_X(own opening) − u_X(deal)) / (u_X(own opening) − d_X)."""
    room = opening - batna
    if room <= EPS:
        return None
    return (opening - deal) / room
