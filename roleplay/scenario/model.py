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

#: what every id looks like (schema_errors words a mismatch in plain terms)
ID_PATTERN = r"^[a-z][a-z0-9_-]{0,39}$"
Ident = Annotated[
    str,
    StringConstraints(pattern=ID_PATTERN),
    Field(description="a short id: lower-case letters, digits, '_' or '-', starting with a letter"),
]
Text = Annotated[str, StringConstraints(max_length=20_000)]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Version = Annotated[str, StringConstraints(min_length=1, max_length=40)]
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


class Card(Model):
    """The authored lines of a role's one-screen card; actions, score and rights are generated."""

    objective: ShortText = Field(..., description="the role's objective, in one sentence")
    batna: ShortText = Field(
        ..., description="what happens to this role with no deal (its BATNA, in words)"
    )
    unknown: ShortText = Field(..., description="what this role does not know")


class Role(Model):
    id: Ident = Field(..., description="the role's id, used in points, channels and table", examples=["eu"])
    name: ShortText = Field(
        ...,
        description="the role's name as players see it",
        examples=["European Union (EEAS, EU Delegation)"],
    )
    side: Side = Field("none", description="eu or government for the two sides of the deal; none for others")
    signatory: YesNo = Field(False, description="must sign for a deal to exist")
    veto: YesNo | None = Field(
        None,
        description="a deal is void unless this role is at or above its BATNA (defaults to signatory)",
    )
    batna: float = Field(
        ..., ge=0, le=100, description="points this role gets when there is no deal (0 to 100)", examples=[50]
    )
    budget: float = Field(0, ge=0, description="influence budget spent by actions' budget_cost")
    actions_per_phase: int = Field(2, ge=0, le=50, description="actions allowed per phase")
    briefing: Briefing = Field(..., description="the role's public and confidential briefing")
    card: Card | None = Field(
        None, description="a one-screen summary shown above the briefing (optional)"
    )
    actions: tuple[Ident, ...] = Field(
        (), description="ids of the actions this role may take", examples=[["eu_public_statement"]]
    )

    @property
    def is_veto(self) -> bool:
        return self.signatory if self.veto is None else self.veto


class Option(Model):
    id: Ident = Field(..., description="the option's id within its issue", examples=["standard_chapter"])
    label: ShortText = Field(
        ...,
        description="the option as players see it on the proposal form",
        examples=["Standard values chapter"],
    )
    description: Text = Field("", description="a sentence or two players read about the option")
    kind: OptionKind = Field(
        ...,
        description="template (EU standard text), opt_out (selective participation) "
        "or co_designed (new common text)",
    )
    template_distance: float = Field(
        ..., ge=0, le=1, description="0 = the EU's standard text, 1 = fully bespoke"
    )
    points: dict[Ident, float] = Field(
        ...,
        description="points for every role if this option is in the deal",
        examples=[{"eu": 35, "government": 0}],
    )
    requires: tuple[str, ...] = Field(
        (),
        description="options ('issue.option') that must also be in the deal",
        examples=[["security.territorial_integrity"]],
    )
    excludes: tuple[str, ...] = Field(
        (),
        description="options ('issue.option') that may not be in the same deal",
        examples=[["energy.market_rules"]],
    )
    variables: dict[Ident, float] = Field(
        {}, description="changes to scenario variables when a deal with this option is signed"
    )


class Issue(Model):
    id: Ident = Field(..., description="the issue's id", examples=["values"])
    title: ShortText = Field(..., description="the issue as players see it", examples=["Values chapter"])
    description: Text = Field("", description="what the issue is about, for every player")
    options: tuple[Option, ...] = Field(
        ..., min_length=2, max_length=8, description="the choices on this issue, 2 to 8"
    )


class Effects(Model):
    batna: dict[Ident, float] = Field({}, description="BATNA change per role (points)")
    points: dict[Ident, float] = Field({}, description="score change per role (points)")
    variables: dict[Ident, float] = Field({}, description="change per scenario variable")
    actions_per_phase: dict[Ident, int] = Field(
        {}, description="change to the number of actions per phase, per role"
    )
    close_channels: tuple[Ident, ...] = Field(
        (), description="channels closed from now on", examples=[["civil"]]
    )
    open_channels: tuple[Ident, ...] = Field(
        (), description="channels opened from now on", examples=[["civil"]]
    )
    open_bridge: YesNo = Field(False, description="lets bridge roles into the official channel")


