"""Properties of the scores on small random scenarios, checked against brute force."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roleplay.engine.records import ProposalRecord, TableRecord
from roleplay.scenario.checks import all_packages
from roleplay.scenario.model import Scenario
from roleplay.scoring import build_space, score_game, score_table
from roleplay.scoring.frontier import Point, ks_package, nash_package
from roleplay.scoring.space import agreement_frontier

SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    n_issues = draw(st.integers(1, 3))
    sizes = [draw(st.integers(2, 4)) for _ in range(n_issues)]
    third = draw(st.sampled_from([None, "ep_veto", "ep_plain"]))
    roles = ["eu", "government"] + (["ep"] if third else [])
    raw = {
        r: [[draw(st.integers(0, 20)) for _ in range(n)] for n in sizes] for r in roles
    }
    for r in roles:
        best = sum(max(row) for row in raw[r])
        if best == 0:
            raw[r][0][0], best = 1, 1
        raw[r] = [[100 * v / best for v in row] for row in raw[r]]
    issues = []
    for k, n in enumerate(sizes):
        options = []
        for j in range(n):
            kind = "template" if j == 0 else draw(st.sampled_from(["co_designed", "opt_out"]))
            distance = 0.0 if j == 0 else draw(st.sampled_from([0.25, 0.5, 1.0]))
            options.append(
                {
                    "id": f"o{j}",
                    "label": f"Option {j}",
                    "kind": kind,
                    "template_distance": distance,
                    "points": {r: raw[r][k][j] for r in roles},
                }
            )
        issues.append({"id": f"i{k}", "title": f"Issue {k}", "options": options})
    if n_issues >= 2 and draw(st.booleans()):
        key = draw(st.sampled_from(["requires", "excludes"]))
        issues[0]["options"][draw(st.integers(0, sizes[0] - 1))][key] = [
            f"i1.o{draw(st.integers(0, sizes[1] - 1))}"
        ]
    role_data = [
        {
            "id": r,
            "name": r.upper(),
            "side": {"eu": "eu", "government": "government"}.get(r, "none"),
            "signatory": r != "ep",
            "veto": True if third == "ep_veto" and r == "ep" else None,
            "batna": draw(st.integers(0, 80)),
            "briefing": {"confidential": "c"},
        }
        for r in roles
    ]
    return Scenario.model_validate(
        {
            "id": "prop",
            "title": "Property scenario",
            "version": "1",
            "summary": "s",
            "sources": ["generated"],
            "background": "b",
            "roles": role_data,
            "issues": issues,
            "phases": [
                {"id": "open", "kind": "opening", "title": "Open", "minutes": 1},
                {"id": "talk", "kind": "negotiation", "title": "Talk", "minutes": 1},
                {"id": "sign", "kind": "decision", "title": "Sign", "minutes": 1},
            ],
            "table": {"roles": roles},
            "debrief": {"questions": ["q"]},
            "history": {"text": "h"},
        }
    )


def packages_of(draw: st.DrawFn, sc: Scenario) -> dict[str, str]:
    return {i.id: draw(st.sampled_from([o.id for o in i.options])) for i in sc.issues}


@st.composite
def games(draw: st.DrawFn) -> tuple[Scenario, TableRecord]:
    sc = draw(scenarios())
    proposals = tuple(
        ProposalRecord(
            seq=n,
            role=side if side != "none" else "ep",
            side=side,
            package=packages_of(draw, sc),
            phase="talk",
            round=draw(st.integers(0, 2)),
            joint=draw(st.booleans()),
        )
        for n, side in enumerate(
            draw(st.lists(st.sampled_from(["eu", "government", "none"]), max_size=3))
        )
    )
    record = TableRecord(
        table=1,
        openings={"eu": packages_of(draw, sc), "government": packages_of(draw, sc)},
        proposals=proposals,
        deal=packages_of(draw, sc) if draw(st.booleans()) else None,
        batna_shift={r.id: draw(st.integers(-10, 10)) for r in sc.roles},
    )
    return sc, record


def between(x: float | None, low: float, high: float) -> bool:
    return x is None or low - 1e-9 <= x <= high + 1e-9


@SETTINGS
@given(games())
def test_every_index_in_its_range(game: tuple[Scenario, TableRecord]) -> None:
    sc, record = game
    s = score_table(sc, record)
    for r in s.roles:
        assert between(r.score, -math.inf, 100)
        assert r.utility == (r.batna_after if not s.valid else r.points)
    if s.valid:
        for r in sc.roles:
            if r.is_veto:
                assert s.role(r.id).points >= s.role(r.id).batna_after - 1e-9
        d = s.differentiation
        assert d is not None
        for x in (d.tailoring, d.opt_out_share, d.common_ground, d.co_design,
                  d.government_input, d.equal_input, d.partnership):
            assert between(x, 0, 1)
        assert set(d.authorship.values()) <= {0.0, 0.5, 1.0}
        e = s.efficiency
        assert between(e.efficiency, 0, 1) and between(e.pareto_optimality, 0, 1)
        for p in s.power:
            assert between(p.surplus_share, 0, 1)
            assert between(p.defensive_power, 0, 1) and between(p.offensive_power, 0, 1)
            assert between(p.concession, -math.inf, 1)
            assert all(between(m, 0, 1) for m in p.movement.values())
    else:
        assert s.table_type == "deadlock" and s.differentiation is None
    assert between(s.efficiency.integrative_potential, 0, 1)


@SETTINGS
@given(games())
def test_all_template_deal_has_no_tailoring(game: tuple[Scenario, TableRecord]) -> None:
    sc, record = game
    template = {i.id: "o0" for i in sc.issues}
    s = score_table(sc, TableRecord(1, record.openings, record.proposals, template))
    if s.valid:
        assert s.differentiation is not None
        assert s.differentiation.tailoring == 0 and s.differentiation.opt_out_share == 0
        assert s.table_type in ("unilateral_template", "joint_standard")


@SETTINGS
@given(games())
def test_deadlock_gives_every_role_its_batna(game: tuple[Scenario, TableRecord]) -> None:
    sc, record = game
    dead = TableRecord(1, record.openings, record.proposals, None, "refused",
                       record.batna_shift, {"eu": -7.0})
    s = score_table(sc, dead)
    for r in sc.roles:  # the post-event BATNA, and the costs the role spent
        cost = -7.0 if r.id == "eu" else 0.0
        assert s.role(r.id).utility == r.batna + record.batna_shift.get(r.id, 0) + cost
    game_scores = score_game(sc, [dead, dead])
    assert game_scores.impasse_rate == 1


@SETTINGS
@given(games(), st.randoms(use_true_random=False))
def test_authorship_ignores_the_order_and_rounds_of_proposals(
    game: tuple[Scenario, TableRecord], rnd: Any
) -> None:
    """Equal input comes from what each side put forward, not from who typed first."""
    sc, record = game
    if record.deal is None:
        return
    shuffled = list(record.proposals)
    rnd.shuffle(shuffled)
    moved = tuple(
        ProposalRecord(n, p.role, p.side, p.package, p.phase, rnd.randint(0, 5), p.joint)
        for n, p in enumerate(shuffled)
    )
    a = score_table(sc, record).differentiation
    same = TableRecord(1, record.openings, moved, record.deal, batna_shift=record.batna_shift)
    b = score_table(sc, same).differentiation
    assert a == b


def approx_equal(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and math.isclose(a, b, abs_tol=1e-9)
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(approx_equal(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(approx_equal(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


@SETTINGS
@given(games(), st.randoms(use_true_random=False))
def test_reordering_issues_and_options_changes_nothing(
    game: tuple[Scenario, TableRecord], rnd: Any
) -> None:
    sc, record = game
    data = sc.model_dump()
    data["issues"], data["roles"] = list(data["issues"]), list(data["roles"])
    rnd.shuffle(data["issues"])
    for issue in data["issues"]:
        issue["options"] = list(issue["options"])
        rnd.shuffle(issue["options"])
    rnd.shuffle(data["roles"])
    shuffled = Scenario.model_validate(data)
    assert approx_equal(score_table(sc, record).to_dict(), score_table(shuffled, record).to_dict())


def brute(sc: Scenario, floors: dict[str, float]) -> tuple[list[tuple[float, float]], list[Any]]:
    """(Pareto points of all linkage-valid packages, acceptable packages with points)."""
    eu, gov = sc.side_role("eu"), sc.side_role("government")
    assert eu and gov
    valid, acceptable = [], []
    for p in all_packages(sc):
        chosen = {f"{k}.{o}" for k, o in p.items()}
        ok = all(
            set(opt.requires) <= chosen and not set(opt.excludes) & chosen
            for k, o in p.items()
            for opt in [sc.option(k, o)]
        )
        if not ok:
            continue
        pt = (round(sc.points(eu.id, p), 9), round(sc.points(gov.id, p), 9))
        valid.append(pt)
        roles = [r for r in sc.roles if r.is_veto or r.id in (eu.id, gov.id)]
        if all(sc.points(r.id, p) >= floors[r.id] - 1e-9 for r in roles):
            acceptable.append(pt)
    front = sorted(
        {p for p in valid if not any(q[0] >= p[0] and q[1] >= p[1] and q != p for q in valid)}
    )
    return front, acceptable


@SETTINGS
@given(scenarios(), st.integers(-10, 10))
def test_frontier_and_solutions_match_brute_force(sc: Scenario, shift: int) -> None:
    floors = {r.id: r.batna + shift for r in sc.roles}
    front, acceptable = brute(sc, floors)
    space = build_space(sc)
    assert approx_equal([[p.eu, p.government] for p in space.frontier], [list(p) for p in front])
    agreement = agreement_frontier(space, floors)
    d = Point(floors["eu"], floors["government"])
    if not acceptable:
        assert agreement == [] and nash_package(agreement, d) is None
        return
    assert math.isclose(max(p.joint for p in agreement), max(x + y for x, y in acceptable),
                        abs_tol=1e-6)
    nash = nash_package(agreement, d)
    assert nash is not None
    best_product = max((x - d.eu) * (y - d.government) for x, y in acceptable)
    assert math.isclose((nash.eu - d.eu) * (nash.government - d.government), best_product,
                        abs_tol=1e-6)
    ideal = (max(x for x, _ in acceptable), max(y for _, y in acceptable))

    def ks(x: float, y: float) -> float:
        terms = [(v - f) / (top - f) if top - f > 1e-9 else math.inf
                 for v, f, top in ((x, d.eu, ideal[0]), (y, d.government, ideal[1]))]
        return min(terms)

    ks_pkg = ks_package(agreement, d)
    assert ks_pkg is not None
    assert math.isclose(ks(ks_pkg.eu, ks_pkg.government),
                        max(ks(x, y) for x, y in acceptable), abs_tol=1e-6)
    pareto = sorted(
        {p for p in acceptable
         if not any(q[0] >= p[0] and q[1] >= p[1] and q != p for q in acceptable)}
    )
    assert approx_equal([[p.eu, p.government] for p in agreement], [list(p) for p in pareto])
