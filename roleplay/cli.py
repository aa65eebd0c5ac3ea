"""`roleplay`: the command line. Users see messages, never tracebacks."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from .errors import RoleplayError
from .i18n import LOCALES
from .paths import scenarios_dir
from .scenario.loader import (
    CampaignBundle,
    ScenarioError,
    is_campaign_text,
    load_campaign,
    parse_scenario,
    read_text,
)
from .scenario.resolve import resolve_source
from .settings import DEFAULT_DB, SERVE_HOST


# -- validate ---------------------------------------------------------------------------
def _files(paths: Sequence[str]) -> list[Path]:
    """The files to check: a folder's scenarios and campaigns (a translation file is
    checked with its scenario), and each file named (a translation: its scenario)."""
    from .scenario.translations import is_translation_text, scenario_of

    def translation(path: Path) -> bool:
        try:
            return is_translation_text(read_text(path))
        except ScenarioError:
            return False

    out: list[Path] = []
    for p in paths or [str(scenarios_dir())]:
        path = Path(p)
        if path.is_dir():
            out.extend(f for f in sorted(path.glob("*.y*ml")) if not translation(f))
        elif path.exists() and translation(path):
            out.append(scenario_of(path))
        else:
            out.append(path)
    return list(dict.fromkeys(out))


def _validate_scenario(path: Path, text: str, complete: bool) -> bool:
    """Print a scenario's ok line and its translations' (gaps at their lines); whether
    it passes (with `complete`, a gap fails)."""
    from .scenario.loader import read_yaml
    from .scenario.translations import report

    sc = parse_scenario(text, str(path))
    print(f"{path}: ok: '{sc.id}' v{sc.version}, {len(sc.roles)} roles, "
          f"{len(sc.issues)} issues, {len(sc.phases)} phases, {len(sc.events)} events")
    passed = True
    for summary, gaps in report(sc, path, read_yaml(text, str(path))[1]):
        print(summary)
        for d in gaps:
            print(str(d), file=sys.stderr if complete else sys.stdout)
        passed = passed and not (complete and gaps)
    return passed


def cmd_validate(args: argparse.Namespace) -> int:
    failed = False
    for path in _files(args.paths):
        try:
            if not path.exists():
                raise ScenarioError([])  # reported below
            text = read_text(path)
            if is_campaign_text(text):
                bundle = load_campaign(path)
                print(f"{path}: ok: campaign '{bundle.campaign.id}' v{bundle.campaign.version}, "
                      f"{len(bundle.scenarios)} scenarios: "
                      + " -> ".join(s.id for s in bundle.scenarios))
            elif not _validate_scenario(path, text, args.complete):
                failed = True
        except ScenarioError as e:
            failed = True
            if not e.diagnostics:
                print(f"{path}:1:1: no such file", file=sys.stderr)
            for d in e.diagnostics:
                print(str(d), file=sys.stderr)
    return 1 if failed else 0


def cmd_schema(args: argparse.Namespace) -> int:
    from .scenario.schema import campaign_schema, scenario_schema, translation_schema

    schema = (campaign_schema() if args.campaign else
              translation_schema() if args.translation else scenario_schema())
    print(json.dumps(schema, indent=2, ensure_ascii=False))
    return 0


def cmd_analyze(args: argparse.Namespace) -> int:
    from .analysis import analyze

    source = resolve_source(args.scenario)
    scenarios = source.scenarios if isinstance(source, CampaignBundle) else (source,)
    reports = [analyze(sc) for sc in scenarios]
    if args.json:
        payload = [r.to_dict() for r in reports]
        print(json.dumps(payload[0] if len(payload) == 1 else payload, indent=2))
    else:
        print("\n\n".join(r.to_text() for r in reports))
    return 0


def _service(db: str) -> object:
    from .service import GameService
    from .storage.db import make_engine
    from .storage.eventstore import EventStore

    return GameService(EventStore(make_engine(db)))


def cmd_play(args: argparse.Namespace) -> int:
    from collections import Counter

    from .driver import play_game
    from .engine.outcomes import deadlock_text
    from .engine.state import table_records
    from .scoring.measures import TYPE_LABELS
    from .service import GameService

    service = _service(args.db)
    assert isinstance(service, GameService)
    source = resolve_source(args.scenario)
    state = play_game(service, source, players=args.players, seed=args.seed)
    print(f"game {state.setup.game_id} (code {state.setup.code}) finished after "
          f"{state.seq} events; database {args.db}")
    for step, sc in enumerate(state.setup.scenarios):
        print(f"\n{sc.title}")
        scores = {t.table: t for t in service.scores(state, step).tables}
        types: Counter[str] = Counter()
        for rec in table_records(state, step):
            # each role's utility, as `simulate` prints it: the deal's points with costs
            # and bonuses, or the BATNA after events when there is no valid deal
            score = scores[rec.table]
            roles = {rs.role: rs.utility for rs in score.roles}
            pts = ", ".join(f"{r} {roles[r]:g}" for r in sc.table.roles)
            kind = TYPE_LABELS.get(score.table_type, score.table_type)
            types[kind] += 1
            if rec.deal is None:
                why = deadlock_text(sc, rec.deadlock_reason) or "no deal"
                print(f"  table {rec.table}: deadlock, {why} (points {pts})")
            else:
                print(f"  table {rec.table}: {kind}, deal {dict(rec.deal)} (points {pts})")
        print("  table types: " + ", ".join(f"{k} {n}" for k, n in types.most_common()))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from .settings import Settings
    from .web.server import serve

    host = args.host
    if host is None and not os.environ.get("ROLEPLAY_HOST"):
        host = SERVE_HOST  # phones on the room's network must reach it (docs/deployment.md)
    settings = Settings.from_env(
        database_url=args.db, message_queue=args.message_queue, async_mode=args.async_mode,
        host=host, port=args.port, public_url=args.public_url,
    )
    return serve(settings)


def cmd_demo(args: argparse.Namespace) -> int:
    from .local.demo import run_demo
    from .settings import Settings

    settings = Settings.from_env(database_url=args.db, async_mode=args.async_mode,
                                 host=args.host, port=args.port, public_url=args.public_url)
    return run_demo(settings, scenario=args.scenario, players=args.players)


def cmd_simulate(args: argparse.Namespace) -> int:
    if args.db is not None and args.server is not None:
        raise RoleplayError("--db is for the server simulate starts; a running server "
                            "(--server) keeps its games in its own database")
    source = resolve_source(args.scenario)
    out = Path(args.out) if args.out else None
    if args.server is None:
        from .local.server import simulate as simulate_locally

        result = simulate_locally(source, players=args.players, seed=args.seed, out=out,
                                  database_url=args.db)
    else:
        from .bots import simulate

        result = simulate(source, players=args.players, seed=args.seed,
                          server_url=args.server, out=out)
    if args.db is not None:
        result["database"] = args.db
    print(json.dumps(result, indent=2))
    return 0


def _existing_database(url: str) -> None:
    """Refuse a SQLite file that is not there: opening it would create an empty one."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from .storage.db import normalise_url

    try:
        parsed = make_url(normalise_url(url))
    except ArgumentError as e:
        raise RoleplayError(f"not a database URL: {url}") from e
    name = parsed.database or ""
    if (parsed.get_backend_name() == "sqlite" and name not in ("", ":memory:")
            and not Path(name).is_file()):
        raise RoleplayError(f"no database at {name} (from --db {url}); "
                            "pass the --db the game was played with")


