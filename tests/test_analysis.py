"""`analyze()`: the worked example, a generated 10 × 5 scenario, and each warning.

Timing (not asserted): analysing the generated 10-issue × 5-option scenario
(9,765,625 packages) takes about 0.06 s on the team's 2-core machine; with
no dominated option, a third veto role and two linkage rules about 1 s.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from roleplay.analysis import analyze
from roleplay.scenario.loader import load_scenario
from roleplay.scenario.model import Scenario

WORKED = Path(__file__).parent / "data" / "worked-example.yaml"


def pkg(code: str) -> dict[str, str]:
    return {f"i{k + 1}": c.lower() for k, c in enumerate(code)}


@pytest.fixture(scope="module")
def worked() -> Scenario:
    return load_scenario(WORKED)


def scenario(
    points: dict[str, np.ndarray],
    batnas: dict[str, float],
    *,
    kinds: list[tuple[str, float]] | None = None,
    notes: tuple[str, ...] = (),
    veto: tuple[str, ...] = (),
) -> Scenario:
    """A scenario from per-role point tables (issues × options)."""
    roles = list(points)
    n_issues, n_options = points[roles[0]].shape
    kinds = kinds or [("template", 0.0)] + [
        ("co_designed" if j % 2 else "opt_out", j / (n_options - 1)) for j in range(1, n_options)
    ]
    issues = [
        {
            "id": f"k{k}",
            "title": f"Issue {k}",
            "options": [
                {
                    "id": f"o{j}",
                    "label": f"Option {j}",
                    "kind": kinds[j][0],
                    "template_distance": kinds[j][1],
                    "points": {r: float(points[r][k, j]) for r in roles},
                }
                for j in range(n_options)
            ],
        }
        for k in range(n_issues)
    ]
    role_data: list[dict[str, Any]] = [
        {
            "id": r,
            "name": r,
            "side": r if r in ("eu", "government") else "none",
            "signatory": r in ("eu", "government"),
            "veto": True if r in veto else None,
            "batna": batnas[r],
            "briefing": {"confidential": "c"},
        }
        for r in roles
    ]
    return Scenario.model_validate(
        {
            "id": "generated",
            "title": "Generated",
            "version": "1",
            "summary": "s",
            "sources": ["test"],
            "background": "b",
            "roles": role_data,
            "issues": issues,
            "phases": [{"id": "sign", "kind": "decision", "title": "Sign", "minutes": 5}],
            "table": {"roles": roles},
            "debrief": {"questions": ["q"]},
            "history": {"text": "h"},
            "author_notes": list(notes),
        }
    )


def random_points(seed: int, roles: tuple[str, ...], n_issues: int, n_options: int) -> dict[str, np.ndarray]:
    """Random points scaled so that each role's best package totals 100."""
    rng = np.random.default_rng(seed)
    out = {}
    for r in roles:
        raw = rng.random((n_issues, n_options))
        out[r] = np.round(raw * 100 / raw.max(axis=1).sum(), 6)
    return out


# -- the worked example ------------------------------------------------------------------------


def test_worked_example_sections(worked: Scenario) -> None:
    a = analyze(worked)
    assert a.package_count == 27 and a.valid_count == 27
    assert [(p.eu, p.government) for p in a.frontier] == [
        (25, 100), (45, 90), (50, 85), (70, 75), (90, 60), (100, 40)
    ]
    assert a.frontier_packages[0] == pkg("CBC") and a.frontier_packages[-1] == pkg("ABA")
    assert a.nash is not None and a.nash.package == pkg("BBB")
    assert a.kalai_smorodinsky is not None and a.kalai_smorodinsky.package == pkg("BBB")
    # pre-event BATNAs (40, 45): the hull Nash point lies on BBB–ABB at x = 75
    assert a.nash_hull is not None and (a.nash_hull.eu, a.nash_hull.government) == (75, 71.25)
    assert a.template.package == pkg("AAA")
    assert a.template.points == {"eu": 90, "government": 0}
    assert a.template.tailoring == 0 and a.template.table_type == "unilateral_template"
    assert a.government_ideal.package == pkg("CBC")
    assert a.government_ideal.points == {"eu": 25, "government": 100}
    assert {v.label: v.package for v in a.best} == {
        "best for eu": pkg("ABA"),
        "best for government": pkg("CBC"),
    }
    z = a.zopa
    assert z.count == 10 and z.joint_max == 150
    assert z.best_for_eu is not None and z.best_for_eu.package == pkg("ABB")
    assert z.best_for_government is not None and z.best_for_government.package == pkg("BBC")
    assert sum(z.types.values()) == 10 and z.types["cherry_picking"] > 0
    assert a.integrative_potential == pytest.approx(5 / 65)
    bbb = next(v for v in a.notable if v.label == "Nash bargaining solution")
    assert bbb.tailoring == 0.5 and round(bbb.partnership, 2) == 0.84


