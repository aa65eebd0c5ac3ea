"""What the instructor's dashboard is told besides the state: the current step's lists
(events with their effects in words, channels, actions) and which controls make sense now.

The dashboard displays these; it decides nothing (an event's effects, whether "Pause"
means anything after the end). All of it is a function of the state's current step, so
after a campaign's step change the dashboard's lists follow the new scenario.
"""

from __future__ import annotations

from typing import Any

from ..i18n.messages import Text, joined, say
from ..scenario.model import Effects, Scenario
from .cards import effect_phrases, effect_texts
from .state import GameState


def _words(phrases: list[str]) -> str:
    return ", ".join(phrases) if phrases else "no change to the numbers"


def _message(sc: Scenario, eff: Effects) -> Text:
    """`_words` as a catalog text, for the dashboard's language."""
    texts = effect_texts(sc, eff)
    return joined(", ", texts) if texts else say("no change to the numbers")


def _trigger(sc: Scenario, card: Any) -> str:
    t = card.trigger
    phases = {p.id: p.title for p in sc.phases}
    if t.kind == "phase":
        return f"fires at the start of {phases.get(t.phase, t.phase)}"
    if t.kind == "chance":
        return f"{round((t.chance or 0) * 100):g}% chance per table at {phases.get(t.phase, t.phase)}"
    return "sent by the instructor"


def step_lists(state: GameState) -> dict[str, Any]:
    """The current step's events, channels and actions, as the dashboard shows them."""
    sc = state.scenario
    roles = {r.id: r.name for r in sc.roles}
    events = [
        {"id": e.id, "title": e.title, "trigger": e.trigger.kind,
         "when": _trigger(sc, e), "text": e.text,
         "effects": effect_phrases(sc, e.effects), "effects_text": _words(effect_phrases(sc, e.effects)),
         "effects_message": _message(sc, e.effects)}
        for e in sc.events
    ]
    channels = [
        {"id": c.id, "name": c.name, "members": [roles.get(r, r) for r in c.members],
         "bridge": [roles.get(r, r) for r in c.bridge]}
        for c in sc.channels
    ]
    actions = [
        {"id": a.id, "name": a.name,
         "roles": [r.name for r in sc.roles if a.id in r.actions and r.id in sc.table.roles],
         "effects": effect_phrases(sc, a.effects), "effects_text": _words(effect_phrases(sc, a.effects)),
         "effects_message": _message(sc, a.effects)}
        for a in sc.actions
    ]
    return {"events": events, "channels": channels, "actions": actions}


def _control(ok: bool, why: str) -> dict[str, Any]:
    return {"available": ok, "why": None if ok else why}


def instructor_controls(state: GameState) -> dict[str, dict[str, Any]]:
    """For each instructor command, whether it makes sense now and, if not, why (the
    engine refuses the same with the same words)."""
    st = state.status
    over = "The game is over."
    live = st in ("running", "paused")
    return {
        "start": _control(st == "lobby", over if st == "finished" else "The game has already started."),
        "assign": _control(st == "lobby", over if st == "finished"
                           else "Automatic assignment is for the lobby; move players instead."),
        "lock": _control(st != "finished", over),
        "pause": _control(st == "running", over if st == "finished"
                          else "Only a running game can be paused."),
        "resume": _control(st == "paused", over if st == "finished" else "The game is not paused."),
        "extend": _control(live, over if st == "finished" else "There is no running phase to extend."),
        "advance": _control(live, over if st == "finished" else "Start the game first."),
        "inject": _control(live, over if st == "finished"
                           else "Events can be injected while the game runs."),
        "move": _control(st != "finished", over),
        "kick": _control(st != "finished", over),
        "end": _control(st != "finished", "The game is already over."),
        "release_results": _control(not state.results_released, "Results are already released."),
        "broadcast": _control(True, ""),
        "hand": _control(True, ""),
        "merge": _control(True, ""),
    }