class Risk(Model):
    chance: float = Field(..., ge=0, le=1, description="probability, drawn with the game's seed")
    event: Ident = Field(..., description="the event fired when the risk materialises")


class Action(Model):
    id: Ident = Field(
        ...,
        description="the action's id, listed under the roles that may take it",
        examples=["eu_public_statement"],
    )
    name: ShortText = Field(..., description="the action's name on its button", examples=["Public statement"])
    description: Text = Field("", description="what the action does, for the player choosing it")
    cost: float = Field(0, description="points deducted from the acting role's score")
    budget_cost: float = Field(0, ge=0, description="taken from the role's influence budget")
    limit: int | None = Field(None, ge=1, description="times per table in the whole scenario")
    targets: tuple[ShortText, ...] = Field((), description="choices the player picks from (e.g. MEP blocs)")
    visibility: Literal["table", "channel", "private"] = Field(
        "table", description="who hears of it: the whole table, one channel, or only the actor"
    )
    channel: Ident | None = Field(None, description="the channel, when visibility is channel")
    requires_open: Ident | None = Field(
        None,
        description="a channel that must be open at the table for this action (e.g. the PCC "
        "for lobbying MEPs): closing it takes the action away",
    )
    effects: Effects = Field(Effects(), description="what taking the action changes")
    target_effects: dict[ShortText, Effects] = Field(
        {}, description="extra effects when the player picks this target (added to effects)"
    )
    risk: Risk | None = Field(None, description="a chance that taking the action fires an event")

    @model_validator(mode="after")
    def _check_targets(self) -> Action:
        unknown = sorted(set(self.target_effects) - set(self.targets))
        if unknown:
            raise ValueError(f"target_effects names targets not in 'targets': {unknown}")
        return self


class Trigger(Model):
    kind: Literal["phase", "chance", "instructor"] = Field(
        ...,
        description="phase: fires when a phase starts; chance: may fire then, by chance; "
        "instructor: only when the instructor plays it",
    )
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
    id: Ident = Field(..., description="the event's id", examples=["crackdown"])
    title: ShortText = Field(..., description="the card's headline", examples=["Crackdown on critics"])
    text: Text = Field(..., description="the card's text, shown to every player when it fires")
    source: Text = Field("", description="where in the paper this comes from")
    trigger: Trigger = Field(..., description="when the event fires")
    effects: Effects = Field(Effects(), description="what the event changes when it fires")


class Phase(Model):
    id: Ident = Field(..., description="the phase's id", examples=["negotiation"])
    kind: PhaseKind = Field(..., description="briefing, opening, negotiation, decision (signing) or results")
    title: ShortText = Field(..., description="the phase's name on every screen", examples=["Negotiation"])
    minutes: float = Field(..., gt=0, le=240, description="the phase's length on the clock", examples=[20])
    allow: tuple[Capability, ...] | None = Field(
        None,
        description="what players may do: chat, propose, open, link, act, sign (default: depends on kind)",
        examples=[["chat", "propose", "act"]],
    )
    actions: tuple[Ident, ...] | None = Field(
        None, description="ids of the actions allowed in this phase (default: all)"
    )
    instructions: Text = Field("", description="what to do in this phase, shown on every screen")

    @property
    def allowed(self) -> tuple[str, ...]:
        return self.allow if self.allow is not None else DEFAULT_ALLOW[self.kind]


class Channel(Model):
    id: Ident = Field(..., description="the channel's id", examples=["official"])
    name: ShortText = Field(..., description="the channel's name in the chat", examples=["Official talks"])
    members: tuple[Ident, ...] = Field(
        ..., min_length=1, description="ids of the roles that talk here", examples=[["eu", "government"]]
    )
    bridge: tuple[Ident, ...] = Field((), description="roles that join only while a bridge is open")
    description: Text = Field("", description="what the channel stands for, for its members")


class TableSpec(Model):
    roles: tuple[Ident, ...] = Field(..., min_length=2, description="seats at every table")
    max_team: int = Field(3, ge=1, le=20, description="players sharing one seat at most")


