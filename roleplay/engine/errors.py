"""Rule errors: a command that the rules refuse, with a sentence saying why."""

from __future__ import annotations

from ..errors import RoleplayError


class RuleError(RoleplayError):
    """A command the rules refuse. `code` is stable for clients; the message is for people.

    Codes: bad_request (malformed input), forbidden (not this actor's to do),
    wrong_phase (not now), conflict (already done), not_found.
    """

    def __init__(self, message: str, code: str = "forbidden"):
        super().__init__(message)
        self.message = message
        self.code = code
