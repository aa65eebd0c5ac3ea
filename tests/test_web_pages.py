"""HTTP pages and the JSON API: joining, the instructor's login, library and dashboard."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from roleplay.scenario.model import Scenario
from roleplay.service import GameService
from support.web import FOUR_ROLES_YAML, PASSWORD


def _csrf(page: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert m, "no CSRF field"
    return m.group(1)


def test_pages_carry_security_headers(client: FlaskClient) -> None:
    r = client.get("/")
    csp = r.headers["Content-Security-Policy"]
    for part in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'",
                 "script-src 'self'"):
        assert part in csp
    assert "unsafe-inline" not in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in r.get_data(as_text=True)


def test_join_redirects_and_hands_the_token_over_once(
        client: FlaskClient, web_service: GameService, four_secrets: Scenario) -> None:
    state = web_service.create_game(four_secrets)
    code = state.setup.code
    assert code in client.get(f"/join/{code.lower()}").get_data(as_text=True)
    r = client.post("/join", data={"code": f" {code[:2]}-{code[2:].lower()} ", "name": "Ann"})
    assert r.status_code == 303
    assert r.headers["Location"].endswith(f"/play/{state.setup.game_id}")
    assert "token" not in r.headers["Location"]
    first = client.get(r.headers["Location"]).get_data(as_text=True)
    token = re.search(r'data-token="([^"]+)"', first)
    assert token and web_service.authenticate(state.setup.game_id, token.group(1))
    again = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "data-token" not in again


@pytest.mark.parametrize(("form", "status", "message"), [
    ({"code": "ZZZZZ", "name": "Ann"}, 404, "No game has that code"),
    ({"code": "", "name": "Ann"}, 404, "No game has that code"),
])
def test_join_errors_are_messages(client: FlaskClient, form: dict[str, str], status: int,
                                  message: str) -> None:
    r = client.post("/join", data=form)
    assert r.status_code == status
    assert message in r.get_data(as_text=True)


def test_unknown_pages_are_styled_and_never_a_traceback(client: FlaskClient) -> None:
    for path in ("/play/ffffffffffffffff", "/nowhere", "/play/" + "x" * 300):
        r = client.get(path)
        body = r.get_data(as_text=True)
        assert r.status_code == 404
        assert "Traceback" not in body and "<h1" in body
    api = client.post("/api/join", data="not json")
    assert api.status_code == 400 and api.get_json()["error"]["code"] == "bad_request"


def test_instructor_pages_need_a_login(client: FlaskClient) -> None:
    r = client.get("/instructor/")
    assert r.status_code == 302 and "/instructor/login" in r.headers["Location"]
    assert client.post("/api/games", json={"ref": "builtin:x"}).status_code == 401
    r = client.post("/instructor/login", data={"password": "wrong password"})
    assert r.status_code == 403
    r = client.post("/instructor/login", data={"password": PASSWORD, "next": "//evil.example"})
    assert r.status_code == 303 and r.headers["Location"] == "/instructor/"
    assert client.get("/instructor/").status_code == 200


def test_login_starts_a_fresh_session(app: Flask) -> None:
    c = app.test_client()
    with c.session_transaction() as s:
        s["planted"] = "by an attacker"
    c.post("/instructor/login", data={"password": PASSWORD})
    with c.session_transaction() as s:
        assert "planted" not in s and s.get("instructor")
    first = s["instructor"]
    c.post("/instructor/logout", data={"csrf_token": s["csrf"]})
    with c.session_transaction() as s:
        assert "instructor" not in s
    c.post("/instructor/login", data={"password": PASSWORD})
    with c.session_transaction() as s:
        assert s["instructor"] != first


def test_upload_shows_each_error_with_its_line(instructor: FlaskClient) -> None:
    page = instructor.get("/instructor/").get_data(as_text=True)
    bad = FOUR_ROLES_YAML.replace("side: eu\n", "side: europe\n").replace(
        "minutes: 10}", "minutes: -1}")
    r = instructor.post("/instructor/scenarios", data={"yaml": bad, "csrf_token": _csrf(page)})
    body = r.get_data(as_text=True)
    assert r.status_code == 400
    lines = re.findall(r"line (\d+), column \d+", body)
    assert len(lines) >= 2
    assert "side" in body and "minutes" in body
    no_csrf = instructor.post("/instructor/scenarios", data={"yaml": FOUR_ROLES_YAML})
    assert no_csrf.status_code == 400


def test_upload_create_game_dashboard_qr_and_projector(instructor: FlaskClient) -> None:
    page = instructor.get("/instructor/").get_data(as_text=True)
    token = _csrf(page)
    r = instructor.post("/instructor/scenarios", data={"yaml": FOUR_ROLES_YAML,
                                                       "csrf_token": token})
    assert r.status_code == 303
    page = instructor.get("/instructor/").get_data(as_text=True)
    ref = re.search(r'value="(upload:\d+)"', page)
    assert ref
    r = instructor.post("/instructor/games", data={"ref": ref.group(1), "csrf_token": token})
    assert r.status_code == 303
    dashboard = instructor.get(r.headers["Location"])
    body = dashboard.get_data(as_text=True)
    game_id = r.headers["Location"].rsplit("/", 1)[1]
    assert dashboard.status_code == 200 and "/join/" in body and "qr.svg" in body
    qr = instructor.get(f"/instructor/games/{game_id}/qr.svg")
    assert qr.mimetype == "image/svg+xml" and b"<svg" in qr.data and b"<script" not in qr.data
    projector = instructor.get(f"/projector/{game_id}")
    assert projector.status_code == 200 and "<svg" in projector.get_data(as_text=True)
    export = instructor.get(f"/instructor/games/{game_id}/export.json")
    try:
        import roleplay.export  # noqa: F401
    except ImportError:
        assert export.status_code == 503
    else:
        assert export.status_code == 200 and export.mimetype == "application/json"
        assert "attachment" in export.headers["Content-Disposition"]


def test_the_debrief_page_is_the_report_with_its_own_strict_policy(
    instructor: FlaskClient, web_service: GameService
) -> None:
    from roleplay.driver import play_game

    state = play_game(web_service, four_secrets_scenario(), players=8, seed=4)
    r = instructor.get(f"/instructor/games/{state.setup.game_id}/debrief")
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and r.mimetype == "text/html"
    assert "<svg" in body and "<script" not in body
    csp = r.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp
    assert "object-src 'none'" in csp and "base-uri 'none'" in csp
    assert "debrief" in body.lower()
    anonymous = instructor.application.test_client()
    refused = anonymous.get(f"/instructor/games/{state.setup.game_id}/debrief")
    assert refused.status_code in (302, 303, 401, 403)


def four_secrets_scenario() -> Scenario:
    from roleplay.scenario.loader import parse_scenario

    return parse_scenario(FOUR_ROLES_YAML, "four-roles.yaml")
