"""The pages in a real browser: a whole class plays one game through `roleplay serve`.

One headless Chromium, one context per person: an instructor (with the
projector in a second tab) and eight students, some on a 390 px phone
viewport. They join by code, get distinct seats at two tables, chat, submit
openings, propose, sign or refuse, and see their results. One student reloads
mid-round, another loses the network and comes back with what it missed.
Screenshots of every view at 390 and 1280 px go to test-artifacts/browser/.
"""

from __future__ import annotations

import re
import shutil
import time
from typing import Any

import pytest

from roleplay.paths import scenarios_dir
from roleplay.scenario.loader import load_scenario
from support.browser import (
    ARTIFACTS,
    DESKTOP,
    PHONE,
    TIMEOUT,
    Student,
    axe,
    chat,
    choose,
    expect,
    shot,
    shots,
    tab,
)
from support.plans import plan as _plan
from support.web import PASSWORD

pytestmark = pytest.mark.browser

SCENARIO = "association-agreement"


XSS_NAME = '<img src=x onerror=__xss=1>'  # 27 characters: fits the 32 allowed
XSS_CHAT = '<script>window.__xss=2</script><b onmouseover="window.__xss=3">bold?</b>'


def test_a_class_plays_one_game(server: str, browser: Any) -> None:
    started = time.monotonic()
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    sc = load_scenario(scenarios_dir() / f"{SCENARIO}.yaml")
    plan = _plan(sc)
    page_errors: list[str] = []

    def watch(page: Any, who: str) -> None:
        """Script errors and Content-Security-Policy refusals fail the test."""
        page.on("pageerror", lambda e: page_errors.append(f"{who}: {e}"))
        page.on("console", lambda m: page_errors.append(f"{who}: {m.text}")
                if m.type == "error" and "Content Security Policy" in m.text else None)

    # -- the instructor creates a game -------------------------------------------------
    ictx = browser.new_context(viewport=DESKTOP)
    ictx.set_default_timeout(TIMEOUT)
    dash = ictx.new_page()
    watch(dash, "dashboard")
    dash.goto(server + "/instructor/")
    expect(dash).to_have_url(re.compile(r"/instructor/login"))
    shots(dash, "instructor-login")
    axe(dash, "login")
    dash.fill("#password", PASSWORD)
    dash.click("button[type=submit]")
    expect(dash.locator("#new-game")).to_be_visible()
    shots(dash, "instructor-library", full=True)
    axe(dash, "library")
    dash.check(f"input[name=ref][value='builtin:{SCENARIO}']")
    dash.click("#create-game")
    expect(dash).to_have_url(re.compile(r"/instructor/games/\w+"))
    code = dash.locator("#dash-code").inner_text().strip()
    game_id = dash.url.rstrip("/").split("/")[-1]
    assert re.fullmatch(r"[A-Z0-9]{4,10}", code)

    projector = ictx.new_page()
    watch(projector, "projector")
    projector.goto(f"{server}/projector/{game_id}")
    expect(projector.locator(".proj-code")).to_have_text(code)
    expect(projector.locator(".proj-qr svg")).to_be_visible()

    # -- eight students join ------------------------------------------------------------
    students: list[Student] = []
    for i in range(8):
        phone = i in (0, 2, 5, 7)  # each role: one phone, one laptop
        ctx = browser.new_context(viewport=PHONE if phone else DESKTOP,
                                  is_mobile=phone, has_touch=phone)
        ctx.set_default_timeout(TIMEOUT)
        page = ctx.new_page()
        name = XSS_NAME if i == 3 else f"Student {i + 1}"
        watch(page, name)
        if i == 0:
            page.goto(server + "/")
            page.fill("#code", "ZZZZZZ")
            page.fill("#name", "Lost Student")
            page.click("button[type=submit]")
            expect(page.locator("#join-error")).to_contain_text("No game has that code")
            shots(page, "join-error")
            page.goto(server + "/")
            shots(page, "join-empty")
            axe(page, "join")
            # forgiving: lower case and spaces
            spaced = " ".join(code.lower())
            page.fill("#code", spaced)
        else:
            page.goto(f"{server}/join/{code}")  # the QR target pre-fills the code
            expect(page.locator("#code")).to_have_value(code)
        page.fill("#name", name)
        if i == 1:
            shot(page, "join-filled")
        page.click("button[type=submit]")
        expect(page).to_have_url(re.compile(rf"/play/{game_id}$"))
        expect(page.locator("#screen-waiting")).to_be_visible()
        students.append(Student(name, ctx, page, phone))
    shots(students[0].page, "waiting")
    axe(students[0].page, "waiting")
    expect(students[3].page.locator("#waiting-title")).to_contain_text(XSS_NAME)
    expect(projector.locator("#proj-count")).to_have_text("8 students joined")
    shots(projector, "projector-lobby")
    axe(projector, "projector-lobby")
    expect(dash.locator("#players .pchip")).to_have_count(8)
    shots(dash, "dashboard-lobby", full=True)
    axe(dash, "dashboard-lobby")

    # -- seats: automatic, two tables, four distinct roles each --------------------------
    dash.click("#btn-assign")
    seats = set()
    for s in students:
        expect(s.page.locator("#lobby-seat")).to_be_visible()
        s.table = int(s.page.locator("#top-table").inner_text().split()[-1])
        s.role = s.page.evaluate("() => window.__roleplay.state().role")
        seats.add((s.table, s.role))
    assert len(seats) == 8
    assert {t for t, _ in seats} == {1, 2}
    by_seat = {(s.table, s.role): s for s in students}
    eu1, gov1, cs1, lob1 = (by_seat[(1, r)] for r in ("eu", "government", "civil_society", "lobbyist"))
    eu2, gov2, cs2, lob2 = (by_seat[(2, r)] for r in ("eu", "government", "civil_society", "lobbyist"))
    shots(eu1.page, "waiting-seated")

    # -- briefing ------------------------------------------------------------------------
    dash.click("#btn-start")
    for s in students:
        expect(s.page.locator("#top-phase")).to_contain_text(sc.phases[0].title[:20])
    expect(eu1.page.locator("#brief-role")).to_contain_text("European Union")
    # a role never sees another role's confidential text
    assert sc.role("government").briefing.confidential[:60] not in eu1.page.content()
    shots(eu1.page, "student-briefing")
    axe(eu1.page, "student-briefing")
    expect(dash.locator("#tables .tcard")).to_have_count(2)

    # -- openings --------------------------------------------------------------------------
    dash.click("#btn-advance")
    for s, side in ((eu1, "eu"), (gov1, "government"), (eu2, "eu"), (gov2, "government")):
        choose(s.page, plan[side])
        expect(s.page.locator("#propose")).to_have_text("Submit opening")
        if s is eu1:
            shots(s.page, "student-negotiate-opening")
            axe(s.page, "student-negotiate-opening")
        s.page.click("#propose")
        expect(s.page.locator("#propose")).to_have_text("Opening submitted")

    # -- negotiation ---------------------------------------------------------------------
    dash.click("#btn-advance")
    expect(eu1.page.locator("#top-phase")).to_contain_text(sc.phases[2].title[:20])
    chat(eu1.page, "official", "Shall we start from a joint text?")
    # an unread count on the other side's Channels tab
    expect(gov1.page.locator("#badge-channels")).to_have_text("1")
    chat(gov1.page, "official", XSS_CHAT)
    expect(gov1.page.locator("#badge-channels")).to_be_hidden()
    # the line arrives as text
    expect(eu1.page.locator("#chat-log-official .msg-text", has_text="window.__xss=2")).to_have_count(1)
    chat(eu1.page, "non_governmental", "Civil society: what do you need?")
    chat(lob1.page, "unofficial", "Brussels is listening.")
    chat(cs1.page, "non_governmental", "A real say for independent NGOs.")
    shots(eu1.page, "student-channels")
    axe(eu1.page, "student-channels")
    # the lobbyist cannot see the official channel
    expect(lob1.page.locator("#pill-official")).to_have_count(0)

    # actions: one without a target (seen in the non-governmental channel), one with a target
    tab(cs1.page, "actions")
    cs1.page.click("#act-cs_shadow_report")
    expect(cs1.page.locator("#act-cs_shadow_report")).to_be_disabled()  # limit: once
    tab(eu1.page, "events")
    expect(eu1.page.locator("#panel-events")).to_contain_text("Send the EU a shadow report")
    tab(lob2.page, "actions")
    lob2.page.select_option("#target-lob_influence_meps", "S&D")
    lob2.page.click("#act-lob_influence_meps")
    expect(lob2.page.locator("#panel-actions")).to_contain_text("Influence a bloc of MEPs → S&D")

    choose(eu1.page, plan["deal"])
    eu1.page.click("#propose")
    expect(gov1.page.locator("#ontable-title")).to_contain_text("Proposed by European Union")

    # the government ties its signature to a condition the deal meets
    first, second = sc.issues[0].id, sc.issues[1].id
    tab(gov1.page, "negotiate")
    gov1.page.click("#neg-linkage summary")
    gov1.page.select_option("#link-issue", first)
    gov1.page.select_option("#link-requires", f"{second}.{plan['deal'][second]}")
    gov1.page.click("#link-submit")
    expect(eu1.page.locator("#neg-linkage")).to_contain_text(
        f"no agreement on {sc.issues[0].title} unless")

    # keyboard: arrows move between tabs; the clock turns amber in the last minute
    eu1.page.focus("#tab-negotiate")
    eu1.page.keyboard.press("ArrowRight")
    expect(eu1.page.locator("#tab-channels")).to_have_attribute("aria-selected", "true")
    expect(eu1.page.locator("#tab-channels")).to_be_focused()
    eu1.page.keyboard.press("ArrowLeft")
    expect(eu1.page.locator("#panel-negotiate")).to_be_visible()
    amber = eu1.page.evaluate("""async () => {
        const { Clock } = await import("/static/clock.js");
        const node = document.createElement("div");
        const c = new Clock(node);
        const now = Date.now() / 1000;
        c.update({status: "running", deadline: now + 45, server_time: now});
        const late = node.classList.contains("warn");
        c.update({status: "running", deadline: now + 300, server_time: now});
        const early = node.classList.contains("warn");
        clearInterval(c.timer);
        return [late, early, node.textContent];
    }""")
    assert amber[0] is True and amber[1] is False and amber[2] == "5:00"

    # a latecomer is seated at once; the instructor moves, then removes them
    late_ctx = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    late_ctx.set_default_timeout(TIMEOUT)
    late = late_ctx.new_page()
    watch(late, "latecomer")
    late.goto(f"{server}/join/{code}")
    late.fill("#name", "Late Student")
    late.click("button[type=submit]")
    expect(late.locator("#tabs")).to_be_visible()
    expect(late.locator("#top-table")).to_have_text("Table 1")
    chat(lob2.page, "unofficial", "Welcome to the agency, newcomer.")
    dash.locator("#lobby > summary").click()  # the players fold away once the game has started
    dash.locator(".pchip", has_text="Late Student").locator("select").select_option("2:lobbyist")
    expect(late.locator("#top-table")).to_have_text("Table 2")
    expect(late.locator("#top-role")).to_have_text("PR agency retained by Baku")
    tab(late, "channels")
    late.click("#pill-unofficial")
    expect(late.locator("#chat-log-unofficial .msg-text", has_text="Welcome to the agency")).to_be_visible()
    expect(lob2.page.locator("#brief-role ~ .team")).to_contain_text("Late Student")
    kick = dash.locator(".pchip", has_text="Late Student").locator(".kick")
    kick.click()
    dash.locator(".pchip", has_text="Late Student").locator(".kick").click()
    expect(late.locator("#message-title")).to_have_text("You are no longer in this game")
    shot(late, "student-removed")
    dash.click("#btn-lock")
    expect(dash.locator("#btn-lock")).to_have_text("Unlock the lobby")
    late.goto(f"{server}/join/{code}")
    late.fill("#name", "Too Late")
    late.click("button[type=submit]")
    expect(late.locator("#join-error")).to_contain_text("locked")
    late_ctx.close()
    expect(gov1.page.locator(".on-table .total-line strong")).to_have_text(
        f"{sc.points('government', plan['deal']):g} points")

    # a student reloads mid-round and keeps everything
    cs1.page.reload()
    expect(cs1.page.locator("#top-table")).to_have_text("Table 1")
    tab(cs1.page, "channels")
    cs1.page.click("#pill-non_governmental")
    expect(cs1.page.locator("#chat-log-non_governmental .msg-text",
                            has_text="Civil society: what do you need?")).to_be_visible()
    tab(cs1.page, "negotiate")
    expect(cs1.page.locator("#ontable-title")).to_contain_text("Proposed by European Union")

    # a student's network drops, and it comes back with what it missed
    gov2.context.set_offline(True)
    expect(gov2.page.locator("#conn")).to_be_visible(timeout=30_000)
    shots(gov2.page, "student-offline")
    chat(eu2.page, "official", "Are you still there?")
    choose(eu2.page, plan["deal"])
    eu2.page.click("#propose")
    dash.fill("#broadcast-text", "Five minutes left at every table.")
    dash.click("#broadcast-submit")
    expect(eu2.page.locator(".banner", has_text="Five minutes left")).to_be_visible()
    gov2.context.set_offline(False)
    expect(gov2.page.locator("#conn")).to_be_hidden(timeout=30_000)
    tab(gov2.page, "negotiate")
    expect(gov2.page.locator("#ontable-title")).to_contain_text("Proposed by European Union")
    tab(gov2.page, "channels")
    gov2.page.click("#pill-official")
    expect(gov2.page.locator("#chat-log-official .msg-text", has_text="Are you still there?")).to_be_visible()
    tab(gov2.page, "events")
    expect(gov2.page.locator("#panel-events", has_text="Five minutes left")).to_be_visible()

    # the government cancels the PCC meeting: the parliamentary channel closes at table 2
    tab(gov2.page, "actions")
    gov2.page.click("#act-gov_cancel_pcc")
    tab(eu2.page, "channels")
    expect(eu2.page.locator("#pill-parliamentary")).to_have_class(re.compile(r"\bclosed\b"))
    eu2.page.click("#pill-parliamentary")
    expect(eu2.page.locator("#channel-closed-parliamentary")).to_have_text(
        "This channel is closed at your table.")
    expect(eu2.page.locator("#chat-input-parliamentary")).to_be_disabled()
    shots(eu2.page, "student-channel-closed")

    # the instructor injects an event at one table only
    dash.select_option("#inject-event", "arrests")
    dash.select_option("#inject-table", "2")
    dash.click("#inject-submit")
    arrests = sc.event("arrests").title
    expect(cs2.page.locator(".banner.news", has_text=arrests)).to_be_visible()
    tab(cs1.page, "events")
    expect(cs1.page.locator("#panel-events")).not_to_contain_text(arrests)

    # pause, extend and resume: every clock follows
    dash.click("#btn-pause")
    expect(eu1.page.locator("#clock")).to_have_class(re.compile(r"\bpaused\b"))
    before = eu1.page.locator("#clock").inner_text()
    dash.click("#btn-extend-5")
    expect(eu1.page.locator("#clock")).not_to_have_text(before)
    minutes = int(eu1.page.locator("#clock").inner_text().split(":")[0])
    assert minutes >= 10, eu1.page.locator("#clock").inner_text()
    dash.click("#btn-resume")
    expect(eu1.page.locator("#clock")).not_to_have_class(re.compile(r"\bpaused\b"))

    # actions and the timeline
    tab(lob2.page, "actions")
    shots(lob2.page, "student-actions")
    axe(lob2.page, "student-actions")
    tab(eu1.page, "events")
    shots(eu1.page, "student-events")
    axe(eu1.page, "student-events")
    tab(gov1.page, "negotiate")
    shots(gov1.page, "student-negotiate")
    axe(gov1.page, "student-negotiate")
    shots(dash, "dashboard-negotiation", full=True)
    axe(dash, "dashboard-negotiation")
    shots(projector, "projector-play")
    axe(projector, "projector-play")

    # -- decision: table 1 signs, table 2's government refuses ----------------------------
    dash.click("#btn-advance")
    for s in (eu1, gov1):
        tab(s.page, "negotiate")
        s.page.click("#sign")
    expect(cs1.page.locator("#outcome-title")).to_have_text("Agreement signed")
    tab(gov2.page, "negotiate")
    gov2.page.click("#refuse")
    gov2.page.click("#refuse-yes")
    expect(eu2.page.locator("#outcome-title")).to_have_text("No agreement")

    dash.click("#table-card-1")
    expect(dash.locator("#table-dialog")).to_be_visible()
    expect(dash.locator("#dialog-body")).to_contain_text("DEAL")
    shots(dash, "dashboard-table-log")
    axe(dash, "dashboard-table-log")
    dash.click("#dialog-close")

    # -- results ---------------------------------------------------------------------------
    dash.click("#btn-advance")
    for s in students:
        expect(s.page.locator("#results-title")).to_be_visible()
    expect(eu1.page.locator("#neg-results .big-number strong")).to_have_text(
        f"{sc.points('eu', plan['deal']):g}")
    shots(eu1.page, "student-results")
    axe(eu1.page, "student-results")
    shots(eu2.page, "student-results-deadlock")
    shots(projector, "projector-results")
    shots(dash, "dashboard-results", full=True)
    dash.click("#btn-end")
    dash.click("#btn-end")  # confirm
    expect(projector.locator("#proj-phase")).to_contain_text("Game over")
    shots(projector, "projector-end")
    axe(projector, "projector-end")

    # -- error pages --------------------------------------------------------------------------
    err = students[1].page
    resp = err.goto(f"{server}/play/0000deadbeef")
    assert resp is not None and resp.status == 404
    expect(err.locator("#err-title")).to_be_visible()
    shot(err, "error-404")
    axe(err, "error-404")
    phone_err = students[0].context.new_page()
    phone_err.goto(f"{server}/nope")
    shot(phone_err, "error-404")

    # nothing ran that should not have: no script from names or chat, no page errors
    for s in students:
        assert s.page.evaluate("() => window.__xss") is None
    assert not page_errors, page_errors
    for s in students:
        s.context.close()
    ictx.close()
    assert time.monotonic() - started < 240
