"""The library's preview before class, and an upload's problems shown under their lines."""

from __future__ import annotations

import html
import re

from flask.testing import FlaskClient

from roleplay.engine.cards import role_card
from roleplay.paths import scenarios_dir
from roleplay.scenario.model import Scenario
from roleplay.scenario.resolve import resolve_source


def _text(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_the_preview_shows_each_seat_its_briefing_and_the_numbers(instructor: FlaskClient) -> None:
    r = instructor.get("/instructor/library/preview?ref=builtin:association-agreement")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    words = " ".join(_text(page).split())
    sc = resolve_source("association-agreement")
    assert isinstance(sc, Scenario)
    for role_id in sc.table.roles:
        role = sc.role(role_id)
        card = role_card(sc, role_id)  # what the student's page lays out, from the server
        assert f"You are: {card['name']}" in words
        assert f"BATNA {role.batna:g} points: {card['batna_meaning']}" in words
        assert all(f"{a['name']}: {a['effect']}" in words for a in card["actions"])
        assert f"Your briefing: {role.name}" in words
        first = " ".join(role.briefing.confidential.split("\n\n")[0].split())
        assert first in words
    assert "Packages 243" in words and "Nash bargaining solution" in words
    assert "<svg" in page and 'id="preview"' in page  # the report's outcome-space figure
    assert "debrief.css" in page


def test_a_campaign_previews_every_step(instructor: FlaskClient) -> None:
    page = instructor.get("/instructor/library/preview?ref=campaign:campaign-2010-2016").get_data(
        as_text=True)
    assert "Step 1 of 3" in page and "Step 3 of 3" in page
    assert page.count("<svg") >= 3


def test_the_preview_is_for_the_instructor_only(client: FlaskClient,
                                                instructor: FlaskClient) -> None:
    r = client.get("/instructor/library/preview?ref=builtin:association-agreement")
    assert r.status_code in (302, 303, 401, 403)
    assert "confidential" not in r.get_data(as_text=True).lower()
    assert instructor.get("/instructor/library/preview?ref=builtin:nope").status_code == 404
    assert instructor.get("/instructor/library/preview").status_code == 404


def test_the_library_links_each_entry_to_its_preview(instructor: FlaskClient) -> None:
    page = instructor.get("/instructor/").get_data(as_text=True)
    assert "/instructor/library/preview?ref=builtin:association-agreement" in page
    assert "/instructor/library/preview?ref=campaign:campaign-2010-2016" in page


def test_an_upload_with_errors_shows_each_under_its_line(instructor: FlaskClient) -> None:
    page = instructor.get("/instructor/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    text = (scenarios_dir() / "association-agreement.yaml").read_text(encoding="utf-8")
    bad = text.replace("    side: eu\n", "\tside: eu\n", 1)
    line = bad.splitlines().index("\tside: eu") + 1
    r = instructor.post("/instructor/scenarios", data={"yaml": bad, "csrf_token": token.group(1)})
    assert r.status_code == 400
    body = r.get_data(as_text=True)
    row = re.search(rf'<tr class="bad" id="src-line-{line}"><th scope="row">{line}</th><td>(.*?)</td>',
                    body)
    assert row and row.group(1) == "\tside: eu"
    after = body[row.end():]
    problem = re.search(r'<tr class="problem"><td></td><td>(.*?)</td>', after, re.S)
    assert problem and "↑ a tab character; indent with spaces" in problem.group(1)
    assert f'id="src-line-{line - 2}"' in body and f'id="src-line-{line + 3}"' not in body
    assert re.search(r"… \d+ lines? …", body)  # the rest of the file is folded away
    pasted = re.search(r'<textarea id="yaml"[^>]*>(.*?)</textarea>', body, re.S)
    assert pasted and html.unescape(pasted.group(1)) == bad  # nothing typed is lost
