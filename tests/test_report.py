"""The debrief report: self-contained, escaped, and every plot drawn in a real browser."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from markupsafe import escape

from roleplay.driver import play_game
from roleplay.engine.commands import Actor
from roleplay.engine.state import GameState
from roleplay.export import build_export
from roleplay.report import render_report, render_report_body
from roleplay.scenario.resolve import resolve_source
from roleplay.service import GameService, Joined
from roleplay.storage.db import make_engine
from roleplay.storage.eventstore import EventStore

DATA = Path(__file__).parent / "data"
ARTIFACTS = Path(__file__).parent.parent / "test-artifacts"
XSS_NAME = "<img src=x onerror=alert(1)>"
XSS_CHAT = "</script><script>alert(1)</script>"
#: Marks a plot must draw at least (axes alone are more than this; a blank plot has none).
MIN_MARKS = 12


def _play(ref: str, *, xss: bool) -> dict[str, Any]:
    service = GameService(EventStore(make_engine("sqlite://")))
    joined: list[Joined] = []
    real_join = service.join

    def join(code: str, name: str) -> Joined:
        j = real_join(code, XSS_NAME if xss and not joined else name)
        joined.append(j)
        return j

    def chat(state: GameState) -> None:
        if xss and state.step == 0 and state.phase_index == 0:
            actor = Actor("player", joined[0].player_id)
            service.execute(state.setup.game_id, actor, "chat", {"channel": "team", "text": XSS_CHAT})

    service.join = join  # type: ignore[method-assign]
    state = play_game(service, resolve_source(ref), players=8, seed=1, on_phase=chat)
    return build_export(service, state.setup.game_id)


@pytest.fixture(scope="module")
def four_export() -> dict[str, Any]:
    return _play(str(DATA / "four-roles.yaml"), xss=True)


@pytest.fixture(scope="module")
def campaign_export() -> dict[str, Any]:
    return _play("campaign-2010-2016", xss=False)


# -- the HTML itself ------------------------------------------------------------------------


class _Links(HTMLParser):
    """Every tag, and every attribute value that could make a browser fetch something."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        for name, value in attrs:
            if name in ("src", "href", "xlink:href", "srcset", "data", "action", "poster"):
                self.urls.append(value or "")


def test_the_report_loads_nothing_and_runs_no_script(four_export: dict[str, Any]) -> None:
    html = render_report(four_export)
    assert html.startswith("<!DOCTYPE html>")
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert "<script" not in html.lower()
    assert "<img" not in html.lower() and "<link" not in html.lower() and "@import" not in html
    links = _Links()
    links.feed(html)
    assert "img" not in links.tags and "script" not in links.tags and "iframe" not in links.tags
    assert links.urls and all(u.startswith("#") for u in links.urls), links.urls  # in-page anchors only
    assert "url(" not in html
    # the only URL is the SVG namespace, which is a name, not a request
    assert set(re.findall(r"https?://[^\s\"'<>]+", html)) <= {"http://www.w3.org/2000/svg"}


def test_names_chat_and_scenario_text_are_escaped(four_export: dict[str, Any]) -> None:
    html = render_report(four_export)
    assert XSS_NAME not in html and XSS_CHAT not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_body_embeds_with_scoped_styles(four_export: dict[str, Any]) -> None:
    body = render_report_body(four_export)
    assert not re.search(r"<(html|head|body|meta)[\s>]", body)
    assert body.startswith("<style>") and '<div class="rp-report">' in body
    css = re.sub(r"/\*.*?\*/", "", body[len("<style>") : body.index("</style>")], flags=re.S)
    selectors = re.findall(r"(?m)^\s*([^@{}\s][^{}]*)\{", css)
    assert len(selectors) > 30
    for selector in selectors:
        assert all(s.strip().startswith(".rp-report") for s in selector.split(",")), selector


def test_a_campaign_has_one_section_per_step(campaign_export: dict[str, Any]) -> None:
    html = render_report(campaign_export)
    titles = [s["scenario"]["title"] for s in campaign_export["steps"]]
    assert html.count('<section class="step') == 3
    for i, title in enumerate(titles):
        assert f'id="step-{i + 1}"' in html and f'href="#step-{i + 1}"' in html
        assert str(escape(title)) in html
    tables = len(campaign_export["steps"][0]["tables"])
    # per step: map, outcome space, power panel, and two plots per table
    assert html.count('<figure class="plot') == 3 * (3 + 2 * tables)


