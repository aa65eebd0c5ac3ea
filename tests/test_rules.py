"""One function per rule: what a seat's view says it may do, and why not, is what `decide`
does when the seat tries it (the same reason, word for word and as a catalog message).

Played across whole games of bots on the pure engine: at every round, every seat tries
every command its view has a verdict for, and the refusal must be the view's reason.
"""

from __future__ import annotations

import contextlib
import itertools
import random
from typing import Any

import pytest

from roleplay.engine import rules
from roleplay.engine.commands import INSTRUCTOR_ACTOR, SYSTEM_ACTOR, Actor, decide
from roleplay.engine.commands import _package as decide_package
from roleplay.engine.errors import Reason, RuleError, render
from roleplay.engine.state import GameSetup, GameState, apply, initial_state
from roleplay.engine.views import player_view
from roleplay.scenario.model import Scenario
from roleplay.scenario.resolve import resolve_source
from roleplay.strategy import draw_personality, ideal, next_move

START = 1_000_000.0


def _run(state: GameState, actor: Actor, command: str, now: float, **args: Any) -> GameState:
    for e in decide(state, actor, command, args, now=now):
        state = apply(state, e)
    return state


def _tried(state: GameState, pid: str, command: str, now: float,
           **args: Any) -> dict[str, Any] | None:
    """The refusal `decide` gives a seat's command, as the view carries reasons (None: done)."""
    try:
        decide(state, Actor("player", pid), command, args, now=now)
    except RuleError as e:
        assert e.message == render(e.reason.msg, e.reason.args)  # text = msgid + args
        return e.reason.to_dict()
    return None


def _valid_package(view: dict[str, Any], avoid: list[dict[str, str]]) -> dict[str, str]:
    """A package the view's linkage rules allow, other than those in `avoid` if it can."""
    conflicts = [set(c["options"]) for c in view["linkage"]]
    first = None
    for combo in itertools.product(*[[o["id"] for o in i["options"]] for i in view["issues"]]):
        pkg = {i["id"]: o for i, o in zip(view["issues"], combo, strict=True)}
        if any(c <= {f"{k}.{v}" for k, v in pkg.items()} for c in conflicts):
            continue
        if pkg not in avoid:
            return pkg
        first = first or pkg
    assert first is not None
    return first


def _fresh_linkage(view: dict[str, Any]) -> dict[str, str]:
    issues = view["issues"]
    declared = {(lk["issue"], lk["requires"]) for lk in view["table"]["linkages"]
                if lk["role"] == view["role"]["id"]}
    for a, b in itertools.permutations(issues, 2):
        for o in b["options"]:
            if (a["id"], f"{b['id']}.{o['id']}") not in declared:
                return {"issue": a["id"], "requires": f"{b['id']}.{o['id']}"}
    raise AssertionError("every linkage declared")


def _check_seat(state: GameState, pid: str, now: float) -> int:
    """Every verdict in the seat's view against what `decide` does; the number compared."""
    view = player_view(state, pid, now)
    can = view.get("can")
    if can is None:  # not seated: nothing of the sort in the view
        return 0
    table, role = view["table"], view["role"]
    mine = [s["package"] for s in table["suggestions"] if s["role"] == role["id"]]
    signatories = [r["id"] for r in view["roles"] if r["signatory"]]
    tries: dict[str, dict[str, Any]] = {
        "open": {"package": ideal(view)},
        "propose": {"package": ideal(view)},
        "suggest": {"package": _valid_package(view, mine), "to": signatories[0]},
        "link": _fresh_linkage(view),
        "sign": {} if table["current"] is None else {"proposal": table["current"]},
        "refuse": {},
        "guess_batna": {"guess": 0},
    }
    compared = 0
    for command, args in tries.items():
        got = _tried(state, pid, command, now, **args)
        verdict = can[command]
        if not verdict["allowed"]:
            assert got == verdict["reason"], (command, got, verdict)
        else:  # allowed by every rule: only an argument check may still say no
            assert got is None or got["msg"] in ("You already suggested this package to them.",
                                                 "You already declared this linkage."), (command, got)
        compared += 1
    for a in view["actions"]:
        args = {"action": a["id"]}
        if a["targets"]:
            args["target"] = a["targets"][0]
        got = _tried(state, pid, "act", now, **args)
        assert got == a["reason"] and a["allowed"] == (got is None), (a, got)
        compared += 1
    for c in view["channels"]:
        got = _tried(state, pid, "chat", now, channel=c["id"], text="hello")
        assert got == c["reason"] and c["allowed"] == (got is None), (c, got)
        compared += 1
    for p in table["proposals"]:
        got = _tried(state, pid, "sign", now, proposal=p["seq"])
        assert got == p["sign"]["reason"] and p["sign"]["allowed"] == (got is None), (p, got)
        compared += 1
    return compared


