"""The JSON Schema of the scenario and campaign formats, as editors need it.

pydantic generates it from the models; this module makes it teach: every
property keeps its one-line description, no property carries a generated title
(yaml-language-server would show "Allow || Allow" for an optional one), and an
optional value shows its own type, not "that type or null": an author omits an
optional key, never writes null. `roleplay schema` prints it; the copies in
roleplay/schemas/ are what the export schema refers to (a test keeps them equal).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from .model import Campaign, Scenario, TranslationFile

DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCENARIO_ID = "urn:roleplay:scenario-schema:1"
CAMPAIGN_ID = "urn:roleplay:campaign-schema:1"
TRANSLATION_ID = "urn:roleplay:translation-schema:1"


class _AuthoringSchema(GenerateJsonSchema):
    def field_title_should_be_set(self, schema: Any) -> bool:
        return False

    def nullable_schema(self, schema: core_schema.NullableSchema) -> JsonSchemaValue:
        return self.generate_inner(schema["schema"])


def _drop_null_defaults(node: Any) -> None:
    if isinstance(node, dict):
        if "default" in node and node["default"] is None:
            del node["default"]
        for value in node.values():
            _drop_null_defaults(value)
    elif isinstance(node, list):
        for value in node:
            _drop_null_defaults(value)


def _schema(model: type[BaseModel], schema_id: str) -> dict[str, Any]:
    body = model.model_json_schema(schema_generator=_AuthoringSchema)
    _drop_null_defaults(body)
    return {"$schema": DIALECT, "$id": schema_id, **body}


def scenario_schema() -> dict[str, Any]:
    return _schema(Scenario, SCENARIO_ID)


def campaign_schema() -> dict[str, Any]:
    return _schema(Campaign, CAMPAIGN_ID)


def translation_schema() -> dict[str, Any]:
    """A translation file beside a scenario (`<file>.<code>.yaml`)."""
    return _schema(TranslationFile, TRANSLATION_ID)
