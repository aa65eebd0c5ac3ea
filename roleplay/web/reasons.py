"""Refusals and errors as the pages get them: `{"msg", "args"}` for the page's catalog
(`t(msg, args)`), and `message`, the text, for logs, tests and old clients.

The one place the web edge turns a msgid into text: until the app has its message
catalogs, the text is the English msgid with its placeholders filled.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..engine.errors import N_, RuleError, render

__all__ = ["N_", "payload", "refusal"]


def text(msgid: str, params: Mapping[str, Any] | None = None) -> str:
    """A msgid as text for the reader."""
    return render(msgid, params)


def payload(msgid: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A message as the pages get it: the msgid, its arguments and the text."""
    return {"msg": msgid, "args": dict(params or {}), "message": text(msgid, params)}


def refusal(e: RuleError) -> dict[str, Any]:
    """A rule's refusal as the pages get it, with its stable code."""
    return {"code": e.code, **payload(e.reason.msg, e.reason.args)}
