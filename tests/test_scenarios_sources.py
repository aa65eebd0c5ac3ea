"""Scenario text is true to the paper's citations and written in the game's own words.

* every interview the scenarios cite ("interview with EEAS official 6, October 2015")
  is an interview the paper cites with that number and date;
* every month and year, every quoted phrase and every short reference ("CPJ 2015")
  occurs in the paper, so a paraphrase cannot pass as a quotation;
* no run of 12 words or more is copied from the paper (a word-shingle check over every
  string of every built-in scenario and the campaign);
* docs/scenarios.md lists each cited source with its line in the paper, and that line
  holds it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
PAPER = Path("/work/shared/paper/van-gils-differentiation-eu-azerbaijan.txt")
if not PAPER.exists():  # the paper ships beside the repository, not in it
    PAPER = ROOT.parent / "shared" / "paper" / PAPER.name
FILES = sorted((ROOT / "scenarios").glob("*.yaml"))
DOC = ROOT / "docs" / "scenarios.md"
SHINGLE = 12

pytestmark = pytest.mark.skipif(not PAPER.exists(), reason="the source paper is not here")

MONTHS = ("January|February|March|April|May|June|July|August|September|October|"
          "November|December")
KIND = re.compile(r"(EEAS official|Member State official|expert interview|"
                  r"Azerbaijani government representative)s?\b")
ITEM = re.compile(rf"^[\s,;]*(?:and\s+)?(\d+),\s+({MONTHS})\s+(\d{{4}})")
MONTH_YEAR = re.compile(rf"\b(?:{MONTHS})\s+\d{{4}}\b")
REFERENCE = re.compile(r"\b([A-Z][A-Za-z]*(?:/[A-Z][a-z]+)?(?: [A-Z][a-z]+)?(?: et al\.)?) "
                       r"((?:19|20)\d\d)\b")
QUOTED = re.compile(r"[\"“]([^\"“”]{3,120})[\"”]")


def flat(text: str) -> str:
    """One line, straight apostrophes and quotes, single spaces."""
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return " ".join(text.split())


def loose(text: str) -> str:
    """For comparing quoted phrases: case, hyphens and quote marks aside."""
    return re.sub(r"[\s'\"-]+", " ", flat(text).lower())


def paper_lines() -> list[str]:
    return PAPER.read_text(encoding="utf-8").splitlines()


def paper_text() -> str:
    return flat(PAPER.read_text(encoding="utf-8"))


def citations(text: str) -> Iterator[tuple[str, int, str]]:
    """(kind, number, 'Month YYYY') for each interview cited in `text`."""
    text = flat(text)
    for m in KIND.finditer(text):
        rest = text[m.end():]  # "an EEAS official says" alone is prose, not a citation
        while (item := ITEM.match(rest)) is not None:
            yield m.group(1), int(item.group(1)), f"{item.group(2)} {item.group(3)}"
            rest = rest[item.end():]


def strings(node: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """Every string in a YAML document, with where it sits."""
    if isinstance(node, str):
        yield where, node
    elif isinstance(node, dict):
        for k, v in node.items():
            yield from strings(v, f"{where}.{k}" if where else str(k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from strings(v, f"{where}[{i}]")


#: Not scenario prose: the paper's own title in `sources`, notes to authors, ids.
NOT_PROSE = re.compile(r"^(sources|author_notes|id|version)\b|\.(id|sources\[0\])$")


def scenario_strings() -> list[tuple[str, str]]:
    out = []
    for f in FILES:
        doc = yaml.safe_load(f.read_text(encoding="utf-8"))
        out += [(f"{f.name}: {w}", s) for w, s in strings(doc) if not NOT_PROSE.search(w)]
    return out


def unbracketed(text: str) -> str:
    """Prose without its parenthesised citations."""
    return re.sub(r"\([^()]*\)", " ", text)


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", flat(unbracketed(text)).lower().replace("'", ""))


def shingles(text: str) -> set[tuple[str, ...]]:
    w = words(text)
    return {tuple(w[i:i + SHINGLE]) for i in range(len(w) - SHINGLE + 1)}


# -- the tests ---------------------------------------------------------------------------
def test_the_citation_parser_reads_the_papers_own_lists() -> None:
    got = set(citations("(interviews with EEAS officials 1, April 2014 and 12, July 2014)"))
    assert got == {("EEAS official", 1, "April 2014"), ("EEAS official", 12, "July 2014")}
    got = set(citations("with Azerbaijani government representatives 1, May 2014; and 2, "
                        "July 2014; and 3, May 2015"))
    assert ("Azerbaijani government representative", 3, "May 2015") in got


def test_every_cited_interview_is_in_the_paper() -> None:
    known = set(citations(paper_text()))
    wrong = [(where, c) for where, s in scenario_strings() for c in citations(s)
             if c not in known]
    assert not wrong, wrong


def test_every_date_quote_and_reference_is_in_the_paper() -> None:
    paper = paper_text()
    missing = []
    for where, s in scenario_strings():
        text = flat(s)
        for d in MONTH_YEAR.findall(text):
            if d not in paper:
                missing.append((where, d))
        for q in QUOTED.findall(text):
            if loose(q) not in loose(paper):
                missing.append((where, f'"{q}"'))
        cited = " ".join(re.findall(r"\(([^()]*)\)", text))
        for name, year in REFERENCE.findall(cited):
            if name in ("In", "Since", "By", "From", "After", "Until", "The"):
                continue
            if f"{name} {year}" not in paper:
                missing.append((where, f"{name} {year}"))
    assert not missing, missing


def test_no_run_of_12_words_is_copied_from_the_paper() -> None:
    paper = shingles(PAPER.read_text(encoding="utf-8"))
    copied = [(where, " ".join(sorted(shingles(s) & paper)[0]))
              for where, s in scenario_strings() if shingles(s) & paper]
    assert not copied, copied


def test_the_shingle_check_catches_a_copied_sentence() -> None:
    line = ("The government invests heavily in public diplomacy to promote Azerbaijan "
            "abroad; but also domestically")
    assert shingles(line) & shingles(PAPER.read_text(encoding="utf-8"))


def test_docs_give_each_cited_source_its_line_in_the_paper() -> None:
    """docs/scenarios.md's source table, rows `| line | source | ... |`: each line holds it."""
    lines = paper_lines()
    rows = re.findall(r"^\| (\d+) \| ([^|]+?) \|", DOC.read_text(encoding="utf-8"), re.M)
    assert rows, "docs/scenarios.md has no source table"
    for num, src in rows:
        window = flat(" ".join(lines[int(num) - 1:int(num) + 3]))
        want = set(citations(src))
        if want:
            assert want <= set(citations(window)), (num, src, window[:200])
        else:
            assert loose(src) in loose(window), (num, src, window[:200])
    listed = {c for _, src in rows for c in citations(src)}
    cited = {c for _, s in scenario_strings() for c in citations(s)}
    assert not cited - listed, f"not in docs/scenarios.md's source table: {cited - listed}"
