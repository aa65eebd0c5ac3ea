"""After the game: the debrief as slides for the projector, and each student's results page.

GET  /instructor/games/<id>/present   the slides (instructor; the app's CSP: one script file)
GET  /debrief.css                      the report's and the slides' stylesheet
GET  /play/<id>/results                a student's results, once released (or a page that asks
                                       for this browser's seat token first)
POST /play/<id>/results  token=...     checks the token, remembers the seat in the session, 303
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from markupsafe import Markup

from ..engine.language import in_language
from ..storage.eventstore import StoreError
from .runtime import runtime
from .security import instructor_page

bp = Blueprint("aftergame", __name__)


def _game_or_404(game_id: str) -> None:
    if runtime().service.game_row(game_id) is None:
        abort(404, description=_("There is no such game."))


@bp.get("/instructor/games/<game_id>/present")
@instructor_page
def present(game_id: str) -> str:
    _game_or_404(game_id)
    from ..export import build_export
    from ..report import render_presentation

    try:
        export = build_export(runtime().service, game_id)
    except StoreError:
        abort(503, description=_("The database is not available; try again."))
    return render_presentation(
        export,
        css_url=url_for("aftergame.stylesheet"),
        script_url=url_for("static", filename="present.js"),
        back_url=url_for("instructor.game", game_id=game_id),
    )


@bp.get("/debrief.css")
def stylesheet() -> Response:
    from ..report import presentation_css

    response = Response(presentation_css(), mimetype="text/css")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.get("/play/<game_id>/results")
def results_page(game_id: str) -> tuple[str, int]:
    """This browser's results once it has shown its seat token (see `results_login`); before,
    a page whose script posts the token the play page kept, with no game data in it."""
    from ..report import NotSeated, render_student_results
    from ..report.student import released_steps

    row = runtime().service.game_row(game_id)
    if row is None:
        abort(404, description=_("There is no such game."))
    page = {"game_id": game_id, "title": row.title, "code": row.code}
    seat = session.get("results")
    player_id = seat.get("player") if isinstance(seat, dict) and seat.get("game") == game_id else None
    if not isinstance(player_id, str):
        return render_template("results.html", **page), 200
    service = runtime().service
    try:
        state = service.state(game_id)
        player = state.players.get(player_id)
        if player is None or player.kicked:
            session.pop("results", None)
            return render_template("results.html", **page, message=NO_SEAT), 403
        log = service.log(game_id)
        if not released_steps(state, log):
            return render_template("results.html", **page, message=NOT_YET, reload=True), 200
        # the scenario's texts in the student's language; the scores are the game's own
        html = render_student_results(in_language(state, player.language),
                                      lambda step: service.scores(state, step), log, player_id)
    except NotSeated:
        return render_template("results.html", **page, message=NOT_SEATED), 200
    except StoreError:
        return render_template("results.html", **page, message=UNAVAILABLE, reload=True), 503
    return render_template("results.html", **page, results_html=Markup(html)), 200


@bp.post("/play/<game_id>/results")
def results_login(game_id: str) -> ResponseReturnValue:
    """The seat token (from the play page's storage, posted by the results page's script) is
    checked once; the session then remembers whose results this browser may read."""
    token = request.form.get("token", "")
    try:
        player_id = runtime().service.authenticate(game_id, token) if len(game_id) <= 32 else None
    except StoreError:
        player_id = None
    if player_id is None:
        session.pop("results", None)
        row = runtime().service.game_row(game_id)
        return render_template("results.html", game_id=game_id, title=row.title if row else "",
                               code=row.code if row else "", message=NO_SEAT), 403
    session["results"] = {"game": game_id, "player": player_id}
    return redirect(url_for("aftergame.results_page", game_id=game_id), code=303)


NO_SEAT = lazy_gettext("This browser has no seat in this game. Join with the code from your "
                       "instructor.")
NOT_YET = lazy_gettext("The results are not out yet: your instructor releases them. Reload "
                       "this page then.")
NOT_SEATED = lazy_gettext("You had no seat at a table in a scenario whose results are out.")
UNAVAILABLE = lazy_gettext("The server cannot reach its database; reload in a moment.")
