"""How a table ended, in words a student reads: the engine's deadlock codes explained."""

from __future__ import annotations

from ..i18n import N_
from ..i18n.messages import Text, english, say
from ..scenario.model import Scenario

_REASONS = {
    "no_signature": N_("the time ran out before both sides signed"),
    "below_batna": N_("the signed package was worse for a side than having no deal"),
    "ended": N_("the instructor ended the game before the sides agreed"),
}


def _role_name(sc: Scenario, role: str) -> str:
    for r in sc.roles:
        if r.id == role:
            name = r.name
            cut = name.find(" (")
            return name[:cut] if cut > 0 else name
    return role


def deadlock_message(sc: Scenario, reason: str | None) -> Text | None:
    """Why a table ended without a deal, as a catalog text; None for no reason."""
    if not reason:
        return None
    if reason.startswith("refused:"):
        return say("the %(role)s refused to sign", role=_role_name(sc, reason.split(":", 1)[1]))
    return say(_REASONS.get(reason) or N_("the talks ended without an agreement"))


def deadlock_text(sc: Scenario, reason: str | None) -> str | None:
    """'the Government of Azerbaijan refused to sign' for 'refused:government'; None for no reason."""
    message = deadlock_message(sc, reason)
    return None if message is None else english(message)
