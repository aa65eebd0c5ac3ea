"""The classroom load: students at tables of 4-5 chatting, proposing, signing, and a phase change.

One asyncio loop drives every student through `sioclient.Client`. The same
schedule runs against the app (`AppTarget`: the real protocol of
docs/protocol.md, with an instructor and a projector connected as in class)
and against the bare stack (`BareTarget`: one room per table, re-emitted
as is), so the two are measured under the same load in the same run.

Latency is send-to-receipt at every receiving student, on one clock
(`time.monotonic`, shared by all clients in this process). Every delivery
is counted against what its audience should have received, so dropped or
duplicated deliveries show up as numbers, not as silence.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import secrets
import time
from abc import ABC, abstractmethod
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from sioclient import Client, Refused

#: each role chats on a channel whose members do not change during the game
APP_CHANNELS = {"eu": "non_governmental", "civil_society": "non_governmental",
                "government": "unofficial", "lobbyist": "unofficial"}
CHANNEL_MEMBERS = {"non_governmental": {"eu", "civil_society"},
                   "unofficial": {"government", "lobbyist"}}
SIGNATORIES = {"eu", "government"}
#: BENCH_TRACE=1: every latency sample with its time, for finding stalls
TRACE: list[tuple[float, str, str, float]] | None = [] if os.environ.get("BENCH_TRACE") else None


@dataclass
class Student:
    idx: int
    table: int
    role: str
    player_id: str = ""
    token: str = ""
    client: Client | None = None
    synced: asyncio.Event = field(default_factory=asyncio.Event)
    last_seq: int = 0
    sent: int = 0

    @property
    def signatory(self) -> bool:
        return self.role in SIGNATORIES


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    s = sorted(values)
    k = min(len(s) - 1, max(0, round(q / 100 * (len(s) - 1))))
    return round(s[k], 2)


def summarize(v: list[float]) -> dict[str, Any]:
    return {"n": len(v), "p50_ms": pct(v, 50), "p95_ms": pct(v, 95), "p99_ms": pct(v, 99),
            "max_ms": round(max(v), 2) if v else None}


@dataclass
class Recorder:
    """What the students received, by period ('steady', 'burst', ...)."""

    period: str = "connect"
    latency: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    expected: Counter[Any] = field(default_factory=Counter)
    received: Counter[Any] = field(default_factory=Counter)
    messages: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    phase_at: dict[int, float] = field(default_factory=dict)
    phase_view_at: dict[int, float] = field(default_factory=dict)
    #: client_ids of commands sent and neither acknowledged nor refused yet
    pending: set[str] = field(default_factory=set)

    def lat(self, kind: str, ms: float) -> None:
        self.latency[f"{self.period}:{kind}"].append(ms)
        if TRACE is not None:
            TRACE.append((time.monotonic(), self.period, kind, ms))

    def summary(self, kind: str) -> dict[str, Any]:
        return summarize(self.latency.get(kind, []))

    def missing(self) -> int:
        return sum(max(0, n - self.received.get(k, 0)) for k, n in self.expected.items())

    def dropped(self) -> dict[str, int]:
        """`unacked`: commands with neither an ack nor an error (their events, expected
        only from the ack, would otherwise go uncounted)."""
        extra = sum(max(0, n - self.expected.get(k, 0)) for k, n in self.received.items())
        return {"expected": sum(self.expected.values()), "missing": self.missing(),
                "unexpected": extra, "unacked": len(self.pending)}


class Target(ABC):
    """How one stack is spoken to. Subclasses: AppTarget, BareTarget."""

    name = "?"

    def __init__(self, host: str, port: int, students: list[Student]):
        self.host, self.port = host, port
        #: students alternate between these servers (one table spread across workers)
        self.ports = [port]
        self.students = students
        self.rec = Recorder()
        self.by_table: dict[int, list[Student]] = defaultdict(list)
        for s in students:
            self.by_table[s.table].append(s)
        self.phase_sent = 0.0
        #: tables where a proposal was seen (the sign burst needs one on each table)
        self.proposed: set[int] = set()

    def port_of(self, s: Student) -> int:
        return self.ports[s.idx % len(self.ports)]

    @abstractmethod
    def client_for(self, s: Student) -> Client:
        """Implemented by the app and the bare-stack targets."""

    async def connect_one(self, s: Student, retry_until: float = 0.0) -> None:
        """Connect (retrying until `retry_until` on a monotonic clock), then wait for sync."""
        while True:
            s.synced = asyncio.Event()
            c = s.client = self.client_for(s)
            try:
                await c.connect()
                await asyncio.wait_for(s.synced.wait(), 30)
                return
            except (TimeoutError, Refused, OSError) as e:
                await c.close()
                if time.monotonic() > retry_until:
                    self.rec.errors[f"connect: {str(e)[:60]}"] += 1
                    raise
                await asyncio.sleep(random.uniform(0.1, 0.5))

    async def connect_all(self, concurrency: int = 100) -> float:
        t0 = time.monotonic()
        sem = asyncio.Semaphore(concurrency)

        async def one(s: Student) -> None:
            async with sem:
                await self.connect_one(s, retry_until=time.monotonic() + 20)

        await asyncio.gather(*(one(s) for s in self.students))
        return time.monotonic() - t0

    async def close_all(self) -> None:
        await asyncio.gather(*(s.client.close() for s in self.students if s.client))

    async def settle(self, timeout: float = 30.0) -> float:
        """Wait until every command is answered and every expected delivery is in (or
        `timeout`), so that a backlogged server's late deliveries are not counted as
        lost or unexpected by when the run stopped looking. Returns the seconds waited."""
        t0 = time.monotonic()
        while (self.rec.pending or self.rec.missing()) and time.monotonic() - t0 < timeout:
            await asyncio.sleep(0.05)
        return time.monotonic() - t0

    # -- the load --------------------------------------------------------------------
    @abstractmethod
    def send_chat(self, s: Student) -> None:
        """Implemented by the app and the bare-stack targets."""

    @abstractmethod
    def send_proposal(self, s: Student) -> None:
        """Implemented by the app and the bare-stack targets."""

    @abstractmethod
    def send_sign(self, s: Student) -> None:
        """Implemented by the app and the bare-stack targets."""

    @abstractmethod
    async def phase_change(self) -> None:
        """Implemented by the app and the bare-stack targets."""

    async def steady(self, seconds: float, chat_every: float = 10.0,
                     propose_every: float = 30.0) -> None:
        chat_every = float(os.environ.get("BENCH_CHAT_EVERY", chat_every))
        propose_every = float(os.environ.get("BENCH_PROPOSE_EVERY", propose_every))
        """Each student chats every `chat_every` s, each signatory proposes every `propose_every` s."""
        self.rec.period = "steady"
        t0 = time.monotonic()
        end = t0 + seconds

        async def student(s: Student) -> None:
            next_chat = t0 + random.uniform(0, chat_every)
            next_prop = t0 + random.uniform(0, propose_every) if s.signatory else end + 1
            while True:
                nxt = min(next_chat, next_prop)
                if nxt >= end:
                    return
                await asyncio.sleep(max(0.0, nxt - time.monotonic()))
                if not (s.client and s.client.connected):
                    self.rec.errors["send on a closed socket"] += 1
                    return
                if nxt == next_chat:
                    self.send_chat(s)
                    next_chat += chat_every
                else:
                    self.send_proposal(s)
                    next_prop += propose_every

        await asyncio.gather(*(student(s) for s in self.students))

    async def ensure_proposals(self) -> None:
        """A proposal on every table (the sign burst needs one), from tables that made none."""
        self.rec.period = "pre-burst"
        bare = [t for t in self.by_table if t not in self.proposed]
        for t in bare:
            first = next((s for s in self.by_table[t] if s.signatory), None)
            if first is not None:
                self.send_proposal(first)
        if bare:
            await asyncio.sleep(1.5)

    async def sign_burst(self, within: float = 1.0) -> None:
        """Every signatory signs within one second."""
        self.rec.period = "burst"
        t0 = time.monotonic()

        async def one(s: Student) -> None:
            await asyncio.sleep(max(0.0, t0 + random.uniform(0, within) - time.monotonic()))
            self.send_sign(s)

        await asyncio.gather(*(one(s) for s in self.students if s.signatory))

    async def measure_phase_change(self, timeout: float = 15.0) -> dict[str, Any]:
        self.rec.period = "phase"
        self.rec.phase_at.clear()
        self.rec.phase_view_at.clear()
        self.phase_sent = time.monotonic()
        await self.phase_change()
        deadline = self.phase_sent + timeout
        while len(self.rec.phase_at) < len(self.students) and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        got = [(t - self.phase_sent) * 1000 for t in self.rec.phase_at.values()]
        views = [(t - self.phase_sent) * 1000 for t in self.rec.phase_view_at.values()]
        return {"reached": len(got), "of": len(self.students),
                "all_ms": round(max(got), 1) if len(got) == len(self.students) else None,
                "p50_ms": pct(got, 50), "p99_ms": pct(got, 99),
                "views_all_ms": round(max(views), 1) if views and len(views) == len(self.students)
                else None}


# -- the app -------------------------------------------------------------------------------
class AppTarget(Target):
    name = "app"

    def __init__(self, host: str, port: int, students: list[Student], *, game_id: str,
                 cookie: str | None):
        super().__init__(host, port, students)
        self.game_id = game_id
        self.cookie = cookie
        self.by_player = {s.player_id: s for s in students}
        self.sent_at: dict[tuple[str, str], float] = {}
        self.staff: list[Client] = []
        self.staff_synced = asyncio.Event()
        #: the package signatories propose (set by the caller: a valid one for the scenario)
        self.package: dict[str, str] = {}

    def client_for(self, s: Student) -> Client:
        auth = {"kind": "player", "game": self.game_id, "token": s.token, "last_seq": s.last_seq}
        return Client(self.host, self.port_of(s), auth, self._on_event, tag=s)

    async def connect_staff(self) -> None:
        """The instructor's dashboard and the projector, as in a real class."""
        for kind in ("instructor", "projector"):
            self.staff_synced = asyncio.Event()
            c = Client(self.host, self.port, {"kind": kind, "game": self.game_id, "last_seq": 0},
                       self._on_staff, cookie=self.cookie, tag=kind)
            await c.connect()
            await asyncio.wait_for(self.staff_synced.wait(), 30)
            self.staff.append(c)

    async def close_all(self) -> None:
        await super().close_all()
        for c in self.staff:
            await c.close()
        self.staff = []

    def _on_staff(self, c: Client, name: str, text: str) -> None:
        self.rec.messages[f"staff:{name}"] += 1
        if name == "sync":
            self.staff_synced.set()
        elif name == "ack":
            ack = json.loads(text[2:])[1]
            self.rec.pending.discard(str(ack.get("client_id")))
            if str(ack.get("client_id") or "").startswith("advance-"):
                # the phase change: from negotiation it stores one game-wide event
                # (`phase_started`), which every student receives
                for seq in ack["seq"]:
                    self.rec.expected[seq] += len(self.students)
        elif name == "error":
            self.rec.pending.discard(str(json.loads(text[2:])[1].get("client_id")))
            self.rec.errors[f"staff error: {text[:80]}"] += 1

    def _command(self, s: Student, name: str, args: dict[str, Any]) -> None:
        assert s.client is not None
        s.sent += 1
        client_id = f"{name}-{s.idx}-{s.sent}-{secrets.token_hex(4)}"
        self.rec.pending.add(client_id)
        s.client.emit("command", {"name": name, "args": args, "client_id": client_id})

    def send_chat(self, s: Student) -> None:
        self._command(s, "chat", {"channel": APP_CHANNELS[s.role],
                                  "text": f"t={time.monotonic():.6f} from {s.idx}"})

    def send_proposal(self, s: Student) -> None:
        self.sent_at[("proposal_made", s.player_id)] = time.monotonic()
        self._command(s, "propose", {"package": self.package})

    def send_sign(self, s: Student) -> None:
        self.sent_at[("signed", s.player_id)] = time.monotonic()
        self._command(s, "sign", {})

    async def phase_change(self) -> None:
        client_id = f"advance-{secrets.token_hex(8)}"
        self.rec.pending.add(client_id)
        self.staff[0].emit("command", {"name": "advance", "args": {}, "client_id": client_id})

    def _recipients(self, s: Student, etype: str) -> int:
        at_table = self.by_table[s.table]
        if etype == "chat":
            members = CHANNEL_MEMBERS[APP_CHANNELS[s.role]]
            return sum(1 for o in at_table if o.role in members)
        return len(at_table)

    def _on_event(self, c: Client, name: str, text: str) -> None:
        s: Student = c.tag
        now = time.monotonic()
        rec = self.rec
        rec.messages[name] += 1
        if name == "events":
            for e in json.loads(text[2:])[1]["events"]:
                seq, etype = e["seq"], e["type"]
                s.last_seq = max(s.last_seq, seq)
                rec.received[seq] += 1
                if etype == "chat":
                    sent = float(e["data"]["text"][2:].split(" ", 1)[0])
                    rec.lat("chat", (now - sent) * 1000)
                elif etype in ("proposal_made", "signed"):
                    if etype == "proposal_made":
                        self.proposed.add(s.table)
                    at = self.sent_at.get((etype, e["actor"]))
                    if at is not None:
                        rec.lat(etype, (now - at) * 1000)
                elif etype == "phase_started":
                    rec.phase_at.setdefault(s.idx, now)
        elif name == "view":
            if rec.period == "phase" and s.idx in rec.phase_at:
                rec.phase_view_at.setdefault(s.idx, now)
        elif name == "ack":
            ack = json.loads(text[2:])[1]
            rec.pending.discard(str(ack.get("client_id")))
            command = str(ack.get("client_id") or "").split("-", 1)[0]
            for seq in ack["seq"]:
                # the events this command stored: a channel's or the table's audience at s's table
                rec.expected[seq] += self._recipients(s, command)
        elif name == "sync":
            body = json.loads(text[2:])[1]
            s.last_seq = max(s.last_seq, body.get("seq", 0))
            s.synced.set()
        elif name == "error":
            err = json.loads(text[2:])[1]
            rec.pending.discard(str(err.get("client_id")))
            if err.get("code") in ("conflict", "wrong_phase") and \
                    str(err.get("client_id")).startswith("sign-"):
                # a teammate at the same seat signed first, or the table settled: the rules said no
                rec.messages["refused_by_rules"] += 1
            else:
                rec.errors[f"{err.get('code')}: {err.get('message')}"] += 1


