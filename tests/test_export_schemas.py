"""The export's JSON Schema, checked by two validators: python-jsonschema and ajv (strict).

Real exports of a campaign (three steps, every built-in scenario) must pass both,
and an export whose embedded scenario is corrupted must fail both: the export
schema checks each step's scenario against the scenario schema itself.
"""

from __future__ import annotations

import ast
import copy
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import roleplay.engine
from roleplay.driver import play_game
from roleplay.engine.events import LOG_ONLY, EventType
from roleplay.engine.state import _HANDLERS
from roleplay.export import export_game, export_schema, shipped_schema
from roleplay.scenario.resolve import resolve_source
from roleplay.service import GameService

ROOT = Path(__file__).parent.parent
SCHEMAS = ROOT / "roleplay" / "schemas"
AJV = Path(__file__).parent / "js" / "validate_export.cjs"
#: in CI (CI=true or ROLEPLAY_REQUIRE_SERVICES=1) the ajv tests run, and fail if node or
#: ajv is missing, instead of being skipped
MUST_RUN = os.environ.get("CI") == "true" or os.environ.get("ROLEPLAY_REQUIRE_SERVICES") == "1"
needs_node = pytest.mark.skipif(
    not MUST_RUN and (shutil.which("node") is None or not (ROOT / "node_modules" / "ajv").is_dir()),
    reason="ajv runs on node from node_modules (npm ci)",
)


@pytest.fixture(scope="module")
def campaign_export() -> dict[str, Any]:
    from roleplay.storage.db import make_engine
    from roleplay.storage.eventstore import EventStore

    service = GameService(EventStore(make_engine("sqlite://")))
    state = play_game(service, resolve_source("campaign-2010-2016"), players=8, seed=4)
    data: dict[str, Any] = json.loads(export_game(service, state.setup.game_id, fmt="json"))
    return data


def _jsonschema_errors(data: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft202012Validator(
        export_schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data)]


def _ajv(tmp_path: Path, data: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "export.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return subprocess.run(["node", str(AJV), str(SCHEMAS), str(path)], capture_output=True,
                          text=True, timeout=60, check=False)


def _corrupt(data: dict[str, Any]) -> dict[str, Any]:
    bad = copy.deepcopy(data)
    bad["steps"][1]["definition"]["roles"][0]["batna"] = "lots"
    bad["steps"][1]["definition"]["issues"][0]["optoins"] = []
    return bad


def test_the_schemas_are_valid_2020_12() -> None:
    for name in ("export", "scenario", "campaign"):
        jsonschema.Draft202012Validator.check_schema(shipped_schema(name))
    assert export_schema()["$defs"]["scenarioSchema"]["$id"] == "urn:roleplay:scenario-schema:1"


def test_jsonschema_passes_a_real_export_and_fails_a_corrupted_scenario(
        campaign_export: dict[str, Any]) -> None:
    assert _jsonschema_errors(campaign_export) == []
    errors = _jsonschema_errors(_corrupt(campaign_export))
    assert any("steps/1/definition/roles/0/batna" in e for e in errors), errors
    assert any("optoins" in e for e in errors), errors


@needs_node
def test_ajv_strict_passes_a_real_export_and_fails_a_corrupted_scenario(
        campaign_export: dict[str, Any], tmp_path: Path) -> None:
    ok = _ajv(tmp_path, campaign_export)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stderr == ""  # strict mode: no schema warning either
    bad = _ajv(tmp_path, _corrupt(campaign_export))
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "/steps/1/definition/roles/0/batna must be number" in bad.stdout
    assert "must NOT have additional properties" in bad.stdout


@pytest.mark.parametrize(("where", "value"), [
    (("generated_at",), "yesterday"),
    (("events", 0, "type"), "made_up"),
])
def test_times_and_event_types_are_constrained(
        campaign_export: dict[str, Any], where: tuple[str | int, ...], value: str) -> None:
    bad = copy.deepcopy(campaign_export)
    node: Any = bad
    for part in where[:-1]:
        node = node[part]
    node[where[-1]] = value
    assert _jsonschema_errors(bad)


def test_times_say_they_are_date_times() -> None:
    assert export_schema()["$defs"]["isoTime"]["format"] == "date-time"


def _emitted_types() -> set[str]:
    """Every event type the engine can write: its handlers, its log-only types and every
    type it emits (an `EventType` member, or a literal string if one slipped back in)."""
    found: set[str] = set(_HANDLERS) | set(LOG_ONLY)
    for path in Path(roleplay.engine.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "emit" and node.args):
                arg = node.args[0]
                if isinstance(arg, ast.Constant):
                    found.add(str(arg.value))
                elif isinstance(arg, ast.Attribute):
                    found.add(EventType[arg.attr].value)
    return found


def test_the_event_type_list_covers_every_event_the_engine_writes() -> None:
    listed = set(export_schema()["$defs"]["eventType"]["enum"])
    assert listed == {t.value for t in EventType}, "eventType in export.schema.json is EventType"
    missing = _emitted_types() - listed
    assert not missing, f"add {sorted(missing)} to eventType in roleplay/schemas/export.schema.json"
