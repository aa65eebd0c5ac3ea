"""The spreadsheet export: one .xlsx workbook with the CSV export's three tables as sheets.

LibreOffice opens a CSV file with its own default character set, whatever the
byte-order mark says, and garbles every non-ASCII name (İlham Əliyev); a
workbook carries its text as Unicode, so it opens the same everywhere. The rows
are the CSV export's (`csvzip`); XlsxWriter writes them. Every text is written
as text, never as a formula or a link, and numbers as numbers.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import xlsxwriter

from .csvzip import EVENT_COLUMNS, event_rows, outcome_rows, player_columns

#: Excel's limit on one cell's text.
MAX_CELL_TEXT = 32_767
#: Columns are sized to their content up to this many characters.
MAX_WIDTH = 60


def _text(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= MAX_CELL_TEXT else text[: MAX_CELL_TEXT - 1] + "…"


def _sheet(book: Any, name: str, columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> None:
    sheet = book.add_worksheet(name)
    bold = book.add_format({"bold": True})
    widths = [len(c) for c in columns]
    for j, column in enumerate(columns):
        sheet.write_string(0, j, column, bold)
    for i, row in enumerate(rows, start=1):
        for j, column in enumerate(columns):
            value = row.get(column)
            if value is None:
                continue
            if isinstance(value, bool):
                sheet.write_boolean(i, j, value)
            elif isinstance(value, int | float):
                sheet.write_number(i, j, value)
            else:
                text = _text(value)
                sheet.write_string(i, j, text)
                widths[j] = max(widths[j], min(len(text), MAX_WIDTH))
    for j, width in enumerate(widths):
        sheet.set_column(j, j, min(max(width, 8), MAX_WIDTH) + 1)
    sheet.freeze_panes(1, 0)
    if rows:
        sheet.autofilter(0, 0, len(rows), len(columns) - 1)


def export_xlsx(export: Mapping[str, Any]) -> bytes:
    """The workbook for a JSON export: sheets events, outcomes and players (docs/export.md)."""
    buf = io.BytesIO()
    options = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
               "strings_to_numbers": False}
    book = xlsxwriter.Workbook(buf, options)
    created = datetime.fromisoformat(str(export["generated_at"]).replace("Z", "+00:00"))
    book.set_properties({"title": f"roleplay export: {export['game']['title']}",
                         "created": created.replace(tzinfo=None)})
    outcomes = outcome_rows(export)
    players = list(export["players"])
    _sheet(book, "events", EVENT_COLUMNS, event_rows(export))
    _sheet(book, "outcomes", list(dict.fromkeys(k for r in outcomes for k in r)) or ["step", "table"],
           outcomes)
    _sheet(book, "players", player_columns(players), players)
    book.close()
    return buf.getvalue()
