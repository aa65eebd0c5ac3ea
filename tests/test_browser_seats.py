"""The seminar's server side in Chromium: the loopback warning on the dashboard, a student
back from a fresh browser in their own seat, a duplicate told, a seat handed and two players
merged from the dashboard, a moved student's notice, the inject list after a campaign's step
change and the live log's game-wide lines. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from support.browser import api_session, axe, expect, instructor_page, join_page, shot


@pytest.mark.browser
def test_seats_come_back_and_the_dashboard_follows_the_campaign(server: str, browser: Any) -> None:
    ictx, dash = instructor_page(browser, server)
    dash.check("input[name=ref][value='campaign:campaign-2010-2016']")
    dash.click("#create-game")
    expect(dash).to_have_url(re.compile(r"/instructor/games/\w+"))
    code = dash.locator("#dash-code").inner_text().strip()
    # the test server listens on 127.0.0.1 only: the dashboard says so, in red, with the fix
    warning = dash.locator("#join-warning")
    expect(warning).to_contain_text("Phones cannot reach this address")
    expect(warning).to_contain_text("--host 0.0.0.0")
    shot(dash, "dashboard-loopback-warning")

    names = ["Tom", "Ann", "Eve", "Bob"]
    phones = [join_page(browser, server, code, n) for n in names]
    for p in phones:
        expect(p.locator("#screen-waiting, #screen-game").first).to_be_visible()
    # a duplicate is told, not renamed
    dup = join_page(browser, server, code, "TÓM")
    expect(dup.locator("#join-error")).to_contain_text("Someone called Tom is playing")
    shot(dup, "join-duplicate-told")
    dup.context.close()

    dash.click("#btn-start")
    expect(phones[0].locator("#top-table")).to_have_text("Table 1")
    role = phones[0].locator("#top-role").inner_text()

    # Tom's phone dies; he joins again from a fresh browser and sits where he sat
    phones[0].context.close()
    for _ in range(40):  # until the server has seen his socket close
        back = join_page(browser, server, code, "tom")
        if back.locator("#join-error").count() == 0:
            break
        back.context.close()
        time.sleep(0.25)
    expect(back.locator("#top-role")).to_have_text(role)
    expect(back.locator(".banner", has_text="Welcome back, Tom")).to_be_visible()
    shot(back, "student-seat-back")

    # the instructor moves Ann: she is told where she now sits
    ann = phones[1]
    dash.locator("#lobby").evaluate("d => { if (d.tagName === 'DETAILS') d.open = true; }")
    seat_menu = dash.locator("#players select[aria-label='Seat for Ann']")
    seat_menu.select_option("1:lobbyist")
    expect(ann.locator(".banner", has_text="Your instructor moved you")).to_be_visible()
    shot(ann, "student-moved-notice")

    # Eve comes back as "Evelyn": the instructor merges the two from the dashboard
    phones[2].context.close()
    evelyn = join_page(browser, server, code, "Evelyn")
    expect(evelyn.locator("#top-table")).to_be_visible()
    repair = dash.locator("#seat-repair")
    expect(repair.locator("#merge-absorb option", has_text="Evelyn")).to_have_count(1)
    repair.locator("#merge-absorb").select_option(label=repair.locator(
        "#merge-absorb option", has_text="Evelyn").inner_text())
    repair.locator("#merge-keep").select_option(label=repair.locator(
        "#merge-keep option", has_text="Eve ").first.inner_text())
    repair.locator("#merge-submit").click()
    expect(evelyn.locator(".banner", has_text="gave you Eve's seat")).to_be_visible()
    shot(dash, "dashboard-seat-repair")
    axe(dash, "dashboard-seat-repair")

    # Bob's seat is handed to "Robert" while Bob's tab is still open
    repair.locator("#hand-player").select_option(label=repair.locator(
        "#hand-player option", has_text="Bob").inner_text())
    repair.locator("#hand-name").fill("Robert")
    repair.locator("#hand-submit").click()
    expect(repair.locator("#hand-pending")).to_contain_text("Bob")
    robert = join_page(browser, server, code, "Robert")
    expect(robert.locator(".banner", has_text="gave you this seat")).to_be_visible()
    expect(phones[3].locator("#message-title")).to_have_text("You are no longer in this game")

    # the campaign moves on: the inject list is the second scenario's, with effects in words
    session = api_session(server)
    game_id = dash.url.rstrip("/").split("/")[-1]

    def step() -> int:
        return int(session.get(f"{server}/api/games/{game_id}").json()["view"]["game"]["step"])

    first = dash.locator("#inject-event option").all_inner_texts()
    while step() < 1:
        seq = session.get(f"{server}/api/games/{game_id}").json()["view"]["game"]["seq"]
        dash.click("#btn-advance")
        for _ in range(100):  # until the advance is stored
            if session.get(f"{server}/api/games/{game_id}").json()["view"]["game"]["seq"] > seq:
                break
            time.sleep(0.05)
    expect(dash.locator("#inject-event option").first).not_to_have_text(first[0])
    after = dash.locator("#inject-event option").all_inner_texts()
    assert after != first and any("BATNA" in t for t in after), after
    dash.locator("#inject-event").select_option(index=0)
    dash.click("#inject-submit")
    shot(dash, "dashboard-after-step", full=True)
    dash.locator("#table-open-1").click()
    log = dash.locator("#dialog-body .log")
    expect(log.locator("li", has_text="Next scenario")).to_have_count(1)  # game-wide line
    shot(dash, "dashboard-log-after-step")
    ictx.close()
