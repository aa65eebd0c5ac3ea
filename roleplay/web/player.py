"""Students: the join form, the QR target, and the play page."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ..engine.errors import RuleError
from ..scenario.languages import LANGUAGES, known
from ..service import normalise_code
from ..storage.eventstore import StoreError
from .delivery import delivery
from .runtime import runtime
from .security import same_site_post, seal, unseal

bp = Blueprint("player", __name__)

#: HTTP status of a refused join, by error code (the rest are 400)
JOIN_STATUS = {"not_found": 404, "forbidden": 403, "conflict": 409, "rate_limited": 429}


def _form(code: str = "", name: str = "", error: str | None = None, status: int = 200
          ) -> tuple[str, int]:
    return render_template("join.html", code=code, name=name, error=error), status


def join_language() -> str | None:
    """The language a join asks for: the form's `language` as sent (the engine refuses a
    code it does not offer, in words), else the browser's `lang` cookie or its
    Accept-Language; None leaves the engine's default (English)."""
    sent = request.form.get("language", "").strip()
    if sent:
        return sent[:20]
    cookie = request.cookies.get("lang")
    if known(cookie):
        return cookie
    return request.accept_languages.best_match(list(LANGUAGES))


@bp.get("/")
def index() -> tuple[str, int]:
    return _form()


@bp.get("/join/<code>")
def join_code(code: str) -> tuple[str, int]:
    return _form(code=normalise_code(code))


@bp.post("/join")
def join() -> Response | tuple[str, int]:
    code = normalise_code(request.form.get("code", ""))
    name = request.form.get("name", "")[:200]
    if not same_site_post():  # another site's page cannot join (and overwrite a seat)
        return _form(code, name,
                     _("That form came from another site: check the code and press Join here."), 403)
    rt = runtime()
    try:
        game_id = rt.game_for_join(request.remote_addr or "?", code)
        joined = delivery().join_game(game_id, code, name, join_language())
    except RuleError as e:
        return _form(code, name, e.message, JOIN_STATUS.get(e.code, 400))
    except StoreError:
        return _form(code, name, _("The server cannot reach its database; try again in a moment."),
                     503)
    # The token goes into the page once (see /play), never into a URL; in the cookie it
    # travels sealed (a signed cookie is readable)
    session["seat"] = {"game": joined.game_id, "sealed": seal(joined.token)}
    return redirect(url_for("player.play", game_id=joined.game_id), code=303)


@bp.get("/play/<game_id>")
def play(game_id: str) -> str:
    rt = runtime()
    row = rt.service.game_row(game_id)
    if row is None:
        abort(404, description=_("There is no such game. Join with the code from your instructor."))
    seat = session.pop("seat", None)
    token = (unseal(seat.get("sealed"))
             if isinstance(seat, dict) and seat.get("game") == game_id else None)
    return render_template("play.html", game_id=game_id, title=row.title, code=row.code,
                           token=token)
