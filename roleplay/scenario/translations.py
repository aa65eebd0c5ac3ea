"""Translation files beside a scenario, and what `roleplay validate` says of a translation.

A scenario's texts in another language come inline (`translations: {ru: ...}` in the
scenario file) or from a file beside it named `<scenario file stem>.<code>.yaml` whose
top level says `language:` and `scenario:` (docs/authoring.md, "Translations"). Both are
checked against the scenario: a translated text whose original does not exist, or an
unknown language, is an error at its line; a text left untranslated is a gap (the seat
reading that language sees the English there), which `validate` lists but accepts.
"""

from __future__ import annotations

import glob
import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from .languages import LANGUAGES
from .loader import (
    Diagnostic,
    ScenarioError,
    _by_line,
    _Reader,
    _schema_diagnostics,
    read_text,
    read_yaml,
)
from .model import Scenario, ScenarioText, TranslationFile
from .translate import Gap, dotted, gap_message, gaps, language_problem, problems, source_texts


def is_translation_text(text: str) -> bool:
    """A translation file says `language:` at its top level (a scenario never does)."""
    return re.search(r"^language:", text, re.MULTILINE) is not None


def translation_files(scenario_path: Path) -> list[Path]:
    """The translation files beside a scenario file: `<stem>.<code>.yaml`."""
    pattern = f"{glob.escape(scenario_path.stem)}.*.y*ml"
    out = []
    for p in sorted(scenario_path.parent.glob(pattern)):
        try:
            if is_translation_text(read_text(p)):
                out.append(p)
        except ScenarioError:
            out.append(p)  # reported when it is parsed
    return out


def scenario_of(translation_path: Path) -> Path:
    """The scenario file a translation file belongs to, by its name."""
    stem = translation_path.stem.rsplit(".", 1)[0]
    return translation_path.with_name(stem + translation_path.suffix)


def inline_problems(sc: Scenario, reader: _Reader) -> list[Diagnostic]:
    """Errors of the translations written in the scenario file itself."""
    out = []
    for code, texts in sc.translations.items():
        why = language_problem(code)
        if why is not None:
            out.append(Diagnostic(reader.name, *reader.where(("translations", code)),
                                  f"translations.{code}: {why}"))
            continue
        for path, message in problems(sc, texts):
            full = ("translations", code, *path)
            out.append(Diagnostic(reader.name, *reader.where(full), f"{dotted(full)}: {message}"))
    return out


@dataclass(frozen=True)
class Parsed:
    language: str
    texts: ScenarioText
    reader: _Reader


def parse_translation(text: str, name: str, sc: Scenario) -> Parsed:
    """A translation file checked against its scenario, or ScenarioError with every problem."""
    data, reader = read_yaml(text, name)
    try:
        tf = TranslationFile.model_validate(data)
    except ValidationError as e:
        raise ScenarioError(_by_line(_schema_diagnostics(e, TranslationFile, data, reader)[0])) from e
    diags = []

    def at(path: tuple[str | int, ...], message: str) -> None:
        diags.append(Diagnostic(name, *reader.where(path), f"{dotted(path)}: {message}"))

    why = language_problem(tf.language)
    named = Path(name).stem.rsplit(".", 1)[-1] if "." in Path(name).stem else None
    if why is not None:
        at(("language",), why)
    elif named is not None and named != tf.language:
        at(("language",), f"this file's name says '{named}' but its language is "
                          f"'{tf.language}'; name the file {scenario_of(Path(name)).stem}."
                          f"{tf.language}{Path(name).suffix}, or correct the language")
    if tf.scenario != sc.id:
        at(("scenario",), f"this translates '{tf.scenario}', but the scenario beside it is "
                          f"'{sc.id}'; a translation file is named after its scenario's file")
    texts = ScenarioText.model_validate(tf.model_dump(exclude={"language", "scenario", "version"}))
    for path, message in problems(sc, texts):
        at(path, message)
    if diags:
        raise ScenarioError(_by_line(diags))
    return Parsed(tf.language, texts, reader)


def _read_files(sc: Scenario, scenario_path: Path) -> list[Parsed]:
    out: list[Parsed] = []
    diags: list[Diagnostic] = []
    for path in translation_files(scenario_path):
        try:
            parsed = parse_translation(read_text(path), str(path), sc)
        except ScenarioError as e:
            diags.extend(e.diagnostics)
            continue
        if parsed.language in sc.translations or any(p.language == parsed.language for p in out):
            line, col = parsed.reader.where(("language",))
            also = "inline in the scenario" if parsed.language in sc.translations else \
                "in another file"
            diags.append(Diagnostic(str(path), line, col,
                                    f"language: {LANGUAGES[parsed.language]} is translated twice "
                                    f"for '{sc.id}' (also {also}); keep one"))
            continue
        out.append(parsed)
    if diags:
        raise ScenarioError(diags)
    return out


def with_translations(sc: Scenario, scenario_path: Path) -> Scenario:
    """The scenario with the translation files beside it added to its `translations`."""
    files = _read_files(sc, scenario_path)
    if not files:
        return sc
    data = sc.model_dump()
    for p in files:
        data["translations"][p.language] = p.texts.model_dump(exclude_none=True)
    return Scenario.model_validate(data)


def report(sc: Scenario, scenario_path: Path, scenario_reader: _Reader | None = None
           ) -> list[tuple[str, list[Diagnostic]]]:
    """For `roleplay validate`: per translation (inline and files) a summary line and its
    gaps at their lines. Raises ScenarioError for a translation's errors."""
    files = _read_files(sc, scenario_path)
    total = len(source_texts(sc))
    out = []
    sources: list[tuple[str, ScenarioText, str, _Reader | None, tuple[str, ...]]] = [
        (code, texts, str(scenario_path), scenario_reader, ("translations", code))
        for code, texts in sc.translations.items()]
    sources += [(p.language, p.texts, p.reader.name, p.reader, ()) for p in files]
    for code, texts, where, reader, prefix in sources:
        found = gaps(sc, texts)
        missing = sum(g.texts for g in found)
        name = LANGUAGES[code]
        state = "complete" if not missing else f"{missing} shown in English"
        summary = (f"{where}: ok: {name} translation of '{sc.id}', {total - missing} of "
                   f"{total} texts ({state})")
        lines = [Diagnostic(where, *(reader.where((*prefix, *g.path)) if reader else (1, 1)),
                            gap_message(Gap((*prefix, *g.path), g.texts), code)) for g in found]
        out.append((summary, lines))
    return out
