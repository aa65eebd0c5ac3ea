"""Content and design checks for the shipped scenarios and the 2010–2016 campaign.

The design checks enumerate every package of a scenario (at most a few hundred) and
compute, with the definitions of SCORING.md:

* the zone of possible agreement (ZOPA): packages that respect every linkage
  (`requires`/`excludes`) and give both signatories at least their starting BATNA;
* integrative potential IP = (J_max - J_mid) / (J_max - J_d), J = EU points +
  government points, J_max over the ZOPA, J_d the sum of the two BATNAs, and J_mid the
  joint points of the package that "splits every issue": per issue the option that
  maximises the smaller of the two sides' normalised issue success (ties: the larger
  sum of the two successes, then file order). J_mid is a reference point and is not
  required to respect linkage;
* tailoring T and partnership differentiation PD, the latter with equal authorship
  (EI = 1), so PD = (CG + CD) / 2.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from roleplay.scenario.checks import all_packages, package_count
from roleplay.scenario.loader import load_campaign, load_scenario
from roleplay.scenario.model import Effects, Issue, Option, Scenario

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
FILES = {
    "association-agreement": 20,
    "strategic-partnership": 20,
    "progress-report": 15,
}
Package = dict[str, str]


def _load(name: str) -> Scenario:
    return load_scenario(SCENARIOS / f"{name}.yaml")


@pytest.fixture(params=sorted(FILES), scope="module")
def scenario(request: pytest.FixtureRequest) -> Scenario:
    return _load(request.param)


def words(text: str) -> int:
    return len(text.split())


# -- measures ------------------------------------------------------------------------
def linkage_ok(sc: Scenario, pkg: Package) -> bool:
    chosen = {f"{k}.{v}" for k, v in pkg.items()}
    for k, v in pkg.items():
        opt = sc.option(k, v)
        if any(r not in chosen for r in opt.requires) or any(x in chosen for x in opt.excludes):
            return False
    return True


def _range(issue: Issue, role: str) -> tuple[float, float]:
    pts = [o.points[role] for o in issue.options]
    return min(pts), max(pts) - min(pts)


def success(issue: Issue, opt: Option, role: str) -> float:
    low, span = _range(issue, role)
    return (opt.points[role] - low) / span if span else 1.0


def salience_eu(sc: Scenario) -> dict[str, float]:
    spans = {i.id: _range(i, "eu")[1] for i in sc.issues}
    total = sum(spans.values())
    return {k: v / total for k, v in spans.items()}


def joint_weights(sc: Scenario) -> dict[str, float]:
    spans = {i.id: _range(i, "eu")[1] + _range(i, "government")[1] for i in sc.issues}
    total = sum(spans.values())
    return {k: v / total for k, v in spans.items()}


def tailoring(sc: Scenario, pkg: Package) -> float:
    s = salience_eu(sc)
    return sum(s[k] * sc.option(k, v).template_distance for k, v in pkg.items())


def partnership(sc: Scenario, pkg: Package) -> float:
    """PD with equal input assumed (EI = 1)."""
    w = joint_weights(sc)
    cg = cd = 0.0
    for issue in sc.issues:
        opt = sc.option(issue.id, pkg[issue.id])
        cg += w[issue.id] * min(success(issue, opt, "eu"), success(issue, opt, "government"))
        cd += w[issue.id] * (opt.kind == "co_designed")
    return (cg + cd) / 2


def best_package(sc: Scenario, role: str) -> Package:
    return {i.id: max(i.options, key=lambda o: o.points[role]).id for i in sc.issues}


def template_package(sc: Scenario) -> Package:
    return {i.id: next(o.id for o in i.options if o.kind == "template") for i in sc.issues}


def split_package(sc: Scenario) -> Package:
    out = {}
    for issue in sc.issues:

        def key(o: Option, issue: Issue = issue) -> tuple[float, float]:
            a, b = success(issue, o, "eu"), success(issue, o, "government")
            return min(a, b), a + b

        out[issue.id] = max(issue.options, key=key).id  # max keeps the first on ties
    return out


def joint(sc: Scenario, pkg: Package) -> float:
    return sc.points("eu", pkg) + sc.points("government", pkg)


def post_event_batnas(sc: Scenario) -> dict[str, float]:
    """BATNAs after every phase-triggered event and each signatory's own-BATNA actions
    used as often as their limits allow (docs/scoring.md, "the post-event problem")."""
    out = {r.id: r.batna for r in sc.roles}
    for ev in sc.events:
        if ev.trigger.kind == "phase":
            for role, shift in ev.effects.batna.items():
                out[role] += shift
    for role in sc.roles:
        for action_id in role.actions if role.signatory else ():
            act = sc.action(action_id)
            if act.effects.batna.get(role.id, 0) > 0:
                for r, shift in act.effects.batna.items():
                    out[r] += shift * (act.limit or 1)
    return out


def tactic_costs(sc: Scenario) -> dict[str, float]:
    out = {r.id: 0.0 for r in sc.roles}
    for role in sc.roles:
        for action_id in role.actions if role.signatory else ():
            act = sc.action(action_id)
            if act.effects.batna.get(role.id, 0) > 0:
                out[role.id] -= act.cost * (act.limit or 1)
                for r, pts in act.effects.points.items():
                    out[r] += pts * (act.limit or 1)
    for ev in sc.events:
        if ev.trigger.kind == "phase":
            for r, pts in ev.effects.points.items():
                out[r] += pts
    return out


def nash(sc: Scenario, batnas: dict[str, float]) -> Package:
    be, bg = batnas["eu"], batnas["government"]
    return max(
        zopa(sc, batnas),
        key=lambda p: (sc.points("eu", p) - be) * (sc.points("government", p) - bg),
    )


def zopa(sc: Scenario, batnas: dict[str, float] | None = None) -> list[Package]:
    be, bg = (batnas["eu"], batnas["government"]) if batnas else (
        sc.role("eu").batna, sc.role("government").batna)
    return [
        p
        for p in all_packages(sc)
        if linkage_ok(sc, p) and sc.points("eu", p) >= be and sc.points("government", p) >= bg
    ]


def integrative_potential(sc: Scenario) -> float:
    j_max = max(joint(sc, p) for p in zopa(sc))
    j_d = sc.role("eu").batna + sc.role("government").batna
    return (j_max - joint(sc, split_package(sc))) / (j_max - j_d)


# -- form ----------------------------------------------------------------------------
def test_every_scenario_file_is_listed() -> None:
    found = {p.stem for p in SCENARIOS.glob("*.yaml")} - {"campaign-2010-2016"}
    assert set(FILES) <= found


def test_ids_title_sources(scenario: Scenario) -> None:
    assert scenario.id in FILES
    assert scenario.id == scenario.id.lower()
    assert scenario.title and scenario.version and scenario.summary
    assert any("van Gils" in s for s in scenario.sources)


def test_background_at_most_400_words(scenario: Scenario) -> None:
    assert words(scenario.background) <= 400


def test_four_roles_as_specified(scenario: Scenario) -> None:
    roles = {r.id: r for r in scenario.roles}
    assert set(roles) == {"eu", "government", "civil_society", "lobbyist"}
    assert (roles["eu"].side, roles["eu"].signatory) == ("eu", True)
    assert (roles["government"].side, roles["government"].signatory) == ("government", True)
    cs, lob = roles["civil_society"], roles["lobbyist"]
    assert (cs.side, cs.signatory, cs.veto) == ("none", False, False)
    assert (lob.side, lob.signatory, lob.is_veto) == ("none", False, False)
    assert set(scenario.table.roles) == set(roles)


ROLES = ["eu", "government", "civil_society", "lobbyist"]
WORDS_PER_MINUTE = 200  # reading on a phone


def card_words(sc: Scenario, role: str) -> int:
    from roleplay.engine.cards import build_card

    c = build_card(sc, role)
    lines = [c["objective"], c["batna_meaning"], c["unknown"], c["score"], *c["rights"]]
    lines += [f"{a['name']} {a['effect']}" for a in c["actions"]] + c["notes"]
    return sum(words(x) for x in lines)


@pytest.mark.parametrize("role", ROLES)
def test_confidential_briefings_at_most_300_words(scenario: Scenario, role: str) -> None:
    text = scenario.role(role).briefing.confidential
    assert 120 <= words(text) <= 300, words(text)
    assert "interview" in text  # every briefing cites the paper's interviews
    # the points paragraph names priorities; the option cards show the numbers
    assert not re.search(r"\b\d+ points?\b|\bworth \d+", text), role


@pytest.mark.parametrize("role", ROLES)
def test_every_role_has_a_short_card(scenario: Scenario, role: str) -> None:
    card = scenario.role(role).card
    assert card is not None, role
    assert card.objective.count(". ") == 0 and card.objective.endswith("."), "one sentence"
    for text in (card.objective, card.batna, card.unknown):
        assert words(text) <= 30, text


def test_briefing_phase_gives_reading_time(scenario: Scenario) -> None:
    """Card and confidential briefing at 200 words a minute (the background is optional)."""
    briefing = next(p for p in scenario.phases if p.kind == "briefing")
    need = max(card_words(scenario, r) + words(scenario.role(r).briefing.confidential)
               for r in ROLES)
    assert briefing.minutes * WORDS_PER_MINUTE >= need, need


def test_government_briefings_give_the_regime_security_motive(scenario: Scenario) -> None:
    """The paper: stability, legitimacy and fear of unrest drive Baku's selectivity."""
    text = " ".join(scenario.role("government").briefing.confidential.split())
    assert "legitimacy" in text and "expert interview 3, July 2014" in text


