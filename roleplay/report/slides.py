"""The debrief as slides for the projector: one figure per screen, in plain words.

Built from the report's own view (`report_view`), so the slides show the same
figures and numbers as the debrief page and the HTML export. Each slide has a
title a class can read from the back of the room ("How far each table moved from
the EU template") and the jargon behind a "what this measures" line.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..i18n import N_
from .figures import DataTable, Figure, type_bars
from .glossary import question_glossary
from .language import _
from .model import ReportView, StepView

MAP_MEASURES = N_(
    "Across: tailoring T, Brussels' sense of differentiation: how far the deal departs from the EU's "
    "standard text, weighted by what the EU cares about (0 = the template, 1 = nothing of it left). "
    "Up: partnership differentiation PD, Baku's sense: issues settled well for both, text written "
    "together, and equal input from both sides. Dot size: the joint gains over both BATNAs."
)
SPACE_MEASURES = N_(
    "Each grey dot is a package: EU points across, government points up. The solid lines are the "
    "BATNAs at the start (what each side gets with no deal), the dashed ones after events; the "
    "shaded zone beats both. The outer edge is the "
    "Pareto frontier (no package is better for both); the diamond is the Nash bargaining solution, "
    "the hollow square the Kalai–Smorodinsky one. Lines trace each table's offers to its deal."
)
POWER_MEASURES = N_(
    "Across: defensive power DP, how little a side gave way on the issues the other side cared "
    "about most. Up: offensive power OP, how far it moved the other side on the issues it cared "
    "about itself. Both run from 0 to 1, from the two opening packages to the deal."
)
GUESS_MEASURES = N_(
    "A BATNA is what a side gets if there is no agreement. In the briefing each side estimated the "
    "other's; each mark is one guess against the real figure. Below the diagonal, the guesser "
    "thought the other side needed the deal more than it did."
)
TYPE_MEASURES = N_(
    "Each agreement is typed by its two differentiation scores: tailoring T (split at 0.25) and "
    "partnership differentiation PD (split at 0.5). A deadlock means nobody signed and every role "
    "got its BATNA."
)


@dataclass(frozen=True)
class Slide:
    id: str  # the page anchor, "slide-3"
    kicker: str  # which scenario
    title: str  # in plain words
    measures: str  # what the figure measures, with the jargon
    figure: Figure | None = None
    stats: tuple[tuple[str, str], ...] = ()  # big numbers: (label, value)
    table: DataTable | None = None
    text: str = ""
    kind: str = "figure"  # figure | stats | table | question
    label: str = N_("What this measures:")  # the msgid of the `measures` line's name


@dataclass(frozen=True)
class Deck:
    title: str
    code: str
    slides: tuple[Slide, ...]


def _stat(step: StepView, label: str) -> str:
    """A summary figure by its msgid (the summary's labels are in the report's language)."""
    return next((v for k, v in step.summary if k == _(label)), "–")


def _step_slides(step: StepView, kicker: str) -> list[Slide]:
    """The slides of one scenario, without ids (the deck numbers them)."""
    out: list[Slide] = []
    if step.note:
        out.append(Slide("", kicker, _("%(scenario)s: nothing to show", scenario=step.title), "",
                         text=step.note, kind="stats"))
        return out
    out.append(
        Slide(
            "",
            kicker,
            _("What the class did"),
            _("Every table negotiated the same scenario; a deadlock means nobody signed."),
            stats=(
                (_("Tables"), _stat(step, "Tables")),
                (_("Agreements"), _stat(step, "Agreements")),
                (_("Deadlocks"), _stat(step, "Deadlocks")),
            ),
            kind="stats",
        )
    )
    out.append(
        Slide("", kicker, _("What kind of deal each table made"), _(TYPE_MEASURES),
              figure=type_bars(f"slide-s{step.index}-types", step.types))
    )
    by_prefix = {f.id.rsplit("-", 1)[-1]: f for f in step.figures}
    if "map" in by_prefix:
        out.append(
            Slide("", kicker, _("How far each table moved from the EU template"), _(MAP_MEASURES),
                  figure=by_prefix["map"])
        )
    if "space" in by_prefix:
        out.append(
            Slide("", kicker, _("Every possible deal, and the ones the tables signed"), _(SPACE_MEASURES),
                  figure=by_prefix["space"])
        )
    if "power" in by_prefix:
        out.append(
            Slide("", kicker, _("Who held their ground, and who moved the other side"), _(POWER_MEASURES),
                  figure=by_prefix["power"])
        )
    if step.guess_figure is not None:
        out.append(
            Slide("", kicker, _("What each side thought the other could walk away with"),
                  _(GUESS_MEASURES), figure=step.guess_figure)
        )
    out.append(
        Slide(
            "",
            kicker,
            _("The class beside what really happened"),
            _("Per issue: the outcome in history, and how many tables chose each option."),
            table=DataTable(_("Per issue"), (_("Issue"), _("What happened"), _("The tables' choices")),
                            step.history_rows),
            text=step.history_text,
            kind="table",
        )
    )
    n = len(step.questions)
    for k, q in enumerate(step.questions, start=1):
        words = question_glossary(q)
        out.append(
            Slide("", kicker, _("Question %(k)s of %(n)s", k=k, n=n),
                  " ".join(words) if words else _("Discuss at your table, then with the class."),
                  text=q, kind="question", label=N_("Words in the question:") if words else N_("How:"))
        )
    return out


def deck(view: ReportView) -> Deck:
    """Every slide of a debrief, numbered in order, scenario by scenario."""
    slides: list[Slide] = []
    many = len(view.steps) > 1
    for step in view.steps:
        kicker = f"{step.index + 1}/{len(view.steps)} · {step.title}" if many else step.title
        for s in _step_slides(step, kicker):
            slides.append(replace(s, id=f"slide-{len(slides) + 1}", label=_(s.label)))
    if not slides:
        slides.append(Slide("slide-1", view.title, _("Nothing to debrief yet"),
                            _("The game has not started."), kind="stats",
                            label=_("What this measures:")))
    return Deck(view.title, view.code, tuple(slides))
