"""`roleplay serve`: run the app with Socket.IO in the configured async mode.

Eventlet is imported here and only here, and only in eventlet mode. It must
monkey-patch the standard library before anything else is imported (locks,
sockets and pools made earlier stay blocking), but the command line has
already imported pydantic and YAML by the time `serve` runs. So in eventlet
mode `serve` replaces the process (same pid) with a fresh interpreter that
patches first and then builds the app: `boot`. The settings travel through a
pipe, so no secret shows in the new process's environment or arguments.
"""

from __future__ import annotations

import gc
import os
import sys
import time
import warnings
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

    from ..service import GameService
    from ..settings import Settings
    from .address import JoinAddress

#: eventlet's wsgi server refuses connections past `max_size` (1,024 by default)
MAX_CONNECTIONS = 10_000
#: longest eventlet's server waits on one read or write of an HTTP connection: a request
#: that never finishes its headers (slowloris) held one of the `max_size` slots for ever.
#: A WebSocket sets its own (Engine.IO's ping interval and timeout) once upgraded.
SOCKET_TIMEOUT_S = 30.0
#: connections the kernel queues for the server until it accepts them. eventlet.listen's
#: (and socketio.run's) default of 50 also caps the half-open queue: when a restarted
#: server's 500 students reconnect at once while its loop is busy, connections past it are
#: dropped and wait for the client's SYN retransmit (1, 3, 7 s), the instructor's login
#: with them (docs/performance.md, "The listen backlog"). Linux caps it at somaxconn.
LISTEN_BACKLOG = 4096
BOOT_FD = "ROLEPLAY_BOOT_FD"
#: how often a full garbage collection may look at everything frozen (see tune_gc)
GC_FULL_SCAN_EVERY_S = 600.0
_BOOT = "import sys; from roleplay.web.server import boot; sys.exit(boot())"


def _prepare_eventlet() -> None:
    """The one place eventlet is imported: silence its own deprecation notice, then patch."""
    warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
    import eventlet

    eventlet.monkey_patch()


def _sever(environ: dict[str, Any]) -> None:
    """Shut a connection's network socket both ways (the guard's `sever`, either mode).

    Eventlet's reader reads on without yielding while frames are waiting, and its
    WebSocket `close()` shuts only the writing half; in threading mode a reader
    thread keeps reading too. A flooder that never reads would be read (and, under
    eventlet, would hold the loop) until it stopped sending. Shut both ways, the
    next read ends the connection's reader."""
    import socket

    if "eventlet.input" in environ:
        sock = environ["eventlet.input"].get_socket()
    else:
        sock = environ.get("werkzeug.socket")
    if sock is not None:
        sock.shutdown(socket.SHUT_RDWR)


def eventlet_listener(host: str, port: int) -> Any:
    """Eventlet's listening socket, with TCP_NODELAY (its connections inherit it) and a
    queue for a reconnect storm (`LISTEN_BACKLOG`).

    A chat line's answer goes out as several small writes (the ack, the events, a
    view); with Nagle's algorithm on, a write waits for the client's acknowledgement
    of the previous one, which the client may delay by up to 40 ms: the others' p95
    under load was a fixed ~45 ms for that reason (docs/performance.md, "Under attack").

    Not SO_REUSEPORT, which eventlet.listen (and socketio.run) turn on by default: a
    second `roleplay serve` on the same port then listened beside the first and the
    kernel split the class's connections between two processes, each with its own copy
    of every game in memory. It now fails with "cannot listen".
    """
    import socket

    import eventlet

    family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    listener = eventlet.listen(address, family, backlog=LISTEN_BACKLOG, reuse_port=False)
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return listener


def _serve_eventlet(app: Flask, host: str, port: int) -> None:
    """What `socketio.run` does in eventlet mode, on `eventlet_listener`."""
    import eventlet.wsgi

    eventlet.wsgi.server(eventlet_listener(host, port), app, max_size=MAX_CONNECTIONS,
                         log_output=False, socket_timeout=SOCKET_TIMEOUT_S)


def offload_writes(service: GameService) -> None:
    """Under eventlet, the event store's INSERTs and COMMITs run on an OS thread of
    eventlet's pool (`tpool`) while the event loop goes on.

    The group commit's writer is a green thread: SQLite's INSERT and its fsync
    (`synchronous=FULL`: 0.3 ms typically, 50-1,000 ms at worst on a virtual disk) held
    the loop's only OS thread, so no other line could be staged meanwhile, and nothing
    else ran. Now the writer (and a command's one INSERT) takes its locks in its green
    thread and hands only the sqlite3 calls to the pool (`EventStore.offload`): they
    touch no green lock, log or pool, and let the GIL go while SQLite works. Lines
    staged meanwhile share the next commit; nobody hears of a line before its commit
    has returned, as before. PostgreSQL keeps the pool's path, on the loop."""
    from eventlet import tpool

    tpool.QUIET = True  # a failed INSERT is the store's to report, not tpool's traceback
    service.store.offload = tpool.execute


