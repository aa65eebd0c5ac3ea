"""Rule errors and reasons: why the rules refuse something, as a catalog message.

A reason travels as `{"msg": <English msgid with %(name)s placeholders>, "args": {...}}`
so that the web edge (or the page) renders it in the reader's language; `message` is the
English text, kept beside it for logs, tests and old clients. The engine imports no
gettext: `N_` only marks a msgid for extraction (`pybabel extract -k N_`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import RoleplayError


def N_(msgid: str) -> str:
    """Mark `msgid` for the message catalog; the engine keeps it English (translated at
    the web edge)."""
    return msgid


def render(msgid: str, params: Mapping[str, Any] | None) -> str:
    """A msgid with its placeholders filled (no placeholders, no arguments: as it is)."""
    return msgid % dict(params) if params else msgid


@dataclass(frozen=True)
class Reason:
    """Why a rule says no: a stable `code`, a msgid and the values of its placeholders."""

    code: str
    msg: str
    args: Mapping[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return render(self.msg, self.args)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "msg": self.msg, "args": dict(self.args),
                "message": self.message}


class RuleError(RoleplayError):
    """A command the rules refuse. `code` is stable for clients; the message is for people.

    `message` is the msgid (`N_`-marked) and `params` fill its %(name)s placeholders; the
    English text is `.message`, the catalog form `.reason`.

    Codes: bad_request (malformed input), forbidden (not this actor's to do),
    wrong_phase (not now), conflict (already done), not_found.
    """

    def __init__(self, message: str, code: str = "forbidden", *,
                 params: Mapping[str, Any] | None = None):
        self.reason = Reason(code, message, dict(params or {}))
        super().__init__(self.reason.message)
        self.message = self.reason.message
        self.code = code

    @classmethod
    def of(cls, reason: Reason) -> RuleError:
        return cls(reason.msg, reason.code, params=reason.args)


def check(reason: Reason | None) -> None:
    """Raise the refusal a rule gave (None: the rule allows it)."""
    if reason is not None:
        raise RuleError.of(reason)
