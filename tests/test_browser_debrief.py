"""The debrief in a real browser: BATNA guesses from the briefing to the debrief, the slides
for the projector, and a student's results page.

Two students play the signatories in headless Chromium (one on a phone); the other two
seats join by the API and stay silent. The instructor drives the phases from the
dashboard. Screenshots go to test-artifacts/debrief/ (students 390x844, instructor
1280x800, projector 1920x1080 and 1280x720).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from roleplay.paths import scenarios_dir
from roleplay.scenario.loader import load_scenario
from support.browser import PHONE, ROOT, TIMEOUT, axe, expect
from support.plans import plan as _plan
from support.web import PASSWORD

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "test-artifacts" / "debrief"
SCENARIO = "association-agreement"
INSTRUCTOR = {"width": 1280, "height": 800}
PROJECTORS = ({"width": 1920, "height": 1080}, {"width": 1280, "height": 720})
GUESSES = {"eu": "38.5", "government": "61"}


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size or {"width": 0, "height": 0}
    page.screenshot(path=str(ARTIFACTS / f"{name}-{size['width']}x{size['height']}.png"))


@dataclass
class Played:
    server: str
    game_id: str
    dash: Any
    pages: dict[str, Any]  # role -> the signatory's page
    errors: list[str]


def _watch(page: Any, who: str, errors: list[str]) -> None:
    page.on("pageerror", lambda e: errors.append(f"{who}: {e}"))
    page.on("console", lambda m: errors.append(f"{who}: {m.text}")
            if m.type == "error" and "Content Security Policy" in m.text else None)


@pytest.fixture(scope="module")
def played(server: str, browser: Any) -> Iterator[Played]:
    """A game of one table played to its results, the signatories' guesses typed in the briefing."""
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    sc = load_scenario(scenarios_dir() / f"{SCENARIO}.yaml")
    plan = _plan(sc)
    errors: list[str] = []
    ictx = browser.new_context(viewport=INSTRUCTOR)
    ictx.set_default_timeout(TIMEOUT)
    assert ictx.request.post(server + "/api/login", data={"password": PASSWORD}).ok
    made = ictx.request.post(server + "/api/games", data={"ref": f"builtin:{SCENARIO}", "seed": 4})
    assert made.ok, made.text()
    game_id, code = made.json()["game_id"], made.json()["code"]
    dash = ictx.new_page()
    _watch(dash, "dashboard", errors)
    dash.goto(f"{server}/instructor/games/{game_id}")

    contexts = []
    pages: dict[str, Any] = {}
    for i, phone in enumerate((True, False)):  # the first two to join get the signatories' seats
        ctx = browser.new_context(viewport=PHONE if phone else INSTRUCTOR, is_mobile=phone,
                                  has_touch=phone)
        ctx.set_default_timeout(TIMEOUT)
        contexts.append(ctx)
        page = ctx.new_page()
        _watch(page, f"student {i}", errors)
        page.goto(f"{server}/join/{code}")
        page.fill("#name", f"Student {i + 1}")
        page.click("button[type=submit]")
        expect(page.locator("#screen-waiting")).to_be_visible()
        pages[str(i)] = page
    for name in ("Silent CSO", "Silent Lobbyist"):  # the other seats, by the API
        assert ictx.request.post(server + "/api/join", data={"code": code, "name": name}).ok
    expect(dash.locator("#players .pchip")).to_have_count(4)
    dash.click("#btn-start")
    by_role: dict[str, Any] = {}
    for page in pages.values():
        expect(page.locator("#guess-panel")).to_be_visible()
        by_role[page.evaluate("() => window.__roleplay.state().role")] = page
    assert set(by_role) == {"eu", "government"}

    # -- the briefing: each signatory records (and corrects) its estimate --------------------
    eu, gov = by_role["eu"], by_role["government"]
    expect(eu.locator("#guess-title")).to_contain_text("Government")
    _shot(eu, "student-guess-empty")
    eu.locator("#guess-panel").scroll_into_view_if_needed()
    axe(eu, "student-guess-panel")
    eu.fill("#guess-input", "lots")
    eu.click("#guess-submit")
    expect(eu.locator(".toast", has_text="Type a number")).to_be_visible()
    eu.fill("#guess-input", "150")  # the server refuses it, and says why
    eu.click("#guess-submit")
    expect(eu.locator(".toast", has_text="An estimate is a number of points from 0 to 100")).to_be_visible()
    eu.fill("#guess-input", "20")
    eu.click("#guess-submit")
    expect(eu.locator("#guess-saved")).to_have_text("Your estimate: 20 points.")
    eu.fill("#guess-input", GUESSES["eu"])
    eu.click("#guess-submit")
    expect(eu.locator("#guess-saved")).to_have_text(f"Your estimate: {GUESSES['eu']} points.")
    gov.fill("#guess-input", GUESSES["government"])
    gov.press("#guess-input", "Enter")
    expect(gov.locator("#guess-saved")).to_have_text(f"Your estimate: {GUESSES['government']} points.")
    eu.locator("#guess-panel").scroll_into_view_if_needed()
    _shot(eu, "student-guess-recorded")
    # the other side's page never shows it
    assert "38.5" not in gov.content()

    # -- opening, negotiation, decision -------------------------------------------------------
    dash.click("#btn-advance")
    expect(eu.locator("#guess-saved")).to_contain_text("revealed at the debrief")
    expect(eu.locator("#guess-input")).to_have_count(0)
    for role, page in by_role.items():
        page.click("#tab-negotiate")
        for issue, option in plan[role].items():
            page.check(f"#opt-{issue}-{option}")
        page.click("#propose")
        expect(page.locator("#propose")).to_have_text("Opening submitted")
    dash.click("#btn-advance")
    for issue, option in plan["deal"].items():
        eu.check(f"#opt-{issue}-{option}")
    eu.click("#propose")
    expect(gov.locator("#ontable-title")).to_contain_text("Proposed by European Union")
    dash.click("#btn-advance")
    for page in (eu, gov):
        page.click("#sign")
    expect(eu.locator("#outcome-title")).to_be_visible()
    dash.click("#btn-advance")  # results
    expect(eu.locator("#results-title")).to_be_visible()
    yield Played(server, game_id, dash, by_role, errors)
    for ctx in contexts:
        ctx.close()
    ictx.close()


