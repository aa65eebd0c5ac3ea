"""Threat model (docs/security.md), the HTTP side: threats 6, 7, 8, 10 and 17, error pages."""

from __future__ import annotations

import re
import time
from io import BytesIO
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from roleplay.engine.errors import RuleError
from roleplay.engine.names import MAX_NAME, normalise_name
from roleplay.scenario.model import Scenario
from roleplay.service import GameService
from roleplay.settings import Settings
from roleplay.storage.db import make_engine
from roleplay.storage.eventstore import EventStore
from roleplay.web import create_app, socketio
from support.hostile import XSS, xss_scenario_yaml
from support.web import PASSWORD, SECRET_KEY, received


def _csrf(page: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert m, "no CSRF field"
    return m.group(1)


def _from(address: str) -> dict[str, Any]:
    return {"environ_base": {"REMOTE_ADDR": address}}


def _csp_ok(headers: Any) -> None:
    csp = headers["Content-Security-Policy"]
    for part in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'",
                 "script-src 'self'"):
        assert part in csp, csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp


# -- 6. join-code guessing and lobby flooding ---------------------------------------------
def test_wrong_codes_are_rate_limited_per_client(client: FlaskClient, web_service: GameService,
                                                 four_secrets: Scenario) -> None:
    code = web_service.create_game(four_secrets).setup.code
    wrong = "".join("C" if c != "C" else "D" for c in code)
    for _ in range(30):
        r = client.post("/api/join", json={"code": wrong, "name": "Guesser"}, **_from("10.0.0.9"))
        assert r.status_code == 404
    # the guesser is now refused even with the right code, on the form too, for a minute
    r = client.post("/api/join", json={"code": code, "name": "Guesser"}, **_from("10.0.0.9"))
    assert r.status_code == 429 and r.get_json()["error"]["code"] == "rate_limited"
    page = client.post("/join", data={"code": code, "name": "Guesser"}, **_from("10.0.0.9"))
    assert page.status_code == 429 and b"wait a minute" in page.data
    _csp_ok(page.headers)
    # a classmate on another address is not affected
    r = client.post("/api/join", json={"code": code, "name": "Classmate"}, **_from("10.0.0.10"))
    assert r.status_code == 200


def test_lobby_flooding_is_limited_per_client_and_a_locked_lobby_refuses(
        four_secrets: Scenario) -> None:
    service = GameService(EventStore(make_engine("sqlite://")))
    settings = Settings(database_url="sqlite://", async_mode="threading", testing=True,
                        secret_key=SECRET_KEY, instructor_password=PASSWORD,
                        join_rate=0.01, join_burst=5)
    flask_app = create_app(settings, service=service)
    c = flask_app.test_client()
    state = service.create_game(four_secrets)
    code, gid = state.setup.code, state.setup.game_id
    statuses = [c.post("/api/join", json={"code": code, "name": f"Bot {i}"},
                       **_from("10.1.1.1")).status_code for i in range(8)]
    assert statuses == [200] * 5 + [429] * 3
    assert len(service.state(gid).players) == 5
    assert c.post("/api/join", json={"code": code, "name": "Real student"},
                  **_from("10.1.1.2")).status_code == 200
    # a locked lobby refuses everyone
    from roleplay.engine.commands import Actor

    service.execute(gid, Actor("instructor"), "lock", {"locked": True})
    r = c.post("/api/join", json={"code": code, "name": "Latecomer"}, **_from("10.1.1.3"))
    assert r.status_code == 403 and "locked" in r.get_json()["error"]["message"]
    page = c.post("/join", data={"code": code, "name": "Latecomer"}, **_from("10.1.1.4"))
    assert page.status_code == 403
    assert len(service.state(gid).players) == 6


def test_a_join_form_posted_from_another_site_is_refused(app: Flask, client: FlaskClient,
                                                        web_service: GameService,
                                                        four_secrets: Scenario) -> None:
    """A hostile page cannot make a student's browser join (and overwrite its stored seat):
    the browser's Origin (or, without one, the Referer) must be this site's."""
    state = web_service.create_game(four_secrets)
    code, gid = state.setup.code, state.setup.game_id
    form = {"code": code, "name": "Victim"}
    for headers in [{"Origin": "http://evil.example"}, {"Origin": "null"},
                    {"Origin": "http://localhost.evil.example"}, {"Origin": "https://localhost"},
                    {"Referer": "http://evil.example/join.html"},
                    {"Origin": "http://evil.example", "Referer": "http://localhost/"},
                    {"Origin": "http://evil.example", "X-Forwarded-Host": "evil.example"}]:
        r = client.post("/join", data=form, headers=headers)
        assert r.status_code == 403, headers
        assert "another site" in r.get_data(as_text=True)
        assert 'value="Victim"' in r.get_data(as_text=True), "the form keeps what was typed"
    assert web_service.state(gid).players == {}, "nobody joined"
    with client.session_transaction() as s:
        assert "seat" not in s
    # this site's own page (and a client that is no browser) joins
    for i, headers in enumerate([{"Origin": "http://localhost"},
                                 {"Referer": f"http://localhost/join/{code}"}, {}]):
        r = app.test_client().post("/join", data={"code": code, "name": f"Student {i}"},
                                   headers=headers)
        assert r.status_code == 303, (headers, r.get_data(as_text=True)[:300])
    assert len(web_service.state(gid).players) == 3
    # an origin listed in ROLEPLAY_ALLOWED_ORIGINS is this site too
    listed = create_app(Settings(database_url="sqlite://", async_mode="threading", testing=True,
                                 secret_key=SECRET_KEY, instructor_password=PASSWORD,
                                 allowed_origins=("https://roleplay.example.edu",)),
                        service=web_service).test_client()
    assert listed.post("/join", data=form,
                       headers={"Origin": "https://roleplay.example.edu"}).status_code == 303