def test_issues_and_options(scenario: Scenario) -> None:
    assert 4 <= len(scenario.issues) <= 6
    kinds = set()
    for issue in scenario.issues:
        assert 3 <= len(issue.options) <= 4, issue.id
        templates = [o for o in issue.options if o.kind == "template"]
        assert len(templates) == 1 and templates[0].template_distance == 0, issue.id
        kinds |= {o.kind for o in issue.options}
    assert kinds == {"template", "opt_out", "co_designed"}
    assert package_count(scenario) <= 5000


def test_best_packages_are_unique(scenario: Scenario) -> None:
    """No ties at the top of any issue, so 'a role's best package' is well defined."""
    for role in (r.id for r in scenario.roles):
        for issue in scenario.issues:
            pts = sorted((o.points[role] for o in issue.options), reverse=True)
            assert pts[0] > pts[1], (role, issue.id)


def test_linkage_declared(scenario: Scenario) -> None:
    assert any(o.requires or o.excludes for i in scenario.issues for o in i.options)


def test_phases(scenario: Scenario) -> None:
    kinds = [p.kind for p in scenario.phases]
    assert kinds == ["briefing", "opening", "negotiation", "decision", "results"]
    assert sum(p.minutes for p in scenario.phases) == pytest.approx(FILES[scenario.id], abs=1)


