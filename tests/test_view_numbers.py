"""The numbers a student reads agree: proposals counted per table, totals with their parts,
deadlocks in words, percentiles only among enough seats, removed players not counted."""

from __future__ import annotations

from typing import Any

from roleplay.engine.commands import INSTRUCTOR_ACTOR, SYSTEM_ACTOR, Actor
from roleplay.engine.views import instructor_view, player_view
from roleplay.paths import scenarios_dir
from roleplay.report.model import report_view
from roleplay.scenario.loader import load_scenario
from roleplay.scenario.model import Scenario
from roleplay.scoring.table import MIN_PEERS
from roleplay.service import GameService
from roleplay.storage.db import make_engine
from roleplay.storage.eventstore import EventStore
from support.engine_game import PKG_JOINT, PKG_TEMPLATE, Game, to_phase
from support.plans import plan as _plan


def _game(sc: Scenario, students: int = 8) -> Game:
    g = Game(sc)
    for i in range(students):
        g.do(SYSTEM_ACTOR, "join", player=f"p{i}", name=f"Student {i}")
    g.do(INSTRUCTOR_ACTOR, "start")
    return g


def test_proposals_are_numbered_per_table_and_totals_show_their_parts() -> None:
    sc = load_scenario(scenarios_dir() / "association-agreement.yaml")
    plan = _plan(sc)
    g = _game(sc)
    to_phase(g, "opening")
    g.do(g.seat("eu", 1), "open", package=plan["eu"])
    to_phase(g, "negotiation")
    g.do(g.seat("eu", 2), "propose", package=plan["eu"])  # table 2 first: seqs interleave
    g.do(g.seat("eu", 1), "propose", package=plan["eu"])
    g.do(g.seat("eu", 1), "act", action="eu_private_dialogue")  # costs the EU 2 points
    g.do(g.seat("government", 1), "propose", package=plan["deal"])
    eu = player_view(g.state, g.seat("eu", 1), g.now)
    t = eu["table"]
    assert [p["number"] for p in t["proposals"]] == [1, 2]
    assert t["proposals"][0]["seq"] > 2  # the game's sequence is not the table's count
    options = sc.points("eu", plan["deal"])
    assert eu["role"]["points_adjust"] == -2
    assert t["my_points_current"] == {"options": options, "adjust": -2}
    assert t["my_total_current"] == options - 2
    assert [p["my_total"] for p in t["proposals"]] == [sc.points("eu", plan["eu"]) - 2, options - 2]
    assert t["my_opening_totals"] == {"eu": sc.points("eu", plan["eu"]) - 2}
    decision = next(ph for ph in eu["game"]["phases"] if ph["kind"] == "decision")
    assert "sign" in decision["allow"]
    negotiation = next(ph for ph in eu["game"]["phases"] if ph["kind"] == "negotiation")
    assert "sign" not in negotiation["allow"]


def test_a_deadlock_is_explained_in_words(four_roles: Scenario) -> None:
    g = _game(four_roles)
    to_phase(g, "negotiation")
    g.do(g.seat("eu"), "propose", package=PKG_TEMPLATE)
    to_phase(g, "decision")
    g.do(g.seat("government"), "refuse")
    t = player_view(g.state, g.seat("eu"), g.now)["table"]
    gov_name = four_roles.role("government").name.split(" (")[0]
    assert t["deadlock_text"] == f"the {gov_name} refused to sign"
    assert "refused:" not in t["deadlock_text"]
    dash = instructor_view(g.state, g.now)["tables"][0]
    assert dash["deadlock_text"] == t["deadlock_text"]
    g.do(INSTRUCTOR_ACTOR, "advance")  # table 2 never signed
    t2 = player_view(g.state, g.seat("eu", 2), g.now)["table"]
    assert t2["deadlock_text"] == "the time ran out before both sides signed"