def _play_and_check(source: Scenario, players: int, seed: int) -> tuple[int, set[str]]:
    """A class of bots plays `source`; every seat is checked every round, also while the
    game is paused and once the phase's time is up. The comparisons and the distinct
    reasons seen."""
    state = initial_state(GameSetup(f"rules-{seed}", "RULES", seed, (source,), None))
    rng = random.Random(seed)
    now = START
    ids = [f"p{i}" for i in range(players)]
    styles = {}
    for pid in ids:
        state = _run(state, SYSTEM_ACTOR, "join", now, player=pid, name=f"Bot {pid}")
        styles[pid] = draw_personality(rng)
    compared, seen = 0, set()

    def check_all(at: float) -> None:
        nonlocal compared
        for pid in ids:
            compared += _check_seat(state, pid, at)
            view = player_view(state, pid, at)
            for v in list(view.get("can", {}).values()) + view.get("actions", []) + \
                    view.get("channels", []):
                if v["reason"]:
                    seen.add(v["reason"]["msg"])

    check_all(now)  # the lobby
    state = _run(state, INSTRUCTOR_ACTOR, "start", now)
    while state.status != "finished":
        for r in range(4):
            check_all(now)
            for pid in rng.sample(ids, len(ids)):
                move = next_move(player_view(state, pid, now), rng, (r + 1) / 4, styles[pid])
                if move is not None:
                    with contextlib.suppress(RuleError):  # a bot may misjudge
                        state = _run(state, Actor("player", pid), move[0], now, **move[1])
        if state.deadline is not None:
            check_all(state.deadline + 1)  # time is up: only chat goes on
        state = _run(state, INSTRUCTOR_ACTOR, "pause", now)
        check_all(now)
        state = _run(state, INSTRUCTOR_ACTOR, "resume", now)
        state = _run(state, INSTRUCTOR_ACTOR, "advance", now)
        now += 1.0
    check_all(now)  # the game is over
    return compared, seen


@pytest.mark.parametrize("ref", ["association-agreement", "strategic-partnership",
                                 "progress-report"])
def test_every_verdict_in_a_seats_view_is_what_decide_does(ref: str) -> None:
    source = resolve_source(ref)
    assert isinstance(source, Scenario)
    compared, seen = _play_and_check(source, players=8, seed=3)
    assert compared > 1000
    # the game reached the rules' refusals, not just 'allowed' everywhere
    for msg in ("The game is over.", "The game is paused.",
                "Time is up for this phase.", "Your role does not sign agreements.",
                "Only the two signatories submit opening positions."):
        assert msg in seen, (msg, sorted(seen))
    assert any(m.startswith("You cannot ") and "%(phase)s" in m for m in seen)


def test_the_views_linkage_table_is_the_refusal_of_every_package() -> None:
    sc = resolve_source("association-agreement")
    assert isinstance(sc, Scenario)
    table = rules.linkage_table(sc)
    assert table, "the scenario has linkage rules"
    refused = 0
    for combo in itertools.product(*[[o.id for o in i.options] for i in sc.issues]):
        pkg = {i.id: o for i, o in zip(sc.issues, combo, strict=True)}
        chosen = {f"{k}.{v}" for k, v in pkg.items()}
        first = next((c["reason"] for c in table if set(c["options"]) <= chosen), None)
        reason = rules.linkage_reason(sc, pkg)
        assert (reason.to_dict() if reason else None) == first
        if first is not None:
            refused += 1
            with pytest.raises(RuleError) as info:
                decide_package(sc, pkg)
            assert info.value.reason.to_dict() == first
    assert refused > 0


def test_a_refusal_is_a_catalog_message_with_its_arguments() -> None:
    sc = resolve_source("association-agreement")
    assert isinstance(sc, Scenario)
    state = initial_state(GameSetup("g", "CODE", 1, (sc,), None))
    with pytest.raises(RuleError) as info:
        decide(state, INSTRUCTOR_ACTOR, "propose", {}, now=START)
    e = info.value
    assert e.reason == Reason("forbidden", "Only the %(who)s may %(command)s.",
                              {"who": "player", "command": "propose"})
    assert e.message == "Only the player may propose." == str(e)
    assert e.reason.to_dict() == {"code": "forbidden", "msg": "Only the %(who)s may %(command)s.",
                                  "args": {"who": "player", "command": "propose"},
                                  "message": "Only the player may propose."}
