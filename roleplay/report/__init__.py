"""The debrief report: one renderer for the instructor's debrief page and the HTML export.

`render_report(export)` gives one self-contained HTML file (inline CSS and
SVG, no script, and a Content-Security-Policy that forbids loading anything);
`render_report_body(export)` gives the same report as a fragment, with its
own scoped <style>, for embedding in the app's page. Both take the JSON
export as a dict (`roleplay.export.build_export`). Templates are Jinja with
autoescaping on: every name, chat line and scenario text is escaped.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from .. import __version__
from .model import ReportView, report_view

__all__ = ["ReportView", "render_report", "render_report_body", "report_css", "report_view"]


@functools.lru_cache(maxsize=1)
def _env() -> Environment:
    return Environment(
        loader=PackageLoader("roleplay.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
    )


@functools.lru_cache(maxsize=1)
def report_css() -> str:
    """The report's stylesheet; every rule is scoped to .rp-report."""
    source, _, _ = _env().loader.get_source(_env(), "report.css")  # type: ignore[union-attr]
    return source


def render_report(export: Mapping[str, Any], *, standalone: bool = True) -> str:
    """The debrief report of a JSON export: a whole HTML page, or (standalone=False) a fragment."""
    view = report_view(export)
    css = Markup(report_css())  # our own file, never user input
    if not standalone:
        body = _env().get_template("body.html.j2").render(view=view)
        return Markup(f"<style>{css}</style>\n") + Markup(body)
    return (
        _env().get_template("report.html.j2").render(view=view, css=css, generator=f"roleplay {__version__}")
    )


def render_report_body(export: Mapping[str, Any]) -> str:
    """The report as an HTML fragment for the app's debrief page (with a scoped <style>)."""
    return render_report(export, standalone=False)
