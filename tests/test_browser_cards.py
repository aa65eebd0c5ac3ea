"""Each role's card fits one phone screen (390 x 844) in Chromium, in every built-in scenario.

Four students join each scenario's game on phones; the instructor seats and starts it.
On the Briefing tab, with the phase and event banners dismissed, the card (objective,
BATNA, what the role does not know, rights, one line per action, the score) must end
above the bottom of the first screen, the confidential briefing follows it, and the
shared background is collapsed. Screenshots
go to test-artifacts/cards/ (one per role and scenario) for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from conftest_web import PASSWORD, running_server

pytestmark = [pytest.mark.browser, pytest.mark.server]
CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 390, "height": 844}
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "cards"
SCENARIOS = ("association-agreement", "strategic-partnership", "progress-report")
sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect
if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} is missing", allow_module_level=True)

#: Where the card ends and what the first screen holds, in CSS pixels of the page.
MEASURE = """() => {
  const card = document.getElementById('role-card').getBoundingClientRect();
  const bg = document.getElementById('brief-bg');
  return {top: card.top + window.scrollY, bottom: card.bottom + window.scrollY,
          width: card.width, scrollWidth: document.documentElement.scrollWidth,
          actions: document.querySelectorAll('#role-card .card-actions li').length,
          backgroundOpen: bg.open, confidential: !!document.getElementById('brief-conf')};
}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield b
        b.close()


def test_every_role_card_fits_one_phone_screen(tmp_path: Path, browser: Any) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with running_server(tmp_path, "threading") as srv:
        api = requests.Session()
        assert api.post(f"{srv.url}/api/login", json={"password": PASSWORD}).status_code == 200
        ictx = browser.new_context()
        dash = ictx.new_page()
        dash.goto(f"{srv.url}/instructor/login")
        dash.fill("input[name=password]", PASSWORD)
        dash.click("button[type=submit]")
        too_tall = []
        for scenario in SCENARIOS:
            game = api.post(f"{srv.url}/api/games",
                            json={"ref": f"builtin:{scenario}", "seed": 1}).json()
            gid, code = game["game_id"], game["code"]
            pages = []
            for i in range(4):
                ctx = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
                ctx.set_default_timeout(15_000)
                page = ctx.new_page()
                page.goto(f"{srv.url}/join/{code}")
                page.fill("#name", f"Student {i + 1}")
                page.click("button[type=submit]")
                expect(page.locator("#screen-waiting")).to_be_visible()
                pages.append(page)
            dash.goto(f"{srv.url}/instructor/games/{gid}")
            dash.click("#btn-assign")
            for page in pages:
                expect(page.locator("#lobby-seat")).to_be_visible()
            dash.click("#btn-start")
            roles = set()
            for page in pages:
                expect(page.locator("#lobby-seat")).to_have_count(0)
                expect(page.locator("#role-card")).to_be_visible()
                role = page.evaluate("() => window.__roleplay.state().role")
                roles.add(role)
                # the phase and event banners are dismissed as a student would
                page.evaluate("() => document.querySelectorAll('.banner-close')"
                              ".forEach(b => b.click())")
                expect(page.locator("#banners .banner")).to_have_count(0)
                page.evaluate("() => window.scrollTo(0, 0)")
                page.screenshot(path=str(ARTIFACTS / f"{scenario}-{role}.png"))
                got = page.evaluate(MEASURE)
                assert got["confidential"] and not got["backgroundOpen"], (scenario, role)
                assert got["actions"] >= 1, (scenario, role)
                assert got["scrollWidth"] <= PHONE["width"], (scenario, role, got)
                if got["bottom"] > PHONE["height"]:
                    too_tall.append((scenario, role, round(got["bottom"])))
                page.context.close()
            assert roles == {"eu", "government", "civil_society", "lobbyist"}, scenario
        assert not too_tall, f"cards taller than one 390x844 screen: {too_tall}"
