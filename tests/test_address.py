"""Where students join: the address `serve` prints and the join link and QR code carry."""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from roleplay import cli
from roleplay.scenario.model import Scenario
from roleplay.service import GameService
from roleplay.settings import Settings
from roleplay.web import create_app
from roleplay.web.address import PROBES, join_address, lan_address
from support.web import PASSWORD, SECRET_KEY, free_port, instructor_socket, received


class FakeUdp:
    """A UDP socket that records where it was connected; it has no way to send anything."""

    def __init__(self, routes: dict[str, str], log: list[tuple[str, int]]):
        self.routes = routes
        self.log = log
        self.target = ""

    def connect(self, address: tuple[str, int]) -> None:
        self.log.append(address)
        if address[0] not in self.routes:
            raise OSError(101, "Network is unreachable")
        self.target = address[0]

    def getsockname(self) -> tuple[str, int]:
        return self.routes[self.target], 40000

    def close(self) -> None:
        pass


def _fake(routes: dict[str, str]) -> tuple[Any, list[tuple[str, int]]]:
    log: list[tuple[str, int]] = []
    return (lambda: FakeUdp(routes, log)), log


def test_the_lan_address_is_the_default_route_source_and_nothing_is_sent() -> None:
    make, log = _fake({PROBES[0]: "192.168.1.23"})
    assert lan_address(make) == "192.168.1.23"
    assert log == [(PROBES[0], 9)]  # connect() only: FakeUdp has no send at all


def test_a_network_without_a_default_route_is_found_through_another_private_range() -> None:
    make, log = _fake({PROBES[2]: "192.168.4.7"})
    assert lan_address(make) == "192.168.4.7"
    assert [target for target, _ in log] == list(PROBES)


@pytest.mark.parametrize("source", ["127.0.0.1", "169.254.3.4", "0.0.0.0"])
def test_loopback_and_link_local_sources_are_not_a_lan_address(source: str) -> None:
    make, _ = _fake(dict.fromkeys(PROBES, source))
    assert lan_address(make) is None


def test_the_real_probe_gives_a_usable_address_or_none() -> None:
    found = lan_address()
    assert found is None or not found.startswith(("127.", "169.254."))


def test_listening_everywhere_gives_the_lan_address() -> None:
    a = join_address("0.0.0.0", 5000, lan=lambda: "10.0.0.12")
    assert (a.base, a.reachable, a.warning) == ("http://10.0.0.12:5000", True, None)
    assert a.url("K7MQ4") == "http://10.0.0.12:5000/join/K7MQ4"


def test_listening_everywhere_without_a_network_warns() -> None:
    a = join_address("::", 5000, lan=lambda: None)
    assert not a.reachable and a.base == "http://127.0.0.1:5000"
    assert a.warning and "Phones cannot reach this address" in a.warning


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_loopback_only_warns_and_says_how_to_restart(host: str) -> None:
    a = join_address(host, 5123, lan=lambda: pytest.fail("no probe for a loopback server"))
    assert not a.reachable and a.source == "loopback"
    assert a.warning and "Phones cannot reach this address" in a.warning
    assert "--host 0.0.0.0 --port 5123" in a.warning


def test_a_named_address_and_a_public_url_are_used_as_given() -> None:
    assert join_address("192.168.0.5", 80).base == "http://192.168.0.5:80"
    a = join_address("127.0.0.1", 5001, "https://roleplay.example.edu/seminar")
    assert (a.base, a.reachable, a.warning) == ("https://roleplay.example.edu/seminar", True, None)


@pytest.mark.parametrize("url", ["ftp://example.edu", "example.edu", "https://x.edu/?a=1",
                                 "https://user@x.edu", "https://x.edu:port"])
def test_a_malformed_public_url_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="public URL"):
        Settings(public_url=url)


def test_the_public_url_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROLEPLAY_PUBLIC_URL", "https://roleplay.example.edu/")
    assert Settings.from_env().public_url == "https://roleplay.example.edu"


