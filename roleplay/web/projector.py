"""The projector page: join code and QR, then clock, tables and latest events (via socket)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, url_for

from . import qr
from .runtime import runtime
from .security import instructor_page

bp = Blueprint("projector", __name__, url_prefix="/projector")


@bp.get("/<game_id>")
@instructor_page
def show(game_id: str) -> str:
    row = runtime().service.store.game(game_id) if len(game_id) <= 32 else None
    if row is None:
        abort(404, description="There is no such game.")
    url = qr.join_url(row.code)
    return render_template("projector.html", game_id=game_id, title=row.title, code=row.code,
                           join_url=url, qr_svg=qr.svg(url, scale=10),
                           report_url=url_for("aftergame.present", game_id=game_id))
