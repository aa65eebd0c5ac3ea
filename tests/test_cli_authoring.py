"""The commands an author runs: analyze (its warnings, tie-breaks, JSON), play, simulate, export."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from roleplay.analysis import analyze
from roleplay.cli import main
from roleplay.paths import scenarios_dir
from roleplay.scenario.checks import all_packages
from roleplay.scenario.loader import parse_scenario
from roleplay.scenario.model import Scenario
from roleplay.scenario.resolve import resolve_source
from support.authoring import example_text

DATA = Path(__file__).parent / "data"
BUILTINS = [p.stem for p in sorted(scenarios_dir().glob("*.yaml"))
            if "campaign" not in p.stem and "." not in p.stem]  # not a translation


def _builtin(name: str) -> Scenario:
    sc = resolve_source(name)
    assert isinstance(sc, Scenario)
    return sc


def _links_hold(sc: Scenario, pkg: dict[str, str]) -> bool:
    chosen = {f"{i}.{o}" for i, o in pkg.items()}
    for ref in chosen:
        opt = sc.option(*ref.split("."))
        if any(r not in chosen for r in opt.requires) or any(x in chosen for x in opt.excludes):
            return False
    return True


@pytest.mark.parametrize("name", BUILTINS)
def test_each_roles_best_package_follows_the_documented_tie_break(name: str) -> None:
    """Most own points, then most joint (EU + government) points, then most EU points."""
    sc = _builtin(name)
    a = analyze(sc)
    eu, gov = a.sides["eu"], a.sides["government"]
    valid = [p for p in all_packages(sc) if _links_hold(sc, p)]
    for view in a.best:
        role = view.label.removeprefix("best for ")

        def key(p: dict[str, str], role: str = role) -> tuple[float, float, float]:
            own, e, g = (round(sc.points(r, p), 9) for r in (role, eu, gov))
            return own, round(e + g, 9), e

        assert key(view.package) == max(key(p) for p in valid), (name, role)


def test_the_spa_best_for_eu_is_not_a_dominated_package() -> None:
    a = analyze(_builtin("strategic-partnership"))
    best_eu = next(v for v in a.best if v.label == "best for eu")
    assert (best_eu.points["eu"], best_eu.points["government"]) == (94, 32)
    frontier = {(p.eu, p.government) for p in a.frontier}
    assert (94, 32) in frontier


def test_analyze_says_when_the_template_breaks_the_linkage_rules() -> None:
    text = (scenarios_dir() / "progress-report.yaml").read_text(encoding="utf-8")
    a = analyze(parse_scenario(text, "pr.yaml"))
    (accepted,) = [f for f in a.accepted if f.code == "template-breaks-linkage"]
    assert "pcc.eu_agenda excludes assessment.eu_draft" in accepted.message
    unnoted = re.sub(r"\n  - >-\n    accept template-breaks-linkage:.*", "\n", text, flags=re.S)
    assert unnoted != text
    a = analyze(parse_scenario(unnoted, "pr.yaml"))
    assert [f.code for f in a.warnings] == ["template-breaks-linkage"]
    assert not any(f.code == "template-breaks-linkage"
                   for n in BUILTINS if n != "progress-report"
                   for f in analyze(_builtin(n)).warnings + analyze(_builtin(n)).accepted)


def test_analyze_says_when_the_history_package_is_incomplete() -> None:
    text = example_text()  # the guide's example: history settles visas and readmission only
    a = analyze(parse_scenario(re.sub(r"\nauthor_notes:.*", "\n", text, flags=re.S), "x.yaml"))
    (warning,) = [f for f in a.warnings if f.code == "history-incomplete"]
    assert "leaves out monitoring" in warning.message
    assert not any(v.label == "what happened (history)" for v in a.notable)
    assert [f.code for f in analyze(parse_scenario(text, "x.yaml")).accepted] == [
        "history-incomplete"]  # the guide accepts it, with its reason
    full = text.replace("package: {visas: standard, readmission: standard}",
                        "package: {visas: standard, readmission: standard, monitoring: yearly}")
    assert full != text
    a = analyze(parse_scenario(full, "x.yaml"))
    assert not any(f.code == "history-incomplete" for f in a.warnings + a.accepted)
    assert any(v.label == "what happened (history)" for v in a.notable)


def test_analyze_json_keys_points_by_role_id_everywhere(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (DATA / "worked-example.yaml").read_text(encoding="utf-8")
    renamed = re.sub(r"\beu\b", "commission", text).replace("side: commission", "side: eu")
    renamed = re.sub(r"\bgovernment\b", "baku", renamed).replace("side: baku", "side: government")
    path = tmp_path / "renamed.yaml"
    path.write_text(renamed, encoding="utf-8")
    assert main(["analyze", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["sides"] == {"eu": "commission", "government": "baku"}
    for point in [*data["frontier"], data["nash_hull"], data["kalai_smorodinsky_hull"]]:
        assert set(point["points"]) == {"commission", "baku"}, point
    for view in [data["template"], data["nash"], *data["best"]]:
        assert {"commission", "baku"} <= set(view["points"])
    assert '"eu":' not in json.dumps({k: v for k, v in data.items() if k != "sides"})


def test_analyze_into_head_ends_quietly() -> None:
    with subprocess.Popen([sys.executable, "-m", "roleplay.cli", "analyze", "strategic-partnership"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()  # the reader is gone before anything is written, as `| head -0`
        err = proc.stderr.read().decode()
        proc.wait(timeout=60)
    assert err == ""
    assert proc.returncode == 141


def test_a_failed_export_creates_no_database(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["export", "NOSUCH"]) == 1
    assert "no database at roleplay.db" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def _points_lines(out: str) -> list[dict[str, float]]:
    return [{r: float(v) for r, v in re.findall(r"(\w+) (-?[\d.]+)", m)}
            for m in re.findall(r"points ([^)]*)\)", out)]


def test_play_prints_each_roles_utility_with_costs(capsys: pytest.CaptureFixture[str],
                                                   tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'play.db'}"
    assert main(["play", str(DATA / "worked-example.yaml"), "--players", "4", "--seed", "3",
                 "--db", db]) == 0
    out = capsys.readouterr().out
    code = re.search(r"\(code (\w+)\)", out)
    assert code
    printed = _points_lines(out)
    assert printed
    assert main(["export", code.group(1), "--db", db]) == 0
    export = json.loads(capsys.readouterr().out)
    tables = export["steps"][0]["outcomes"]["tables"]
    assert printed == [{r["role"]: r["utility"] for r in t["roles"]} for t in tables]
    # each table's type, as the debrief names it, and a deadlock's reason in words
    labels = {"tailor_made_partnership": "tailor-made partnership", "cherry_picking": "cherry-picking",
              "joint_standard": "joint standard", "unilateral_template": "unilateral template",
              "deadlock": "deadlock"}
    for t in tables:
        assert re.search(rf"table {t['table']}: {re.escape(labels[t['table_type']])},", out), out
    assert "refused:" not in out and "no_signature" not in out
    assert re.search(r"table types: [a-z -]+ \d+", out), out


@pytest.mark.parametrize(("scenario", "seed"), [
    (str(DATA / "worked-example.yaml"), 2),
    ("association-agreement", 3),  # a deadlock where the lobbyist's fees and CSOs' costs count
])
def test_simulate_keeps_its_game_in_db_for_export_and_prints_the_same_points(
        scenario: str, seed: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'sim.db'}"
    assert main(["simulate", scenario, "--players", "4", "--seed", str(seed), "--db", db]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["database"] == db
    assert main(["export", result["code"], "--db", db]) == 0
    export = json.loads(capsys.readouterr().out)
    tables = export["steps"][0]["outcomes"]["tables"]
    exported = [{r["role"]: r["utility"] for r in t["roles"]} for t in tables]
    assert [t["points"] for t in result["tables"]] == exported
    assert main(["simulate", "worked-example", "--db", db, "--server", "http://x"]) == 1

