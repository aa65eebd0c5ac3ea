"""Threat model (docs/security.md), exports and stored data: threats 4 (exports), 8 (HTML
export), 9 (CSV formulas) and 20 (privacy: no IPs, user agents or tokens; --anonymize; purge)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from roleplay.cli import main as cli
from roleplay.engine.commands import Actor
from roleplay.export import export_game
from roleplay.scenario.model import Scenario
from roleplay.service import GameService
from roleplay.storage.db import make_engine
from roleplay.storage.eventstore import EventStore
from roleplay.storage.tables import EventRow, GameRow, PlayerTokenRow
from support.web import SECRETS

FORMULAS = ['=HYPERLINK("http://e.vil","x")', "+SUM(1+1)", "-2+3+cmd|' /C calc'!A0",
            "@SUM(1)", "=1+2", "\t=tab", "\r=cr"]
NAMES = ["Zebediah Quux", "Ottoline Vree", '=HYPERLINK("http://e.vil")', "@Mallory",
         "<img src=x onerror=alert(1)>"]
UA = "EvilBrowser/6.6 (tracking-me)"
IP = "10.66.77.88"
PACKAGE = {"rights": "clause", "energy": "joint"}


def _play(app: Flask, service: GameService, scenario: Scenario) -> tuple[str, list[dict[str, Any]]]:
    gid = service.create_game(scenario, seed=5).setup.game_id
    code = service.state(gid).setup.code
    c = app.test_client()
    players = []
    for n in NAMES[:4]:
        r = c.post("/api/join", json={"code": code, "name": n},
                   headers={"User-Agent": UA}, environ_base={"REMOTE_ADDR": IP})
        assert r.status_code == 200, r.get_json()
        players.append(r.get_json())
    teacher = Actor("instructor")
    service.execute(gid, teacher, "start")
    service.execute(gid, teacher, "advance")
    st = service.state(gid)
    seat = {st.players[p["player_id"]].role: p["player_id"] for p in players}
    for text in FORMULAS:
        service.execute(gid, Actor("player", seat["eu"]), "chat",
                        {"channel": "official", "text": text + " " + NAMES[4]})
    (prop,) = service.execute(gid, Actor("player", seat["eu"]), "propose", {"package": PACKAGE})
    service.execute(gid, teacher, "advance")
    service.execute(gid, Actor("player", seat["government"]), "sign", {"proposal": prop.seq})
    service.execute(gid, Actor("player", seat["eu"]), "sign", {"proposal": prop.seq})
    service.execute(gid, teacher, "advance")
    service.execute(gid, teacher, "release_results")
    service.execute(gid, teacher, "end")
    return gid, players


def _csv_cells(data: bytes) -> list[tuple[str, str]]:
    out = []
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            text = z.read(name).decode("utf-8-sig")
            for row in csv.reader(io.StringIO(text)):
                out += [(name, cell) for cell in row]
    return out


def test_csv_cells_never_start_a_formula(app: Flask, web_service: GameService,
                                         four_secrets: Scenario) -> None:
    gid, _ = _play(app, web_service, four_secrets)
    for anonymize in (False, True):
        cells = _csv_cells(export_game(web_service, gid, fmt="csv", anonymize=anonymize))
        assert len(cells) > 50
        texts = [c for _, c in cells]
        for f in FORMULAS:  # the text is kept, only defused
            assert any(f.strip() in t for t in texts), f
        for name, cell in cells:
            if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
                float(cell)  # only numbers (like -2.5) may start so
                assert cell.lstrip("-+").replace(".", "", 1).replace("e", "", 1).isdigit(), (
                    name, cell)


def test_exports_hold_no_ip_user_agent_or_token(app: Flask, web_service: GameService,
                                                four_secrets: Scenario,
                                                instructor: FlaskClient) -> None:
    gid, players = _play(app, web_service, four_secrets)
    forbidden = [IP, UA, "EvilBrowser"]
    for p in players:
        forbidden += [p["token"], hashlib.sha256(p["token"].encode()).hexdigest()]
    for fmt in ("json", "csv", "html"):
        for anonymize in ("0", "1"):
            r = instructor.get(f"/instructor/games/{gid}/export.{fmt}?anonymize={anonymize}")
            assert r.status_code == 200
            blob = r.data
            if fmt == "csv":
                with zipfile.ZipFile(io.BytesIO(blob)) as z:
                    blob = b"".join(z.read(n) for n in z.namelist())
            text = blob.decode("utf-8")
            for needle in forbidden:
                assert needle not in text, (fmt, anonymize, needle[:12])
            assert "remote_addr" not in text.lower() and "user-agent" not in text.lower()
    # nor does the database keep them: tokens only as hashes, no addresses at all
    with Session(web_service.store.engine) as s:
        rows = [json.dumps(r.model_dump()) for table in (EventRow, GameRow, PlayerTokenRow)
                for r in s.exec(select(table)).all()]
    dump = "\n".join(rows)
    assert IP not in dump and UA not in dump
    assert all(p["token"] not in dump for p in players)


def test_anonymize_replaces_every_name(app: Flask, web_service: GameService,
                                       four_secrets: Scenario) -> None:
    gid, players = _play(app, web_service, four_secrets)
    plain = export_game(web_service, gid, fmt="json").decode()
    assert "Zebediah Quux" in plain
    for fmt in ("json", "csv", "html"):
        data = export_game(web_service, gid, fmt=fmt, anonymize=True)
        if fmt == "csv":
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                data = b"".join(z.read(n) for n in z.namelist())
        text = data.decode("utf-8")
        for name in ("Zebediah", "Quux", "Ottoline", "Vree", "Mallory"):
            assert name not in text, (fmt, name)
        for p in players:
            assert p["player_id"] not in text, (fmt, "player ids are pseudonymised too")


def test_the_instructor_export_holds_secrets_but_students_cannot_fetch_it(
        app: Flask, web_service: GameService, four_secrets: Scenario,
        instructor: FlaskClient) -> None:
    gid, _ = _play(app, web_service, four_secrets)
    full = instructor.get(f"/instructor/games/{gid}/export.json").get_data(as_text=True)
    assert SECRETS["eu"]["marker"] in full or "37.173" in full  # the debrief needs them
    student = app.test_client()
    student.post("/api/join", json={"code": "ZZZZZ", "name": "Curious"})
    for fmt in ("json", "csv", "html"):
        r = student.get(f"/instructor/games/{gid}/export.{fmt}")
        assert r.status_code == 302 and "/instructor/login" in r.headers["Location"]


def test_purge_deletes_old_games_and_everything_in_them(tmp_path: Path,
                                                        four_secrets: Scenario) -> None:
    url = f"sqlite:///{tmp_path / 'purge.db'}"
    engine = make_engine(url)
    days = 86400.0
    import time

    now = time.time()
    old = GameService(EventStore(engine), clock=lambda: now - 40 * days)
    new = GameService(EventStore(engine), clock=lambda: now - 5 * days)
    old_id = old.create_game(four_secrets).setup.game_id
    old.join(old.state(old_id).setup.code, "Old Student")
    new_id = new.create_game(four_secrets).setup.game_id
    new.join(new.state(new_id).setup.code, "New Student")
    assert cli(["purge", "--older-than", "30", "--db", url]) == 0
    with Session(engine) as s:
        assert [g.id for g in s.exec(select(GameRow)).all()] == [new_id]
        assert {e.game_id for e in s.exec(select(EventRow)).all()} == {new_id}
        assert {t.game_id for t in s.exec(select(PlayerTokenRow)).all()} == {new_id}
    assert cli(["purge", "--older-than", "1", "--db", url]) == 0
    with Session(engine) as s:
        assert s.exec(select(GameRow)).all() == []
        assert s.exec(select(EventRow)).all() == []
    engine.dispose()


@pytest.mark.parametrize("days", ["-1", "abc"])
def test_purge_refuses_nonsense(tmp_path: Path, days: str) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    with pytest.raises(SystemExit):
        cli(["purge", "--older-than", days, "--db", url])
