"""Each role's card fits one phone screen (390 x 844) in Chromium, in every built-in scenario.

Four students join each scenario's game on phones; the instructor seats and starts it.
On the Briefing tab, with the phase and event banners dismissed, the card (objective,
BATNA, what the role does not know, rights, one line per action, the score) must end
above the bottom of the first screen, the confidential briefing follows it, and the
shared background is collapsed. Screenshots
go to test-artifacts/cards/ (one per role and scenario) for a person to look at.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from support.browser import api_session, expect, join_page, launch_game, log_in
from support.web import running_server

pytestmark = [pytest.mark.browser, pytest.mark.server]
PHONE = {"width": 390, "height": 844}
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "cards"
SCENARIOS = ("association-agreement", "strategic-partnership", "progress-report")

#: Where the card ends and what the first screen holds, in CSS pixels of the page.
MEASURE = """() => {
  const card = document.getElementById('role-card').getBoundingClientRect();
  const bg = document.getElementById('brief-bg');
  return {top: card.top + window.scrollY, bottom: card.bottom + window.scrollY,
          width: card.width, scrollWidth: document.documentElement.scrollWidth,
          actions: document.querySelectorAll('#role-card .card-actions li').length,
          backgroundOpen: bg.open, confidential: !!document.getElementById('brief-conf')};
}"""


def test_every_role_card_fits_one_phone_screen(tmp_path: Path, browser: Any) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with running_server(tmp_path, "threading") as srv:
        api = api_session(srv.url)
        ictx = browser.new_context()
        dash = ictx.new_page()
        log_in(dash, srv.url)
        too_tall = []
        for scenario in SCENARIOS:
            gid, code = launch_game(api, srv.url, f"builtin:{scenario}")
            pages = []
            for i in range(4):
                page = join_page(browser, srv.url, code, f"Student {i + 1}")
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
