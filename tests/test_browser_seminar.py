"""A seminar in a real browser: twelve students, half on phones, through a campaign step.

One headless Chromium: an instructor (1280x800), a projector (1920x1080, then
1280x720) and twelve students, every other one on a 390x844 phone. They join
by the QR link and by the typed code, decide on phones (the Sign button must be
the reachable thing on the screen: checked with elementFromPoint), see the other
side's signature, and go on into the campaign's second scenario. Screenshots at
390/1280/1920 px go to test-artifacts/seminar/; axe-core checks every view.
"""

from __future__ import annotations

import re
import shutil
from typing import Any

import requests

from roleplay.paths import scenarios_dir
from roleplay.scenario.loader import load_scenario
from support.browser import PHONE, ROOT, TIMEOUT, Student, axe, choose, expect, log_in, tab
from support.plans import plan as make_plan

CAMPAIGN = "campaign-2010-2016"
LAPTOP = {"width": 1280, "height": 800}
WALL = {"width": 1920, "height": 1080}
SMALL_WALL = {"width": 1280, "height": 720}
ARTIFACTS = ROOT / "test-artifacts" / "seminar"
expect.set_options(timeout=TIMEOUT)  # fourteen pages on two cores: views can take seconds


def _shot(page: Any, name: str, size: dict[str, int] | None = None, full: bool = False) -> None:
    own = dict(page.viewport_size)
    if size:
        page.set_viewport_size(size)
        page.wait_for_timeout(80)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-{page.viewport_size['width']}.png"), full_page=full)
    if size:
        page.set_viewport_size(own)


def _reachable(page: Any, selector: str) -> dict[str, Any]:
    """Where a button is, and whether a tap at its centre lands on it (nothing covers it)."""
    return page.evaluate("""(sel) => {
        const b = document.querySelector(sel);
        if (!b) return {found: false};
        const r = b.getBoundingClientRect();
        const x = r.left + r.width / 2, y = r.top + r.height / 2;
        const hit = document.elementFromPoint(x, y);
        return {found: true, top: r.top, bottom: r.bottom, left: r.left, right: r.right,
                inView: r.top >= 0 && r.bottom <= innerHeight && r.left >= 0 && r.right <= innerWidth,
                onTop: !!hit && (hit === b || b.contains(hit)), hit: hit ? hit.outerHTML.slice(0, 80) : null};
    }""", selector)


def _chrome_height(page: Any) -> float:
    """Pixels the fixed parts take on a phone: the sticky header (bar, banners, tabs) and footer."""
    return float(page.evaluate("""() => {
        const h = document.getElementById("sticky-top").getBoundingClientRect().height;
        const f = document.getElementById("package-footer");
        return h + (f && !f.hidden ? f.getBoundingClientRect().height : 0);
    }"""))


def _clipped(page: Any) -> list[str]:
    """Text cut off in the header: the tab bar, the role name, the banners."""
    return list(page.evaluate("""() => {
        const out = [];
        const tabs = document.getElementById("tabs");
        if (tabs.scrollWidth > tabs.clientWidth + 1) out.push("tab bar scrolls: " + tabs.scrollWidth);
        document.querySelectorAll("#tabs [role=tab]").forEach(t => {
            const r = t.getBoundingClientRect();
            if (r.right > innerWidth + 1 || r.left < -1) out.push("tab off screen: " + t.id);
        });
        return out;
    }"""))


def _contrast(page: Any, selector: str) -> float:
    """WCAG contrast of an element's text against its own background (axe skips disabled ones)."""
    return float(page.evaluate("""(sel) => {
        const s = getComputedStyle(document.querySelector(sel));
        const lum = (c) => { const [r, g, b] = c.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number).map(v => {
            v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
            return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
        const a = lum(s.color), b = lum(s.backgroundColor);
        return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    }""", selector))


