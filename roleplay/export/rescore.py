"""`roleplay score EXPORT.json`: recompute an export's outcomes from its own events.

The scenario(s) come from the export itself, so no file is needed. The
events are replayed through the engine (`roleplay.engine.state.replay`) and
every step is scored again; pseudonymised player ids change nothing, since
scoring reads roles, never players.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from ..engine.events import Audience, Event, EventType
from ..engine.state import GameSetup, GameState, replay, table_records
from ..scenario.loader import content_hash
from ..scenario.model import Campaign, Scenario
from ..scoring import ScoringError, score_game
from ..scoring.table import jsonable
from .build import FORMAT, READS_VERSIONS, ExportError

#: At most this many differences are listed.
MAX_DIFFERENCES = 50
#: Floats closer than this count as equal (JSON keeps them exactly; this is slack only).
TOLERANCE = 1e-9


def _scenarios(data: Mapping[str, Any]) -> tuple[tuple[Scenario, ...], Campaign | None]:
    try:
        scenarios = tuple(Scenario.model_validate(s["definition"]) for s in data["steps"])
        camp = data.get("campaign")
        campaign = Campaign.model_validate(camp["definition"]) if camp else None
    except (KeyError, TypeError, ValidationError) as e:
        raise ExportError(f"the export's scenario definitions are not valid: {e}") from e
    if not scenarios:
        raise ExportError("the export holds no scenario")
    return scenarios, campaign


def _events(data: Mapping[str, Any]) -> list[Event]:
    try:
        return [
            Event(
                seq=int(e["seq"]),
                type=EventType(e["type"]),
                at=float(e["at"]),
                actor=str(e["actor"]),
                audience=Audience.from_dict(e["audience"]),
                data=dict(e["payload"]),
            )
            for e in data["events"]
        ]
    except (KeyError, TypeError, ValueError) as e:
        raise ExportError(f"the export's events are not readable: {e}") from e


def _check_version(data: Mapping[str, Any]) -> None:
    if data.get("format") != FORMAT:
        raise ExportError("this is not a roleplay export (no 'format': 'roleplay-export')")
    version = data.get("format_version")
    if version not in READS_VERSIONS:
        raise ExportError(f"export format version {version!r}; this roleplay reads versions "
                          + " and ".join(map(str, READS_VERSIONS)))


def _plain(value: Any) -> Any:
    """As it would read back from JSON (tuples become lists, keys strings)."""
    return json.loads(json.dumps(jsonable(value)))


def diff(path: str, exported: Any, recomputed: Any, out: list[dict[str, Any]]) -> None:
    """Append every place where two JSON values differ (floats within TOLERANCE)."""
    if len(out) >= MAX_DIFFERENCES:
        return
    if isinstance(exported, dict) and isinstance(recomputed, dict):
        for key in sorted(set(exported) | set(recomputed)):
            diff(f"{path}.{key}", exported.get(key), recomputed.get(key), out)
        return
    if isinstance(exported, list) and isinstance(recomputed, list) and len(exported) == len(recomputed):
        for i, (a, b) in enumerate(zip(exported, recomputed, strict=True)):
            diff(f"{path}[{i}]", a, b, out)
        return
    both_numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (exported, recomputed))
    if both_numbers and math.isclose(exported, recomputed, rel_tol=TOLERANCE, abs_tol=TOLERANCE):
        return
    if exported != recomputed or isinstance(exported, bool) != isinstance(recomputed, bool):
        out.append({"path": path, "export": exported, "recomputed": recomputed})


def _recompute(state: GameState, step: int, scenario: Scenario) -> dict[str, Any]:
    reached = step <= state.step and state.status != "lobby"
    out: dict[str, Any] = {"step": step, "records": [], "outcomes": None, "scoring_error": None}
    if not reached:
        return out
    records = table_records(state, step)
    out["records"] = _plain(records)
    try:
        out["outcomes"] = _plain(score_game(scenario, records).to_dict())
    except ScoringError as e:
        out["scoring_error"] = str(e)
    return out


def rescore_export(data: Mapping[str, Any]) -> dict[str, Any]:
    """Replay an export's events, score every step again, and compare with the export.

    Returns {"matches", "outcomes" (recomputed, per step), "differences"
    (path, export, recomputed)}. Raises ExportError when the file is not an
    export this version can read.
    """
    _check_version(data)
    scenarios, campaign = _scenarios(data)
    game = data.get("game") or {}
    setup = GameSetup(
        game_id=str(game.get("id", "export")),
        code=str(game.get("code", "")),
        seed=int(game.get("seed", 0)),
        scenarios=scenarios,
        campaign=campaign,
        show_results=bool(game.get("show_results", True)),
        auto_advance=bool(game.get("auto_advance", True)),
    )
    differences: list[dict[str, Any]] = []
    for i, (sc, step) in enumerate(zip(scenarios, data["steps"], strict=True)):
        diff(
            f"steps[{i}].scenario.content_hash",
            step.get("scenario", {}).get("content_hash"),
            content_hash(sc),
            differences,
        )
    if campaign is not None:
        diff(
            "campaign.content_hash", data["campaign"].get("content_hash"), content_hash(campaign), differences
        )
    try:
        state = replay(setup, _events(data))
    except (KeyError, IndexError, TypeError, ValueError) as e:
        differences.append(
            {
                "path": "events",
                "export": "a log that replays",
                "recomputed": f"replay failed: {type(e).__name__}: {e}",
            }
        )
        return {"matches": False, "outcomes": [], "differences": differences}
    recomputed = [_recompute(state, i, sc) for i, sc in enumerate(scenarios)]
    for i, (step, again) in enumerate(zip(data["steps"], recomputed, strict=True)):
        for key in ("records", "outcomes", "scoring_error"):
            diff(f"steps[{i}].{key}", step.get(key), again[key], differences)
    return {"matches": not differences, "outcomes": recomputed, "differences": differences}
