"""The engine's rules, command by command, on the four-role test scenario."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest

from roleplay.engine.commands import INSTRUCTOR_ACTOR, SYSTEM_ACTOR, Actor, balanced_seats, decide
from roleplay.engine.errors import RuleError
from roleplay.engine.state import apply, replay, table_records
from roleplay.engine.views import can_see, player_view
from roleplay.scenario.model import Scenario
from support.engine_game import MARKERS, PKG_JOINT, PKG_TEMPLATE, T0, Game, seated, to_phase


@pytest.fixture
def game(four_roles: Scenario) -> Game:
    return seated(four_roles)


def test_start_seats_everyone_in_balanced_tables(game: Game) -> None:
    seats = {(p.table, p.role) for p in game.state.players.values()}
    assert len(seats) == 8 and {t for t, _ in seats} == {1, 2}
    assert game.state.phase.kind == "briefing" and game.state.deadline == T0 + 120


@pytest.mark.parametrize("n", [1, 3, 4, 5, 9, 17, 40])
def test_balanced_seats_fill_signatories_first_and_tables_fully(four_roles: Scenario, n: int) -> None:
    seats = balanced_seats(n, four_roles)
    assert len(seats) == n
    tables = {t for t, _ in seats}
    assert seats[0] == (1, "eu") and (n < 2 or seats[1] == (1, "government"))
    if n >= 4:
        for t in tables:
            assert {r for tt, r in seats if tt == t} == set(four_roles.table.roles)


def test_join_normalises_names_and_refuses_duplicates(four_roles: Scenario) -> None:
    g = Game(four_roles)
    g.do(SYSTEM_ACTOR, "join", player="a", name="  Ann\u202e\u200b  Lee ")
    err = g.refused(SYSTEM_ACTOR, "join", player="b", name="ánn lee")
    assert err.code == "conflict" and "Someone called Ann Lee" in err.message
    assert [p.name for p in g.state.players.values()] == ["Ann Lee"]
    for bad in ["", "   ", "x" * 33, "Instructor", "INSTRUCT0R", "Іnstructor", None]:
        g.refused(SYSTEM_ACTOR, "join", player="c", name=bad)


def test_students_cannot_run_the_class(game: Game) -> None:
    for cmd in ["start", "advance", "pause", "extend", "inject", "kick", "assign", "end"]:
        err = game.refused("p0", cmd)
        assert err.code == "forbidden"
    assert game.refused(INSTRUCTOR_ACTOR, "chat", channel="official", text="x").code == "forbidden"


def test_chat_goes_only_to_channel_members(game: Game) -> None:
    to_phase(game, "negotiation")
    (e,) = game.do(game.seat("eu"), "chat", channel="official", text="hello")
    assert e.audience.roles == ("eu", "government") and e.audience.table == 1
    assert can_see(game.state, game.seat("government"), e.audience)
    assert not can_see(game.state, game.seat("civil_society"), e.audience)
    assert not can_see(game.state, game.seat("government", table=2), e.audience)
    err = game.refused(game.seat("lobbyist"), "chat", channel="official", text="hi")
    assert err.code == "forbidden"
    game.refused(game.seat("eu"), "chat", channel="official", text="")
    game.refused(game.seat("eu"), "chat", channel="official", text="x" * 1001)
    game.refused(game.seat("eu"), "chat", channel="nope", text="x")


def test_inviting_civil_society_opens_the_bridge(game: Game) -> None:
    to_phase(game, "negotiation")
    cs = game.seat("civil_society")
    game.refused(cs, "chat", channel="official", text="let us in")
    game.do(game.seat("eu"), "act", action="invite_cs")
    (e,) = game.do(cs, "chat", channel="official", text="thank you")
    assert e.audience.roles == ("eu", "government", "civil_society")
    assert game.refused(game.seat("eu"), "act", action="invite_cs").code == "conflict"


def test_cancelling_the_pcc_closes_a_channel_and_lowers_the_eu_batna(game: Game) -> None:
    to_phase(game, "negotiation")
    before = game.state.batna(game.state.tables[1], "eu")
    events = game.do(game.seat("government"), "act", action="cancel_pcc")
    assert [e.type for e in events] == ["action_taken", "private_effect"]
    assert events[1].audience.roles == ("eu",)
    t = game.state.tables[1]
    assert "non_governmental" in t.closed_channels and t.variables["pcc_suspended"] == 1
    assert game.state.batna(t, "eu") == before - 5
    game.refused(game.seat("civil_society"), "chat", channel="non_governmental", text="x")


def test_proposals_sign_and_settle(game: Game) -> None:
    to_phase(game, "opening")
    eu, gov = game.seat("eu"), game.seat("government")
    game.do(eu, "open", package=PKG_TEMPLATE)
    assert game.refused(eu, "open", package=PKG_TEMPLATE).code == "conflict"
    game.refused(game.seat("lobbyist"), "open", package=PKG_TEMPLATE)
    to_phase(game, "negotiation")
    game.refused(eu, "propose", package={"rights": "std"})
    game.refused(eu, "propose", package={**PKG_TEMPLATE, "cso": "out"})  # excludes rights.std
    game.refused(game.seat("civil_society"), "propose", package=PKG_JOINT)
    game.refused(eu, "sign")  # not in a decision phase
    (p,) = game.do(gov, "propose", package=PKG_JOINT)
    to_phase(game, "decision")
    game.refused(eu, "propose", package=PKG_TEMPLATE)
    game.refused(game.seat("civil_society"), "sign")
    game.refused(eu, "sign", proposal=p.seq + 1)
    game.do(eu, "sign", proposal=p.seq)
    assert game.refused(eu, "sign", proposal=p.seq).code == "conflict"
    events = game.do(gov, "sign", proposal=p.seq)
    assert events[-1].type == "table_settled" and events[-1].data["outcome"] == "deal"
    assert game.state.tables[1].deal == PKG_JOINT
    assert game.state.tables[1].variables["trust"] == 60
    game.do(INSTRUCTOR_ACTOR, "advance")
    assert game.state.tables[2].outcome == "deadlock"
    assert game.state.tables[2].deadlock_reason == "no_signature"
    (rec1, rec2) = table_records(game.state)
    assert rec1.deal == PKG_JOINT and rec1.openings["eu"] == PKG_TEMPLATE
    assert "government" not in rec1.openings  # a skipped opening is a skipped opening
    assert rec2.deal is None


def test_a_refusal_is_a_deadlock(game: Game) -> None:
    to_phase(game, "negotiation")
    game.do(game.seat("eu"), "propose", package=PKG_TEMPLATE)
    to_phase(game, "decision")
    game.do(game.seat("government"), "refuse")
    t = game.state.tables[1]
    assert t.outcome == "deadlock" and t.deadlock_reason == "refused:government"


def test_a_deal_below_a_signatory_batna_is_void(game: Game) -> None:
    to_phase(game, "negotiation")
    game.do(game.seat("eu"), "propose", package=PKG_TEMPLATE)  # government gets 0 < 45
    to_phase(game, "decision")
    game.do(game.seat("eu"), "sign")
    events = game.do(game.seat("government"), "sign")
    assert events[-1].data == {"table": 1, "outcome": "deadlock", "package": None,
                               "reason": "below_batna"}


def test_a_declared_linkage_binds_the_declarer(game: Game) -> None:
    to_phase(game, "negotiation")
    gov = game.seat("government")
    game.do(gov, "link", issue="rights", requires="energy.joint")
    game.do(game.seat("eu"), "propose", package={"rights": "joint", "energy": "std", "cso": "joint"})
    to_phase(game, "decision")
    assert game.refused(gov, "sign").code == "conflict"


def test_actions_respect_limits_budget_and_phase(game: Game) -> None:
    lob = game.seat("lobbyist")
    game.refused(lob, "act", action="lobby_meps", target="EPP")  # briefing phase
    to_phase(game, "negotiation")
    game.refused(lob, "act", action="lobby_meps")  # no target
    game.refused(lob, "act", action="lobby_meps", target="ECR")  # not a target
    game.refused(lob, "act", action="statement")  # not the lobbyist's
    game.do(lob, "act", action="lobby_meps", target="EPP")
    game.do(lob, "act", action="lobby_meps", target="S&D")
    assert game.refused(lob, "act", action="lobby_meps", target="Renew").code == "conflict"


def test_pause_resume_extend_and_deadlines(game: Game) -> None:
    game.now = T0 + 60
    game.do(INSTRUCTOR_ACTOR, "pause")
    assert game.state.remaining == 60
    game.refused(INSTRUCTOR_ACTOR, "pause")
    game.now = T0 + 1000
    game.do(INSTRUCTOR_ACTOR, "extend", seconds=30)
    game.do(INSTRUCTOR_ACTOR, "resume")
    assert game.state.deadline == T0 + 1000 + 90
    game.now = game.state.deadline - 1
    assert game.do(SYSTEM_ACTOR, "tick") == ()
    game.now = game.state.deadline
    game.do(SYSTEM_ACTOR, "tick")
    assert game.state.phase.kind == "opening"
    game.now = game.state.deadline + 1
    game.refused(game.seat("eu"), "open", package=PKG_TEMPLATE)  # time is up


def test_results_phase_waits_for_the_instructor(game: Game) -> None:
    to_phase(game, "results")
    game.now = game.state.deadline + 5
    assert game.do(SYSTEM_ACTOR, "tick") == ()
    game.do(INSTRUCTOR_ACTOR, "advance")
    assert game.state.status == "finished"
    game.refused(game.seat("eu"), "chat", channel="official", text="late")


def test_late_joiner_takes_a_vacated_seat_and_its_history(game: Game) -> None:
    to_phase(game, "negotiation")
    gone = game.seat("lobbyist", table=2)
    (chat,) = game.do(game.seat("government", table=2), "chat", channel="unofficial", text="hi")
    game.do(INSTRUCTOR_ACTOR, "kick", player=gone)
    game.do(SYSTEM_ACTOR, "join", player="late", name="Late Comer")
    late = game.state.players["late"]
    assert (late.table, late.role) == (2, "lobbyist")
    assert can_see(game.state, "late", chat.audience)
    assert not can_see(game.state, gone, chat.audience)
    game.refused(gone, "chat", channel="unofficial", text="still here?")


def test_locked_lobby_refuses_joins(four_roles: Scenario) -> None:
    g = Game(four_roles)
    g.do(INSTRUCTOR_ACTOR, "lock", locked=True)
    assert g.refused(SYSTEM_ACTOR, "join", player="x", name="Xu").code == "forbidden"


def test_events_fire_at_their_phase_and_by_seeded_chance(game: Game) -> None:
    to_phase(game, "negotiation")
    fired = {t.id: t.events_fired for t in game.state.tables.values()}
    assert all("russian_visits" in f for f in fired.values())
    again = Game(game.state.scenario, seed=7)
    for e in game.log:
        again.state = apply(again.state, e)
    assert again.state == game.state


def test_player_view_hides_other_roles_secrets(game: Game) -> None:
    to_phase(game, "negotiation")
    game.do(game.seat("government"), "act", action="russia")
    game.do(game.seat("lobbyist"), "act", action="lobby_meps", target="EPP")
    for p in game.state.players.values():
        assert p.role is not None
        text = json.dumps(player_view(game.state, p.id, game.now))
        visible = json.dumps([e.to_dict() for e in game.log if can_see(game.state, p.id, e.audience)])
        for role, marker in MARKERS.items():
            assert (marker in text) == (role == p.role)
            assert marker not in visible
        view = player_view(game.state, p.id, game.now)
        assert {o["points"] for i in view["issues"] for o in i["options"]} == {
            o.points[p.role] for i in game.state.scenario.issues for o in i.options
        }


def test_replay_equals_live_state(game: Game) -> None:
    to_phase(game, "results")
    assert replay(game.state.setup, game.log) == game.state
    assert [e.seq for e in game.log] == list(range(1, len(game.log) + 1))


def _args(d: Mapping[str, Any]) -> dict[str, Any]:
    return dict(d)


def test_unknown_or_malformed_commands_are_bad_requests(game: Game) -> None:
    assert game.refused("p0", "fly").code == "bad_request"
    with pytest.raises(RuleError):
        decide(game.state, Actor("player", "p0"), "chat", ["not", "a", "dict"], now=T0)  # type: ignore[arg-type]
    assert game.refused(Actor("player", "ghost"), "chat", channel="official", text="x").code == "forbidden"


def test_results_show_scores_but_not_other_roles_points(four_roles: Scenario) -> None:
    from roleplay.service import GameService
    from roleplay.storage.db import make_engine
    from roleplay.storage.eventstore import EventStore

    svc = GameService(EventStore(make_engine("sqlite://")))
    state = svc.create_game(four_roles, seed=3)
    gid = state.setup.game_id
    joined = [svc.join(state.setup.code, f"S{i}") for i in range(4)]
    svc.execute(gid, INSTRUCTOR_ACTOR, "start")
    roles = {j.player_id: svc.state(gid).players[j.player_id].role for j in joined}
    by_role = {r: p for p, r in roles.items()}
    while svc.state(gid).phase.kind != "negotiation":
        svc.execute(gid, INSTRUCTOR_ACTOR, "advance")
    svc.execute(gid, Actor("player", by_role["eu"]), "propose", {"package": PKG_JOINT})
    while svc.state(gid).phase.kind != "decision":
        svc.execute(gid, INSTRUCTOR_ACTOR, "advance")
    for r in ("eu", "government"):
        svc.execute(gid, Actor("player", by_role[r]), "sign", {})
    assert "results" not in svc.view(gid, by_role["eu"])
    svc.execute(gid, INSTRUCTOR_ACTOR, "advance")
    for pid, role in roles.items():
        res = svc.view(gid, pid)["results"]
        assert res["table"]["outcome"] == "deal" and res["table"]["type"]
        assert set(res["table"]["points"]) == {role}
        assert res["table"]["points"][role] == four_roles.points(role, PKG_JOINT)
    assert svc.view(gid, "instructor")["results"]["tables"][0]["valid"] is True
