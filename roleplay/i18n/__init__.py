"""The interface's languages and the message catalogs, without Flask.

`en` is the source language: every msgid is English. The catalogs are the gettext files
`roleplay/translations/<lang>/LC_MESSAGES/messages.po`; the app reads the .po files when
it starts (`catalogs.py`): there is no compiled .mo file to go stale or to forget.

A message that a page renders later (the server sends it as `{"msg": ..., "args": ...}`
and the page's `t()` translates it) is marked with `N_` where it is written, so that
extraction finds it: `N_` returns its argument unchanged.
"""

from __future__ import annotations

from pathlib import Path

#: the interface's languages, the source first
LOCALES: tuple[str, ...] = ("en", "ru", "az")
DEFAULT_LOCALE = "en"
#: each language's name in itself, for the pickers
NATIVE_NAMES: dict[str, str] = {"en": "English", "ru": "Русский", "az": "Azərbaycanca"}
TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"
DOMAIN = "messages"


def N_(message: str) -> str:
    """Marks a message for extraction without translating it (the page does)."""
    return message


def normalise_locale(value: object) -> str | None:
    """'ru', 'RU', 'ru-RU', 'az_Latn_AZ' -> one of LOCALES, or None."""
    if not isinstance(value, str) or not value or len(value) > 35:
        return None
    lang = value.replace("_", "-").split("-", 1)[0].strip().lower()
    return lang if lang in LOCALES else None


def po_path(locale: str) -> Path:
    return TRANSLATIONS_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