def test_debrief_questions_and_history_are_in_the_report(campaign_export: dict[str, Any]) -> None:
    html = render_report(campaign_export)
    for step in campaign_export["steps"]:
        history = step["definition"]["history"]["text"].split("\n")[0]
        assert str(escape(history)) in html
        for q in step["definition"]["debrief"]["questions"]:
            assert str(escape(q.split("\n")[0])) in html


def test_each_table_shows_the_nash_package_it_faced_after_its_events(
    campaign_export: dict[str, Any],
) -> None:
    """The debrief shows the post-event problem each table faced, not the scenario's."""
    from roleplay.report.model import nash_faced
    from roleplay.scenario.model import Scenario

    html = render_report(campaign_export)
    for step in campaign_export["steps"]:
        sc = Scenario.model_validate(step["definition"])
        for score in step["outcomes"]["tables"]:
            line = nash_faced(sc, score)
            eu = next(r for r in score["roles"] if r["role"] == "eu")
            assert f"BATNAs after this table's events {eu['batna_after']:g}" in line
            nash = score["efficiency"]["nash"]
            if nash and nash["package"]:
                assert f"{nash['eu']:g} and" in line
            assert str(escape(line)) in html


def test_an_ongoing_history_is_not_called_a_deadlock(campaign_export: dict[str, Any]) -> None:
    """The SPA talks were still under way when the paper was written: no outcome to match."""
    html = render_report(campaign_export)
    spa = next(s for s in campaign_export["steps"]
               if s["definition"]["id"] == "strategic-partnership")
    assert spa["definition"]["history"]["ongoing"]
    assert html.count("still under way when the paper was written") == len(spa["tables"])
    assert html.count("<td>still being negotiated</td>") == len(spa["definition"]["issues"])


# -- in Chromium --------------------------------------------------------------------------


FIGURE_CHECK = """() => [...document.querySelectorAll('figure')].map(f => {
  const svg = f.querySelector('svg');
  if (!svg) return {id: f.id, ok: false};
  const box = svg.getBoundingClientRect();
  const marks = svg.querySelectorAll('circle, rect, line, polyline, polygon, path, text').length;
  return {id: f.id, ok: true, width: box.width, height: box.height, marks,
          caption: !!f.querySelector('figcaption'), label: svg.getAttribute('aria-label') || '',
          role: svg.getAttribute('role'), table: !!f.querySelector('table')};
})"""


def _open(browser: Any, path: Path, width: int) -> tuple[Any, Any, list[str], list[str]]:
    context = browser.new_context(viewport={"width": width, "height": 900})
    outside: list[str] = []
    dialogs: list[str] = []

    def route(r: Any) -> None:
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("request", lambda req: None if req.url.startswith("file://") else outside.append(req.url))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return context, page, outside, dialogs


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
def test_every_plot_renders_offline_in_chromium(
    browser: Any, four_export: dict[str, Any], tmp_path: Path, width: int
) -> None:
    path = tmp_path / "report.html"
    path.write_text(render_report(four_export), encoding="utf-8")
    context, page, outside, dialogs = _open(browser, path, width)
    try:
        figures = page.evaluate(FIGURE_CHECK)
        tables = len(four_export["steps"][0]["tables"])
        assert len(figures) == 3 + 2 * tables
        for f in figures:
            assert f["ok"], f
            assert f["width"] > 200 and f["height"] > 150, f
            assert f["marks"] >= MIN_MARKS, f
            assert f["caption"] and f["table"] and f["role"] == "img" and len(f["label"]) > 40, f
        # what students typed shows as text, and nothing ran
        assert page.get_by_text(XSS_NAME, exact=True).count() >= 1
        assert page.get_by_text(XSS_CHAT).count() >= 1
        assert page.locator("img").count() == 0 and page.locator("script").count() == 0
        ARTIFACTS.mkdir(exist_ok=True)
        name = "report.png" if width == 1280 else f"report-{width}.png"
        page.screenshot(path=str(ARTIFACTS / name), full_page=True)
        # a phone does not get a page wider than itself (wide plots and tables scroll inside)
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
    finally:
        context.close()
    assert outside == [], outside
    assert dialogs == [], dialogs


