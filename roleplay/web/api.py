"""A small JSON API: what bots and scripts use instead of the forms.

POST /api/join {code, name} -> {game_id, player_id, token}
POST /api/login {password} -> sets the instructor's session cookie
POST /api/scenarios {yaml} -> {ref, id} or 400 {errors: [{line, column, message}]}
POST /api/games {ref, seed?, show_results?, auto_advance?} -> {game_id, code, join_url}
GET  /api/games/<game_id> -> the instructor's view of the game
GET  /healthz -> {ok: true}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from ..engine.errors import N_, RuleError
from ..scenario.loader import ScenarioError
from ..service import NotFound, normalise_code
from ..storage.eventstore import StoreError
from . import library, qr
from .clusterlock import QueueUnavailable
from .delivery import delivery
from .player import JOIN_STATUS
from .reasons import payload
from .runtime import runtime
from .security import instructor_api, log_in, login_attempts_key

bp = Blueprint("api", __name__)


def _fail(code: str, message: str, status: int,
          params: Mapping[str, Any] | None = None) -> ResponseReturnValue:
    """The API's error answer: `message` is a msgid, `{msg, args}` travel beside its text."""
    return jsonify(error={"code": code, **payload(message, params)}), status


def _body() -> dict[str, Any] | None:
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else None


@bp.get("/healthz")
def health() -> ResponseReturnValue:
    return jsonify(ok=True)


@bp.post("/api/join")
def join() -> ResponseReturnValue:
    body = _body()
    if body is None or not isinstance(body.get("code"), str):
        return _fail("bad_request", N_("Send {code, name} as JSON."), 400)
    code = normalise_code(body["code"])
    rt = runtime()
    try:
        game_id = rt.game_for_join(request.remote_addr or "?", code)
        joined = delivery().join_game(game_id, code, body.get("name"),  # type: ignore[arg-type]
                                      body.get("language"))
    except RuleError as e:
        return _fail(e.code, e.reason.msg, JOIN_STATUS.get(e.code, 400), e.reason.args)
    except QueueUnavailable as e:
        return _fail("unavailable", str(e), 503)
    except StoreError:
        return _fail("unavailable", N_("The database is not available; try again."), 503)
    return jsonify(game_id=joined.game_id, player_id=joined.player_id, token=joined.token,
                   reclaimed=joined.reclaimed)


@bp.post("/api/login")
def login() -> ResponseReturnValue:
    rt = runtime()
    body = _body() or {}
    address = login_attempts_key()  # this browser if it logged in before, else the address
    if rt.logins.blocked(address):
        return _fail("rate_limited", N_("Too many attempts; wait a minute."), 429)
    password = body.get("password")
    if not isinstance(password, str) or not rt.check_login(password):
        rt.logins.failed(address)
        return _fail("forbidden", N_("That is not the instructor password."), 403)
    log_in()
    return jsonify(ok=True)


@bp.post("/api/scenarios")
@instructor_api
def upload() -> ResponseReturnValue:
    body = _body()
    if body is None or not isinstance(body.get("yaml"), str):
        return _fail("bad_request", N_("Send {yaml} as JSON."), 400)
    try:
        row = library.upload(runtime().service, body["yaml"].encode("utf-8"),
                             str(body.get("name") or "upload.yaml")[:100])
    except ScenarioError as e:
        errors = [{"line": d.line, "column": d.column, "message": d.message}
                  for d in e.diagnostics]
        return jsonify(errors=errors), 400
    return jsonify(ref=f"upload:{row.id}", id=row.scenario_id)


@bp.post("/api/games")
@instructor_api
def create_game() -> ResponseReturnValue:
    body = _body() or {}
    rt = runtime()
    seed = body.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        return _fail("bad_request", N_("'seed' must be a whole number."), 400)
    try:
        source = library.resolve(rt.service, str(body.get("ref", "")))
        state = rt.service.create_game(
            source, seed=seed, show_results=bool(body.get("show_results", True)),
            auto_advance=bool(body.get("auto_advance", True)))
    except NotFound:
        return _fail("not_found", N_("No such scenario in the library."), 404)
    except ScenarioError:
        return _fail("bad_request", N_("That scenario no longer validates."), 400)
    except StoreError:
        return _fail("unavailable", N_("The database is not available; try again."), 503)
    return jsonify(game_id=state.setup.game_id, code=state.setup.code,
                   join_url=qr.join_url(state.setup.code))


@bp.get("/api/games/<game_id>")
@instructor_api
def game(game_id: str) -> ResponseReturnValue:
    try:
        return jsonify(view=runtime().service.view(game_id, "instructor"))
    except NotFound:
        return _fail("not_found", N_("No such game."), 404)
