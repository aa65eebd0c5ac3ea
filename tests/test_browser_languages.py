"""One short game with a student in each language, on 390 px phones.

An English, a Russian and an Azerbaijani student (and a second Russian one, to fill
the table's four seats) pick their language on the join page, play briefing, openings,
negotiation and decision to the results, and open their results page. Each of their
screens is photographed (test-artifacts/languages/) and scanned: a visible text node
that equals an English msgid of the catalog which that language translates is a
failure, as is a page whose <html lang> is not the student's. The instructor's
dashboard (1280x800) and the projector (1920x1080) are photographed in Russian.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from roleplay.i18n import catalogs
from roleplay.i18n.tool import extract
from roleplay.paths import scenarios_dir
from roleplay.scenario.loader import load_scenario
from support.browser import ROOT, TIMEOUT, expect
from support.web import PASSWORD

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "test-artifacts" / "languages"
SCENARIO = "association-agreement"
PHONE = {"width": 390, "height": 844}
#: what each language's join page says, to know the picker worked
JOIN_TITLE = {"en": "Join your class", "ru": "Присоединяйтесь к группе", "az": "Qrupunuza qoşulun"}

#: every visible text node of the page (not inside script/style), trimmed
VISIBLE_TEXT = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const text = n.nodeValue.replace(/\\s+/g, " ").trim();
    if (!text) continue;
    const el = n.parentElement;
    if (!el || el.closest("script, style, [hidden]")) continue;
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (box.width === 0 || box.height === 0 || style.visibility === "hidden") continue;
    out.push(text);
  }
  return out;
}"""


def _english_catalog() -> dict[str, list[re.Pattern[str]]]:
    """Per language, a pattern for each English msgid it translates differently: the
    msgid's words with each placeholder standing for any text."""
    out: dict[str, list[re.Pattern[str]]] = {}
    msgids = [m.id for m in extract() if m.id]
    for lang in ("ru", "az"):
        tr = catalogs.translations(lang)
        pats = []
        for mid in msgids:
            english = mid[0] if isinstance(mid, tuple) else mid
            forms = [mid[0], mid[1]] if isinstance(mid, tuple) else [mid]
            translated = (tr.ngettext(mid[0], mid[1], 5) if isinstance(mid, tuple)
                          else tr.gettext(english))
            for form in forms:
                if translated == form or not re.search(r"[A-Za-z]{2}", form):
                    continue  # the same in both languages (a code, "CSV (zip)", "QR")
                parts = re.split(r"%\(\w+\)[sd]|%[sd]", form)
                if len(re.findall(r"[A-Za-z]", "".join(parts))) < 5:
                    continue  # "%(label)s: %(value)s of %(max)s" would match any sentence
                # a placeholder is a name or a number: short, no sentence inside
                body = "((?:(?!\\. ).){1,60}?)".join(
                    re.escape(p.strip() if len(parts) == 1 else p) for p in parts)
                pats.append(re.compile(rf"^{body}$"))
        out[lang] = pats
    return out


def scenario_texts(sc: Any) -> set[str]:
    """Every string of the scenario: shown as the scenario has it (untranslated here, and
    exempt from the scan), e.g. a phase called "Results"."""
    out: set[str] = set()

    def walk(x: Any) -> None:
        if isinstance(x, str):
            out.add(" ".join(x.split()))
        elif isinstance(x, dict):
            for v in x.values():
                walk(v)
        elif isinstance(x, list | tuple):
            for v in x:
                walk(v)

    walk(sc.model_dump(mode="json"))
    return out


def untranslated(texts: list[str], patterns: list[re.Pattern[str]],
                 exempt: set[str] | None = None) -> list[str]:
    return sorted({t for t in texts for p in patterns
                   if p.match(t) and t not in (exempt or set())})


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def test_the_scan_finds_an_english_string_on_a_russian_page() -> None:
    patterns = _english_catalog()["ru"]
    assert untranslated(["Join your class", "Присоединяйтесь к группе", "Student 2"],
                        patterns) == ["Join your class"]
    assert untranslated(["Table 3", "Стол 3"], patterns) == ["Table 3"]
    # a scenario's own text is exempt; a sentence is not a placeholder
    assert untranslated(["Results"], patterns, {"Results"}) == []
    assert untranslated(["Ваша роль: Government of Azerbaijan. It is long. Very."], patterns) == []


