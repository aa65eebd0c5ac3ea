"""The library in Chromium: a scenario previewed before class, and a broken upload's problems
under its lines, each checked with axe and kept as a 1280x800 screenshot in test-artifacts/."""

from __future__ import annotations

from typing import Any

import pytest

from roleplay.paths import scenarios_dir
from support.browser import axe, expect, instructor_page, shot

pytestmark = pytest.mark.browser


def test_the_instructor_previews_a_scenario_and_sees_an_uploads_problems(
        browser: Any, server: str) -> None:
    ctx, page = instructor_page(browser, server)
    try:
        page.click("text=The Strategic Partnership Agreement, 2015–2016 >> nth=-1")
        expect(page.locator("h1")).to_contain_text("Strategic Partnership")
        expect(page.locator(".role-card")).to_have_count(4)
        expect(page.locator(".pv-figure svg")).to_be_visible()
        shot(page, "library-preview")
        axe(page, "library preview")

        page.goto(server + "/instructor/")
        text = (scenarios_dir() / "strategic-partnership.yaml").read_text(encoding="utf-8")
        bad = text.replace("    briefing:\n", "    briefng:\n", 1)
        page.locator("details:has(#yaml) > summary").click()
        page.fill("#yaml", bad)
        page.click("text=Check and upload")
        problem = page.locator(".source tr.problem").first
        expect(problem).to_contain_text("did you mean 'briefing'?")
        expect(page.locator("#yaml")).to_have_value(bad)  # nothing pasted is lost
        problem.scroll_into_view_if_needed()
        shot(page, "library-upload-problems")
        axe(page, "library upload problems")
    finally:
        ctx.close()
