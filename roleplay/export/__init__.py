"""Exports of a whole game: JSON, CSV (a zip), a spreadsheet (.xlsx) and HTML (the debrief).

`export_game(service, game, fmt=..., anonymize=...)` is what the CLI and the
web app call; `build_export` gives the JSON export as a dict (the debrief page
renders from it); `rescore_export` recomputes an export's outcomes from its
events. The format is versioned and documented in docs/export.md.
"""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

from ..service import GameService
from .build import FORMAT, FORMAT_VERSION, ExportError, build_export, iso_time
from .csvzip import export_csv
from .rescore import rescore_export
from .xlsx import export_xlsx

FORMATS = ("json", "csv", "xlsx", "html")

__all__ = [
    "FORMAT",
    "FORMATS",
    "FORMAT_VERSION",
    "ExportError",
    "build_export",
    "export_csv",
    "export_game",
    "export_json",
    "export_schema",
    "export_xlsx",
    "iso_time",
    "rescore_export",
    "shipped_schema",
]


def shipped_schema(name: str) -> dict[str, Any]:
    """One of the JSON Schemas in roleplay/schemas/: `export`, `scenario` or `campaign`."""
    text = files("roleplay").joinpath("schemas", f"{name}.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def export_schema() -> dict[str, Any]:
    """The JSON Schema of the JSON export, with the scenario and campaign schemas it refers to.

    roleplay/schemas/export.schema.json refers to them by their `$id`; here they are
    embedded under `$defs` (a compound schema document, JSON Schema 2020-12 §9.3), so
    any 2020-12 validator resolves them without being told where the files are.
    """
    schema = shipped_schema("export")
    schema["$defs"]["scenarioSchema"] = shipped_schema("scenario")
    schema["$defs"]["campaignSchema"] = shipped_schema("campaign")
    return schema


def export_json(export: dict[str, Any]) -> bytes:
    return json.dumps(export, ensure_ascii=False, indent=1, allow_nan=False).encode("utf-8")


def export_game(
    service: GameService, game: str, *, fmt: str, anonymize: bool = False, language: str = "en"
) -> bytes:
    """A game (id or join code) as JSON, a zip of CSV files, a workbook, or one HTML file
    (its report in `language`; the scenario's own text stays as written)."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format '{fmt}'; use one of {', '.join(FORMATS)}")
    export = build_export(service, game, anonymize=anonymize)
    if fmt == "json":
        return export_json(export)
    if fmt == "csv":
        return export_csv(export)
    if fmt == "xlsx":
        return export_xlsx(export)
    from ..report import render_report, rendered_in

    with rendered_in(language):
        return render_report(export).encode("utf-8")
