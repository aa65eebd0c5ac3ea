"""After the game: the debrief slides and each student's results page (roleplay/web/aftergame.py)."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from roleplay.engine.commands import INSTRUCTOR_ACTOR, Actor
from roleplay.scenario.model import Scenario
from roleplay.service import GameService
from support.web import SECRETS, join, leaks

DEAL = {"rights": "none", "energy": "joint"}
GUESSES = {"eu": 33.5, "government": 29.25}


def _play(app: Flask, service: GameService, scenario: Scenario, *, show_results: bool = True,
          to_results: bool = True) -> tuple[str, dict[str, dict[str, Any]]]:
    """A game of one table played to its results: EU and government sign DEAL."""
    state = service.create_game(scenario, seed=5, show_results=show_results)
    gid = state.setup.game_id
    joined = [join(app.test_client(), state.setup.code, f"Student {i}") for i in range(4)]
    service.execute(gid, INSTRUCTOR_ACTOR, "start")
    players = service.state(gid).players
    by_role = {players[j["player_id"]].role or "": j for j in joined}
    for role, guess in GUESSES.items():
        service.execute(gid, Actor("player", by_role[role]["player_id"]), "guess_batna", {"guess": guess})
    service.execute(gid, INSTRUCTOR_ACTOR, "advance")  # talks
    service.execute(gid, Actor("player", by_role["eu"]["player_id"]), "propose", {"package": DEAL})
    service.execute(gid, INSTRUCTOR_ACTOR, "advance")  # decision
    for role in ("eu", "government"):
        service.execute(gid, Actor("player", by_role[role]["player_id"]), "sign", {})
    if to_results:
        service.execute(gid, INSTRUCTOR_ACTOR, "advance")  # results
    return gid, by_role


def _results(app: Flask, gid: str, token: Any) -> tuple[int, str]:
    """A fresh browser posts its seat token, then reads its results page (status, HTML)."""
    c = app.test_client()
    r = c.post(f"/play/{gid}/results", data={"token": token})
    if r.status_code != 303:
        return r.status_code, r.get_data(as_text=True)
    assert r.headers["Location"].endswith(f"/play/{gid}/results")
    r = c.get(f"/play/{gid}/results")
    return r.status_code, r.get_data(as_text=True)


def test_each_student_sees_only_what_their_role_may(app: Flask, client: FlaskClient,
                                                     web_service: GameService,
                                                     four_secrets: Scenario) -> None:
    gid, by_role = _play(app, web_service, four_secrets)
    scores = web_service.scores(web_service.state(gid)).tables[0]
    pages = {}
    for role, j in by_role.items():
        status, html = _results(app, gid, j["token"])
        assert status == 200, html
        pages[role] = html
        assert leaks(html, role) == [], role  # no other role's points, BATNA or briefing marker
        assert SECRETS[role]["marker"] not in html  # nor the student's own briefing: not a results matter
        own = scores.role(role)
        assert f'<dd class="you-score">{own.score:.0f}</dd>' in html
        assert f"<dd>{own.utility:g}</dd>" in html  # its own points
        assert f"<dd>{own.batna_after:g}</dd>" in html  # its own BATNA
        for other in scores.roles:  # no other role's utility or BATNA as a stated figure
            if other.role != role and other.utility != own.utility:
                assert f"<dd>{other.utility:g}</dd>" not in html
        assert "Your table signed an agreement." in html and "No clause" in html
        assert "your table" in html  # the map rings the student's table
        assert f'<dd class="you-t">{scores.differentiation.tailoring:.2f}</dd>' in html  # the T and PD
        assert f'<dd class="you-pd">{scores.differentiation.partnership:.2f}</dd>' in html  # questions name
        assert "joint gains" not in html  # with its own points they would give the other side's away
    assert "You estimated the Government&#39;s BATNA at 33.5 points." in pages["eu"]
    assert "The Government estimated yours at 29.25 points" in pages["eu"]
    assert "You estimated the European Union&#39;s BATNA at 29.25 points." in pages["government"]
    for role in ("civil_society", "lobbyist"):
        assert "estimated" not in pages[role]


def test_results_wait_for_their_release_and_need_a_seat(app: Flask, client: FlaskClient,
                                                        web_service: GameService,
                                                        four_secrets: Scenario) -> None:
    gid, by_role = _play(app, web_service, four_secrets, show_results=False)
    token = by_role["eu"]["token"]
    status, html = _results(app, gid, token)
    assert status == 200 and "not out yet" in html and 'id="results-reload"' in html
    assert "Your role" not in html
    assert _results(app, gid, "x" * 32)[0] == 403
    assert _results(app, gid, by_role["eu"]["token"][:-2] + "zz")[0] == 403
    assert app.test_client().post(f"/play/{gid}/results").status_code == 403
    assert _results(app, "nosuchgame", token)[0] == 403
    web_service.execute(gid, INSTRUCTOR_ACTOR, "release_results")
    status, html = _results(app, gid, token)
    assert status == 200 and "Your results" in html and "Your role's score" in html
    # the session remembers the seat; a removed student loses it
    c = app.test_client()
    c.post(f"/play/{gid}/results", data={"token": token})
    assert "Your role's score" in c.get(f"/play/{gid}/results").get_data(as_text=True)
    web_service.execute(gid, INSTRUCTOR_ACTOR, "kick", {"player": by_role["eu"]["player_id"]})
    r = c.get(f"/play/{gid}/results")
    assert r.status_code == 403 and "Your role" not in r.get_data(as_text=True)
    # another game's page does not read this session's seat
    other, _ = _play(app, web_service, four_secrets)
    c.post(f"/play/{gid}/results", data={"token": by_role["government"]["token"]})
    assert "Your role" not in c.get(f"/play/{other}/results").get_data(as_text=True)


def test_the_results_page_is_a_shell_under_the_apps_csp(app: Flask, client: FlaskClient,
                                                         web_service: GameService,
                                                         four_secrets: Scenario) -> None:
    gid, _ = _play(app, web_service, four_secrets, to_results=False)
    r = client.get(f"/play/{gid}/results")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    assert re.search(r'<script src="/static/results\.js', html)
    assert "<script>" not in html and "<style" not in html
    assert f'action="/play/{gid}/results"' in html and 'name="token" value=""' in html
    assert client.get("/play/nosuchgame/results").status_code == 404
    css = client.get("/debrief.css")
    assert css.status_code == 200 and css.mimetype == "text/css" and ".rp-present .slide" in css.get_data(
        as_text=True)
    # the play page's results link leads here
    view = web_service.view(gid, next(iter(web_service.state(gid).players)))
    assert view.get("results") is None  # not yet: the table is at its decision


def test_the_slides_are_for_the_instructor_one_figure_each(app: Flask, client: FlaskClient,
                                                           instructor: FlaskClient,
                                                           web_service: GameService,
                                                           four_secrets: Scenario) -> None:
    gid, _ = _play(app, web_service, four_secrets)
    assert client.get(f"/instructor/games/{gid}/present").status_code in (302, 303)
    assert instructor.get("/instructor/games/nosuchgame/present").status_code == 404
    r = instructor.get(f"/instructor/games/{gid}/present")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    assert "<style" not in html and ' style="' not in html  # style-src 'self': no inline styles
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/present.js" defer>']
    slides = re.findall(r'<section class="slide kind-(\w+)" id="slide-(\d+)"', html)
    assert [int(n) for _, n in slides] == list(range(1, len(slides) + 1))
    titles = re.findall(r'<h1 id="slide-\d+-h">([^<]*)</h1>', html)
    assert "How far each table moved from the EU template" in titles
    assert "What each side thought the other could walk away with" in titles  # the guesses
    assert "Question 1 of 1" in titles
    for section in html.split('<section class="slide ')[1:]:
        assert section.count("<svg") <= 1  # one figure per screen
    assert html.count('<p class="measures">') == len(slides)
    assert html.count("What this measures:") == len(slides) - 1  # the question: how to use it
    assert "tailoring T" in html and "partnership differentiation PD" in html  # jargon, explained
    assert not any(re.search(r"\b(T|PD|E_J|DP|OP)\b", t) for t in titles)  # no jargon in titles
    # the live debrief page links to the slides; the file export does not
    debrief = instructor.get(f"/instructor/games/{gid}/debrief").get_data(as_text=True)
    assert f'href="/instructor/games/{gid}/present"' in debrief
    assert instructor.get(f"/instructor/games/{gid}").get_data(as_text=True).count(
        f"/instructor/games/{gid}/present") == 1
    export = instructor.get(f"/instructor/games/{gid}/export.html").get_data(as_text=True)
    assert "/present" not in export


def test_a_question_that_names_a_measure_gets_its_plain_words() -> None:
    from roleplay.report.glossary import question_glossary

    words = question_glossary("Look at your T and PD scores. Who had the better BATNA?")
    assert [w.split(" ", 1)[0] for w in words] == ["T", "PD", "BATNA:"]
    assert question_glossary("Who was heard? Tell the story.") == []  # a capital T inside a word is no T


def test_a_campaign_shows_every_scenario_whose_results_are_out_as_the_role_held_there(
        app: Flask, client: FlaskClient, web_service: GameService) -> None:
    from roleplay.driver import play_game
    from roleplay.engine.state import GameState
    from roleplay.scenario.resolve import resolve_source
    from roleplay.service import Joined

    tokens: dict[str, str] = {}
    real_join = web_service.join

    def join_and_keep(code: str, name: str) -> Joined:
        j = real_join(code, name)
        tokens[j.player_id] = j.token
        return j

    swapped: list[str] = []

    def swap(state: GameState) -> None:
        """In the second scenario's briefing, the two signatories of table 1 change seats."""
        if state.step != 1 or state.phase is None or state.phase.kind != "briefing" or swapped:
            return
        eu, gov = (next(p.id for p in state.players.values() if p.table == 1 and p.role == r)
                   for r in ("eu", "government"))
        gid = state.setup.game_id
        web_service.execute(gid, INSTRUCTOR_ACTOR, "move", {"player": eu, "table": 1, "role": "government"})
        web_service.execute(gid, INSTRUCTOR_ACTOR, "move", {"player": gov, "table": 1, "role": "eu"})
        swapped.extend([eu, gov])

    web_service.join = join_and_keep  # type: ignore[method-assign]
    state = play_game(web_service, resolve_source("campaign-2010-2016"), players=8, seed=2, on_phase=swap)
    assert state.status == "finished" and swapped
    titles = [sc.title for sc in state.setup.scenarios]
    status, html = _results(app, state.setup.game_id, tokens[swapped[0]])
    assert status == 200, html
    sections = html.split('<section class="you-step"')[1:]
    assert len(sections) == 3
    for section, title in zip(sections, reversed(titles), strict=True):  # the latest first
        assert f">{title}" in section or title.replace("'", "&#39;") in section
    roles = [re.search(r'<p class="meta">([^·<]+) · table', s).group(1).strip()  # type: ignore[union-attr]
             for s in sections]
    eu_name = state.setup.scenarios[0].role("eu").name
    gov_name = state.setup.scenarios[0].role("government").name
    assert roles == [gov_name, gov_name, eu_name]  # moved in the second scenario, from then on