def _serve_settings(monkeypatch: pytest.MonkeyPatch, argv: list[str]) -> Settings:
    got: list[Settings] = []
    monkeypatch.setattr("roleplay.web.server.serve", lambda s: got.append(s) or 0)
    args = cli.build_parser().parse_args(["serve", *argv])
    assert isinstance(args, argparse.Namespace)
    assert cli.cmd_serve(args) == 0
    return got[0]


def test_serve_listens_on_every_interface_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ROLEPLAY_HOST", raising=False)
    assert _serve_settings(monkeypatch, []).host == "0.0.0.0"
    assert _serve_settings(monkeypatch, ["--host", "127.0.0.1"]).host == "127.0.0.1"
    monkeypatch.setenv("ROLEPLAY_HOST", "192.168.7.7")
    assert _serve_settings(monkeypatch, []).host == "192.168.7.7"
    got = _serve_settings(monkeypatch, ["--public-url", "https://r.example.edu"])
    assert got.public_url == "https://r.example.edu"


def _app(web_service: GameService, **settings: Any) -> Flask:
    s = Settings(database_url="sqlite://", async_mode="threading", testing=True,
                 secret_key=SECRET_KEY, instructor_password=PASSWORD, port=5055, **settings)
    return create_app(s, service=web_service)


def _login(app: Flask) -> FlaskClient:
    c = app.test_client()
    assert c.post("/api/login", json={"password": PASSWORD}).status_code == 200
    return c


def test_a_loopback_server_shows_its_address_in_red_with_the_fix(
        web_service: GameService, four_secrets: Scenario) -> None:
    app = _app(web_service, host="127.0.0.1")
    teacher = _login(app)
    state = web_service.create_game(four_secrets)
    gid, code = state.setup.game_id, state.setup.code
    page = teacher.get(f"/instructor/games/{gid}").get_data(as_text=True)
    assert f"http://127.0.0.1:5055/join/{code}" in page
    assert 'class="join-warning"' in page and "Phones cannot reach this address" in page
    assert "http://localhost/join" not in page  # not the host the browser used
    sock = instructor_socket(app, gid, teacher)
    view = received(sock, "sync")[0]["view"]
    assert view["join"]["url"] == f"http://127.0.0.1:5055/join/{code}"
    assert view["join"]["reachable"] is False and "--host 0.0.0.0" in view["join"]["warning"]


