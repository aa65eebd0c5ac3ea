"""The audience rule (roleplay.engine.audience): whom each recipient includes, and
`can_see` as "some recipient of the audience includes the viewer"."""

from __future__ import annotations

from dataclasses import replace

import pytest

from roleplay.engine.audience import (
    Player,
    Players,
    Projector,
    Recipient,
    Role,
    Seat,
    Staff,
    Table,
    can_see,
    recipients,
)
from roleplay.engine.events import GAME, INSTRUCTOR, Audience
from roleplay.engine.state import GameSetup, GameState, initial_state
from roleplay.engine.state import Player as PlayerState
from roleplay.scenario.model import Scenario


@pytest.fixture
def state(four_roles: Scenario) -> GameState:
    """Three players: one seated as eu at table 1, one not seated, one kicked from eu at 1."""
    s = initial_state(GameSetup("g", "CODE1", 7, (four_roles,)))
    return replace(s, players={
        "seated": PlayerState("seated", "A", table=1, role="eu"),
        "lobby": PlayerState("lobby", "B"),
        "gone": PlayerState("gone", "C", table=1, role="eu", kicked=True),
    })


#: recipient -> the viewers it includes, of seated, lobby, gone, instructor, projector
INCLUDES: list[tuple[Recipient, set[str]]] = [
    (Players(), {"seated", "lobby"}),
    (Table(1), {"seated"}),
    (Table(2), set()),
    (Seat(1, "eu"), {"seated"}),
    (Seat(2, "eu"), set()),
    (Seat(1, "government"), set()),
    (Role("eu"), {"seated"}),
    (Role("government"), set()),
    (Player("gone"), {"gone"}),  # a kicked player still hears of its own kick
    (Player("lobby"), {"lobby"}),
    (Staff(), {"instructor"}),
    (Projector(), {"projector"}),
]


@pytest.mark.parametrize(("recipient", "members"), INCLUDES, ids=repr)
def test_each_recipient_includes_its_viewers_by_current_seat(
        state: GameState, recipient: Recipient, members: set[str]) -> None:
    viewers = ["seated", "lobby", "gone", "instructor", "projector"]
    assert {v for v in viewers if recipient.includes(state, v)} == members


#: audience -> the viewers that may see it, of seated, lobby, gone, instructor, projector
SEES: list[tuple[Audience, set[str]]] = [
    (GAME, {"seated", "lobby", "instructor", "projector"}),
    (INSTRUCTOR, {"instructor"}),
    (Audience("table", table=1), {"seated", "instructor"}),
    (Audience("table"), {"instructor"}),
    (Audience("roles", table=1, roles=("eu", "government")), {"seated", "instructor"}),
    (Audience("roles", table=2, roles=("eu",)), {"instructor"}),
    (Audience("roles", roles=("eu",)), {"seated", "instructor"}),
    (Audience("roles", roles=("government",)), {"instructor"}),
    (Audience("player", player="gone"), {"gone", "instructor"}),
    (Audience("player"), {"instructor"}),
]


@pytest.mark.parametrize(("audience", "viewers"), SEES, ids=repr)
def test_a_viewer_sees_what_some_recipient_of_the_audience_includes(
        state: GameState, audience: Audience, viewers: set[str]) -> None:
    """The staff every event, the projector game-wide events only, a kicked player only
    what is addressed to it personally."""
    everyone = ["seated", "lobby", "gone", "instructor", "projector", "nobody"]
    assert {v for v in everyone if can_see(state, v, audience)} == viewers
    assert viewers == {v for v in everyone
                       if any(r.includes(state, v) for r in recipients(audience))}
