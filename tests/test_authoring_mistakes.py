"""The mistakes authors really make, each in a copy of a built-in scenario.

Every case checks the line and column the author has to look at, the plain words
of the first line of the message, and that `roleplay validate` prints no traceback.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from roleplay.cli import main
from roleplay.paths import scenarios_dir
from roleplay.scenario.loader import ScenarioError, parse_scenario

BUILTIN = (scenarios_dir() / "association-agreement.yaml").read_text(encoding="utf-8")


def _where(text: str, needle: str, nth: int = 1) -> tuple[int, int]:
    """1-based line and column of the nth occurrence of needle."""
    at = -1
    for _ in range(nth):
        at = text.index(needle, at + 1)
    line = text.count("\n", 0, at) + 1
    return line, at - (text.rfind("\n", 0, at) + 1) + 1


def _replace(old: str, new: str) -> str:
    assert old in BUILTIN, old
    return BUILTIN.replace(old, new, 1)


# (name, bad text, needle whose position is where the error must point, words expected)
CASES = [
    ("unclosed-quote",
     _replace("    title: Energy\n", '    title: "Energy and the pipeline\n'),
     '"Energy and the pipeline',
     'this quote is never closed (it opens here: "Energy and the pipeline)'),
    ("tab",
     _replace("    side: eu\n", "\tside: eu\n"), "\tside: eu",
     "a tab character; indent with spaces"),
    ("nbsp-after-title",
     _replace("    title: Energy\n", "    title:\u00a0Energy\n"), "\u00a0Energy",
     "a non-breaking space after 'title:' (pasted from a word processor?); type a normal space"),
    ("nbsp-in-indentation",
     _replace("    side: eu\n", "  \u00a0 side: eu\n"), "\u00a0 side: eu",
     "a non-breaking space in the indentation"),
    ("curly-quotes",
     _replace("    title: Energy\n", "    title: \u201cEnergy: the pipeline\u201d\n"),
     "\u201cEnergy:", "curly quotes \u201c…\u201d (from a word processor?); use straight quotes \"…\""),
    ("missing-colon",
     _replace("    batna: 50\n    briefing:", "    batna 50\n    briefing:"), "batna 50",
     "'batna 50' needs a colon: 'batna: 50'"),
    ("colon-inside-value",
     _replace("    title: Energy\n", "    title: Energy: the pipeline\n"), ": the pipeline",
     'a colon and a space inside a value; put the whole value in quotes, e.g. '
     'title: "Energy: the pipeline"'),
    ("indented-too-far",
     _replace("    side: eu\n", "      side: eu\n"), "side: eu",
     "this line is indented more than the line before it"),
    ("unclosed-list",
     _replace("requires: [security.territorial_integrity]",
              "requires: [security.territorial_integrity"), "[security.territorial_integrity",
     "this list in [ ] is never closed"),
    ("misspelt-key",
     _replace("    briefing:\n", "    briefng:\n"), "briefng:",
     "roles[0].briefng: unknown key 'briefng' — did you mean 'briefing'?"),
    ("unknown-option",
     _replace("requires: [security.territorial_integrity]", "requires: [security.territorial]"),
     "security.territorial]",
     "issue 'security' has no option 'territorial'; its options are: security.minsk_standard, "
     "security.territorial_integrity, security.leave_out"),
    ("version-as-number",
     _replace('version: "1.0"', "version: 1.0"), "version",
     'version: this is text, but 1.0 reads as a number: put it in quotes, version: "1.0"'),
    ("yes-no",
     _replace("    signatory: true\n", "    signatory: no\n"), "signatory: no",
     "roles[0].signatory: write true or false here (got 'no'); did you mean signatory: false?"),
    ("not-true-or-false",
     _replace("    signatory: true\n", "    signatory: true\n    veto: maybe\n"), "veto: maybe",
     "roles[0].veto: write true or false here (got 'maybe')"),
    ("list-expected",
     _replace("debrief:\n  questions:\n", "debrief:\n  questions: Who gained?\n  notes:\n"),
     "questions: Who", "debrief.questions: expected a list here: one item per line, each starting "
     "with '- '"),
    ("option-kind",
     _replace("kind: co_designed", "kind: joint"), "kind: joint",
     "should be 'template', 'opt_out' or 'co_designed' (got \"joint\")"),
    ("apostrophe-in-single-quotes",
     _replace("    title: Results\n", "    title: 'Baku's results'\n"), "'s results",
     "this apostrophe ends the quoted value early; inside '...' write it twice ('Baku''s')"),
    ("quote-in-double-quotes",
     _replace("    title: Results\n", '    title: "He said "no" today"\n'), '"no" today',
     'this quote ends the quoted value early; inside "..." write it as \\"'),
    ("no-space-after-colon",
     _replace("    minutes: 2\n  - id: results", "    minutes:2\n  - id: results"), "minutes:2",
     "'minutes:2' needs a space after the colon: 'minutes: 2'"),
    ("equals-for-colon",
     _replace("    minutes: 2\n  - id: results", "    minutes = 2\n  - id: results"),
     "minutes = 2", "'minutes = 2' needs a colon: 'minutes: 2'"),
    ("bad-id",
     _replace("  - id: results\n", "  - id: Results\n"), "id: Results",
     "an id is lowercase letters, digits, '_' or '-', starting with a letter, at most 40 "
     "(got \"Results\")"),
    ("nothing-after-key",
     _replace("    title: Results\n", "    title:\n"), "title:\n    minutes: 3",
     "phases[4].title: nothing is written after this key; write its value here"),
    ("missing-dash",
     _replace("  - id: government\n", "    id: government\n"), "id: government",
     "roles[0].id: key given twice; if a new item of the list starts on this line, begin it "
     "with '- ': '- id: ...'"),
    ("key-twice",
     _replace("    title: Results\n", "    title: Results\n    title: Scores\n"), "title: Scores",
     "phases[4].title: key given twice"),
    ("huge-number",
     _replace("    batna: 50\n", "    batna: " + "9" * 5000 + "\n"), "9999",
     "roles[0].batna: this number has 5,000 characters"),
]


@pytest.mark.parametrize(("bad", "needle", "words"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_each_mistake_is_reported_where_it_was_made_in_words(
        bad: str, needle: str, words: str, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    line, column = _where(bad, needle)
    with pytest.raises(ScenarioError) as info:
        parse_scenario(bad, "s.yaml")
    first = [str(d).splitlines()[0] for d in info.value.diagnostics]
    assert f"s.yaml:{line}:{column}: " in first[0] and words in first[0], first
    assert not re.search(r"YAML|scalar|token|mapping|stream", first[0]), "jargon in line one"

    path = tmp_path / "mine.yaml"
    path.write_text(bad, encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert err.startswith(f"{path}:{line}:{column}: ")


def test_the_parser_words_come_on_a_second_line() -> None:
    bad = _replace("    batna: 50\n    briefing:", "    batna 50\n    briefing:")
    with pytest.raises(ScenarioError) as info:
        parse_scenario(bad, "s.yaml")
    first, second = str(info.value.diagnostics[0]).splitlines()
    assert "needs a colon" in first
    assert second.strip() == "(the YAML parser says: while scanning a simple key could not " \
                             "find expected ':')"


def test_curly_quotes_inside_prose_are_left_alone() -> None:
    text = _replace("    title: Energy\n", "    title: The \u201cenergy\u201d chapter\n")
    assert parse_scenario(text, "s.yaml").issue("energy").title == "The \u201cenergy\u201d chapter"


def test_a_quote_that_spans_lines_legally_is_not_called_unclosed() -> None:
    text = _replace("    title: Energy\n", '    title: "Energy and\n      pipelines"\n')
    assert parse_scenario(text, "s.yaml").issue("energy").title == "Energy and pipelines"


def test_schema_and_cross_check_errors_come_in_one_run() -> None:
    bad = _replace("    briefing:\n", "    briefng:\n").replace(
        "points: {eu: 35,", "points: {european_union: 35,", 1)
    assert bad.count("european_union") == 1
    with pytest.raises(ScenarioError) as info:
        parse_scenario(bad, "s.yaml")
    msgs = [d.message for d in info.value.diagnostics]
    assert any("did you mean 'briefing'" in m for m in msgs), msgs
    assert any("unknown role 'european_union'" in m for m in msgs), msgs
    assert not any("missing required key 'briefing'" in m for m in msgs), msgs


def test_a_required_value_of_the_wrong_type_stops_before_the_cross_checks() -> None:
    bad = _replace("    batna: 50\n", "    batna: lots\n").replace(
        "points: {eu: 35,", "points: {european_union: 35,", 1)
    with pytest.raises(ScenarioError) as info:
        parse_scenario(bad, "s.yaml")
    (only,) = info.value.diagnostics
    assert "roles[0].batna" in only.message


@pytest.mark.parametrize(("word", "value"), [("true", True), ("false", False)])
def test_true_and_false_still_work(word: str, value: bool) -> None:
    sc = parse_scenario(_replace("    signatory: true\n", f"    signatory: true\n    veto: {word}\n"),
                        "s.yaml")
    assert sc.role("eu").veto is value


def test_an_upload_with_a_huge_number_gets_its_line_not_a_500(instructor: FlaskClient) -> None:
    page = instructor.get("/instructor/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    bad = _replace("    batna: 50\n", "    batna: " + "9" * 5000 + "\n")
    r = instructor.post("/instructor/scenarios", data={"yaml": bad, "csrf_token": token.group(1)})
    assert r.status_code == 400
    line, _ = _where(bad, "9999")
    assert f"line {line}, column 12" in r.get_data(as_text=True)


def test_a_block_of_text_is_left_alone_and_the_next_key_is_checked() -> None:
    from roleplay.scenario.yaml_errors import prescan

    text = "items:\n  - text: |\n      a tab\there, a\u00a0space there\n    id:\u00a0x\n"
    (finding,) = prescan(text)
    assert (finding.line, finding.column) == (4, 8)
    assert finding.message.startswith("a non-breaking space after 'id:'")
