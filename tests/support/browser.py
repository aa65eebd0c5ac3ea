"""What the browser tests share: headless Chromium through Playwright, the instructor's login,
a game launched and a student joined, screenshots and axe-core checks.

Importing this module skips the test module (or the fixture) that imports it when Playwright
or /usr/bin/chromium is missing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from support.web import PASSWORD

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
TIMEOUT = 15_000  # ms for any one thing to show up

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)", allow_module_level=True)


@contextmanager
def chromium() -> Iterator[Any]:
    """One headless Chromium, closed afterwards."""
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            yield b
        finally:
            b.close()


# -- the instructor and the students ---------------------------------------------------
def log_in(page: Any, server: str) -> None:
    """The instructor signs in through the login form and lands on the library."""
    page.goto(server + "/instructor/login")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("#new-game")).to_be_visible()


def instructor_page(browser: Any, server: str, viewport: dict[str, int] | None = None,
                    ) -> tuple[Any, Any]:
    """A new context (close it after) whose page is the signed-in instructor's library."""
    ctx = browser.new_context(viewport=viewport or DESKTOP)
    ctx.set_default_timeout(TIMEOUT)
    page = ctx.new_page()
    log_in(page, server)
    return ctx, page


def api_session(server: str) -> requests.Session:
    """The instructor's HTTP session on the API."""
    api = requests.Session()
    r = api.post(f"{server}/api/login", json={"password": PASSWORD}, timeout=10)
    assert r.status_code == 200, r.text
    return api


def launch_game(api: requests.Session, server: str, ref: str, seed: int = 1) -> tuple[str, str]:
    """A new game of a scenario reference (`builtin:...`, an upload's ref): its id and code."""
    r = api.post(f"{server}/api/games", json={"ref": ref, "seed": seed}, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["game_id"], r.json()["code"]


def join_page(browser: Any, server: str, code: str, name: str, phone: bool = True) -> Any:
    """A student joins through the form in a context of its own (a phone's, or a laptop's)."""
    ctx = browser.new_context(viewport=PHONE if phone else DESKTOP, is_mobile=phone,
                              has_touch=phone)
    ctx.set_default_timeout(TIMEOUT)
    page = ctx.new_page()
    page.goto(f"{server}/join/{code}")
    page.fill("#name", name)
    page.click("button[type=submit]")
    return page


@dataclass
class Student:
    name: str
    context: Any
    page: Any
    phone: bool
    table: int = 0
    role: str = ""
    errors: list[str] | None = None


# -- looking at pages --------------------------------------------------------------------
def shot(page: Any, name: str, full: bool = False) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"] if page.viewport_size else 0
    page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=full)


def shots(page: Any, name: str, full: bool = False) -> None:
    """The same view at 390 and at 1280 px wide, back to the page's own size after."""
    own = dict(page.viewport_size)
    for size in (PHONE, DESKTOP):
        page.set_viewport_size(size)
        page.wait_for_timeout(50)
        shot(page, name, full)
    page.set_viewport_size(own)


AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"  # devDependency, from `npm ci`
AXE_FOUND: dict[str, list[dict[str, Any]]] = {}


def axe(page: Any, name: str) -> None:
    """Run axe-core on the page as it is; serious or critical problems fail the test."""
    if not AXE.exists():
        return
    page.evaluate(AXE.read_text(encoding="utf-8"))
    found = page.evaluate("""async () => (await axe.run(document, {resultTypes: ["violations"]}))
        .violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                               nodes: v.nodes.slice(0, 5).map(n => n.target.join(" "))}))""")
    AXE_FOUND[name] = found
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "axe.json").write_text(json.dumps(AXE_FOUND, indent=1))
    bad = [v for v in found if v["impact"] in ("serious", "critical")]
    assert not bad, f"{name}: accessibility problems: {bad}"


# -- the student page ----------------------------------------------------------------------
def tab(page: Any, name: str) -> None:
    page.click(f"#tab-{name}")
    expect(page.locator(f"#panel-{name}")).to_be_visible()


def choose(page: Any, pkg: dict[str, str]) -> None:
    tab(page, "negotiate")
    for issue, option in pkg.items():
        page.check(f"#opt-{issue}-{option}")


def chat(page: Any, channel: str, text: str) -> None:
    tab(page, "channels")
    page.click(f"#pill-{channel}")
    page.fill(f"#chat-input-{channel}", text)
    page.press(f"#chat-input-{channel}", "Enter")
    expect(page.locator(f"#chat-log-{channel} .msg-text", has_text=text)).to_be_visible()
