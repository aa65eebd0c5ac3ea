"""The dashboard after a campaign's step change: lists of the new scenario, stale commands
refused, events' effects in words, and controls that make no sense after the end."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from roleplay.engine.cards import effect_phrases, tag
from roleplay.scenario.loader import CampaignBundle
from roleplay.scenario.model import Effects
from roleplay.scenario.resolve import resolve_source
from roleplay.service import GameService
from support.web import DashboardCopy, instructor_socket, join, player_socket, received


class Campaign:
    def __init__(self, app: Flask, service: GameService, teacher_client: FlaskClient):
        bundle = resolve_source("campaign-2010-2016")
        assert isinstance(bundle, CampaignBundle)
        self.bundle = bundle
        state = service.create_game(bundle, seed=3)
        self.id, self.service = state.setup.game_id, service
        players = [join(app.test_client(), state.setup.code, f"Student {i}") for i in range(4)]
        self.socks = [player_socket(app, self.id, p["token"]) for p in players]
        self.teacher = instructor_socket(app, self.id, teacher_client)
        self.copy = DashboardCopy()
        self.n = 0
        self.send("start")

    def send(self, name: str, args: dict[str, Any] | None = None) -> tuple[str, Any]:
        self.n += 1
        cid = f"cmd-{self.n:06d}"
        self.teacher.emit("command", {"name": name, "args": args or {}, "client_id": cid})
        got = received(self.teacher)
        self.copy.take(got)
        reply = [(n, p) for n, p in got if n in ("ack", "error") and p["client_id"] == cid]
        assert len(reply) == 1, got
        return reply[0]

    def to_step(self, step: int) -> None:
        while self.service.state(self.id).step < step:
            assert self.send("advance")[0] == "ack"


@pytest.fixture
def campaign(app: Flask, web_service: GameService, instructor: FlaskClient) -> Campaign:
    return Campaign(app, web_service, instructor)


def test_after_a_step_change_the_dashboard_holds_the_new_scenarios_lists(campaign: Campaign) -> None:
    first, second = campaign.bundle.scenarios[0], campaign.bundle.scenarios[1]
    assert campaign.copy.view is not None
    assert {e["id"] for e in campaign.copy.view["events"]} == {e.id for e in first.events}
    campaign.to_step(1)
    view = campaign.copy.view
    assert view["scenario"]["id"] == second.id and view["game"]["step"] == 1
    assert [e["id"] for e in view["events"]] == [e.id for e in second.events]
    assert [c["id"] for c in view["channels"]] == [c.id for c in second.channels]
    assert [a["id"] for a in view["actions"]] == [a.id for a in second.actions]
    assert [r["id"] for r in view["roles"]] == list(second.table.roles)


def test_a_stale_inject_is_refused_and_ids_are_resolved_in_the_current_step(
        campaign: Campaign) -> None:
    first, second = campaign.bundle.scenarios[0], campaign.bundle.scenarios[1]
    assert first.event("arrests").title != second.event("arrests").title or \
        first.event("arrests").effects != second.event("arrests").effects
    campaign.to_step(1)
    before = campaign.service.store.events(campaign.id)
    for stale in ({"event": "arrests", "step": 0, "scenario": first.id},
                  {"event": "arrests", "step": 0},
                  {"event": "arrests", "scenario": first.id}):
        kind, reply = campaign.send("inject", stale)
        assert (kind, reply["code"]) == ("error", "conflict"), stale
        assert reply["message"].startswith("This was chosen for scenario 1; the game is now on "
                                           f"scenario 2 of 3 ({second.title}). Nothing was done")
    kind, reply = campaign.send("inject", {"event": "modernisation_refused"})  # step 1 only
    assert (kind, reply["code"]) == ("error", "not_found")
    assert campaign.service.store.events(campaign.id) == before
    kind, _ = campaign.send("inject", {"event": "arrests", "step": 1, "scenario": second.id})
    assert kind == "ack"
    fired = [e for e in campaign.service.store.events(campaign.id, after=before[-1].seq)
             if e.type == "event_fired"]
    assert fired and fired[0].data["title"] == second.event("arrests").title
    assert campaign.send("inject", {"event": "arrests", "step": "1"})[1]["code"] == "bad_request"


def test_the_inject_list_says_each_events_effects_in_words(campaign: Campaign) -> None:
    sc = campaign.bundle.scenarios[0]
    eu, gov = sc.role("eu").name, sc.role("government").name
    assert campaign.copy.view is not None
    events = {e["id"]: e for e in campaign.copy.view["events"]}
    assert events["russian_visits"]["effects"][0] == f"{gov} BATNA +5"
    assert events["modernisation_refused"]["effects_text"].startswith(f"{eu} BATNA −3")
    assert events["critical_progress_report"]["when"].startswith("fires at the start of")
    campaign.to_step(2)
    report = campaign.bundle.scenarios[2]
    pcc = {e["id"]: e for e in campaign.copy.view["events"]}["pcc_called_off"]
    closed = report.channel("parliamentary").name
    assert f"closes {closed}" in pcc["effects"]
    phase = {p.id: p.title for p in report.phases}[report.event("pcc_called_off").trigger.phase]
    assert pcc["when"].endswith(f"chance per table at {phase}")


def test_effects_in_words_cover_every_kind() -> None:
    sc = resolve_source("progress-report")
    assert not isinstance(sc, CampaignBundle)
    var = next(iter(sc.variables))
    eff = Effects(batna={"eu": 2}, points={"government": -1.5}, variables={var: 1},
                  actions_per_phase={"eu": -1}, close_channels=("parliamentary",),
                  open_channels=("parliamentary",), open_bridge=True)
    words = effect_phrases(sc, eff)
    eu, gov = sc.role("eu").name, sc.role("government").name
    bridged = " and ".join(sc.role(r).name for r in sorted({r for c in sc.channels for r in c.bridge}))
    assert words == [f"{eu} BATNA +2", f"{gov} points −1.5", f"{sc.variables[var].label} +1",
                     f"{eu} actions per phase −1",
                     f"closes {sc.channel('parliamentary').name}",
                     f"opens {sc.channel('parliamentary').name}",
                     f"lets {bridged} into the official channel"]
    # the same effects on the EU's card: seen from the EU, the others named in a word
    assert effect_phrases(sc, eff, "eu") == [
        "your BATNA +2", "government points −1.5", f"{var.replace('_', ' ')} +1",
        "your actions per phase −1", "closes the parliamentary channel",
        "opens the parliamentary channel",
        f"lets {' and '.join(tag(r) for r in sorted({r for c in sc.channels for r in c.bridge}))} "
        "into the official channel"]


def test_after_the_end_the_controls_that_make_no_sense_are_unavailable(
        campaign: Campaign) -> None:
    view = campaign.copy.view
    assert view is not None and view["controls"]["pause"]["available"] is True
    assert campaign.send("end")[0] == "ack"
    controls = campaign.copy.view["controls"]  # type: ignore[index]
    for cmd in ("start", "assign", "lock", "pause", "resume", "extend", "advance", "inject",
                "move", "kick", "end"):
        assert controls[cmd]["available"] is False, cmd
        assert controls[cmd]["why"], cmd
    assert controls["pause"]["why"] == "The game is over."
    for cmd in ("broadcast", "release_results", "hand", "merge"):
        assert controls[cmd]["available"] is True, cmd
    # and the engine refuses them with the same words
    state = campaign.service.state(campaign.id)
    someone = next(iter(state.players))
    for cmd, args in (("pause", {}), ("lock", {"locked": True}), ("kick", {"player": someone}),
                      ("move", {"player": someone, "table": 1, "role": "eu"})):
        kind, reply = campaign.send(cmd, args)
        assert kind == "error" and reply["code"] in ("wrong_phase", "conflict"), cmd
        assert "over" in reply["message"] or "paused" in reply["message"], (cmd, reply)
