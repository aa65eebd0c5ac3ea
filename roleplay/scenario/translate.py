"""A scenario in another language: which texts a translation gives, lacks or gets wrong,
and the scenario with its texts swapped in (what a seat reading that language sees).

Pure functions of a `Scenario` (no YAML, no I/O): the loader reports `problems` with lines,
the engine's views call `localized`. A translation's paths are those of its YAML: ids for
the scenario's lists of roles, issues, options, phases, channels, actions and events,
positions for debrief questions and a variable's thresholds, the original name for an
action's target (`actions.<id>.targets.<target>`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .languages import LANGUAGES, SOURCE, choices
from .model import Scenario, ScenarioText

Path = tuple[str | int, ...]

#: the scenario's lists whose items a translation names by id
_BY_ID = ("roles", "issues", "phases", "channels", "actions", "events")
_SINGULAR = {"roles": "role", "issues": "issue", "phases": "phase", "channels": "channel",
             "actions": "action", "events": "event", "variables": "variable"}
_FIELDS = {
    "roles": ("name",), "issues": ("title", "description"), "phases": ("title", "instructions"),
    "channels": ("name", "description"), "actions": ("name", "description"),
    "events": ("title", "text"),
}


def dotted(path: Iterable[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def source_texts(sc: Scenario) -> dict[Path, tuple[Path, str]]:
    """Every non-empty text of the scenario a translation may give: its path in a
    translation -> (its path in the scenario's data, the English text)."""
    out: dict[Path, tuple[Path, str]] = {}

    def put(tpath: Path, spath: Path, text: str | None) -> None:
        if text:
            out[tpath] = (spath, text)

    for key in ("title", "summary", "background"):
        put((key,), (key,), getattr(sc, key))
    for i, r in enumerate(sc.roles):
        put(("roles", r.id, "name"), ("roles", i, "name"), r.name)
        for f in ("public", "confidential"):
            put(("roles", r.id, "briefing", f), ("roles", i, "briefing", f), getattr(r.briefing, f))
        if r.card is not None:
            for f in ("objective", "batna", "unknown"):
                put(("roles", r.id, "card", f), ("roles", i, "card", f), getattr(r.card, f))
    for i, issue in enumerate(sc.issues):
        for f in _FIELDS["issues"]:
            put(("issues", issue.id, f), ("issues", i, f), getattr(issue, f))
        for j, o in enumerate(issue.options):
            for f in ("label", "description"):
                put(("issues", issue.id, "options", o.id, f), ("issues", i, "options", j, f),
                    getattr(o, f))
    for kind in ("phases", "channels", "actions", "events"):
        for i, item in enumerate(getattr(sc, kind)):
            for f in _FIELDS[kind]:
                put((kind, item.id, f), (kind, i, f), getattr(item, f))
    for i, a in enumerate(sc.actions):  # a target stays what the page sends: only its label
        for k, target in enumerate(a.targets):  # changes (`Localized.targets`)
            put(("actions", a.id, "targets", target), ("actions", i, "targets", k), target)
    for name, v in sc.variables.items():
        for f in ("label", "description"):
            put(("variables", name, f), ("variables", name, f), getattr(v, f))
        for k, th in enumerate(v.thresholds):
            for f in ("title", "text"):
                put(("variables", name, "thresholds", k, f), ("variables", name, "thresholds", k, f),
                    getattr(th, f))
    for k, q in enumerate(sc.debrief.questions):
        put(("debrief", "questions", k), ("debrief", "questions", k), q)
    put(("history", "text"), ("history", "text"), sc.history.text)
    return out


def given_texts(texts: ScenarioText) -> dict[Path, str]:
    """The texts a translation gives, by path (an empty text counts as not given)."""
    out: dict[Path, str] = {}

    def walk(value: Any, path: Path) -> None:
        if isinstance(value, Mapping):
            for k, v in value.items():
                walk(v, (*path, k))
        elif isinstance(value, (list, tuple)):
            for k, v in enumerate(value):
                walk(v, (*path, k))
        elif isinstance(value, str) and value:
            out[path] = value

    walk(texts.model_dump(exclude_none=True), ())
    return out


def language_problem(code: object) -> str | None:
    """Why a code cannot name a translation, or None."""
    if code == SOURCE:
        return (f"'{SOURCE}' is the scenario's own language: its texts are the ones in the "
                "scenario, so there is nothing to translate into it")
    if not isinstance(code, str) or code not in LANGUAGES:
        return (f"'{code}' is not a language the game offers; translations are into "
                f"{choices().replace(SOURCE + ', ', '')}")
    return None


def _extra(sc: Scenario, path: Path) -> str:
    """Why a translated text has no original, in words."""
    head = path[0]
    if head in _BY_ID or head == "variables":
        ids = list(sc.variables) if head == "variables" else [x.id for x in getattr(sc, str(head))]
        if len(path) > 1 and path[1] not in ids:
            return (f"the scenario has no {_SINGULAR[str(head)]} '{path[1]}' (its "
                    f"{head}: {', '.join(ids) or 'none'}); check the id's spelling")
    if head == "issues" and len(path) > 3 and path[2] == "options":
        options = [o.id for o in sc.issue(str(path[1])).options]
        if path[3] not in options:
            return (f"issue '{path[1]}' has no option '{path[3]}' (its options: "
                    f"{', '.join(options)})")
    if head == "actions" and len(path) > 3 and path[2] == "targets":
        targets = list(sc.action(str(path[1])).targets)
        return (f"action '{path[1]}' has no target '{path[3]}' (its targets: "
                f"{', '.join(targets) or 'none'}); name the target as the scenario writes it")
    if head == "debrief" and isinstance(path[-1], int):
        n = len(sc.debrief.questions)
        return (f"the scenario has {n} debrief question{'s' if n != 1 else ''}, so there is no "
                f"question {path[-1] + 1} to translate")
    if head == "variables" and len(path) > 3 and path[2] == "thresholds":
        n = len(sc.variables[str(path[1])].thresholds)
        return (f"variable '{path[1]}' has {n} threshold{'s' if n != 1 else ''}, so there is "
                f"no threshold {int(path[3]) + 1} to translate")
    return ("the scenario has no text here, so there is nothing to translate (write the "
            "English in the scenario first, or remove this line)")


@dataclass(frozen=True)
class Gap:
    """Texts a translation lacks under one path (a whole role, or one field)."""

    path: Path
    texts: int


def problems(sc: Scenario, texts: ScenarioText) -> list[tuple[Path, str]]:
    """Translated texts that have no original (an unknown id, a 6th of 5 questions, a
    field the original leaves empty): each path with why."""
    source = source_texts(sc)
    cut = {_cut(sc, p): None for p in given_texts(texts) if p not in source}
    return [(p, _extra(sc, p)) for p in cut]


def _cut(sc: Scenario, path: Path) -> Path:
    """A text with no original, named by the key that is wrong: the unknown role, not each
    of its texts; the question too many, not its text."""
    head = path[0]
    if head in _BY_ID or head == "variables":
        ids = list(sc.variables) if head == "variables" else [x.id for x in getattr(sc, str(head))]
        if len(path) > 1 and path[1] not in ids:
            return path[:2]
    if head == "issues" and len(path) > 3 and path[2] == "options":
        return path[:4]
    if head == "debrief" and len(path) > 2:
        return path[:3]
    if head == "variables" and len(path) > 4 and path[2] == "thresholds":
        n = len(sc.variables[str(path[1])].thresholds)
        return path[:4] if int(path[3]) >= n else path
    return path


def gaps(sc: Scenario, texts: ScenarioText) -> list[Gap]:
    """The scenario's texts a translation lacks, grouped under the first key the
    translation does not have (`roles.lobbyist` when the whole role is missing)."""
    given = given_texts(texts)
    present = {p[:n] for p in given for n in range(1, len(p) + 1)}
    grouped: dict[Path, int] = {}
    for path in source_texts(sc):
        if path in given:
            continue
        n = next((n for n in range(1, len(path) + 1) if path[:n] not in present), len(path))
        grouped[path[:n]] = grouped.get(path[:n], 0) + 1
    return [Gap(p, n) for p, n in grouped.items()]


def gap_message(gap: Gap, language: str) -> str:
    name = LANGUAGES.get(language, language)
    what = f"{gap.texts} texts" if gap.texts > 1 else "the text"
    return (f"{dotted(gap.path)}: not translated into {name}; players reading {name} see "
            f"{what} in English here")


# -- the scenario as a seat reading `language` sees it --------------------------------------
@dataclass(frozen=True)
class Localized:
    scenario: Scenario  # texts in `language` where the translation has them
    language: str  # what the seat asked for
    available: bool  # the scenario has a translation into it (or it is the source)
    fallback: tuple[Path, ...]  # texts shown in English, as translation paths
    targets: Mapping[str, Mapping[str, str]]  # action id -> target -> its translated name
    #: `seen_fallback` by role, filled as seats ask (a cache, not part of the value)
    seen: dict[str | None, tuple[str, ...]] = field(default_factory=dict, compare=False,
                                                    repr=False)


def _set(data: Any, path: Path, value: str) -> None:
    for part in path[:-1]:
        data = data[part]
    data[path[-1]] = value


def localized(sc: Scenario, language: str) -> Localized:
    """The scenario with `language`'s texts swapped in (built once per scenario and language)."""
    cache: dict[str, Any] = sc.localized_cache
    found = cache.get(language)
    if isinstance(found, Localized):
        return found
    texts = sc.translations.get(language)
    source = source_texts(sc)
    if language == SOURCE or texts is None:
        out = Localized(sc, language, language == SOURCE,
                        () if language == SOURCE else tuple(source), {})
    else:
        given = given_texts(texts)
        data = sc.model_dump(mode="json")  # lists, not tuples: texts are set in place
        targets: dict[str, dict[str, str]] = {}
        for tpath, (spath, _) in source.items():
            if tpath not in given:
                continue
            if tpath[0] == "actions" and len(tpath) == 4 and tpath[2] == "targets":
                targets.setdefault(str(tpath[1]), {})[str(tpath[3])] = given[tpath]
            else:
                _set(data, spath, given[tpath])
        data["translations"] = {}
        out = Localized(Scenario.model_validate(data), language, True,
                        tuple(p for p in source if p not in given), targets)
    cache[language] = out
    return out


def seen_fallback(loc: Localized, role: str | None) -> list[str]:
    """The fallback texts one seat sees (not another role's briefing or card), dotted
    (built once per role)."""
    found = loc.seen.get(role)
    if found is None:
        def mine(path: Path) -> bool:
            return not (path[0] == "roles" and len(path) > 2 and path[2] in ("briefing", "card")
                        and path[1] != role and path[-1] != "public")
        found = loc.seen[role] = tuple(dotted(p) for p in loc.fallback if mine(p))
    return list(found)


def languages_of(sc: Scenario) -> list[str]:
    """The languages a seat can read this scenario in: the source and its translations."""
    return [SOURCE, *sorted(sc.translations)]