def test_a_student_in_each_language(server: str, browser: Any) -> None:
    sc = load_scenario(scenarios_dir() / f"{SCENARIO}.yaml")
    patterns = _english_catalog()
    exempt = scenario_texts(sc)
    page_errors: list[str] = []
    found: dict[str, list[str]] = {}

    def scan(page: Any, lang: str, where: str) -> None:
        """Photographs the screen and records English catalog strings on it."""
        _shot(page, f"{where}-{lang}-390")
        assert page.evaluate("() => document.documentElement.lang") == lang, where
        if lang != "en":
            bad = untranslated(page.evaluate(VISIBLE_TEXT), patterns[lang], exempt)
            if bad:
                found[f"{lang} {where}"] = bad

    # the instructor (English dashboard) creates the game
    ictx = browser.new_context(viewport={"width": 1280, "height": 800})
    ictx.set_default_timeout(TIMEOUT)
    dash = ictx.new_page()
    dash.goto(server + "/instructor/login")
    dash.fill("#password", PASSWORD)
    dash.click("button[type=submit]")
    dash.check(f"input[name=ref][value='builtin:{SCENARIO}']")
    dash.click("#create-game")
    expect(dash).to_have_url(re.compile(r"/instructor/games/\w+"))
    code = dash.locator("#dash-code").inner_text().strip()
    game_id = dash.url.rstrip("/").split("/")[-1]

    students: list[tuple[str, Any, Any]] = []
    for i, lang in enumerate(("en", "ru", "az", "ru")):
        ctx = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True,
                                  locale="en-GB")  # the picker, not the browser, decides
        ctx.set_default_timeout(TIMEOUT)
        page = ctx.new_page()
        page.on("pageerror", lambda e, who=lang: page_errors.append(f"{who}: {e}"))
        page.goto(f"{server}/join/{code}")
        if lang != "en":
            page.click(f"#lang-picker [data-lang={lang}]")
        expect(page.locator("#join-title")).to_have_text(JOIN_TITLE[lang])
        expect(page.locator("#code")).to_have_value(code)
        page.fill("#name", f"Student {i + 1}")
        if i < 3:
            scan(page, lang, "join")
        page.click("button[type=submit]")
        expect(page).to_have_url(re.compile(rf"/play/{game_id}$"))
        expect(page.locator("#screen-waiting")).to_be_visible()
        if i < 3:
            scan(page, lang, "waiting")
        students.append((lang, ctx, page))
    # the choice survives a reload
    ru_page = students[1][2]
    ru_page.reload()
    expect(ru_page.locator("#screen-waiting")).to_be_visible()
    assert ru_page.evaluate("() => document.documentElement.lang") == "ru"
    # and the play page changes it: the fourth student (Russian) switches to Azerbaijani and back
    switcher = students[3][2]
    switcher.click("#play-lang [data-lang=az]")
    expect(switcher.locator("html")).to_have_attribute("lang", "az")
    expect(switcher.locator("#screen-waiting")).to_be_visible()
    expect(switcher.locator("#waiting-help")).to_have_text("Bu səhifəni açıq saxlayın. O, özü yenilənir.")
    switcher.click("#play-lang [data-lang=ru]")
    expect(switcher.locator("html")).to_have_attribute("lang", "ru")
    expect(switcher.locator("#screen-waiting")).to_be_visible()

    dash.click("#btn-assign")
    for _, _, page in students:
        expect(page.locator("#lobby-seat")).to_be_visible()
    dash.click("#btn-start")
    for lang, _, page in students[:3]:
        expect(page.locator("#tab-briefing")).to_be_visible()
        scan(page, lang, "briefing")
    for step in range(1, 4):  # openings, negotiation, decision
        dash.click("#btn-advance")
        expect(dash.locator("#dash-phase")).to_contain_text(sc.phases[step].title[:20])
        for lang, _, page in students[:3]:
            page.click("#tab-negotiate")
            expect(page.locator("#panel-negotiate")).to_be_visible()
            scan(page, lang, f"negotiate-{sc.phases[step].id}")
    dash.click("#btn-advance")
    for lang, _, page in students[:3]:
        expect(page.locator("#results-title")).to_be_visible()
        scan(page, lang, "results")

    # the results page of each student, then the projector in Russian
    dash.click("#btn-end")
    dash.click("#btn-end")  # confirm
    for lang, _, page in students[:3]:
        page.goto(f"{server}/play/{game_id}/results")
        expect(page.locator(".rp-student")).to_be_visible()
        scan(page, lang, "results-page")

    dash.goto(dash.url.split("?")[0] + "?lang=ru")
    expect(dash.locator("html")).to_have_attribute("lang", "ru")
    expect(dash.locator("#dash-phase")).to_be_visible()
    dash.screenshot(path=str(ARTIFACTS / "dashboard-ru-1280.png"))
    wall = ictx.new_page()
    wall.set_viewport_size({"width": 1920, "height": 1080})
    wall.goto(f"{server}/projector/{game_id}?lang=ru")
    expect(wall.locator("html")).to_have_attribute("lang", "ru")
    expect(wall.locator("#proj-play")).to_be_visible()
    expect(wall.locator("#clock")).to_have_text("Окончено")
    wall.screenshot(path=str(ARTIFACTS / "projector-ru-1920.png"))
    wall_english = untranslated(wall.evaluate(VISIBLE_TEXT), patterns["ru"], exempt)
    if wall_english:
        found["ru projector"] = wall_english

    for _, ctx, _ in students:
        ctx.close()
    ictx.close()
    assert not page_errors, page_errors
    assert found == {}, "English strings of the catalog on translated pages: " + repr(found)


def test_artifacts_folder_is_ignored() -> None:
    assert "test-artifacts" in (ROOT / ".gitignore").read_text() or not Path(ARTIFACTS).exists()
