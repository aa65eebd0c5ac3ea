"""The scenario format: frozen pydantic models, the instructors' contract.

A scenario file is YAML; `roleplay.scenario.loader` reads it safely and
validates it into these models. `roleplay schema` prints the JSON Schema that
pydantic generates from them. The engine imports these models (pydantic is
not I/O), never the loader.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, StringConstraints, model_validator

Ident = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,39}$"),
    Field(description="a short id: lower-case letters, digits, '_' or '-', starting with a letter"),
]
Text = Annotated[str, StringConstraints(max_length=20_000)]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200)]
#: Only `true` or `false`: the guide says yes/no/on/off are plain words, and so they stay.
YesNo = Annotated[bool, Strict()]

SCHEMA_VERSION = 1

Side = Literal["eu", "government", "none"]
OptionKind = Literal["template", "opt_out", "co_designed"]
PhaseKind = Literal["briefing", "opening", "negotiation", "decision", "results"]
Capability = Literal["chat", "propose", "open", "link", "act", "sign"]

#: What each kind of phase allows when the scenario does not say.
DEFAULT_ALLOW: dict[str, tuple[str, ...]] = {
    "briefing": ("chat",),
    "opening": ("open", "chat"),
    "negotiation": ("chat", "propose", "link", "act"),
    "decision": ("chat", "sign"),
    "results": ("chat",),
}


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Briefing(Model):
    public: Text = Field("", description="what everyone may read about this role")
    confidential: Text = Field(
        ..., description="only players in this role ever see this text (objectives, what it knows)"
    )


class Role(Model):
    id: Ident
    name: ShortText
    side: Side = Field(
        "none", description="eu or government for the two sides of the deal; none for others"
    )
    signatory: YesNo = Field(False, description="must sign for a deal to exist")
    veto: YesNo | None = Field(
        None,
        description="a deal is void unless this role is at or above its BATNA "
        "(defaults to signatory)",
    )
    batna: float = Field(
        ..., ge=0, le=100, description="points this role gets when there is no deal"
    )
    budget: float = Field(0, ge=0, description="influence budget spent by actions' budget_cost")
    actions_per_phase: int = Field(2, ge=0, le=50, description="actions allowed per phase")
    briefing: Briefing
    actions: tuple[Ident, ...] = Field((), description="ids of the actions this role may take")

    @property
    def is_veto(self) -> bool:
        return self.signatory if self.veto is None else self.veto


class Option(Model):
    id: Ident
    label: ShortText
    description: Text = ""
    kind: OptionKind = Field(
        ..., description="template (EU standard text), opt_out (selective participation) "
        "or co_designed (new common text)",
    )
    template_distance: float = Field(
        ..., ge=0, le=1, description="0 = the EU's standard text, 1 = fully bespoke"
    )
    points: dict[Ident, float] = Field(
        ..., description="points for every role if this option is in the deal"
    )
    requires: tuple[str, ...] = Field(
        (), description="options ('issue.option') that must also be in the deal"
    )
    excludes: tuple[str, ...] = Field(
        (), description="options ('issue.option') that may not be in the same deal"
    )
    variables: dict[Ident, float] = Field(
        {}, description="changes to scenario variables when a deal with this option is signed"
    )


class Issue(Model):
    id: Ident
    title: ShortText
    description: Text = ""
    options: tuple[Option, ...] = Field(..., min_length=2, max_length=8)


class Effects(Model):
    batna: dict[Ident, float] = Field({}, description="BATNA change per role (points)")
    points: dict[Ident, float] = Field({}, description="score change per role (points)")
    variables: dict[Ident, float] = Field({}, description="change per scenario variable")
    actions_per_phase: dict[Ident, int] = Field(
        {}, description="change to the number of actions per phase, per role"
    )
    close_channels: tuple[Ident, ...] = ()
    open_channels: tuple[Ident, ...] = ()
    open_bridge: YesNo = Field(False, description="lets bridge roles into the official channel")


class Risk(Model):
    chance: float = Field(..., ge=0, le=1, description="probability, drawn with the game's seed")
    event: Ident = Field(..., description="the event fired when the risk materialises")


class Action(Model):
    id: Ident
    name: ShortText
    description: Text = ""
    cost: float = Field(0, description="points deducted from the acting role's score")
    budget_cost: float = Field(0, ge=0, description="taken from the role's influence budget")
    limit: int | None = Field(None, ge=1, description="times per table in the whole scenario")
    targets: tuple[ShortText, ...] = Field(
        (), description="choices the player picks from (e.g. MEP blocs)"
    )
    visibility: Literal["table", "channel", "private"] = Field(
        "table", description="who hears of it: the whole table, one channel, or only the actor"
    )
    channel: Ident | None = Field(None, description="the channel, when visibility is channel")
    effects: Effects = Effects()
    target_effects: dict[ShortText, Effects] = Field(
        {}, description="extra effects when the player picks this target (added to effects)"
    )
    risk: Risk | None = None

    @model_validator(mode="after")
    def _check_targets(self) -> Action:
        unknown = sorted(set(self.target_effects) - set(self.targets))
        if unknown:
            raise ValueError(f"target_effects names targets not in 'targets': {unknown}")
        return self


class Trigger(Model):
    kind: Literal["phase", "chance", "instructor"]
    phase: Ident | None = Field(
        None, description="for phase and chance: the phase whose start fires or rolls it"
    )
    chance: float | None = Field(None, ge=0, le=1, description="for chance triggers")

    @model_validator(mode="after")
    def _check(self) -> Trigger:
        if self.kind in ("phase", "chance") and self.phase is None:
            raise ValueError(f"a {self.kind} trigger needs 'phase'")
        if self.kind == "chance" and self.chance is None:
            raise ValueError("a chance trigger needs 'chance' between 0 and 1")
        return self


class EventCard(Model):
    id: Ident
    title: ShortText
    text: Text
    source: Text = Field("", description="where in the paper this comes from")
    trigger: Trigger
    effects: Effects = Effects()


class Phase(Model):
    id: Ident
    kind: PhaseKind
    title: ShortText
    minutes: float = Field(..., gt=0, le=240)
    allow: tuple[Capability, ...] | None = Field(
        None, description="what players may do; defaults depend on kind"
    )
    actions: tuple[Ident, ...] | None = Field(
        None, description="ids of the actions allowed in this phase (default: all)"
    )
    instructions: Text = ""

    @property
    def allowed(self) -> tuple[str, ...]:
        return self.allow if self.allow is not None else DEFAULT_ALLOW[self.kind]


class Channel(Model):
    id: Ident
    name: ShortText
    members: tuple[Ident, ...] = Field(..., min_length=1)
    bridge: tuple[Ident, ...] = Field(
        (), description="roles that join only while a bridge is open"
    )
    description: Text = ""


class TableSpec(Model):
    roles: tuple[Ident, ...] = Field(..., min_length=2, description="seats at every table")
    max_team: int = Field(3, ge=1, le=20, description="players sharing one seat at most")


class Threshold(Model):
    below: float | None = Field(None, description="fires when the value first drops below this")
    at_least: float | None = Field(None, description="fires when the value first reaches this")
    title: ShortText
    text: Text = Field("", description="what the players are told when it fires")
    effects: Effects

    @model_validator(mode="after")
    def _one_bound(self) -> Threshold:
        if (self.below is None) == (self.at_least is None):
            raise ValueError("a threshold needs exactly one of 'below' and 'at_least'")
        return self

    @property
    def key(self) -> str:
        return f"<{self.below:g}" if self.below is not None else f">={self.at_least:g}"

    def crossed(self, before: float, after: float) -> bool:
        if self.below is not None:
            return before >= self.below > after
        assert self.at_least is not None
        return before < self.at_least <= after


class Variable(Model):
    label: ShortText
    initial: float = 0
    minimum: float = 0
    maximum: float = 100
    description: Text = ""
    thresholds: tuple[Threshold, ...] = Field(
        (), description="effects that fire once per table when the value crosses a bound"
    )


class Debrief(Model):
    questions: tuple[Text, ...] = Field(..., min_length=1)


class History(Model):
    text: Text
    package: dict[Ident, Ident] = Field(
        {}, description="issue -> option closest to what really happened (may be partial)"
    )
    deadlock: YesNo = False
    sources: tuple[Text, ...] = ()


class Scenario(Model):
    schema_version: Literal[1] = 1
    id: Ident
    title: ShortText
    version: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    summary: Text
    sources: tuple[Text, ...] = Field(..., min_length=1)
    background: Text = Field(..., description="public background every player reads")
    roles: tuple[Role, ...] = Field(..., min_length=2)
    issues: tuple[Issue, ...] = Field(..., min_length=1, max_length=12)
    phases: tuple[Phase, ...] = Field(..., min_length=1)
    channels: tuple[Channel, ...] = ()
    actions: tuple[Action, ...] = ()
    events: tuple[EventCard, ...] = ()
    variables: dict[Ident, Variable] = {}
    table: TableSpec
    debrief: Debrief
    history: History
    author_notes: tuple[Text, ...] = Field(
        (), description="accepted warnings from `roleplay analyze`, with the reason"
    )

    # -- lookups used everywhere ------------------------------------------------
    def role(self, role_id: str) -> Role:
        for r in self.roles:
            if r.id == role_id:
                return r
        raise KeyError(role_id)

    def issue(self, issue_id: str) -> Issue:
        for i in self.issues:
            if i.id == issue_id:
                return i
        raise KeyError(issue_id)

    def action(self, action_id: str) -> Action:
        for a in self.actions:
            if a.id == action_id:
                return a
        raise KeyError(action_id)

    def event(self, event_id: str) -> EventCard:
        for e in self.events:
            if e.id == event_id:
                return e
        raise KeyError(event_id)

    def channel(self, channel_id: str) -> Channel:
        for c in self.channels:
            if c.id == channel_id:
                return c
        raise KeyError(channel_id)

    def side_role(self, side: str) -> Role | None:
        """The signatory role of a side ('eu' or 'government'), if any."""
        for r in self.roles:
            if r.side == side and r.signatory:
                return r
        for r in self.roles:
            if r.side == side:
                return r
        return None

    def option(self, issue_id: str, option_id: str) -> Option:
        for o in self.issue(issue_id).options:
            if o.id == option_id:
                return o
        raise KeyError(f"{issue_id}.{option_id}")

    @cached_property
    def option_points(self) -> dict[tuple[str, str], Mapping[str, float]]:
        """(issue, option) -> points by role: `points` is called per proposal per role per view."""
        return {(i.id, o.id): o.points for i in self.issues for o in i.options}

    def points(self, role_id: str, package: Mapping[str, str]) -> float:
        """The sum of a role's points over a package (issue -> option)."""
        table = self.option_points
        total = 0.0
        for k, v in package.items():
            pts = table.get((k, v))
            if pts is None:
                raise KeyError(f"{k}.{v}")
            total += pts.get(role_id, 0.0)
        return total


class CarryEffect(Model):
    at_least: float = Field(..., description="applies when the carried value is at least this")
    effects: Effects


class Carry(Model):
    variable: Ident
    label: ShortText
    effects: tuple[CarryEffect, ...] = ()


class CampaignStep(Model):
    scenario: Ident = Field(..., description="id of a scenario file in the same folder")
    carry: tuple[Carry, ...] = Field(
        (), description="variables carried into this step from the previous one, and their effects"
    )


class Campaign(Model):
    schema_version: Literal[1] = 1
    kind: Literal["campaign"]
    id: Ident
    title: ShortText
    version: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    summary: Text
    steps: tuple[CampaignStep, ...] = Field(..., min_length=1)
