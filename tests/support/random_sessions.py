"""Random class sessions for property tests: commands by players, the instructor and joiners,
legal and illegal (unknown options, channels, actions and players), with the time between."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from roleplay.engine.commands import INSTRUCTOR_ACTOR, SYSTEM_ACTOR, Actor

OPTIONS = ["std", "joint", "out", "bogus"]
CHANNELS = ["official", "non_governmental", "unofficial", "team", "nope"]
PLAYERS = [f"p{i}" for i in range(6)] + ["ghost"]

package = st.fixed_dictionaries(
    {"rights": st.sampled_from(OPTIONS), "energy": st.sampled_from(OPTIONS),
     "cso": st.sampled_from(OPTIONS)}
)
player_cmd = st.one_of(
    st.tuples(st.just("chat"), st.fixed_dictionaries(
        {"channel": st.sampled_from(CHANNELS), "text": st.text(max_size=20)})),
    st.tuples(st.sampled_from(["open", "propose"]), st.fixed_dictionaries({"package": package})),
    st.tuples(st.just("sign"), st.fixed_dictionaries({})),
    st.tuples(st.just("refuse"), st.fixed_dictionaries({})),
    st.tuples(st.just("act"), st.fixed_dictionaries({
        "action": st.sampled_from(["statement", "invite_cs", "cancel_pcc", "russia",
                                   "shadow_report", "lobby_meps", "x"]),
        "target": st.sampled_from([None, "EPP", "S&D", "bogus"])})),
    st.tuples(st.just("link"), st.fixed_dictionaries({
        "issue": st.sampled_from(["rights", "energy", "x"]),
        "requires": st.sampled_from(["energy.joint", "rights.out", "cso.std", "bad"])})),
    st.tuples(st.sampled_from(["advance", "start"]), st.fixed_dictionaries({})),
)
instructor_cmd = st.one_of(
    st.tuples(st.sampled_from(["start", "advance", "pause", "resume", "assign", "tick",
                               "release_results", "end"]), st.fixed_dictionaries({})),
    st.tuples(st.just("extend"), st.fixed_dictionaries({"seconds": st.integers(-5, 4000)})),
    st.tuples(st.just("kick"), st.fixed_dictionaries({"player": st.sampled_from(PLAYERS)})),
    st.tuples(st.just("inject"), st.fixed_dictionaries({
        "event": st.sampled_from(["scandal", "oil_fall", "nope"]),
        "table": st.sampled_from([None, 1, 2, 9])})),
    st.tuples(st.just("move"), st.fixed_dictionaries({
        "player": st.sampled_from(PLAYERS), "table": st.integers(0, 3),
        "role": st.sampled_from(["eu", "government", "civil_society", "lobbyist", "x"])})),
)
step = st.one_of(
    st.tuples(st.just("player"), st.sampled_from(PLAYERS), player_cmd, st.floats(0, 400)),
    st.tuples(st.just("instructor"), st.just(""), instructor_cmd, st.floats(0, 400)),
    st.tuples(st.just("join"), st.sampled_from(PLAYERS), st.just(("join", {})), st.floats(0, 5)),
)


def actor_and_args(kind: str, who: str, args: dict[str, Any]) -> tuple[Actor, dict[str, Any]]:
    """Who sends one step's command, and its arguments (a join names the joiner)."""
    if kind == "join":
        return SYSTEM_ACTOR, {"player": who, "name": f"Name {who}"}
    if kind == "instructor":
        return INSTRUCTOR_ACTOR, args
    return Actor("player", who), args