def test_the_seat_token_is_not_readable_in_the_cookie_on_its_way_to_the_play_page(
        app: Flask, client: FlaskClient, web_service: GameService, four_secrets: Scenario) -> None:
    """The session cookie is signed, not encrypted: anyone holding it can read it. The seat
    token crosses from POST /join to /play in it sealed, and only /play opens it, once."""
    import base64
    import zlib

    state = web_service.create_game(four_secrets)
    r = client.post("/join", data={"code": state.setup.code, "name": "Ann"})
    assert r.status_code == 303
    raw = client.get_cookie("roleplay").value  # type: ignore[union-attr]
    payload = raw.lstrip(".").split(".")[0]
    data = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    readable = zlib.decompress(data) if raw.startswith(".") else data
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    token = re.search(r'data-token="([^"]+)"', page)
    assert token, "the play page hands the token to its script"
    assert token.group(1).encode() not in readable and b"token" not in readable, readable
    pid = web_service.authenticate(state.setup.game_id, token.group(1))
    assert pid is not None, "the token from the page opens the seat"
    again = client.get(r.headers["Location"]).get_data(as_text=True)
    assert 'data-token=""' in again or "data-token" not in again, "handed over once"
    # a sealed value that was tampered with, or is too old, opens nothing
    from roleplay.web.security import seal, unseal

    with app.test_request_context():
        sealed = seal("secret")
        assert unseal(sealed) == "secret"
        assert unseal(sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]) is None
        assert unseal("not sealed") is None and unseal(None) is None


def _app(**settings: Any) -> Flask:
    return create_app(Settings(database_url="sqlite://", async_mode="threading", testing=True,
                               secret_key=SECRET_KEY, instructor_password=PASSWORD, **settings),
                      service=GameService(EventStore(make_engine("sqlite://"))))


def _session_cookie(r: Any) -> str:
    cookies = [c for c in r.headers.getlist("Set-Cookie") if c.startswith("roleplay=")]
    assert cookies, r.headers
    return cookies[0]


@pytest.mark.parametrize(("settings", "base", "headers", "secure"), [
    ({}, "http://localhost", {}, False),
    ({}, "https://localhost", {}, True),
    ({"cookie_secure": True}, "http://localhost", {}, True),
    ({"proxy_hops": 1}, "http://localhost", {"X-Forwarded-Proto": "https",
                                            "X-Forwarded-For": "10.9.9.9"}, True),
    ({}, "http://localhost", {"X-Forwarded-Proto": "https"}, False),  # no proxy is trusted
])
def test_the_session_cookie_is_secure_over_https(settings: dict[str, Any], base: str,
                                                 headers: dict[str, str], secure: bool) -> None:
    c = _app(**settings).test_client()
    r = c.post("/api/login", json={"password": PASSWORD}, base_url=base, headers=headers)
    assert r.status_code == 200
    cookie = _session_cookie(r)
    assert ("; Secure" in cookie) is secure, cookie
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def _handshake(c: FlaskClient, origin: str, headers: dict[str, str]) -> int:
    """An Engine.IO handshake through the whole WSGI stack (ProxyFix, then Engine.IO)."""
    r = c.get("/socket.io/?EIO=4&transport=polling", headers={"Origin": origin, **headers})
    ok = r.status_code == 200 and '"sid"' in r.get_data(as_text=True)
    r.close()
    return 200 if ok else r.status_code


def test_the_socket_origin_check_believes_forwarded_headers_only_from_a_trusted_proxy() -> None:
    forged = {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}
    direct = _app().test_client()
    assert _handshake(direct, "https://evil.example", forged) == 400
    assert _handshake(direct, "http://evil.example", {"X-Forwarded-Host": "evil.example"}) == 400
    assert _handshake(direct, "https://localhost", {"X-Forwarded-Proto": "https"}) == 400
    assert _handshake(direct, "http://localhost", forged) == 200  # as it was reached
    # behind one trusted proxy, its headers say how the browser reached the app
    proxied = _app(proxy_hops=1).test_client()
    via = {"X-Forwarded-For": "10.9.9.9", "X-Forwarded-Proto": "https",
           "X-Forwarded-Host": "roleplay.example.edu"}
    assert _handshake(proxied, "https://roleplay.example.edu", via) == 200
    assert _handshake(proxied, "https://evil.example", via) == 400
    assert _handshake(proxied, "http://localhost", via) == 400


