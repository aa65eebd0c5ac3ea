"""Plain words for the measures a debrief question may name ("Look at your T and PD scores").

Students' phones show points and table types, not the report's measures; a question that
names one gets its definition beside it, on the slides and in the debrief report.
"""

from __future__ import annotations

import re

from ..i18n import N_

#: The measures a debrief question may name, in words a student's phone never showed
#: (catalog msgids: the report's template says them in the reader's language)
GLOSSARY = (
    (r"\bT\b|\btailoring\b", N_("T (tailoring): how far the deal moved from the EU's standard template, "
     "0 to 1.")),
    (r"\bPD\b|\bpartnership differentiation\b", N_("PD (partnership differentiation): how much the deal "
     "was common ground, written together, with equal input, 0 to 1.")),
    (r"\bBATNA", N_("BATNA: what a side gets if there is no agreement.")),
    (r"\bNash\b", N_("Nash package: the deal that multiplies both sides' gains over their BATNAs the most.")),
    (r"\bDP\b|\bdefensive power\b", N_("DP (defensive power): how little a side gave way where the other "
     "cared.")),
    (r"\bOP\b|\boffensive power\b", N_("OP (offensive power): how far a side moved the other where it "
     "cared itself.")),
)


def question_glossary(question: str) -> list[str]:
    """Plain-word definitions of the measures a question names ("Look at your T and PD scores")."""
    return [words for pattern, words in GLOSSARY if re.search(pattern, question)]
