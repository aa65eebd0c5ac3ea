"""The instructor's scenario library: built-in scenarios and campaigns, plus uploads.

A library entry is named by a reference: `builtin:<scenario id>`,
`campaign:<file stem>` or `upload:<row id>`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from ..paths import scenarios_dir
from ..scenario.loader import (
    CampaignBundle,
    Diagnostic,
    ScenarioError,
    is_campaign_text,
    load_campaign,
    load_library,
    parse_scenario,
    read_text,
)
from ..scenario.model import Scenario
from ..service import NotFound
from ..storage.eventstore import EventStore, StoreError
from ..storage.tables import ScenarioRow

MAX_UPLOAD = 256 * 1024


@dataclass(frozen=True)
class Entry:
    ref: str
    title: str
    summary: str
    origin: str  # built-in | uploaded
    kind: str  # scenario | campaign
    detail: str


def _campaign_files(folder: Path) -> list[Path]:
    out = []
    for path in sorted(folder.glob("*.y*ml")):
        try:
            if is_campaign_text(read_text(path)):
                out.append(path)
        except ScenarioError:
            continue
    return out


def _describe(sc: Scenario) -> str:
    minutes = sum(p.minutes for p in sc.phases)
    return f"{len(sc.table.roles)} roles, {len(sc.issues)} issues, {minutes:g} min"


def entries(store: EventStore) -> tuple[list[Entry], list[Diagnostic]]:
    """Everything the instructor can start a game from, and problems with built-in files."""
    folder = scenarios_dir()
    library, problems = load_library(folder)
    out = [Entry(f"builtin:{sc.id}", sc.title, sc.summary, "built-in", "scenario", _describe(sc))
           for sc in library.values()]
    for path in _campaign_files(folder):
        try:
            bundle = load_campaign(path, library)
        except ScenarioError as e:
            problems.extend(e.diagnostics)
            continue
        steps = " → ".join(s.title for s in bundle.scenarios)
        out.append(Entry(f"campaign:{path.stem}", bundle.campaign.title, bundle.campaign.summary,
                         "built-in", "campaign", steps))
    for row in uploads(store):
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(row.created_at))
        out.append(Entry(f"upload:{row.id}", row.title, "", "uploaded", "scenario",
                         f"{row.scenario_id}, uploaded {when}"))
    return out, problems


def uploads(store: EventStore) -> list[ScenarioRow]:
    try:
        with Session(store.engine) as s:
            q = select(ScenarioRow).order_by(ScenarioRow.created_at.desc())  # type: ignore[attr-defined]
            return list(s.exec(q).all())
    except OperationalError as e:
        raise StoreError("The database is not available.") from e


def upload(store: EventStore, data: bytes, name: str) -> ScenarioRow:
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
    row = ScenarioRow(scenario_id=sc.id, title=sc.title, yaml_text=text, created_at=time.time())
    try:
        with Session(store.engine) as s:
            s.add(row)
            s.commit()
            s.refresh(row)
    except OperationalError as e:
        raise StoreError("The database is not available; the scenario was not saved.") from e
    return row


def resolve(store: EventStore, ref: str) -> Scenario | CampaignBundle:
    """The scenario or campaign a library reference names, or NotFound."""
    kind, _, key = ref.partition(":")
    folder = scenarios_dir()
    if kind == "builtin":
        library, _ = load_library(folder)
        if key in library:
            return library[key]
    elif kind == "campaign":
        for path in _campaign_files(folder):
            if path.stem == key:
                return load_campaign(path)
    elif kind == "upload" and key.isdigit():
        with Session(store.engine) as s:
            row = s.get(ScenarioRow, int(key))
        if row is not None:
            return parse_scenario(row.yaml_text, f"{row.scenario_id}.yaml")
    raise NotFound("No such scenario in the library.")