class _Clock:
    """The rate limits' clock, moved by hand (a test never waits for real time)."""

    def __init__(self) -> None:
        # an hour ahead of the real clock: a bucket made now (its start is the real clock's)
        # begins full, never short by however long the test took to get there
        self.now = time.monotonic() + 3600.0

    def monotonic(self) -> float:
        return self.now


def test_three_hundred_students_behind_one_address_join_in_two_minutes_a_script_cannot_flood(
        four_secrets: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    """The default limits: a lecture on one campus NAT address gets in, while a script on
    that address adds at most the bucket's burst at once, and no more than the game takes."""
    import types

    from roleplay.web import runtime as runtime_module

    clock = _Clock()
    monkeypatch.setattr(runtime_module, "time",
                        types.SimpleNamespace(monotonic=clock.monotonic, time=time.time))
    flask_app = _app()
    service = flask_app.extensions["roleplay"].service
    c = flask_app.test_client()
    code = service.create_game(four_secrets).setup.code
    nat = _from("10.50.0.1")
    # 120 scan the QR code in the same second, the other 180 come in the next 100 s
    for i in range(300):
        if i >= 120:
            clock.now += 100 / 180
        r = c.post("/api/join", json={"code": code, "name": f"Student {i}"}, **nat)
        assert r.status_code == 200, (i, r.get_json())
    # a script on the same address, as fast as it can: the bucket holds it back
    statuses = [c.post("/api/join", json={"code": code, "name": f"Bot {i}"}, **nat).status_code
                for i in range(400)]
    admitted = statuses.count(200)
    assert 0 < admitted <= Settings().join_burst and statuses[-1] == 429, admitted
    # and however long it goes on, a game takes at most max_players
    small = _app(max_players=310, join_rate=0)
    s2 = small.extensions["roleplay"].service
    code2 = s2.create_game(four_secrets).setup.code
    c2 = small.test_client()
    got = [c2.post("/api/join", json={"code": code2, "name": f"Bot {i}"}, **nat)
           for i in range(320)]
    assert [r.status_code for r in got].count(200) == 310
    assert got[-1].status_code == 403 and "full" in got[-1].get_json()["error"]["message"]
    page = c2.post("/join", data={"code": code2, "name": "One more"}, **nat)
    assert page.status_code == 403 and b"full" in page.data


# -- 7. instructor login --------------------------------------------------------------------
def test_login_brute_force_is_throttled(app: Flask) -> None:
    c = app.test_client()
    for i in range(10):
        assert c.post("/api/login", json={"password": f"guess{i}"},
                      **_from("10.2.0.1")).status_code == 403
    assert c.post("/api/login", json={"password": PASSWORD}, **_from("10.2.0.1")).status_code == 429
    r = c.post("/instructor/login", data={"password": PASSWORD}, **_from("10.2.0.1"))
    assert r.status_code == 429
    assert c.get("/instructor/", **_from("10.2.0.1")).status_code == 302  # not logged in
    other = app.test_client()
    assert other.post("/api/login", json={"password": PASSWORD},
                      **_from("10.2.0.2")).status_code == 200


def test_a_prankster_on_the_class_address_cannot_lock_out_the_instructor(app: Flask) -> None:
    """Failed logins lock the address for browsers that never logged in; a browser that has
    (a signed cookie from its last login) counts only its own failures."""
    nat = _from("10.2.9.1")
    teacher = app.test_client()
    assert teacher.post("/api/login", json={"password": PASSWORD}, **nat).status_code == 200
    assert teacher.get_cookie("roleplay_device") is not None
    teacher.post("/instructor/logout", data={"csrf_token": _csrf(
        teacher.get("/instructor/", **nat).get_data(as_text=True))}, **nat)
    prankster = app.test_client()
    for i in range(30):
        prankster.post("/api/login", json={"password": f"guess{i}"}, **nat)
    assert prankster.post("/api/login", json={"password": PASSWORD}, **nat).status_code == 429
    assert app.test_client().post("/api/login", json={"password": PASSWORD},
                                  **nat).status_code == 429, "unknown browsers there wait"
    # the instructor's own browser still logs in, by form and by API
    r = teacher.post("/instructor/login", data={"password": PASSWORD}, **nat)
    assert r.status_code == 303, r.get_data(as_text=True)[:200]
    assert teacher.post("/api/login", json={"password": PASSWORD}, **nat).status_code == 200
    # a forged or copied-and-altered device cookie is just an unknown browser
    forger = app.test_client()
    forger.set_cookie("roleplay_device", "InNvbWUtaWQi.forged")
    assert forger.post("/api/login", json={"password": PASSWORD}, **nat).status_code == 429
    # and a known browser is throttled on its own failures like anyone
    for i in range(10):
        assert teacher.post("/api/login", json={"password": f"typo{i}"},
                            **nat).status_code == 403
    assert teacher.post("/api/login", json={"password": PASSWORD}, **nat).status_code == 429


def test_the_secret_is_never_in_a_url_and_not_logged(app: Flask,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    c = app.test_client()
    caplog.set_level("DEBUG")
    page = c.get("/instructor/login?next=/instructor/").get_data(as_text=True)
    form = re.search(r"<form[^>]*>", page)
    assert form and 'method="post"' in form.group(0)
    # a password in the query string does not log anyone in
    assert c.get(f"/instructor/login?password={PASSWORD}").status_code == 200
    assert c.get("/instructor/").status_code == 302
    r = c.post("/instructor/login", data={"password": PASSWORD, "next": "/instructor/"})
    assert r.status_code == 303 and PASSWORD not in r.headers["Location"]
    assert "password" not in r.headers["Location"]
    c.post("/instructor/login", data={"password": "wrong password"})
    assert PASSWORD not in caplog.text and "wrong password" not in caplog.text
    assert app.extensions["roleplay"].login_hint.endswith("ROLEPLAY_INSTRUCTOR_PASSWORD")


def test_the_session_changes_at_login(app: Flask) -> None:
    c = app.test_client()
    c.get("/instructor/login")
    c.post("/join", data={"code": "NOPE1", "name": "x"})  # anything that may set a cookie
    before = c.get_cookie("roleplay")
    c.post("/api/login", json={"password": PASSWORD})
    after = c.get_cookie("roleplay")
    assert after is not None and (before is None or before.value != after.value)
    if before is not None:  # the pre-login cookie does not carry the login (no fixation)
        old = app.test_client()
        old.set_cookie("roleplay", before.value)
        assert old.get("/instructor/").status_code == 302
    # two logins are two different sessions
    c2 = app.test_client()
    c2.post("/api/login", json={"password": PASSWORD})
    assert c2.get_cookie("roleplay").value != after.value  # type: ignore[union-attr]


def test_a_login_keeps_nothing_from_the_session_before_it(app: Flask) -> None:
    """Whatever the session held before (a seat, anything a page or another login put there)
    is gone once the instructor logs in: the login starts a session of its own."""
    for how in ("form", "api"):
        c = app.test_client()
        with c.session_transaction() as s:
            s["seat"] = {"game": "0" * 16, "token": "planted"}
            s["planted"] = "from before the login"
            s["csrf"] = "known-to-an-attacker"
        if how == "form":
            assert c.post("/instructor/login", data={"password": PASSWORD}).status_code == 303
        else:
            assert c.post("/api/login", json={"password": PASSWORD}).status_code == 200
        with c.session_transaction() as s:
            assert set(s) - {"_permanent"} == {"instructor", "since", "csrf"}, (how, dict(s))
            assert s["csrf"] != "known-to-an-attacker"


def _as_a_browser_goes(location: str, base: str = "http://localhost/") -> str:
    """The URL a browser goes to for a Location header: tabs and line breaks removed
    (WHATWG URL parsing), leading and trailing spaces and controls stripped, then resolved."""
    from urllib.parse import urljoin

    cleaned = location.replace("\t", "").replace("\n", "").replace("\r", "")
    return urljoin(base, cleaned.strip("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e "
                                       "\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19"
                                       "\x1a\x1b\x1c\x1d\x1e\x1f").replace("\\", "/"))


@pytest.mark.parametrize("target", [
    "/\t/evil.example", "/\n/evil.example", "/\r/evil.example", "\t//evil.example",
    " //evil.example", "//evil.example", "///evil.example", "/\\evil.example", "\\\\evil.example",
    "https://evil.example/", "javascript:alert(1)", "/\x00/evil.example", "/\u200b/evil.example",
    "/\r\nSet-Cookie: planted=1", "/instructor/\r\n", "http:evil.example",
])
def test_after_login_the_next_page_is_on_this_site(app: Flask, target: str) -> None:
    """A `next` that a browser would resolve to another host goes to the library instead;
    control characters never make the login a server error."""
    c = app.test_client()
    r = c.post("/instructor/login", data={"password": PASSWORD, "next": target})
    assert r.status_code == 303, r.status_code
    location = r.headers["Location"]
    assert "\r" not in location and "\n" not in location
    assert "planted" not in " ".join(r.headers.getlist("Set-Cookie"))
    went = _as_a_browser_goes(location)
    assert went.startswith("http://localhost/"), (target, location, went)
    assert c.get("/instructor/").status_code == 200, "and the login held"


@pytest.mark.parametrize(("target", "expected"), [
    ("/instructor/games/ab12?tab=tables#t3", "/instructor/games/ab12?tab=tables#t3"),
    ("/projector/ab12", "/projector/ab12"),
    ("/instructor/a b", "/instructor/a%20b"),
    ("", "/instructor/"),
])
def test_after_login_a_next_page_on_this_site_is_kept(app: Flask, target: str,
                                                      expected: str) -> None:
    r = app.test_client().post("/instructor/login", data={"password": PASSWORD, "next": target})
    assert r.status_code == 303 and r.headers["Location"] == expected


def test_logging_out_closes_the_sockets_and_kills_copies_of_the_cookie(
        app: Flask, instructor: FlaskClient, web_service: GameService,
        four_secrets: Scenario) -> None:
    gid = web_service.create_game(four_secrets).setup.game_id
    dash = instructor.get(f"/instructor/games/{gid}")
    assert dash.status_code == 200
    socks = [socketio.test_client(app, auth={"kind": kind, "game": gid},
                                  flask_test_client=instructor)
             for kind in ("instructor", "projector")]
    assert all(s.is_connected() for s in socks)
    copy = app.test_client()
    copy.set_cookie("roleplay", instructor.get_cookie("roleplay").value)  # type: ignore[union-attr]
    assert copy.get("/instructor/").status_code == 200
    library = instructor.get("/instructor/").get_data(as_text=True)
    r = instructor.post("/instructor/logout", data={"csrf_token": _csrf(library)})
    assert r.status_code == 303
    for s in socks:
        assert not s.is_connected()
    assert instructor.get("/instructor/").status_code == 302
    assert copy.get("/instructor/").status_code == 302  # a stolen copy is dead too
    assert copy.get(f"/api/games/{gid}").status_code == 401
    again = socketio.test_client(app, auth={"kind": "instructor", "game": gid},
                                 flask_test_client=copy)
    assert not again.is_connected()
    # logging in again works
    assert instructor.post("/api/login", json={"password": PASSWORD}).status_code == 200
    fresh = socketio.test_client(app, auth={"kind": "instructor", "game": gid},
                                 flask_test_client=instructor)
    assert fresh.is_connected() and received(fresh, "sync")


def test_logout_needs_the_csrf_token(instructor: FlaskClient) -> None:
    assert instructor.post("/instructor/logout").status_code == 400
    assert instructor.get("/instructor/").status_code == 200


# -- 8. stored XSS in server-rendered pages, CSP ------------------------------------------------
def _assert_inert(html: str, where: str) -> None:
    assert "<img src=x" not in html, where
    assert "onerror=alert" not in html.replace("onerror=alert(1)&gt;", ""), where
    assert "<script>alert" not in html, where
    assert len(re.findall(r"</script", html, re.I)) == len(re.findall(r"<script", html, re.I)), where
    assert not re.search(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", html, re.I), where


def test_hostile_text_renders_as_text_in_every_server_page(
        app: Flask, instructor: FlaskClient, web_service: GameService) -> None:
    r = instructor.post("/api/scenarios", json={"yaml": xss_scenario_yaml()})
    assert r.status_code == 200, r.get_json()
    ref = r.get_json()["ref"]
    game = instructor.post("/api/games", json={"ref": ref}).get_json()
    gid, code = game["game_id"], game["code"]
    student = app.test_client()
    for name in XSS:
        assert student.post("/api/join", json={"code": code, "name": name}).status_code == 200
    joined = student.post("/join", data={"code": code, "name": XSS[0]})
    pages = {
        "join": student.get(f"/join/{code}"),
        "join refused": student.post("/join", data={"code": "ZZZZZ", "name": XSS[0]}),
        "join name too long": student.post("/join", data={"code": code, "name": XSS[1] * 5}),
        "play": student.get(joined.headers["Location"]),
        "library": instructor.get("/instructor/"),
        "dashboard": instructor.get(f"/instructor/games/{gid}"),
        "projector": instructor.get(f"/projector/{gid}"),
        "404": student.get("/nowhere/" + XSS[0]),
        "login next": student.get("/instructor/login?next=" + XSS[1]),
        "html export": instructor.get(f"/instructor/games/{gid}/export.html"),
    }
    for where, resp in pages.items():
        html = resp.get_data(as_text=True)
        _assert_inert(html, where)
        _csp_ok(resp.headers)
    assert "&lt;img src=x onerror=alert(1)&gt;" in pages["library"].get_data(as_text=True)
    assert "&lt;img src=x" in pages["join refused"].get_data(as_text=True)
    # the names and texts reach the pages' scripts only as data (JSON over the socket)
    view = instructor.get(f"/api/games/{gid}").get_json()["view"]
    names = {p["name"] for p in view["players"]} if "players" in view else set()
    assert not names or XSS[0] in names


def test_every_response_carries_the_csp(client: FlaskClient, instructor: FlaskClient) -> None:
    for c, url in [(client, "/"), (client, "/nowhere"), (client, "/instructor/"),
                   (instructor, "/instructor/"), (client, "/static/app.css"),
                   (client, "/healthz")]:
        r = c.get(url)
        _csp_ok(r.headers)
        assert r.headers["X-Frame-Options"] == "DENY"
        r.close()


# -- 10. names ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("raw", "expected"), [
    ("\u202eevil\u202c Bob", "evil Bob"),               # right-to-left override dropped
    ("Ann\u200b\u200c\u200d\ufeff", "Ann"),            # zero-width characters dropped
    ("Bo\x00b\x07\x1b[31m", "Bob[31m"),                 # control characters dropped
    ("  Lots   of\tspace\n ", "Lots of space"),
    ("Ｆｕｌｌ", "Full"),                                # NFKC
    ("Zoe\u0301\u0301\u0301\u0301", "Zoé\u0301"),       # no combining-mark stacks
    ("Ayşe Məmmədova", "Ayşe Məmmədova"),              # real names survive
    ("Иван", "Иван"),
    ("x" * MAX_NAME, "x" * MAX_NAME),
])
def test_names_are_normalised(raw: str, expected: str) -> None:
    import unicodedata

    assert normalise_name(raw) == unicodedata.normalize("NFC", expected)


@pytest.mark.parametrize("raw", [
    "Instructor", "instructor", "INSTRUCTOR", "The Instructor", "Instructor (real)",
    "Іnstructor",                   # Cyrillic І
    "Instruсtor",                   # Cyrillic с
    "ΙnstructΟr",                   # Greek capitals
    "Instruct0r", "1nstructor", "In$tructor",
    "In\u200bstructor",              # zero width space
    "Ins\u202etructor",              # bidi override inside
    "Ｉｎｓｔｒｕｃｔｏｒ",        # fullwidth
    "I n s t r u c t o r",
    "Teacher", "Admin", "system",
    "x" * (MAX_NAME + 1), "", "   ", "\u200b\u200b", "\u202e", None, 42, ["Ann"],
])
def test_bad_names_are_refused(raw: Any) -> None:
    with pytest.raises(RuleError):
        normalise_name(raw)


def test_names_are_normalised_on_the_way_in(client: FlaskClient, web_service: GameService,
                                           four_secrets: Scenario) -> None:
    state = web_service.create_game(four_secrets)
    pid = client.post("/api/join", json={"code": state.setup.code,
                                         "name": "\u202eMal\u200blory\x07"}).get_json()["player_id"]
    assert web_service.state(state.setup.game_id).players[pid].name == "Mallory"
    r = client.post("/api/join", json={"code": state.setup.code, "name": "Іnstructor"})
    assert r.status_code == 400
    page = client.post("/join", data={"code": state.setup.code, "name": "y" * 500})
    assert page.status_code == 400


# -- 17. malicious scenario files --------------------------------------------------------------
BOMB = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n"
    for p, c in zip("abcdefgh", "bcdefghi", strict=True))