@pytest.mark.browser
def test_a_campaign_report_renders_every_step(
    browser: Any, campaign_export: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "campaign.html"
    path.write_text(render_report(campaign_export), encoding="utf-8")
    context, page, outside, dialogs = _open(browser, path, 1280)
    try:
        figures = page.evaluate(FIGURE_CHECK)
        assert len(figures) == 3 * (3 + 2 * len(campaign_export["steps"][0]["tables"]))
        assert all(f["ok"] and f["width"] > 200 and f["marks"] >= MIN_MARKS for f in figures)
        assert page.locator("section.step").count() == 3
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report-campaign.png"), full_page=True)
    finally:
        context.close()
    assert outside == [] and dialogs == []


def test_figure_captions_read_as_sentences() -> None:
    from roleplay.report.figures import MapDot, differentiation_map

    one = differentiation_map("m", [MapDot(1, 0.5, 0.7, 10.0, "tailor_made_partnership")], [2])
    assert "Scatter plot of 1 table with an agreement" in one.alt
    assert "1 deadlocked table has no T or PD and is not shown." in one.alt
    dots = [MapDot(t, 0.5, 0.3, 5.0, "cherry_picking") for t in (1, 2)]
    two = differentiation_map("m", dots, [3, 4])
    assert "Scatter plot of 2 tables" in two.alt and "2 deadlocked tables have no" in two.alt
    assert "(s)" not in one.alt + two.alt
    assert "Tables by type: unilateral template 0; joint standard 0; cherry-picking 2" in two.alt


class _Texts(HTMLParser):
    """Every text node of a page, stripped: a caption, a title, a heading, a table cell."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: set[str] = set()

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.texts.add(" ".join(data.split()))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.texts.update(" ".join(v.split()) for k, v in attrs if k in ("aria-label", "alt") and v)


def _report_msgids(locale: str) -> dict[str, str]:
    """The report's own Python-built messages (no placeholders) that `locale` translates."""
    from roleplay.i18n.catalogs import read_catalog

    out = {}
    for m in read_catalog(locale):
        where = {p for p, _ in m.locations}
        if (m.id and isinstance(m.id, str) and m.string and m.string != m.id and "%(" not in m.id
                and any(p.startswith("roleplay/report/") and p.endswith(".py") for p in where)):
            out[m.id] = m.string
    return out


def _report_patterns(locale: str) -> dict[str, re.Pattern[str]]:
    """The report's Python-built messages with placeholders (singular and plural forms) that
    `locale` translates, as patterns of their English text; only those with two words of
    three letters or more outside the placeholders (a bare '%(n)s deals.' would match too much)."""
    from roleplay.i18n.catalogs import read_catalog

    out = {}
    for m in read_catalog(locale):
        where = {p for p, _ in m.locations}
        if not (m.id and any(p.startswith("roleplay/report/") and p.endswith(".py") for p in where)):
            continue
        for english in (m.id if isinstance(m.id, tuple) else (m.id,)):
            parts = re.split(r"%\([a-z_]+\)s", english)
            if len(parts) < 2 or len(re.findall(r"[A-Za-z]{3,}", " ".join(parts))) < 2:
                continue
            out[english] = re.compile(".+?".join(re.escape(" ".join(p.split())) for p in parts))
    return out


@pytest.mark.parametrize("locale", ["ru", "az"])
def test_a_translated_debrief_has_no_english_caption_left(four_export: dict[str, Any], locale: str) -> None:
    from roleplay.report import render_presentation, rendered_in

    msgids = _report_msgids(locale)
    assert "What the class did" in msgids and "Words in the question:" in msgids
    with rendered_in(locale):
        pages = [render_report(four_export),
                 render_presentation(four_export, css_url="/c.css", script_url="/s.js", back_url="/")]
    texts: set[str] = set()
    for page in pages:
        parser = _Texts()
        parser.feed(page)
        texts |= parser.texts
    left = sorted(t for t in texts if t in msgids)
    assert not left, f"English left in the {locale} debrief: {left}"
    # a figure's description or a mark's tooltip is built from sentences with counts and names:
    # its English pattern (placeholders as wildcards) must not match any text of the page
    patterns = _report_patterns(locale)
    assert any("Scatter plot of" in english for english in patterns)
    english_left = sorted({english for text in texts for english, rx in patterns.items() if rx.search(text)})
    assert not english_left, f"English descriptions left in the {locale} debrief: {english_left}"
    assert msgids["What the class did"] in texts
    # without a chosen language (the CLI's default), the same slides are English
    english = _Texts()
    english.feed(render_presentation(four_export, css_url="/c.css", script_url="/s.js", back_url="/"))
    assert "What the class did" in english.texts
