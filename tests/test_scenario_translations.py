"""Scenario translations: the format (a file beside the scenario, or inline), what
`roleplay validate` says of one (an error at its line and column for a translated text
with no original or an unknown language; a gap for a text left in English), and the
seat's view in its player's language, saying where it falls back to English."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from roleplay.cli import main
from roleplay.engine.commands import INSTRUCTOR_ACTOR, SYSTEM_ACTOR
from roleplay.engine.language import NOT_TRANSLATED, PARTLY
from roleplay.engine.views import player_view
from roleplay.paths import scenarios_dir
from roleplay.scenario.loader import ScenarioError, content_hash, load_scenario, parse_scenario
from roleplay.scenario.model import Scenario
from roleplay.scenario.resolve import resolve_source
from roleplay.scenario.translate import gaps, localized, source_texts
from support.engine_game import Game

AA = scenarios_dir() / "association-agreement.yaml"
RU = scenarios_dir() / "association-agreement.ru.yaml"


def _where(text: str, needle: str) -> tuple[int, int]:
    at = text.index(needle)
    return text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copy(AA, tmp_path / AA.name)
    return tmp_path


def _validate(capsys: pytest.CaptureFixture[str], *paths: Path | str) -> tuple[int, str, str]:
    rc = main(["validate", *map(str, paths)])
    out = capsys.readouterr()
    return rc, out.out, out.err


HEAD = "language: ru\nscenario: association-agreement\n"


# -- the worked example ------------------------------------------------------------------------
def test_the_association_agreement_is_completely_translated_into_russian(
        capsys: pytest.CaptureFixture[str]) -> None:
    sc = resolve_source("association-agreement")
    assert isinstance(sc, Scenario) and set(sc.translations) == {"ru"}
    assert gaps(sc, sc.translations["ru"]) == []
    rc, out, err = _validate(capsys, "--complete", AA)
    assert rc == 0 and err == ""
    n = len(source_texts(sc))
    assert n >= 150
    assert f"{RU}: ok: Russian translation of 'association-agreement', {n} of {n} texts " \
           "(complete)" in out
    ru = localized(sc, "ru").scenario
    for a, b in [(sc.title, ru.title), (sc.roles[0].briefing.confidential,
                                        ru.roles[0].briefing.confidential),
                 (sc.debrief.questions[-1], ru.debrief.questions[-1]),
                 (sc.history.text, ru.history.text)]:
        assert a != b and any("\u0400" <= ch <= "\u04ff" for ch in b)
    # what is not text stays the original's: ids, points, targets, sources
    assert [r.id for r in ru.roles] == [r.id for r in sc.roles]
    assert ru.option_points == sc.option_points
    assert ru.events[0].source == sc.events[0].source
    assert ru.action("lob_influence_meps").targets == sc.action("lob_influence_meps").targets


def test_translations_do_not_change_the_content_hash() -> None:
    with_ru = load_scenario(AA)
    alone = parse_scenario(AA.read_text(encoding="utf-8"), str(AA))
    assert with_ru.translations and not alone.translations
    assert content_hash(with_ru) == content_hash(alone)


def test_naming_the_translation_file_validates_its_scenario(capsys: pytest.CaptureFixture[str]
                                                            ) -> None:
    rc, out, _ = _validate(capsys, RU)
    assert rc == 0 and f"{AA}: ok: 'association-agreement'" in out and f"{RU}: ok: Russian" in out


# -- mistakes, each at its line and column ----------------------------------------------------
ROLE = "roles:\n  eu:\n    name: ЕС\n  ue:\n    name: Опечатка\n"
CASES = [
    ("an unknown role id", HEAD + ROLE, "ue:",
     "roles.ue: the scenario has no role 'ue' (its roles: eu, government, civil_society, "
     "lobbyist); check the id's spelling"),
    ("an unknown option", HEAD + "issues:\n  values:\n    options:\n      standard:\n"
     "        label: Стандарт\n", "standard:",
     "issues.values.options.standard: issue 'values' has no option 'standard' (its options: "
     "standard_chapter, joint_commitments, no_chapter)"),
    ("an unknown target", HEAD + "actions:\n  lob_influence_meps:\n    targets:\n"
     "      EPPP: ЕНП\n", "EPPP:",
     "actions.lob_influence_meps.targets.EPPP: action 'lob_influence_meps' has no target "
     "'EPPP' (its targets: EPP, S&D, ALDE, ECR, Greens/EFA, GUE/NGL, EFD); name the target "
     "as the scenario writes it"),
    ("a question too many", HEAD + "debrief:\n  questions:\n" + "".join(
        f"    - Вопрос {k}\n" for k in range(1, 7)), "Вопрос 6",
     "debrief.questions[5]: the scenario has 5 debrief questions, so there is no question 6 "
     "to translate"),
    ("a threshold too many", HEAD + "variables:\n  trust:\n    thresholds:\n"
     "      - title: Одно\n      - title: Второе\n", "title: Второе",
     "variables.trust.thresholds[1]: variable 'trust' has 1 threshold, so there is no "
     "threshold 2 to translate"),
    ("a text the original leaves empty", HEAD + "phases:\n  briefing:\n"
     "    instructions: Читайте.\n", "instructions:",
     "phases.briefing.instructions: the scenario has no text here, so there is nothing to "
     "translate (write the English in the scenario first, or remove this line)"),
    ("an unknown language", "language: de\nscenario: association-agreement\n", "language:",
     "language: 'de' is not a language the game offers; translations are into ru or az"),
    ("the source language", "language: en\nscenario: association-agreement\n", "language:",
     "language: 'en' is the scenario's own language"),
    ("another scenario's id", "language: ru\nscenario: progress-report\n", "scenario:",
     "scenario: this translates 'progress-report', but the scenario beside it is "
     "'association-agreement'"),
    ("a misspelt key", HEAD + "titel: Соглашение\n", "titel:", "titel"),
]


@pytest.mark.parametrize(("case", "text", "needle", "words"), CASES, ids=[c[0] for c in CASES])
def test_a_translation_mistake_is_named_at_its_line(
        folder: Path, capsys: pytest.CaptureFixture[str], case: str, text: str, needle: str,
        words: str) -> None:
    path = folder / "association-agreement.ru.yaml"
    path.write_text(text, encoding="utf-8")
    rc, _, err = _validate(capsys, folder)
    assert rc == 1 and "Traceback" not in err
    line, col = _where(text, needle)
    first = next(x for x in err.splitlines() if x.startswith(str(path)))
    assert first.startswith(f"{path}:{line}:{col}: "), (first, line, col)
    assert words in first
    with pytest.raises(ScenarioError):  # the game does not load it either
        load_scenario(folder / AA.name)


def test_a_file_named_for_another_language_is_refused(folder: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    path = folder / "association-agreement.az.yaml"
    path.write_text(HEAD, encoding="utf-8")
    rc, _, err = _validate(capsys, folder)
    assert rc == 1
    assert f"{path}:1:1: language: this file's name says 'az' but its language is 'ru'; name " \
           "the file association-agreement.ru.yaml, or correct the language" in err


def test_an_inline_translation_is_checked_in_the_scenario_file(
        folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = AA.read_text(encoding="utf-8") + (
        "translations:\n  ru:\n    roles:\n      bogus:\n        name: Нет\n"
        "  fr:\n    title: Accord\n")
    path = folder / AA.name
    path.write_text(text, encoding="utf-8")
    rc, _, err = _validate(capsys, path)
    assert rc == 1
    line, col = _where(text, "bogus:")
    assert f"{path}:{line}:{col}: translations.ru.roles.bogus: the scenario has no role " \
           "'bogus'" in err
    line, col = _where(text, "  fr:")
    assert f"{path}:{line}:{col + 2}: translations.fr: 'fr' is not a language the game " \
           "offers" in err


def test_one_language_inline_and_in_a_file_is_refused(folder: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    path = folder / AA.name
    path.write_text(AA.read_text(encoding="utf-8") + "translations:\n  ru:\n    title: Да\n",
                    encoding="utf-8")
    (folder / "association-agreement.ru.yaml").write_text(HEAD + "title: Нет\n", encoding="utf-8")
    rc, _, err = _validate(capsys, path)
    assert rc == 1
    assert f"{folder / 'association-agreement.ru.yaml'}:1:1: language: Russian is translated " \
           "twice for 'association-agreement' (also inline in the scenario); keep one" in err


# -- gaps: reported at their lines, accepted (English is shown), refused with --complete ------
def test_a_partial_translation_lists_what_stays_english(folder: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    text = HEAD + "title: Соглашение\nroles:\n  eu:\n    name: ЕС\n"
    path = folder / "association-agreement.ru.yaml"
    path.write_text(text, encoding="utf-8")
    rc, out, _ = _validate(capsys, folder)
    assert rc == 0
    sc = load_scenario(folder / AA.name)
    total = len(source_texts(sc))
    assert f"{path}: ok: Russian translation of 'association-agreement', 2 of {total} texts " \
           f"({total - 2} shown in English)" in out
    line, col = _where(text, "eu:")
    assert f"{path}:{line}:{col}: roles.eu.briefing: not translated into Russian; players " \
           "reading Russian see 2 texts in English here" in out
    line, col = _where(text, "roles:")  # where the missing role would go
    assert f"{path}:{line}:{col}: roles.lobbyist: not translated into Russian; players reading Russian " \
           "see 6 texts in English here" in out
    assert f"{path}:1:1: summary: not translated into Russian; players reading Russian see " \
           "the text in English here" in out
    rc, _, err = _validate(capsys, "--complete", folder)
    assert rc == 1 and "roles.lobbyist: not translated" in err


# -- the seat's view ----------------------------------------------------------------------------
def _seated(sc: Scenario, languages: list[str]) -> Game:
    g = Game(sc)
    for i, lang in enumerate(languages):
        g.do(SYSTEM_ACTOR, "join", player=f"p{i}", name=f"S{i}", language=lang)
    g.do(INSTRUCTOR_ACTOR, "start")
    return g


def test_a_seat_reads_the_scenario_in_its_players_language() -> None:
    sc = load_scenario(AA)
    ru = localized(sc, "ru").scenario
    g = _seated(sc, ["ru", "az", "en", "en"])
    mine = g.state.players["p0"].role
    v = player_view(g.state, "p0", g.now)
    assert v["scenario"]["title"] == ru.title and v["game"]["title"] == ru.title
    assert v["role"]["name"] == ru.role(str(mine)).name
    assert v["role"]["briefing"]["confidential"] == ru.role(str(mine)).briefing.confidential
    assert [i["title"] for i in v["issues"]] == [i.title for i in ru.issues]
    assert v["issues"][0]["options"][0]["label"] == ru.issues[0].options[0].label
    assert v["game"]["phase"]["title"] == ru.phases[0].title
    assert v["translation"] == {"language": "ru", "available": True, "fallback": [],
                                "notice": None}
    assert v["log_texts"][sc.event("crackdown").text] == ru.event("crackdown").text
    assert v["log_texts"][sc.phases[0].title] == ru.phases[0].title
    # the same state in English for the English seat; the Azerbaijani one falls back
    en = player_view(g.state, "p2", g.now)
    assert en["scenario"]["title"] == sc.title and en["translation"]["notice"] is None
    assert en["log_texts"] == {}
    az = player_view(g.state, "p1", g.now)
    assert az["scenario"]["title"] == sc.title and az["translation"]["available"] is False
    assert az["translation"]["notice"]["msg"] == NOT_TRANSLATED
    assert "title" in az["translation"]["fallback"]


def test_an_actions_targets_stay_what_the_page_sends_and_get_labels() -> None:
    sc = load_scenario(AA)
    g = _seated(sc, ["ru", "ru", "ru", "ru"])
    lob = next(p for p in g.state.players.values() if p.role == "lobbyist")
    v = player_view(g.state, lob.id, g.now)
    act = next(a for a in v["actions"] if a["id"] == "lob_influence_meps")
    assert act["targets"][0] == "EPP" and act["target_labels"]["EPP"] == "ЕНП (EPP)"


def test_a_partial_translation_says_what_is_english_and_keeps_other_roles_secret(
        folder: Path) -> None:
    (folder / "association-agreement.ru.yaml").write_text(
        HEAD + "title: Соглашение\nroles:\n  eu:\n    name: ЕС\n", encoding="utf-8")
    sc = load_scenario(folder / AA.name)
    g = _seated(sc, ["ru", "ru", "ru", "ru"])
    eu = next(p for p in g.state.players.values() if p.role == "eu")
    v = player_view(g.state, eu.id, g.now)
    assert v["scenario"]["title"] == "Соглашение" and v["role"]["name"] == "ЕС"
    assert v["role"]["briefing"]["confidential"] == sc.role("eu").briefing.confidential
    t = v["translation"]
    assert t["available"] is True and t["notice"]["msg"] == PARTLY
    assert "roles.eu.briefing.confidential" in t["fallback"] and "summary" in t["fallback"]
    assert "roles.government.briefing.public" in t["fallback"]
    assert [p for p in t["fallback"] if p.startswith("roles.government.")
            and not p.endswith(".public") and not p.endswith(".name")] == []


def test_a_language_change_changes_the_view() -> None:
    sc = load_scenario(AA)
    g = _seated(sc, ["en", "en", "en", "en"])
    assert player_view(g.state, "p0", g.now)["scenario"]["title"] == sc.title
    g.do("p0", "set_language", language="ru")
    assert player_view(g.state, "p0", g.now)["scenario"]["title"] == \
        localized(sc, "ru").scenario.title


def test_a_students_results_page_is_in_their_language(app: Any, web_service: Any) -> None:
    from roleplay.engine.commands import INSTRUCTOR_ACTOR as TEACHER

    sc = load_scenario(AA)
    ru = localized(sc, "ru").scenario
    state = web_service.create_game(sc, seed=2)
    gid, code = state.setup.game_id, state.setup.code
    seats = []
    for i, lang in enumerate(["ru", "en", "en", "en"]):
        r = app.test_client().post("/api/join", json={"code": code, "name": f"S{i}",
                                                     "language": lang})
        seats.append(r.get_json())
    web_service.execute(gid, TEACHER, "start")
    while web_service.state(gid).status != "finished":
        web_service.execute(gid, TEACHER, "advance")
    role = web_service.state(gid).players[seats[0]["player_id"]].role

    def page(token: str) -> str:
        c = app.test_client()
        assert c.post(f"/play/{gid}/results", data={"token": token}).status_code == 303
        return str(c.get(f"/play/{gid}/results").get_data(as_text=True))

    import html as html_lib
    mine, english = html_lib.unescape(page(seats[0]["token"])), html_lib.unescape(page(seats[1]["token"]))
    assert ru.role(str(role)).name in mine and ru.title in mine
    assert sc.title in english and ru.title not in english