@pytest.mark.parametrize(("text", "needle"), [
    ("!!python/object/apply:os.system ['touch /tmp/roleplay-pwned']\n", "tag"),
    ("id: !!python/name:os.system x\n", "tag"),
    ("x: !!binary aGVsbG8=\n", "tag"),
    (BOMB, "anchor"),
    ("a: " + "[" * 5000 + "]" * 5000 + "\n", "deep"),
    ("a: " + "{b: " * 2000 + "1" + "}" * 2000 + "\n", "deep"),
    ("\x00\x01\x02", ""),
    ("id: x\n\tbad: indentation\n", ""),
])
@pytest.mark.timeout(60, method="signal")  # an alias bomb let through hangs: then it fails
def test_hostile_scenarios_are_refused_with_a_message(instructor: FlaskClient, text: str,
                                                      needle: str) -> None:
    r = instructor.post("/api/scenarios", json={"yaml": text})
    assert r.status_code == 400, r.get_data(as_text=True)[:300]
    errors = r.get_json()["errors"]
    assert errors and all({"line", "column", "message"} <= set(e) for e in errors)
    if needle:
        assert any(needle in e["message"].lower() for e in errors), errors
    # the same file through the instructor's form: a page listing the problem, no traceback
    page = instructor.get("/instructor/").get_data(as_text=True)
    form = instructor.post("/instructor/scenarios", data={
        "csrf_token": _csrf(page), "file": (BytesIO(text.encode("utf-8")), "evil.yaml")},
        content_type="multipart/form-data")
    assert form.status_code == 400 and b"Traceback" not in form.data
    import os

    assert not os.path.exists("/tmp/roleplay-pwned")