def test_the_join_link_and_qr_code_everywhere_carry_the_lan_address(
        web_service: GameService, four_secrets: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("roleplay.web.address.lan_address", lambda: "192.168.1.23")
    app = _app(web_service, host="0.0.0.0")
    teacher = _login(app)
    made = teacher.post("/api/games", json={"ref": "builtin:association-agreement"}).get_json()
    gid, code = made["game_id"], made["code"]
    url = f"http://192.168.1.23:5055/join/{code}"
    assert made["join_url"] == url
    for path in (f"/instructor/games/{gid}", f"/projector/{gid}"):
        page = teacher.get(path, base_url="http://localhost:5055").get_data(as_text=True)
        assert url in page and "join-warning" not in page
    svg = teacher.get(f"/instructor/games/{gid}/qr.svg").get_data(as_text=True)
    assert svg.startswith("<svg")
    from roleplay.web import qr

    with app.test_request_context():
        assert qr.svg(url) == svg  # the QR code encodes exactly that address
    sock = instructor_socket(app, gid, teacher)
    assert received(sock, "sync")[0]["view"]["join"] == {
        "url": url, "base": "http://192.168.1.23:5055", "reachable": True, "source": "lan",
        "warning": None}


def test_a_public_url_is_the_join_address(web_service: GameService,
                                          four_secrets: Scenario) -> None:
    app = _app(web_service, host="127.0.0.1", public_url="https://roleplay.example.edu")
    teacher = _login(app)
    state = web_service.create_game(four_secrets)
    page = teacher.get(f"/instructor/games/{state.setup.game_id}").get_data(as_text=True)
    assert f"https://roleplay.example.edu/join/{state.setup.code}" in page
    assert "join-warning" not in page


def _first_lines(cmd: list[str], log: Path, wanted: int, timeout: float = 30) -> list[str]:
    """Start `roleplay serve`, read its first `wanted` lines, then stop it."""
    env = {"ROLEPLAY_INSTRUCTOR_PASSWORD": PASSWORD, "ROLEPLAY_SECRET_KEY": SECRET_KEY,
           "PATH": "/usr/bin:/bin"}
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            lines = log.read_text(errors="replace").splitlines()
            if len(lines) >= wanted:
                return lines
            assert proc.poll() is None, log.read_text(errors="replace")
            time.sleep(0.1)
        pytest.fail(f"no output: {log.read_text(errors='replace')}")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.parametrize("mode", ["eventlet", "threading"])
def test_serve_prints_where_students_join(tmp_path: Path, mode: str) -> None:
    port = free_port()
    base = [sys.executable, "-m", "roleplay.cli", "serve", "--port", str(port),
            "--db", f"sqlite:///{tmp_path / 'r.db'}", "--async-mode", mode]
    lines = _first_lines([*base, "--host", "127.0.0.1"], tmp_path / "a.log", 3)
    students = next(line for line in lines if "students" in line)
    assert f"http://127.0.0.1:{port}/" in students
    assert "Phones cannot reach this address" in students and "--host 0.0.0.0" in students
    lines = _first_lines([*base, "--host", "127.0.0.1", "--public-url", "https://r.example.edu"],
                         tmp_path / "b.log", 3)
    assert any(line.startswith("roleplay: students join at https://r.example.edu/")
               for line in lines), lines


def test_a_threading_server_prints_no_banner_or_access_log(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "t.log"
    cmd = [sys.executable, "-m", "roleplay.cli", "serve", "--host", "127.0.0.1", "--port",
           str(port), "--db", f"sqlite:///{tmp_path / 'r.db'}", "--async-mode", "threading"]
    env = {"ROLEPLAY_INSTRUCTOR_PASSWORD": PASSWORD, "ROLEPLAY_SECRET_KEY": SECRET_KEY,
           "PATH": "/usr/bin:/bin"}
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        end = time.monotonic() + 30
        while time.monotonic() < end:
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.1)
        for path in ("/", "/healthz", "/nowhere"):
            requests.get(f"http://127.0.0.1:{port}{path}", timeout=5)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    text = log.read_text(errors="replace")
    assert "roleplay: students" in text
    for noise in ("WARNING", "development server", "Serving Flask app", "GET /", "HTTP/1.1"):
        assert noise not in text, text


def test_the_projector_lists_names_as_students_join(
        web_service: GameService, four_secrets: Scenario) -> None:
    from roleplay.web import socketio
    from support.web import join

    app = _app(web_service, host="127.0.0.1")
    teacher = _login(app)
    state = web_service.create_game(four_secrets)
    gid, code = state.setup.game_id, state.setup.code
    proj = socketio.test_client(app, auth={"kind": "projector", "game": gid},
                                flask_test_client=teacher)
    assert received(proj, "sync")[0]["view"]["names"] == []
    for name in ("Ann", "Bob", "Cleo"):
        join(app.test_client(), code, name)
    views = received(proj, "view")
    assert views[-1]["view"]["names"] == ["Ann", "Bob", "Cleo"]
    assert views[-1]["view"]["joined"] == 3
    assert views[-1]["view"]["join"]["url"] == f"http://127.0.0.1:5055/join/{code}"
    sock = instructor_socket(app, gid, teacher)
    sock.emit("command", {"name": "start", "client_id": "start-00001"})
    assert received(proj, "view")[-1]["view"]["names"] == []  # tables from now on