def test_channels(scenario: Scenario) -> None:
    ch = {c.id: c for c in scenario.channels}
    assert set(ch["official"].members) == {"eu", "government"}
    assert set(ch["official"].bridge) == {"civil_society"}
    assert set(ch["non_governmental"].members) == {"eu", "civil_society"}
    assert set(ch["unofficial"].members) == {"government", "lobbyist"}
    # the PCC is the MEPs' side: civil society and the lobby reach it, so closing it bites
    assert set(ch["parliamentary"].members) == {"eu", "government", "civil_society", "lobbyist"}
    closers = [a for a in scenario.actions if "parliamentary" in a.effects.close_channels]
    needs = [a for a in scenario.actions if a.requires_open == "parliamentary"]
    assert closers and {a.id for a in needs} >= {"lob_influence_meps", "lob_sponsored_trip"}


def test_actions(scenario: Scenario) -> None:
    acts = {a.id: a for a in scenario.actions}

    def of(role: str) -> list[str]:
        return list(scenario.role(role).actions)

    assert any(acts[a].effects.open_bridge for a in of("eu"))
    assert any(acts[a].effects.close_channels for a in of("government"))
    assert any(acts[a].effects.batna.get("government", 0) > 0 for a in of("government"))
    lob = scenario.role("lobbyist")
    meps = [acts[a] for a in of("lobbyist") if acts[a].targets]
    assert meps and lob.budget > 0
    for act in meps:
        assert 0 < act.budget_cost <= lob.budget
        assert act.risk is not None and 0 < act.risk.chance < 1
        scandal = scenario.event(act.risk.event).effects
        assert scandal.points.get("lobbyist", 0) < 0 and scandal.variables.get("exposure", 0) > 0
    for role in ("eu", "government", "civil_society", "lobbyist"):
        assert of(role), role


