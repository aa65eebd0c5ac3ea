"""Read scenario YAML safely and validate it, with every error at its line and column.

Safety rules (a scenario may come from a stranger's upload):

* files over 256 KiB are refused before parsing;
* only PyYAML's safe parser is used, and any explicit tag (``!!python/...``,
  ``!foo``) is refused, as are anchors and aliases (so no alias bombs);
* nesting deeper than 40 levels is refused;
* plain scalars follow the YAML 1.2 core schema: ``yes``, ``no``, ``on`` and
  ``off`` stay strings, and so does ``1_000`` (true/false fields take only
  ``true`` or ``false``, as the guide says);
* a number too long to be one (an upload of 5,000 digits would make Python's
  ``int`` fail) or too large for a float is an error at its line;
* a key given twice is an error, not a silent overwrite.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from ..errors import RoleplayError
from .checks import campaign_problems, cross_check
from .model import Campaign, Scenario
from .schema_errors import Explained
from .schema_errors import explain as explain_schema
from .yaml_errors import explain, prescan

MAX_BYTES = 256 * 1024
MAX_DEPTH = 40
#: Python refuses ints over 4,300 digits; no scenario number needs more than this.
MAX_NUMBER_CHARS = 100

YamlPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Diagnostic:
    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


class ScenarioError(RoleplayError):
    """A scenario file that cannot be used; `diagnostics` holds every problem found."""

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = diagnostics
        super().__init__("\n".join(str(d) for d in diagnostics))


# -- YAML 1.2 core schema for plain scalars ---------------------------------------
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"^[-+]?[0-9]+$")
_OCT = re.compile(r"^0o[0-7]+$")
_HEX = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")


class _NumberTooLong(ValueError):
    pass


def _plain_scalar(text: str) -> Any:
    if len(text) > MAX_NUMBER_CHARS and (_INT.match(text) or _FLOAT.match(text) or _OCT.match(text)
                             or _HEX.match(text)):
        raise _NumberTooLong(text)
    if _NULL.match(text):
        return None
    if text in _BOOL:
        return _BOOL[text]
    if _INT.match(text):
        return int(text)
    if _OCT.match(text):
        return int(text[2:], 8)
    if _HEX.match(text):
        return int(text[2:], 16)
    if _FLOAT.match(text):
        return float(text)
    return text


class _Reader:
    """Turns a composed node tree into plain data and remembers where each path is."""

    def __init__(self, name: str):
        self.name = name
        self.marks: dict[YamlPath, tuple[int, int]] = {}
        self.raw: dict[YamlPath, str] = {}  # plain scalars as written, e.g. `1.10`
        self.problems: list[Diagnostic] = []

    def diag(self, mark: Any, message: str) -> None:
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        self.problems.append(Diagnostic(self.name, line, col, message))

    def build(self, node: yaml.Node, path: YamlPath) -> Any:
        self.marks.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if isinstance(node, yaml.ScalarNode):
            if node.style is not None:
                return node.value
            self.raw[path] = node.value
            try:
                value = _plain_scalar(node.value)
                if isinstance(value, float) and not math.isfinite(value):
                    raise _NumberTooLong(node.value)
                return value
            except _NumberTooLong:
                self.diag(node.start_mark, f"{_dotted(path)}: this number has "
                          f"{len(node.value):,} characters; no number in a scenario needs "
                          "more than a few digits")
                return None
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        assert isinstance(node, yaml.MappingNode)
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.diag(key_node.start_mark, f"{_dotted(path)}: a key must be a plain word")
                continue
            key = key_node.value
            if key in out:
                hint = ""
                if path and isinstance(path[-1], int) and key == next(iter(out)):
                    # the item's first key again: most often a new item that lost its dash
                    hint = ("; if a new item of the list starts on this line, begin it "
                            f"with '- ': '- {key}: ...'")
                self.diag(key_node.start_mark, f"{_dotted((*path, key))}: key given twice{hint}")
                continue
            self.marks[(*path, key)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            out[key] = self.build(value_node, (*path, key))
        return out

    def where(self, path: YamlPath) -> tuple[int, int]:
        """The mark of the longest prefix of path that is in the file."""
        for n in range(len(path), -1, -1):
            if path[:n] in self.marks:
                return self.marks[path[:n]]
        return (1, 1)


def _dotted(path: Iterable[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _screen_events(text: str, reader: _Reader) -> bool:
    """Refuse tags, anchors, aliases and deep nesting before anything is built."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                reader.diag(event.start_mark, "aliases (*name) are not allowed in scenario files")
                return False
            anchor = getattr(event, "anchor", None)
            if anchor is not None:
                reader.diag(event.start_mark, "anchors (&name) are not allowed in scenario files")
                return False
            tag = getattr(event, "tag", None)
            if tag is not None:
                reader.diag(event.start_mark, f"tags such as '{tag}' are not allowed")
                return False
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    reader.diag(event.start_mark, f"nesting deeper than {MAX_DEPTH} levels")
                    return False
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.MarkedYAMLError as e:
        line, col, message = explain(e, text)
        likely = [f for f in prescan(text)
                  if not f.certain and f.line in (line, _mark_line(e.problem_mark))]
        if likely:
            reader.problems.extend(Diagnostic(reader.name, f.line, f.column, f.message)
                                   for f in likely)
        else:
            reader.problems.append(Diagnostic(reader.name, line, col, message))
        return False
    except yaml.YAMLError as e:
        reader.diag(None, f"YAML error: {e}")
        return False
    return True


