"""Error pages in the app's style, JSON for the API; never a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException, InternalServerError

from ..storage.eventstore import StoreError

log = logging.getLogger(__name__)


def _render(code: int, title: str, message: str) -> ResponseReturnValue:
    if request.path.startswith("/api/"):
        return jsonify(error={"code": title.lower().replace(" ", "_"), "message": message}), code
    return render_template("error.html", status=code, title=title, message=message), code


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException) -> ResponseReturnValue:
        code = e.code or 500
        return _render(code, e.name, e.description or e.name)

    @app.errorhandler(StoreError)
    def store_error(e: StoreError) -> ResponseReturnValue:
        log.warning("database unavailable: %s %s: %s", request.method, request.path, e)
        return _render(503, "Service Unavailable", "The server cannot reach its database; "
                       "nothing was changed. Try again in a moment.")

    @app.errorhandler(Exception)
    def unexpected(e: Exception) -> ResponseReturnValue:
        log.exception("request failed: %s %s", request.method, request.path)
        err = InternalServerError()
        return _render(500, err.name, "Something went wrong on the server. Try again; "
                       "if it keeps happening, tell your instructor.")