def test_events(scenario: Scenario) -> None:
    assert len(scenario.events) >= 6
    for ev in scenario.events:
        assert ev.source, ev.id
        assert ev.effects != Effects(), ev.id
    assert any(ev.effects.actions_per_phase.get("eu", 0) < 0 for ev in scenario.events)


def test_debrief_and_history(scenario: Scenario) -> None:
    assert 3 <= len(scenario.debrief.questions) <= 5
    h = scenario.history
    assert h.deadlock or h.ongoing or len(h.package) == len(scenario.issues)
    assert h.text and h.sources


# -- design --------------------------------------------------------------------------
def test_zopa_exists(scenario: Scenario) -> None:
    assert zopa(scenario)


def test_template_below_government_batna(scenario: Scenario) -> None:
    pkg = template_package(scenario)
    assert scenario.points("government", pkg) < scenario.role("government").batna


def test_government_ideal_below_eu_batna(scenario: Scenario) -> None:
    pkg = best_package(scenario, "government")
    assert scenario.points("eu", pkg) < scenario.role("eu").batna


def test_integrative_potential(scenario: Scenario) -> None:
    assert integrative_potential(scenario) >= 0.2


def test_cherry_picking_and_partnership_both_reachable(scenario: Scenario) -> None:
    z = zopa(scenario)
    assert any(tailoring(scenario, p) >= 0.25 and partnership(scenario, p) < 0.5 for p in z)
    assert any(partnership(scenario, p) >= 0.5 for p in z)


# -- design, after the guaranteed events and the signatories' own-BATNA tactics --------------
def test_post_event_batnas_match_analyze(scenario: Scenario) -> None:
    from roleplay.scoring.problem import post_event_problem

    problem = post_event_problem(scenario)
    assert not problem.thresholds  # the tactics alone cross no trust threshold here
    assert problem.batnas == post_event_batnas(scenario)


def test_every_own_batna_tactic_is_limited_and_costs(scenario: Scenario) -> None:
    for role in scenario.roles:
        for action_id in role.actions:
            act = scenario.action(action_id)
            if act.effects.batna.get(role.id, 0) > 0 or (
                role.id == "lobbyist" and act.effects.batna.get("government", 0) > 0
            ):
                assert act.limit is not None, action_id
                assert act.cost > 0 or act.budget_cost > 0, action_id


def test_post_event_zopa_has_both_meanings(scenario: Scenario) -> None:
    z = zopa(scenario, post_event_batnas(scenario))
    assert z
    assert any(tailoring(scenario, p) >= 0.25 and partnership(scenario, p) < 0.5 for p in z)
    assert any(tailoring(scenario, p) >= 0.25 and partnership(scenario, p) >= 0.5 for p in z)