def test_guesses_from_the_briefing_are_in_the_debrief(played: Played) -> None:
    page = played.dash.context.new_page()
    _watch(page, "debrief", played.errors)
    page.goto(f"{played.server}/instructor/games/{played.game_id}/debrief")
    card = page.locator("article.card", has=page.locator("caption", has_text="BATNA guesses"))
    expect(card).to_have_count(1)
    cells = card.evaluate("""c => [...c.querySelectorAll('table.guesses tbody tr')]
        .map(r => [...r.cells].map(x => x.textContent.trim()))""")
    assert [row[:3] for row in cells] == [["European Union", "Government of Azerbaijan", GUESSES["eu"]],
                                          ["Government of Azerbaijan", "European Union",
                                           GUESSES["government"]]]
    assert [row[3] for row in cells] == ["50", "50"]  # both BATNAs start at 50: nothing moved them yet
    summary = page.locator("table.guess-summary")
    expect(summary).to_contain_text("The class, per side")
    expect(page.locator("#s0-guesses svg circle")).not_to_have_count(0)
    page.locator("#step-1-guesses").scroll_into_view_if_needed()
    _shot(page, "debrief-guesses")
    page.locator("table.guesses").scroll_into_view_if_needed()
    _shot(page, "debrief-table-guesses")
    assert played.errors == []
    page.close()


