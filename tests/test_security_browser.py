"""Threat 8 (docs/security.md) in Chromium: hostile text rendered by the pages' scripts.

An uploaded scenario carries `<img src=x onerror=alert(1)>`, `</script>` and
`javascript:` in its title, background, issue title, option label, role name and
briefing; students join with such names and chat such lines; one proposes. The
student page, the instructor's dashboard and the projector, built in the browser
from socket data, must show all of it as text: no element made from it, no dialog,
no `javascript:` link. (The CSP would stop an inline handler from running anyway; the
test looks at the DOM, so it fails on the injection itself.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from support.browser import api_session, launch_game, log_in
from support.hostile import XSS, xss_scenario_yaml
from support.web import PASSWORD, running_server

pytestmark = [pytest.mark.browser, pytest.mark.server]

INJECTED = """() => ({
  imgs: document.querySelectorAll('img[src="x"], img[onerror]').length,
  inlineScripts: [...document.scripts].filter(s => !s.src && s.type !== 'application/json').length,
  jsLinks: [...document.querySelectorAll('[href], [src], [action]')].filter(
      e => /^\\s*javascript:/i.test(e.getAttribute('href') || e.getAttribute('src')
                                     || e.getAttribute('action') || '')).length,
  handlers: [...document.querySelectorAll('*')].filter(
      e => [...e.attributes].some(a => a.name.startsWith('on'))).length,
  xss: window.__xss === 1,
  text: document.body.textContent,
})"""


def _check(page: Any, where: str, dialogs: list[str], must_show: list[str]) -> None:
    for text in must_show:
        page.wait_for_function("t => document.body.textContent.includes(t)", arg=text,
                               timeout=15_000)
    got = page.evaluate(INJECTED)
    assert got["imgs"] == 0, where
    assert got["inlineScripts"] == 0, where
    assert got["jsLinks"] == 0, where
    assert got["handlers"] == 0, where
    assert not got["xss"] and dialogs == [], where


def test_hostile_text_stays_text_in_the_browser(tmp_path: Path, browser: Any) -> None:
    with running_server(tmp_path, "threading") as srv:
        api = api_session(srv.url)
        r = api.post(f"{srv.url}/api/scenarios", json={"yaml": xss_scenario_yaml()})
        assert r.status_code == 200, r.text
        gid, code = launch_game(api, srv.url, r.json()["ref"])
        dialogs: list[str] = []

        # a student joins through the form with a hostile name
        sctx = browser.new_context()
        student = sctx.new_page()
        student.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        student.goto(f"{srv.url}/join/{code}")
        student.fill("input[name=name]", XSS[0])
        student.click("button[type=submit]")
        student.wait_for_url(f"**/play/{gid}")
        others = [api.post(f"{srv.url}/api/join", json={"code": code, "name": n}).json()
                  for n in (XSS[1], XSS[2], "Plain Name")]
        assert all("token" in o for o in others)

        # the instructor's dashboard and projector, logged in through the form
        ictx = browser.new_context()
        dash = ictx.new_page()
        dash.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        log_in(dash, srv.url)
        dash.goto(f"{srv.url}/instructor/games/{gid}")
        proj = ictx.new_page()
        proj.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        proj.goto(f"{srv.url}/projector/{gid}")

        # play: start, talks, hostile chat and a proposal by the socket clients of the bots
        from roleplay.bots import InstructorBot, PlayerBot, close_all

        teacher = InstructorBot(srv.url, PASSWORD)
        teacher.login()
        teacher.game_id = gid
        teacher.connect()
        bots = []
        for o, name in zip(others, (XSS[1], XSS[2], "Plain Name"), strict=True):
            b = PlayerBot(srv.url, name, __import__("random").Random(1))
            b.game_id, b.token = o["game_id"], o["token"]
            b.connect()
            bots.append(b)
        try:
            assert teacher.command("start")["ok"]
            assert teacher.command("advance")["ok"]
            for b in bots:
                b.wait_for(lambda c: (c.view or {}).get("role") is not None)
                role = b.view["role"]["id"]
                channel = {"eu": "official", "government": "official",
                           "civil_society": "nongov", "lobbyist": "unofficial"}[role]
                assert b.command("chat", {"channel": channel, "text": XSS[0] + XSS[1]})["ok"]
                assert b.command("chat", {"channel": "team", "text": XSS[2]})["ok"]
                if b.view["role"].get("signatory"):
                    pkg = {i["id"]: i["options"][0]["id"] for i in b.view["issues"]} \
                        if "issues" in b.view else None
                    if pkg:
                        b.command("propose", {"package": pkg})
            said = teacher.command("broadcast", {"text": XSS[0]})
            assert said["ok"]
            # the marker: the student's page has merged the log up to the broadcast
            student.wait_for_function("seq => window.__roleplay.state().lastSeq >= seq",
                                      arg=max(said["seq"]), timeout=15_000)
            _check(student, "student page", dialogs, [XSS[0]])
            for tab in student.query_selector_all("[role=tab]"):
                tab.click()
                _check(student, "student page tab", dialogs, [])
            _check(dash, "dashboard", dialogs, [XSS[0], XSS[1]])
            _check(proj, "projector", dialogs, [])
            # the HTML export is a file the instructor opens from disk, without the CSP
            html = api.get(f"{srv.url}/instructor/games/{gid}/export.html").content
            saved = tmp_path / "report.html"
            saved.write_bytes(html)
            report = dash.context.new_page()
            report.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            report.goto(saved.as_uri())
            _check(report, "HTML export", dialogs, ["Title"])
        finally:
            close_all([teacher, *bots])
            sctx.close()
            ictx.close()
