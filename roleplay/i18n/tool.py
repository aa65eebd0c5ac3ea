"""`roleplay i18n extract|update|check`: the message catalogs from the source.

- extract: every marked string of the Python code, the Jinja templates (`templates/`,
  `roleplay/report/templates/`) and the pages' scripts (`roleplay/web/static/**/*.js`,
  not vendor/) into `roleplay/translations/messages.pot`.
- update: extract, then merge the template into each language's .po (new msgids come in
  untranslated, removed ones leave the file), creating a missing .po.
- check: extract in memory and fail, naming each entry per language, when a msgid is
  missing from a .po, untranslated, fuzzy, or obsolete (kept in the .po, gone from the code).

Markers: Python `_`, `gettext`, `ngettext`, `lazy_gettext`, `N_`, `say`, `say_plural`
(roleplay/i18n/messages.py); Jinja `_`, `gettext`,
`ngettext` and `{% trans %}`; JavaScript `t`, `ngettext` and `N_`.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po

from . import DEFAULT_LOCALE, DOMAIN, LOCALES, TRANSLATIONS_DIR, po_path
from .catalogs import read_catalog

PACKAGE = Path(__file__).resolve().parent.parent
ROOT = PACKAGE.parent
POT = TRANSLATIONS_DIR / f"{DOMAIN}.pot"

PY_KEYWORDS: dict[str, Any] = {"_": None, "gettext": None, "ngettext": (1, 2),
                               "lazy_gettext": None, "N_": None,
                               "say": None, "say_plural": (1, 2)}
JS_KEYWORDS: dict[str, Any] = {"t": None, "ngettext": (1, 2), "N_": None}
JINJA_OPTIONS = {"extensions": "jinja2.ext.do", "trimmed": "true"}


def sources(root: Path = ROOT) -> list[tuple[Path, str]]:
    """(file, method) for every file extraction reads, in a stable order."""
    pkg = root / "roleplay"
    out: list[tuple[Path, str]] = []
    out += [(p, "python") for p in sorted(pkg.rglob("*.py")) if "_data" not in p.parts]
    out += [(p, "jinja2") for p in sorted((root / "templates").glob("*.html"))]
    out += [(p, "jinja2") for p in sorted((pkg / "report" / "templates").glob("*.j2"))]
    static = pkg / "web" / "static"
    out += [(p, "javascript") for p in sorted(static.rglob("*.js"))
            if "vendor" not in p.relative_to(static).parts]
    return out


def extract(root: Path = ROOT) -> Catalog:
    catalog = Catalog(domain=DOMAIN, project="roleplay", version="1", charset="utf-8",
                      msgid_bugs_address="", copyright_holder="", fuzzy=False,
                      creation_date=datetime(2026, 1, 1))
    for path, method in sources(root):
        if method == "python":
            fn: Any = "python"
            keywords, options = PY_KEYWORDS, {}
        elif method == "jinja2":
            fn = "jinja2.ext:babel_extract"
            keywords, options = {"_": None, "gettext": None, "ngettext": (1, 2)}, JINJA_OPTIONS
        else:
            fn = "javascript"
            keywords, options = JS_KEYWORDS, {"parse_template_string": "true"}
        rel = path.relative_to(root).as_posix()
        for lineno, message, comments, context in extract_from_file(
                fn, str(path), keywords=keywords, comment_tags=("i18n:",), options=options,
                strip_comment_tags=True):
            catalog.add(message, None, [(rel, lineno)], auto_comments=comments, context=context)
    return catalog


def _write(catalog: Catalog, path: Path, **kw: Any) -> None:
    buf = io.BytesIO()
    write_po(buf, catalog, width=100, sort_output=False, omit_header=False, **kw)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue())


def update(root: Path = ROOT) -> list[str]:
    template = extract(root)
    _write(template, POT, include_lineno=False)
    said = [f"{POT.relative_to(root)}: {len(template)} messages"]
    for locale in LOCALES:
        if locale == DEFAULT_LOCALE:
            continue
        path = po_path(locale)
        if path.exists():
            catalog = read_catalog(locale)
        else:
            catalog = Catalog(locale=locale, domain=DOMAIN, project="roleplay", version="1",
                              fuzzy=False, creation_date=datetime(2026, 1, 1))
        catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
        # a msgid gone from the code leaves the file (git keeps its translation); `check`
        # fails on one left by hand
        said.append(f"{path.relative_to(root)}: {len(catalog)} messages, "
                    f"{len(catalog.obsolete)} obsolete removed")
        _write(catalog, path, include_lineno=False, ignore_obsolete=True)
    return said


@dataclass
class Problems:
    locale: str
    missing: list[str] = field(default_factory=list)
    untranslated: list[str] = field(default_factory=list)
    fuzzy: list[str] = field(default_factory=list)
    obsolete: list[str] = field(default_factory=list)
    placeholders: list[str] = field(default_factory=list)

    def lines(self) -> Iterable[str]:
        for kind in ("missing", "untranslated", "fuzzy", "obsolete", "placeholders"):
            for msgid in getattr(self, kind):
                yield f"{self.locale}: {kind}: {msgid!r}"

    def __bool__(self) -> bool:
        return any(True for _ in self.lines())


def _key(mid: Any) -> str:
    return str(mid[0] if isinstance(mid, tuple | list) else mid)


def _placeholders(text: str) -> set[str]:
    import re

    return set(re.findall(r"%\((\w+)\)[sdif]|%[sd]", text))


def check(root: Path = ROOT) -> list[Problems]:
    template = extract(root)
    wanted = {_key(m.id): m for m in template if m.id}
    out: list[Problems] = []
    for locale in LOCALES:
        if locale == DEFAULT_LOCALE:
            continue
        p = Problems(locale)
        path = po_path(locale)
        if not path.exists():
            p.missing = sorted(wanted)
            out.append(p)
            continue
        with path.open("rb") as f:
            catalog = read_po(f, locale=locale)
        have = {_key(m.id): m for m in catalog if m.id}
        for key, m in wanted.items():
            got = have.get(key)
            if got is None or type(got.id) is not type(m.id):
                p.missing.append(key)
                continue
            forms = list(got.string) if isinstance(got.string, tuple | list) else [got.string]
            if not all(forms):
                p.untranslated.append(key)
            elif got.fuzzy:
                p.fuzzy.append(key)
            else:
                source = set().union(*(_placeholders(str(s)) for s in (
                    m.id if isinstance(m.id, tuple | list) else [m.id])))
                for form in forms:
                    # a plural form may drop %(num)d ("один" in Russian), nothing else
                    if _placeholders(str(form)) - source or (source - {"num"}) - _placeholders(
                            str(form)):
                        p.placeholders.append(key)
                        break
        p.obsolete = sorted({_key(m.id) for m in catalog.obsolete.values()}
                            | (set(have) - set(wanted)))
        out.append(p)
    return out


def main(action: str) -> int:
    if action == "extract":
        template = extract()
        _write(template, POT, include_lineno=False)
        print(f"{POT.relative_to(ROOT)}: {len(template)} messages")
        return 0
    if action == "update":
        for line in update():
            print(line)
        return 0
    problems = check()
    total = len([m for m in extract() if m.id])
    bad = 0
    for p in problems:
        lines = list(p.lines())
        bad += len(lines)
        for line in lines:
            print(line, file=sys.stderr)
        done = total - len(p.missing) - len(p.untranslated) - len(p.fuzzy)
        print(f"{p.locale}: {done} of {total} messages translated, {len(p.obsolete)} obsolete, "
              f"{len(p.placeholders)} with wrong placeholders")
    return 1 if bad else 0
