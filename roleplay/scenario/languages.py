"""The languages the game offers: the pages' locales and a scenario's translations.

English is the source: every scenario is written in it, and a text a translation lacks is
shown in English. A player's language is one of these codes (`players[pid].language`).
"""

from __future__ import annotations

SOURCE = "en"

#: code -> the language's name in English (for messages to authors)
LANGUAGES: dict[str, str] = {"en": "English", "ru": "Russian", "az": "Azerbaijani"}

#: the language's name in itself (for a picker or a notice)
NATIVE: dict[str, str] = {"en": "English", "ru": "Русский", "az": "Azərbaycanca"}


def known(code: object) -> bool:
    return isinstance(code, str) and code in LANGUAGES


def choices() -> str:
    """'en, ru or az', for an error message."""
    codes = list(LANGUAGES)
    return ", ".join(codes[:-1]) + " or " + codes[-1]