def test_huge_uploads_are_413_pages(instructor: FlaskClient, client: FlaskClient) -> None:
    page = instructor.get("/instructor/").get_data(as_text=True)
    big = b"# padding\n" * 60_000  # 600 KB
    # the multipart body by hand (the test client would spool it to a file it never closes)
    body = (b"--B\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
            + _csrf(page).encode() + b"\r\n--B\r\nContent-Disposition: form-data; name=\"file\"; "
            b"filename=\"big.yaml\"\r\nContent-Type: application/x-yaml\r\n\r\n" + big
            + b"\r\n--B--\r\n")
    r = instructor.post("/instructor/scenarios", data=body,
                        content_type="multipart/form-data; boundary=B")
    assert r.status_code == 413
    html = r.get_data(as_text=True)
    assert "Traceback" not in html and 'class="' in html  # the app's own error page
    _csp_ok(r.headers)
    r = instructor.post("/api/scenarios", json={"yaml": big.decode()})
    assert r.status_code == 413 and r.get_json()["error"]["code"]
    r = client.post("/api/join", data=big, content_type="application/json")
    assert r.status_code == 413
    # a file just under the HTTP limit but over the scenario limit: a 400 with its line
    r = instructor.post("/api/scenarios", json={"yaml": ("#" + "x" * 60 + "\n") * 4300})
    assert r.status_code == 400 and "KiB" in r.get_json()["errors"][0]["message"]


