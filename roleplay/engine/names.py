"""Player names: normalised so that nobody can hide, reverse or impersonate."""

from __future__ import annotations

import unicodedata

from .errors import N_, RuleError

MAX_NAME = 32

#: Names that would pass for staff on a projector, compared after folding.
RESERVED = {"instructor", "teacher", "admin", "administrator", "moderator", "system", "server"}

#: Latin look-alikes from other scripts that NFKC leaves alone.
_CONFUSABLES = str.maketrans(
    {
        "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "х": "x", "у": "y", "і": "i",
        "ѕ": "s", "ј": "j", "т": "t", "н": "h", "м": "m", "к": "k", "в": "b", "г": "r",
        "α": "a", "ο": "o", "ι": "i", "τ": "t", "ν": "v", "ε": "e", "ρ": "p", "κ": "k",
        "0": "o", "1": "i", "3": "e", "5": "s", "7": "t", "$": "s", "@": "a", "|": "i",
    }
)


def normalise_name(raw: object) -> str:
    """A display name: NFKC, no control or format characters, single spaces, at most 32.

    Raises RuleError for an empty name or one that looks like staff.
    """
    if not isinstance(raw, str):
        raise RuleError(N_("Your name must be text."), code="bad_request")
    text = unicodedata.normalize("NFKC", raw)
    kept: list[str] = []
    for ch in text:
        if ch.isspace():
            kept.append(" ")  # tabs and line breaks separate words like spaces
            continue
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            continue  # control, format (bidi overrides, zero-width), surrogates, unassigned
        if cat.startswith("M") and kept and unicodedata.category(kept[-1]).startswith("M"):
            continue  # no stacks of combining marks ("zalgo")
        kept.append(" " if cat == "Zs" else ch)
    name = " ".join("".join(kept).split())
    if len(name) > MAX_NAME:
        raise RuleError(N_("Please use a name of at most %(max)s characters."), code="bad_request",
                        params={"max": MAX_NAME})
    if not name:
        raise RuleError(N_("Please type a name."), code="bad_request")
    folded = "".join(c for c in name.casefold().translate(_CONFUSABLES) if c.isalnum())
    folded = "".join(
        c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c)
    )
    if any(folded.startswith(word) or folded.endswith(word) for word in RESERVED):
        raise RuleError(N_("That name is reserved; please use your own name."), code="bad_request")
    return name


#: Letters of other scripts that look like Latin ones (digits and signs are left alone:
#: "Team 1" and "Team i" are different names).
_LOOKALIKE_LETTERS = str.maketrans({
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "х": "x", "у": "y", "і": "i",
    "ѕ": "s", "ј": "j", "т": "t", "н": "h", "м": "m", "к": "k", "в": "b", "г": "r",
    "α": "a", "ο": "o", "ι": "i", "τ": "t", "ν": "v", "ε": "e", "ρ": "p", "κ": "k",
})


def name_key(name: str) -> str:
    """What makes two display names the same name in one game (docs/security.md, identity).

    Case, accents, look-alike letters of other scripts, punctuation and spacing do not
    count: "Tom", "tóm", "TOM." and "Тоm" (Cyrillic Т and о) are one name.
    """
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", name).casefold())
    letters = "".join(c for c in folded if not unicodedata.combining(c))
    letters = letters.translate(_LOOKALIKE_LETTERS)
    words = "".join(c if c.isalnum() else " " for c in letters).split()
    return " ".join(words)
