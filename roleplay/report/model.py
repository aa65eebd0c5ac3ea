"""From a JSON export (a dict) to what the debrief report shows, step by step.

Pure: reads only the export. The scenario is rebuilt from the export's own
definition, so a report can be rendered from an export file alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..engine.events import EventType
from ..engine.outcomes import deadlock_message
from ..scenario.model import Scenario
from ..scoring import build_space
from ..scoring import frontier as fr
from ..scoring.measures import (
    TYPE_LABELS,
    potential_pd_terms,
    table_type,
    tailoring_terms,
    total,
    weights,
)
from ..scoring.space import Space as ScoringSpace
from ..scoring.space import agreement_frontier, links_hold, package_ids, package_index
from .figures import (
    DataTable,
    Figure,
    GuessDot,
    MapDot,
    Marker,
    Offer,
    Path,
    PowerDot,
    Space,
    concession_timeline,
    differentiation_map,
    f2,
    guess_panel,
    outcome_space,
    power_panel,
)
from .glossary import question_glossary
from .guesses import Guess, class_summary, step_guesses
from .language import _, ngettext, said

#: Up to this many packages every one is drawn; beyond, a seeded sample of this many.
MAX_DRAWN_PACKAGES = 3000
SEAT_EVENTS = frozenset({EventType.SEAT_ASSIGNED, EventType.PLAYER_KICKED})
TRANSCRIPT_TYPES = frozenset(
    {
        EventType.CHAT,
        EventType.OPENING_SUBMITTED,
        EventType.PROPOSAL_MADE,
        EventType.LINKAGE_DECLARED,
        EventType.ACTION_TAKEN,
        EventType.EVENT_FIRED,
        EventType.THRESHOLD_CROSSED,
        EventType.SIGNED,
        EventType.REFUSED,
        EventType.TABLE_SETTLED,
        EventType.MESSAGE,
    }
)


@dataclass(frozen=True)
class Line:
    """One line of a table's transcript."""

    time: str  # seconds since the step started
    who: str
    channel: str
    text: str
    kind: str


@dataclass(frozen=True)
class TableCard:
    table: int
    outcome: str
    type_label: str
    table_type: str
    deal: tuple[tuple[str, str, str], ...]  # (issue title, option label, kind)
    seats: tuple[tuple[str, str], ...]  # (role name, players)
    scores: tuple[tuple[str, str, str], ...]  # (role name, points/utility, score)
    history_match: str
    nash_faced: str  # the Nash package of the problem this table faced after its events
    timeline: Figure
    dance: Figure
    transcript: tuple[Line, ...]
    path: Path
    #: (guesser, whose BATNA, guess, the truth when guessed, the truth at the end)
    guesses: tuple[tuple[str, str, str, str, str], ...] = ()


@dataclass(frozen=True)
class StepView:
    index: int
    anchor: str
    title: str
    scenario_id: str
    version: str
    content_hash: str
    summary: tuple[tuple[str, str], ...]
    types: tuple[tuple[str, str, int], ...]  # (type id, label, count)
    table_rows: tuple[tuple[str, ...], ...]
    table_columns: tuple[str, ...]
    figures: tuple[Figure, ...]
    cards: tuple[TableCard, ...]
    history_text: str
    history_sources: tuple[str, ...]
    history_deadlock: bool
    history_rows: tuple[tuple[str, str, str], ...]  # (issue, what happened, tables' choices)
    questions: tuple[str, ...]
    note: str | None
    guess_figure: Figure | None = None
    #: per question, the plain words for the measures it names
    question_words: tuple[tuple[str, ...], ...] = ()
    #: per side over the class: (guesser, whose BATNA, guesses, mean guess, mean truth,
    #: mean error, how many guessed too low)
    guess_summary: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class ReportView:
    title: str
    subtitle: str
    generated_at: str
    code: str
    anonymized: bool
    players: int
    format_version: int
    campaign: str | None
    steps: tuple[StepView, ...]


