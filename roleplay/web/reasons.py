"""Refusals and errors as the pages get them: `{"msg", "args"}` for the page's catalog
(`t(msg, args)`), and `message`, the text, for logs, tests and old clients.

The one place the web edge turns a msgid into text: in a request (a page, an API call,
a socket event) through Flask-Babel's catalogs in the request's language, elsewhere the
English msgid with its placeholders filled.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import has_request_context
from flask_babel import gettext

from ..engine.errors import N_, RuleError, render

__all__ = ["N_", "payload", "refusal"]


def text(msgid: str, params: Mapping[str, Any] | None = None) -> str:
    """A msgid as text for the reader."""
    if not has_request_context():
        return render(msgid, params)
    return str(gettext(msgid, **dict(params or {}))) if params else str(gettext(msgid))


def payload(msgid: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A message as the pages get it: the msgid, its arguments and the text."""
    return {"msg": msgid, "args": dict(params or {}), "message": text(msgid, params)}


def refusal(e: RuleError) -> dict[str, Any]:
    """A rule's refusal as the pages get it, with its stable code."""
    return {"code": e.code, **payload(e.reason.msg, e.reason.args)}
