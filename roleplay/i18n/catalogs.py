"""Reading the .po catalogs: gettext translations for Python and Jinja, and the catalog
the pages' JavaScript loads (`/i18n/<lang>.json`).

The .po files are parsed and compiled in memory (Babel's read_po and write_mo) the first
time a language is used, and again when the file changes, so an edited translation shows
after a reload and no .mo file ever goes stale.
"""

from __future__ import annotations

import gettext
import io
import threading
from dataclasses import dataclass
from typing import Any

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from . import DEFAULT_LOCALE, LOCALES, po_path

#: CLDR plural categories, as Intl.PluralRules names them in the browser
PLURAL_CATEGORIES = ("zero", "one", "two", "few", "many", "other")


@dataclass(frozen=True)
class Loaded:
    catalog: Catalog
    translations: Translations
    mtime_ns: int


_lock = threading.Lock()
_cache: dict[str, Loaded] = {}


def read_catalog(locale: str) -> Catalog:
    with po_path(locale).open("rb") as f:
        return read_po(f, locale=locale)


def _compile(catalog: Catalog) -> Translations:
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return Translations(buf)


def load(locale: str) -> Loaded | None:
    """The catalog of a language, compiled; None for the source language."""
    if locale not in LOCALES or locale == DEFAULT_LOCALE:
        return None
    path = po_path(locale)
    mtime = path.stat().st_mtime_ns
    with _lock:
        hit = _cache.get(locale)
        if hit is not None and hit.mtime_ns == mtime:
            return hit
        catalog = read_catalog(locale)
        loaded = Loaded(catalog, _compile(catalog), mtime)
        _cache[locale] = loaded
        return loaded


def translations(locale: str) -> NullTranslations:
    """Babel's translations (with the u-prefixed methods Flask-Babel calls); English, or a
    language without a catalog file, gets the identity."""
    loaded = load(locale) if po_path(locale).exists() or locale == DEFAULT_LOCALE else None
    return loaded.translations if loaded is not None else NullTranslations()


def gettext_plural_index(locale: str) -> Any:
    """The catalog's own plural rule (Plural-Forms from Babel), as a function n -> form."""
    loaded = load(locale)
    expr = loaded.catalog.plural_expr if loaded is not None else "(n != 1)"
    return gettext.c2py(expr)


def plural_map(locale: str) -> dict[str, int]:
    """Which .po plural form each CLDR category takes.

    The browser picks a category with Intl.PluralRules (no eval under the page's CSP);
    this maps it to the form index of the catalog's Plural-Forms rule. Derived by
    evaluating both rules on 0..1000, and it must be consistent: Russian gives
    one->0, few->1, many->2, Azerbaijani one->0, other->1."""
    rule = Locale.parse(locale).plural_form
    index = gettext_plural_index(locale)
    out: dict[str, int] = {}
    for n in range(1001):
        category, form = rule(n), int(index(n))
        if out.setdefault(category, form) != form:
            raise ValueError(f"{locale}: plural category {category} maps to two forms")
    out.setdefault("other", max(out.values(), default=0))
    return out


def js_catalog(locale: str) -> dict[str, Any]:
    """What `/i18n/<lang>.json` serves: the translated messages (a plural message as a
    list of its forms), the plural map and the locale for Intl's number/date formats."""
    messages: dict[str, str | list[str]] = {}
    loaded = load(locale)
    if loaded is not None:
        for m in loaded.catalog:
            if not m.id or m.fuzzy:
                continue
            if isinstance(m.id, tuple | list):
                forms = list(m.string) if isinstance(m.string, tuple | list) else [m.string]
                if all(forms):
                    messages[m.id[0]] = [str(f) for f in forms]
            elif m.string:
                messages[str(m.id)] = str(m.string)
    return {"locale": locale, "plural": plural_map(locale), "messages": messages}