# -- helpers ------------------------------------------------------------------------------


def _package_points(space: ScoringSpace) -> tuple[list[tuple[float, float]], bool]:
    """(EU, government) points of every linkage-valid package, or of a seeded sample."""
    eu, gov = space.points[space.eu], space.points[space.government]
    total = space.package_count
    if total <= MAX_DRAWN_PACKAGES:
        grids = np.meshgrid(*[np.arange(n) for n in space.shape], indexing="ij")
        packages = np.stack([g.ravel() for g in grids], axis=1)
        sampled = False
    else:
        rng = np.random.default_rng(total)
        packages = np.stack([rng.integers(0, n, MAX_DRAWN_PACKAGES) for n in space.shape], axis=1)
        sampled = True
    xs = sum(eu[k][packages[:, k]] for k in range(len(space.shape)))
    ys = sum(gov[k][packages[:, k]] for k in range(len(space.shape)))
    points = []
    for row, x, y in zip(packages, np.atleast_1d(xs), np.atleast_1d(ys), strict=True):
        if not space.links or links_hold(space, tuple(int(v) for v in row)):
            points.append((round(float(x), 6), round(float(y), 6)))
    return sorted(set(points)), sampled


def _space(sc: Scenario) -> Space:
    space = build_space(sc)
    floors = {r.id: r.batna for r in sc.roles}
    d = fr.Point(floors[space.eu], floors[space.government])
    agreement = agreement_frontier(space, floors)
    nash = fr.nash_package(agreement, d)
    ks = fr.ks_package(agreement, d)
    packages, sampled = _package_points(space)
    extra: list[tuple[str, tuple[float, float]]] = []
    if sc.history.package and set(sc.history.package) == {i.id for i in sc.issues}:
        extra.append(
            (
                "what happened (history)",
                (sc.points(space.eu, sc.history.package), sc.points(space.government, sc.history.package)),
            )
        )
    return Space(
        eu_role=space.eu,
        government_role=space.government,
        eu_name=short_name(sc.role(space.eu).name),
        government_name=short_name(sc.role(space.government).name),
        packages=tuple(packages),
        package_count=space.package_count,
        sampled=sampled,
        frontier=tuple((p.eu, p.government) for p in space.frontier),
        zopa=tuple((p.eu, p.government) for p in agreement),
        batna=(d.eu, d.government),
        nash=(nash.eu, nash.government) if nash else None,
        kalai_smorodinsky=(ks.eu, ks.government) if ks else None,
        extra=tuple(extra),
    )


def _seats(
    events: Sequence[Mapping[str, Any]], upto_step: int, names: Mapping[str, str]
) -> dict[int, dict[str, list[str]]]:
    """Players per table and role at the end of a step (pseudonyms when anonymised)."""
    seat: dict[str, tuple[int | None, str | None]] = {}
    for e in events:
        if e["step"] > upto_step:
            break
        p = e["payload"]
        if e["type"] == EventType.SEAT_ASSIGNED:
            seat[p["player"]] = (p.get("table"), p.get("role"))
        elif e["type"] == EventType.PLAYER_KICKED:
            seat.pop(p.get("player"), None)
    out: dict[int, dict[str, list[str]]] = {}
    for pid, (table, role) in seat.items():
        if table is not None and role is not None:
            out.setdefault(table, {}).setdefault(role, []).append(names.get(pid, pid))
    return out


def _who(e: Mapping[str, Any], sc: Scenario, anonymized: bool) -> str:
    p = e["payload"]
    role = p.get("role")
    role_name = _role_name(sc, role) if role else ""
    if e["actor"] in ("instructor", "system"):
        return "instructor" if e["actor"] == "instructor" else "game"
    name = p.get("name") or e["actor"]
    if anonymized:
        name = e["actor"]
    return f"{role_name} ({name})" if role_name else str(name)


