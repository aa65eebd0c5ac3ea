"""A student's results page: their table, their role's score, and the class beside it.

Only what the student's role may see: its own points, BATNA and score; its own
BATNA guess and the other side's guess about it (guesses are revealed once results
are); every table's type and differentiation (the projector shows those), and this
role's score at every table. Never another role's points, BATNA or briefing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _

from ..engine.events import Event, EventType
from ..engine.outcomes import deadlock_message
from ..engine.state import GameState
from ..engine.views import results_visible
from ..scoring import GameScores
from ..scoring.measures import TYPE_LABELS
from .figures import Figure, MapDot, differentiation_map, f2
from .language import said
from .model import short_name


class NotSeated(LookupError):
    """The player has no seat at a table of this step (or is unknown)."""


@dataclass(frozen=True)
class ClassRow:
    table: int
    mine: bool
    type_label: str
    score: str  # this role's score at that table


@dataclass(frozen=True)
class StudentResults:
    game_title: str
    scenario_title: str
    step_note: str  # "Scenario 2 of 3" in a campaign, else ""
    name: str
    role_name: str
    table: int
    outcome: str  # a sentence
    type_label: str
    deal: tuple[tuple[str, str], ...]  # (issue, option) of the signed package
    tailoring: str | None  # the deal's T and PD (public: the projector shows every table's)
    partnership: str | None
    points: str  # this role's utility
    batna: str  # this role's BATNA after events
    batna_start: str  # the scenario's BATNA for this role: the score's 0
    score: str  # 0-100
    percentile: str | None  # "better than 60 % of the EU seats"
    guess_mine: str | None  # "You estimated the government's BATNA at 40 points."
    guess_about_me: str | None  # "The government estimated yours at 55 points."
    class_mean: str
    class_rows: tuple[ClassRow, ...]
    map: Figure | None


def _points(v: float | None) -> str:
    return "–" if v is None else f"{v:g}"


@dataclass(frozen=True)
class Seat:
    step: int
    table: int
    role: str


def seats_by_step(log: Sequence[Event], player_id: str) -> dict[int, Seat]:
    """Where a player sat at the end of each step the log reached (moves and removals count)."""
    out: dict[int, Seat] = {}
    step, seat = 0, None
    for e in log:
        if e.type == EventType.STEP_STARTED:
            if seat is not None:
                out[step] = Seat(step, *seat)
            step = int(e.data["step"])
        elif (e.type in (EventType.SEAT_ASSIGNED, EventType.PLAYER_KICKED)
              and e.data.get("player") == player_id):
            table, role = e.data.get("table"), e.data.get("role")
            seat = None
            if e.type == EventType.SEAT_ASSIGNED and table is not None and role:
                seat = (int(table), str(role))
    if seat is not None:
        out[step] = Seat(step, *seat)
    return out


def released_steps(state: GameState, log: Sequence[Event]) -> list[int]:
    """Steps whose results students may see now: the current one when `results_visible`, and
    each earlier one that showed its results (shown at once, or released during that step)."""
    released = set()
    step = 0
    for e in log:
        if e.type == EventType.STEP_STARTED:
            step = int(e.data["step"])
        elif e.type == EventType.RESULTS_RELEASED:
            released.add(step)
    out = [s for s in range(state.step) if state.setup.show_results or s in released]
    if results_visible(state):
        out.append(state.step)
    return out


def student_results(state: GameState, scores: GameScores, seat: Seat, name: str) -> StudentResults:
    """One step's results as the role of `seat` may see them (`scores`: that step's)."""
    sc = state.setup.scenarios[seat.step]
    tables = state.tables if seat.step == state.step else state.past[seat.step]
    if seat.table not in tables:
        raise NotSeated(seat)
    role = sc.role(seat.role)
    mine = next((t for t in scores.tables if t.table == seat.table), None)
    if mine is None:
        raise NotSeated(seat)
    own = mine.role(role.id)
    if mine.valid and mine.deal:
        outcome = _("Your table signed an agreement.")
        deal = tuple(
            (sc.issue(i.id).title, sc.option(i.id, mine.deal[i.id]).label)
            for i in sc.issues if i.id in mine.deal
        )
    else:
        reason = deadlock_message(sc, mine.deadlock_reason)
        why = said(reason) if reason is not None else None
        outcome = (_("Your table reached no agreement: %(why)s; every role got its BATNA.", why=why)
                   if why else _("Your table reached no agreement; every role got its BATNA."))
        deal = ()
    pct = scores.shown_percentile(mine.table, role.id)  # as the play page: 3 or more other seats
    percentile = (
        None if pct is None
        else _("Your score beats %(percent)s of the other %(role)s seats in the class.",
               percent=format_percent(pct / 100), role=short_name(role.name))
    )
    table = tables[seat.table]
    guess_mine = guess_about_me = None
    for g_role, value in table.batna_guesses.items():
        if g_role == role.id:
            other = next((r for r in sc.roles if r.signatory and r.id != role.id and r.side != role.side
                          and r.id in sc.table.roles), None)
            whose = short_name(other.name) if other else _("other side")
            guess_mine = _("You estimated the %(role)s's BATNA at %(points)s points.", role=whose,
                           points=format_decimal(value, "#,##0.###"))
        elif sc.role(g_role).signatory and role.signatory and sc.role(g_role).side != role.side:
            guess_about_me = _(
                "The %(role)s estimated yours at %(points)s points (your BATNA ended at %(batna)s).",
                role=short_name(sc.role(g_role).name), points=format_decimal(value, "#,##0.###"),
                batna=format_decimal(role.batna + table.batna_shift.get(role.id, 0.0), "#,##0.###"))
    same_role = [t.role(role.id).score for t in scores.tables]
    known = [s for s in same_role if s is not None]
    rows = tuple(
        ClassRow(t.table, t.table == mine.table, _(TYPE_LABELS.get(t.table_type, t.table_type)),
                 f2(t.role(role.id).score, 0))
        for t in scores.tables
    )
    dots = [
        MapDot(t.table, t.differentiation.tailoring, t.differentiation.partnership, 1.0, t.table_type)
        for t in scores.tables if t.valid and t.differentiation
    ]
    deadlocks = [t.table for t in scores.tables if not t.valid]
    fig = differentiation_map(f"you-map-{mine.table}", dots, deadlocks, sized=False,
                              highlight=mine.table) if dots else None
    steps = len(state.setup.scenarios)
    return StudentResults(
        game_title=state.setup.campaign.title if state.setup.campaign else sc.title,
        scenario_title=sc.title,
        step_note=_("Scenario %(step)d of %(steps)d", step=seat.step + 1, steps=steps)
        if steps > 1 else "",
        name=name,
        role_name=role.name,
        table=mine.table,
        outcome=outcome,
        type_label=_(TYPE_LABELS.get(mine.table_type, mine.table_type)),
        deal=deal,
        tailoring=f2(mine.differentiation.tailoring) if deal and mine.differentiation else None,
        partnership=f2(mine.differentiation.partnership) if deal and mine.differentiation else None,
        points=_points(own.utility),
        batna=_points(own.batna_after),
        batna_start=_points(own.batna),
        score=f2(own.score, 0),
        percentile=percentile,
        guess_mine=guess_mine,
        guess_about_me=guess_about_me,
        class_mean=f2(sum(known) / len(known), 0) if known else "–",
        class_rows=rows,
        map=fig,
    )
