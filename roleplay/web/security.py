"""Security headers, sessions and their cookie, the instructor's login, CSRF checks."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
import time
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar, cast
from urllib.parse import quote, urljoin, urlsplit

from cryptography.fernet import Fernet, InvalidToken
from flask import (
    Flask,
    Response,
    abort,
    after_this_request,
    has_request_context,
    jsonify,
    redirect,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask.wrappers import Request
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer

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
    # same-origin: no address leaves for another site, and a form posted to this one
    # carries its true Origin (with no-referrer, browsers send `Origin: null`)
    h.setdefault("Referrer-Policy", "same-origin")
    h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if not request.path.startswith("/static/"):
        h.setdefault("Cache-Control", "no-store")
    return response


def own_origins(environ: Mapping[str, Any], allowed: Iterable[str] = ()) -> set[str]:
    """The origins a request may come from: the app's own, as the request reached it, and
    the configured ones. X-Forwarded-Host/-Proto count only through ProxyFix
    (ROLEPLAY_PROXY_HOPS), which has already put them in `environ`: with no proxy
    configured, a client that sends them is not believed."""
    out = {o.rstrip("/") for o in allowed}
    host = environ.get("HTTP_HOST")
    if host:
        out.add(f"{environ.get('wsgi.url_scheme', 'http')}://{host}")
    return out


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else "null"


def same_site_post() -> bool:
    """Whether a form post comes from one of this app's own pages (no cross-site forgery).

    Browsers send `Origin` with every POST (and the pages' Referrer-Policy keeps it
    true); without one, the `Referer` is checked instead; a client that sends
    neither is not a browser, which no other site can drive with this one's cookie."""
    from .runtime import runtime

    sent = request.headers.get("Origin") or (
        _origin_of(request.headers["Referer"]) if request.headers.get("Referer") else None)
    if sent is None:
        return True
    return sent.rstrip("/") in own_origins(request.environ, runtime().settings.allowed_origins)


#: where Flask-SocketIO keeps a socket's session in the socket's environ (manage_session)
_SOCKETIO_SESSION = "saved_session"


class SessionInterface(SecureCookieSessionInterface):
    """The session cookie is `Secure` whenever the request came over HTTPS (as the proxy
    reports it, with ROLEPLAY_PROXY_HOPS) or ROLEPLAY_COOKIE_SECURE says so."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(super().get_cookie_secure(app) or (has_request_context() and request.is_secure))

    def open_session(self, app: Flask, req: Request) -> SecureCookieSession | None:
        """A socket's events after its first get the session Flask-SocketIO keeps for it.

        Flask-SocketIO runs every Socket.IO event in a request context built from the
        socket's handshake environ: Flask opens the session cookie (a signing serializer
        built, the signature checked, the JSON decoded) and Flask-SocketIO then replaces
        it with the copy it made at the socket's first event and keeps in that environ
        (`manage_session`, `flask_socketio.SocketIO._handle_event`). So from the second
        event on, the cookie is opened for nothing, once per chat line: that copy is
        returned here instead, the session the handler sees being the same object. An
        HTTP request's environ is its own and never holds it."""
        managed = req.environ.get(_SOCKETIO_SESSION)
        if managed is not None:
            # a dict with SessionMixin, which is all Flask and Flask-SocketIO use of it
            return cast(SecureCookieSession, managed)
        return super().open_session(app, req)


def init_app(app: Flask) -> None:
    app.after_request(add_headers)
    app.session_interface = SessionInterface()

    @app.context_processor
    def _instructor_context() -> dict[str, Any]:
        """Instructor pages get `csrf_token` (a string) for their forms' hidden field."""
        mine = is_instructor()
        return {"is_instructor": mine, "csrf_token": csrf_token() if mine else "",
                "projector_link": projector_link}


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
    runtime().login_seen(key, float(since))  # its sockets end when the login does
    return key


def is_instructor() -> bool:
    return login_key() is not None


#: a browser that has logged in as the instructor before (a signed random id, a year)
DEVICE_COOKIE = "roleplay_device"
DEVICE_COOKIE_AGE_S = 365 * 24 * 3600


def _devices() -> URLSafeSerializer:
    from flask import current_app

    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="roleplay:login-device")


def _known_device() -> str | None:
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return None
    try:
        value = _devices().loads(raw)
    except BadSignature:
        return None
    return value if isinstance(value, str) else None