def _mark_line(mark: Any) -> int:
    return int(mark.line) + 1 if mark is not None else 0


def read_yaml(text: str, name: str) -> tuple[Any, _Reader]:
    """Parse YAML text safely into plain data; raise ScenarioError on any problem."""
    reader = _Reader(name)
    if len(text.encode("utf-8", "replace")) > MAX_BYTES:
        raise ScenarioError([Diagnostic(name, 1, 1, f"file is larger than {MAX_BYTES // 1024} KiB")])
    certain = [f for f in prescan(text) if f.certain]
    if certain:
        raise ScenarioError([Diagnostic(name, f.line, f.column, f.message) for f in certain])
    if not _screen_events(text, reader):
        raise ScenarioError(reader.problems)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as e:  # pragma: no cover - the screen parses the same text
        raise ScenarioError([Diagnostic(name, 1, 1, f"YAML error: {e}")]) from e
    if node is None:
        raise ScenarioError([Diagnostic(name, 1, 1, "the file is empty; expected a mapping")])
    data = reader.build(node, ())
    if reader.problems:
        raise ScenarioError(reader.problems)
    if not isinstance(data, dict):
        raise ScenarioError([Diagnostic(name, 1, 1, "expected a mapping of keys at the top level")])
    return data, reader


def _schema_diagnostics(
    err: ValidationError, model: type[BaseModel], data: dict[str, Any], reader: _Reader
) -> tuple[list[Diagnostic], Explained]:
    explained = explain_schema(err, model, data, reader)
    diags = [Diagnostic(reader.name, *reader.where(loc), f"{_dotted(loc)}: {msg}")
             for loc, msg in explained.messages]
    return diags, explained


def _near(path: YamlPath, set_aside: list[YamlPath]) -> bool:
    """Is a cross-check problem about something a schema error set aside?"""
    return any(path[: len(s)] == s or s[: len(path)] == path for s in set_aside)


def parse_scenario(text: str, name: str = "<scenario>") -> Scenario:
    """Validate scenario text into a Scenario, or raise ScenarioError with every problem.

    Schema errors and cross-check errors come in one report when the schema errors
    can be set aside (a misspelt key, a bad optional value); a cross-check problem
    about something set aside is left out, as it would only repeat the first.
    """
    data, reader = read_yaml(text, name)
    if data.get("kind") == "campaign":
        raise ScenarioError([Diagnostic(name, 1, 1, "this is a campaign file, not a scenario")])
    diags: list[Diagnostic] = []
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as e:
        diags, explained = _schema_diagnostics(e, Scenario, data, reader)
        if explained.repaired is None:
            raise ScenarioError(_by_line(diags)) from e
        try:
            scenario = Scenario.model_validate(explained.repaired)
        except ValidationError:
            raise ScenarioError(_by_line(diags)) from e
        problems = [(p, m) for p, m in cross_check(scenario) if not _near(p, explained.set_aside)]
    else:
        problems = cross_check(scenario)
    diags += [Diagnostic(name, *reader.where(p), f"{_dotted(p)}: {m}") for p, m in problems]
    if not diags:
        from .translations import inline_problems

        diags = inline_problems(scenario, reader)
    if diags:
        raise ScenarioError(_by_line(diags))
    return scenario


