"""BATNA guesses in the debrief report and the exports: beside the truth, per table and class."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import jsonschema
import pytest

from roleplay.driver import play_game
from roleplay.engine.commands import Actor
from roleplay.engine.state import GameState, replay
from roleplay.export import build_export, export_schema
from roleplay.export.csvzip import export_csv
from roleplay.report import render_report
from roleplay.report.guesses import class_summary, step_guesses
from roleplay.scenario.resolve import resolve_source
from roleplay.service import GameService
from roleplay.storage.db import make_engine
from roleplay.storage.eventstore import EventStore

#: (step, table, role) -> the guess recorded in that step's briefing
GUESSES = {(0, 1, "eu"): 41.5, (0, 1, "government"): 12.0, (0, 2, "government"): 77.0,
           (1, 1, "eu"): 30.0, (2, 2, "government"): 99.0}


def _play(anonymize: bool = False) -> tuple[GameService, GameState, dict[str, Any]]:
    service = GameService(EventStore(make_engine("sqlite://")))

    def guess(state: GameState) -> None:
        if state.phase is None or state.phase.kind != "briefing":
            return
        for (step, table, role), value in GUESSES.items():
            if step != state.step:
                continue
            pid = next(p.id for p in state.players.values() if p.table == table and p.role == role)
            service.execute(state.setup.game_id, Actor("player", pid), "guess_batna",
                            {"guess": value - 5})
            service.execute(state.setup.game_id, Actor("player", pid), "guess_batna",
                            {"guess": value})  # the last guess counts

    state = play_game(service, resolve_source("campaign-2010-2016"), players=8, seed=3,
                      on_phase=guess)
    return service, state, build_export(service, state.setup.game_id, anonymize=anonymize)


@pytest.fixture(scope="module")
def played() -> tuple[GameService, GameState, dict[str, Any]]:
    return _play()


def _truth_by_replay(service: GameService, state: GameState) -> dict[tuple[int, int, str], float]:
    """The other side's BATNA at the moment of each guess, from the engine itself."""
    out: dict[tuple[int, int, str], float] = {}
    log = service.log(state.setup.game_id)
    partial = replay(state.setup, [])
    from roleplay.engine.state import apply

    for e in log:
        partial = apply(partial, e)
        if e.type == "batna_guessed":
            t = partial.tables[e.data["table"]]
            out[(partial.step, t.id, e.data["role"])] = partial.batna(t, e.data["about"])
    return out


def test_the_last_guess_of_each_signatory_is_read_with_the_truth_at_that_moment(
    played: tuple[GameService, GameState, dict[str, Any]],
) -> None:
    service, state, export = played
    truth = _truth_by_replay(service, state)
    found = {}
    for step in export["steps"]:
        for g in step_guesses(export, step):
            found[(g.step, g.table, g.role)] = g
            assert g.truth == pytest.approx(truth[(g.step, g.table, g.role)])
            scored = {(t["table"], r["role"]): r["batna_after"]
                      for t in step["outcomes"]["tables"] for r in t["roles"]}
            assert g.final == pytest.approx(scored[(g.table, g.about)])
            assert g.about == ("government" if g.role == "eu" else "eu")
    assert {k: g.guess for k, g in found.items()} == GUESSES
    summary = class_summary(step_guesses(export, export["steps"][0]))
    gov = next(s for s in summary if s.side == "government")
    assert gov.count == 2 and gov.mean_guess == pytest.approx((12.0 + 77.0) / 2)


def test_the_debrief_shows_guesses_per_table_and_for_the_class(
    played: tuple[GameService, GameState, dict[str, Any]],
) -> None:
    _, _, export = played
    html = render_report(export)
    assert html.count('id="s0-guesses"') == 1 and html.count('id="s1-guesses"') == 1
    assert html.count('id="s2-guesses"') == 1
    assert html.count('<caption>BATNA guesses</caption>') == 4  # tables with at least one guess
    step0 = html[html.index('id="step-1"'):html.index('id="step-2"')]
    assert "41.5" in step0 and "77" in step0
    assert "The class, per side" in step0
    # the guess figure draws a mark per guess
    fig = step0[step0.index('id="s0-guesses"'):]
    fig = fig[:fig.index("</figure>")]
    assert fig.count("<circle") >= 1 and fig.count("guessed 12 for the") == 1


def test_a_game_without_guesses_says_so() -> None:
    service = GameService(EventStore(make_engine("sqlite://")))
    state = play_game(service, resolve_source("association-agreement"), players=4, seed=2)
    html = render_report(build_export(service, state.setup.game_id))
    assert "No signatory recorded an estimate" in html
    assert "s0-guesses" not in html


def test_exports_carry_the_guesses(played: tuple[GameService, GameState, dict[str, Any]]) -> None:
    _, _, export = played
    jsonschema.validate(export, export_schema())
    rows = [e for e in export["events"] if e["type"] == "batna_guessed"]
    assert len(rows) == 2 * len(GUESSES)
    assert all(e["audience"]["kind"] == "roles" and len(e["audience"]["roles"]) == 1 for e in rows)
    bad = json.loads(json.dumps(export))
    next(e for e in bad["events"] if e["type"] == "batna_guessed")["payload"]["guess"] = "high"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, export_schema())
    with zipfile.ZipFile(io.BytesIO(export_csv(export))) as z:
        outcomes = z.read("outcomes.csv").decode("utf-8-sig").splitlines()
    header = outcomes[0].split(",")
    assert "guess_eu" in header and "guess_truth_eu" in header and "guess_government" in header
    first = dict(zip(header, outcomes[1].split(","), strict=False))
    assert first["step"] == "0" and first["table"] == "1"
    assert float(first["guess_eu"]) == 41.5 and float(first["guess_government"]) == 12.0


def test_anonymised_exports_keep_the_guesses() -> None:
    _, _, export = _play(anonymize=True)
    found = {(g.step, g.table, g.role): g.guess
             for s in export["steps"] for g in step_guesses(export, s)}
    assert found == GUESSES


def test_debrief_questions_carry_plain_words_for_the_measures_they_name(
    played: tuple[GameService, GameState, dict[str, Any]],
) -> None:
    from markupsafe import escape

    from roleplay.report.glossary import question_glossary

    _, _, export = played
    html = render_report(export)
    named = 0
    for step in export["steps"]:
        for q in step["definition"]["debrief"]["questions"]:
            words = question_glossary(q)
            named += len(words)
            item = html[html.index(str(escape(q))):]
            item = item[:item.index("</li>")]
            assert item.count('<span class="words">') == len(words)
            for w in words:
                assert str(escape(w)) in item
    assert named > 0  # the built-in questions name BATNA (and T and PD)