def cmd_export(args: argparse.Namespace) -> int:
    from .export import export_game
    from .service import GameService

    _existing_database(args.db)
    service = _service(args.db)
    assert isinstance(service, GameService)
    data = export_game(service, args.game, fmt=args.format, anonymize=args.anonymize,
                       language=args.language)
    if args.out:
        Path(args.out).write_bytes(data)
        print(f"wrote {args.out} ({len(data)} bytes)")
    else:
        sys.stdout.buffer.write(data)
    return 0


def cmd_score(args: argparse.Namespace) -> int:
    from .export import rescore_export

    data = json.loads(Path(args.export).read_text(encoding="utf-8"))
    result = rescore_export(data)
    print(json.dumps(result, indent=2))
    return 0 if result.get("matches", True) else 1


def _days(text: str) -> float:
    """A number of days, 0 or more (a negative age would delete games from the future too)."""
    try:
        days = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of days: {text!r}") from None
    if not days >= 0 or days == float("inf"):
        raise argparse.ArgumentTypeError("the age must be 0 days or more")
    return days


def cmd_purge(args: argparse.Namespace) -> int:
    from .storage.db import make_engine
    from .storage.eventstore import EventStore

    store = EventStore(make_engine(args.db))
    cutoff = time.time() - args.older_than * 86400
    ids = store.games_created_before(cutoff)
    n = store.delete_games(ids)
    print(f"deleted {n} game(s) created more than {args.older_than:g} days ago")
    return 0


