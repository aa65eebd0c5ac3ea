"""The bargaining problem a table faces after the events it cannot avoid.

Pure. `post_event_problem(scenario)` starts from the scenario's BATNAs and
applies, in this order:

1. every *guaranteed* event card: those fired by the start of a phase
   (`trigger.kind == "phase"`); chance and instructor cards are not certain;
2. each signatory's *strongest own-BATNA tactics*: every action the
   signatory may take whose effects raise its own BATNA, taken as often as
   its `limit` allows (the incentive rule of docs/scoring.md requires such an
   action to declare a limit; one without one is counted once and `analyze`
   warns about it). Their point costs are summed too, since a deadlock pays
   them as a deal does;
3. the trust thresholds the variables cross on the way (scenario variables
   may declare `thresholds`, see `roleplay.engine.state`).

The result is what `analyze`, the design checks and the debrief call the
post-event problem.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..scenario.model import Effects, Scenario


@dataclass(frozen=True)
class Tactic:
    role: str
    action: str
    times: int
    limited: bool  # False: the action declares no limit (counted once)


@dataclass(frozen=True)
class PostEvent:
    batnas: dict[str, float]  # every role's BATNA after the events and tactics
    shifts: dict[str, float]  # the change from the scenario's BATNA, per role
    costs: dict[str, float]  # point costs and bonuses of the tactics, per role
    events: tuple[str, ...]  # guaranteed event cards, in phase order
    tactics: tuple[Tactic, ...]
    thresholds: tuple[str, ...] = field(default=())  # 'trust<20', 'trust>=55': crossed on the way


def own_batna_tactics(scenario: Scenario) -> list[Tactic]:
    """Every signatory action that raises its own BATNA, at its limit."""
    out = []
    for role in scenario.roles:
        if not role.signatory:
            continue
        for action_id in role.actions:
            action = scenario.action(action_id)
            if action.effects.batna.get(role.id, 0.0) > 0:
                out.append(
                    Tactic(role.id, action_id, action.limit or 1, action.limit is not None)
                )
    return out


def guaranteed_events(scenario: Scenario) -> list[str]:
    order = {p.id: k for k, p in enumerate(scenario.phases)}
    cards = [e for e in scenario.events if e.trigger.kind == "phase" and e.trigger.phase in order]
    return [e.id for e in sorted(cards, key=lambda e: order[e.trigger.phase or ""])]


def _add(into: dict[str, float], deltas: Mapping[str, float], times: int = 1) -> None:
    for k, v in deltas.items():
        into[k] = into.get(k, 0.0) + v * times


def post_event_problem(scenario: Scenario, start: Mapping[str, float] | None = None) -> PostEvent:
    """The BATNAs after the guaranteed events and each signatory's own-BATNA tactics.

    `start` gives the variables' values at the start (a campaign step's carried
    values); by default each variable's `initial`.
    """
    values = {k: v.initial for k, v in scenario.variables.items()}
    values.update({k: v for k, v in (start or {}).items() if k in values})
    shifts: dict[str, float] = {}
    costs: dict[str, float] = {}
    crossed: list[str] = []

    def apply(eff: Effects, times: int = 1) -> None:
        _add(shifts, eff.batna, times)
        _add(costs, eff.points, times)
        for name, delta in eff.variables.items():
            spec = scenario.variables.get(name)
            if spec is None:
                continue
            for _ in range(times):
                before = values[name]
                values[name] = min(spec.maximum, max(spec.minimum, before + delta))
                for th in spec.thresholds:
                    key = f"{name}{th.key}"
                    if th.crossed(before, values[name]) and key not in crossed:
                        crossed.append(key)
                        _add(shifts, th.effects.batna)
                        _add(costs, th.effects.points)

    events = guaranteed_events(scenario)
    for card_id in events:
        apply(scenario.event(card_id).effects)
    tactics = own_batna_tactics(scenario)
    for t in tactics:
        action = scenario.action(t.action)
        apply(action.effects, t.times)
        if action.cost:
            _add(costs, {t.role: -action.cost}, t.times)
    batnas = {r.id: r.batna + shifts.get(r.id, 0.0) for r in scenario.roles}
    return PostEvent(
        batnas=batnas,
        shifts={k: v for k, v in shifts.items() if v},
        costs={k: v for k, v in costs.items() if v},
        events=tuple(events),
        tactics=tuple(tactics),
        thresholds=tuple(crossed),
    )
