"""The CSV export: a zip of events.csv, outcomes.csv and players.csv, built from the JSON export.

Each file is UTF-8 with a byte-order mark, so spreadsheets guess the encoding
right. A text cell that a spreadsheet would run as a formula (it starts with
=, +, -, @, a tab or a carriage return) gets a leading apostrophe, unless it
is a plain number: -0.25 stays a number.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from ..engine.events import EventType
from ..report.guesses import step_guesses

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")

EVENT_COLUMNS = (
    "step",
    "seq",
    "time",
    "at",
    "elapsed",
    "type",
    "actor",
    "table",
    "channel",
    "audience",
    "role",
    "name",
    "text",
    "package",
    "payload",
)
SIDES = ("eu", "government")


def cell(value: Any) -> str:
    """One CSV cell: numbers as numbers, None empty, formulas neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    if text.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def package_text(package: Mapping[str, Any] | None) -> str | None:
    """A package as 'issue=option; issue=option' (issues in the package's order)."""
    if not package:
        return None
    return "; ".join(f"{k}={v}" for k, v in package.items())


def write_csv(columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> bytes:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([cell(c) for c in columns])
    for row in rows:
        writer.writerow([cell(row.get(c)) for c in columns])
    return buf.getvalue().encode("utf-8-sig")


# -- rows -------------------------------------------------------------------------------


def event_rows(export: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for e in export["events"]:
        p = e["payload"]
        aud = e["audience"]
        audience = aud["kind"] + (":" + ",".join(aud["roles"]) if aud["roles"] else "")
        package = p.get("package")
        rows.append(
            {
                **{
                    k: e[k]
                    for k in ("step", "seq", "time", "at", "elapsed", "type", "actor", "table", "channel")
                },
                "audience": audience,
                "role": p.get("role"),
                "name": p.get("name"),
                "text": _text(e["type"], p),
                "package": package_text(package) if isinstance(package, Mapping) else None,
                "payload": json.dumps(p, ensure_ascii=False, sort_keys=True),
            }
        )
    return rows


#: Events whose `text` column is what a player wrote; for the others it is a title.
WRITTEN_TYPES = frozenset({EventType.CHAT, EventType.MESSAGE})


def _text(kind: str, payload: Mapping[str, Any]) -> Any:
    """A chat's or message's text; an event card's, threshold's or action's title."""
    if kind in WRITTEN_TYPES:
        return payload.get("text")
    return payload.get("title")


def _solution(prefix: str, s: Mapping[str, Any] | None) -> dict[str, Any]:
    if s is None:
        return {}
    return {
        f"{prefix}_package": package_text(s.get("package")),
        f"{prefix}_eu": s.get("eu"),
        f"{prefix}_government": s.get("government"),
    }


def outcome_row(
    step: Mapping[str, Any],
    table: Mapping[str, Any],
    state: Mapping[str, Any] | None,
    record: Mapping[str, Any] | None,
) -> dict[str, Any]:
    d = table.get("differentiation") or {}
    eff = table["efficiency"]
    row: dict[str, Any] = {
        "step": step["step"],
        "scenario": step["scenario"]["id"],
        "scenario_version": step["scenario"]["version"],
        "table": table["table"],
        "outcome": state["outcome"] if state else ("deal" if table["valid"] else "deadlock"),
        "valid": table["valid"],
        "deadlock_reason": table["deadlock_reason"],
        "deal": package_text(table["deal"]),
        "type": table["table_type"],
        "T": d.get("tailoring"),
        "OO": d.get("opt_out_share"),
        "CG": d.get("common_ground"),
        "CD": d.get("co_design"),
        "a_AZ": d.get("government_input"),
        "EI": d.get("equal_input"),
        "PD": d.get("partnership"),
        "J": eff["joint"],
        "J_d": eff["joint_disagreement"],
        "J_max": eff["joint_max"],
        "E_J": eff["efficiency"],
        "delta_P": eff["pareto_distance"],
        "PO": eff["pareto_optimality"],
        "IP": eff["integrative_potential"],
        "J_mid": eff["joint_midpoint"],
        **_solution("nash", eff["nash"]),
        **_solution("ks", eff["kalai_smorodinsky"]),
        **_solution("nash_hull", eff["nash_hull"]),
        **_solution("ks_hull", eff["kalai_smorodinsky_hull"]),
    }
    percentiles = {(p["table"], p["role"]): p["percentile"] for p in step["outcomes"]["percentiles"]}
    for r in table["roles"]:
        rid = r["role"]
        row.update(
            {
                f"points_{rid}": r["points"],
                f"adjust_{rid}": r["adjust"],
                f"utility_{rid}": r["utility"],
                f"batna_{rid}": r["batna"],
                f"batna_after_{rid}": r["batna_after"],
                f"score_{rid}": r["score"],
                f"percentile_{rid}": percentiles.get((table["table"], rid)),
            }
        )
    for p in table["power"]:
        side = p["side"]
        row.update(
            {
                f"surplus_share_{side}": p["surplus_share"],
                f"nash_residual_{side}": p["nash_residual"],
                f"tactical_power_{side}": p["tactical_power"],
                f"DP_{side}": p["defensive_power"],
                f"OP_{side}": p["offensive_power"],
                f"concession_{side}": p["concession"],
            }
        )
    if record is not None:
        row["proposals"] = len(record["proposals"])
        row["events_fired"] = "; ".join(record["events_fired"]) or None
        row["actions_taken"] = "; ".join(f"{r}:{a}" for r, a in record["actions_taken"]) or None
    return row


def outcome_rows(export: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for step in export["steps"]:
        if not step["outcomes"]:
            continue
        states = {t["table"]: t for t in step["tables"]}
        records = {r["table"]: r for r in step["records"]}
        guesses = {(g.table, g.role): g for g in step_guesses(export, step)}
        signatories = [r["id"] for r in step["definition"].get("roles", [])
                       if r.get("signatory") and r.get("side") in ("eu", "government")]
        for table in step["outcomes"]["tables"]:
            row = outcome_row(step, table, states.get(table["table"]), records.get(table["table"]))
            for role in signatories:  # each signatory's estimate of the other side's BATNA
                g = guesses.get((table["table"], role))
                row[f"guess_{role}"] = g.guess if g else None
                row[f"guess_truth_{role}"] = g.truth if g else None
            rows.append(row)
    return rows


def _columns(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """Every key, in order of first appearance (steps may have different roles)."""
    return list(dict.fromkeys(k for r in rows for k in r))


def player_columns(players: Sequence[Mapping[str, Any]]) -> list[str]:
    return _columns(players) or ["id"]


def _zip_time(export: Mapping[str, Any]) -> tuple[int, int, int, int, int, int]:
    t = datetime.fromisoformat(str(export["generated_at"]).replace("Z", "+00:00"))
    return (max(t.year, 1980), t.month, t.day, t.hour, t.minute, t.second)


def export_csv(export: Mapping[str, Any]) -> bytes:
    """The zip of CSV files for a JSON export (see docs/export.md)."""
    outcomes = outcome_rows(export)
    players = list(export["players"])
    files = {
        "events.csv": write_csv(EVENT_COLUMNS, event_rows(export)),
        "outcomes.csv": write_csv(_columns(outcomes) or ["step", "table"], outcomes),
        "players.csv": write_csv(player_columns(players), players),
    }
    buf = io.BytesIO()
    when = _zip_time(export)
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, content in files.items():
            info = zipfile.ZipInfo(name, date_time=when)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, content)
    return buf.getvalue()
