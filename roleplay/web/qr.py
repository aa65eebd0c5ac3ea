"""QR codes as SVG (segno), for the join URL on the dashboard and the projector."""

from __future__ import annotations

import io

import segno

from .runtime import runtime


def join_url(code: str) -> str:
    """The join link students can open: the server's join address, never the host the
    instructor's browser happened to use (see address.py)."""
    return runtime().join_address.url(code)


def svg(text: str, *, scale: int = 8) -> str:
    """Standalone SVG markup (no XML declaration, no inline style or script)."""
    buf = io.BytesIO()
    segno.make(text, error="m", micro=False).save(
        buf, kind="svg", scale=scale, border=2, xmldecl=False, svgns=True,
        title="QR code to join the game", dark="#000", light="#fff",
    )
    return buf.getvalue().decode("utf-8")
