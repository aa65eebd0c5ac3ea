"""The scenario loader: safe parsing, and every error at its file, line and column."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from roleplay.cli import main
from roleplay.scenario.loader import ScenarioError, parse_scenario, read_yaml

DATA = Path(__file__).parent / "data"
GOOD = (DATA / "worked-example.yaml").read_text()


def _line_of(text: str, needle: str) -> int:
    for i, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return i
    raise AssertionError(needle)


def errors(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, "s.yaml")
    return [str(d) for d in info.value.diagnostics]


def test_the_worked_example_loads() -> None:
    sc = parse_scenario(GOOD, "s.yaml")
    assert [i.id for i in sc.issues] == ["i1", "i2", "i3"]
    assert sc.role("eu").batna == 40


def test_a_syntax_error_names_its_line() -> None:
    bad = GOOD.replace("title: Energy", "title: [Energy")
    (msg,) = errors(bad)
    line = _line_of(bad, "title: [Energy")
    assert msg.startswith(f"s.yaml:{line}:12: this list in [ ] is never closed")


def test_a_wrong_type_names_the_path_and_line() -> None:
    bad = GOOD.replace("batna: 45", "batna: lots")
    (msg,) = errors(bad)
    line = _line_of(bad, "batna: lots")
    assert msg.startswith(f"s.yaml:{line}:")
    assert "roles[1].batna" in msg and "number" in msg


def test_an_unknown_role_in_points_is_reported_at_the_option() -> None:
    bad = GOOD.replace("points: {eu: 25, government: 40}", "points: {eu: 25, govt: 40}")
    msgs = errors(bad)
    line = _line_of(bad, "govt: 40")
    assert any(m.startswith(f"s.yaml:{line}:") and "unknown role 'govt'" in m for m in msgs)
    assert any("role 'government' is missing" in m for m in msgs)


def test_every_error_is_reported_not_just_the_first() -> None:
    bad = GOOD.replace("batna: 45", "batna: lots").replace("kind: co_designed", "kind: joint", 1)
    msgs = errors(bad)
    assert len(msgs) == 2
    assert re.search(r"roles\[1\]\.batna", msgs[0] + msgs[1])
    assert re.search(r"issues\[0\]\.options\[1\]\.kind", msgs[0] + msgs[1])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: !!python/object/apply:os.system [echo hi]\n", "tags such as"),
        ("a: !custom 1\n", "tags such as"),
        ("a: &x [1, 2]\nb: *x\n", "anchors"),
        ("a: 1\na: 2\n", "key given twice"),
        ("a: " + "[" * 60 + "]" * 60 + "\n", "nesting deeper"),
        ("", "empty"),
        ("- 1\n- 2\n", "mapping"),
    ],
)
def test_unsafe_or_odd_yaml_is_refused(text: str, expected: str) -> None:
    with pytest.raises(ScenarioError) as info:
        read_yaml(text, "x.yaml")
    assert expected in str(info.value)
    assert str(info.value).startswith("x.yaml:")


def test_an_alias_bomb_is_refused_before_it_expands() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(9)
    )
    with pytest.raises(ScenarioError) as info:
        read_yaml(bomb, "bomb.yaml")
    assert "bomb.yaml:1:4: anchors" in str(info.value)


def test_yes_no_on_off_stay_text() -> None:
    data, _ = read_yaml("a: yes\nb: no\nc: on\nd: off\ne: true\nf: 0o17\ng: 1.5\nh: ~\n", "x")
    assert data == {"a": "yes", "b": "no", "c": "on", "d": "off", "e": True, "f": 15,
                    "g": 1.5, "h": None}


def test_a_file_over_256_kib_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("x: " + "a" * (1024 * 1024) + "\n")
    assert main(["validate", str(big)]) == 1


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("- id: i2\n", "- id: i1\n", "duplicate id 'i1'"),
        ("points: {eu: 40, government: 0}", "points: {eu: 41, government: 0}", "totals 101"),
        ("  - {id: talks, kind: negotiation, title: Negotiation, minutes: 10}",
         "  - {id: talks, kind: negotiation, title: Negotiation, minutes: 10, actions: [fly]}",
         "unknown action 'fly'"),
        ("effects: {batna: {eu: -5}}", "effects: {batna: {commission: -5}}",
         "unknown role 'commission'"),
        ("members: [eu, government]", "members: [eu, parliament]", "unknown role 'parliament'"),
        ("  roles: [eu, government]", "  roles: [eu, government, eu]", "has two seats"),
    ],
)
def test_cross_checks(old: str, new: str, expected: str) -> None:
    assert old in GOOD
    msgs = errors(GOOD.replace(old, new, 1))
    assert any(expected in m for m in msgs), msgs
    assert all(re.match(r"s\.yaml:\d+:\d+: ", m) for m in msgs)


def test_an_unknown_key_points_at_it() -> None:
    bad = GOOD.replace("    batna: 45\n", "    batna: 45\n    bantna: 3\n")
    (msg,) = errors(bad)
    assert msg.startswith(f"s.yaml:{_line_of(bad, 'bantna')}:5:")
    assert "unknown key 'bantna' — did you mean 'batna'?" in msg


@pytest.mark.parametrize(
    "content",
    [
        "id: [\n",  # syntax error
        GOOD.replace("batna: 45", "batna: lots"),  # wrong type
        GOOD.replace("points: {eu: 40, government: 0}", "points: {eu: 40, gov: 0}"),
        "a: !!python/object/apply:os.system [ls]\n",  # python tag
        "a: &a [1, 1]\nb: [*a, *a]\n",  # alias bomb
        "x: " + "a" * (1024 * 1024) + "\n",  # 1 MiB
    ],
    ids=["syntax", "type", "unknown-role", "python-tag", "alias", "1MiB"],
)
def test_validate_exits_1_with_located_errors_and_no_traceback(
    content: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    assert main(["validate", str(path)]) == 1
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    lines = err.strip().splitlines()
    # Each problem starts `file:line:column: words`; an indented line may follow with the
    # parser's own words.
    assert lines and re.match(rf"{re.escape(str(path))}:\d+:\d+: \S", lines[0])
    assert all(re.match(rf"{re.escape(str(path))}:\d+:\d+: \S|    \(", ln) for ln in lines)


def test_validate_ok_prints_one_line_per_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(DATA / "worked-example.yaml"), str(DATA / "four-roles.yaml")]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 2 and all(": ok: " in line for line in out)


def test_schema_is_json_schema_of_the_format(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    import jsonschema
    import yaml

    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(yaml.safe_load(GOOD), schema)
    assert {"roles", "issues", "phases", "history"} <= set(schema["required"])


def test_a_campaign_checks_what_it_carries(tmp_path: Path) -> None:
    import shutil

    shutil.copy(DATA / "four-roles.yaml", tmp_path / "four-roles.yaml")
    camp = tmp_path / "camp.yaml"
    camp.write_text(
        "kind: campaign\nid: camp\ntitle: Camp\nversion: '1'\nsummary: Two rounds.\nsteps:\n"
        "  - scenario: four-roles\n"
        "  - scenario: four-roles\n"
        "    carry:\n"
        "      - variable: trust\n        label: Trust\n"
        "        effects:\n          - at_least: 60\n            effects: {batna: {eu: 2}}\n"
        "      - variable: mood\n        label: Mood\n"
        "        effects:\n          - at_least: 1\n            effects: {batna: {pope: 2}}\n"
        "  - scenario: nowhere\n"
    )
    assert main(["validate", str(camp)]) == 1
    camp.write_text(camp.read_text().replace("  - scenario: nowhere\n", ""))
    with pytest.raises(ScenarioError) as info:
        from roleplay.scenario.loader import load_campaign

        load_campaign(camp)
    msgs = [str(d) for d in info.value.diagnostics]
    assert any("no variable 'mood'" in m and ":15:" in m for m in msgs), msgs
    assert any("unknown role 'pope'" in m for m in msgs), msgs