def login_attempts_key() -> str:
    """What failed logins count against: a browser that has logged in before counts its own
    (so that a prankster on the class's NAT address, who has no such cookie, cannot lock the
    instructor out); every other browser counts against its address."""
    device = _known_device()
    return f"device:{device}" if device else f"address:{request.remote_addr or '?'}"


def _remember_device(response: Response) -> Response:
    from flask import current_app

    secure = current_app.session_interface.get_cookie_secure(current_app)  # as the session's
    response.set_cookie(DEVICE_COOKIE, _devices().dumps(secrets.token_urlsafe(16)),
                        max_age=DEVICE_COOKIE_AGE_S, httponly=True, samesite="Lax",
                        secure=secure)
    return response


# -- a projector-only link: watch one game's projector page, nothing else -------------
def _projector_links() -> URLSafeTimedSerializer:
    from flask import current_app

    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="roleplay:projector")


def projector_link(game_id: str) -> str:
    """A link that opens this game's projector page on another computer (a classroom PC)
    without the instructor's login, for as long as a login lasts; it can do nothing else."""
    return url_for("projector.show", game_id=game_id, key=_projector_links().dumps(game_id),
                   _external=True)


def grant_projector(game_id: str, key: str) -> bool:
    """Open the projector of `game_id` to this browser, if `key` is a genuine, fresh link."""
    from .runtime import LOGIN_LIFETIME_S

    try:
        linked = _projector_links().loads(key, max_age=LOGIN_LIFETIME_S)
    except BadSignature:
        return False
    if linked != game_id:
        return False
    session["projector"] = {"game": game_id, "since": time.time(),
                            "key": secrets.token_urlsafe(16)}
    return True


def projector_grant(game_id: str) -> tuple[str, float] | None:
    """This browser's projector-only grant for `game_id`, as (a key of its own, since)."""
    from .runtime import LOGIN_LIFETIME_S

    grant = session.get("projector")
    if not isinstance(grant, dict) or grant.get("game") != game_id:
        return None
    since, key = grant.get("since"), grant.get("key")
    if not isinstance(since, (int, float)) or not isinstance(key, str):
        return None
    if time.time() - since > LOGIN_LIFETIME_S:
        session.pop("projector", None)
        return None
    return f"projector-link:{key}", float(since)


def log_in() -> None:
    """A fresh session (no fixation): everything from before the login is dropped."""
    if _known_device() is None:
        after_this_request(_remember_device)
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


#: what may stay as it is in a path, query and fragment (everything else is %-encoded)
_URL_SAFE = "/?#&=%:@!$'()*+,;~-._"


def safe_next(target: str | None, home: str) -> str:
    """Where to go after logging in: a path on this site, or `home`.

    Control and format characters are removed first: browsers drop tabs and line
    breaks from a URL (so `/\\t/evil.example` would become `//evil.example`, another
    host) and a line break in a header is a server error. What is left must be a path
    with no scheme and no host that still names this host once a browser resolves it.
    """
    if not target:
        return home
    cleaned = "".join(c for c in target if unicodedata.category(c)[0] != "C").strip()
    parts = urlsplit(cleaned)
    if (parts.scheme or parts.netloc or not cleaned.startswith("/") or cleaned.startswith("//")
            or "\\" in cleaned):
        return home
    uri = quote(cleaned, safe=_URL_SAFE)
    return uri if urlsplit(urljoin("http://this.host/", uri)).netloc == "this.host" else home


#: how long a sealed value stays good: a seat's token between POST /join and /play
SEALED_FOR_S = 600


def _sealer() -> Fernet:
    from flask import current_app

    secret = str(current_app.config["SECRET_KEY"]).encode()
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(b"roleplay:seal:" + secret).digest()))


def seal(text: str) -> str:
    """`text` encrypted and authenticated with a key from the app's secret (Fernet): a value
    that must travel in the session cookie, which is signed but readable."""
    return _sealer().encrypt(text.encode()).decode()


def unseal(sealed: object) -> str | None:
    """What `seal` sealed, if it is genuine and at most SEALED_FOR_S old."""
    if not isinstance(sealed, str):
        return None
    try:
        return _sealer().decrypt(sealed.encode(), ttl=SEALED_FOR_S).decode()
    except (InvalidToken, ValueError):
        return None


def csrf_token() -> str:
    token = session.get("csrf")
    if not isinstance(token, str):
        token = session["csrf"] = secrets.token_urlsafe(24)
    return token


def check_csrf() -> None:
    sent = request.form.get("csrf_token", "")
    if not sent or not hmac.compare_digest(sent, str(session.get("csrf", ""))):
        abort(400, description=_("The form expired; reload the page and try again."))


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
