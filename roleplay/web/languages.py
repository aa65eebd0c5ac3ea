"""The page's language: Flask-Babel with the .po catalogs, the choice per browser, and the
JavaScript catalog.

Three pages choose their language apart, each in its own cookie, because a classroom
PC may show the projector in the room's language while the instructor reads the
dashboard in theirs: students (`lang`, set on the join page), the instructor's pages
(`lang_instructor`) and the projector with its slides (`lang_projector`). A `?lang=xx`
on any page, or the join form's `language` field, sets the cookie of that page's kind;
without a cookie the browser's Accept-Language decides. The cookie lasts a year.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import Flask, Response, abort, g, has_request_context, request
from flask_babel import Babel, Domain, get_locale
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from ..i18n import DEFAULT_LOCALE, LOCALES, NATIVE_NAMES, catalogs, normalise_locale, po_path

COOKIES = {"student": "lang", "instructor": "lang_instructor", "projector": "lang_projector"}
COOKIE_MAX_AGE = 365 * 24 * 3600


class PoDomain(Domain):  # type: ignore[misc]
    """Flask-Babel's domain, reading the .po files (catalogs.py) instead of .mo files."""

    def get_translations(self) -> Any:
        locale = get_locale()
        return catalogs.translations(locale.language if locale is not None else DEFAULT_LOCALE)


def surface(path: str) -> str:
    """Which kind of page a path is: its language is chosen apart from the others."""
    if path.startswith("/projector/") or (path.startswith("/instructor/")
                                          and path.rstrip("/").endswith("/present")):
        return "projector"
    if path.startswith("/instructor"):
        return "instructor"
    return "student"


def _chosen_now() -> str | None:
    """A language the request itself picks: `?lang=` or the join form's `language`."""
    picked = normalise_locale(request.args.get("lang"))
    if picked is None and request.method == "POST" and request.mimetype in (
            "application/x-www-form-urlencoded", "multipart/form-data"):
        try:
            form: MultiDict[str, str] = request.form
        except HTTPException:  # too large, malformed: the error page still needs a language
            return None
        picked = normalise_locale(form.get("language"))
    return picked


def select_locale() -> str:
    if not has_request_context():
        return DEFAULT_LOCALE
    picked = _chosen_now()
    if picked is not None:
        g.lang_chosen = picked
        return picked
    saved = normalise_locale(request.cookies.get(COOKIES[surface(request.path)]))
    if saved is not None:
        return saved
    return request.accept_languages.best_match(LOCALES) or DEFAULT_LOCALE


def current_locale() -> str:
    locale = get_locale()
    return locale.language if locale is not None and locale.language in LOCALES else DEFAULT_LOCALE


def _remember(response: Response) -> Response:
    """Sets the page kind's cookie when the request picked a language."""
    get_locale()  # the selector has run, so g.lang_chosen is set if the request picked one
    picked = g.get("lang_chosen")
    name = COOKIES[surface(request.path)]
    if picked is not None and request.cookies.get(name) != picked:
        from flask import current_app

        response.set_cookie(name, picked, max_age=COOKIE_MAX_AGE, samesite="Lax", path="/",
                            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
                            httponly=True)
    return response


_versions: dict[str, tuple[int, str, bytes]] = {}


def _catalog_body(lang: str) -> tuple[str, bytes]:
    """The JSON catalog and its version (a hash of its bytes), built again when the .po
    file changed."""
    path = po_path(lang)
    mtime = path.stat().st_mtime_ns if path.exists() else 0
    hit = _versions.get(lang)
    if hit is None or hit[0] != mtime:
        body = json.dumps(catalogs.js_catalog(lang), ensure_ascii=False,
                          separators=(",", ":"), sort_keys=True).encode("utf-8")
        hit = (mtime, hashlib.sha256(body).hexdigest()[:16], body)
        _versions[lang] = hit
    return hit[1], hit[2]


def catalog_url(lang: str) -> str:
    version, _ = _catalog_body(lang)
    return f"/i18n/{lang}.json?v={version}"


def init_app(app: Flask) -> None:
    babel = Babel(app, locale_selector=select_locale, default_locale=DEFAULT_LOCALE)
    babel.domain_instance = PoDomain()
    app.jinja_env.policies["ext.i18n.trimmed"] = True  # as extraction reads {% trans %}
    app.after_request(_remember)

    @app.get("/i18n/<lang>.json")
    def i18n_catalog(lang: str) -> Any:
        """The pages' catalog: immutable under its versioned address (the pages ask for
        `?v=<hash>`), revalidated by ETag otherwise."""
        if lang not in LOCALES:
            abort(404, description=_("There is no such language."))
        version, body = _catalog_body(lang)
        resp = Response(body, mimetype="application/json")
        resp.set_etag(version)
        if request.args.get("v") == version:
            resp.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        else:
            resp.headers["Cache-Control"] = "no-cache"
        return resp.make_conditional(request)

    @app.context_processor
    def locale_context() -> dict[str, Any]:
        lang = current_locale()
        return {"current_locale": lang, "locale_names": NATIVE_NAMES, "locales": LOCALES,
                "i18n_catalog_url": catalog_url(lang), "lang_link": lang_link}


def lang_link(lang: str) -> str:
    """This page's address with `?lang=` set (the other query arguments kept)."""
    from urllib.parse import urlencode

    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    return request.path + "?" + urlencode([*args, ("lang", lang)])
