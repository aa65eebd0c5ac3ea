"""Security headers, the instructor's session and CSRF tokens for its forms."""

from __future__ import annotations

import functools
import hmac
import secrets
import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Response, abort, jsonify, redirect, request, session, url_for

F = TypeVar("F", bound=Callable[..., Any])

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
])


def add_headers(response: Response) -> Response:
    h = response.headers
    h.setdefault("Content-Security-Policy", CSP)
    h.setdefault("X-Content-Type-Options", "nosniff")
    h.setdefault("X-Frame-Options", "DENY")
    h.setdefault("Referrer-Policy", "no-referrer")
    h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if not request.path.startswith("/static/"):
        h.setdefault("Cache-Control", "no-store")
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_headers)

    @app.context_processor
    def _instructor_context() -> dict[str, Any]:
        """Instructor pages get `csrf_token` (a string) for their forms' hidden field."""
        mine = is_instructor()
        return {"is_instructor": mine, "csrf_token": csrf_token() if mine else ""}


def login_key() -> str | None:
    """This session's instructor login, unless it was logged out (a copied cookie included)."""
    from .runtime import LOGIN_LIFETIME_S, runtime

    key = session.get("instructor")
    if not isinstance(key, str) or not key:
        return None
    since = session.get("since")
    # A login lasts 12 hours from logging in, however often its cookie is refreshed (so
    # a logout's record, kept that long, outlives every copy), unless it was logged out.
    if (not isinstance(since, (int, float)) or time.time() - since > LOGIN_LIFETIME_S
            or runtime().login_ended(key)):
        session.pop("instructor", None)
        return None
    return key


def is_instructor() -> bool:
    return login_key() is not None


def log_in() -> None:
    """A fresh session (no fixation): everything from before the login is dropped."""
    session.clear()
    session.permanent = True
    session["instructor"] = secrets.token_urlsafe(16)
    session["since"] = time.time()
    session["csrf"] = secrets.token_urlsafe(24)


def log_out() -> None:
    """End the login everywhere: this cookie and any copy of it, and its open sockets."""
    from .delivery import delivery
    from .runtime import runtime

    key = login_key()
    if key is not None:
        runtime().end_login(key)  # the database down: a 503 asks to retry; nothing changed
        delivery().close_login(key)
    session.clear()


def csrf_token() -> str:
    token = session.get("csrf")
    if not isinstance(token, str):
        token = session["csrf"] = secrets.token_urlsafe(24)
    return token


def check_csrf() -> None:
    sent = request.form.get("csrf_token", "")
    if not sent or not hmac.compare_digest(sent, str(session.get("csrf", ""))):
        abort(400, description="The form expired; reload the page and try again.")


def instructor_page(fn: F) -> F:
    """Pages: log in first. Form posts: a valid CSRF token too."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not is_instructor():
            return redirect(url_for("instructor.login", next=request.path))
        if request.method == "POST":
            check_csrf()
        return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def instructor_api(fn: F) -> F:
    """JSON endpoints: the instructor's session and a JSON body (which forms cannot send)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not is_instructor():
            return jsonify(error={"code": "forbidden", "message": "Log in first."}), 401
        if request.method == "POST" and not request.is_json:
            return jsonify(error={"code": "bad_request", "message": "Send JSON."}), 415
        return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
