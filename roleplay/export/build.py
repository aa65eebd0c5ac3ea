"""The JSON export as a plain dict: the whole game, players pseudonymised.

Rows are built here, apart from the writers (`csvzip`, the HTML report), as
oTree's export does. Only the game's setup, its event log and the scores are
read: player tokens, IP addresses and user agents are never in the log, and
the token table is never touched. docs/export.md documents every field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .. import __version__
from ..engine.events import Event, EventType
from ..engine.state import GameState, table_records
from ..errors import RoleplayError
from ..scenario.loader import content_hash
from ..scoring import ScoringError
from ..scoring.table import jsonable
from ..service import GameService, NotFound

FORMAT = "roleplay-export"
#: Bump on any change a reader could notice; docs/export.md keeps the history.
FORMAT_VERSION = 2
#: Versions `roleplay score` still reads (2 added each player's `language`; scoring reads
#: roles, never players, so a version 1 export rescores the same)
READS_VERSIONS = (1, 2)

#: Event types whose free text a player wrote, scrubbed of names when anonymising.
FREE_TEXT_TYPES = frozenset({EventType.CHAT, EventType.MESSAGE})
#: Shorter names are not searched for in free text (they would hit ordinary words).
MIN_SCRUBBED_NAME = 2
#: Actors that are not players keep their names.
NON_PLAYER_ACTORS = frozenset({"system", "instructor"})


class ExportError(RoleplayError):
    """An export that cannot be made or read, with the reason."""


def iso_time(epoch: float) -> str:
    """An epoch time as ISO 8601 in UTC with milliseconds, e.g. 2025-03-01T09:30:00.125Z."""
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Pseudonyms:
    """Player ids and names mapped to stable pseudonyms ("P01"...), in joining order."""

    by_id: Mapping[str, str]
    by_name: Mapping[str, str]
    anonymize: bool
    name_pattern: re.Pattern[str] | None

    @classmethod
    def from_log(cls, log: Sequence[Event], *, anonymize: bool) -> Pseudonyms:
        joined = [e for e in log if e.type == EventType.PLAYER_JOINED]
        width = max(2, len(str(len(joined))))
        by_id: dict[str, str] = {}
        by_name: dict[str, str] = {}
        for e in joined:
            pid = str(e.data["player"])
            if pid not in by_id:
                by_id[pid] = f"P{len(by_id) + 1:0{width}d}"
                by_name.setdefault(str(e.data.get("name", "")), by_id[pid])
        names = sorted((n for n in by_name if len(n) >= MIN_SCRUBBED_NAME), key=len, reverse=True)
        pattern = None
        if anonymize and names:
            alternatives = "|".join(re.escape(n) for n in names)
            pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
        return cls(by_id, by_name, anonymize, pattern)

    def player(self, pid: str | None) -> str | None:
        if pid is None or pid in NON_PLAYER_ACTORS:
            return pid
        return self.by_id.get(pid, "P??")

    def scrub_text(self, text: str) -> str:
        if self.name_pattern is None:
            return text
        folded = {n.casefold(): p for n, p in self.by_name.items()}
        return self.name_pattern.sub(lambda m: folded.get(m.group(0).casefold(), "P??"), text)

    def value(self, value: Any) -> Any:
        """Player ids anywhere in a payload (as values or keys) become pseudonyms."""
        if isinstance(value, str):
            return self.by_id.get(value, value)
        if isinstance(value, Mapping):
            return {self.value(k): self.value(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.value(v) for v in value]
        return value

    def payload(self, event: Event) -> dict[str, Any]:
        data: dict[str, Any] = self.value(dict(event.data))
        if self.anonymize:
            if "name" in data:
                data["name"] = self.by_name.get(str(event.data["name"]), "P??")
            if event.type in FREE_TEXT_TYPES and isinstance(data.get("text"), str):
                data["text"] = self.scrub_text(data["text"])
        return data


def resolve_game(service: GameService, game: str) -> str:
    """A game id, given a game id or a join code."""
    if service.game_row(game) is not None:
        return game
    game_id = service.game_id_for_code(game)
    if game_id is None:
        raise NotFound(f"No game with id or join code '{game}'.")
    return game_id


def _event_row(e: Event, step: int, start: float, names: Pseudonyms) -> dict[str, Any]:
    aud = e.audience
    table = e.data.get("table", aud.table)
    channel = aud.channel if aud.channel is not None else e.data.get("channel")
    return {
        "seq": e.seq,
        "step": step,
        "time": iso_time(e.at),
        "at": e.at,
        "elapsed": round(e.at - start, 3),
        "type": e.type,
        "actor": names.player(e.actor),
        "table": table if isinstance(table, int) else None,
        "channel": channel if isinstance(channel, str) else None,
        "audience": {
            "kind": aud.kind,
            "table": aud.table,
            "roles": list(aud.roles),
            "player": names.player(aud.player),
            "channel": aud.channel,
        },
        "payload": names.payload(e),
    }


def event_rows(log: Sequence[Event], names: Pseudonyms) -> list[dict[str, Any]]:
    start = log[0].at if log else 0.0
    step = 0
    out = []
    for e in log:
        if e.type == EventType.STEP_STARTED:
            step = int(e.data["step"])
        out.append(_event_row(e, step, start, names))
    return out


def _players(state: GameState, names: Pseudonyms) -> list[dict[str, Any]]:
    rows = []
    for pid, p in state.players.items():
        row: dict[str, Any] = {"id": names.player(pid)}
        if not names.anonymize:
            row["name"] = p.name
        row.update({"table": p.table, "role": p.role, "kicked": p.kicked,
                    "language": p.language})
        rows.append(row)
    return sorted(rows, key=lambda r: str(r["id"]))


def _table_states(state: GameState, step: int) -> list[dict[str, Any]]:
    tables = state.tables if step == state.step else state.past[step]
    return [
        {
            "table": t.id,
            "outcome": t.outcome,
            "deal": dict(t.deal) if t.deal is not None else None,
            "deadlock_reason": t.deadlock_reason,
            "variables": dict(t.variables),
        }
        for t in sorted(tables.values(), key=lambda t: t.id)
    ]


def step_rows(service: GameService, state: GameState) -> list[dict[str, Any]]:
    """Per scenario of the game: what it is, the whole definition, and its outcomes."""
    out = []
    for step, sc in enumerate(state.setup.scenarios):
        row: dict[str, Any] = {
            "step": step,
            "scenario": {
                "id": sc.id,
                "version": sc.version,
                "title": sc.title,
                "content_hash": content_hash(sc),
            },
            "definition": sc.model_dump(mode="json", exclude_none=True),
            "reached": step <= state.step and state.status != "lobby",
            "tables": [],
            "records": [],
            "outcomes": None,
            "scoring_error": None,
        }
        if row["reached"]:
            row["tables"] = _table_states(state, step)
            row["records"] = [jsonable(r) for r in table_records(state, step)]
            try:
                row["outcomes"] = service.scores(state, step).to_dict()
            except ScoringError as e:
                row["scoring_error"] = str(e)
        out.append(row)
    return out


def build_export(
    service: GameService, game: str, *, anonymize: bool = False, now: float | None = None
) -> dict[str, Any]:
    """The whole game as plain JSON types (format `FORMAT_VERSION`, docs/export.md)."""
    game_id = resolve_game(service, game)
    row = service.game_row(game_id)
    if row is None:  # deleted between the two reads
        raise NotFound(f"No game with id '{game_id}'.")
    state = service.state(game_id)
    log = service.log(game_id)
    names = Pseudonyms.from_log(log, anonymize=anonymize)
    setup = state.setup
    campaign = None
    if setup.campaign is not None:
        campaign = {
            "id": setup.campaign.id,
            "version": setup.campaign.version,
            "title": setup.campaign.title,
            "content_hash": content_hash(setup.campaign),
            "definition": setup.campaign.model_dump(mode="json", exclude_none=True),
        }
    generated = now if now is not None else datetime.now(UTC).timestamp()
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "generator": f"roleplay {__version__}",
        "generated_at": iso_time(generated),
        "anonymized": anonymize,
        "game": {
            "id": setup.game_id,
            "code": setup.code,
            "seed": setup.seed,
            "title": row.title,
            "scenario_hash": row.scenario_hash,
            "created_at": iso_time(row.created_at),
            "created_at_epoch": row.created_at,
            "status": state.status,
            "step": state.step,
            "show_results": setup.show_results,
            "auto_advance": setup.auto_advance,
        },
        "campaign": campaign,
        "steps": step_rows(service, state),
        "players": _players(state, names),
        "events": event_rows(log, names),
    }
