"""The outbox: who receives what after a command, computed without Socket.IO.

Games are driven through the engine (decide, apply) as the service does, and
each command's outbox is built from the state after it. The rooms a viewer's
sockets are placed in are checked against the audience rule
(`engine.audience.can_see`) for every viewer and every kind of audience; each
kind of view against the view functions; a campaign's step change and a kick as
whole outboxes.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from roleplay import outbox
from roleplay.engine.audience import Player, Players, Projector, Role, Seat, Staff, Table, recipients
from roleplay.engine.commands import INSTRUCTOR_ACTOR, SYSTEM_ACTOR, Actor, decide
from roleplay.engine.events import GAME, INSTRUCTOR, Audience, Event, EventType
from roleplay.engine.state import GameSetup, GameState, apply, initial_state, table_records
from roleplay.engine.views import can_see, instructor_view, player_view
from roleplay.outbox import Message, Outbox
from roleplay.scenario.loader import CampaignBundle
from roleplay.scenario.model import Scenario
from roleplay.scenario.resolve import resolve_source
from roleplay.scoring import GameScores, score_game
from roleplay.service import GameService, hash_token
from roleplay.storage.eventstore import EventStore
from roleplay.web import rooms

NOW = 1_000_000.0
PKG = {"rights": "joint", "energy": "joint", "cso": "joint"}


def scores(state: GameState) -> GameScores:
    return score_game(state.scenario, table_records(state))


class Game:
    """A game driven through the engine; `do` returns the command's outbox."""

    def __init__(self, source: Scenario | CampaignBundle, players: int = 8):
        if isinstance(source, CampaignBundle):
            setup = GameSetup("g", "CODE1", 3, tuple(source.scenarios), campaign=source.campaign)
        else:
            setup = GameSetup("g", "CODE1", 7, (source,))
        self.state: GameState = initial_state(setup)
        for i in range(players):
            self.do(SYSTEM_ACTOR, "join", player=f"p{i}", name=f"Student {i}")

    def do(self, actor: Actor | str, command: str, **args: Any) -> Outbox:
        if isinstance(actor, str):
            actor = Actor("player", actor)
        events = decide(self.state, actor, command, args, now=NOW)
        for e in events:
            self.state = apply(self.state, e)
        self.events = events
        return outbox.build(self.state, events)

    def seat(self, role: str, table: int = 1) -> str:
        return next(p.id for p in self.state.players.values()
                    if p.table == table and p.role == role and not p.kicked)

    def to_phase(self, kind: str) -> None:
        while self.state.phase is None or self.state.phase.kind != kind:
            self.do(INSTRUCTOR_ACTOR, "advance")


@pytest.fixture
def game(four_roles: Scenario) -> Game:
    g = Game(four_roles)
    g.do(INSTRUCTOR_ACTOR, "start")
    return g


def _viewers(state: GameState) -> list[tuple[str, str | None]]:
    return [("instructor", None), ("projector", None),
            *(("player", pid) for pid in state.players)]


def _audiences(state: GameState) -> list[Audience]:
    roles = tuple(state.scenario.table.roles)
    return [GAME, INSTRUCTOR, Audience("table", table=1), Audience("table", table=2),
            Audience("table"), Audience("roles", table=1, roles=roles[:2]),
            Audience("roles", table=2, roles=roles[1:2]), Audience("roles", roles=roles[:1]),
            *(Audience("player", player=pid) for pid in state.players), Audience("player")]


def test_every_audience_reaches_exactly_the_viewers_that_may_see_it(game: Game) -> None:
    """A recipient's room holds a viewer's socket exactly when `can_see` lets the viewer
    see the audience (the projector: game-wide events only), for a kicked and a moved
    player too: `rooms.for_viewer` places sockets as the recipients' `includes` say."""
    game.do(INSTRUCTOR_ACTOR, "kick", player=game.seat("lobbyist", 2))
    game.do(INSTRUCTOR_ACTOR, "move", player=game.seat("civil_society", 2), table=1,
            role="civil_society")
    state, checked = game.state, 0
    for audience in _audiences(state):
        reached = {rooms.for_recipient("g", r) for r in recipients(audience)}
        assert rooms.instructor("g") in reached, "the staff hear of every event"
        for kind, pid in _viewers(state):
            if pid is not None and state.players[pid].kicked:
                continue  # its sockets are closed at the kick (test_a_kick_...)
            in_rooms = bool(reached & set(rooms.for_viewer("g", state, kind, pid)))
            if kind == "projector":
                may = audience.kind == "game"
            else:
                may = can_see(state, pid or "instructor", audience)
            assert in_rooms == may, (audience, kind, pid)
            checked += 1
    assert checked > 100


