"""Which scenario or campaign a reference names: the one rule, for the command line and
the instructor's library.

A library reference is `builtin:<scenario id>`, `campaign:<file stem>` or
`upload:<number>` (a scenario an instructor uploaded; the caller says how to read one,
so this module needs no database). The command line may also name a file, or a built-in
by its file stem or scenario id; the web never reads a path it was sent (`files=False`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..errors import RoleplayError
from ..paths import scenarios_dir
from .loader import (
    CampaignBundle,
    ScenarioError,
    is_campaign_text,
    load_campaign,
    load_library,
    parse_scenario,
    read_text,
)
from .model import Scenario
from .translations import is_translation_text, scenario_of, with_translations

#: An uploaded scenario's (YAML text, file name) by its number, or None when there is none.
UploadReader = Callable[[int], tuple[str, str] | None]


class ScenarioNotFound(RoleplayError):
    """No scenario or campaign goes by that reference."""


def campaign_files(folder: Path) -> list[Path]:
    """The campaign files among a folder's YAML files (a file that does not parse is left out)."""
    out = []
    for path in sorted(folder.glob("*.y*ml")):
        try:
            if is_campaign_text(read_text(path)):
                out.append(path)
        except ScenarioError:
            continue
    return out


def resolve_source(ref: str, *, uploaded: UploadReader | None = None, files: bool = True,
                   folder: Path | None = None) -> Scenario | CampaignBundle:
    """The scenario or campaign `ref` names, or ScenarioNotFound (ScenarioError when the
    file it names does not load)."""
    folder = folder or scenarios_dir()
    kind, _, key = ref.partition(":")
    if kind == "builtin":
        library, _ = load_library(folder)
        if key in library:
            return library[key]
    elif kind == "campaign":
        for path in campaign_files(folder):
            if path.stem == key:
                return load_campaign(path)
    elif kind == "upload" and key.isdigit() and uploaded is not None:
        found = uploaded(int(key))
        if found is not None:
            return parse_scenario(*found)
    elif files:
        return _file_or_builtin(ref, folder)
    raise ScenarioNotFound("No such scenario in the library.")


def _file_or_builtin(ref: str, folder: Path) -> Scenario | CampaignBundle:
    path = Path(ref)
    if not path.exists():
        builtins = sorted(folder.glob("*.y*ml"))
        named = [p for p in builtins if p.stem == ref]
        if not named:
            library, _ = load_library(folder)
            if ref in library:
                return library[ref]
            raise ScenarioNotFound(f"No file or built-in scenario '{ref}'. "
                                   f"Built-in: {', '.join(p.stem for p in builtins)}")
        path = named[0]
    text = read_text(path)
    if is_campaign_text(text):
        return load_campaign(path)
    if is_translation_text(text):  # a translation names its scenario: play that one
        path = scenario_of(path)
        return with_translations(parse_scenario(read_text(path), str(path)), path)
    return with_translations(parse_scenario(text, str(path)), path)
