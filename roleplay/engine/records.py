"""What scoring needs to know about one table, extracted from the game's log.

The engine builds these from its state (`roleplay.engine.state.table_records`);
`roleplay.scoring` turns them into scores. Both are pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

Package = Mapping[str, str]  # issue id -> option id


@dataclass(frozen=True)
class ProposalRecord:
    seq: int  # the event's sequence number: proposals are in log order
    role: str  # the proposing role
    side: str  # 'eu', 'government' or 'none'
    package: Package
    phase: str  # id of the phase it was made in
    round: int  # index of that phase in the scenario (same round = same phase)
    joint: bool = False  # written jointly (a team, or over an open bridge)


@dataclass(frozen=True)
class TableRecord:
    table: int
    openings: Mapping[str, Package]  # side ('eu'|'government') -> opening package
    proposals: tuple[ProposalRecord, ...]
    deal: Package | None  # the signed package; None for a deadlock
    deadlock_reason: str | None = None  # 'refused', 'no_signature', 'batna', 'linkage'...
    batna_shift: Mapping[str, float] = field(default_factory=dict)  # role -> change from events
    point_adjust: Mapping[str, float] = field(default_factory=dict)  # role -> costs and bonuses
    events_fired: tuple[str, ...] = ()  # event card ids, in order
    actions_taken: tuple[tuple[str, str], ...] = ()  # (role, action id), in order