def _played(sc: Scenario, tables: int, kick: bool = False) -> tuple[GameService, str, dict[str, Any]]:
    svc = GameService(EventStore(make_engine("sqlite://")))
    state = svc.create_game(sc, seed=3)
    gid = state.setup.game_id
    joined = [svc.join(state.setup.code, f"S{i}") for i in range(4 * tables + (1 if kick else 0))]
    svc.execute(gid, INSTRUCTOR_ACTOR, "start")
    if kick:
        svc.execute(gid, INSTRUCTOR_ACTOR, "kick", {"player": joined[-1].player_id})
    st = svc.state(gid)
    seats = {(p.table, p.role): pid for pid, p in st.players.items() if not p.kicked}
    while svc.state(gid).phase.kind != "negotiation":
        svc.execute(gid, INSTRUCTOR_ACTOR, "advance")
    for t in range(1, tables + 1):
        pkg = PKG_JOINT if t % 2 else PKG_TEMPLATE
        svc.execute(gid, Actor("player", seats[(t, "eu")]), "propose", {"package": pkg})
    while svc.state(gid).phase.kind != "decision":
        svc.execute(gid, INSTRUCTOR_ACTOR, "advance")
    for t in range(1, tables + 1):
        for r in ("eu", "government"):
            svc.execute(gid, Actor("player", seats[(t, r)]), "sign", {})
    svc.execute(gid, INSTRUCTOR_ACTOR, "advance")
    return svc, gid, seats


def test_percentiles_only_among_three_or_more_other_seats(four_roles: Scenario) -> None:
    svc, gid, seats = _played(four_roles, tables=2)
    res = svc.view(gid, seats[(1, "eu")])["results"]["table"]
    assert res["percentile"] is None and res["percentile_of"] == 1
    svc, gid, seats = _played(four_roles, tables=MIN_PEERS + 1)
    res = svc.view(gid, seats[(1, "eu")])["results"]["table"]
    assert res["percentile_of"] == MIN_PEERS and res["percentile"] is not None


def test_the_debrief_counts_no_removed_player(four_roles: Scenario) -> None:
    from roleplay.export.build import build_export

    svc, gid, _ = _played(four_roles, tables=1, kick=True)
    export = build_export(svc, gid)
    assert len(export["players"]) == 5
    assert report_view(export).players == 4


def test_a_channel_a_student_cannot_write_in_says_why_and_what_opens_it() -> None:
    sc = load_scenario(scenarios_dir() / "association-agreement.yaml")
    g = _game(sc)
    to_phase(g, "negotiation")

    def note(role: str, channel: str) -> Any:
        chans = player_view(g.state, g.seat(role, 1), g.now)["channels"]
        return next(c for c in chans if c["id"] == channel)["closed_note"]

    # the official channel is open to the EU and Baku: civil society is told how it gets in
    assert note("eu", "official") is None
    assert note("civil_society", "official") == (
        "You are not in this channel yet: you join it once the European Union takes "
        "\u201cInvite civil society to the official talks\u201d.")
    g.do(g.seat("eu", 1), "act", action="eu_invite_civil_society")
    assert note("civil_society", "official") is None
    # a channel closed at the table is closed for everyone there
    assert note("lobbyist", "parliamentary") is None
    g.do(g.seat("government", 1), "act", action="gov_cancel_pcc")
    assert note("lobbyist", "parliamentary") == "This channel is closed at your table."
    assert note("eu", "parliamentary") == "This channel is closed at your table."


def test_the_results_page_keeps_the_percentile_rule_of_the_play_page(four_roles: Scenario) -> None:
    from roleplay.report import render_student_results

    for tables, shown in ((MIN_PEERS, False), (MIN_PEERS + 1, True)):
        svc, gid, seats = _played(four_roles, tables=tables)
        state = svc.state(gid)
        def scores(step: int, svc: GameService = svc, state: Any = state) -> Any:
            return svc.scores(state, step)

        html = render_student_results(state, scores, svc.log(gid), seats[(1, "eu")])
        assert ("% of the other" in html) is shown, (tables, shown)
