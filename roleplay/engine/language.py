"""A game's scenario text in one reader's language: a function of the state and the code.

`in_language` gives the state with every step's scenario in that language (texts a
translation lacks stay English), so the views read it as they read the original; ids,
points and rules are the same objects' data. `translation_info` says what the seat sees
in English (the page shows a notice: "not translated, shown in English"), and `log_texts`
maps the English texts that events carry (titles, news text, action names) to that
language, since an event in the log is the same for every reader.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..i18n import N_
from ..scenario.languages import SOURCE
from ..scenario.model import Scenario
from ..scenario.translate import Localized, localized, seen_fallback
from .state import GameState

NOT_TRANSLATED = N_("This scenario is not translated into your language: it is shown in English.")
PARTLY = N_("Parts of this scenario are not translated into your language: they are shown in "
            "English.")


def in_language(state: GameState, language: str) -> GameState:
    """The state with its scenarios' texts in `language` (the same state for English)."""
    if language == SOURCE:
        return state
    scenarios = tuple(localized(sc, language).scenario for sc in state.setup.scenarios)
    return replace(state, setup=replace(state.setup, scenarios=scenarios))


def translation_info(state: GameState, language: str, role: str | None) -> dict[str, Any]:
    """What a seat reading `language` gets of the current scenario: whether it has a
    translation, the texts shown in English (translation paths, e.g.
    'roles.eu.briefing.confidential'), and the notice for the page ({msg, args} and the
    English `message`), or None when nothing falls back."""
    loc = localized(state.scenario, language)
    fallback = seen_fallback(loc, role)
    msg = None if not fallback else (PARTLY if loc.available else NOT_TRANSLATED)
    return {
        "language": language,
        "available": loc.available,
        "fallback": fallback,
        "notice": None if msg is None else {"msg": msg, "args": {}, "message": msg},
    }


def log_texts(state: GameState, language: str) -> dict[str, str]:
    """English text -> its translation, for what events carry: phase, event, threshold
    and step titles, news text, action names (empty for English or no translation)."""
    if language == SOURCE:
        return {}
    out: dict[str, str] = {}
    for sc in state.setup.scenarios:
        out.update(_scenario_log_texts(sc, language))
    return out


def _scenario_log_texts(sc: Scenario, language: str) -> dict[str, str]:
    """One scenario's `log_texts`, built once (kept beside its localized copy)."""
    cache: dict[str, Any] = sc.localized_cache
    key = "log_texts:" + language
    if key not in cache:
        loc: Localized = localized(sc, language)
        pairs: list[tuple[str, str]] = []
        if loc.available:
            tr = loc.scenario
            pairs = [(sc.title, tr.title)]
            pairs += [(a.title, b.title) for a, b in zip(sc.phases, tr.phases, strict=True)]
            pairs += [(a.name, b.name) for a, b in zip(sc.actions, tr.actions, strict=True)]
            for a, b in zip(sc.events, tr.events, strict=True):
                pairs += [(a.title, b.title), (a.text, b.text)]
            for name, v in sc.variables.items():
                for x, y in zip(v.thresholds, tr.variables[name].thresholds, strict=True):
                    pairs += [(x.title, y.title), (x.text, y.text)]
        cache[key] = {a: b for a, b in pairs if a and a != b}
    return dict(cache[key])


def target_labels(state: GameState, language: str, action: str) -> dict[str, str]:
    """An action's targets (what the page sends back) -> their names in `language`."""
    return dict(localized(state.scenario, language).targets.get(action, {}))