def test_worked_example_zopa_count_by_brute_force(worked: Scenario) -> None:
    from roleplay.scenario.checks import all_packages

    count = sum(
        1
        for p in all_packages(worked)
        if worked.points("eu", p) >= 40 and worked.points("government", p) >= 45
    )
    assert analyze(worked).zopa.count == count


def test_worked_example_warnings(worked: Scenario) -> None:
    a = analyze(worked)
    assert [(w.code, w.subject) for w in a.warnings] == [
        ("dominated-option", "i2.a"),
        ("dominated-option", "i2.c"),
    ]
    assert a.accepted == ()


def test_author_notes_accept_warnings(worked: Scenario) -> None:
    noted = worked.model_copy(
        update={"author_notes": ("accept dominated-option: i2 is the toy's shared interest",)}
    )
    a = analyze(noted)
    assert a.warnings == ()
    assert [w.subject for w in a.accepted] == ["i2.a", "i2.c"]
    assert a.accepted[0].accepted_by is not None
    assert "Accepted by the author" in a.to_text()


def test_to_dict_and_to_text(worked: Scenario) -> None:
    a = analyze(worked)
    data = json.loads(json.dumps(a.to_dict()))
    assert data["zopa"]["count"] == 10
    assert data["nash"]["package"] == pkg("BBB")
    assert data["warnings"][0]["code"] == "dominated-option"
    text = a.to_text()
    for heading in (
        "Packages: 27",
        "Pareto frontier",
        "Zone of possible agreement",
        "Bargaining solutions",
        "Integrative potential",
        "Notable packages",
        "EU template: i1=a i2=a i3=a",
        "government's ideal: i1=c i2=b i3=c",
        "Warnings (2)",
    ):
        assert heading in text


# -- each warning ------------------------------------------------------------------------------


def codes(a: Any) -> list[str]:
    return sorted({w.code for w in a.warnings})


def test_no_zone_of_agreement(worked: Scenario) -> None:
    data = worked.model_dump()
    data["roles"] = [dict(r, batna=80) for r in data["roles"]]
    a = analyze(Scenario.model_validate(data))
    assert "no-zopa" in codes(a)
    assert a.zopa.count == 0 and a.zopa.joint_max is None and a.nash is None
    assert a.integrative_potential is None


def test_unreachable_batna_and_idle_issue() -> None:
    pts = {
        "eu": np.array([[60.0, 0.0], [40.0, 0.0], [0.0, 0.0]]),
        "government": np.array([[0.0, 60.0], [0.0, 40.0], [0.0, 1.0]]),
        "ep": np.array([[10.0, 20.0], [5.0, 0.0], [0.0, 0.0]]),
    }
    a = analyze(scenario(pts, {"eu": 30, "government": 30, "ep": 50}, veto=("ep",)))
    assert [w.subject for w in a.warnings if w.code == "batna-unreachable"] == ["ep"]
    assert [w.subject for w in a.warnings if w.code == "idle-issue"] == ["k2"]
    assert "no-zopa" in codes(a)  # the Parliament's veto blocks every package