def short_name(name: str) -> str:
    """A role's name without its parenthesis: "European Union (EEAS, ...)" -> "European Union"."""
    return name.split(" (", 1)[0].strip() or name


def _role_name(sc: Scenario, role: str | None) -> str:
    if role is None:
        return ""
    try:
        return sc.role(role).name
    except KeyError:
        return role


def _package_words(sc: Scenario, package: Mapping[str, str] | None) -> str:
    if not package:
        return ""
    parts = []
    for issue_id, option_id in package.items():
        try:
            parts.append(f"{sc.issue(issue_id).title}: {sc.option(issue_id, option_id).label}")
        except KeyError:
            parts.append(f"{issue_id}: {option_id}")
    return "; ".join(parts)


def _line_text(e: Mapping[str, Any], sc: Scenario, eu: str, gov: str) -> str:
    p = e["payload"]
    t = e["type"]
    if t in (EventType.CHAT, EventType.MESSAGE):
        return str(p.get("text", ""))
    if t in (EventType.OPENING_SUBMITTED, EventType.PROPOSAL_MADE):
        pkg = p.get("package") or {}
        words = {"package": _package_words(sc, pkg), "eu": eu, "eu_points": f"{sc.points(eu, pkg):g}",
                 "gov": gov, "gov_points": f"{sc.points(gov, pkg):g}"}
        if t == EventType.OPENING_SUBMITTED:
            return _("opening position: %(package)s (%(eu)s %(eu_points)s, %(gov)s %(gov_points)s points)",
                     **words)
        return _("proposal: %(package)s (%(eu)s %(eu_points)s, %(gov)s %(gov_points)s points)", **words)
    if t == EventType.LINKAGE_DECLARED:
        return _("no agreement on %(issue)s unless %(requires)s", issue=p.get("issue"),
                 requires=p.get("requires"))
    if t == EventType.ACTION_TAKEN:
        title = p.get("title", p.get("action"))
        if p.get("target"):
            return _("action: %(title)s → %(target)s", title=title, target=p["target"])
        return _("action: %(title)s", title=title)
    if t == EventType.EVENT_FIRED:
        return _("event: %(title)s: %(text)s", title=p.get("title"), text=p.get("text"))
    if t == EventType.THRESHOLD_CROSSED:
        return _("threshold: %(title)s: %(text)s", title=p.get("title"), text=p.get("text"))
    if t == EventType.SIGNED:
        return _("signed the proposal on the table")
    if t == EventType.REFUSED:
        return _("refused to sign")
    if t == EventType.TABLE_SETTLED:
        if p.get("outcome") == "deal":
            return _("deal: %(package)s", package=_package_words(sc, p.get("package")))
        return _("no agreement: %(why)s", why=_deadlock_words(sc, p.get("reason")))
    return str(t)


# -- one step ----------------------------------------------------------------------------------


def _deadlock_words(sc: Scenario, reason: str | None) -> str:
    """Why a table deadlocked, in the report's language (the engine's catalog text)."""
    message = deadlock_message(sc, reason)
    return _("no deal") if message is None else said(message)


