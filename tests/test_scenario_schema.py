"""The scenario schema teaches the format in an editor: a description on every property."""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib.resources import files
from typing import Any

import jsonschema
import pytest

from roleplay.cli import main
from roleplay.paths import scenarios_dir
from roleplay.scenario.loader import read_yaml
from roleplay.scenario.schema import campaign_schema, scenario_schema, translation_schema

SCHEMAS = {"scenario": scenario_schema, "campaign": campaign_schema,
           "translation": translation_schema}


def _properties(node: Any, where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every property of every object in a schema, with a path to name it by."""
    if isinstance(node, dict):
        for name, prop in node.get("properties", {}).items():
            yield f"{where}.{name}", prop
        for key, value in node.items():
            yield from _properties(value, f"{where}/{key}" if key != "properties" else where)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _properties(value, f"{where}[{i}]")


@pytest.mark.parametrize("kind", SCHEMAS)
def test_every_property_has_a_one_line_description_and_no_generated_title(kind: str) -> None:
    props = list(_properties(SCHEMAS[kind]()))
    assert len(props) > (80 if kind == "scenario" else 15)
    undescribed = [where for where, p in props if not p.get("description")]
    assert undescribed == []
    assert [where for where, p in props if "\n" in p["description"]] == []
    assert [where for where, p in props if "title" in p] == []


@pytest.mark.parametrize("kind", SCHEMAS)
def test_an_optional_key_shows_its_own_type_not_or_null(kind: str) -> None:
    text = json.dumps(SCHEMAS[kind]())
    assert '"null"' not in text and '"default": null' not in text


def test_the_schema_is_valid_2020_12_and_accepts_every_built_in_scenario() -> None:
    schema = scenario_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for path in sorted(scenarios_dir().glob("*.yaml")):
        data, _ = read_yaml(path.read_text(encoding="utf-8"), str(path))
        if data.get("kind") == "campaign":
            jsonschema.validate(data, campaign_schema(), cls=jsonschema.Draft202012Validator)
        elif "language" in data:  # a translation file beside its scenario
            jsonschema.validate(data, translation_schema(), cls=jsonschema.Draft202012Validator)
        else:
            assert list(validator.iter_errors(data)) == [], path
    bad = dict(data, **{"briefng": 1})
    assert list(jsonschema.Draft202012Validator(campaign_schema()).iter_errors(bad))


@pytest.mark.parametrize("kind", SCHEMAS)
def test_the_shipped_copy_is_what_roleplay_schema_prints(
        kind: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", *([f"--{kind}"] if kind != "scenario" else [])]) == 0
    printed = json.loads(capsys.readouterr().out)
    shipped = files("roleplay").joinpath("schemas", f"{kind}.schema.json").read_text("utf-8")
    assert printed == json.loads(shipped) == SCHEMAS[kind](), (
        f"run: roleplay schema{f' --{kind}' if kind != 'scenario' else ''} "
        f"> roleplay/schemas/{kind}.schema.json")
