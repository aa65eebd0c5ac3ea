"""The languages the game offers: the pages' locales and a scenario's translations.

English is the source: every scenario is written in it, and a text a translation lacks is
shown in English. A player's language is one of these codes (`players[pid].language`).
"""

from __future__ import annotations

from ..i18n import DEFAULT_LOCALE, LOCALES

SOURCE = DEFAULT_LOCALE

_ENGLISH_NAMES = {"en": "English", "ru": "Russian", "az": "Azerbaijani"}
#: code -> the language's name in English (for messages to authors); the codes are the
#: interface's (`roleplay.i18n.LOCALES`)
LANGUAGES: dict[str, str] = {code: _ENGLISH_NAMES.get(code, code) for code in LOCALES}


def known(code: object) -> bool:
    return isinstance(code, str) and code in LANGUAGES


def choices() -> str:
    """'en, ru or az', for an error message."""
    codes = list(LANGUAGES)
    return ", ".join(codes[:-1]) + " or " + codes[-1]
