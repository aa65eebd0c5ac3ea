"""The spreadsheet export opens in LibreOffice with every name intact; events.csv titles.

The LibreOffice test converts the workbook back to CSV with `soffice --headless`
(every sheet, UTF-8) and reads it: skipped where LibreOffice is not installed, except
in CI (CI=true or ROLEPLAY_REQUIRE_SERVICES=1), where its absence is a failure:
scripts/test.sh installs it there.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest

from roleplay.cli import main
from roleplay.engine.commands import INSTRUCTOR_ACTOR
from roleplay.export import build_export, export_csv, export_xlsx
from roleplay.scenario.resolve import resolve_source
from roleplay.service import GameService
from roleplay.storage.db import make_engine
from roleplay.storage.eventstore import EventStore

NAMES = ["İlham Əliyev", "Мария Иванова", "Zoë Ødegård", "=1+1 李雷"]
#: soffice's CSV filter: comma, double quote, UTF-8 (76), from row 1, ..., every sheet (-1)
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
#: in CI the LibreOffice test must run: a missing soffice fails it instead of skipping it
MUST_RUN = os.environ.get("CI") == "true" or os.environ.get("ROLEPLAY_REQUIRE_SERVICES") == "1"


def _soffice() -> str:
    """LibreOffice's command (Debian installs it as both soffice and libreoffice)."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        why = "LibreOffice (soffice) is not installed"
        if MUST_RUN:
            pytest.fail(f"{why}; CI must run this test (scripts/test.sh installs "
                        "libreoffice-calc-nogui)")
        pytest.skip(why)
    return found


@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, Any]]:
    """A game of the Association Agreement joined under non-ASCII names, run to its end."""
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'game.db'}"
    service = GameService(EventStore(make_engine(url)))
    state = service.create_game(resolve_source("association-agreement"), seed=3)
    game_id = state.setup.game_id
    for name in NAMES:
        service.join(state.setup.code, name)
    service.execute(game_id, INSTRUCTOR_ACTOR, "start")
    while service.state(game_id).status != "finished":
        service.execute(game_id, INSTRUCTOR_ACTOR, "advance")
    return url, build_export(service, game_id)


def test_the_workbook_has_the_three_tables_as_sheets(played: tuple[str, dict[str, Any]]) -> None:
    book = zipfile.ZipFile(io.BytesIO(export_xlsx(played[1])))
    workbook = book.read("xl/workbook.xml").decode()
    assert [s in workbook for s in ('name="events"', 'name="outcomes"', 'name="players"')] == [
        True] * 3
    strings = book.read("xl/sharedStrings.xml").decode()
    assert all(name in strings for name in NAMES)
    sheets = "".join(book.read(n).decode() for n in book.namelist() if n.startswith("xl/worksheets/"))
    assert "<f>" not in sheets  # '=1+1 李雷' is text, not a formula


def test_the_cli_writes_a_workbook(played: tuple[str, dict[str, Any]], tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    url, export = played
    out = tmp_path / "game.xlsx"
    assert main(["export", export["game"]["code"], "--format", "xlsx", "--db", url,
                 "--out", str(out)]) == 0
    assert zipfile.is_zipfile(out) and "xl/workbook.xml" in zipfile.ZipFile(out).namelist()


def test_libreoffice_opens_the_workbook_with_non_ascii_names_intact(
        played: tuple[str, dict[str, Any]], tmp_path: Path) -> None:
    soffice = _soffice()
    export = played[1]
    book = tmp_path / "game.xlsx"
    book.write_bytes(export_xlsx(export))
    profile = (tmp_path / "profile").as_uri()  # its own profile: no clash with another soffice
    run = subprocess.run(
        [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", CSV_FILTER,
         "--outdir", str(tmp_path), str(book)],
        capture_output=True, text=True, timeout=180, check=False)
    assert run.returncode == 0, run.stdout + run.stderr

    def sheet(name: str) -> list[dict[str, str]]:
        text = (tmp_path / f"game-{name}.csv").read_text(encoding="utf-8")
        return list(csv.DictReader(io.StringIO(text, newline="")))

    players = sheet("players")
    assert [p["name"] for p in players] == NAMES
    joined = [e["name"] for e in sheet("events") if e["type"] == "player_joined"]
    assert joined == NAMES
    outcomes = sheet("outcomes")
    tables = export["steps"][0]["outcomes"]["tables"]
    assert len(outcomes) == len(tables) >= 1
    for row, table in zip(outcomes, tables, strict=True):
        for r in table["roles"]:  # numbers come back as the same numbers
            assert float(row[f"utility_{r['role']}"]) == pytest.approx(r["utility"])


def test_events_csv_text_of_a_card_is_its_title_as_export_md_says(
        played: tuple[str, dict[str, Any]]) -> None:
    export = played[1]
    files = zipfile.ZipFile(io.BytesIO(export_csv(export)))
    rows = list(csv.DictReader(io.StringIO(files.read("events.csv").decode("utf-8-sig"))))
    fired = [r for r in rows if r["type"] == "event_fired"]
    assert fired
    for r in fired:
        payload = json.loads(r["payload"])
        assert r["text"] == payload["title"] != payload["text"]
