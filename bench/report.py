"""Markdown tables from `bench/run.py --out results.json` (for docs/performance.md).

    python bench/report.py results.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def _v(x: Any) -> str:
    return "–" if x is None else f"{x:g}" if isinstance(x, float) else str(x)


def load_table(r: dict[str, Any]) -> str:
    head = ("| students | stack | deliveries/s | chat p50 / p95 / p99 ms | proposal p99 ms "
            "| sign burst p50 / p99 ms | phase change to all, ms | server CPU % of a core "
            "| RSS MB (idle → loaded) | KB per student | lost / expected | errors |")
    lines = [head, "|" + "---|" * 12]
    for e in r["sizes"]:
        for stack in ("bare", "app"):
            x = e[stack]
            c, b = x["chat"], x["sign_burst"]
            lines.append(
                f"| {x['students']} | {stack} | {x['deliveries_per_s']} "
                f"| {_v(c['p50_ms'])} / {_v(c['p95_ms'])} / {_v(c['p99_ms'])} "
                f"| {_v(x['proposal']['p99_ms'])} | {_v(b['p50_ms'])} / {_v(b['p99_ms'])} "
                f"| {_v(x['phase_change']['all_ms'])} | {x['server_cpu_pct']} "
                f"| {x['rss_mb_idle']} → {x['rss_mb_loaded']} | {x['rss_kb_per_student']} "
                f"| {x['deliveries']['missing']} / {x['deliveries']['expected']} "
                f"| {sum(x['errors'].values())} |")
    return "\n".join(lines)


def ratio_table(r: dict[str, Any]) -> str:
    lines = ["| students | p50 | p99 | phase change | CPU | KB per student |", "|---|---|---|---|---|---|"]
    for e in r["sizes"]:
        q = e["ratio"]
        lines.append(f"| {e['students']} | {_v(q['p50'])} | {_v(q['p99'])} | {_v(q['phase_change'])} "
                     f"| {_v(q['cpu'])} | {_v(q['rss_per_student'])} |")
    return "\n".join(lines)


def workers_table(r: dict[str, Any]) -> str:
    w = r.get("workers")
    if not w or "one" not in w:
        return f"(not run: {w})"
    lines = ["| workers | deliveries/s | chat p50 / p95 / p99 ms | phase change ms "
             "| CPU % (all workers) | lost / expected | errors |", "|---|---|---|---|---|---|---|"]
    for label, x in (("1 (PostgreSQL)", w["one"]), ("2 (PostgreSQL + Redis)", w["two"])):
        c = x["chat"]
        lines.append(f"| {label} | {x['deliveries_per_s']} | {_v(c['p50_ms'])} / {_v(c['p95_ms'])} / "
                     f"{_v(c['p99_ms'])} | {_v(x['phase_change']['all_ms'])} | {x['server_cpu_pct']} "
                     f"| {x['deliveries']['missing']} / {x['deliveries']['expected']} "
                     f"| {sum(x['errors'].values())} |")
    return "\n".join(lines)


def main() -> None:
    r = json.loads(Path(sys.argv[1]).read_text())
    print("Machine:", json.dumps(r["machine"]))
    print()
    print(load_table(r))
    print()
    print(ratio_table(r))
    print()
    print(workers_table(r))
    print()
    print("Reconnect storm:", json.dumps(r.get("storm")))
    print("Storage:", json.dumps(r.get("storage"), indent=1))


if __name__ == "__main__":
    main()
