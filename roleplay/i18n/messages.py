"""Texts built of catalog messages, for a page to say in its reader's language.

A text is `say(msgid, **args)`: `{"msg": msgid, "args": {...}}` (`say_plural` adds
`"plural"` and `"n"` for a count), and an argument may itself be a text, or
`{"join": sep, "items": [...]}`, so a line made of parts (an action's effects, the roles
that must sign) is translated part by part. The page's `tm()` (static/i18n.js) renders
one; `english()` gives the source text for logs, tests and old clients. Plain strings
(scenario text, numbers) pass through.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from . import N_

Text = Any  # a str, a message dict or a join dict


def say(msgid: str, **args: Any) -> dict[str, Any]:
    return {"msg": msgid, "args": args}


def say_plural(singular: str, plural_: str, n: float, **args: Any) -> dict[str, Any]:
    """A count's message: the plural form the reader's language takes for `n`."""
    return {"msg": singular, "plural": plural_, "n": n, "args": {"n": f"{n:g}", **args}}


def joined(sep: str, items: Sequence[Text]) -> dict[str, Any]:
    return {"join": sep, "items": list(items)}


def _listed(msgid: str, items: Sequence[Text]) -> Text:
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return say(msgid, first=_listed(msgid, items[:-1]), last=items[-1])


def and_list(items: Sequence[Text]) -> Text:
    """'A and B and C' in the reader's language."""
    return _listed(N_("%(first)s and %(last)s"), items)


def or_list(items: Sequence[Text]) -> Text:
    return _listed(N_("%(first)s or %(last)s"), items)


def english(text: Text) -> str:
    """The text in the source language."""
    if isinstance(text, Mapping):
        if "join" in text:
            return str(text["join"]).join(english(x) for x in text["items"])
        args = {k: english(v) for k, v in dict(text.get("args") or {}).items()}
        source = str(text["plural"]) if "plural" in text and text.get("n") != 1 else str(text["msg"])
        return source % args if args else source
    return str(text)