def test_the_projector_sync_holds_only_game_wide_events_and_the_latest(game: Game) -> None:
    mk = lambda seq, a: Event(seq=seq, type=EventType.PHASE_STARTED, at=NOW, actor="system",  # noqa: E731
                              audience=a, data={})
    log = [mk(i, GAME if i % 3 == 0 else Audience("table", table=1)) for i in range(1, 300)]
    tail = outbox.projector_events(log, after=10)
    assert all(e.audience.kind == "game" for e in tail) and len(tail) == outbox.PROJECTOR_TAIL
    assert tail[-1].seq == 297
    assert outbox.projector_events(log, after=291) == [log[293], log[296]]


def test_events_are_batched_by_recipients_in_log_order(game: Game) -> None:
    game.to_phase("negotiation")
    eu, gov = game.seat("eu"), game.seat("government")
    out = game.do(eu, "chat", channel="official", text="hello")
    (m,) = out.events
    assert m.to == (Seat(1, "eu"), Seat(1, "government"), Staff())
    assert m.name == "events" and m.payload["events"][0]["data"]["text"] == "hello"
    assert "audience" not in m.payload["events"][0], "a client gets no audience"
    assert out.views == () and out.staff is False, "a chat line changes no view"
    out = game.do(eu, "propose", package=PKG)
    assert [m.to for m in out.events] == [(Table(1), Staff())]
    assert out.views == tuple(Seat(1, r) for r in sorted(game.state.scenario.table.roles))
    assert out.staff is True and out.notices == () and out.place == ()
    out = game.do(gov, "chat", channel="official", text="seen")
    assert [e["seq"] for m in out.events for e in m.payload["events"]] == [game.state.seq]


def test_a_game_wide_change_sends_every_view(game: Game) -> None:
    """Every seat's view (the same for its players, without `me`), each unseated player's,
    the staff's whole view and the projector's, and nothing confidential on the projector."""
    game.do(SYSTEM_ACTOR, "join", player="late", name="Late Student")
    out = game.do(INSTRUCTOR_ACTOR, "advance")
    state = game.state
    seated = {(p.table, p.role) for p in state.players.values()
              if p.table is not None and p.role is not None and not p.kicked}
    assert {(t.table, t.role) for t in out.views if isinstance(t, Seat)} == seated
    lone = [t for t in out.views if isinstance(t, Player)]
    assert lone == [Player(p.id) for p in state.players.values() if p.table is None]
    msgs = outbox.rendered(out, state, NOW, scores)
    by_target = {m.to: m for m in msgs}
    for t in out.views:
        view = by_target[(t,)].payload["view"]
        holder = (state.seat_players(t.table, t.role)[0].id if isinstance(t, Seat) else t.player)
        expected = player_view(state, holder, NOW)
        expected.pop("me")
        assert view == expected
    staff = by_target[(Staff(),)].payload["view"]
    assert staff == instructor_view(state, NOW)
    projector = by_target[(Projector(),)].payload["view"]
    assert projector["joined"] == len(state.players)
    assert {t["id"] for t in projector["tables"]} == set(state.tables)
    text = json.dumps(projector)
    for r in state.scenario.roles:
        assert r.briefing.confidential not in text
    assert len(msgs) == len(out.views) + 2


