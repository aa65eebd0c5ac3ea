"""The report's language: the page's inside the app (Flask-Babel's locale), or the one an
export chose (`roleplay export --format html --language ru`), English otherwise.

The captions, titles, axis labels and table headings built in Python go through `_`
here, the templates through the same translations, so a figure and the page around it
never speak two languages. Scenario text is not translated here: it is what the scenario says.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from ..i18n import DEFAULT_LOCALE, catalogs, normalise_locale

_chosen: ContextVar[str | None] = ContextVar("report_language", default=None)


@contextmanager
def rendered_in(locale: str) -> Iterator[None]:
    """Render the report in `locale` (no request needed), whatever the page's language."""
    token = _chosen.set(normalise_locale(locale) or DEFAULT_LOCALE)
    try:
        yield
    finally:
        _chosen.reset(token)


def translations() -> Any:
    chosen = _chosen.get()
    if chosen is not None:
        return catalogs.translations(chosen)
    from flask_babel import get_translations

    return get_translations()


def lang() -> str:
    chosen = _chosen.get()
    if chosen is not None:
        return chosen
    from flask_babel import get_locale

    locale = get_locale()
    return locale.language if locale is not None else DEFAULT_LOCALE


def _(msgid: str, **args: Any) -> str:
    """A caption in the report's language; `args` fill its %(name)s placeholders."""
    text: str = translations().ugettext(msgid)
    return text % args if args else text


def ngettext(singular: str, plural: str, n: int, **args: Any) -> str:
    text: str = translations().ungettext(singular, plural, n)
    return text % {"n": n, **args}


def said(text: Any) -> str:
    """A catalog text (roleplay/i18n/messages.py: `say`, `say_plural`, joins) in the report's
    language, part by part: the engine's deadlock reasons read as the student saw them."""
    if isinstance(text, Mapping):
        if "join" in text:
            return str(text["join"]).join(said(x) for x in text["items"])
        args = {k: said(v) for k, v in dict(text.get("args") or {}).items()}
        if "plural" in text:
            n = text.get("n") or 0
            source: str = translations().ungettext(str(text["msg"]), str(text["plural"]), n)
        else:
            source = translations().ugettext(str(text["msg"]))
        return source % args if args else source
    return str(text)
