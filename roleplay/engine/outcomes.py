"""How a table ended, in words a student reads: the engine's deadlock codes explained."""

from __future__ import annotations

from ..scenario.model import Scenario

_REASONS = {
    "no_signature": "the time ran out before both sides signed",
    "below_batna": "the signed package was worse for a side than having no deal",
    "ended": "the instructor ended the game before the sides agreed",
}


def _role_name(sc: Scenario, role: str) -> str:
    for r in sc.roles:
        if r.id == role:
            name = r.name
            cut = name.find(" (")
            return name[:cut] if cut > 0 else name
    return role


def deadlock_text(sc: Scenario, reason: str | None) -> str | None:
    """'The Government of Azerbaijan refused to sign' for 'refused:government'; None for no reason."""
    if not reason:
        return None
    if reason.startswith("refused:"):
        return f"the {_role_name(sc, reason.split(':', 1)[1])} refused to sign"
    return _REASONS.get(reason, "the talks ended without an agreement")
