"""The benchmark: the app against the bare Flask-SocketIO stack, same load, same run.

    .venv/bin/python bench/run.py            # full: 50, 200, 500, 1,000 students, two workers
    .venv/bin/python bench/run.py --quick    # under 3 minutes: 500 students, storage, storm

Prints a human-readable report as it goes and ends with one line of JSON.
Needs only what `bash scripts/setup.sh` installs (plus PostgreSQL and Redis
for the PostgreSQL, two-worker figures; they are skipped when unreachable).
Results: docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import load  # noqa: E402
import storage  # noqa: E402
from gamesetup import scenario, seated_game, valid_package  # noqa: E402

PASSWORD = "bench-instructor-password"
POSTGRES = os.environ.get("ROLEPLAY_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("ROLEPLAY_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
CLK_TCK = os.sysconf("SC_CLK_TCK")
#: set by --profile: py-spy records each server during the steady load into this folder
PROFILE_DIR: Path | None = None
#: the disk probe's interval beside each app round (bench/diskprobe.py); None: --no-disk-probe
DISK_PROBE_MS: float | None = 20.0
#: set by --batch-sizes: the app's servers count the group commit's batches (bench/probed_server.py)
BATCH_SIZES = False
#: set by --chat-path: the app's servers time each chat line's steps (bench/probed_server.py)
CHAT_PATH = False
#: the segments between the steps bench/probed_server.py times
CHAT_SEGMENTS = {
    "sent -> handler": ("sent", "handler"),      # loopback, the loop's queue, Socket.IO, checks
    "handler -> locked": ("handler", "locked"),  # waiting for the game's lock
    "locked -> staged": ("locked", "staged"),    # `decide`, numbering, the writer's queue
    "staged -> taken": ("staged", "taken"),      # waiting for the writer (a commit in flight)
    "taken -> os thread": ("taken", "os_in"),    # the hand-off to an OS thread of tpool
    "INSERT + COMMIT": ("os_in", "os_out"),      # SQLite's work and its fsync
    "os thread -> writer": ("os_out", "durable"),  # the hand-back to the loop
    "durable -> delivered": ("durable", "delivered"),  # applied, its outbox, the emits
    "sent -> delivered": ("sent", "delivered"),
}
CHAT_STEPS = {step for seg in CHAT_SEGMENTS.values() for step in seg}


def log(*a: Any) -> None:
    print(*a, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


class Server:
    """A server subprocess on loopback."""

    def __init__(self, argv: list[str], port: int, env: dict[str, str] | None = None,
                 log_path: Path | None = None):
        self.argv, self.port = argv, port
        self.env = {**os.environ, **(env or {})}
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30.0) -> float:
        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        t0 = time.monotonic()
        self.proc = subprocess.Popen(self.argv, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                     cwd=ROOT)
        while time.monotonic() - t0 < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.argv} (see {self.log_path})")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return time.monotonic() - t0
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"server did not listen on {self.port}")

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)


def app_argv(port: int, db: str, queue: str | None = None) -> list[str]:
    argv = [str(ROOT / ".venv/bin/roleplay"), "serve", "--port", str(port), "--db", db]
    if not Path(argv[0]).exists():
        argv[:1] = [sys.executable, "-m", "roleplay.cli"]
    if queue:
        argv += ["--message-queue", queue]
    return argv


def bare_argv(port: int, gc_freeze: bool, persist: Path | None = None) -> list[str]:
    return [sys.executable, str(HERE / "bare_server.py"), "--port", str(port),
            *(["--gc-freeze"] if gc_freeze else []),
            *(["--persist", str(persist)] if persist else [])]


def login_cookie(port: int) -> str:
    import requests

    r = requests.post(f"http://127.0.0.1:{port}/api/login", json={"password": PASSWORD}, timeout=10)
    r.raise_for_status()
    return "; ".join(f"{k}={v}" for k, v in r.cookies.items())


def _spy(server: Server, name: str, seconds: float) -> subprocess.Popen[bytes] | None:
    """With --profile: py-spy records `server` for `seconds` into PROFILE_DIR/name.txt."""
    if PROFILE_DIR is None:
        return None
    idle = ["--idle"] if os.environ.get("BENCH_SPY_IDLE") else []
    # BENCH_SPY_GIL: only the thread holding the GIL, i.e. Python's own CPU work (not the
    # loop's epoll wait nor the writer's fsync, which the default sampling counts as busy)
    idle += ["--gil"] if os.environ.get("BENCH_SPY_GIL") else []
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "py-spy"), "record", "-p", str(server.pid),
         "-d", str(max(1, int(seconds))), "-r", "200", *idle, "--format", "raw",
         "-o", str(PROFILE_DIR / f"{name}.txt")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _disk_probe(directory: Path | None, seconds: float) -> subprocess.Popen[bytes] | None:
    """bench/diskprobe.py for `seconds` in `directory` (beside the server's database)."""
    if directory is None or DISK_PROBE_MS is None:
        return None
    return subprocess.Popen(
        [sys.executable, str(HERE / "diskprobe.py"), str(directory), "--seconds", str(seconds),
         "--every-ms", str(DISK_PROBE_MS)], stdout=subprocess.PIPE)


def _disk_samples(probe: subprocess.Popen[bytes] | None) -> list[float] | None:
    if probe is None:
        return None
    out, _ = probe.communicate(timeout=60)
    return [float(v) for v in json.loads(out)] if probe.returncode == 0 else None


def _probes(servers: list[Server]) -> dict[str, list[Any]]:
    """What bench/probed_server.py recorded so far in each server: {env var: [records]}."""
    out: dict[str, list[Any]] = {}
    for s in servers:
        files = [(var, Path(s.env[var])) for var in ("BENCH_BATCH_SIZES", "BENCH_CHAT_PATH")
                 if var in s.env]
        if not files:
            continue
        before = {var: f.read_text().count("\n") if f.exists() else 0 for var, f in files}
        s.proc.send_signal(signal.SIGUSR1)  # type: ignore[union-attr]
        for var, f in files:
            for _ in range(50):
                if f.exists() and f.read_text().count("\n") > before[var]:
                    break
                time.sleep(0.1)
            out.setdefault(var, []).append(json.loads(f.read_text().splitlines()[-1]))
    return out


def _batch_sizes(dumps: dict[str, list[Any]]) -> dict[str, int] | None:
    """The group commit's batch sizes so far, summed over the servers."""
    if "BENCH_BATCH_SIZES" not in dumps:
        return None
    total: dict[str, int] = {}
    for sizes in dumps["BENCH_BATCH_SIZES"]:
        for k, v in sizes.items():
            total[k] = total.get(k, 0) + v
    return total


def chat_path_lines(paths: list[dict[str, float]]) -> list[str]:
    """Each segment of the chat lines' path (ms): p50, p90, p99, max; and which segment was
    the longest in each of the slowest 1 % of lines."""
    whole = [p for p in paths if all(k in p for k in CHAT_STEPS)]
    if not whole:
        return [f"      chat path: no line timed ({len(paths)} partly)"]
    out = [f"      chat path of {len(whole)} lines (ms):"]
    for name, (a, b) in CHAT_SEGMENTS.items():
        ms = [1000 * (p[b] - p[a]) for p in whole]
        out.append(f"        {name:22} p50 {load.pct(ms, 50):>6} p90 {load.pct(ms, 90):>6} "
                   f"p99 {load.pct(ms, 99):>6} max {max(ms):>7.2f}")
    slow = sorted(whole, key=lambda p: p["delivered"] - p["sent"])[-max(1, len(whole) // 100):]
    longest: dict[str, int] = {}
    for p in slow:
        parts = {n: p[b] - p[a] for n, (a, b) in CHAT_SEGMENTS.items() if n != "sent -> delivered"}
        top = max(parts, key=lambda n: parts[n])
        longest[top] = longest.get(top, 0) + 1
    out.append(f"        slowest {len(slow)}: longest segment {longest}")
    return out


def batch_line(batches: dict[str, int]) -> str:
    lines = sum(int(k) * v for k, v in batches.items())
    n = sum(batches.values())
    alone = batches.get("1", 0)
    big = sorted(batches.items(), key=lambda kv: -int(kv[0]))[:1]
    return (f"      group commit (steady): {lines} lines in {n} batches, "
            f"{lines / n if n else 0:.2f} lines per batch, {alone} alone "
            f"({100 * alone / lines if lines else 0:.0f}% of lines), largest {big[0][0] if big else '-'}; "
            f"{dict(sorted(batches.items(), key=lambda kv: int(kv[0])))}")


# -- one load run ------------------------------------------------------------------------
async def drive(target: load.Target, servers: list[Server], *, seconds: float,
                storm: bool = False, restart: Any = None,
                disk_dir: Path | None = None) -> dict[str, Any]:
    """Connect everyone, run the steady load, a phase change and a sign burst; measure.

    With `disk_dir`, bench/diskprobe.py syncs small appends there during the steady load."""
    n = len(target.students)
    rss_idle = sum(rss_kb(s.pid) for s in servers)
    if isinstance(target, load.AppTarget):
        await target.connect_staff()
    connect_s = await target.connect_all()
    await asyncio.sleep(1.0)
    rss_connected = sum(rss_kb(s.pid) for s in servers)

    spy = _spy(servers[0], f"{target.name}-{n}-steady", seconds)
    msgs0 = sum(target.rec.messages.values())
    sent0 = sum(s.sent for s in target.students)
    cpu0 = sum(cpu_s(s.pid) for s in servers)
    me0 = time.process_time()
    t0 = time.monotonic()
    probe = _disk_probe(disk_dir, seconds + 1.0)
    await target.steady(seconds)
    await asyncio.sleep(1.0)  # let the last deliveries land
    window = time.monotonic() - t0
    dumps = await asyncio.to_thread(_probes, servers)
    batches = _batch_sizes(dumps)
    disk = await asyncio.to_thread(_disk_samples, probe)
    cpu = sum(cpu_s(s.pid) for s in servers) - cpu0
    client_cpu = time.process_time() - me0
    msgs = sum(target.rec.messages.values()) - msgs0
    sent = sum(s.sent for s in target.students) - sent0

    if spy is not None:
        await asyncio.to_thread(spy.wait)
    await target.ensure_proposals()
    spy = _spy(servers[0], f"{target.name}-{n}-burst", 4)
    phase = await target.measure_phase_change()
    await asyncio.sleep(0.5)
    await target.sign_burst()
    await asyncio.sleep(2.0)
    settle_s = await target.settle()
    if spy is not None:
        await asyncio.to_thread(spy.wait)
    rss_loaded = sum(rss_kb(s.pid) for s in servers)
    rec = target.rec
    out: dict[str, Any] = {
        "stack": target.name, "students": n, "servers": len(servers),
        "connect_s": round(connect_s, 2),
        "deliveries_per_s": round(msgs / window),
        "server_cpu_pct": round(100 * cpu / window, 1),
        # the same schedule of commands for both stacks: a figure the machine's noise moves
        # less than latency (CPU time, not waiting)
        "server_cpu_s_per_1000_commands": round(1000 * cpu / sent, 3) if sent else None,
        "commands": sent,
        "load_client_cpu_pct": round(100 * client_cpu / window, 1),
        "chat": rec.summary("steady:chat"),
        # the disk alone meanwhile (fdatasync of small appends; None: not probed)
        "disk_fsync": None if disk is None else load.summarize(disk),
        "proposal": rec.summary("steady:proposal_made"),
        "sign_burst": rec.summary("burst:signed"),
        "phase_change": phase,
        "rss_mb_idle": round(rss_idle / 1024, 1),
        "rss_mb_loaded": round(rss_loaded / 1024, 1),
        "rss_kb_per_student": round((max(rss_loaded, rss_connected) - rss_idle) / n, 1),
        "deliveries": rec.dropped(),
        # waited after the sign burst's 2 s for the last answers and deliveries (30 s at most)
        "settle_s": round(settle_s, 2),
        "errors": dict(rec.errors),
        # with --batch-sizes: {chat lines in a batch: batches} of the steady load
        "batches": batches,
        # with --chat-path: each chat line's steps in the server (bench/probed_server.py)
        "_chat_path": [p for d in dumps.get("BENCH_CHAT_PATH", []) for p in d] or None,
        "_latency": {k: list(v) for k, v in rec.latency.items()},  # for pooling rounds
        "_disk": disk,
    }
    if storm and restart is not None:
        out["reconnect_storm"] = await restart(target)
    await target.close_all()
    return out


async def reconnect_storm(target: load.Target, server: Server) -> dict[str, Any]:
    """Restart the server; every client reconnects at once (with its last_seq) until synced."""
    n = len(target.students)
    for s in target.students:
        s.synced = asyncio.Event()
    t_kill = time.monotonic()
    server.stop()
    await asyncio.sleep(0.2)
    tasks = [asyncio.create_task(target.connect_one(s, retry_until=time.monotonic() + 60))
             for s in target.students]
    listen_s = await asyncio.to_thread(server.start)
    t_listen = time.monotonic()
    if isinstance(target, load.AppTarget):
        target.cookie = await asyncio.to_thread(login_cookie, server.port)
    results = await asyncio.gather(*tasks, return_exceptions=True)
    t_done = time.monotonic()
    failed = sum(1 for r in results if isinstance(r, BaseException))
    return {"clients": n, "failed": failed, "server_start_s": round(listen_s, 2),
            "synced_after_listen_s": round(t_done - t_listen, 2),
            "synced_after_restart_s": round(t_done - t_kill, 2)}


def app_run(n: int, seconds: float, workdir: Path, *, storm: bool = False,
            workers: int = 1, postgres: bool = False) -> dict[str, Any]:
    """The app with `n` students: one worker on SQLite (or PostgreSQL), or `workers` on
    PostgreSQL + Redis."""
    from roleplay.service import GameService
    from roleplay.storage.db import make_engine
    from roleplay.storage.eventstore import EventStore

    drop = None
    if workers == 1 and not postgres:
        db = f"sqlite:///{workdir}/app-{n}-{time.time_ns()}.db"
    else:
        db, drop = storage.fresh_postgres(POSTGRES)
    engine = make_engine(db)
    svc = GameService(EventStore(engine))
    game_id, seats = seated_game(svc, n, seed=n)
    engine.dispose()
    queue = REDIS if workers > 1 else None
    ports = [free_port() for _ in range(workers)]
    # a thousand students from one address: the per-address handshake limit is off
    env = {"ROLEPLAY_INSTRUCTOR_PASSWORD": PASSWORD, "ROLEPLAY_SECRET_KEY": "b" * 32,
           "ROLEPLAY_SOCKET_HANDSHAKE_RATE": "0"}
    servers = [Server(app_argv(p, db, queue), p, env, workdir / f"app-{n}-{i}.log")
               for i, p in enumerate(ports)]
    if BATCH_SIZES or CHAT_PATH:  # the same server through bench/probed_server.py
        for i, s in enumerate(servers):
            s.argv = [sys.executable, str(HERE / "probed_server.py"),
                      *s.argv[s.argv.index("serve"):]]
            stamp = f"{n}-{i}-{time.time_ns()}"
            if BATCH_SIZES:
                s.env["BENCH_BATCH_SIZES"] = str(workdir / f"batches-{stamp}.jsonl")
            if CHAT_PATH:
                s.env["BENCH_CHAT_PATH"] = str(workdir / f"chat-path-{stamp}.jsonl")
    try:
        for s in servers:
            s.start()
        students = [load.Student(i, st.table, st.role, st.player_id, st.token)
                    for i, st in enumerate(seats)]
        target = load.AppTarget("127.0.0.1", ports[0], students, game_id=game_id,
                                cookie=login_cookie(ports[0]))
        target.package = valid_package(scenario())
        target.ports = ports  # students alternate: every table is spread across the workers

        async def restart(t: load.Target) -> dict[str, Any]:
            return await reconnect_storm(t, servers[0])

        result = asyncio.run(drive(target, servers, seconds=seconds, storm=storm, restart=restart,
                                   disk_dir=workdir))
        result["database"] = db.split(":", 1)[0].split("+")[0]
        return result
    finally:
        for s in servers:
            s.stop()
        if drop:
            drop()


def bare_run(n: int, seconds: float, workdir: Path, *, gc_freeze: bool = True,
             storm: bool = False, persist: bool = False) -> dict[str, Any]:
    """The bare stack under the load; with `persist`, storing each message first (in a new
    SQLite file beside the app's: `bare_server.py --persist`)."""
    from roleplay.engine.commands import balanced_seats

    port = free_port()
    db = workdir / f"bare-{n}-{time.time_ns()}.db" if persist else None
    server = Server(bare_argv(port, gc_freeze, db), port, None, workdir / f"bare-{n}.log")
    seats = balanced_seats(n, scenario())
    students = [load.Student(i, t, r) for i, (t, r) in enumerate(seats)]
    try:
        server.start()
        target = load.BareTarget("127.0.0.1", port, students)

        async def restart(t: load.Target) -> dict[str, Any]:
            return await reconnect_storm(t, server)

        res = asyncio.run(drive(target, [server], seconds=seconds, storm=storm, restart=restart))
        if persist:
            res["stack"] = PERSISTING
        return res
    finally:
        server.stop()


def pool(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One stack's rounds as one result: latency samples pooled, other figures averaged."""
    out = dict(runs[0])
    lat: dict[str, list[float]] = {}
    disk: list[float] | None = []
    for r in runs:
        for k, v in r.pop("_latency").items():
            lat.setdefault(k, []).extend(v)
        d = r.pop("_disk", None)
        disk = None if d is None or disk is None else disk + d
    paths = [p for r in runs for p in (r.pop("_chat_path", None) or [])]
    out.pop("_latency", None)
    out.pop("_disk", None)
    if paths:  # printed by main, not kept in the results
        out["_chat_path"] = paths
    for r in runs:  # the storm runs in the last round
        if "reconnect_storm" in r:
            out["reconnect_storm"] = r["reconnect_storm"]
    if len(runs) == 1:
        return out

    def mean(get: Any) -> Any:
        vals = [get(r) for r in runs]
        return None if any(v is None for v in vals) else round(sum(vals) / len(vals), 1)

    cmds = sum(r["commands"] for r in runs)
    out["commands"] = cmds
    out["server_cpu_s_per_1000_commands"] = round(
        sum(r["server_cpu_s_per_1000_commands"] * r["commands"] for r in runs) / cmds, 3) \
        if cmds else None
    for key in ("deliveries_per_s", "server_cpu_pct", "load_client_cpu_pct", "rss_kb_per_student",
                "rss_mb_idle", "rss_mb_loaded", "connect_s"):
        out[key] = mean(lambda r, k=key: r[k])
    out["chat"] = load.summarize(lat.get("steady:chat", []))
    out["disk_fsync"] = None if disk is None else load.summarize(disk)
    out["proposal"] = load.summarize(lat.get("steady:proposal_made", []))
    out["sign_burst"] = load.summarize(lat.get("burst:signed", []))
    out["phase_change"] = {k: mean(lambda r, k=k: r["phase_change"][k])
                           for k in ("all_ms", "p50_ms", "p99_ms")}
    out["phase_change"]["reached"] = sum(r["phase_change"]["reached"] for r in runs)
    out["phase_change"]["of"] = sum(r["phase_change"]["of"] for r in runs)
    out["deliveries"] = {k: sum(r["deliveries"][k] for r in runs) for k in runs[0]["deliveries"]}
    out["settle_s"] = max(r["settle_s"] for r in runs)
    errors: dict[str, int] = {}
    for r in runs:
        for k, n in r["errors"].items():
            errors[k] = errors.get(k, 0) + n
    out["errors"] = errors
    out["rounds"] = [{"chat": r["chat"], "phase_change_all_ms": r["phase_change"]["all_ms"],
                      "server_cpu_pct": r["server_cpu_pct"], "disk_fsync": r["disk_fsync"]}
                     for r in runs]
    return out


# -- reporting -----------------------------------------------------------------------------
def ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return round(a / b, 2)


def compare(app: dict[str, Any], bare: dict[str, Any]) -> dict[str, Any]:
    return {
        "p50": ratio(app["chat"]["p50_ms"], bare["chat"]["p50_ms"]),
        "p99": ratio(app["chat"]["p99_ms"], bare["chat"]["p99_ms"]),
        "phase_change": ratio(app["phase_change"]["all_ms"], bare["phase_change"]["all_ms"]),
        "cpu": ratio(app["server_cpu_pct"], bare["server_cpu_pct"]),
        "cpu_per_command": ratio(app["server_cpu_s_per_1000_commands"],
                                 bare["server_cpu_s_per_1000_commands"]),
        "rss_per_student": ratio(app["rss_kb_per_student"], bare["rss_kb_per_student"]),
        "deliveries_per_s": ratio(app["deliveries_per_s"], bare["deliveries_per_s"]),
    }


def row(r: dict[str, Any]) -> str:
    c = r["chat"]
    return (f"{r['stack']:>5} x{r.get('servers', 1)} {r['students']:>5} students: "
            f"{r['deliveries_per_s']:>6}/s  chat p50 {c['p50_ms']} p95 {c['p95_ms']} "
            f"p99 {c['p99_ms']} ms  "
            + (f"(disk fsync p50 {d['p50_ms']} p99 {d['p99_ms']} max {d['max_ms']} ms)  "
               if (d := r.get("disk_fsync")) else "")
            + f"phase {r['phase_change']['all_ms']} ms  "
            f"cpu {r['server_cpu_pct']}% (client {r['load_client_cpu_pct']}%, "
            f"{r['server_cpu_s_per_1000_commands']} CPU-s per 1,000 commands)  "
            f"rss {r['rss_kb_per_student']} KB/student  "
            f"lost {r['deliveries']['missing']}/{r['deliveries']['expected']}  "
            f"unexpected {r['deliveries']['unexpected']}  "
            f"unacked {r['deliveries'].get('unacked', 0)}  "
            + (f"(settled {r['settle_s']} s late)  " if r.get("settle_s", 0) >= 0.5 else "")
            + f"errors {sum(r['errors'].values())}")


#: the bare stack that stores each message before it emits it (--bare-persist)
PERSISTING = "bare+disk"

#: the targets of docs/performance.md (issue 12): at 500 students, app / bare in the same run
P99_RATIO_MAX = 1.5
CPU_RATIO_MAX = 2.0


def targets(results: dict[str, Any]) -> dict[str, bool]:
    """Each target the run measured: met (True) or missed; printed by `main`."""
    out: dict[str, bool] = {}
    for e in results["sizes"]:
        n, r = e["students"], e["ratio"]
        if n == 500:
            out[f"500 students: chat p99 <= {P99_RATIO_MAX}x bare"] = \
                r["p99"] is not None and r["p99"] <= P99_RATIO_MAX
            out[f"500 students: server CPU per command <= {CPU_RATIO_MAX}x bare"] = \
                r["cpu_per_command"] is not None and r["cpu_per_command"] <= CPU_RATIO_MAX
        d = e["app"]["deliveries"]
        out[f"{n} students: no lost delivery, no error"] = \
            d["missing"] == 0 and d["unexpected"] == 0 and d.get("unacked", 0) == 0 \
            and not e["app"]["errors"]
    return out


def storage_part(workdir: Path, quick: bool) -> dict[str, Any]:
    n = 1000 if quick else 3000
    sqlite = f"sqlite:///{workdir}/storage.db"
    out: dict[str, Any] = {
        "sqlite": {
            "append_1_per_tx": storage.append_rate(sqlite, commands=n),
            "append_10_per_tx": storage.append_rate(sqlite, commands=n // 10, per_tx=10),
            "execute_chat": storage.execute_rate(sqlite, commands=n),
        }
    }
    try:
        pg, drop = storage.fresh_postgres(POSTGRES)
    except Exception as e:  # not reachable here: say so
        out["postgresql"] = {"skipped": str(e)[:200]}
    else:
        try:
            out["postgresql"] = {
                "append_1_per_tx": storage.append_rate(pg, commands=n),
                "append_10_per_tx": storage.append_rate(pg, commands=n // 10, per_tx=10),
                "execute_chat": storage.execute_rate(pg, commands=n),
            }
        finally:
            drop()
    gid, events = storage.big_game(sqlite, players=300)
    out["rebuild_300"] = {"events": events, "seconds": storage.rebuild_s(sqlite, gid)}
    out["export_300"] = storage.export_s(sqlite, gid)
    out["analyze_10x5"] = storage.analyze_s()
    return out


def _raise_file_limit(wanted: int) -> None:
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def machine() -> dict[str, Any]:
    from importlib.metadata import version

    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
    return {"cpus": os.cpu_count(), "cpu": cpu, "mem_gb": round(int(mem) / 2**20),
            "python": platform.python_version(), "flask_socketio": version("flask-socketio"),
            "eventlet": version("eventlet"),
            "load1": round(os.getloadavg()[0], 2)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="under 3 minutes: 500 students")
    ap.add_argument("--students", type=int, nargs="*", help="sizes (default 50 200 500 1000)")
    ap.add_argument("--seconds", type=float, help="steady load per size (default 30 quick, 40 full)")
    ap.add_argument("--rounds", type=int, default=2,
                    help="rounds per stack, alternating (bare, app, app, bare...); the steady "
                         "load is split between them and their samples pooled (default 2)")
    ap.add_argument("--no-storage", action="store_true")
    ap.add_argument("--bare-default-gc", action="store_true",
                    help="run the bare stack with Python's default collector settings "
                         "(by default it gets the app's tune_gc policy: like for like)")
    ap.add_argument("--no-workers", action="store_true", help="skip the two-worker run")
    ap.add_argument("--storm", type=int, help="students in the reconnect storm (default 500)")
    ap.add_argument("--out", type=Path, help="write the full results as JSON here")
    ap.add_argument("--profile", type=Path, help="py-spy each server under load into this folder")
    ap.add_argument("--disk-probe-ms", type=float, default=20.0,
                    help="beside each app round, fdatasync a small append every this many ms in "
                         "the database's directory and report its p50/p99/max (default %(default)s)")
    ap.add_argument("--no-disk-probe", action="store_true", help="run no disk probe")
    ap.add_argument("--bare-persist", action="store_true",
                    help="also run the bare stack storing each message in SQLite before it "
                         "emits it (WAL, synchronous=FULL, on an OS thread, as the app stores "
                         "its events) and print the app's ratios against it too")
    ap.add_argument("--batch-sizes", action="store_true",
                    help="count the group commit's chat lines per batch during the steady load "
                         "(the app's servers started through bench/probed_server.py)")
    ap.add_argument("--chat-path", action="store_true",
                    help="time each chat line's steps in the app's servers during the steady "
                         "load and print each segment's percentiles (bench/probed_server.py)")
    args = ap.parse_args(argv)
    global PROFILE_DIR, DISK_PROBE_MS, BATCH_SIZES, CHAT_PATH
    BATCH_SIZES = args.batch_sizes
    CHAT_PATH = args.chat_path
    DISK_PROBE_MS = None if args.no_disk_probe else args.disk_probe_ms
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
        PROFILE_DIR = args.profile

    _raise_file_limit(8192)  # a socket per student, in this process too
    sizes = args.students or ([500] if args.quick else [50, 200, 500, 1000])
    seconds = args.seconds or (30.0 if args.quick else 40.0)
    rounds = max(1, args.rounds)
    each = seconds / rounds
    storm_n = args.storm or 500
    workdir = Path(tempfile.mkdtemp(prefix="roleplay-bench-", dir=HERE))
    started = time.monotonic()
    results: dict[str, Any] = {"machine": machine(), "seconds_per_size": seconds,
                               "rounds": rounds, "sizes": []}
    gc.collect()
    try:
        for n in sizes:
            # bare, app, app, bare...: a drift of the machine's speed during the run
            # weighs on both stacks alike; each stack's rounds are pooled
            log(f"-- {n} students: bare stack and the app, {rounds} rounds each of {each:g} s")
            runs: dict[str, list[dict[str, Any]]] = {"bare": [], "app": [], PERSISTING: []}
            stacks = ["bare", PERSISTING, "app"] if args.bare_persist else ["bare", "app"]
            order = [stacks if r % 2 == 0 else stacks[::-1] for r in range(rounds)]
            for r, pair in enumerate(order):
                for stack in pair:
                    last = r == rounds - 1 or rounds == 1
                    if stack != "app":
                        res = bare_run(n, each, workdir, gc_freeze=not args.bare_default_gc,
                                       persist=stack == PERSISTING)
                    else:
                        res = app_run(n, each, workdir, storm=(n == storm_n and last))
                    runs[stack].append(res)
                    log(row(res))
                    if res.get("batches"):
                        log(batch_line(res["batches"]))
                    for text in chat_path_lines(res["_chat_path"]) if res.get("_chat_path") else []:
                        log(text)
            bare, app = pool(runs["bare"]), pool(runs["app"])
            if rounds > 1:
                log("   pooled:")
                log(row(bare))
                log(row(app))
            paths = app.pop("_chat_path", None)
            bare.pop("_chat_path", None)
            if paths and rounds > 1:
                for text in chat_path_lines(paths):
                    log(text)
            entry = {"students": n, "bare": bare, "app": app, "ratio": compare(app, bare)}
            log(f"      ratio app/bare: {entry['ratio']}")
            if runs[PERSISTING]:
                persisting = pool(runs[PERSISTING])
                if rounds > 1:
                    log(row(persisting))
                entry["bare_persist"] = persisting
                entry["ratio_persist"] = compare(app, persisting)
                log(f"      ratio app/{PERSISTING}: {entry['ratio_persist']}")
            if n == storm_n:
                log(f"      reconnect storm: {app.get('reconnect_storm')}")
            results["sizes"].append(entry)
        if storm_n not in sizes:
            log(f"-- reconnect storm, {storm_n} students")
            app = pool([app_run(storm_n, min(seconds, 5.0), workdir, storm=True)])
            results["storm"] = app["reconnect_storm"]
            log(f"      {results['storm']}")
        else:
            results["storm"] = next(e["app"].get("reconnect_storm") for e in results["sizes"]
                                    if e["students"] == storm_n)
        if not args.quick and not args.no_workers:
            n = 500 if 500 in sizes else sizes[-1]
            log(f"-- two workers on PostgreSQL + Redis, {n} students (one worker beside it)")
            try:
                one = pool([app_run(n, seconds, workdir, workers=1, postgres=True)])
                two = pool([app_run(n, seconds, workdir, workers=2)])
                for res in (one, two):
                    res.pop("_chat_path", None)
                results["workers"] = {"one": one, "two": two}
                log(row(one))
                log(row(two))
            except Exception as e:
                results["workers"] = {"skipped": str(e)[:300]}
                log(f"      skipped: {e}")
        if not args.no_storage:
            log("-- storage, rebuild, export, analyze")
            results["storage"] = storage_part(workdir, args.quick)
            log(json.dumps(results["storage"]))
    finally:
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(workdir, ignore_errors=True)
    results["elapsed_s"] = round(time.monotonic() - started, 1)
    if load.TRACE is not None:
        (HERE / "trace.json").write_text(json.dumps(load.TRACE))
    if args.out:
        args.out.write_text(json.dumps(results, indent=2))
    main_size = next((e for e in results["sizes"] if e["students"] == 500), results["sizes"][-1])
    st = results.get("storage", {})
    line = {
        "students": main_size["students"],
        "p99_ms_app": main_size["app"]["chat"]["p99_ms"],
        "p99_ms_bare": main_size["bare"]["chat"]["p99_ms"],
        "ratio_p99": main_size["ratio"]["p99"],
        "p50_ms_app": main_size["app"]["chat"]["p50_ms"],
        "p50_ms_bare": main_size["bare"]["chat"]["p50_ms"],
        # the disk alone during the app's rounds (bench/diskprobe.py; None: --no-disk-probe)
        "disk_fsync_p50_ms": (main_size["app"]["disk_fsync"] or {}).get("p50_ms"),
        "disk_fsync_p99_ms": (main_size["app"]["disk_fsync"] or {}).get("p99_ms"),
        "disk_fsync_max_ms": (main_size["app"]["disk_fsync"] or {}).get("max_ms"),
        "phase_change_ms_p99": main_size["app"]["phase_change"]["p99_ms"],
        "phase_change_ms_all": main_size["app"]["phase_change"]["all_ms"],
        "deliveries_lost": main_size["app"]["deliveries"]["missing"],
        "deliveries_unexpected": main_size["app"]["deliveries"]["unexpected"],
        "commands_unacked": main_size["app"]["deliveries"].get("unacked", 0),
        "errors": sum(main_size["app"]["errors"].values()),
        "cpu_pct_app": main_size["app"]["server_cpu_pct"],
        "cpu_pct_bare": main_size["bare"]["server_cpu_pct"],
        "cpu_s_per_1000_commands_app": main_size["app"]["server_cpu_s_per_1000_commands"],
        "cpu_s_per_1000_commands_bare": main_size["bare"]["server_cpu_s_per_1000_commands"],
        "ratio_cpu_per_command": main_size["ratio"]["cpu_per_command"],
        "rss_kb_per_student": main_size["app"]["rss_kb_per_student"],
        "events_per_s_sqlite": st.get("sqlite", {}).get("append_1_per_tx"),
        "events_per_s_postgres": st.get("postgresql", {}).get("append_1_per_tx"),
        "rebuild_300_s": st.get("rebuild_300", {}).get("seconds"),
        "html_export_300_s": st.get("export_300", {}).get("html_s"),
        "analyze_10x5_s": st.get("analyze_10x5", {}).get("seconds"),
        "storm_clients": results["storm"]["clients"],
        "storm_synced_s": results["storm"]["synced_after_listen_s"],
        "elapsed_s": results["elapsed_s"],
    }
    if "bare_persist" in main_size:  # --bare-persist: against the bare stack that stores first
        line["p99_ms_bare_persist"] = main_size["bare_persist"]["chat"]["p99_ms"]
        line["ratio_p99_persist"] = main_size["ratio_persist"]["p99"]
        line["ratio_cpu_per_command_persist"] = main_size["ratio_persist"]["cpu_per_command"]
    met = targets(results)
    line["targets_met"] = all(met.values())
    for what, ok in met.items():
        log(f"   {'met   ' if ok else 'MISSED'} {what}")
    print(json.dumps(line), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
