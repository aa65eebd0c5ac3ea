"""Exports: JSON against its schema, pseudonyms, anonymising, CSV safety, rescoring, the CLI."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from roleplay.cli import main
from roleplay.driver import play_game
from roleplay.engine.commands import Actor
from roleplay.engine.state import GameState
from roleplay.errors import RoleplayError
from roleplay.export import (
    FORMAT_VERSION,
    build_export,
    export_game,
    export_schema,
    rescore_export,
)
from roleplay.export.csvzip import cell
from roleplay.scenario.loader import content_hash, load_scenario
from roleplay.scenario.resolve import resolve_source
from roleplay.service import GameService, Joined, hash_token
from roleplay.storage.db import make_engine
from roleplay.storage.eventstore import EventStore

DATA = Path(__file__).parent / "data"
XSS_NAME = "<img src=x onerror=alert(1)>"
XSS_CHAT = "</script><script>alert(1)</script>"
#: Chat lines a spreadsheet would run as formulas, and one that is only a number. (The engine
#: strips a line's leading tab or carriage return; `cell` is tested on those directly.)
FORMULAS = ('=HYPERLINK("http://x","y")', "+1+1", "@SUM(A1:A2)", "-2+3")
NEGATIVE = "-0.25"


@dataclass
class Played:
    service: GameService
    state: GameState
    tokens: list[str]
    player_ids: list[str]


def play(
    source_ref: str,
    *,
    players: int = 8,
    url: str = "sqlite://",
    chat: Callable[[GameService, GameState], None] | None = None,
) -> Played:
    """Bots play a whole game; the first bot is called XSS_NAME; tokens are kept."""
    service = GameService(EventStore(make_engine(url)))
    joined: list[Joined] = []
    real_join = service.join

    def join(code: str, name: str) -> Joined:
        j = real_join(code, XSS_NAME if not joined else name)
        joined.append(j)
        return j

    service.join = join  # type: ignore[method-assign]
    state = play_game(
        service,
        resolve_source(source_ref),
        players=players,
        seed=1,
        on_phase=(lambda s: chat(service, s)) if chat else None,
    )
    return Played(service, state, [j.token for j in joined], [j.player_id for j in joined])


def say_things(service: GameService, state: GameState) -> None:
    """Once, in the first phase: an XSS line, formula lines, a number, and a name."""
    if state.phase_index != 0 or state.step != 0:
        return
    by_name = {p.name: p.id for p in state.players.values()}
    actor = Actor("player", by_name[XSS_NAME])
    for text in (XSS_CHAT, *FORMULAS, NEGATIVE, "Thanks Bot 2, and bot 3!"):
        service.execute(state.setup.game_id, actor, "chat", {"channel": "team", "text": text})


@pytest.fixture(scope="module")
def four() -> Played:
    return play(str(DATA / "four-roles.yaml"), chat=say_things)


@pytest.fixture(scope="module")
def campaign() -> Played:
    return play("campaign-2010-2016")


def _zip_texts(data: bytes) -> dict[str, str]:
    z = zipfile.ZipFile(io.BytesIO(data))
    return {name: z.read(name).decode("utf-8-sig") for name in z.namelist()}


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


# -- JSON ---------------------------------------------------------------------------------


@pytest.mark.parametrize("game", ["four", "campaign"])
def test_a_real_export_validates_against_the_shipped_schema(
    game: str, request: pytest.FixtureRequest
) -> None:
    played: Played = request.getfixturevalue(game)
    data = json.loads(export_game(played.service, played.state.setup.game_id, fmt="json"))
    jsonschema.Draft202012Validator.check_schema(export_schema())
    jsonschema.validate(data, export_schema(), cls=jsonschema.Draft202012Validator)
    assert data["format_version"] == FORMAT_VERSION
    # the schema is not a formality: a broken export fails it
    broken = json.loads(json.dumps(data))
    broken["events"][0]["actor"] = played.player_ids[0]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, export_schema(), cls=jsonschema.Draft202012Validator)


def test_the_export_holds_the_scenarios_their_hashes_and_every_event(campaign: Played) -> None:
    setup = campaign.state.setup
    data = build_export(campaign.service, setup.code)  # a join code works as well as the id
    assert data["game"]["id"] == setup.game_id and data["game"]["seed"] == setup.seed
    assert setup.campaign is not None
    assert data["campaign"]["id"] == setup.campaign.id
    assert data["campaign"]["content_hash"] == content_hash(setup.campaign)
    assert [s["scenario"]["id"] for s in data["steps"]] == [sc.id for sc in setup.scenarios]
    for step, sc in zip(data["steps"], setup.scenarios, strict=True):
        assert step["scenario"]["content_hash"] == content_hash(sc)
        assert step["scenario"]["version"] == sc.version
        assert step["definition"]["id"] == sc.id
        assert step["outcomes"]["tables"], "every step of a finished campaign has outcomes"
    log = campaign.service.log(setup.game_id)
    assert [e["seq"] for e in data["events"]] == [e.seq for e in log]
    assert [e["type"] for e in data["events"]] == [e.type for e in log]
    assert {e["step"] for e in data["events"]} == {0, 1, 2}
    first = data["events"][0]
    assert first["time"].endswith("Z") and first["at"] == log[0].at


def test_players_get_stable_pseudonyms_and_keep_their_names(four: Played) -> None:
    game_id = four.state.setup.game_id
    data = build_export(four.service, game_id)
    again = build_export(four.service, game_id)
    assert [p["id"] for p in data["players"]] == [f"P{i:02d}" for i in range(1, 9)]
    assert data["players"] == again["players"]
    assert data["players"][0]["name"] == XSS_NAME
    text = json.dumps(data)
    for pid in four.player_ids:
        assert pid not in text
    joined = [e for e in data["events"] if e["type"] == "player_joined"]
    assert [e["payload"]["player"] for e in joined] == [p["id"] for p in data["players"]]
    chats = [e for e in data["events"] if e["type"] == "chat" and e["actor"] == "P01"]
    assert chats and all(e["payload"]["name"] == XSS_NAME for e in chats)


def test_anonymize_drops_names_in_every_format(four: Played) -> None:
    game_id = four.state.setup.game_id
    data = build_export(four.service, game_id, anonymize=True)
    assert data["anonymized"] is True
    assert all("name" not in p for p in data["players"])
    chats = [e["payload"]["text"] for e in data["events"] if e["type"] == "chat"]
    assert "Thanks P02, and P03!" in chats  # names inside free text become pseudonyms too
    names = [p.name for p in four.state.players.values()]
    for fmt in ("json", "csv", "html"):
        blob = export_game(four.service, game_id, fmt=fmt, anonymize=True)
        text = "".join(_zip_texts(blob).values()) if fmt == "csv" else blob.decode("utf-8")
        for name in names:
            assert name not in text, (fmt, name)
    html = export_game(four.service, game_id, fmt="html", anonymize=True).decode()
    assert "img src=x onerror" not in html.replace("&lt;", "<").replace("&gt;", ">")


def test_no_token_or_raw_player_id_in_any_export(four: Played) -> None:
    game_id = four.state.setup.game_id
    secrets = four.tokens + [hash_token(t) for t in four.tokens] + four.player_ids
    assert len(four.tokens) == 8
    for fmt in ("json", "csv", "html"):
        for anonymize in (False, True):
            blob = export_game(four.service, game_id, fmt=fmt, anonymize=anonymize)
            text = "".join(_zip_texts(blob).values()) if fmt == "csv" else blob.decode("utf-8")
            for secret in secrets:
                assert secret not in text, (fmt, anonymize)


# -- CSV ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+1+1", "'+1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-0.25", "-0.25"),
        ("+3", "+3"),
        ("-1e-05", "-1e-05"),
        (-0.25, "-0.25"),
        (3, "3"),
        (None, ""),
        (True, "true"),
        ("plain", "plain"),
    ],
)
def test_cells_neutralise_formulas_but_keep_numbers(value: Any, expected: str) -> None:
    assert cell(value) == expected


def test_csv_zip_opens_in_a_spreadsheet_safely(four: Played) -> None:
    blob = export_game(four.service, four.state.setup.game_id, fmt="csv")
    z = zipfile.ZipFile(io.BytesIO(blob))
    assert set(z.namelist()) == {"events.csv", "outcomes.csv", "players.csv"}
    for name in z.namelist():
        assert z.read(name).startswith(b"\xef\xbb\xbf"), name  # UTF-8 with BOM
    texts = _zip_texts(blob)
    events = _rows(texts["events.csv"])
    assert len(events) == len(four.service.log(four.state.setup.game_id))
    chat = [r["text"] for r in events if r["type"] == "chat" and r["actor"] == "P01"]
    for formula in FORMULAS:
        assert "'" + formula in chat, formula
        assert formula not in chat
    assert NEGATIVE in chat and "'" + NEGATIVE not in chat
    assert XSS_CHAT in chat
    for r in events:
        for v in r.values():
            assert not v.startswith(("=", "+", "@", "\t", "\r")) or v.startswith("'"), v

    outcomes = _rows(texts["outcomes.csv"])
    assert len(outcomes) == len(four.state.tables)
    for column in (
        "outcome",
        "deal",
        "type",
        "T",
        "OO",
        "CG",
        "CD",
        "EI",
        "PD",
        "E_J",
        "PO",
        "DP_eu",
        "OP_eu",
        "DP_government",
        "OP_government",
        "concession_eu",
        "points_eu",
        "utility_eu",
        "score_eu",
        "percentile_eu",
        "score_lobbyist",
    ):
        assert column in outcomes[0], column
    numeric = (
        "T",
        "PD",
        "E_J",
        "utility_eu",
        "utility_government",
        "adjust_eu",
        "adjust_government",
        "batna_after_government",
    )
    for row in outcomes:
        for column in numeric:
            float(row[column])  # numbers stay numbers, negative ones too
    scores = build_export(four.service, four.state.setup.game_id)["steps"][0]["outcomes"]["tables"]
    assert [float(r["utility_eu"]) for r in outcomes] == [
        next(x["utility"] for x in t["roles"] if x["role"] == "eu") for t in scores
    ]


def test_csv_of_a_campaign_has_a_row_per_table_per_step_and_keeps_negative_numbers(campaign: Played) -> None:
    texts = _zip_texts(export_game(campaign.service, campaign.state.setup.game_id, fmt="csv"))
    outcomes = _rows(texts["outcomes.csv"])
    tables = len(campaign.state.tables)
    assert [r["step"] for r in outcomes] == [str(s) for s in range(3) for _ in range(tables)]
    negatives = [v for r in outcomes for v in r.values() if v.startswith("-")]
    assert negatives, "the campaign's costs and residuals give negative numbers"
    for v in negatives:
        float(v)


# -- rescoring ----------------------------------------------------------------------------


@pytest.mark.parametrize("game", ["four", "campaign"])
def test_rescoring_an_export_gives_its_outcomes(game: str, request: pytest.FixtureRequest) -> None:
    played: Played = request.getfixturevalue(game)
    for anonymize in (False, True):
        data = json.loads(
            export_game(played.service, played.state.setup.game_id, fmt="json", anonymize=anonymize)
        )
        result = rescore_export(data)
        assert result["matches"] is True, result["differences"]
        assert result["differences"] == []
        assert [s["outcomes"] for s in result["outcomes"]] == [s["outcomes"] for s in data["steps"]]


def _tamper_deal(data: dict[str, Any]) -> None:
    settled = next(
        e for e in data["events"] if e["type"] == "table_settled" and e["payload"]["outcome"] == "deal"
    )
    scenario = data["steps"][settled["step"]]["definition"]
    package = dict(settled["payload"]["package"])
    for issue in scenario["issues"]:
        others = [o["id"] for o in issue["options"] if o["id"] != package[issue["id"]]]
        package[issue["id"]] = others[0]
    settled["payload"]["package"] = package


def test_rescoring_detects_a_tampered_event(four: Played) -> None:
    data = json.loads(export_game(four.service, four.state.setup.game_id, fmt="json"))
    _tamper_deal(data)
    result = rescore_export(data)
    assert result["matches"] is False
    paths = [d["path"] for d in result["differences"]]
    assert any(p.startswith("steps[0].outcomes.tables") for p in paths), paths
    assert any(p.startswith("steps[0].records") for p in paths), paths

    shifted = json.loads(export_game(four.service, four.state.setup.game_id, fmt="json"))
    effect = next(e for e in shifted["events"] if e["type"] == "private_effect")
    role = effect["payload"]["role"]
    effect["payload"]["effects"]["batna"] = {role: 17.0}
    assert rescore_export(shifted)["matches"] is False

    unreadable = json.loads(export_game(four.service, four.state.setup.game_id, fmt="json"))
    unreadable["events"] = [e for e in unreadable["events"] if e["type"] != "player_joined"]
    broken = rescore_export(unreadable)
    assert broken["matches"] is False and broken["differences"][0]["path"] == "events"


def test_rescoring_refuses_what_is_not_an_export() -> None:
    with pytest.raises(RoleplayError, match="not a roleplay export"):
        rescore_export({"events": []})
    with pytest.raises(RoleplayError, match="version 99"):
        rescore_export({"format": "roleplay-export", "format_version": 99})


# -- the command line -------------------------------------------------------------------


def test_cli_exports_and_rescores_from_a_database_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'class.db'}"
    played = play(str(DATA / "four-roles.yaml"), url=url)
    code = played.state.setup.code
    out = tmp_path / "game.json"
    assert main(["export", code, "--format", "json", "--out", str(out), "--db", url]) == 0
    assert main(["score", str(out)]) == 0
    printed = capsys.readouterr().out
    assert '"matches": true' in printed
    for fmt, magic in (("csv", b"PK"), ("html", b"<!DOCTYPE html>")):
        path = tmp_path / f"game.{fmt}"
        assert (
            main(
                [
                    "export",
                    played.state.setup.game_id,
                    "--format",
                    fmt,
                    "--out",
                    str(path),
                    "--anonymize",
                    "--db",
                    url,
                ]
            )
            == 0
        )
        assert path.read_bytes().startswith(magic)

    data = json.loads(out.read_text(encoding="utf-8"))
    _tamper_deal(data)
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(data), encoding="utf-8")
    assert main(["score", str(tampered)]) == 1
    assert '"matches": false' in capsys.readouterr().out

    assert main(["export", "NOSUCHGAME", "--db", url]) == 1
    assert "No game with id or join code" in capsys.readouterr().err
    with pytest.raises(RoleplayError, match="unknown export format"):
        export_game(played.service, code, fmt="pdf")


def test_a_scenario_file_is_not_needed_to_rescore(four: Played, tmp_path: Path) -> None:
    data = json.loads(export_game(four.service, four.state.setup.game_id, fmt="json"))
    assert data["steps"][0]["definition"] == load_scenario(DATA / "four-roles.yaml").model_dump(
        mode="json", exclude_none=True)
    moved = tmp_path / "elsewhere.json"
    moved.write_text(json.dumps(data), encoding="utf-8")
    assert main(["score", str(moved)]) == 0


def test_the_html_export_is_in_the_chosen_language_and_english_by_default(four: Played) -> None:
    game_id = four.state.setup.game_id
    english = export_game(four.service, game_id, fmt="html").decode()
    russian = export_game(four.service, game_id, fmt="html", language="ru").decode()
    assert "Differentiation map" in english and "Карта дифференциации" not in english
    assert "Карта дифференциации" in russian and ">Differentiation map<" not in russian
    assert 'lang="ru"' in russian
    # the scenario's own text stays as written
    assert four.state.scenario.title in russian