# -- the bare stack ------------------------------------------------------------------------
class BareTarget(Target):
    name = "bare"

    def client_for(self, s: Student) -> Client:
        return Client(self.host, self.port_of(s), {"room": f"t{s.table}"}, self._on_event, tag=s)

    def _send(self, s: Student, kind: str) -> None:
        assert s.client is not None
        s.sent += 1
        key = f"{s.idx}:{s.sent}"
        self.rec.expected[key] += len(self.by_table[s.table])
        s.client.emit("msg", {"k": kind, "id": key, "t": time.monotonic()})

    def send_chat(self, s: Student) -> None:
        self._send(s, "chat")

    def send_proposal(self, s: Student) -> None:
        self._send(s, "proposal_made")

    def send_sign(self, s: Student) -> None:
        self._send(s, "signed")

    async def phase_change(self) -> None:
        s = self.students[0]
        assert s.client is not None
        s.client.emit("all", {"t": time.monotonic()})

    def _on_event(self, c: Client, name: str, text: str) -> None:
        s: Student = c.tag
        now = time.monotonic()
        rec = self.rec
        rec.messages[name] += 1
        if name == "msg":
            m = json.loads(text[2:])[1]
            rec.received[m["id"]] += 1
            if m["k"] == "proposal_made":
                self.proposed.add(s.table)
            rec.lat(m["k"], (now - m["t"]) * 1000)
        elif name == "all":
            rec.phase_at.setdefault(s.idx, now)
            rec.phase_view_at.setdefault(s.idx, now)
        elif name == "sync":
            s.synced.set()
