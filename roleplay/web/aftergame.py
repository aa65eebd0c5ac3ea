"""After the game: the debrief as slides for the projector, and each student's results page.

GET  /instructor/games/<id>/present   the slides (instructor; the app's CSP: one script file)
GET  /debrief.css                      the report's and the slides' stylesheet
GET  /play/<id>/results                a student's results page (its script asks for the data)
POST /play/<id>/results.json {token}   -> {html} for that student, once results are released
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, render_template, request, url_for
from flask.typing import ResponseReturnValue

from ..service import NotFound
from ..storage.eventstore import StoreError
from .runtime import runtime
from .security import instructor_page

bp = Blueprint("aftergame", __name__)


def _game_or_404(game_id: str) -> None:
    if len(game_id) > 32 or runtime().service.store.game(game_id) is None:
        abort(404, description="There is no such game.")


@bp.get("/instructor/games/<game_id>/present")
@instructor_page
def present(game_id: str) -> str:
    _game_or_404(game_id)
    from ..export import build_export
    from ..report import render_presentation

    try:
        export = build_export(runtime().service, game_id)
    except StoreError:
        abort(503, description="The database is not available; try again.")
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
def results_page(game_id: str) -> str:
    _game_or_404(game_id)
    row = runtime().service.store.game(game_id)
    return render_template("results.html", game_id=game_id, title=row.title if row else "",
                           code=row.code if row else "")


def _fail(code: str, message: str, status: int) -> ResponseReturnValue:
    return jsonify(error={"code": code, "message": message}), status


@bp.post("/play/<game_id>/results.json")
def results_data(game_id: str) -> ResponseReturnValue:
    """The student's results, rendered by the server: only what the token's role may see."""
    from ..report import NotSeated, render_student_results
    from ..report.student import released_steps

    body = request.get_json(silent=True)
    token = body.get("token") if isinstance(body, dict) else None
    if not isinstance(token, str) or len(game_id) > 32:
        return _fail("bad_request", "Send {token} as JSON.", 400)
    service = runtime().service
    try:
        player_id = service.authenticate(game_id, token)
        if player_id is None:
            return _fail("forbidden", "This browser has no seat in this game.", 403)
        state = service.state(game_id)
        log = service.log(game_id)
        if not released_steps(state, log):
            return _fail("not_yet", "The results are not out yet: your instructor releases them.", 409)
        html = render_student_results(state, lambda step: service.scores(state, step), log, player_id)
    except NotFound:
        return _fail("not_found", "There is no such game.", 404)
    except NotSeated:
        return _fail("not_seated", "You had no seat at a table in this scenario.", 409)
    except StoreError:
        return _fail("unavailable", "The database is not available; try again.", 503)
    return jsonify(html=html)