def nash_faced(sc: Scenario, score: Mapping[str, Any]) -> str:
    """The Nash package of the problem a table faced (its post-event BATNAs), in words:
    its points and the type it would have with equal input."""
    nash = (score.get("efficiency") or {}).get("nash")
    roles = {r["role"]: r for r in score["roles"]}
    space = build_space(sc)
    eu, gov = space.eu, space.government
    after = {"eu": f"{roles[eu]['batna_after']:g}", "gov": f"{roles[gov]['batna_after']:g}"}
    if not nash or not nash.get("package"):
        return _("BATNAs after this table's events %(eu)s / %(gov)s: no package gave both sides their BATNA",
                 **after)
    w = weights(space)
    idx = package_index(space, nash["package"])
    if idx is None:
        return _("BATNAs after this table's events %(eu)s / %(gov)s: the Nash package names options this "
                 "scenario lacks", **after)
    kind = table_type(total(tailoring_terms(space, w), idx), total(potential_pd_terms(space, w), idx))
    words = {
        **after,
        "eu_name": short_name(sc.role(eu).name),
        "eu_points": f"{nash['eu']:g}",
        "gov_name": short_name(sc.role(gov).name),
        "gov_points": f"{nash['government']:g}",
        "type": _(TYPE_LABELS[kind]),
    }
    if nash["package"] != _nash_before(sc):
        return _("BATNAs after this table's events %(eu)s / %(gov)s; the Nash package (the events moved it) "
                 "gives %(eu_name)s %(eu_points)s and %(gov_name)s %(gov_points)s points: %(type)s with "
                 "equal input", **words)
    return _("BATNAs after this table's events %(eu)s / %(gov)s; the Nash package gives %(eu_name)s "
             "%(eu_points)s and %(gov_name)s %(gov_points)s points: %(type)s with equal input", **words)


def _nash_before(sc: Scenario) -> dict[str, str] | None:
    space = build_space(sc)
    floors = {r.id: r.batna for r in sc.roles}
    d = fr.Point(floors[space.eu], floors[space.government])
    nash = fr.nash_package(agreement_frontier(space, floors), d)
    return package_ids(space, nash.package) if nash is not None else None


def _table_events(events: Sequence[Mapping[str, Any]], table: int) -> list[Mapping[str, Any]]:
    return [
        e
        for e in events
        if e["table"] == table
        or (
            e["table"] is None
            and e["type"] in (EventType.EVENT_FIRED, EventType.MESSAGE)
            and e["audience"]["kind"] == "game"
        )
    ]