def cmd_i18n(args: argparse.Namespace) -> int:
    from .i18n.tool import main as i18n_main

    return i18n_main(args.action)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="roleplay", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    def server_opts(sp: argparse.ArgumentParser, host_help: str) -> None:
        sp.add_argument("--host", default=None, help=host_help)
        sp.add_argument("--public-url", default=None,
                        help="the address students use when a proxy stands in front "
                             "(https://...; or ROLEPLAY_PUBLIC_URL)")
        sp.add_argument("--port", type=int, default=None, help="port (default 5000)")
        sp.add_argument("--db", default=None, help=f"database URL (default {DEFAULT_DB})")
        sp.add_argument("--async-mode", choices=["eventlet", "threading"], default=None)

    sp = sub.add_parser("serve", help="run the web app")
    server_opts(sp, f"address to listen on (default {SERVE_HOST}: every interface, so that "
                    "phones on the room's network can join; 127.0.0.1: this machine only)")
    sp.add_argument("--message-queue", default=None, help="redis://... when running several workers")
    sp.set_defaults(fn=cmd_serve)

    sp = sub.add_parser("demo", help="start the app with a game full of bots but one seat")
    server_opts(sp, "address to listen on (default 127.0.0.1: the demo is for trying alone)")
    sp.add_argument("--scenario", default="association-agreement")
    sp.add_argument("--players", type=int, default=4)
    sp.set_defaults(fn=cmd_demo)

    sp = sub.add_parser("validate", help="check scenario and campaign files")
    sp.add_argument("paths", nargs="*", help="files or folders (default: the built-in scenarios)")
    sp.add_argument("--complete", action="store_true",
                    help="fail when a translation leaves a text untranslated")
    sp.set_defaults(fn=cmd_validate)

    sp = sub.add_parser("schema", help="print the JSON Schema of the scenario format")
    sp.add_argument("--campaign", action="store_true", help="the campaign format instead")
    sp.add_argument("--translation", action="store_true",
                    help="the format of a translation file beside a scenario instead")
    sp.set_defaults(fn=cmd_schema)

    sp = sub.add_parser("analyze", help="check a scenario's numbers before class")
    sp.add_argument("scenario", help="a file, or the id of a built-in scenario")
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(fn=cmd_analyze)

    sp = sub.add_parser("play", help="play a whole game with bots, in-process, no browser")
    sp.add_argument("scenario")
    sp.add_argument("--players", type=int, default=8)
    sp.add_argument("--seed", type=int, default=1)
    sp.add_argument("--db", default="sqlite://", help="database URL (default: in memory)")
    sp.set_defaults(fn=cmd_play)

    sp = sub.add_parser("simulate", help="bots play a game through a real server")
    sp.add_argument("scenario")
    sp.add_argument("--players", type=int, default=8)
    sp.add_argument("--seed", type=int, default=1)
    sp.add_argument("--server", default=None, help="URL of a running server (default: start one)")
    sp.add_argument("--out", default=None, help="write the JSON export here")
    sp.add_argument("--db", default=None,
                    help="keep the game in this database, for `roleplay export --db` "
                         "(default: a temporary one, deleted afterwards)")
    sp.set_defaults(fn=cmd_simulate)

    sp = sub.add_parser("export", help="export a game as JSON, CSV (zip), a spreadsheet or HTML")
    sp.add_argument("game", help="game id or join code")
    sp.add_argument("--format", choices=["json", "csv", "xlsx", "html"], default="json")
    sp.add_argument("--out", default=None)
    sp.add_argument("--anonymize", action="store_true", help="replace names by pseudonyms")
    sp.add_argument("--language", choices=list(LOCALES), default="en",
                    help="the HTML report's language (the scenario's text stays as written)")
    sp.add_argument("--db", default=DEFAULT_DB)
    sp.set_defaults(fn=cmd_export)

    sp = sub.add_parser("score", help="recompute an export's outcomes from its events")
    sp.add_argument("export")
    sp.set_defaults(fn=cmd_score)

    sp = sub.add_parser("purge", help="delete old games")
    sp.add_argument("--older-than", type=_days, required=True, metavar="DAYS")
    sp.add_argument("--db", default=DEFAULT_DB)
    sp.set_defaults(fn=cmd_purge)

    sp = sub.add_parser("i18n", help="extract the interface's messages, update or check the catalogs")
    sp.add_argument("action", choices=["extract", "update", "check"],
                    help="extract: write translations/messages.pot; update: merge it into each "
                         "language's .po; check: fail on missing, untranslated or obsolete entries")
    sp.set_defaults(fn=cmd_i18n)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.fn(args))
    except ScenarioError as e:
        for d in e.diagnostics:
            print(str(d), file=sys.stderr)
        return 1
    except RoleplayError as e:
        print(f"roleplay: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `roleplay analyze X | head`: the reader has gone, so stop quietly, and point
        # stdout at nothing so that Python's final flush does not complain either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
