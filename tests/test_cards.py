"""Role cards are generated from the scenario's data, so they follow the mechanics."""

from __future__ import annotations

from pathlib import Path

import yaml

from roleplay.engine.cards import build_card, role_card
from roleplay.scenario.loader import load_scenario, parse_scenario
from roleplay.scenario.model import Scenario

AA = Path(__file__).resolve().parent.parent / "scenarios" / "association-agreement.yaml"


def _aa() -> Scenario:
    return load_scenario(AA)


def _edited(change: dict[str, object]) -> Scenario:
    """The AA with one action's fields changed, as an author would edit the file."""
    doc = yaml.safe_load(AA.read_text(encoding="utf-8"))
    for a in doc["actions"]:
        if a["id"] == "gov_balance_russia":
            a.update(change)
    return parse_scenario(yaml.safe_dump(doc, allow_unicode=True), "edited.yaml")


def _line(sc: Scenario, role: str, action: str) -> str:
    return next(a["effect"] for a in build_card(sc, role)["actions"] if a["id"] == action)


def test_action_lines_say_costs_limits_effects_and_risks() -> None:
    sc = _aa()
    assert _line(sc, "government", "gov_balance_russia").startswith("costs you 3 points; once;")
    assert "your BATNA +5" in _line(sc, "government", "gov_balance_russia")
    statement = _line(sc, "eu", "eu_public_statement")
    assert f"{round(100 * sc.action('eu_public_statement').risk.chance)}% risk" in statement  # type: ignore[union-attr]
    assert sc.event("arrests").title in statement
    assert "risk" not in _line(sc, "civil_society", "cs_public_appeal")
    assert "lets civil society into the official channel" in _line(sc, "eu", "eu_invite_civil_society")


def test_a_changed_mechanic_changes_the_card() -> None:
    line = _line(_edited({"cost": 7, "limit": 2}), "government", "gov_balance_russia")
    assert line.startswith("costs you 7 points; up to 2 times;")


def test_rights_say_who_signs_and_who_proposes() -> None:
    sc = _aa()
    eu = build_card(sc, "eu")["rights"]
    assert eu == ["You sign or refuse (the government must sign too); you submit an opening "
                  "and propose packages."]
    cs = build_card(sc, "civil_society")["rights"]
    assert cs[0] == ("You do not sign (the EU and the government do) or propose packages; "
                     "you may suggest one to them, chat and act.")  # the engine's `suggest`
    assert "official if the EU invites you" in cs[1]


def test_score_line_and_authored_lines() -> None:
    sc = _aa()
    card = build_card(sc, "lobbyist")
    assert "0 = your BATNA (35 points), 100 = your best package (100)" in card["score"]
    authored = sc.role("lobbyist").card
    assert authored is not None and card["objective"] == authored.objective


def test_cards_are_built_once_per_scenario() -> None:
    sc = _aa()
    assert role_card(sc, "eu") is role_card(sc, "eu")
    assert role_card(_aa(), "eu") == role_card(sc, "eu")


def _msgids(text: object) -> list[str]:
    """Every msgid in a catalog text (roleplay/i18n/messages.py), nested ones too."""
    if isinstance(text, dict):
        if "join" in text:
            return [m for x in text["items"] for m in _msgids(x)]
        return [str(text["msg"]), *(m for v in text["args"].values() for m in _msgids(v))]
    if isinstance(text, list):
        return [m for x in text for m in _msgids(x)]
    return []


def test_every_card_line_is_a_translated_catalog_text() -> None:
    from roleplay.i18n.catalogs import read_catalog
    from roleplay.i18n.messages import english

    sc = _aa()
    for role in sc.roles:
        card = build_card(sc, role.id)
        texts = [card["rights_text"], card["notes_text"], card["score_text"],
                 [a["effect_text"] for a in card["actions"]]]
        assert [english(x) for x in card["rights_text"]] == card["rights"]
        assert [english(a["effect_text"]) for a in card["actions"]] == [a["effect"] for a in card["actions"]]
        ids = _msgids(texts)
        assert ids
        for lang in ("ru", "az"):
            cat = read_catalog(lang)
            missing = [m for m in ids if not (cat.get(m) and cat.get(m).string)]
            assert not missing, (lang, role.id, missing)