class Threshold(Model):
    below: float | None = Field(None, description="fires when the value first drops below this")
    at_least: float | None = Field(None, description="fires when the value first reaches this")
    title: ShortText = Field(..., description="the headline players see when it fires",
                             examples=["Trust breaks down"])
    text: Text = Field("", description="what the players are told when it fires")
    effects: Effects = Field(..., description="what changes when it fires")

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
    label: ShortText = Field(..., description="the variable's name on the dashboard", examples=["Trust"])
    initial: float = Field(0, description="its value when the game starts")
    minimum: float = Field(0, description="it never goes below this")
    maximum: float = Field(100, description="it never goes above this")
    description: Text = Field("", description="what the variable measures")
    thresholds: tuple[Threshold, ...] = Field(
        (), description="effects that fire once per table when the value crosses a bound"
    )


class Debrief(Model):
    questions: tuple[Text, ...] = Field(
        ...,
        min_length=1,
        description="questions for the class after the game",
        examples=[["Who gained from the linkage, and why?"]],
    )


class History(Model):
    text: Text = Field(..., description="what really happened, shown in the debrief")
    package: dict[Ident, Ident] = Field(
        {},
        description="issue -> option closest to what really happened; give every "
        "issue so the debrief can score history like a deal",
        examples=[{"values": "no_chapter"}],
    )
    deadlock: YesNo = Field(False, description="true if in reality there was no deal")
    ongoing: YesNo = Field(
        False, description="still being negotiated when the source was written: no outcome yet"
    )
    sources: tuple[Text, ...] = Field((), description="where in the paper the history comes from")

    @model_validator(mode="after")
    def _one_outcome(self) -> History:
        if self.ongoing and (self.deadlock or self.package):
            raise ValueError("an ongoing history has neither 'deadlock' nor a 'package'")
        return self


# -- translations (docs/authoring.md, "Translations") ------------------------------------
# A translation mirrors the scenario's text fields, keyed by the same ids; every field is
# optional (a text left out is shown in English). Lists without ids (debrief questions, a
# variable's thresholds) go by position; an action's targets map the original to the
# translated name. Ids, numbers and sources are never translated.
class BriefingText(Model):
    public: Text | None = Field(None, description="public in this language")
    confidential: Text | None = Field(None, description="confidential in this language")


class CardText(Model):
    objective: ShortText | None = Field(None, description="objective in this language")
    batna: ShortText | None = Field(None, description="batna in this language")
    unknown: ShortText | None = Field(None, description="unknown in this language")


class RoleText(Model):
    name: ShortText | None = Field(None, description="name in this language")
    briefing: BriefingText | None = Field(None, description="the role's briefing")
    card: CardText | None = Field(None, description="the role's card")


class OptionText(Model):
    label: ShortText | None = Field(None, description="label in this language")
    description: Text | None = Field(None, description="description in this language")


class IssueText(Model):
    title: ShortText | None = Field(None, description="title in this language")
    description: Text | None = Field(None, description="description in this language")
    options: dict[Ident, OptionText] = Field({}, description="by option id")


class PhaseText(Model):
    title: ShortText | None = Field(None, description="title in this language")
    instructions: Text | None = Field(None, description="instructions in this language")


class ChannelText(Model):
    name: ShortText | None = Field(None, description="name in this language")
    description: Text | None = Field(None, description="description in this language")


class ActionText(Model):
    name: ShortText | None = Field(None, description="name in this language")
    description: Text | None = Field(None, description="description in this language")
    targets: dict[ShortText, ShortText] = Field(
        {}, description="the original target -> its name in this language")


class EventText(Model):
    title: ShortText | None = Field(None, description="title in this language")
    text: Text | None = Field(None, description="text in this language")


class ThresholdText(Model):
    title: ShortText | None = Field(None, description="title in this language")
    text: Text | None = Field(None, description="text in this language")


class VariableText(Model):
    label: ShortText | None = Field(None, description="label in this language")
    description: Text | None = Field(None, description="description in this language")
    thresholds: tuple[ThresholdText, ...] = Field((), description="in the original's order")


class DebriefText(Model):
    questions: tuple[Text, ...] = Field((), description="in the original's order")


class HistoryText(Model):
    text: Text | None = Field(None, description="text in this language")


class ScenarioText(Model):
    """One language's texts of a scenario: inline under `translations.<code>`, or a file
    beside the scenario (`TranslationFile`)."""

    title: ShortText | None = Field(None, description="title in this language")
    summary: Text | None = Field(None, description="summary in this language")
    background: Text | None = Field(None, description="background in this language")
    roles: dict[Ident, RoleText] = Field({}, description="by role id")
    issues: dict[Ident, IssueText] = Field({}, description="by issue id")
    phases: dict[Ident, PhaseText] = Field({}, description="by phase id")
    channels: dict[Ident, ChannelText] = Field({}, description="by channel id")
    actions: dict[Ident, ActionText] = Field({}, description="by action id")
    events: dict[Ident, EventText] = Field({}, description="by event id")
    variables: dict[Ident, VariableText] = Field({}, description="by variable name")
    debrief: DebriefText | None = Field(None, description="the debrief's questions")
    history: HistoryText | None = Field(None, description="what really happened")