def test_a_seminar_runs(server: str, browser: Any) -> None:
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    sc = load_scenario(scenarios_dir() / "association-agreement.yaml")
    plan = make_plan(sc)
    errors: list[str] = []

    def watch(page: Any, who: str) -> None:
        page.on("pageerror", lambda e: errors.append(f"{who}: {e}"))

    # -- the instructor creates the campaign; the projector shows the lobby ------------------
    ictx = browser.new_context(viewport=LAPTOP)
    ictx.set_default_timeout(TIMEOUT)
    dash = ictx.new_page()
    watch(dash, "dashboard")
    log_in(dash, server)
    dash.check(f"input[name=ref][value='campaign:{CAMPAIGN}']")
    dash.click("#create-game")
    expect(dash).to_have_url(re.compile(r"/instructor/games/\w+"))
    code = dash.locator("#dash-code").inner_text().strip()
    game_id = dash.url.rstrip("/").split("/")[-1]
    join_link = dash.locator("p.help a").first.get_attribute("href") or ""
    assert join_link.endswith(f"/join/{code}"), join_link

    wall = ictx.new_page()
    wall.set_viewport_size(WALL)
    watch(wall, "projector")
    wall.goto(f"{server}/projector/{game_id}")
    expect(wall.locator(".proj-code")).to_have_text(code)

    # -- twelve students join: the QR link, and one typing the code -----------------------------
    students: list[Student] = []
    for i in range(12):
        phone = i % 2 == 0
        ctx = browser.new_context(viewport=PHONE if phone else LAPTOP, is_mobile=phone, has_touch=phone)
        ctx.set_default_timeout(TIMEOUT)
        page = ctx.new_page()
        name = f"Student {i + 1:02d}"
        watch(page, name)
        if i == 1:
            page.goto(server + "/")
            page.fill("#code", code.lower())
        else:
            page.goto(join_link)  # the address the dashboard prints, which the QR code holds
            expect(page.locator("#code")).to_have_value(code)
        page.fill("#name", name)
        page.click("button[type=submit]")
        expect(page).to_have_url(re.compile(rf"/play/{game_id}$"))
        students.append(Student(name, ctx, page, phone))
        if i == 3:
            expect(wall.locator(".proj-name")).to_have_count(4)
    expect(wall.locator("#proj-count")).to_have_text("12 students joined")
    expect(wall.locator(".proj-name", has_text="Student 12")).to_be_visible()
    _shot(wall, "projector-lobby")
    _shot(wall, "projector-lobby", SMALL_WALL)
    axe(wall, "projector-lobby")
    code_px = wall.evaluate(
        "() => parseFloat(getComputedStyle(document.querySelector('.proj-code')).fontSize)")
    assert code_px >= 96, code_px  # readable from the back of a lecture hall
    words_px = wall.evaluate("""() => Math.min(...[...document.querySelectorAll('.proj-join')]
        .map(p => parseFloat(getComputedStyle(p).fontSize)))""")
    assert words_px >= 24, words_px  # "Join at ... with the code" too (was 16 px at 1920)

    # eighteen more join without a browser (they never connect: the monitor shows them offline)
    for i in range(12, 30):
        r = requests.post(f"{server}/api/join", timeout=10,
                          json={"code": code, "name": f"Student {i + 1:02d}"})
        assert r.status_code == 200, r.text
    expect(wall.locator("#proj-count")).to_have_text("30 students joined")

    # -- seats and the start ---------------------------------------------------------------
    dash.click("#btn-assign")
    for s in students:
        expect(s.page.locator("#lobby-seat")).to_be_visible()
        s.table = int(s.page.locator("#top-table").inner_text().split()[-1])
        s.role = s.page.evaluate("() => window.__roleplay.state().role")
    seat = {(s.table, s.role): s for s in students}
    assert len(seat) == 12 and {t for t, _ in seat} == {1, 2, 3}  # tables 4-7: the offline 18
    eu1, gov1 = seat[(1, "eu")], seat[(1, "government")]
    assert eu1.phone, "the first joiner sits as the EU at table 1 (seats follow join order)"
    dash.click("#btn-start")
    expect(wall.locator(".proj-name")).to_have_count(0)  # the lobby's names fold away
    expect(wall.locator("#proj-step")).to_contain_text("Scenario 1 of 3")
    expect(wall.locator("#tiles .tile-status").first).to_have_text("Reading")  # the briefing, not "Talking"

    # -- the monitor at 1280x800: every table above the fold, the lobby folded away -------------
    expect(dash.locator("#tables .tcard")).to_have_count(7)
    expect(dash.locator("#table-card-1 .status-pill")).to_have_text("Reading")  # the briefing: not "Talking"
    expect(dash.locator("#lobby")).not_to_have_attribute("open", "")
    expect(dash.locator("#table-card-4 .absent")).to_contain_text("offline")
    dash.evaluate("() => window.scrollTo(0, 0)")
    bottoms = dash.evaluate("""() => [...document.querySelectorAll('#tables .tcard')]
        .map(c => c.getBoundingClientRect().bottom)""")
    _shot(dash, "dashboard-started")
    assert max(bottoms) <= LAPTOP["height"], bottoms
    # each side's opening state is whole in every tile (it was cut to 'Governme…')
    cut = dash.evaluate("""() => [...document.querySelectorAll('#tables .tcard .openings > span')]
        .filter(s => s.getBoundingClientRect().right > s.closest('.tcard').getBoundingClientRect().right - 2
                     || getComputedStyle(s.parentElement).textOverflow === 'ellipsis')
        .map(s => s.textContent)""")
    assert not cut, cut

    # -- openings and negotiation ---------------------------------------------------------------
    dash.click("#btn-advance")
    for t in (1, 2, 3):
        for side in ("eu", "government"):
            choose(seat[(t, side)].page, plan[side])
            seat[(t, side)].page.click("#propose")
            expect(seat[(t, side)].page.locator("#propose")).to_have_text("Opening submitted")
    # a disabled button is still readable (WCAG AA: 4.5 to 1)
    expect(eu1.page.locator("#propose")).to_be_disabled()
    assert _contrast(eu1.page, "#propose") >= 4.5, _contrast(eu1.page, "#propose")
    dash.click("#btn-advance")
    for t in (1, 2, 3):
        choose(seat[(t, "eu")].page, plan["deal"])
        seat[(t, "eu")].page.click("#propose")
    expect(gov1.page.locator("#ontable-title")).to_contain_text("Proposed by European Union")
    # numbered per table, not by the game's event sequence
    expect(gov1.page.locator(".on-table .kicker")).to_have_text("On the table · proposal 1 of 1")
    # the phone says when signing opens
    tab(eu1.page, "negotiate")
    expect(eu1.page.locator("#signing-opens")).to_contain_text("Signing opens in the next phase")
    _shot(eu1.page, "student-negotiation")
    assert _chrome_height(eu1.page) <= PHONE["height"] / 3, _chrome_height(eu1.page)
    assert not _clipped(eu1.page), _clipped(eu1.page)
    axe(eu1.page, "student-negotiation")

    # -- a student comes back in a fresh browser (phone lost): the same seat -------------------
    cs1 = seat[(1, "civil_society")]
    cs1.context.close()
    back = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    back.set_default_timeout(TIMEOUT)
    again = back.new_page()
    watch(again, "returning student")
    for _ in range(20):  # the server marks the old socket offline within moments (bounded)
        again.goto(f"{server}/join/{code}")
        again.fill("#name", cs1.name.upper())  # the same name, case aside
        again.click("button[type=submit]")
        again.wait_for_load_state()
        if "/play/" in again.url:
            break
        expect(again.locator("#join-error")).to_contain_text("right now")
        again.wait_for_timeout(500)
    expect(again).to_have_url(re.compile(rf"/play/{game_id}$"))
    expect(again.locator("#top-table")).to_have_text("Table 1")
    assert again.evaluate("() => window.__roleplay.state().role") == "civil_society"
    tab(again, "events")
    expect(again.locator("#panel-events")).to_contain_text("Your seat")
    cs1.context, cs1.page = back, again
    # a second student with a name already playing is told, not renamed
    dup_ctx = browser.new_context(viewport=LAPTOP)
    dup = dup_ctx.new_page()
    dup.goto(f"{server}/join/{code}")
    dup.fill("#name", "student 02")
    dup.click("button[type=submit]")
    expect(dup.locator("#join-error")).to_contain_text("Student 02")
    _shot(dup, "join-duplicate")
    dup_ctx.close()
    # a moved student is told where they now sit
    lob3 = seat[(3, "lobbyist")]
    dash.locator("#lobby > summary").click()
    dash.locator(".pchip", has_text=lob3.name).locator("select").select_option("2:lobbyist")
    expect(lob3.page.locator("#top-table")).to_have_text("Table 2")
    tab(lob3.page, "events")
    expect(lob3.page.locator("#panel-events")).to_contain_text("Your seat")

    # -- the decision on a phone -------------------------------------------------------------
    dash.click("#btn-advance")
    tab(eu1.page, "negotiate")
    expect(eu1.page.locator("#propose")).to_have_count(0)  # no greyed Propose in the decision phase
    expect(eu1.page.locator("#package-footer")).to_contain_text(
        f"Proposal 1: {sc.points('eu', plan['deal']):g} points for you")
    expect(eu1.page.locator("#package-footer .footer-batna")).to_have_text(re.compile(r"^BATNA \d+$"))
    tab(gov1.page, "negotiate")
    gov1.page.click("#sign")
    banner = eu1.page.locator("#banner-signed")
    expect(banner).to_contain_text("has signed; your signature closes the deal")
    expect(eu1.page.locator("#footer-note")).to_have_text("Your signature closes the deal.")
    eu1.page.evaluate("() => window.scrollTo(0, document.body.scrollHeight / 3)")
    where = _reachable(eu1.page, "#sign")
    assert where["found"] and where["inView"] and where["onTop"], where
    _shot(eu1.page, "student-decision")
    assert _chrome_height(eu1.page) <= PHONE["height"] / 3, _chrome_height(eu1.page)
    axe(eu1.page, "student-decision")
    eu1.page.click("#sign")
    expect(eu1.page.locator("#outcome-title")).to_have_text("Agreement signed")
    # the monitor names the type as the debrief does ("cherry-picking", not "cherry picking")
    expect(dash.locator("#table-card-1")).to_contain_text(re.compile(
        r"Type: (tailor-made partnership|cherry-picking|joint standard|unilateral template) ·"))
    # table 2 signs, table 3's EU refuses: the government reads why, in words
    for side in ("eu", "government"):
        tab(seat[(2, side)].page, "negotiate")
        seat[(2, side)].page.click("#sign")
    eu3, gov3 = seat[(3, "eu")], seat[(3, "government")]
    tab(eu3.page, "negotiate")
    eu3.page.click("#refuse")
    eu3.page.click("#refuse-yes")
    tab(gov3.page, "negotiate")
    expect(gov3.page.locator("#outcome-title")).to_have_text("No agreement")
    expect(gov3.page.locator(".outcome")).to_contain_text("the European Union refused to sign")
    expect(gov3.page.locator(".outcome")).not_to_contain_text("refused:")

    # -- results, then the campaign's second scenario ----------------------------------------------
    dash.click("#btn-advance")
    expect(eu1.page.locator("#results-title")).to_be_visible()
    _shot(wall, "projector-results")
    dash.click("#btn-advance")  # the next scenario
    expect(wall.locator("#proj-step")).to_contain_text("Scenario 2 of 3")
    for s in (eu1, gov3):
        expect(s.page.locator("#step-title")).to_have_text("Scenario 2 of 3: read your new briefing")
    expect(eu1.page.locator("#step-carried")).to_contain_text("Your BATNA in this scenario")
    expect(eu1.page.locator("#step-carried")).to_contain_text(
        "Trust built or lost over the Association Agreement")
    expect(eu1.page.locator("#step-previous")).to_contain_text("agreement")
    expect(gov3.page.locator("#step-previous")).to_contain_text("the European Union refused to sign")
    _shot(eu1.page, "student-next-scenario")
    _shot(eu1.page, "student-next-scenario", LAPTOP)
    axe(eu1.page, "student-next-scenario")
    eu1.page.click("#step-open-briefing")
    expect(eu1.page.locator("#panel-briefing")).to_be_visible()
    expect(eu1.page.locator("#step-card")).to_be_hidden()
    # the earlier result stays reachable
    tab(eu1.page, "negotiate")
    eu1.page.click("#previous-results summary")
    expect(eu1.page.locator("#previous-results")).to_contain_text("points for you")

    # the dashboard's inject list follows the new scenario
    sp = load_scenario(scenarios_dir() / "strategic-partnership.yaml")
    options = dash.locator("#inject-event option")
    expect(options).to_have_count(len(sp.events))
    expect(options.first).to_have_attribute("value", sp.events[0].id)
    _shot(dash, "dashboard-next-scenario", full=True)
    axe(dash, "dashboard-next-scenario")
    dash.click("#btn-advance")
    _shot(wall, "projector-play")
    small_code_px = wall.evaluate(
        "() => parseFloat(getComputedStyle(document.querySelector('.proj-small-code')).fontSize)")
    assert small_code_px >= 24, small_code_px  # a late joiner reads the code during play (was 19 px)
    _shot(wall, "projector-play", SMALL_WALL)
    axe(wall, "projector-play")
    dash.click("#btn-pause")
    expect(wall.locator("#clock")).to_have_class(re.compile(r"\bpaused\b"))
    _shot(wall, "projector-paused")
    axe(wall, "projector-paused")
    event_px = wall.evaluate("""() => Math.min(...[...document.querySelectorAll('#proj-events li')]
        .map(li => parseFloat(getComputedStyle(li).fontSize)))""")
    assert event_px >= 32, event_px

    assert not errors, errors
    for s in students:
        s.context.close()
    ictx.close()