def _card(
    step_idx: int,
    sc: Scenario,
    space: Space,
    score: Mapping[str, Any],
    events: Sequence[Mapping[str, Any]],
    start: float,
    phases: Sequence[tuple[float, str]],
    seats: Mapping[str, list[str]],
    anonymized: bool,
    state: Mapping[str, Any] | None,
    guesses: Sequence[Guess] = (),
) -> TableCard:
    tid = int(score["table"])
    eu, gov = space.eu_role, space.government_role
    sides = {r.id: r.side for r in sc.roles}
    mine = _table_events(events, tid)
    offers: list[Offer] = []
    path: list[tuple[float, float]] = []
    markers: list[Marker] = []
    lines: list[Line] = []
    for e in mine:
        t = e["at"] - start
        p = e["payload"]
        if e["type"] in (EventType.OPENING_SUBMITTED, EventType.PROPOSAL_MADE):
            pkg = p["package"]
            side = sides.get(p.get("role", ""), "none")
            path.append((sc.points(eu, pkg), sc.points(gov, pkg)))
            if side in ("eu", "government"):
                own = eu if side == "eu" else gov
                offers.append(
                    Offer(
                        t,
                        side,
                        sc.points(own, pkg),
                        "opening" if e["type"] == EventType.OPENING_SUBMITTED else "proposal",
                    )
                )
        elif e["type"] == EventType.CHAT:
            markers.append(Marker(t, e["channel"] or "table", "chat", str(p.get("text", ""))[:80]))
        elif e["type"] == EventType.ACTION_TAKEN:
            markers.append(
                Marker(
                    t,
                    e["channel"] or ("private" if e["audience"]["kind"] == "roles" else "table"),
                    "action",
                    f"{_role_name(sc, p.get('role'))}: {p.get('title')}",
                )
            )
        elif e["type"] == EventType.EVENT_FIRED:
            markers.append(Marker(t, "game" if e["table"] is None else "table", "event", str(p.get("title"))))
        if e["type"] in TRANSCRIPT_TYPES:
            lines.append(
                Line(
                    f"{t:.0f}",
                    _who(e, sc, anonymized),
                    (e["channel"] or "").replace("_", " "),
                    _line_text(e, sc, eu, gov),
                    e["type"],
                )
            )
    roles = {r["role"]: r for r in score["roles"]}
    after = {"eu": roles[eu]["batna_after"], "government": roles[gov]["batna_after"]}
    deal_pt = None
    if score["valid"] and score["deal"]:
        deal_pt = (sc.points(eu, score["deal"]), sc.points(gov, score["deal"]))
    table_type = str(score["table_type"])
    offer_path = Path(tid, tuple(path), deal_pt, table_type, (after["eu"], after["government"]))
    role_names = {"eu": short_name(_role_name(sc, eu)), "government": short_name(_role_name(sc, gov))}
    timeline = concession_timeline(
        f"s{step_idx}-t{tid}-timeline", tid, offers, markers, phases, after, role_names
    )
    dance = outcome_space(f"s{step_idx}-t{tid}-dance", space, [offer_path], table=tid)
    deal_rows: tuple[tuple[str, str, str], ...] = ()
    if score["valid"] and score["deal"]:
        deal_rows = tuple(
            (sc.issue(i).title, sc.option(i, o).label, sc.option(i, o).kind.replace("_", " "))
            for i, o in sorted(score["deal"].items(), key=lambda kv: _issue_order(sc, kv[0]))
        )
    hist = sc.history
    if hist.package and deal_rows:
        same = sum(1 for i, o in hist.package.items() if score["deal"].get(i) == o)
        n_hist = len(hist.package)
        match = ngettext("%(same)s of the %(n)s issue history settles was settled as in history",
                         "%(same)s of the %(n)s issues history settles were settled as in history",
                         n_hist, same=same)
    elif hist.ongoing:
        match = (
            _("these talks were still under way when the paper was written; this table reached no agreement")
            if not score["valid"]
            else _("these talks were still under way when the paper was written; this table reached one")
        )
    elif hist.deadlock:
        match = (
            _("history ended without an agreement; this table did too")
            if not score["valid"]
            else _("history ended without an agreement; this table reached one")
        )
    else:
        match = (
            _("history settled this with an agreement; this table deadlocked")
            if not score["valid"]
            else _("history settled this with an agreement")
        )
    outcome = state["outcome"] if state else ("deal" if score["valid"] else "deadlock")
    if outcome == "deadlock" or not score["valid"]:
        outcome = _("no agreement: %(why)s", why=_deadlock_words(sc, score.get("deadlock_reason")))
    else:
        outcome = _(outcome)  # "deal" in the report's language; another state's word as it is
    return TableCard(
        table=tid,
        outcome=outcome,
        type_label=_(TYPE_LABELS.get(table_type, table_type)),
        table_type=table_type,
        deal=deal_rows,
        seats=tuple((_role_name(sc, r), ", ".join(seats.get(r, [])) or "–") for r in sc.table.roles),
        scores=tuple(
            (short_name(_role_name(sc, r["role"])), f"{r['utility']:g}", f2(r["score"], 1))
            for r in sorted(score["roles"], key=lambda r: _role_order(sc, r["role"]))
        ),
        history_match=match,
        nash_faced=nash_faced(sc, score),
        timeline=timeline,
        dance=dance,
        transcript=tuple(lines),
        path=offer_path,
        guesses=tuple(
            (
                short_name(_role_name(sc, g.role)),
                short_name(_role_name(sc, g.about)),
                f"{g.guess:g}",
                f"{g.truth:g}",
                "–" if g.final is None else f"{g.final:g}",
            )
            for g in guesses
        ),
    )


def _issue_order(sc: Scenario, issue: str) -> int:
    return next((k for k, i in enumerate(sc.issues) if i.id == issue), len(sc.issues))


def _role_order(sc: Scenario, role: str) -> int:
    return next((k for k, r in enumerate(sc.roles) if r.id == role), len(sc.roles))


def _mean(values: Sequence[float | None]) -> float | None:
    vs = [v for v in values if v is not None]
    return sum(vs) / len(vs) if vs else None