def _by_line(diags: list[Diagnostic]) -> list[Diagnostic]:
    return sorted(diags, key=lambda d: (d.line, d.column))


def parse_campaign(text: str, name: str = "<campaign>") -> Campaign:
    data, reader = read_yaml(text, name)
    try:
        return Campaign.model_validate(data)
    except ValidationError as e:
        raise ScenarioError(_by_line(_schema_diagnostics(e, Campaign, data, reader)[0])) from e


def read_text(path: Path) -> str:
    """Read a file, refusing big ones before reading them whole."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ScenarioError(
                [Diagnostic(str(path), 1, 1, f"file is larger than {MAX_BYTES // 1024} KiB")]
            )
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as e:
        raise ScenarioError([Diagnostic(str(path), 1, 1, "file is not UTF-8 text")]) from e
    except OSError as e:
        raise ScenarioError([Diagnostic(str(path), 1, 1, f"cannot read file: {e.strerror}")]) from e


def is_campaign_text(text: str) -> bool:
    return re.search(r"^kind:\s*['\"]?campaign", text, re.MULTILINE) is not None


def load_scenario(path: Path) -> Scenario:
    """A scenario file with the translation files beside it (`translations.py`)."""
    from .translations import with_translations

    return with_translations(parse_scenario(read_text(path), str(path)), path)


def content_hash(scenario: Scenario | Campaign) -> str:
    """A stable hash of a scenario's content (not of its formatting, nor of its
    translations: a Russian text added later is the same game)."""
    data = scenario.model_dump(mode="json")
    data.pop("translations", None)
    canon = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canon.encode()).hexdigest()


@dataclass(frozen=True)
class CampaignBundle:
    campaign: Campaign
    scenarios: tuple[Scenario, ...]


def load_campaign(path: Path, library: dict[str, Scenario] | None = None) -> CampaignBundle:
    """A campaign and its scenarios, looked up by id beside the campaign file."""
    text = read_text(path)
    campaign = parse_campaign(text, str(path))
    if library is None:
        library = load_library(path.parent)[0]
    missing = [s.scenario for s in campaign.steps if s.scenario not in library]
    if missing:
        _, reader = read_yaml(text, str(path))
        diags = []
        for i, step in enumerate(campaign.steps):
            if step.scenario in missing:
                line, col = reader.where(("steps", i, "scenario"))
                diags.append(
                    Diagnostic(
                        str(path), line, col,
                        f"steps[{i}].scenario: no scenario with id '{step.scenario}' "
                        f"beside this file (found: {sorted(library)})",
                    )
                )
        raise ScenarioError(diags)
    scenarios = tuple(library[s.scenario] for s in campaign.steps)
    problems = campaign_problems(campaign, scenarios)
    if problems:
        _, reader = read_yaml(text, str(path))
        raise ScenarioError(
            [Diagnostic(str(path), *reader.where(p), f"{_dotted(p)}: {m}") for p, m in problems]
        )
    return CampaignBundle(campaign, scenarios)


def load_library(folder: Path) -> tuple[dict[str, Scenario], list[Diagnostic]]:
    """Every valid scenario in a folder by id (with the translations beside it), and the
    problems of the others."""
    from .translations import is_translation_text, with_translations

    found: dict[str, Scenario] = {}
    problems: list[Diagnostic] = []
    for path in sorted(folder.glob("*.y*ml")):
        try:
            text = read_text(path)
            if is_campaign_text(text) or is_translation_text(text):
                continue
            sc = with_translations(parse_scenario(text, str(path)), path)
        except ScenarioError as e:
            problems.extend(e.diagnostics)
            continue
        found[sc.id] = sc
    return found, problems
