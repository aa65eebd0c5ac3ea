"""The projector page: join code and QR, then clock, tables and latest events (via socket)."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from . import qr
from .runtime import runtime
from .security import grant_projector, is_instructor, projector_grant

bp = Blueprint("projector", __name__, url_prefix="/projector")


@bp.get("/<game_id>")
def show(game_id: str) -> ResponseReturnValue:
    """The instructor's login, or a projector-only link (`security.projector_link`): the
    link's key is taken into the session and leaves the address bar at once."""
    key = request.args.get("key")
    if key is not None:
        if not grant_projector(game_id, key):
            abort(403, description=_("This projector link is not valid or is more than 12 "
                                     "hours old; open a new one from the dashboard."))
        return redirect(url_for("projector.show", game_id=game_id), code=303)
    if not is_instructor() and projector_grant(game_id) is None:
        return redirect(url_for("instructor.login", next=request.path))
    row = runtime().service.game_row(game_id)
    if row is None:
        abort(404, description=_("There is no such game."))
    url = qr.join_url(row.code)
    return render_template("projector.html", game_id=game_id, title=row.title, code=row.code,
                           join_url=url, qr_svg=qr.svg(url, scale=10),
                           report_url=url_for("aftergame.present", game_id=game_id))
