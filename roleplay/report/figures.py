"""The debrief plots (SCORING.md, "Debrief plots"), each with its numbers as a table.

Every builder takes plain numbers and returns a `Figure`: an inline SVG with
an accessible name, a text alternative and the data table shown beside it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from markupsafe import Markup

from ..i18n import N_
from ..scoring.measures import PD_SPLIT, TAILORING_SPLIT, TYPE_LABELS
from .language import _, ngettext
from .svg import Chart, Point, group_labels, nice_ticks, padded

EU_COLOUR = "#0072B2"
GOV_COLOUR = "#D55E00"
TYPE_COLOURS = {
    "unilateral_template": "#56B4E9",
    "joint_standard": "#009E73",
    "cherry_picking": "#E69F00",
    "tailor_made_partnership": "#CC79A7",
    _("deadlock"): "#777777",
}
CHANNEL_COLOURS = {
    "official": "#0072B2",
    "non_governmental": "#009E73",
    "unofficial": "#CC79A7",
    "parliamentary": "#E69F00",
    "team": "#999999",
    "table": "#8C564B",
    "game": "#000000",
}
SPARE_COLOURS = ("#56B4E9", "#D55E00", "#F0E442", "#882255", "#44AA99", "#117733")
#: Up to this many tables, marks carry visible labels (beyond, tooltips only).
LABEL_LIMIT = 20


def channel_colour(channel: str, known: dict[str, str]) -> str:
    if channel in CHANNEL_COLOURS:
        return CHANNEL_COLOURS[channel]
    if channel not in known:
        known[channel] = SPARE_COLOURS[len(known) % len(SPARE_COLOURS)]
    return known[channel]


def f2(v: float | None, digits: int = 2) -> str:
    return "–" if v is None else f"{v:.{digits}f}"


@dataclass(frozen=True)
class DataTable:
    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Figure:
    id: str
    title: str
    alt: str  # the text alternative: what the plot shows, in words
    svg: Markup
    tables: tuple[DataTable, ...] = ()
    notes: tuple[str, ...] = ()


# -- differentiation map ------------------------------------------------------------------


@dataclass(frozen=True)
class MapDot:
    table: int
    tailoring: float
    partnership: float
    joint_gain: float  # J − J_d
    table_type: str


def _values(vs: Sequence[float]) -> str:
    """'52' or '47, 52, 55' (no English 'and': the list goes inside a translated sentence)."""
    return ", ".join(f"{v:g}" for v in vs)


def _sentences(*parts: str) -> str:
    """A description from whole translated sentences; empty ones are left out."""
    return " ".join(part for part in parts if part)


#: What an offer was, for its mark's tooltip and the timeline's table.
OFFER_LABELS = {"opening": N_("opening"), "proposal": N_("proposal")}
OFFER_TITLES = {
    "opening": N_("%(side)s opening at %(time)s s: %(points)s points"),
    "proposal": N_("%(side)s proposal at %(time)s s: %(points)s points"),
}
#: A timeline marker's kind, and its tooltip.
MARKER_KINDS = {"event": N_("event"), "action": N_("action"), "chat": N_("chat")}
MARKER_TITLES = {
    "event": N_("event (%(channel)s): %(label)s"),
    "action": N_("action (%(channel)s): %(label)s"),
    "chat": N_("chat (%(channel)s): %(label)s"),
}


def differentiation_map(
    fig_id: str,
    dots: Sequence[MapDot],
    deadlocks: Sequence[int],
    *,
    sized: bool = True,
    highlight: int | None = None,
) -> Figure:
    """T against PD, a dot per table with a deal. `sized=False` draws equal dots and leaves the
    joint gains out (a student's page: with its own points they would give away the other
    side's); `highlight` rings one table ("your table")."""
    c = Chart((0.0, 1.0), (0.0, 1.0), width=620, height=460)
    c.rect(0, 0, TAILORING_SPLIT, PD_SPLIT, fill=TYPE_COLOURS["unilateral_template"], fill_opacity=0.12)
    c.rect(0, PD_SPLIT, TAILORING_SPLIT, 1, fill=TYPE_COLOURS["joint_standard"], fill_opacity=0.12)
    c.rect(TAILORING_SPLIT, 0, 1, PD_SPLIT, fill=TYPE_COLOURS["cherry_picking"], fill_opacity=0.12)
    c.rect(TAILORING_SPLIT, PD_SPLIT, 1, 1, fill=TYPE_COLOURS["tailor_made_partnership"], fill_opacity=0.12)
    c.vline(TAILORING_SPLIT, stroke="#555", stroke_dasharray="6 4")
    c.hline(PD_SPLIT, stroke="#555", stroke_dasharray="6 4")
    c.text(0.01, 0.01, _("unilateral template"), dy=-6, cls="quadrant")
    c.text(0.01, 0.99, _("joint standard"), dy=14, cls="quadrant")
    c.text(0.99, 0.01, _("cherry-picking"), dy=-6, anchor="end", cls="quadrant")
    c.text(0.99, 0.99, _("tailor-made partnership"), dy=14, anchor="end", cls="quadrant")
    c.axes(
        _("Tailoring T (Brussels' lens: departure from the EU template)"),
        _("Partnership differentiation PD (Baku's lens)"),
        x_ticks=[0, 0.25, 0.5, 0.75, 1],
        y_ticks=[0, 0.25, 0.5, 0.75, 1],
    )
    top_gain = max((d.joint_gain for d in dots), default=0.0)
    for d in sorted(dots, key=lambda d: -d.joint_gain):  # big dots first, small ones stay visible
        r = 4 + 12 * math.sqrt(max(d.joint_gain, 0) / top_gain) if top_gain > 0 and sized else 7
        kind = _(TYPE_LABELS.get(d.table_type, d.table_type))
        c.circle(
            d.tailoring,
            d.partnership,
            r,
            fill=TYPE_COLOURS.get(d.table_type, "#777"),
            fill_opacity=0.75,
            stroke="#222",
            stroke_width=1,
            title=_("Table %(table)s: T %(t)s, PD %(pd)s, joint gains %(gain)s (%(type)s)", table=d.table,
                    t=f"{d.tailoring:.2f}", pd=f"{d.partnership:.2f}", gain=f"{d.joint_gain:.0f}", type=kind)
            if sized
            else _("Table %(table)s: T %(t)s, PD %(pd)s (%(type)s)", table=d.table, t=f"{d.tailoring:.2f}",
                   pd=f"{d.partnership:.2f}", type=kind),
        )
        if d.table == highlight:
            c.circle(d.tailoring, d.partnership, r + 6, fill="none", stroke="#111", stroke_width=3,
                     title=_("Your table: table %(table)s", table=d.table))
            c.text(d.tailoring, d.partnership, _("your table"), dx=r + 10, dy=22, cls="quadrant")
    for x, y, label in group_labels(
        [(d.tailoring, d.partnership, f"T{d.table}") for d in dots], limit=LABEL_LIMIT
    ):
        c.text(x, y, label, dx=14, dy=-10, cls="mark-label")
    counts = {t: sum(1 for d in dots if d.table_type == t) for t in TYPE_COLOURS if t != "deadlock"}
    alt = _sentences(
        ngettext(
            "Scatter plot of %(n)s table with an agreement: tailoring T on the horizontal axis against "
            "partnership differentiation PD on the vertical axis, split at T %(t)s and PD %(pd)s.",
            "Scatter plot of %(n)s tables with an agreement: tailoring T on the horizontal axis against "
            "partnership differentiation PD on the vertical axis, split at T %(t)s and PD %(pd)s.",
            len(dots), t=TAILORING_SPLIT, pd=PD_SPLIT,
        ),
        _("Tables by type: %(types)s.",
          types="; ".join(f"{_(TYPE_LABELS[t])} {n}" for t, n in counts.items())),
        ngettext("%(n)s deadlocked table has no T or PD and is not shown.",
                 "%(n)s deadlocked tables have no T or PD and are not shown.", len(deadlocks))
        if deadlocks
        else _("No table deadlocked."),
    )
    rows = tuple(
        (
            str(d.table),
            f2(d.tailoring),
            f2(d.partnership),
            f"{d.joint_gain:.1f}",
            _(TYPE_LABELS.get(d.table_type, d.table_type)),
        )
        for d in sorted(dots, key=lambda d: d.table)
    ) + tuple((str(t), "–", "–", "–", _("deadlock")) for t in deadlocks)
    return Figure(
        fig_id,
        _("Differentiation map"),
        alt,
        c.render(_("Differentiation map: %(alt)s", alt=alt)),
        (
            DataTable(
                _("Tables on the map (dot area grows with joint gains J − J_d)"),
                (_("Table"), "T", "PD", "J − J_d", _("Type")),
                rows,
            ),
        ),
    )


# -- outcome space -----------------------------------------------------------------------


@dataclass(frozen=True)
class Path:
    table: int
    points: tuple[Point, ...]  # proposals in order (openings first), (EU, government) points
    deal: Point | None
    table_type: str
    batna_after: Point  # post-event (EU, government) BATNAs


@dataclass(frozen=True)
class Space:
    eu_role: str
    government_role: str
    eu_name: str
    government_name: str
    packages: tuple[Point, ...]  # every package, or a sample
    package_count: int
    sampled: bool
    frontier: tuple[Point, ...]
    zopa: tuple[Point, ...]  # the agreement set's frontier (pre-event BATNAs)
    batna: Point  # pre-event (EU, government)
    nash: Point | None
    kalai_smorodinsky: Point | None
    extra: tuple[tuple[str, Point], ...] = field(default=())  # e.g. the history package


def _range(values: Sequence[float]) -> tuple[float, float]:
    lo, hi = min((0.0, *values)), max((100.0, *values))
    return padded(lo, hi, 0.03)


def _zopa_polygon(zopa: Sequence[Point], batna: Point) -> list[Point]:
    if not zopa:
        return []
    front = sorted(zopa)
    return [batna, (batna[0], front[0][1]), *front, (front[-1][0], batna[1])]


#: Up to this many distinct post-event BATNAs per side are drawn as lines; more as a band.
BATNA_LINES = 4


def _batnas_after(c: Chart, values: Sequence[float], *, vertical: bool, colour: str, who: str) -> None:
    if not values:
        return
    if len(values) <= BATNA_LINES:
        for v in values:
            draw = c.vline if vertical else c.hline
            draw(
                v, stroke=colour, stroke_dasharray="5 3",
                title=_("%(side)s BATNA after events: %(value)s", side=who, value=f"{v:g}"),
            )
        return
    lo, hi = values[0], values[-1]
    mid = values[len(values) // 2]
    title = ngettext(
        "%(side)s BATNA after events: %(n)s value from %(lo)s to %(hi)s (middle %(mid)s)",
        "%(side)s BATNA after events: %(n)s values from %(lo)s to %(hi)s (middle %(mid)s)",
        len(values), side=who, lo=f"{lo:g}", hi=f"{hi:g}", mid=f"{mid:g}",
    )
    if vertical:
        c.rect(lo, c.y_range[0], hi, c.y_range[1], fill=colour, fill_opacity=0.08)
        c.vline(mid, stroke=colour, stroke_dasharray="5 3", title=title)
    else:
        c.rect(c.x_range[0], lo, c.x_range[1], hi, fill=colour, fill_opacity=0.08)
        c.hline(mid, stroke=colour, stroke_dasharray="5 3", title=title)


def outcome_space(fig_id: str, space: Space, paths: Sequence[Path], *, table: int | None = None) -> Figure:
    """The package space; with `table`, one table's negotiation dance only."""
    everything = [*space.packages, *space.frontier, space.batna, *(p for path in paths for p in path.points)]
    c = Chart(
        _range([p[0] for p in everything]),
        _range([p[1] for p in everything]),
        width=620 if table is None else 420,
        height=460 if table is None else 340,
    )
    eu, gov = space.eu_name, space.government_name
    if table is None:
        for x, y in space.packages:
            c.circle(x, y, 1.8, fill="#9a9a9a", fill_opacity=0.55)
    c.polygon(
        _zopa_polygon(space.zopa, space.batna),
        fill="#009E73",
        fill_opacity=0.12,
        title=_("zone of possible agreement (before events)"),
    )
    front = sorted(space.frontier)
    c.polyline(front, stroke="#222", stroke_width=1.6, title=_("Pareto frontier"))
    for x, y in front:
        c.circle(x, y, 2.6, fill="#222")
    before = N_("%(side)s BATNA before events")
    c.vline(space.batna[0], stroke=EU_COLOUR, stroke_width=1.4, title=_(before, side=eu))
    c.hline(space.batna[1], stroke=GOV_COLOUR, stroke_width=1.4, title=_(before, side=gov))
    after_eu = sorted({p.batna_after[0] for p in paths} - {space.batna[0]})
    after_gov = sorted({p.batna_after[1] for p in paths} - {space.batna[1]})
    _batnas_after(c, after_eu, vertical=True, colour=EU_COLOUR, who=eu)
    _batnas_after(c, after_gov, vertical=False, colour=GOV_COLOUR, who=gov)
    c.axes(_("%(side)s points", side=eu), _("%(side)s points", side=gov))
    for path in paths:
        colour = TYPE_COLOURS.get(path.table_type, "#555")
        c.polyline(
            path.points,
            stroke=colour if table is not None else "#555",
            stroke_width=1.8 if table is not None else 1,
            stroke_opacity=0.9 if table is not None else 0.45,
            title=ngettext("Table %(table)s: offer path (%(n)s proposal)",
                           "Table %(table)s: offer path (%(n)s proposals)", len(path.points),
                           table=path.table),
        )
        for i, (x, y) in enumerate(path.points):
            c.circle(
                x,
                y,
                3 if table is not None else 2,
                fill="#fff",
                stroke="#555",
                stroke_width=1,
                title=_("Table %(table)s, proposal %(n)s: (%(x)s, %(y)s)", table=path.table, n=i + 1,
                        x=f"{x:g}", y=f"{y:g}"),
            )
        if table is not None:
            numbered = [(x, y, str(i + 1)) for i, (x, y) in enumerate(path.points)]
            for x, y, label in group_labels(numbered, noun="proposals", limit=LABEL_LIMIT):
                c.text(x, y, label, dx=6, dy=-5, cls="mark-label small")
    if space.nash is not None:
        c.diamond(*space.nash, 13, fill="#000", title=_("Nash solution (%(x)s, %(y)s)",
                                                           x=f"{space.nash[0]:g}", y=f"{space.nash[1]:g}"))
    if space.kalai_smorodinsky is not None:
        ks = space.kalai_smorodinsky
        c.square(
            *ks,
            10,
            fill="none",
            stroke="#000",
            stroke_width=2,
            title=_("Kalai–Smorodinsky solution (%(x)s, %(y)s)", x=f"{ks[0]:g}", y=f"{ks[1]:g}"),
        )
    for label, (x, y) in space.extra:
        c.square(x, y, 10, fill="#F0E442", stroke="#000", title=f"{label} ({x:g}, {y:g})")
    for path in paths:
        if path.deal is not None:
            c.circle(
                *path.deal,
                7,
                fill=TYPE_COLOURS.get(path.table_type, "#555"),
                stroke="#000",
                stroke_width=1.4,
                title=_("Table %(table)s: deal (%(x)s, %(y)s)", table=path.table, x=f"{path.deal[0]:g}",
                        y=f"{path.deal[1]:g}"),
            )
    if table is None:
        deals = [(*p.deal, f"T{p.table}") for p in paths if p.deal is not None]
        for x, y, label in group_labels(deals, limit=LABEL_LIMIT):
            c.text(x, y, label, dx=9, dy=13, cls="mark-label")
    legend = [
        ("circle", "#9a9a9a", _("package")),
        ("line", "#222", _("Pareto frontier")),
        ("line", EU_COLOUR, _("%(side)s BATNA", side=eu)),
        ("line", GOV_COLOUR, _("%(side)s BATNA", side=gov)),
    ]
    if after_eu or after_gov:
        legend.append(("dash", "#555", _("BATNA after events")))
    legend += [("diamond", "#000", _("Nash")), ("ring", "#000", _("Kalai–Smorodinsky"))]
    if space.extra:
        legend.append(("square", "#F0E442", _("history")))
    legend.append(("circle", "#E69F00", _("deal (colour: its type)")))
    if table is None:
        c.legend(legend)
    else:
        c.legend(
            [
                ("line", EU_COLOUR, _("%(side)s BATNA", side=eu)),
                ("line", GOV_COLOUR, _("%(side)s BATNA", side=gov)),
                ("diamond", "#000", _("Nash")),
                ("ring", "#000", _("KS")),
            ]
        )
    n_deals = sum(1 for p in paths if p.deal is not None)
    if table is None:
        ks_point = space.kalai_smorodinsky
        alt = _sentences(
            ngettext("Outcome space in (%(eu)s points, %(gov)s points): %(count)s package.",
                     "Outcome space in (%(eu)s points, %(gov)s points): %(count)s packages.",
                     space.package_count, eu=eu, gov=gov, count=f"{space.package_count:,}"),
            _("A sample of them is drawn.") if space.sampled else "",
            ngettext("The Pareto frontier has %(n)s package.", "The Pareto frontier has %(n)s packages.",
                     len(space.frontier)),
            _("BATNA lines at %(eu)s and %(gov)s before events.", eu=f"{space.batna[0]:g}",
              gov=f"{space.batna[1]:g}"),
            *(_("%(side)s BATNA after events: %(values)s.", side=who, values=_values(after))
              for who, after in ((eu, after_eu), (gov, after_gov)) if after),
            _("The Nash point is at (%(x)s, %(y)s).", x=f"{space.nash[0]:g}", y=f"{space.nash[1]:g}")
            if space.nash
            else "",
            _("The Kalai–Smorodinsky point is at (%(x)s, %(y)s).", x=f"{ks_point[0]:g}",
              y=f"{ks_point[1]:g}")
            if ks_point
            else "",
            ngettext("%(n)s deal.", "%(n)s deals.", n_deals),
            ngettext("The offer paths of %(n)s table.", "The offer paths of %(n)s tables.", len(paths)),
        )
        title = _("Outcome space")
    else:
        first = paths[0] if paths else None
        n = len(first.points) if first else 0
        alt = _sentences(
            ngettext("Offer path of table %(table)s in (%(eu)s points, %(gov)s points): "
                     "%(n)s proposal in order.",
                     "Offer path of table %(table)s in (%(eu)s points, %(gov)s points): "
                     "%(n)s proposals in order.",
                     n, table=table, eu=eu, gov=gov),
            _("It ends in a deal at (%(x)s, %(y)s).", x=f"{first.deal[0]:g}", y=f"{first.deal[1]:g}")
            if first and first.deal
            else _("It ends without a deal."),
            _("With the Pareto frontier and the BATNA lines."),
        )
        title = _("Table %(table)s: the negotiation dance", table=table)
    rows: list[tuple[str, ...]] = [(_("BATNAs before events"), f"{space.batna[0]:g}", f"{space.batna[1]:g}")]
    if space.nash:
        rows.append((_("Nash solution"), f"{space.nash[0]:g}", f"{space.nash[1]:g}"))
    if space.kalai_smorodinsky:
        rows.append(
            (_("Kalai–Smorodinsky"), f"{space.kalai_smorodinsky[0]:g}", f"{space.kalai_smorodinsky[1]:g}")
        )
    rows += [(label, f"{x:g}", f"{y:g}") for label, (x, y) in space.extra]
    for path in paths:
        rows.append(
            (
                _("Table %(table)s: BATNAs after events", table=path.table),
                f"{path.batna_after[0]:g}",
                f"{path.batna_after[1]:g}",
            )
        )
        if table is not None:
            rows += [(_("Proposal %(n)s", n=i + 1), f"{x:g}", f"{y:g}")
                     for i, (x, y) in enumerate(path.points)]
        if path.deal is not None:
            rows.append((_("Table %(table)s: deal", table=path.table),
                         f"{path.deal[0]:g}", f"{path.deal[1]:g}"))
    tables = [DataTable(_("Points of note"), ("", eu, gov), tuple(rows))]
    if table is None:
        tables.append(DataTable(_("Pareto frontier"), (eu, gov),
                                tuple((f"{x:g}", f"{y:g}") for x, y in front)))
    return Figure(fig_id, title, alt, c.render(f"{title}: {alt}"), tuple(tables))


# -- concession timeline -------------------------------------------------------------------


@dataclass(frozen=True)
class Offer:
    time: float  # seconds since the step started
    side: str  # 'eu' or 'government'
    points: float  # the proposing side's own points
    label: str  # e.g. "opening" or "proposal"


@dataclass(frozen=True)
class Marker:
    time: float
    channel: str  # a channel id, or 'table' / 'game' for what everyone at the table saw
    kind: str  # 'event', 'action' or 'chat'
    label: str


def _time_unit(span: float) -> tuple[float, str]:
    return (60.0, N_("minutes")) if span >= 120 else (1.0, N_("seconds"))


def concession_timeline(
    fig_id: str,
    table: int,
    offers: Sequence[Offer],
    markers: Sequence[Marker],
    phases: Sequence[tuple[float, str]],
    batna_after: dict[str, float],
    roles: dict[str, str],
) -> Figure:
    times = [o.time for o in offers] + [m.time for m in markers] + [t for t, _ in phases]
    span = max(times, default=1.0) or 1.0
    unit, unit_name = _time_unit(span)
    values = [o.points for o in offers] + list(batna_after.values())
    c = Chart((0.0, span / unit * 1.02), _range(values), width=620, height=330, bottom=58)
    for t, title in phases:
        c.vline(t / unit, stroke="#bbb", stroke_dasharray="2 3", title=_("phase: %(phase)s", phase=title))
    c.axes(
        _("Time since the scenario started (%(unit)s)", unit=_(unit_name)),
        _("Own points of the proposal"),
        x_ticks=nice_ticks(0, span / unit * 1.02, 6),
    )
    extra: dict[str, str] = {}
    seen_channels: dict[str, str] = {}
    y_top = c.y_range[1]
    for m in markers:
        colour = channel_colour(m.channel, extra)
        seen_channels[m.channel] = colour
        x = m.time / unit
        if m.kind == "chat":
            c.line(
                x,
                c.y_range[0],
                x,
                c.y_range[0] + (y_top - c.y_range[0]) * 0.04,
                stroke=colour,
                stroke_width=1.2,
                title=_(MARKER_TITLES["chat"], channel=m.channel, label=m.label),
            )
        else:
            c.vline(
                x,
                stroke=colour,
                stroke_width=1.6,
                stroke_opacity=0.8,
                title=_(MARKER_TITLES.get(m.kind, "%(channel)s: %(label)s"), channel=m.channel,
                        label=m.label),
            )
            c.diamond(
                x,
                y_top,
                9 if m.kind == "event" else 7,
                fill=colour,
                title=_(MARKER_TITLES.get(m.kind, "%(channel)s: %(label)s"), channel=m.channel,
                        label=m.label),
            )
    for side, colour in (("eu", EU_COLOUR), ("government", GOV_COLOUR)):
        if side in batna_after:
            c.hline(
                batna_after[side],
                stroke=colour,
                stroke_dasharray="5 3",
                title=_("%(side)s BATNA after events: %(value)s", side=roles.get(side, side),
                        value=f"{batna_after[side]:g}"),
            )
        own = [o for o in offers if o.side == side]
        if not own:
            continue
        steps: list[Point] = []
        for i, o in enumerate(own):
            if i:
                steps.append((o.time / unit, own[i - 1].points))
            steps.append((o.time / unit, o.points))
        steps.append((span / unit * 1.02, own[-1].points))
        c.polyline(steps, stroke=colour, stroke_width=2)
        for o in own:
            mark = c.circle if side == "eu" else c.square
            mark(
                o.time / unit,
                o.points,
                4 if side == "eu" else 8,
                fill=colour,
                title=_(OFFER_TITLES.get(o.label, OFFER_TITLES["proposal"]), side=roles.get(side, side),
                        time=f"{o.time:.0f}", points=f"{o.points:g}"),
            )
    legend = [
        ("circle", EU_COLOUR, _("%(side)s proposals", side=roles.get("eu", "EU"))),
        ("square", GOV_COLOUR, _("%(side)s proposals", side=roles.get("government", "government"))),
    ]
    legend += [("line", colour, ch.replace("_", " ")) for ch, colour in seen_channels.items()]
    c.legend(legend)
    n_eu = sum(1 for o in offers if o.side == "eu")
    n_gov = len(offers) - n_eu
    events = sum(1 for m in markers if m.kind != "chat")
    chats = len(markers) - events
    first_last = []
    for side in ("eu", "government"):
        own = [o for o in offers if o.side == side]
        if own:
            first_last.append(_("%(side)s went from %(first)s to %(last)s points.",
                                side=roles.get(side, side), first=f"{own[0].points:g}",
                                last=f"{own[-1].points:g}"))
    alt = _sentences(
        _("Concession timeline of table %(table)s.", table=table),
        ngettext("%(side)s made %(n)s proposal.", "%(side)s made %(n)s proposals.", n_eu,
                 side=roles.get("eu", "EU")),
        ngettext("%(side)s made %(n)s proposal.", "%(side)s made %(n)s proposals.", n_gov,
                 side=roles.get("government", "government")),
        *first_last,
        ngettext("%(n)s event or action marker, coloured by channel.",
                 "%(n)s event or action markers, coloured by channel.", events),
        ngettext("%(n)s chat line, coloured by channel.", "%(n)s chat lines, coloured by channel.", chats),
    )
    rows = tuple(
        (f"{o.time:.1f}", roles.get(o.side, o.side), _(OFFER_LABELS.get(o.label, o.label)), f"{o.points:g}")
        for o in offers
    ) + tuple(
        (f"{m.time:.1f}", m.channel.replace("_", " "), _(MARKER_KINDS.get(m.kind, m.kind)), m.label)
        for m in markers
        if m.kind != "chat"
    )
    return Figure(
        fig_id,
        _("Table %(table)s: concessions over time", table=table),
        alt,
        c.render(_("Concession timeline: %(alt)s", alt=alt)),
        (
            DataTable(
                _("Proposals, events and actions (time in seconds)"),
                (_("Time (s)"), _("Who / channel"), _("What"), _("Points / text")),
                rows,
            ),
        ),
    )


# -- power panel -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PowerDot:
    table: int
    side: str
    defensive: float
    offensive: float


def _side_marks(c: Chart, marks: Sequence[tuple[str, int, float, float, str]]) -> None:
    """One titled mark per (side, table, x, y, title): the EU's a circle, the government's a
    square; each side's table labels beside its marks, grouped where marks sit together."""
    for side, _table, x, y, title in marks:
        if side == "eu":
            c.circle(x, y, 6, fill=EU_COLOUR, fill_opacity=0.8, title=title)
        else:
            c.square(x, y, 11, fill=GOV_COLOUR, fill_opacity=0.8, title=title)
    for side, colour, dy in (("eu", EU_COLOUR, -7), ("government", GOV_COLOUR, 15)):
        own = [(x, y, f"T{table}") for s, table, x, y, _t in marks if s == side]
        for lx, ly, label in group_labels(own, limit=LABEL_LIMIT):
            c.text(lx, ly, label, dx=8, dy=dy, cls="mark-label", fill=colour)


def power_panel(
    fig_id: str, dots: Sequence[PowerDot], missing: Sequence[int], roles: dict[str, str]
) -> Figure:
    c = Chart((-0.02, 1.02), (-0.02, 1.02), width=560, height=460)
    c.line(0, 0, 1, 1, stroke="#ccc", stroke_dasharray="4 4", title=_("defensive = offensive"))
    c.axes(
        _("Defensive power DP (how little the side gave way where the other cared)"),
        _("Offensive power OP (how far it moved the other)"),
        x_ticks=[0, 0.25, 0.5, 0.75, 1],
        y_ticks=[0, 0.25, 0.5, 0.75, 1],
    )
    _side_marks(c, [(d.side, d.table, d.defensive, d.offensive,
                     _("Table %(table)s, %(side)s: DP %(dp)s, OP %(op)s", table=d.table,
                       side=roles.get(d.side, d.side), dp=f"{d.defensive:.2f}", op=f"{d.offensive:.2f}"))
                    for d in dots])
    c.legend(
        [
            ("circle", EU_COLOUR, roles.get("eu", "EU")),
            ("square", GOV_COLOUR, roles.get("government", "government")),
        ]
    )
    means = []
    for side in ("eu", "government"):
        mine = [d for d in dots if d.side == side]
        if mine:
            means.append(_("%(side)s: mean DP %(dp)s, mean OP %(op)s.", side=roles.get(side, side),
                           dp=f"{sum(d.defensive for d in mine) / len(mine):.2f}",
                           op=f"{sum(d.offensive for d in mine) / len(mine):.2f}"))
    alt = _sentences(
        ngettext("Scatter plot of defensive power (horizontal) against offensive power (vertical), one mark "
                 "per side per table, %(n)s table.",
                 "Scatter plot of defensive power (horizontal) against offensive power (vertical), one mark "
                 "per side per table, %(n)s tables.", len({d.table for d in dots})),
        *means,
        ngettext("%(n)s table has no measure (a deadlock, or openings that agreed).",
                 "%(n)s tables have no measure (a deadlock, or openings that agreed).", len(missing))
        if missing
        else "",
    )
    rows = tuple(
        (str(d.table), roles.get(d.side, d.side), f2(d.defensive), f2(d.offensive))
        for d in sorted(dots, key=lambda d: (d.table, d.side))
    ) + tuple((str(t), "–", "–", "–") for t in missing)
    return Figure(
        fig_id,
        _("Bargaining power"),
        alt,
        c.render(_("Power panel: %(alt)s", alt=alt)),
        (DataTable(_("Defensive and offensive power per side"), (_("Table"), _("Side"), "DP", "OP"), rows),),
    )


# -- BATNA guesses -------------------------------------------------------------------------


@dataclass(frozen=True)
class GuessDot:
    table: int
    side: str  # the guesser's side
    truth: float  # the other side's BATNA when guessed
    guess: float


def guess_panel(fig_id: str, dots: Sequence[GuessDot], roles: dict[str, str]) -> Figure:
    """Each signatory's guess of the other side's BATNA (vertical) against the truth."""
    values = [v for d in dots for v in (d.truth, d.guess)] or [0.0, 100.0]
    lo, hi = padded(min(0.0, *values), max(100.0, *values), 0.03)
    c = Chart((lo, hi), (lo, hi), width=560, height=460)
    c.polygon([(lo, lo), (hi, lo), (hi, hi)], fill="#f4f0e6", title=_("below the line: guessed too low"))
    c.line(lo, lo, hi, hi, stroke="#777", stroke_dasharray="5 4", title=_("a perfect guess"))
    c.text(hi, lo, _("guessed too low: the other side looked weaker"), dx=-6, dy=-8, anchor="end",
           cls="quadrant")
    c.text(lo, hi, _("guessed too high"), dx=6, dy=16, cls="quadrant")
    other = {"eu": roles.get("government", "government"), "government": roles.get("eu", "EU")}
    c.axes(_("The other side's real BATNA (points)"), _("The guess (points)"))
    _side_marks(c, [(d.side, d.table, d.truth, d.guess,
                     _("Table %(table)s: %(side)s guessed %(guess)s for the %(other)s's BATNA; "
                       "it was %(truth)s",
                       table=d.table, side=roles.get(d.side, d.side), guess=f"{d.guess:g}",
                       other=other.get(d.side, d.side), truth=f"{d.truth:g}"))
                    for d in dots])
    c.legend(
        [
            ("circle", EU_COLOUR, _("%(side)s guessing the %(other)s", side=roles.get("eu", "EU"),
                                    other=other["eu"])),
            ("square", GOV_COLOUR, _("%(side)s guessing the %(other)s",
                                     side=roles.get("government", "government"), other=other["government"])),
        ]
    )
    parts = []
    for side in ("eu", "government"):
        mine = [d for d in dots if d.side == side]
        if mine:
            low = sum(1 for d in mine if d.guess < d.truth - 1e-9)
            mean = sum(d.guess - d.truth for d in mine) / len(mine)
            parts.append(ngettext(
                "%(side)s: %(n)s guess, %(low)s below the truth, mean error %(error)s points.",
                "%(side)s: %(n)s guesses, %(low)s below the truth, mean error %(error)s points.",
                len(mine), side=roles.get(side, side), low=low, error=f"{mean:+.1f}",
            ))
    alt = _sentences(
        _("Scatter plot of each signatory's guess of the other side's BATNA (vertical) against the "
          "real value (horizontal); marks under the diagonal guessed too low."),
        *(parts or [_("Nobody recorded a guess.")]),
    )
    rows = tuple(
        (
            str(d.table),
            roles.get(d.side, d.side),
            f"{d.guess:g}",
            f"{d.truth:g}",
            f"{d.guess - d.truth:+g}",
        )
        for d in sorted(dots, key=lambda d: (d.table, d.side))
    )
    return Figure(
        fig_id,
        _("Each guess against the real BATNA"),
        alt,
        c.render(_("BATNA guesses: %(alt)s", alt=alt)),
        (DataTable(_("Each guess of the other side's BATNA"),
                   (_("Table"), _("Guesser"), _("Guess"), _("Truth"), _("Error")), rows),),
    )


# -- tables per type ----------------------------------------------------------------------


def type_bars(fig_id: str, counts: Sequence[tuple[str, str, int]]) -> Figure:
    """How many tables ended in each type (type id, label in the report's language, count):
    one bar per type."""
    top = max((n for _i, _l, n in counts), default=0)
    rows = len(counts) or 1
    c = Chart((0.0, max(top, 1) * 1.12), (0.0, float(rows)), width=620, height=60 + 56 * rows,
              left=200, bottom=44)
    c.axes(_("Tables"), "", x_ticks=[t for t in nice_ticks(0, max(top, 1)) if float(t).is_integer()],
           y_ticks=[], grid=True)
    for k, (type_id, label, n) in enumerate(counts):
        y0, y1 = rows - k - 0.8, rows - k - 0.2
        colour = TYPE_COLOURS.get(type_id, "#777")
        if n:
            c.rect(0, y0, n, y1, fill=colour, stroke="#222", stroke_width=0.5)
        c.text_px(c.left - 10, c.sy((y0 + y1) / 2) + 5, label, anchor="end", cls="axis-label")
        c.text(n, (y0 + y1) / 2, str(n), dx=8, dy=5, cls="quadrant")
    alt = _("Bar chart of tables per type: %(counts)s.",
            counts=", ".join(f"{label} {n}" for _t, label, n in counts))
    return Figure(
        fig_id,
        _("Tables per type"),
        alt,
        c.render(alt),
        (DataTable(_("Tables per type"), (_("Type"), _("Tables")),
                   tuple((label, str(n)) for _t, label, n in counts)),),
    )
