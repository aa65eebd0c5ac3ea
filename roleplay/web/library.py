"""The instructor's scenario library: built-in scenarios and campaigns, plus uploads.

Each entry can be previewed before class (each seat's briefing as its student
reads it, and `roleplay analyze`'s numbers with the outcome space); an upload
that fails shows each problem under its line.

A library entry is named by a reference: `builtin:<scenario id>`,
`campaign:<file stem>` or `upload:<row id>`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from flask import has_request_context
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _

from ..analysis import Analysis
from ..paths import scenarios_dir
from ..report.figures import Figure
from ..scenario.loader import (
    CampaignBundle,
    Diagnostic,
    ScenarioError,
    is_campaign_text,
    load_campaign,
    load_library,
    parse_scenario,
)
from ..scenario.model import Scenario
from ..scenario.resolve import ScenarioNotFound, campaign_files, resolve_source
from ..service import NotFound
from ..storage.tables import ScenarioRow

MAX_UPLOAD = 256 * 1024


class Uploads(Protocol):
    """Where uploaded scenarios are kept: the service (or its store, in tests)."""

    def uploads(self) -> list[ScenarioRow]: ...
    def upload(self, number: int) -> ScenarioRow | None: ...
    def add_upload(self, *, scenario_id: str, title: str, yaml_text: str,
                   now: float) -> ScenarioRow: ...


@dataclass(frozen=True)
class Entry:
    ref: str
    title: str
    summary: str
    origin: str  # built-in | uploaded
    kind: str  # scenario | campaign
    detail: str


def _describe(sc: Scenario) -> str:
    minutes = sum(p.minutes for p in sc.phases)
    return str(_("%(roles)d roles, %(issues)d issues, %(minutes)s min", roles=len(sc.table.roles),
             issues=len(sc.issues), minutes=format_decimal(minutes)))


def entries(store: Uploads) -> tuple[list[Entry], list[Diagnostic]]:
    """Everything the instructor can start a game from, and problems with built-in files."""
    folder = scenarios_dir()
    library, problems = load_library(folder)
    out = [Entry(f"builtin:{sc.id}", sc.title, sc.summary, "built-in", "scenario", _describe(sc))
           for sc in library.values()]
    for path in campaign_files(folder):
        try:
            bundle = load_campaign(path, library)
        except ScenarioError as e:
            problems.extend(e.diagnostics)
            continue
        steps = " → ".join(s.title for s in bundle.scenarios)
        out.append(Entry(f"campaign:{path.stem}", bundle.campaign.title, bundle.campaign.summary,
                         "built-in", "campaign", steps))
    for row in store.uploads():
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(row.created_at))
        out.append(Entry(f"upload:{row.id}", row.title, "", "uploaded", "scenario",
                         _("%(scenario)s, uploaded %(when)s", scenario=row.scenario_id, when=when)))
    return out, problems


def upload(store: Uploads, data: bytes, name: str) -> ScenarioRow:
    """Validate and store an uploaded scenario, or ScenarioError with every problem and its line."""
    if len(data) > MAX_UPLOAD:
        raise ScenarioError([Diagnostic(name, 1, 1, f"file is larger than {MAX_UPLOAD // 1024} KiB")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ScenarioError([Diagnostic(name, 1, 1, "file is not UTF-8 text")]) from e
    if is_campaign_text(text):
        raise ScenarioError([Diagnostic(name, 1, 1, "this is a campaign; upload its scenarios "
                                        "one by one, or use a built-in campaign")])
    sc = parse_scenario(text, name)
    return store.add_upload(scenario_id=sc.id, title=sc.title, yaml_text=text, now=time.time())


def resolve(store: Uploads, ref: str) -> Scenario | CampaignBundle:
    """The scenario or campaign a library reference names, or NotFound (never a file path)."""

    def uploaded(number: int) -> tuple[str, str] | None:
        row = store.upload(number)
        return None if row is None else (row.yaml_text, f"{row.scenario_id}.yaml")

    try:
        return resolve_source(ref, uploaded=uploaded, files=False)
    except ScenarioNotFound as e:
        raise NotFound(str(e)) from e


# -- previews: a scenario as the class will meet it, before class -----------------------


@dataclass(frozen=True)
class RolePreview:
    id: str
    name: str
    signatory: bool
    batna: float
    public: str
    confidential: str
    options: tuple[tuple[str, tuple[tuple[str, float], ...]], ...]  # (issue, ((option, points)))
    card: Mapping[str, Any]  # the role card the student's page lays out (engine/cards.py)


@dataclass(frozen=True)
class ScenarioPreview:
    scenario: Scenario
    roles: tuple[RolePreview, ...]  # the seats at a table, in the table's order
    analysis: Analysis
    figure: Figure
    others: tuple[tuple[str, str], ...]  # every role's (name, public briefing), as on the card


def _role_preview(sc: Scenario, role_id: str) -> RolePreview:
    from ..engine.cards import role_card

    role = sc.role(role_id)
    return RolePreview(
        id=role.id, name=role.name, signatory=role.signatory, batna=role.batna,
        public=role.briefing.public, confidential=role.briefing.confidential,
        options=tuple((i.title, tuple((o.label, o.points.get(role.id, 0.0)) for o in i.options))
                      for i in sc.issues),
        card=role_card(sc, role.id),
    )


def preview_scenario(sc: Scenario, fig_id: str = "preview") -> ScenarioPreview:
    """What each seat reads first, and `roleplay analyze`'s numbers with the outcome space."""
    from ..analysis import analyze
    from ..report.figures import outcome_space
    from ..report.model import _space as outcome_space_of

    return ScenarioPreview(
        scenario=sc,
        roles=tuple(_role_preview(sc, r) for r in sc.table.roles),
        analysis=analyze(sc),
        figure=outcome_space(fig_id, outcome_space_of(sc), []),
        others=tuple((sc.role(r).name, sc.role(r).briefing.public) for r in sc.table.roles),
    )


