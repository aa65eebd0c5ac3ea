"""Remove one protection at a time and check that its tests fail (docs/security.md).

Each mutation replaces one exact piece of source (it must occur exactly once)
in a temporary copy of the repository, then runs the tests named for it
there, with the copy first on the import path. A mutation is *caught* when
those tests fail, *missed* when they pass, and an *error* when the piece is
no longer in the source (the code moved: update the mutation) or pytest could
not run. The unmutated copy must pass the same tests first.

    .venv/bin/python scripts/mutation_check.py            # every mutation
    .venv/bin/python scripts/mutation_check.py -k roles    # those whose id contains "roles"

Exit status 0 only when every mutation run was caught.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COPIED = ("roleplay", "tests", "templates", "scenarios", "scripts", "pyproject.toml",
          "package.json")
AUDIENCE = ("tests/test_security_audience.py",)
HTTP = "tests/test_security_http.py"
SOCKETS = "tests/test_security_sockets.py"
SERVER = "tests/test_security_server.py"


@dataclass(frozen=True)
class Mutation:
    id: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]
    what: str
    #: further pieces replaced in the same file (a protection held by two layers)
    more: tuple[tuple[str, str], ...] = ()


MUTATIONS = [
    Mutation("events-for-unfiltered", "roleplay/service.py",
             "return visible_events(cached.state, viewer, tail)", "return tail", AUDIENCE,
             "service.events_for returns the log's tail without visible_events"),
    Mutation("projector-not-game-only", "roleplay/outbox.py",
             "public = [e for e in events if e.seq > after and Projector() in recipients(e.audience)]",
             "public = [e for e in events if e.seq > after]", AUDIENCE,
             "outbox.projector_events without the projector's recipients filter"),
    Mutation("roles-audience-unmapped", "roleplay/engine/audience.py",
             'elif audience.kind == "roles":', "elif False:", AUDIENCE,
             "audience.recipients without the roles-audience mapping (reaches the staff only)"),
    Mutation("roles-audience-to-table", "roleplay/engine/audience.py",
             "out = tuple(Seat(audience.table, r) for r in audience.roles)",
             "out = (Table(audience.table),)", AUDIENCE,
             "a roles audience at a table sent to the whole table"),
    Mutation("can-see-any-role", "roleplay/engine/audience.py",
             "return p is not None and p.table == self.table and p.role == self.role",
             "return p is not None and p.table == self.table and p.role is not None", AUDIENCE,
             "a Seat recipient includes every role at its table (can_see: a roles audience)"),
    Mutation("can-see-any-role-anywhere", "roleplay/engine/audience.py",
             "return p is not None and p.role == self.role",
             "return p is not None and p.role is not None",
             ("tests/test_audience.py::test_a_viewer_sees_what_some_recipient_of_the_audience_"
              "includes",
              "tests/test_outbox.py::test_every_audience_reaches_exactly_the_viewers_that_may_"
              "see_it"),
             "a Role recipient includes every seated role (can_see: a roles audience of every "
             "table)"),
    Mutation("login-keeps-session", "roleplay/web/security.py",
             "    session.clear()\n    session.permanent = True", "    session.permanent = True",
             (f"{HTTP}::test_a_login_keeps_nothing_from_the_session_before_it",),
             "log_in without session.clear()"),
    Mutation("next-old-check", "roleplay/web/security.py",
             "    if not target:\n        return home\n",
             '    if target and target.startswith("/") and not target.startswith("//") '
             'and "\\\\" not in target:\n        return target\n'
             "    if not target:\n        return home\n",
             (f"{HTTP}::test_after_login_the_next_page_is_on_this_site",),
             "safe_next as it was: a path that starts with one '/' goes through unparsed"),
    Mutation("yaml-anchors-and-aliases-allowed", "roleplay/scenario/loader.py",
             "if isinstance(event, yaml.AliasEvent):", "if False:",
             (f"{HTTP}::test_hostile_scenarios_are_refused_with_a_message",),
             "the scenario screen lets anchors and aliases through (a billion laughs)",
             more=(("if anchor is not None:", "if False:"),)),
    Mutation("join-cross-site", "roleplay/web/player.py",
             "if not same_site_post():", "if False:",
             (f"{HTTP}::test_a_join_form_posted_from_another_site_is_refused",),
             "POST /join without the Origin/Referer check"),
    Mutation("cookie-not-secure", "roleplay/web/security.py",
             "return bool(super().get_cookie_secure(app) or (has_request_context() and "
             "request.is_secure))", "return bool(super().get_cookie_secure(app))",
             (f"{HTTP}::test_the_session_cookie_is_secure_over_https",),
             "the session cookie not Secure over HTTPS"),
    Mutation("origin-believes-forwarded", "roleplay/web/security.py",
             "    return out\n\n\ndef _origin_of",
             '    fwd = environ.get("HTTP_X_FORWARDED_HOST")\n'
             '    if fwd:\n'
             '        out.add(f"{environ.get(\'HTTP_X_FORWARDED_PROTO\', \'http\')}://{fwd}")\n'
             "    return out\n\n\ndef _origin_of",
             (f"{HTTP}::test_the_socket_origin_check_believes_forwarded_headers_only_from_a_"
              "trusted_proxy",),
             "own_origins believes a client's X-Forwarded-Host/-Proto (as before)"),
    Mutation("login-sockets-outlive", "roleplay/web/runtime.py",
             "if since is not None and time.time() - since > LOGIN_LIFETIME_S:", "if False:",
             (f"{HTTP}::test_instructor_sockets_end_with_the_twelve_hour_login",),
             "instructor sockets outlive the 12-hour login"),
    Mutation("seat-token-plain", "roleplay/web/player.py",
             '"sealed": seal(joined.token)}', '"sealed": joined.token}',
             (f"{HTTP}::test_the_seat_token_is_not_readable_in_the_cookie_on_its_way_to_the_"
              "play_page",),
             "the seat token in the cookie unsealed"),
    Mutation("login-lock-per-address", "roleplay/web/security.py",
             'return f"device:{device}" if device else f"address:{request.remote_addr or \'?\'}"',
             'return f"address:{request.remote_addr or \'?\'}"',
             (f"{HTTP}::test_a_prankster_on_the_class_address_cannot_lock_out_the_instructor",),
             "failed logins counted per address only (the known-browser cookie ignored)"),
    Mutation("game-uncapped", "roleplay/web/runtime.py",
             "if present >= self.settings.max_players:", "if False:",
             (f"{HTTP}::test_three_hundred_students_behind_one_address_join_in_two_minutes_a_"
              "script_cannot_flood",),
             "no cap on the players one game takes"),
    Mutation("revoked-token-accepted", "roleplay/storage/eventstore.py",
             "return row.player_id if row is not None and not row.revoked else None",
             "return row.player_id if row is not None else None",
             (f"{SOCKETS}::test_a_revoked_token_alone_keeps_its_seated_player_out",),
             "a revoked token's hash still names its player (the kicked flag left alone)"),
    Mutation("kicked-player-accepted", "roleplay/service.py",
             "if p is None or p.kicked:", "if p is None:",
             (f"{SOCKETS}::test_a_kick_alone_keeps_the_player_out_when_its_token_was_not_revoked",),
             "authenticate lets a kicked player's unrevoked token in (the revocation left alone)"),
    Mutation("audit-nothing-is-fine", "scripts/audit_report.py",
             "    if not audited:\n", "    if False:\n",
             ("tests/test_security_audit.py",),
             "the audit report reader quiet when nothing was audited"),
    Mutation("packet-bucket-signed-in-off", "roleplay/web/guard.py",
             "            if bucket.take(now):\n",
             "            if conn.anonymous_since is None or bucket.take(now):\n",
             (f"{SERVER}::test_a_signed_in_socket_over_its_packet_bucket_is_closed_before_its_"
              "next_packet",),
             "the guard's per-connection packet bucket for signed-in sockets (60 at once, 30/s)"),
    Mutation("flood-key-looked-up", "roleplay/web/sockets.py",
             '    if kind == "player" and _token_locked_out(rt, game_id, auth.get("token")):\n',
             '    if False:\n',
             (f"{SOCKETS}::test_a_flooder_coming_back_is_refused_before_its_key_is_looked_up",),
             "refusing a flooder's seat key by its hash before the database is asked"),
    Mutation("packet-bucket-anonymous-off", "roleplay/web/guard.py",
             "            bucket = conn.packets if conn.anonymous_since is None else conn.anonymous\n",
             "            bucket = conn.packets\n",
             (f"{SERVER}::test_an_anonymous_socket_over_its_packet_bucket_is_closed_before_it_"
              "can_sign_in",),
             "the guard's anonymous bucket (5 packets at once before signing in; the signed-in "
             "bucket kept)"),
    Mutation("sever-removed", "roleplay/web/server.py",
             "        sock.shutdown(socket.SHUT_RDWR)\n", "        pass\n",
             (f"{SERVER}::test_a_flooder_that_never_reads_is_cut_off_both_ways",),
             "server._sever: a flooder's network socket is not shut both ways"),
    Mutation("listener-nagle-on", "roleplay/web/server.py",
             "    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)\n", "",
             ("tests/test_listener.py",),
             "the eventlet listener without TCP_NODELAY (not a protection: the chat latency)"),
    Mutation("listener-shares-port", "roleplay/web/server.py",
             "backlog=LISTEN_BACKLOG, reuse_port=False)", "backlog=LISTEN_BACKLOG)",
             ("tests/test_listener.py::test_a_second_server_on_the_same_port_cannot_listen",),
             "a second server on the same port listens beside the first (SO_REUSEPORT)"),
    Mutation("bots-leave-dropped-sockets", "roleplay/bots.py",
             '    sio.on("disconnect", close)', "    return None",
             ("tests/test_security_server.py::test_a_client_closes_its_socket_when_the_server_"
              "is_killed_under_it",),
             "the bots leave a dropped connection's socket to the garbage collector"),
]


def _copy(dest: Path) -> None:
    for name in COPIED:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns(
                "__pycache__", "*.pyc", "node_modules"))
        elif src.exists():
            shutil.copy2(src, dest / name)
    vendor = ROOT / "node_modules"
    if vendor.exists():
        (dest / "node_modules").symlink_to(vendor)


def _pytest(copy: Path, tests: tuple[str, ...], log: Path) -> int:
    env = {**os.environ, "PYTHONPATH": str(copy), "PYTHONDONTWRITEBYTECODE": "1"}
    check = subprocess.run([sys.executable, "-c", "import roleplay; print(roleplay.__file__)"],
                           cwd=copy, env=env, capture_output=True, text=True, check=True)
    if not check.stdout.strip().startswith(str(copy)):
        raise SystemExit(f"the copy is not what gets imported: {check.stdout.strip()}")
    with log.open("w") as out:
        return subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
                               *tests], cwd=copy, env=env, stdout=out,
                              stderr=subprocess.STDOUT).returncode


def run(m: Mutation, work: Path) -> tuple[str, str]:
    copy = work / m.id
    copy.mkdir()
    _copy(copy)
    target = copy / m.path
    text = target.read_text()
    for old, new in ((m.old, m.new), *m.more):
        if text.count(old) != 1:
            return "error", f"{old!r} occurs {text.count(old)} times in {m.path}: update the mutation"
        text = text.replace(old, new)
    target.write_text(text)
    log = work / f"{m.id}.log"
    code = _pytest(copy, m.tests, log)
    if code == 1:
        return "caught", "tests failed"
    if code == 0:
        return "missed", "tests passed with the protection removed"
    return "error", f"pytest exit {code}; see {log}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-k", default="", help="only mutations whose id contains this")
    parser.add_argument("--keep", action="store_true", help="keep the copies and logs")
    args = parser.parse_args(argv)
    chosen = [m for m in MUTATIONS if args.k in m.id]
    if not chosen:
        print(f"no mutation's id contains {args.k!r}")
        return 2
    work = Path(tempfile.mkdtemp(prefix="roleplay-mutation-"))
    results = []
    try:
        base = work / "baseline"
        base.mkdir()
        _copy(base)
        tests = tuple(dict.fromkeys(t for m in chosen for t in m.tests))
        code = _pytest(base, tests, work / "baseline.log")
        if code != 0:
            print(f"the named tests fail without any mutation (exit {code}): fix that first; "
                  f"see {work / 'baseline.log'}")
            args.keep = True
            return 2
        print(f"baseline: the {len(tests)} named tests pass unmutated", flush=True)
        for m in chosen:
            t0 = time.monotonic()
            verdict, why = run(m, work)
            results.append((m, verdict))
            print(f"{verdict:7} {m.id:26} {time.monotonic() - t0:5.0f} s  {m.what} ({why})",
                  flush=True)
    finally:
        if args.keep:
            print(f"copies and logs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    caught = sum(1 for _, v in results if v == "caught")
    print(f"{caught} of {len(results)} mutations caught")
    return 0 if caught == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