def _eventlet_patched() -> bool:
    if "eventlet" not in sys.modules:
        return False
    from eventlet import patcher

    return bool(patcher.is_monkey_patched("socket") and patcher.is_monkey_patched("thread"))


def _raise_file_limit(wanted: int) -> None:
    """Each socket is a file descriptor: lift the soft limit toward the hard one."""
    try:
        import resource
    except ImportError:  # not on POSIX
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def tune_gc(full_scan_every: float = GC_FULL_SCAN_EVERY_S) -> None:
    """Keep the garbage collector's passes short: each one stops every socket while it runs.

    A pass walks every object tracked in the generations it collects: with a 500-student
    game in memory a full (generation 2) pass took 100-400 ms every few seconds, and the
    younger passes grew with whatever had survived since the last full one (4-19 ms per
    generation-1 pass), the slow tail of chat latency (bench/run.py). So what exists
    after start-up (the scenarios, the games loaded from the log) is frozen out of the
    collector's sight, and so are the survivors of every pass: the next one walks only
    what was allocated since. Frozen objects are still freed by reference counting; only
    cyclic garbage among them waits, for the one full pass every `full_scan_every`
    seconds that sees everything.
    """
    gc.collect()
    gc.freeze()
    last_full_scan = time.monotonic()
    scanning = False  # unfrozen, until the next full pass has looked at everything

    def after_collection(phase: str, info: dict[str, Any]) -> None:
        nonlocal last_full_scan, scanning
        if phase != "stop":
            return
        if scanning:
            if info.get("generation") != 2:
                return  # the survivors wait in the old generations for the full pass
            scanning = False
        elif time.monotonic() - last_full_scan >= full_scan_every:
            last_full_scan = time.monotonic()
            scanning = True
            gc.unfreeze()  # the next full pass sees everything again
            return
        gc.freeze()

    gc.callbacks.append(after_collection)


def display_url(settings: Settings, path: str = "/") -> str:
    host = settings.host
    if host in ("0.0.0.0", "::", ""):
        host = "localhost"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.port}{path}"


def students_line(join: JoinAddress) -> str:
    """What `serve` and `demo` print for the students: the address phones must open."""
    if join.reachable:
        return (f"roleplay: students join at {join.base}/ with the game's code "
                "(the dashboard's QR code and link carry this address)")
    return f"roleplay: students: {join.base}/ — {join.warning}"


def run_threaded(app: Flask, host: str, port: int) -> None:
    """Threading mode on Werkzeug's threaded server, without its development-server banner,
    warnings or access log (a line per request): `roleplay serve` and `demo` print their
    own few lines, and errors still reach the log. (Imported here: eventlet mode must
    patch before Werkzeug's server module loads.)"""
    from werkzeug.serving import WSGIRequestHandler, make_server

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            pass

    server = make_server(host, port, app, threaded=True, request_handler=QuietHandler)
    try:
        server.serve_forever()
    finally:
        server.server_close()


def serve(settings: Settings) -> int:
    if settings.async_mode == "eventlet" and not _eventlet_patched():
        _reexec(settings)
    return _run(settings)


def _reexec(settings: Settings) -> None:
    """Become `python -c _BOOT` with the settings on an inherited pipe (never returns)."""
    data = settings.model_dump_json().encode()
    read_fd, write_fd = os.pipe()
    if len(data) > 60_000:  # a pipe buffer holds 64 KiB; settings are a few hundred bytes
        raise ValueError("settings too large to hand over")
    os.write(write_fd, data)
    os.close(write_fd)
    os.set_inheritable(read_fd, True)
    env = dict(os.environ)
    env[BOOT_FD] = str(read_fd)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable, "-c", _BOOT], env)


def boot() -> int:
    """The fresh interpreter of eventlet mode: patch first, then read settings and serve."""
    _prepare_eventlet()
    from ..settings import Settings

    fd = int(os.environ.pop(BOOT_FD))
    with os.fdopen(fd, "rb") as f:
        settings = Settings.model_validate_json(f.read())
    try:
        return _run(settings)
    except KeyboardInterrupt:
        return 130


def _run(settings: Settings) -> int:
    from . import create_app
    from .runtime import Runtime

    app = create_app(settings)
    rt: Runtime = app.extensions["roleplay"]
    tune_gc()
    print(f"roleplay: serving on {display_url(settings)} ({settings.async_mode} mode, "
          f"database {settings.database_url})", flush=True)
    print(students_line(rt.join_address), flush=True)
    print(f"roleplay: instructor: {display_url(settings, '/instructor/')} — {rt.login_hint}",
          flush=True)
    app.extensions["roleplay.guard"].sever = _sever
    if settings.async_mode == "eventlet":
        offload_writes(rt.service)
    try:
        if settings.async_mode == "eventlet":
            _raise_file_limit(MAX_CONNECTIONS + 64)
            _serve_eventlet(app, settings.host, settings.port)
        else:
            run_threaded(app, settings.host, settings.port)
    except OSError as e:
        print(f"roleplay: cannot listen on {settings.host}:{settings.port}: {e.strerror}",
              file=sys.stderr)
        return 1
    return 0