def preview(store: Uploads, ref: str) -> list[ScenarioPreview]:
    """Previews of a library entry: one scenario, or each step of a campaign; NotFound if none."""
    source = resolve(store, ref)
    if isinstance(source, CampaignBundle):
        return [preview_scenario(sc, f"preview-{i}") for i, sc in enumerate(source.scenarios)]
    return [preview_scenario(source)]


# -- an upload's errors beside its lines ----------------------------------------------------

#: Lines of context shown around each line with an error.
CONTEXT_LINES = 2


@dataclass(frozen=True)
class SourceLine:
    number: int | None  # None: a gap of lines left out
    text: str
    errors: tuple[tuple[int, str], ...] = ()  # (column, message) of the problems on this line


def _gap(n: int) -> str:
    """Lines left out of the annotated source, in the reader's language."""
    if not has_request_context():
        return f"… {n} line …" if n == 1 else f"… {n} lines …"
    return str(ngettext("… %(num)s line …", "… %(num)s lines …", n))


def annotated_source(text: str, diagnostics: list[Diagnostic]) -> list[SourceLine]:
    """The lines around each problem, each problem under its line; gaps marked."""
    lines = text.splitlines() or [""]
    by_line: dict[int, list[tuple[int, str]]] = {}
    for d in diagnostics:
        n = min(max(d.line, 1), len(lines))
        by_line.setdefault(n, []).append((d.column, d.message))
    shown = sorted({k for n in by_line for k in range(n - CONTEXT_LINES, n + CONTEXT_LINES + 1)
                    if 1 <= k <= len(lines)})
    out: list[SourceLine] = []
    previous = 0
    for n in shown:
        if n > previous + 1:
            out.append(SourceLine(None, _gap(n - previous - 1)))
        out.append(SourceLine(n, lines[n - 1], tuple(sorted(by_line.get(n, ())))))
        previous = n
    if previous < len(lines):
        out.append(SourceLine(None, _gap(len(lines) - previous)))
    return out