def test_slides_before_the_game_starts_say_there_is_nothing_yet(
        instructor: FlaskClient, web_service: GameService, four_secrets: Scenario) -> None:
    state = web_service.create_game(four_secrets, seed=1)
    r = instructor.get(f"/instructor/games/{state.setup.game_id}/present")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert html.count('<section class="slide ') == 1 and "Nothing to debrief yet" in html


def test_a_deadlocked_students_results_say_why_in_words_and_what_the_score_starts_from(
        app: Flask, web_service: GameService, four_secrets: Scenario) -> None:
    state = web_service.create_game(four_secrets, seed=5, show_results=True)
    gid = state.setup.game_id
    joined = [join(app.test_client(), state.setup.code, f"Student {i}") for i in range(4)]
    web_service.execute(gid, INSTRUCTOR_ACTOR, "start")
    players = web_service.state(gid).players
    by_role = {players[j["player_id"]].role or "": j for j in joined}
    web_service.execute(gid, INSTRUCTOR_ACTOR, "advance")  # talks
    web_service.execute(gid, Actor("player", by_role["eu"]["player_id"]), "propose", {"package": DEAL})
    web_service.execute(gid, INSTRUCTOR_ACTOR, "advance")  # decision
    web_service.execute(gid, Actor("player", by_role["government"]["player_id"]), "refuse", {})
    web_service.execute(gid, INSTRUCTOR_ACTOR, "advance")  # results
    status, html = _results(app, gid, by_role["eu"]["token"])
    assert status == 200, html
    assert "refused:" not in html  # the engine's code, not words
    assert "reached no agreement: the Government refused to sign; every role got its BATNA." in html
    start = four_secrets.role("eu").batna
    assert f"0 = your BATNA at the start, {start:g} points" in html  # the score's zero, named
    assert "Your BATNA at the end" in html
