"""A very small SVG plotting kit: scales, axes, marks. Every text is escaped.

The report draws its plots by hand rather than with matplotlib: a class of
300 students has 75 tables and a concession timeline for each, and this
renders all of them in a few milliseconds, with no fonts or ids to clash when
many plots share one page, and the marks carry classes and <title> tooltips.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

from markupsafe import Markup

Point = tuple[float, float]


def tick_labels(ticks: Sequence[float]) -> list[str]:
    """Tick labels with the fewest decimals that tell every tick apart exactly (0.25, not 0.2)."""
    for decimals in range(5):
        if all(abs(round(v, decimals) - v) < 1e-9 for v in ticks):
            return [f"{v:.{decimals}f}" for v in ticks]
    return [f"{v:.4f}" for v in ticks]


def group_labels(
    items: Sequence[tuple[float, float, str]], *, noun: str = "tables", limit: int = 20, digits: int = 3
) -> list[tuple[float, float, str]]:
    """One label per place, so labels never overprint: "T1, T2", or "12 tables" for a crowd.

    With more than `limit` places, only the crowded ones (two marks or more) are labelled.
    """
    groups: dict[tuple[float, float], list[str]] = {}
    for x, y, label in items:
        groups.setdefault((round(x, digits), round(y, digits)), []).append(label)
    crowded_only = len(groups) > limit
    out = []
    for (x, y), labels in groups.items():
        if crowded_only and len(labels) < 2:
            continue
        text = ", ".join(labels) if len(labels) <= 4 else f"{len(labels)} {noun}"
        out.append((x, y, text))
    return out


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """About `count` round tick values covering [lo, hi]."""
    if not math.isfinite(lo) or not math.isfinite(hi):
        return []
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / max(1, count)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(lo / step - 1e-9) * step
    ticks = []
    v = first
    while v <= hi + step * 1e-9:
        ticks.append(round(v, 10))
        v += step
    return ticks


def padded(lo: float, hi: float, share: float = 0.05) -> tuple[float, float]:
    if hi <= lo:
        return lo - 1, hi + 1
    pad = (hi - lo) * share
    return lo - pad, hi + pad


def _n(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".") if math.isfinite(v) else "0"


def _attrs(**attrs: str | float | None) -> str:
    out = []
    for k, v in attrs.items():
        if v is None:
            continue
        name = k.rstrip("_").replace("_", "-")
        value = _n(v) if isinstance(v, float | int) else escape(str(v), quote=True)
        out.append(f'{name}="{value}"')
    return " ".join(out)


def _label(text: str) -> str:
    """An axis label whose parenthesis (an explanation) phones may hide to save width."""
    main, sep, more = text.partition(" (")
    if not sep:
        return escape(text)
    return f'{escape(main)}<tspan class="more"> ({escape(more)}</tspan>'


@dataclass
class Chart:
    """A plot area with linear scales; marks are appended as SVG text."""

    x_range: tuple[float, float]
    y_range: tuple[float, float]
    width: float = 640
    height: float = 420
    left: float = 62
    right: float = 18
    top: float = 18
    bottom: float = 52
    parts: list[str] = field(default_factory=list)

    # -- scales ---------------------------------------------------------------------------
    def sx(self, v: float) -> float:
        lo, hi = self.x_range
        span = hi - lo or 1.0
        return self.left + (v - lo) / span * (self.width - self.left - self.right)

    def sy(self, v: float) -> float:
        lo, hi = self.y_range
        span = hi - lo or 1.0
        return self.height - self.bottom - (v - lo) / span * (self.height - self.top - self.bottom)

    # -- marks ----------------------------------------------------------------------------
    def add(self, tag: str, title: str | None = None, **attrs: str | float | None) -> None:
        a = _attrs(**attrs)
        if title:
            self.parts.append(f"<{tag} {a}><title>{escape(title)}</title></{tag}>")
        else:
            self.parts.append(f"<{tag} {a}/>")

    def circle(
        self, x: float, y: float, r: float, *, title: str | None = None, **attrs: str | float | None
    ) -> None:
        self.add("circle", title, cx=self.sx(x), cy=self.sy(y), r=r, **attrs)

    def square(
        self, x: float, y: float, size: float, *, title: str | None = None, **attrs: str | float | None
    ) -> None:
        self.add(
            "rect", title, x=self.sx(x) - size / 2, y=self.sy(y) - size / 2, width=size, height=size, **attrs
        )

    def diamond(
        self, x: float, y: float, size: float, *, title: str | None = None, **attrs: str | float | None
    ) -> None:
        cx, cy, h = self.sx(x), self.sy(y), size / 2
        pts = f"{_n(cx)},{_n(cy - h)} {_n(cx + h)},{_n(cy)} {_n(cx)},{_n(cy + h)} {_n(cx - h)},{_n(cy)}"
        self.add("polygon", title, points=pts, **attrs)

    def line(
        self,
        x1: float,
        y1: float,
        x2: float,
        y2: float,
        *,
        title: str | None = None,
        **attrs: str | float | None,
    ) -> None:
        self.add("line", title, x1=self.sx(x1), y1=self.sy(y1), x2=self.sx(x2), y2=self.sy(y2), **attrs)

    def vline(self, x: float, *, title: str | None = None, **attrs: str | float | None) -> None:
        self.line(x, self.y_range[0], x, self.y_range[1], title=title, **attrs)

    def hline(self, y: float, *, title: str | None = None, **attrs: str | float | None) -> None:
        self.line(self.x_range[0], y, self.x_range[1], y, title=title, **attrs)

    def polyline(
        self, points: Sequence[Point], *, title: str | None = None, **attrs: str | float | None
    ) -> None:
        if len(points) < 2:
            return
        pts = " ".join(f"{_n(self.sx(x))},{_n(self.sy(y))}" for x, y in points)
        self.add("polyline", title, points=pts, fill="none", **attrs)

    def polygon(
        self, points: Sequence[Point], *, title: str | None = None, **attrs: str | float | None
    ) -> None:
        if len(points) < 3:
            return
        pts = " ".join(f"{_n(self.sx(x))},{_n(self.sy(y))}" for x, y in points)
        self.add("polygon", title, points=pts, **attrs)

    def rect(self, x0: float, y0: float, x1: float, y1: float, **attrs: str | float | None) -> None:
        """A rectangle between two data corners."""
        left, right = sorted((self.sx(x0), self.sx(x1)))
        top, bottom = sorted((self.sy(y0), self.sy(y1)))
        self.add("rect", None, x=left, y=top, width=right - left, height=bottom - top, **attrs)

    def text(
        self,
        x: float,
        y: float,
        s: str,
        *,
        dx: float = 0,
        dy: float = 0,
        anchor: str = "start",
        cls: str = "label",
        **attrs: str | float | None,
    ) -> None:
        """Text at a data point, shifted by (dx, dy) pixels; flipped left if it would leave the plot."""
        px = self.sx(x) + dx
        if anchor == "start" and px + len(s) * 6.5 > self.width - 2:
            px, anchor = self.sx(x) - dx, "end"
        self.text_px(px, self.sy(y) + dy, s, anchor=anchor, cls=cls, **attrs)

    def text_px(
        self,
        x: float,
        y: float,
        s: str,
        *,
        anchor: str = "start",
        cls: str = "label",
        **attrs: str | float | None,
    ) -> None:
        a = _attrs(x=x, y=y, text_anchor=anchor, class_=cls, **attrs)
        self.parts.append(f"<text {a}>{escape(s)}</text>")

    # -- axes -----------------------------------------------------------------------------
    def axes(
        self,
        x_label: str,
        y_label: str,
        *,
        x_ticks: Sequence[float] | None = None,
        y_ticks: Sequence[float] | None = None,
        grid: bool = True,
    ) -> None:
        xt = list(x_ticks) if x_ticks is not None else nice_ticks(*self.x_range)
        yt = list(y_ticks) if y_ticks is not None else nice_ticks(*self.y_range)
        x0, x1 = self.left, self.width - self.right
        y0, y1 = self.top, self.height - self.bottom
        out = [f'<g class="axes" {_attrs(stroke="#888", stroke_width=1)}>']
        for v in xt:
            px = self.sx(v)
            if grid:
                out.append(f'<line class="grid" {_attrs(x1=px, y1=y0, x2=px, y2=y1, stroke="#e4e4e4")}/>')
            out.append(f"<line {_attrs(x1=px, y1=y1, x2=px, y2=y1 + 5)}/>")
        for v in yt:
            py = self.sy(v)
            if grid:
                out.append(f'<line class="grid" {_attrs(x1=x0, y1=py, x2=x1, y2=py, stroke="#e4e4e4")}/>')
            out.append(f"<line {_attrs(x1=x0 - 5, y1=py, x2=x0, y2=py)}/>")
        out.append(f"<rect {_attrs(x=x0, y=y0, width=x1 - x0, height=y1 - y0, fill='none')}/>")
        out.append("</g>")
        for v, label in zip(xt, tick_labels(xt), strict=True):
            out.append(
                f"<text {_attrs(x=self.sx(v), y=y1 + 18, text_anchor='middle', class_='tick')}>"
                f"{escape(label)}</text>"
            )
        for v, label in zip(yt, tick_labels(yt), strict=True):
            out.append(
                f"<text {_attrs(x=x0 - 8, y=self.sy(v) + 4, text_anchor='end', class_='tick y-tick')}>"
                f"{escape(label)}</text>"
            )
        out.append(
            f"<text {_attrs(x=(x0 + x1) / 2, y=y1 + 40, text_anchor='middle', class_='axis-label')}>"
            f"{_label(x_label)}</text>"
        )
        cy = (y0 + y1) / 2
        turn = f"rotate(-90 16 {_n(cy)})"
        a = _attrs(x=16, y=cy, text_anchor="middle", class_="axis-label", transform=turn)
        out.append(f"<text {a}>{_label(y_label)}</text>")
        self.parts[:0] = out  # behind the marks

    def legend(self, items: Sequence[tuple[str, str, str]]) -> None:
        """Items (shape 'circle'|'square'|'line'|'dash'|'diamond', colour, label) in rows under
        the plot, which grows to make room: a legend never hides a mark."""
        usable = self.width - 16
        rows: list[list[tuple[str, str, str, float]]] = [[]]
        used = 0.0
        for shape, colour, label in items:
            w = len(label) * 7.6 + 32  # room for the larger legend text on phones
            if rows[-1] and used + w > usable:
                rows.append([])
                used = 0.0
            rows[-1].append((shape, colour, label, used))
            used += w
        top = self.height + 2
        grow = len(rows) * 18 + 8
        self.height += grow
        self.bottom += grow  # the plot area stays where it was
        for r, row in enumerate(rows):
            cy = top + r * 18 + 9
            for shape, colour, label, offset in row:
                cx = 8 + offset + 8
                self.parts.append(self._swatch(shape, colour, cx, cy))
                self.parts.append(
                    f"<text {_attrs(x=cx + 12, y=cy + 4, class_='legend')}>{escape(label)}</text>"
                )

    @staticmethod
    def _swatch(shape: str, colour: str, cx: float, cy: float) -> str:
        if shape == "square":
            return f"<rect {_attrs(x=cx - 5, y=cy - 5, width=10, height=10, fill=colour)}/>"
        if shape in ("line", "dash"):
            dash = "5 3" if shape == "dash" else None
            a = _attrs(
                x1=cx - 8, y1=cy, x2=cx + 8, y2=cy, stroke=colour, stroke_width=2.5, stroke_dasharray=dash
            )
            return f"<line {a}/>"
        if shape == "diamond":
            pts = f"{_n(cx)},{_n(cy - 6)} {_n(cx + 6)},{_n(cy)} {_n(cx)},{_n(cy + 6)} {_n(cx - 6)},{_n(cy)}"
            return f"<polygon {_attrs(points=pts, fill=colour)}/>"
        if shape == "ring":
            a = _attrs(x=cx - 5, y=cy - 5, width=10, height=10, fill="none", stroke=colour, stroke_width=2)
            return f"<rect {a}/>"
        return f"<circle {_attrs(cx=cx, cy=cy, r=5, fill=colour)}/>"

    def render(self, label: str, *, desc_id: str | None = None) -> Markup:
        """The whole SVG; `label` is its accessible name (role="img")."""
        head = _attrs(
            xmlns="http://www.w3.org/2000/svg",
            viewBox=f"0 0 {_n(self.width)} {_n(self.height)}",
            width=self.width,
            height=self.height,
            role="img",
            aria_label=label,
            aria_describedby=desc_id,
            class_="chart",
            preserveAspectRatio="xMidYMid meet",
        )
        return Markup(f"<svg {head}>{''.join(self.parts)}</svg>")