def test_results_come_with_the_views_once_visible(game: Game) -> None:
    eu, gov = game.seat("eu"), game.seat("government")
    game.to_phase("negotiation")
    game.do(eu, "propose", package=PKG)
    game.to_phase("decision")
    for who in (eu, gov):
        game.do(who, "sign")
    game.to_phase("results")
    out = game.do(INSTRUCTOR_ACTOR, "release_results") if not game.state.results_released \
        else outbox.build(game.state, game.events)
    msgs = {m.to: m.payload["view"] for m in outbox.rendered(out, game.state, NOW, scores)}
    mine = msgs[(Seat(1, "eu"),)]["results"]["table"]
    assert set(mine["points"]) == {"eu"}, "a seat sees its own points only"
    assert msgs[(Staff(),)]["results"]["tables"]
    assert msgs[(Projector(),)]["results"]["tables"][0]["type"]
    assert msgs[(Projector(),)]["tables"][0]["type"] is not None


def test_a_kick_tells_the_player_closes_its_sockets_and_sends_it_no_view(game: Game) -> None:
    gone = game.seat("lobbyist")
    out = game.do(INSTRUCTOR_ACTOR, "kick", player=gone)
    assert [m.to for m in out.events] == [(Player(gone), Staff())]
    assert out.notices == (Message((Player(gone),), "kicked",
                                   {"message": outbox.KICKED, "msg": outbox.KICKED, "args": {}}, True),)
    assert out.place == (), "a kicked player is not re-placed"
    rendered = outbox.rendered(out, game.state, NOW, scores)
    assert all(m.to != (Player(gone),) for m in rendered)
    name = game.state.players[gone].name
    assert all(name not in json.dumps(m.payload) for m in rendered if m.to[0] != Staff())
    assert out.staff, "the dashboard shows the kick"


def test_a_move_re_places_the_player_and_refreshes_both_tables(game: Game) -> None:
    who = game.seat("civil_society", 2)
    out = game.do(INSTRUCTOR_ACTOR, "move", player=who, table=1, role="civil_society")
    assert out.place == (outbox.Placement(who, (2, 1)),)
    tables = {t.table for t in out.views if isinstance(t, Seat)}
    assert tables == {1, 2}, "the table it left changes too"


def test_a_merge_and_a_reclaim_close_the_replaced_devices(game: Game) -> None:
    keep, absorb = game.seat("eu"), game.seat("eu", 2)
    out = game.do(INSTRUCTOR_ACTOR, "merge", keep=keep, absorb=absorb)
    assert [(m.to, m.name, m.close) for m in out.notices] == [
        ((Player(keep),), "kicked", True), ((Player(absorb),), "reseated", True)]
    name = game.state.players[keep].name
    out = game.do(SYSTEM_ACTOR, "reclaim", player=keep, name=name)
    assert [(m.to, m.name) for m in out.notices] == [((Player(keep),), "kicked")]
    assert out.notices[0].payload == {"message": outbox.ELSEWHERE, "msg": outbox.ELSEWHERE, "args": {}}


def test_a_campaign_step_change_reaches_everyone_with_the_new_step() -> None:
    bundle = resolve_source("campaign-2010-2016")
    assert isinstance(bundle, CampaignBundle)
    g = Game(bundle, players=4)
    g.do(INSTRUCTOR_ACTOR, "start")
    while True:
        out = g.do(INSTRUCTOR_ACTOR, "advance")
        if g.state.step == 1:
            break
    kinds = [e.type for e in g.events]
    assert EventType.STEP_STARTED in kinds
    first = out.events[0]
    assert first.to == (Players(), Projector(), Staff())
    seated = {(p.table, p.role) for p in g.state.players.values() if p.table is not None}
    assert {(t.table, t.role) for t in out.views if isinstance(t, Seat)} == seated
    # what a step carries privately goes to its roles only, never to the projector
    to = {e["seq"]: m.to for m in out.events for e in m.payload["events"]}
    private = [e for e in g.events if e.audience.kind != "game"]
    assert private, "a step carries some effects to some roles only"
    for e in private:
        assert Projector() not in to[e.seq] and Players() not in to[e.seq], e
    msgs = outbox.rendered(out, g.state, NOW, scores)
    seat_views = [m.payload["view"] for m in msgs if isinstance(m.to[0], Seat)]
    assert seat_views and all(v["game"]["step"] == 1 for v in seat_views)
    assert all(v["campaign"]["previous"][0]["step"] == 0 for v in seat_views)
    staff = next(m.payload["view"] for m in msgs if m.to == (Staff(),))
    assert staff["scenario"]["id"] == bundle.scenarios[1].id


