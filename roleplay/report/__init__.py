"""The debrief report: one renderer for the instructor's debrief page and the HTML export.

`render_report(export)` gives one self-contained HTML file (inline CSS and
SVG, no script, and a Content-Security-Policy that forbids loading anything);
`render_report_body(export)` gives the same report as a fragment, with its
own scoped <style>, for embedding in the app's page; `render_presentation`
gives the same figures as slides for the projector (roleplay/report/slides.py). Both take the JSON
export as a dict (`roleplay.export.build_export`). Templates are Jinja with
autoescaping on: every name, chat line and scenario text is escaped.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from .. import __version__
from ..engine.events import Event
from ..engine.state import GameState
from ..scoring import GameScores
from .language import lang, rendered_in, translations
from .model import ReportView, report_view
from .slides import deck
from .student import NotSeated, released_steps, seats_by_step, student_results

__all__ = [
    "NotSeated",
    "ReportView",
    "presentation_css",
    "render_presentation",
    "render_report",
    "render_report_body",
    "render_student_results",
    "rendered_in",
    "report_css",
    "report_view",
]


@functools.lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("roleplay.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
        extensions=["jinja2.ext.i18n"],
    )
    # the page's language inside the app (Flask-Babel's locale), English in `roleplay export`
    from flask_babel import format_decimal

    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True,
    )
    env.policies["ext.i18n.trimmed"] = True
    env.filters["decimalformat"] = format_decimal
    return env


def _lang() -> str:
    """The language the report is rendered in: the page's inside the app, else the export's."""
    return lang()


@functools.lru_cache(maxsize=1)
def report_css() -> str:
    """The report's stylesheet; every rule is scoped to .rp-report."""
    source, _, _ = _env().loader.get_source(_env(), "report.css")  # type: ignore[union-attr]
    return source


def render_report(
    export: Mapping[str, Any], *, standalone: bool = True, present_url: str | None = None
) -> str:
    """The debrief report of a JSON export: a whole HTML page, or (standalone=False) a fragment.

    `present_url`: a link to the slides, for the app's live debrief page (never in a file).
    """
    view = report_view(export)
    css = Markup(report_css())  # our own file, never user input
    if not standalone:
        body = _env().get_template("body.html.j2").render(view=view, present_url=present_url)
        return Markup(f"<style>{css}</style>\n") + Markup(body)
    return _env().get_template("report.html.j2").render(
        view=view, css=css, generator=f"roleplay {__version__}", present_url=present_url,
        lang=_lang()
    )


def render_report_body(export: Mapping[str, Any]) -> str:
    """The report as an HTML fragment for the app's debrief page (with a scoped <style>)."""
    return render_report(export, standalone=False)


@functools.lru_cache(maxsize=1)
def presentation_css() -> str:
    """The slides' stylesheet: the report's (for the figures) and the slides' own."""
    source, _, _ = _env().loader.get_source(_env(), "present.css")  # type: ignore[union-attr]
    return report_css() + "\n" + source


def render_presentation(
    export: Mapping[str, Any], *, css_url: str, script_url: str, back_url: str
) -> str:
    """The debrief as slides (one figure per screen) for the projector, as a whole HTML page.

    The page loads its stylesheet and its small keyboard script from the app (`css_url`,
    `script_url`), so it runs under the app's Content-Security-Policy; without the
    script, its Back and Next links still step through the slides.
    """
    return _env().get_template("present.html.j2").render(
        deck=deck(report_view(export)), css_url=css_url, script_url=script_url, back_url=back_url,
        lang=_lang()
    )


def render_student_results(
    state: GameState, scores_for: Callable[[int], GameScores], log: Sequence[Event], player_id: str
) -> str:
    """A student's results as an HTML fragment (styled by `report_css`): every scenario whose
    results are out, the latest first, each as the role the student held there.

    `scores_for(step)` gives a step's scores; NotSeated when there is nothing to show.
    """
    p = state.players.get(player_id)
    if p is None or p.kicked:
        raise NotSeated(player_id)
    seats = seats_by_step(log, player_id)
    shown = [s for s in reversed(released_steps(state, log)) if s in seats]
    results = [student_results(state, scores_for(s), seats[s], p.name) for s in shown]
    if not results:
        raise NotSeated(player_id)
    return _env().get_template("student.html.j2").render(results=results)
