"""The instructor: login, the scenario library, creating games, the dashboard, exports."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from ..scenario.loader import ScenarioError
from ..service import NotFound
from ..storage.eventstore import StoreError
from ..storage.tables import GameRow
from . import library, qr, reasons
from .runtime import runtime
from .security import instructor_page, log_in, log_out, login_attempts_key, safe_next

bp = Blueprint("instructor", __name__, url_prefix="/instructor")

EXPORTS = {
    "json": ("application/json", "json"),
    "csv": ("application/zip", "zip"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "html": ("text/html; charset=utf-8", "html"),
}


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    rt = runtime()
    if request.method == "GET":
        return render_template("login.html", error=None, generated=rt.generated_secret,
                               next=request.args.get("next", ""))
    address = login_attempts_key()  # this browser if it logged in before, else the address
    if rt.logins.blocked(address):
        return render_template("login.html", error=_("Too many attempts; wait a minute."),
                               generated=rt.generated_secret, next=""), 429
    if not rt.check_login(request.form.get("password", "")):
        rt.logins.failed(address)
        return render_template("login.html", error=_("That is not the instructor password."),
                               generated=rt.generated_secret,
                               next=request.form.get("next", "")), 403
    log_in()
    return redirect(safe_next(request.form.get("next"), url_for("instructor.home")), code=303)


@bp.post("/logout")
@instructor_page
def logout() -> ResponseReturnValue:
    log_out()
    return redirect(url_for("instructor.login"), code=303)


def _home(upload_errors: list[dict[str, object]] | None = None, status: int = 200,
          upload_source: list[library.SourceLine] | None = None, upload_text: str = ""
          ) -> tuple[str, int]:
    service = runtime().service
    entries, problems = library.entries(service)
    return render_template(
        "library.html", entries=entries, problems=problems, games=service.games(),
        upload_errors=upload_errors or [], upload_source=upload_source or [],
        upload_text=upload_text,
    ), status


@bp.get("/")
@instructor_page
def home() -> tuple[str, int]:
    return _home()


@bp.post("/scenarios")
@instructor_page
def upload() -> ResponseReturnValue:
    f = request.files.get("file")
    if f is not None and f.filename:
        data, name = f.read(library.MAX_UPLOAD + 1), f.filename
    else:
        data, name = request.form.get("yaml", "").encode("utf-8"), "pasted.yaml"
    if not data.strip():
        return _home([{"line": 1, "column": 1, "message": _("Choose a file or paste YAML.")}], 400)
    try:
        library.upload(runtime().service, data, name)
    except ScenarioError as e:
        errors = [{"line": d.line, "column": d.column, "message": d.message}
                  for d in e.diagnostics]
        try:
            source = library.annotated_source(data.decode("utf-8"), e.diagnostics)
        except UnicodeDecodeError:
            source = []
        pasted = request.form.get("yaml", "") if name == "pasted.yaml" else ""
        # the pasted text comes back in the form, so fixing a typo loses nothing
        return _home(errors, 400, source if len(data) <= library.MAX_UPLOAD else [],
                     pasted if len(pasted) <= library.MAX_UPLOAD else "")
    return redirect(url_for("instructor.home"), code=303)


@bp.get("/library/preview")
@instructor_page
def preview() -> str:
    """A library entry as the class will meet it: each seat's briefing, and its numbers."""
    ref = request.args.get("ref", "")
    try:
        previews = library.preview(runtime().service, ref)
    except NotFound:
        abort(404, description=_("No such scenario in the library."))
    except ScenarioError:
        abort(400, description=_("That scenario no longer validates; upload it again."))
    return render_template("library_preview.html", previews=previews, ref=ref)


@bp.post("/games")
@instructor_page
def create_game() -> ResponseReturnValue:
    rt = runtime()
    ref = request.form.get("ref", "")
    try:
        source = library.resolve(rt.service, ref)
        state = rt.service.create_game(
            source,
            show_results=request.form.get("show_results", "1") == "1",
            auto_advance=request.form.get("auto_advance", "1") == "1",
        )
    except NotFound:
        abort(404, description=_("No such scenario in the library."))
    except ScenarioError:
        abort(400, description=_("That scenario no longer validates; upload it again."))
    return redirect(url_for("instructor.game", game_id=state.setup.game_id), code=303)


def _row(game_id: str) -> GameRow:
    row = runtime().service.game_row(game_id)
    if row is None:
        abort(404, description=_("There is no such game."))
    return row


def _join_warning() -> str | None:
    """Why phones cannot reach the join address, in the instructor's language."""
    ja = runtime().join_address
    return reasons.text(ja.warning_msg, ja.warning_args) if ja.warning_msg else ja.warning


@bp.get("/games/<game_id>")
@instructor_page
def game(game_id: str) -> str:
    row = _row(game_id)
    url = qr.join_url(row.code)
    return render_template("dashboard.html", game_id=game_id, title=row.title, code=row.code,
                           join_url=url, qr_svg=qr.svg(url, scale=5),
                           join_warning=_join_warning(),
                           exports=sorted(EXPORTS))


@bp.get("/games/<game_id>/qr.svg")
@instructor_page
def qr_code(game_id: str) -> Response:
    row = _row(game_id)
    return Response(qr.svg(qr.join_url(row.code)), mimetype="image/svg+xml")


@bp.get("/games/<game_id>/export.<fmt>")
@instructor_page
def export(game_id: str, fmt: str) -> Response:
    row = _row(game_id)
    if fmt not in EXPORTS:
        abort(404, description=_("Exports are json, csv, xlsx or html."))
    try:
        from ..export import export_game
    except ImportError:
        abort(503, description=_("Exports are not available in this installation."))
    anonymize = request.args.get("anonymize") == "1"
    try:
        data = export_game(runtime().service, game_id, fmt=fmt, anonymize=anonymize)
    except StoreError:
        abort(503, description=_("The database is not available; try again."))
    mimetype, ext = EXPORTS[fmt]
    suffix = "-anon" if anonymize else ""
    return Response(data, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="roleplay-{row.code}{suffix}.{ext}"'})



#: The debrief report has no script and loads nothing; its styles are inline.
REPORT_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
              "object-src 'none'; base-uri 'none'; frame-ancestors 'self'; form-action 'none'")


@bp.get("/games/<game_id>/debrief")
@instructor_page
def debrief(game_id: str) -> Response:
    """The debrief report, live from the log: the same renderer as the HTML export."""
    _row(game_id)
    from ..export import build_export
    from ..report import render_report

    try:
        html = render_report(build_export(runtime().service, game_id),
                             present_url=url_for("aftergame.present", game_id=game_id))
    except StoreError:
        abort(503, description=_("The database is not available; try again."))
    return Response(html, mimetype="text/html", headers={"Content-Security-Policy": REPORT_CSP})