def test_differentiation_that_never_pulls_apart() -> None:
    # one issue: the template (T 0, PD 0) or a co-designed text far from it (T 1, PD 0.5)
    pts = {"eu": np.array([[100.0, 60.0]]), "government": np.array([[60.0, 100.0]])}
    kinds = [("template", 0.0), ("co_designed", 1.0)]
    a = analyze(scenario(pts, {"eu": 50, "government": 50}, kinds=kinds))
    assert codes(a) == ["no-differentiation-tension"]
    assert a.zopa.types == {
        "unilateral_template": 1,
        "joint_standard": 0,
        "cherry_picking": 0,
        "tailor_made_partnership": 1,
    }
    # an opt-out far from the template with no common ground makes them disagree
    kinds = [("template", 0.0), ("opt_out", 1.0)]
    assert "no-differentiation-tension" not in codes(
        analyze(scenario(pts, {"eu": 50, "government": 50}, kinds=kinds))
    )


# -- a generated 10 × 5 scenario ------------------------------------------------------------------


@pytest.fixture(scope="module")
def big() -> Scenario:
    return scenario(random_points(7, ("eu", "government"), 10, 5), {"eu": 55, "government": 55})


def test_generated_ten_by_five(big: Scenario) -> None:
    a = analyze(big)
    assert a.package_count == 5**10 and a.valid_count == 5**10
    # the zone of agreement, counted independently with numpy broadcasting
    totals = {}
    for r in ("eu", "government"):
        table = np.array([[o.points[r] for o in i.options] for i in big.issues])
        total = np.zeros(1)
        for row in table:
            total = np.add.outer(total, row).ravel()
        totals[r] = total
    want = int(((totals["eu"] >= 55 - 1e-9) & (totals["government"] >= 55 - 1e-9)).sum())
    assert a.zopa.count == want > 0
    assert sum(a.zopa.types.values()) == want
    # the frontier runs from the government's best to the EU's best, strictly trading off
    eus = [p.eu for p in a.frontier]
    govs = [p.government for p in a.frontier]
    assert eus == sorted(eus) and govs == sorted(govs, reverse=True)
    assert len(set(eus)) == len(eus)
    assert max(eus) == pytest.approx(100) and max(govs) == pytest.approx(100)
    assert a.zopa.joint_max == pytest.approx(float((totals["eu"] + totals["government"])[
        (totals["eu"] >= 55 - 1e-9) & (totals["government"] >= 55 - 1e-9)].max()))
    assert a.nash is not None and a.nash.points["eu"] >= 55 and a.nash.points["government"] >= 55
    assert a.template.package == {f"k{k}": "o0" for k in range(10)}
    assert "many-packages" in codes(a)
    assert json.loads(json.dumps(a.to_dict()))["package_count"] == 5**10


def test_generated_with_a_veto_role_and_links() -> None:
    pts = random_points(3, ("eu", "government", "ep"), 6, 4)
    sc = scenario(pts, {"eu": 50, "government": 50, "ep": 45}, veto=("ep",))
    data = sc.model_dump()
    data["issues"][0]["options"][0]["requires"] = ["k1.o1"]
    data["issues"][2]["options"][1]["excludes"] = ["k3.o2"]
    linked = Scenario.model_validate(data)
    a = analyze(linked)
    from roleplay.scenario.checks import all_packages

    valid = []
    for p in all_packages(linked):
        chosen = {f"{k}.{o}" for k, o in p.items()}
        if ("k0.o0" in chosen and "k1.o1" not in chosen) or {"k2.o1", "k3.o2"} <= chosen:
            continue
        valid.append(p)
    assert a.valid_count == len(valid)
    acceptable = [
        p for p in valid
        if linked.points("eu", p) >= 50 and linked.points("government", p) >= 50
        and linked.points("ep", p) >= 45
    ]
    assert a.zopa.count == len(acceptable)
    if acceptable:
        assert a.zopa.joint_max == pytest.approx(
            max(linked.points("eu", p) + linked.points("government", p) for p in acceptable)
        )
        assert a.nash is not None and a.nash.points["ep"] >= 45
