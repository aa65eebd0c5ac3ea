"""BATNA guesses beside the truth, read from a JSON export (pure).

In the briefing each signatory may estimate the other side's BATNA (the engine's
`batna_guessed` event; the last one counts). The truth it is compared with is the
other side's BATNA at the moment of that guess: the scenario's value plus every
shift recorded before it (a campaign step's carry-over in `step_started`, and the
confidential `private_effect` events). The BATNA at the end of the step, after
later events and actions, is given beside it.

A guess below the truth means the guesser thought the other side needed the deal
more than it did: the paper's misperception of asymmetry, where Brussels and Baku
each believe the other depends on it more.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..engine.events import EventType


@dataclass(frozen=True)
class Guess:
    step: int
    table: int
    role: str  # who guessed (a signatory)
    side: str  # its side: "eu" or "government"
    about: str  # the other signatory, whose BATNA was guessed
    guess: float
    truth: float  # `about`'s BATNA when the guess was recorded
    final: float | None  # `about`'s BATNA at the end of the step (None when the step is unscored)

    @property
    def error(self) -> float:
        """Guess minus truth: below zero, the guesser underrated the other side's alternatives."""
        return self.guess - self.truth


def _batna_shift(effects: Any, role: str) -> float:
    if not isinstance(effects, Mapping):
        return 0.0
    batna = effects.get("batna")
    if not isinstance(batna, Mapping):
        return 0.0
    value = batna.get(role, 0.0)
    return float(value) if isinstance(value, int | float) else 0.0


def step_guesses(export: Mapping[str, Any], step: Mapping[str, Any]) -> list[Guess]:
    """Every table's last guess per signatory in one step of an export, by table then side."""
    idx = int(step["step"])
    definition = step["definition"]
    base = {str(r["id"]): float(r.get("batna", 0.0)) for r in definition.get("roles", [])}
    final: dict[tuple[int, str], float] = {}
    for t in (step.get("outcomes") or {}).get("tables", []):
        for r in t.get("roles", []):
            final[(int(t["table"]), str(r["role"]))] = float(r["batna_after"])
    everywhere: dict[str, float] = {}  # shifts sent to every table
    at_table: dict[tuple[int, str], float] = {}
    last: dict[tuple[int, str], Guess] = {}
    for e in export["events"]:
        if e["step"] != idx:
            continue
        p = e["payload"]
        if e["type"] == EventType.STEP_STARTED:
            for tid, eff in (p.get("effects") or {}).items():
                for role in base:
                    key = (int(tid), role)
                    at_table[key] = at_table.get(key, 0.0) + _batna_shift(eff, role)
        elif e["type"] == EventType.PRIVATE_EFFECT:
            eff = p.get("effects")
            for role in base:
                delta = _batna_shift(eff, role)
                if not delta:
                    continue
                if p.get("table") is None:
                    everywhere[role] = everywhere.get(role, 0.0) + delta
                else:
                    key = (int(p["table"]), role)
                    at_table[key] = at_table.get(key, 0.0) + delta
        elif e["type"] == EventType.BATNA_GUESSED:
            tid, role, about = int(p["table"]), str(p["role"]), str(p["about"])
            truth = base.get(about, 0.0) + everywhere.get(about, 0.0) + at_table.get((tid, about), 0.0)
            last[(tid, role)] = Guess(
                step=idx,
                table=tid,
                role=role,
                side=str(p.get("side", "")),
                about=about,
                guess=float(p["guess"]),
                truth=round(truth, 6),
                final=final.get((tid, about)),
            )
    order = {"eu": 0, "government": 1}
    return sorted(last.values(), key=lambda g: (g.table, order.get(g.side, 2), g.role))


@dataclass(frozen=True)
class SideSummary:
    """One side's guesses over the class."""

    side: str
    role: str
    about: str
    count: int
    mean_guess: float
    mean_truth: float
    mean_error: float
    below: int  # guesses under the truth
    above: int


def class_summary(guesses: Sequence[Guess]) -> list[SideSummary]:
    out = []
    for side in ("eu", "government"):
        mine = [g for g in guesses if g.side == side]
        if not mine:
            continue
        n = len(mine)
        out.append(
            SideSummary(
                side=side,
                role=mine[0].role,
                about=mine[0].about,
                count=n,
                mean_guess=sum(g.guess for g in mine) / n,
                mean_truth=sum(g.truth for g in mine) / n,
                mean_error=sum(g.error for g in mine) / n,
                below=sum(1 for g in mine if g.error < -1e-9),
                above=sum(1 for g in mine if g.error > 1e-9),
            )
        )
    return out