def test_role_recipients_reach_that_role_at_every_table(game: Game) -> None:
    state = game.state
    out = outbox.build(state, [Event(seq=state.seq, type=EventType.PHASE_STARTED, at=NOW,
                                     actor="system", audience=Audience("roles", roles=("eu",)),
                                     data={})])
    assert out.events[0].to == (Role("eu"), Staff())
    assert out.views == (Seat(1, "eu"), Seat(2, "eu"))


def test_execute_returns_the_outbox_and_a_kick_revokes_its_token_in_the_same_write(
        four_roles: Scenario, store: EventStore) -> None:
    svc = GameService(store)
    gid = svc.create_game(four_roles, seed=5).setup.game_id
    code = svc.state(gid).setup.code
    joined = [svc.join(code, f"Student {i}") for i in range(4)]
    assert joined[0].outbox.events[0].to == (Player(joined[0].player_id), Staff())
    assert joined[0].outbox.views == (Player(joined[0].player_id),)
    done = svc.execute(gid, INSTRUCTOR_ACTOR, "start")
    assert done.outbox == outbox.build(svc.state(gid), list(done))
    victim = joined[1]
    kicked = svc.execute(gid, INSTRUCTOR_ACTOR, "kick", {"player": victim.player_id})
    assert [e.type for e in kicked] == [EventType.PLAYER_KICKED]
    assert kicked.outbox.notices[0].to == (Player(victim.player_id),)
    assert store.player_for_token(gid, hash_token(victim.token)) is None, "revoked with the kick"
    assert store.player_for_token(gid, hash_token(joined[2].token)) == joined[2].player_id
    assert svc.execute(gid, INSTRUCTOR_ACTOR, "pause", client_id="same-cmd-1").outbox.staff
    assert len(svc.execute(gid, INSTRUCTOR_ACTOR, "pause", client_id="same-cmd-1")) == 0


def test_a_kick_that_is_not_stored_revokes_nothing(four_roles: Scenario, store: EventStore,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The revocation is part of the kick's write: a failed write leaves the token working."""
    from roleplay.storage.eventstore import StoreError

    svc = GameService(store)
    gid = svc.create_game(four_roles, seed=5).setup.game_id
    victim = svc.join(svc.state(gid).setup.code, "Student")
    calls: list[dict[str, Any]] = []

    def failing(*args: Any, **kw: Any) -> None:
        calls.append(kw)
        raise StoreError("The database is not available; nothing was saved.")

    monkeypatch.setattr(store, "append", failing)
    with pytest.raises(StoreError):
        svc.execute(gid, INSTRUCTOR_ACTOR, "kick", {"player": victim.player_id})
    assert calls[0]["revoke"] == (victim.player_id,)
    monkeypatch.undo()
    assert store.player_for_token(gid, hash_token(victim.token)) == victim.player_id


def test_a_team_reading_two_languages_gets_a_view_each(game: Game) -> None:
    """Players sharing a seat share one view, unless they read different languages: then
    each gets its own, in its room."""
    a, b = game.seat("eu"), game.seat("eu", 2)
    game.do(INSTRUCTOR_ACTOR, "move", player=b, table=1, role="eu")
    out = game.do(game.seat("government"), "chat", channel="official", text="x")
    out = game.do(INSTRUCTOR_ACTOR, "advance")
    same = outbox.render(game.state, Seat(1, "eu"), NOW, scores)
    assert [m.to for m in same] == [(Seat(1, "eu"),)]
    game.do(b, "set_language", language="ru")
    out = game.do(INSTRUCTOR_ACTOR, "advance")
    assert Seat(1, "eu") in out.views
    apart = outbox.render(game.state, Seat(1, "eu"), NOW, scores)
    assert {m.to for m in apart} == {(Player(a),), (Player(b),)} and len(apart) == 2
    for m in apart:
        who = m.to[0]
        assert isinstance(who, Player)
        expected = player_view(game.state, who.player, NOW)
        expected.pop("me")
        assert m.payload["view"] == expected
    assert outbox.render(game.state, Seat(2, "eu"), NOW, scores) == [], "an empty seat: none"
