"""The seat view's scenario parts are built once per (translated) scenario object and
shared: a view built with them cached equals one built from nothing, whatever happened
in between (phase changes, openings, proposals, signatures, a kick, language changes),
and readers of different languages never get each other's cached texts."""

from __future__ import annotations

import json
from typing import Any

from roleplay.engine import views
from roleplay.engine.commands import INSTRUCTOR_ACTOR, SYSTEM_ACTOR
from roleplay.engine.views import player_view
from roleplay.paths import scenarios_dir
from roleplay.scenario.loader import load_scenario
from support.engine_game import Game, to_phase
from support.plans import plan as _plan


def _all_views(g: Game) -> dict[str, Any]:
    return {pid: json.dumps(player_view(g.state, pid, g.now), sort_keys=True)
            for pid in g.state.players}


def _check(g: Game) -> None:
    cached = _all_views(g)  # with whatever earlier steps left in the cache
    views._scenario_parts.cache_clear()
    fresh = _all_views(g)
    assert cached == fresh


def test_cached_scenario_parts_equal_a_fresh_build_through_a_game() -> None:
    sc = load_scenario(scenarios_dir() / "association-agreement.yaml")
    plan = _plan(sc)
    g = Game(sc)
    languages = ["en", "ru", "az", "en", "ru", "en", "az", "en"]
    for i, lang in enumerate(languages):
        g.do(SYSTEM_ACTOR, "join", player=f"p{i}", name=f"Student {i}", language=lang)
    _check(g)
    g.do(INSTRUCTOR_ACTOR, "start")
    _check(g)
    to_phase(g, "opening")
    _check(g)
    g.do(g.seat("eu", 1), "open", package=plan["eu"])
    _check(g)
    to_phase(g, "negotiation")
    _check(g)
    g.do(g.seat("eu", 1), "propose", package=plan["eu"])
    _check(g)
    g.do(g.seat("government", 1), "propose", package=plan["deal"])
    _check(g)
    g.do(INSTRUCTOR_ACTOR, "advance")
    _check(g)
    g.do(g.seat("eu", 1), "sign")
    _check(g)
    eu = g.seat("eu", 1)
    g.do(eu, "set_language", language="ru")
    _check(g)
    g.do(eu, "set_language", language="az")
    _check(g)
    g.do(INSTRUCTOR_ACTOR, "kick", player=g.seat("eu", 2))
    _check(g)


def test_each_language_gets_its_own_scenario_parts() -> None:
    sc = load_scenario(scenarios_dir() / "association-agreement.yaml")
    g = Game(sc)
    for i, lang in enumerate(["en", "ru", "az", "en", "ru", "az", "en", "en"]):
        g.do(SYSTEM_ACTOR, "join", player=f"p{i}", name=f"Student {i}", language=lang)
    g.do(INSTRUCTOR_ACTOR, "start")
    views._scenario_parts.cache_clear()
    seen: dict[str, set[str]] = {}
    for pid, p in g.state.players.items():
        v = player_view(g.state, pid, g.now)
        if v["role"] is None:
            continue
        seen.setdefault(p.language, set()).add(
            json.dumps([v["scenario"], v["roles"], v["issues"]], sort_keys=True))
        # the role's own points in its issues, not another role's
        own = {o["id"]: o["points"] for i in v["issues"] for o in i["options"]}
        assert own == {o.id: o.points.get(p.role, 0.0) for i in sc.issues for o in i.options}
    # this scenario has a Russian translation (Azerbaijani readers get its English text)
    assert {"en", "ru"} <= set(seen)
    assert not seen["en"] & seen["ru"]