def test_post_event_nash_is_a_partnership(scenario: Scenario) -> None:
    n = nash(scenario, post_event_batnas(scenario))
    assert partnership(scenario, n) >= 0.5
    from roleplay.analysis import analyze

    post = analyze(scenario).post_event
    assert post.nash is not None and post.nash.package == n


def test_best_deadlock_below_post_event_nash(scenario: Scenario) -> None:
    """Deadlock pays the post-event BATNA plus the tactics' costs; so does the Nash deal."""
    batnas, costs = post_event_batnas(scenario), tactic_costs(scenario)
    n = nash(scenario, batnas)
    for side in ("eu", "government"):
        assert batnas[side] + costs[side] < scenario.points(side, n) + costs[side], side


def test_non_signatories_want_something_else(scenario: Scenario) -> None:
    signatories = [best_package(scenario, "eu"), best_package(scenario, "government")]
    for role in ("civil_society", "lobbyist"):
        assert best_package(scenario, role) not in signatories, role


def test_worked_example_measures() -> None:
    """The measures reproduce SCORING.md's worked example (T, PD with EI = 1)."""
    sc = load_scenario(Path(__file__).resolve().parent / "data" / "worked-example.yaml")
    deal = {"i1": "a", "i2": "b", "i3": "c"}
    assert tailoring(sc, deal) == pytest.approx(0.475)
    assert partnership(sc, deal) == pytest.approx((0.325 + 0.325) / 2)
    assert tailoring(sc, {"i1": "b", "i2": "b", "i3": "b"}) == pytest.approx(0.5)


# -- campaign ------------------------------------------------------------------------
def test_campaign_loads_and_carries_declared_variables() -> None:
    bundle = load_campaign(SCENARIOS / "campaign-2010-2016.yaml")
    assert [s.id for s in bundle.scenarios] == list(FILES)
    assert bundle.campaign.steps[0].carry == ()
    for prev, step, sc in zip(
        bundle.scenarios, bundle.campaign.steps[1:], bundle.scenarios[1:], strict=False
    ):
        assert step.carry
        roles = {r.id for r in sc.roles}
        channels = {c.id for c in sc.channels}
        for carry in step.carry:
            assert carry.variable in prev.variables and carry.variable in sc.variables
            for ce in carry.effects:
                eff = ce.effects
                assert set(eff.batna) | set(eff.points) | set(eff.actions_per_phase) <= roles
                assert set(eff.variables) <= set(sc.variables)
                assert set(eff.close_channels) | set(eff.open_channels) <= channels


def _moved(sc: Scenario) -> set[str]:
    """The variables a scenario can change in play: signed options, actions, events."""
    moved: set[str] = set()
    for issue in sc.issues:
        for o in issue.options:
            moved |= set(o.variables)
    for a in sc.actions:
        moved |= set(a.effects.variables)
    for e in sc.events:
        moved |= set(e.effects.variables)
    return moved


def test_carried_variables_can_move() -> None:
    """What a step carries must be movable in play in the step before it."""
    bundle = load_campaign(SCENARIOS / "campaign-2010-2016.yaml")
    for prev, step in zip(bundle.scenarios, bundle.campaign.steps[1:], strict=False):
        for carry in step.carry:
            assert carry.variable in _moved(prev), (prev.id, carry.variable)


def test_analyze_leaves_no_warning_unexplained(scenario: Scenario) -> None:
    from roleplay.analysis import analyze

    a = analyze(scenario)
    assert a.warnings == ()
    assert all(f.accepted_by for f in a.accepted)


def test_non_signatories_want_something_else_within_the_linkage_rules(scenario: Scenario) -> None:
    """The same check as above, with each role's best package among linkage-valid ones."""
    from roleplay.analysis import analyze

    best = {v.label.removeprefix("best for "): v.package for v in analyze(scenario).best}
    for role in ("civil_society", "lobbyist"):
        assert best[role] not in (best["eu"], best["government"]), role
