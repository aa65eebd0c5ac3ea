"""Error pages in the app's style, JSON for the API; never a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, InternalServerError

from ..engine.errors import N_
from ..storage.eventstore import StoreError
from .reasons import payload, text

log = logging.getLogger(__name__)


def _render(code: int, title: str, message: str) -> ResponseReturnValue:
    """An error page, or the API's JSON error (`message` is a msgid: `{msg, args}` beside
    its text)."""
    if request.path.startswith("/api/"):
        return jsonify(error={"code": title.lower().replace(" ", "_"), **payload(message)}), code
    return render_template("error.html", status=code, title=title, message=text(message)), code


def http_title(code: int, english: str) -> str:
    """An error page's title in the page's language (Werkzeug's names are English)."""
    titles = {
        400: _("Bad Request"), 403: _("Forbidden"), 404: _("Not Found"),
        405: _("Method Not Allowed"), 413: _("Request Entity Too Large"),
        429: _("Too Many Requests"), 500: _("Internal Server Error"),
        503: _("Service Unavailable"),
    }
    return str(titles.get(code, english))


def generic_description(code: int, english: str) -> str:
    """Werkzeug's own description of an error said in the page's language."""
    texts = {
        400: _("The browser sent a request that this server could not understand."),
        403: _("You do not have permission to open this page."),
        404: _("There is nothing at this address. Check it, or start again from the start "
               "page."),
        405: _("This address does not take that kind of request."),
        413: _("What was sent is too large."),
        429: _("Too many requests in a short time; wait a moment and try again."),
    }
    return str(texts.get(code, english))


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException) -> ResponseReturnValue:
        code = e.code or 500
        # the API keeps Werkzeug's English name as its error code; a page shows it translated
        name = e.name if request.path.startswith("/api/") else http_title(code, e.name)
        description = e.description if e.description != type(e).description else None
        return _render(code, name, description or generic_description(code, e.name))

    @app.errorhandler(StoreError)
    def store_error(e: StoreError) -> ResponseReturnValue:
        log.warning("database unavailable: %s %s: %s", request.method, request.path, e)
        return _render(503, _("Service Unavailable") if not request.path.startswith("/api/")
                       else "Service Unavailable",
                       N_("The server cannot reach its database; nothing was changed. "
                          "Try again in a moment."))

    @app.errorhandler(Exception)
    def unexpected(e: Exception) -> ResponseReturnValue:
        log.exception("request failed: %s %s", request.method, request.path)
        err = InternalServerError()
        name = err.name if request.path.startswith("/api/") else http_title(500, err.name)
        return _render(500, name, N_("Something went wrong on the server. Try again; "
                                     "if it keeps happening, tell your instructor."))