# -- users never see a stack trace ---------------------------------------------------------
def test_a_crash_is_a_styled_page_without_details(instructor: FlaskClient, app: Flask,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    store = app.extensions["roleplay"].service.store

    def boom() -> Any:
        raise RuntimeError("secret internal detail at /srv/db.py")

    monkeypatch.setattr(store, "games", boom)
    r = instructor.get("/instructor/")
    html = r.get_data(as_text=True)
    assert r.status_code == 500
    assert "secret internal detail" not in html and "Traceback" not in html
    assert "Something went wrong" in html
    r = instructor.get("/instructor/games/x/export.exe")
    assert r.status_code == 404 and "Traceback" not in r.get_data(as_text=True)
    for method, url in [("PUT", "/join"), ("DELETE", "/api/login")]:
        resp = instructor.open(url, method=method)
        assert resp.status_code == 405 and "Traceback" not in resp.get_data(as_text=True)


def test_a_logout_holds_on_every_worker_and_after_a_restart(tmp_path: Any) -> None:
    """Two apps on one database (two workers, or one restarted): a cookie logged out on
    one is refused by the other, and the refused cookie loses its login."""
    db = f"sqlite:///{tmp_path / 'logins.db'}"

    def worker() -> Flask:
        settings = Settings(database_url=db, async_mode="threading", testing=True,
                            secret_key=SECRET_KEY, instructor_password=PASSWORD)
        return create_app(settings, service=GameService(EventStore(make_engine(db))))

    a, b = worker(), worker()
    on_a = a.test_client()
    assert on_a.post("/api/login", json={"password": PASSWORD}).status_code == 200
    cookie = on_a.get_cookie("roleplay").value  # type: ignore[union-attr]
    on_b = b.test_client()
    on_b.set_cookie("roleplay", cookie)
    assert on_b.get("/instructor/").status_code == 200, "one login works on both workers"
    library = on_a.get("/instructor/").get_data(as_text=True)
    assert on_a.post("/instructor/logout", data={"csrf_token": _csrf(library)}).status_code == 303
    r = on_b.get("/instructor/")
    assert r.status_code == 302, "the other worker refuses the logged-out cookie"
    assert on_b.get_cookie("roleplay").value != cookie  # type: ignore[union-attr]
    restarted = worker().test_client()
    restarted.set_cookie("roleplay", cookie)
    assert restarted.get("/instructor/").status_code == 302, "and so does a restarted one"
    assert restarted.get("/api/games/x").status_code == 401


def test_sockets_of_a_login_ended_elsewhere_are_closed(
        app: Flask, instructor: FlaskClient, web_service: GameService, four_secrets: Scenario) -> None:
    """Another worker served the logout: this one refuses the login's commands at once
    and closes its sockets at the next tick."""
    from roleplay.web.delivery import Delivery
    from roleplay.web.runtime import LOGIN_LIFETIME_S, _login_hash

    gid = web_service.create_game(four_secrets).setup.game_id
    sock = socketio.test_client(app, auth={"kind": "instructor", "game": gid},
                                flask_test_client=instructor)
    other = socketio.test_client(app, auth={"kind": "instructor", "game": gid},
                                 flask_test_client=instructor)
    assert sock.is_connected() and other.is_connected()
    delivery: Delivery = app.extensions["roleplay.delivery"]
    assert delivery.close_ended_logins() == 0
    sock.get_received()
    with instructor.session_transaction() as s:
        key = s["instructor"]
    web_service.store.end_login(_login_hash(key), time.time(), LOGIN_LIFETIME_S)
    sock.emit("command", {"name": "start", "args": {}, "client_id": "c-after-logout-1"})
    assert [m["args"][0]["code"] for m in sock.get_received() if m["name"] == "error"] == ["forbidden"]
    assert web_service.state(gid).status == "lobby", "nothing was done"
    sock.emit("sync", {"last_seq": 0})
    got = sock.get_received()
    assert [m["name"] for m in got] == ["error"], "no view, no events for an ended login"
    assert delivery.close_ended_logins() == 1
    assert not sock.is_connected() and not other.is_connected()



def test_a_login_lasts_twelve_hours_from_logging_in_however_often_it_is_used(
        instructor: FlaskClient) -> None:
    """Every request refreshes the cookie, but not the login: a logout's record (kept 12
    hours) therefore outlives every copy of the cookie."""
    assert instructor.get("/instructor/").status_code == 200
    with instructor.session_transaction() as s:
        s["since"] = time.time() - 12 * 3600 - 5
    assert instructor.get("/instructor/").status_code == 302
    with instructor.session_transaction() as s:
        assert "instructor" not in s, "the expired login is dropped from the cookie"


def test_instructor_sockets_end_with_the_twelve_hour_login(
        app: Flask, instructor: FlaskClient, web_service: GameService, four_secrets: Scenario,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A socket opened with a login is refused and closed once the login has lasted 12 hours,
    as its cookie is: a dashboard left open overnight does not stay the instructor's."""
    import types

    from roleplay.web import runtime as runtime_module
    from roleplay.web.delivery import Delivery

    gid = web_service.create_game(four_secrets).setup.game_id
    socks = [socketio.test_client(app, auth={"kind": kind, "game": gid},
                                  flask_test_client=instructor)
             for kind in ("instructor", "projector")]
    assert all(s.is_connected() for s in socks)
    delivery: Delivery = app.extensions["roleplay.delivery"]
    assert delivery.close_ended_logins() == 0
    for s in socks:
        s.get_received()
    later = time.time() + 12 * 3600 + 5
    monkeypatch.setattr(runtime_module, "time",
                        types.SimpleNamespace(time=lambda: later, monotonic=time.monotonic))
    socks[0].emit("command", {"name": "start", "args": {}, "client_id": "after-12-hours"})
    assert [m["args"][0]["code"] for m in socks[0].get_received()] == ["forbidden"]
    assert web_service.state(gid).status == "lobby", "nothing was done"
    assert delivery.close_ended_logins() == 1
    assert not any(s.is_connected() for s in socks)


def test_a_projector_only_link_opens_the_projector_and_nothing_else(
        app: Flask, instructor: FlaskClient, web_service: GameService, four_secrets: Scenario,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The dashboard's projector-only link, opened on a classroom PC without the
    instructor's session: the projector page and its socket, for 12 hours; nothing else."""
    import html as html_module
    import types

    from roleplay.web import runtime as runtime_module
    from roleplay.web import security as security_module
    from roleplay.web.delivery import Delivery

    gid = web_service.create_game(four_secrets).setup.game_id
    other = web_service.create_game(four_secrets).setup.game_id
    dash = instructor.get(f"/instructor/games/{gid}").get_data(as_text=True)
    m = re.search(r'id="projector-only-link"[^>]*value="([^"]+)"', dash)
    assert m, "the dashboard shows the projector-only link"
    link = html_module.unescape(m.group(1))
    assert link.startswith(f"http://localhost/projector/{gid}?key=")
    pc = app.test_client()
    r = pc.get(link)
    assert r.status_code == 303 and r.headers["Location"] == f"/projector/{gid}", "key leaves the URL"
    assert pc.get(f"/projector/{gid}").status_code == 200
    sock = socketio.test_client(app, auth={"kind": "projector", "game": gid}, flask_test_client=pc)
    assert sock.is_connected() and received(sock, "sync")
    sock.emit("command", {"name": "start", "args": {}, "client_id": "projector-start"})
    assert [p["code"] for p in received(sock, "error")] == ["forbidden"]
    assert web_service.state(gid).status == "lobby"
    # nothing else: no instructor page, API, socket, export or other game's projector
    assert pc.get("/instructor/").status_code == 302
    assert pc.get(f"/instructor/games/{gid}").status_code == 302
    assert pc.get(f"/instructor/games/{gid}/export.json").status_code == 302
    assert pc.get(f"/api/games/{gid}").status_code == 401
    assert pc.get(f"/projector/{other}").status_code == 302
    for auth in [{"kind": "instructor", "game": gid}, {"kind": "projector", "game": other}]:
        assert not socketio.test_client(app, auth=auth, flask_test_client=pc).is_connected()
    # a forged, altered or other game's key opens nothing
    key = link.split("key=", 1)[1]
    for bad in [f"/projector/{gid}?key=forged", f"/projector/{gid}?key={key[:-2]}xx",
                f"/projector/{other}?key={key}"]:
        stranger = app.test_client()
        assert stranger.get(bad).status_code == 403, bad
        assert stranger.get(f"/projector/{gid}").status_code == 302
    # 12 hours on, the link's grant is over: the page asks for a login, the socket closes
    later = time.time() + 12 * 3600 + 5
    fake = types.SimpleNamespace(time=lambda: later, monotonic=time.monotonic)
    monkeypatch.setattr(runtime_module, "time", fake)
    monkeypatch.setattr(security_module, "time", fake)
    import itsdangerous.timed

    monkeypatch.setattr(itsdangerous.timed, "time", fake)
    delivery: Delivery = app.extensions["roleplay.delivery"]
    assert delivery.close_ended_logins() >= 1
    assert not sock.is_connected()
    assert pc.get(f"/projector/{gid}").status_code == 302
    assert app.test_client().get(link).status_code == 403, "and the link itself is too old"


def test_a_logout_the_database_cannot_record_changes_nothing(
        app: Flask, instructor: FlaskClient, web_service: GameService,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The instructor is asked to retry and stays logged in; no worker half-knows."""
    from roleplay.storage.eventstore import StoreError

    def down(*_: Any, **__: Any) -> None:
        raise StoreError("The database is not available.")

    library = instructor.get("/instructor/").get_data(as_text=True)
    monkeypatch.setattr(web_service.store, "end_login", down)
    r = instructor.post("/instructor/logout", data={"csrf_token": _csrf(library)})
    assert r.status_code == 503 and b"Traceback" not in r.data
    assert instructor.get("/instructor/").status_code == 200, "still logged in: retry"
    monkeypatch.undo()
    assert instructor.post("/instructor/logout", data={"csrf_token": _csrf(library)}).status_code == 303
    assert instructor.get("/instructor/").status_code == 302