def test_the_slides_and_a_students_results_page(played: Played) -> None:
    # -- the projector: one figure per screen, stepped by keys and clicks ----------------------
    page = played.dash.context.new_page()
    _watch(page, "slides", played.errors)
    page.goto(f"{played.server}/instructor/games/{played.game_id}/present")
    n = page.locator("section.slide").count()
    assert n >= 8
    titles = page.locator("section.slide h1").all_inner_texts()
    assert "How far each table moved from the EU template" in titles
    for size in PROJECTORS:
        page.set_viewport_size(size)
        page.goto(f"{played.server}/instructor/games/{played.game_id}/present#slide-1")
        for k in range(1, n + 1):
            slide = page.locator(f"#slide-{k}")
            expect(slide).to_be_visible()
            expect(page.locator("section.slide:visible")).to_have_count(1)
            fits = page.evaluate(f"""() => {{
                const s = document.getElementById('slide-{k}');
                const r = s.getBoundingClientRect();
                const svg = s.querySelector('svg');
                const b = svg ? svg.getBoundingClientRect() : null;
                return {{bottom: r.bottom, h: innerHeight, w: innerWidth,
                         scroll: document.scrollingElement.scrollHeight,
                         svg: b && [b.width, b.height, b.bottom, b.right]}};
            }}""")
            assert fits["bottom"] <= fits["h"] + 1 and fits["scroll"] <= fits["h"] + 1, (k, size, fits)
            if fits["svg"]:
                _, h, bottom, right = fits["svg"]
                assert h >= 0.45 * size["height"] and bottom <= size["height"] and right <= size["width"], (
                    k, size, fits)
            title = slide.locator("h1").inner_text()
            if k <= 6 or title.startswith("What each side thought") or k == n:
                _shot(page, f"slide-{k}")
            page.keyboard.press("ArrowRight")
        expect(page.locator(f"#slide-{n}")).to_be_visible()  # the last one stays
        page.keyboard.press("Home")
        expect(page.locator("#slide-1")).to_be_visible()
        page.mouse.click(size["width"] // 2, size["height"] // 2)
        expect(page.locator("#slide-2")).to_be_visible()
        page.keyboard.press("ArrowLeft")
        expect(page.locator("#slide-1")).to_be_visible()
        page.click("#slide-1 a.next")
        expect(page.locator("#slide-2")).to_be_visible()
    guesses = page.locator("section.slide", has=page.locator("h1", has_text="walk away with"))
    expect(guesses.locator(".measures")).to_contain_text("A BATNA is what a side gets")
    page.goto(f"{played.server}/instructor/games/{played.game_id}/present#slide-3")
    axe(page, "debrief-slides")
    page.close()

    # -- a student opens their results page from the play page -------------------------------
    eu = played.pages["eu"]
    eu.click("#tab-negotiate")
    eu.click("#neg-results a", timeout=TIMEOUT)
    expect(eu).to_have_url(re.compile(rf"/play/{played.game_id}/results$"))
    expect(eu.locator(".rp-student h1")).to_have_text("Your results, Student 1")
    expect(eu.locator(".rp-student")).to_contain_text(
        f"You estimated the Government of Azerbaijan's BATNA at {GUESSES['eu']} points.")
    expect(eu.locator(".rp-student")).to_contain_text(
        f"The Government of Azerbaijan estimated yours at {GUESSES['government']} points")
    expect(eu.locator(".rp-student tr.mine")).to_have_count(1)
    expect(eu.locator(".rp-student svg.chart")).to_be_visible()
    wide = eu.evaluate("() => document.scrollingElement.scrollWidth")
    assert wide <= PHONE["width"], "the results page fits the phone"
    _shot(eu, "student-results-top")
    axe(eu, "student-results-page")
    eu.locator(".rp-student svg.chart").scroll_into_view_if_needed()
    _shot(eu, "student-results-map")
    # on the phone the y axis's turned title clears its numbers (they ran into each other)
    clash = eu.evaluate("""() => {
        const svg = document.querySelector(".rp-student svg.chart");
        const title = [...svg.querySelectorAll("text.axis-label")].find(t => t.getAttribute("transform"));
        const t = title.getBoundingClientRect();
        return [...svg.querySelectorAll("text.y-tick")].map(n => n.getBoundingClientRect())
            .filter(r => r.left < t.right && r.right > t.left && r.top < t.bottom && r.bottom > t.top).length;
    }""")
    assert clash == 0, f"{clash} y-axis numbers under the axis title"
    eu.set_viewport_size(INSTRUCTOR)
    eu.evaluate("() => window.scrollTo(0, 0)")
    _shot(eu, "student-results-laptop")
    eu.set_viewport_size(PHONE)
    eu.click("#results-back")
    expect(eu.locator("#tabs")).to_be_visible()
    assert played.errors == []
