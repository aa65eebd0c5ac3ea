"""QR codes as SVG (segno), for the join URL on the dashboard and the projector."""

from __future__ import annotations

import io

import segno
from flask import url_for


def join_url(code: str) -> str:
    return url_for("player.join_code", code=code, _external=True)


def svg(text: str, *, scale: int = 8) -> str:
    """Standalone SVG markup (no XML declaration, no inline style or script)."""
    buf = io.BytesIO()
    segno.make(text, error="m", micro=False).save(
        buf, kind="svg", scale=scale, border=2, xmldecl=False, svgns=True,
        title="QR code to join the game", dark="#000", light="#fff",
    )
    return buf.getvalue().decode("utf-8")
