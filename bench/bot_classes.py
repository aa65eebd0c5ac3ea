"""Where classes of bots land: table types, distinct deals, openings, deal vs deadlock.

    .venv/bin/python bench/bot_classes.py [--classes 3] [--players 40] [source ...]

Plays `--classes` classes of `--players` bots (seeds 1, 2, ...) in-process on the
pure engine for each built-in scenario and the 2010–2016 campaign, and prints one
row per scenario (per campaign step): how many tables landed on each type, how
many different deals were signed, the share of tables where both signatories
opened, and each signatory's mean role score at deals and at deadlocks. These
are the figures of the issue "Play that teaches the paper"; tests/test_bot_classes.py
checks them on the same seeds. About 30 s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import time

from roleplay.botclass import class_figures, play_class
from roleplay.scenario.resolve import resolve_source

SOURCES = ["association-agreement", "strategic-partnership", "progress-report",
           "campaign-2010-2016"]
TYPES = [("tailor_made_partnership", "TMP"), ("cherry_picking", "cherry"),
         ("joint_standard", "joint"), ("unilateral_template", "templ"), ("deadlock", "dead")]


def _f(x: float | None) -> str:
    return "   –" if x is None else f"{x:5.1f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("sources", nargs="*", default=SOURCES)
    ap.add_argument("--classes", type=int, default=3)
    ap.add_argument("--players", type=int, default=40)
    args = ap.parse_args()
    head = f"{'source / step':44} {'tables':>6} " + " ".join(f"{s:>6}" for _, s in TYPES)
    head += f" {'deals':>5} {'opened':>6}   EU deal/dead   gov deal/dead   seconds"
    print(head)
    for ref in args.sources:
        t0 = time.monotonic()
        states = [play_class(resolve_source(ref), args.players, seed)
                  for seed in range(1, args.classes + 1)]
        seconds = time.monotonic() - t0
        for f in class_figures(states):
            name = f.scenario if f.scenario == ref else f"{ref} / {f.scenario}"
            row = f"{name:44} {f.tables:6d} " + " ".join(f"{f.types.get(t, 0):6d}" for t, _ in TYPES)
            row += f" {f.distinct_deals:5d} {100 * f.both_opened:5.0f}%"
            for role in ("eu", "government"):
                row += f"   {_f(f.mean_at_deal[role])}/{_f(f.mean_at_deadlock[role])}"
            print(f"{row}   {seconds:6.1f}")


if __name__ == "__main__":
    main()