class TranslationFile(ScenarioText):
    """A translation file beside its scenario: `<scenario file>.<language>.yaml`."""

    language: str = Field(..., description="the language's code: ru or az", examples=["ru"])
    scenario: Ident = Field(..., description="the id of the scenario it translates",
                            examples=["association-agreement"])
    version: Version | None = Field(
        None, description="the scenario's version this was translated from (optional)")


class Scenario(Model):
    schema_version: Literal[1] = Field(1, description="the format's version; leave it at 1")
    id: Ident = Field(
        ...,
        description="the scenario's id, used by campaigns and `roleplay analyze`",
        examples=["association-agreement"],
    )
    title: ShortText = Field(
        ...,
        description="the scenario's name in the library and on every screen",
        examples=["The Association Agreement, 2010–2013"],
    )
    version: Version = Field(..., description="your version of this file, in quotes", examples=["1.0"])
    summary: Text = Field(..., description="two or three sentences for the library")
    sources: tuple[Text, ...] = Field(
        ..., min_length=1, description="the publications the scenario is based on"
    )
    background: Text = Field(..., description="public background every player reads")
    roles: tuple[Role, ...] = Field(
        ..., min_length=2, description="the parties at the table, each with points and a briefing"
    )
    issues: tuple[Issue, ...] = Field(
        ..., min_length=1, max_length=12, description="what is negotiated: each issue has options"
    )
    phases: tuple[Phase, ...] = Field(
        ..., min_length=1, description="the game's steps in order, each with a clock"
    )
    channels: tuple[Channel, ...] = Field(
        (), description="who may talk to whom (default: one channel for the whole table)"
    )
    actions: tuple[Action, ...] = Field(
        (), description="moves besides talking and proposing, with costs and effects"
    )
    events: tuple[EventCard, ...] = Field(
        (), description="news cards that fire at a phase, by chance or by the instructor"
    )
    variables: dict[Ident, Variable] = Field(
        {},
        description="numbers the game tracks, changed by actions, events and deals",
        examples=[{"trust": {"label": "Trust", "initial": 50}}],
    )
    table: TableSpec = Field(..., description="the seats at every table")
    debrief: Debrief = Field(..., description="questions for the class afterwards")
    history: History = Field(..., description="what really happened, compared in the debrief")
    author_notes: tuple[Text, ...] = Field(
        (), description="accepted warnings from `roleplay analyze`, with the reason"
    )
    translations: dict[str, ScenarioText] = Field(
        {},
        description="the scenario's texts in other languages, by code (ru, az); a file "
        "beside the scenario, <file>.<code>.yaml, is the other way (docs/authoring.md)",
    )

    @cached_property
    def localized_cache(self) -> dict[str, object]:
        """`translate.localized` keeps each language's scenario here (built once)."""
        return {}

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
    effects: Effects = Field(..., description="the changes that then apply")


class Carry(Model):
    variable: Ident = Field(..., description="a variable both steps declare", examples=["trust"])
    label: ShortText = Field(
        ..., description="how the carried value is named to players", examples=["Trust carried over"]
    )
    effects: tuple[CarryEffect, ...] = Field(
        (), description="what the carried value changes in this step, by threshold"
    )


class CampaignStep(Model):
    scenario: Ident = Field(..., description="id of a scenario file in the same folder")
    carry: tuple[Carry, ...] = Field(
        (), description="variables carried into this step from the previous one, and their effects"
    )


class Campaign(Model):
    schema_version: Literal[1] = Field(1, description="the format's version; leave it at 1")
    kind: Literal["campaign"] = Field(..., description="always campaign: marks a campaign file")
    id: Ident = Field(..., description="the campaign's id", examples=["campaign-2010-2016"])
    title: ShortText = Field(..., description="the campaign's name in the library")
    version: Version = Field(..., description="your version of this file, in quotes", examples=["1.0"])
    summary: Text = Field(..., description="two or three sentences for the library")
    steps: tuple[CampaignStep, ...] = Field(
        ..., min_length=1, description="the scenarios played one after another"
    )
