"""SCORING.md's worked example, number by number, and the decisions of docs/scoring.md."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from roleplay.engine.records import ProposalRecord, TableRecord
from roleplay.scenario.loader import load_scenario
from roleplay.scenario.model import Scenario
from roleplay.scoring import ScoringError, build_space, score_game, score_table
from roleplay.scoring.space import package_ids

WORKED = Path(__file__).parent / "data" / "worked-example.yaml"


def pkg(code: str) -> dict[str, str]:
    """'ABC' -> {'i1': 'a', 'i2': 'b', 'i3': 'c'}"""
    return {f"i{k + 1}": c.lower() for k, c in enumerate(code)}


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario(WORKED)


def record(
    deal: str | None = "ABC",
    proposals: tuple[ProposalRecord, ...] | None = None,
    table: int = 1,
    **kwargs: object,
) -> TableRecord:
    """The worked example's table: openings AAA / CBC, deal ABC, EU BATNA −5.

    The EU floats ABA in the opening round; the government then proposes ABC.
    Authorship counts what each side put forward, in any order: i1=a stood in
    both sides' proposals (the EU's opening, the government's ABC), so it is
    joint; i2=b too (ABA, CBC); i3=c only ever in the government's (CBC, ABC).
    """
    if proposals is None:
        proposals = (
            ProposalRecord(1, "eu", "eu", pkg("ABA"), "opening", 1),
            ProposalRecord(2, "government", "government", pkg("ABC"), "talks", 2),
        )
    args: dict[str, object] = {"batna_shift": {"eu": -5.0}}
    args.update(kwargs)
    return TableRecord(
        table=table,
        openings={"eu": pkg("AAA"), "government": pkg("CBC")},
        proposals=proposals,
        deal=pkg(deal) if deal else None,
        **args,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="module")
def score(scenario: Scenario):  # type: ignore[no-untyped-def]
    return score_table(scenario, record())


# -- per role ------------------------------------------------------------------------------


def test_role_scores(score) -> None:  # type: ignore[no-untyped-def]
    eu, gov = score.role("eu"), score.role("government")
    assert (eu.points, gov.points) == (65, 75)
    assert (eu.batna, eu.batna_after, gov.batna_after) == (40, 35, 45)
    assert round(eu.score, 1) == 41.7
    assert round(gov.score, 1) == 54.5


def test_differentiation(score) -> None:  # type: ignore[no-untyped-def]
    d = score.differentiation
    assert d.authorship == {"i1": 0.5, "i2": 0.5, "i3": 1.0}
    assert d.tailoring == pytest.approx(0.475)
    assert d.opt_out_share == pytest.approx(0.35)
    assert d.common_ground == pytest.approx(0.325)
    assert d.co_design == pytest.approx(0.325)
    assert d.government_input == pytest.approx(0.325 * 0.5 + 0.325 * 0.5 + 0.35)  # 0.675
    assert d.equal_input == pytest.approx(0.65)
    assert round(d.partnership, 5) == 0.21125
    assert score.table_type == "cherry_picking"


def test_bbb_is_a_tailor_made_partnership(scenario: Scenario) -> None:
    joint = (ProposalRecord(1, "eu", "eu", pkg("BBB"), "opening", 1, joint=True),)
    s = score_table(scenario, record("BBB", joint))
    assert s.differentiation.tailoring == pytest.approx(0.50)
    assert round(s.differentiation.partnership, 2) == 0.84
    assert s.table_type == "tailor_made_partnership"


def test_frontier(scenario: Scenario) -> None:
    space = build_space(scenario)
    got = [(package_ids(space, p.package), p.eu, p.government) for p in space.frontier]
    want = [("CBC", 25, 100), ("BBC", 45, 90), ("CBB", 50, 85), ("BBB", 70, 75),
            ("ABB", 90, 60), ("ABA", 100, 40)]
    assert got == [(pkg(c), eu, gov) for c, eu, gov in want]


def test_efficiency(score) -> None:  # type: ignore[no-untyped-def]
    e = score.efficiency
    assert (e.joint, e.joint_max, e.joint_disagreement) == (140, 150, 80)
    assert round(e.efficiency, 3) == 0.857
    assert e.pareto_distance == pytest.approx(5)
    assert round(e.pareto_optimality, 3) == 0.965
    assert e.nash.package == pkg("BBB") and e.kalai_smorodinsky.package == pkg("BBB")
    # product 1050 at BBB against 900 at the deal
    assert (e.nash.eu - 35) * (e.nash.government - 45) == 1050
    assert (65 - 35) * (75 - 45) == 900
    assert e.joint_midpoint == 145
    assert round(e.integrative_potential, 2) == 0.07


def test_movement_and_power(score) -> None:  # type: ignore[no-untyped-def]
    eu, gov = score.side("eu"), score.side("government")
    assert eu.movement == {"i1": 0.0, "i2": 1.0, "i3": 1.0}
    assert gov.movement == {"i1": 1.0, "i2": 0.0, "i3": 0.0}
    assert round(gov.defensive_power, 2) == 0.60
    assert round(gov.offensive_power, 2) == 0.75
    assert round(eu.defensive_power, 2) == 0.25
    assert round(eu.offensive_power, 2) == 0.40


def test_concession(score) -> None:  # type: ignore[no-untyped-def]
    assert round(score.side("eu").concession, 3) == 0.455
    assert round(score.side("government").concession, 3) == 0.455


# -- the decisions of docs/scoring.md ---------------------------------------------------------


def test_hull_solutions_surplus_and_tactical_power(score) -> None:  # type: ignore[no-untyped-def]
    e = score.efficiency
    # on the segment BBB–ABB: maximise (x − 35)(82.5 − 0.75 x)  ->  x = 72.5
    assert (e.nash_hull.eu, e.nash_hull.government) == pytest.approx((72.5, 73.125))
    assert e.nash_hull.package is None
    # KS on the hull: the ray from d=(35,45) to the ideal (90,90) meets BBC–BBB
    ks = e.kalai_smorodinsky_hull
    assert (ks.eu - 35) / 55 == pytest.approx((ks.government - 45) / 45)
    eu, gov = score.side("eu"), score.side("government")
    assert eu.surplus_share == pytest.approx(0.5) and gov.surplus_share == pytest.approx(0.5)
    assert eu.nash_residual == pytest.approx(0.5 - 37.5 / 65.625)
    assert gov.nash_residual == pytest.approx(-eu.nash_residual)
    # the event cost the EU 5 BATNA points: the hull Nash point moves from (75, 71.25)
    assert eu.tactical_power == pytest.approx(-2.5)
    assert gov.tactical_power == pytest.approx(1.875)


@pytest.mark.parametrize(
    ("proposals", "want"),
    [
        # openings only: i2=b first stood in the government's opening
        ((), {"i1": 0.0, "i2": 1.0, "i3": 1.0}),
        # a joint proposal in the opening round shares i2=b
        ((ProposalRecord(1, "eu", "eu", pkg("BBB"), "opening", 1, joint=True),),
         {"i1": 0.0, "i2": 0.5, "i3": 1.0}),
        # a later EU proposal counts like an opening: both sides put i2=b and i3=c forward
        ((ProposalRecord(1, "eu", "eu", pkg("ABC"), "talks", 2),),
         {"i1": 0.0, "i2": 0.5, "i3": 0.5}),
        # a role on neither side counts as neutral
        ((ProposalRecord(1, "mediator", "none", pkg("ABC"), "opening", 1),),
         {"i1": 0.5, "i2": 0.5, "i3": 0.5}),
    ],
)
def test_authorship_rule(
    scenario: Scenario, proposals: tuple[ProposalRecord, ...], want: dict[str, float]
) -> None:
    s = score_table(scenario, record("ABC", proposals))
    assert s.differentiation.authorship == want


def test_authorship_does_not_depend_on_who_typed_first(scenario: Scenario) -> None:
    """The same proposals in any order, with or without a skipped opening standing in
    the same place, give the same authorship and the same table type."""
    eu_p = ProposalRecord(3, "eu", "eu", pkg("BBB"), "talks", 2)
    gov_p = ProposalRecord(4, "government", "government", pkg("BBB"), "talks", 2)
    later = (ProposalRecord(3, "government", "government", pkg("BBB"), "talks", 2),
             ProposalRecord(9, "eu", "eu", pkg("BBB"), "wrap-up", 3))
    got = []
    for proposals in ((eu_p, gov_p), (gov_p, eu_p), later):
        for openings in ({}, {"eu": pkg("AAA")}):
            rec = TableRecord(1, openings, proposals, pkg("BBB"))
            got.append(score_table(scenario, rec).differentiation)
    assert all(d.authorship == {"i1": 0.5, "i2": 0.5, "i3": 0.5} for d in got)
    assert {d.partnership for d in got} == {got[0].partnership}
    # only one side ever put the deal forward: it is that side's text, whoever was first
    alone = TableRecord(1, {}, (gov_p,), pkg("BBB"))
    assert score_table(scenario, alone).differentiation.equal_input == 0


def test_option_never_proposed_is_joint(scenario: Scenario) -> None:
    s = score_table(scenario, record("BBB", ()))
    assert s.differentiation.authorship["i1"] == 0.5
    assert s.differentiation.authorship["i3"] == 0.5


def test_deadlock_gives_post_event_batna(scenario: Scenario) -> None:
    s = score_table(scenario, record(None, deadlock_reason="refused", point_adjust={"eu": -3}))
    assert not s.valid and s.deadlock_reason == "refused" and s.table_type == "deadlock"
    assert s.role("eu").utility == 32  # costs spent are spent: deadlock pays them too
    assert s.role("eu").score == pytest.approx(100 * (32 - 40) / 60)
    assert s.role("government").utility == 45 and s.role("government").score == 0
    assert s.differentiation is None
    assert s.efficiency.joint == 80 and s.efficiency.efficiency == 0
    assert s.efficiency.pareto_optimality is None
    assert s.side("eu").concession is None and s.side("eu").defensive_power is None
    # the BATNAs still define the bargaining problem
    assert s.efficiency.nash.package == pkg("BBB")
    assert s.side("eu").tactical_power == pytest.approx(-2.5)


def test_signed_deal_below_a_veto_batna_is_void(scenario: Scenario) -> None:
    s = score_table(scenario, record("ABA"))  # government 40 < 45
    assert not s.valid and s.deadlock_reason == "batna"
    assert s.deal == pkg("ABA")
    assert s.role("government").utility == 45


def test_linkage_and_incomplete_deals_are_void(scenario: Scenario) -> None:
    data = scenario.model_dump()
    data["issues"][0]["options"][0]["requires"] = ("i3.a",)
    linked = Scenario.model_validate(data)
    assert score_table(linked, record("ABC")).deadlock_reason == "linkage"
    assert score_table(linked, record("ABA")).deadlock_reason == "batna"
    incomplete = TableRecord(2, {}, (), {"i1": "a", "i2": "b"})
    assert score_table(scenario, incomplete).deadlock_reason == "incomplete"


def test_unknown_option_is_an_error(scenario: Scenario) -> None:
    with pytest.raises(ScoringError, match=r"i1\.z"):
        score_table(scenario, TableRecord(1, {}, (), {"i1": "z", "i2": "b", "i3": "c"}))


def test_point_adjust_counts_in_the_role_score_only(scenario: Scenario) -> None:
    s = score_table(scenario, record(point_adjust={"eu": -5, "government": 2}))
    assert s.role("eu").utility == 60 and s.role("government").utility == 77
    assert s.role("eu").score == pytest.approx(100 * 20 / 60)
    assert s.efficiency.joint == 140  # efficiency reads the package


def test_game_percentiles_and_impasse(scenario: Scenario) -> None:
    records = [
        record("ABC", table=1),
        record("BBB", table=2),
        record("ABB", table=3),
        record(None, table=4, deadlock_reason="refused"),
    ]
    game = score_game(scenario, records)
    assert game.impasse_rate == 0.25
    # EU scores: 41.7, 58.3, 83.3, −8.3 (deadlock at the post-event BATNA 35)
    assert game.percentile(3, "eu") == 100
    assert game.percentile(4, "eu") == 0
    assert game.percentile(1, "eu") == pytest.approx(100 / 3)
    solo = score_game(scenario, [record()])
    assert solo.percentile(1, "eu") is None
    assert score_game(scenario, []).impasse_rate is None


def test_to_dict_is_json(scenario: Scenario) -> None:
    s = score_table(scenario, record())
    back = json.loads(json.dumps(s.to_dict()))
    assert back["differentiation"]["tailoring"] == pytest.approx(0.475)
    assert back["efficiency"]["nash"]["package"] == pkg("BBB")
    game = score_game(scenario, [record(), record(None, table=2)])
    assert json.loads(json.dumps(game.to_dict()))["impasse_rate"] == 0.5


def test_scoring_is_pure() -> None:
    code = (
        "import sys, roleplay.scoring, roleplay.analysis\n"
        "bad = {'flask', 'sqlmodel', 'yaml', 'socketio', 'flask_socketio'} & set(sys.modules)\n"
        "print(sorted(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