def step_view(export: Mapping[str, Any], step: Mapping[str, Any], names: Mapping[str, str]) -> StepView:
    idx = int(step["step"])
    sc = Scenario.model_validate(step["definition"])
    outcomes = step["outcomes"] or {"tables": [], "impasse_rate": None}
    space = _space(sc)
    eu, gov = space.eu_role, space.government_role
    events = [e for e in export["events"] if e["step"] == idx]
    phase_events = [e for e in events if e["type"] == EventType.PHASE_STARTED]
    start = phase_events[0]["at"] if phase_events else (events[0]["at"] if events else 0.0)
    phases = [(e["at"] - start, str(e["payload"].get("title", ""))) for e in phase_events]
    seats = _seats(export["events"], idx, names)
    anonymized = bool(export.get("anonymized"))
    states = {t["table"]: t for t in step.get("tables", [])}
    scores = list(outcomes["tables"])

    tables = len(scores)
    deals = [t for t in scores if t["valid"]]
    type_counts = tuple(
        (t, _(TYPE_LABELS[t]), sum(1 for s in scores if s["table_type"] == t)) for t in TYPE_LABELS
    )
    eff = [t["efficiency"] for t in scores]
    summary = [
        (_("Tables"), str(tables)),
        (_("Agreements"), str(len(deals))),
        (_("Deadlocks"), str(tables - len(deals))),
        (
            _("Impasse rate"),
            "–" if outcomes["impasse_rate"] is None else f"{100 * outcomes['impasse_rate']:.0f} %",
        ),
        (_("Mean efficiency E_J"), f2(_mean([e["efficiency"] for e in eff]))),
        (_("Mean Pareto optimality PO"), f2(_mean([e["pareto_optimality"] for e in eff]))),
        (_("Packages in the scenario"), f"{space.package_count:,}"),
    ]
    for r in sc.roles:
        mean = _mean([next(x["score"] for x in t["roles"] if x["role"] == r.id) for t in scores])
        summary.append((_("Mean score: %(role)s", role=short_name(r.name)), f2(mean, 1)))

    role_ids = [r.id for r in sc.roles]
    columns = (
        _("Table"),
        _("Outcome"),
        _("Type"),
        "T",
        "PD",
        "E_J",
        "PO",
        *(_("Score %(role)s", role=short_name(_role_name(sc, r))) for r in role_ids),
    )
    rows = []
    for t in scores:
        d = t["differentiation"] or {}
        by_role = {r["role"]: r for r in t["roles"]}
        rows.append(
            (
                str(t["table"]),
                _("deal") if t["valid"]
                else _("no agreement: %(why)s", why=_deadlock_words(sc, t["deadlock_reason"])),
                _(TYPE_LABELS.get(t["table_type"], t["table_type"])),
                f2(d.get("tailoring")),
                f2(d.get("partnership")),
                f2(t["efficiency"]["efficiency"]),
                f2(t["efficiency"]["pareto_optimality"]),
                *(f2(by_role[r]["score"], 1) if r in by_role else "–" for r in role_ids),
            )
        )

    dots = [
        MapDot(
            int(t["table"]),
            t["differentiation"]["tailoring"],
            t["differentiation"]["partnership"],
            t["efficiency"]["joint"] - t["efficiency"]["joint_disagreement"],
            str(t["table_type"]),
        )
        for t in deals
        if t["differentiation"]
    ]
    deadlocks = [int(t["table"]) for t in scores if not t["valid"]]
    guesses = step_guesses(export, step)
    cards = [
        _card(
            idx,
            sc,
            space,
            t,
            events,
            start,
            phases,
            seats.get(int(t["table"]), {}),
            anonymized,
            states.get(t["table"]),
            [g for g in guesses if g.table == int(t["table"])],
        )
        for t in scores
    ]
    paths = [card.path for card in cards]
    power_dots, missing = [], []
    for t in scores:
        sides = {p["side"]: p for p in t["power"]}
        got = False
        for side in ("eu", "government"):
            pw = sides.get(side)
            if pw and pw["defensive_power"] is not None and pw["offensive_power"] is not None:
                power_dots.append(
                    PowerDot(int(t["table"]), side, pw["defensive_power"], pw["offensive_power"])
                )
                got = True
        if not got:
            missing.append(int(t["table"]))
    role_names = {"eu": short_name(_role_name(sc, eu)), "government": short_name(_role_name(sc, gov))}
    figures = (
        differentiation_map(f"s{idx}-map", dots, deadlocks),
        outcome_space(f"s{idx}-space", space, paths),
        power_panel(f"s{idx}-power", power_dots, missing, role_names),
    )

    guess_figure = None
    if guesses:
        guess_figure = guess_panel(
            f"s{idx}-guesses", [GuessDot(g.table, g.side, g.truth, g.guess) for g in guesses], role_names
        )
    guess_summary = tuple(
        (
            short_name(_role_name(sc, s.role)),
            short_name(_role_name(sc, s.about)),
            str(s.count),
            f"{s.mean_guess:.1f}",
            f"{s.mean_truth:.1f}",
            f"{s.mean_error:+.1f}",
            f"{s.below} of {s.count}",
        )
        for s in class_summary(guesses)
    )

    hist = sc.history
    history_rows = []
    for issue in sc.issues:
        happened = hist.package.get(issue.id)
        label = (
            sc.option(issue.id, happened).label if happened
            else "still being negotiated" if hist.ongoing
            else _("no agreement") if hist.deadlock else "–"
        )
        counts = {
            o.id: sum(1 for t in deals if t["deal"] and t["deal"].get(issue.id) == o.id)
            for o in issue.options
        }
        chosen = (
            "; ".join(f"{o.label}: {counts[o.id]}" for o in issue.options if counts[o.id])
            or _("no table agreed")
        )
        history_rows.append((issue.title, label, chosen))
    note = None
    if step.get("scoring_error"):
        note = _("This scenario could not be scored: %(error)s", error=step["scoring_error"])
    elif not scores:
        note = _("No table played this scenario.")
    return StepView(
        index=idx,
        anchor=f"step-{idx + 1}",
        title=sc.title,
        scenario_id=sc.id,
        version=sc.version,
        content_hash=str(step["scenario"]["content_hash"]),
        summary=tuple(summary),
        types=type_counts,
        table_rows=tuple(rows),
        table_columns=columns,
        figures=figures,
        cards=tuple(cards),
        history_text=hist.text,
        history_sources=tuple(hist.sources),
        history_deadlock=hist.deadlock,
        history_rows=tuple(history_rows),
        questions=tuple(sc.debrief.questions),
        note=note,
        guess_figure=guess_figure,
        guess_summary=guess_summary,
        question_words=tuple(tuple(question_glossary(q)) for q in sc.debrief.questions),
    )


def report_view(export: Mapping[str, Any]) -> ReportView:
    anonymized = bool(export.get("anonymized"))
    names = {p["id"]: (p["id"] if anonymized else f"{p.get('name', p['id'])}") for p in export["players"]}
    steps = tuple(step_view(export, s, names) for s in export["steps"] if s.get("reached"))
    game = export["game"]
    campaign = export.get("campaign")
    title = campaign["title"] if campaign else (steps[0].title if steps else str(game.get("title", "")))
    return ReportView(
        title=title,
        subtitle=_("Debrief of game %(code)s", code=game["code"]),
        generated_at=str(export["generated_at"]),
        code=str(game["code"]),
        anonymized=anonymized,
        players=sum(1 for p in export["players"] if not p.get("kicked")),
        format_version=int(export["format_version"]),
        campaign=campaign["title"] if campaign else None,
        steps=steps,
    )


__all__ = ["DataTable", "Figure", "ReportView", "StepView", "TableCard", "report_view"]
