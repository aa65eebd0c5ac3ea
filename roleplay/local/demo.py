"""`roleplay demo`: a game where bots hold every seat but one, for trying the app alone.

The demo runs in threading mode (bots are threads in the same process, real
Socket.IO clients over loopback). The game starts at once; the one free seat
is taken by whoever joins with the printed link, and the bots move every few
seconds on what their own views show.
"""

from __future__ import annotations

import random
import sys
import threading
import time
from typing import TYPE_CHECKING, Any

import requests

from ..engine.commands import balanced_seats, seat_priority

if TYPE_CHECKING:
    from ..engine.state import GameState
    from ..settings import Settings

PACE = (2.0, 5.0)  # seconds between one bot's moves


def progress(view: dict[str, Any]) -> float:
    """How far the running phase is, 0 → 1, from the clock in a view."""
    g = view["game"]
    phase = g.get("phase")
    if phase is None or g.get("deadline") is None:
        return 0.0
    total = float(phase["minutes"]) * 60
    left = float(g["deadline"]) - float(g["server_time"])
    return min(1.0, max(0.0, 1 - left / total)) if total > 0 else 1.0


def _wait_until_up(url: str, seconds: float = 15.0) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            if requests.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)


def _bots(url: str, code: str, n: int, stop: threading.Event, seed: int) -> None:
    from ..bots import PlayerBot

    rng = random.Random(seed)
    bots = []
    for i in range(n):
        b = PlayerBot(url, f"Bot {i + 1}", random.Random(rng.random()))
        b.join(code)
        b.connect()
        bots.append(b)
    while not stop.is_set():
        for b in bots:
            if b.view is not None and b.view["game"]["status"] == "running":
                try:
                    b.act(progress(b.view))
                except Exception as e:  # a bot that cannot reach the server just waits
                    print(f"demo: {b.name}: {e}", file=sys.stderr)
            if stop.wait(rng.uniform(*PACE) / max(1, len(bots))):
                break


def bot_seats(state: GameState, bots: list[str]) -> list[tuple[str, int, str]]:
    """(bot, table, role) for every bot, keeping table 1's first signatory seat free.

    The person trying the demo joins once the game runs and is seated like a late
    joiner (the emptiest seat first, signatories before the others): that is this free
    seat, so they sign or refuse the deal themselves, with no bot on their team.
    """
    sc = state.scenario
    priority = seat_priority(sc)
    mine = (1, priority[0])
    tables = max(t for t, _ in balanced_seats(len(bots) + 1, sc))
    order = [(t, r) for t in range(1, tables + 1) for r in priority if (t, r) != mine]
    sizes = dict.fromkeys(order, 0)
    out = []
    for bot in bots:
        seat = min(order, key=lambda k: sizes[k])  # the first of the emptiest
        if sizes[seat] >= sc.table.max_team:
            tables += 1
            new = [(tables, r) for r in priority]
            order += new
            sizes.update(dict.fromkeys(new, 0))
            seat = new[0]
        sizes[seat] += 1
        out.append((bot, *seat))
    return out


def run_demo(settings: Settings, scenario: str, players: int) -> int:
    from ..engine.commands import INSTRUCTOR_ACTOR
    from ..scenario.resolve import resolve_source
    from ..web import create_app
    from ..web.server import display_url, run_threaded

    if players < 2:
        print("roleplay demo: at least 2 players (one is you)", file=sys.stderr)
        return 1
    if settings.async_mode != "threading":
        settings = settings.model_copy(update={"async_mode": "threading"})
    app = create_app(settings)
    rt = app.extensions["roleplay"]
    state = rt.service.create_game(resolve_source(scenario))
    game_id, code = state.setup.game_id, state.setup.code
    base = display_url(settings).rstrip("/")
    local = f"http://127.0.0.1:{settings.port}"
    stop = threading.Event()

    def start_bots() -> None:
        _wait_until_up(local)
        _bots(local, code, players - 1, stop, seed=state.setup.seed)

    names = {f"Bot {i + 1}" for i in range(players - 1)}

    def start_game() -> None:
        with app.app_context():
            bots: list[str] = []
            while len(bots) < players - 1 and not stop.is_set():
                time.sleep(0.2)
                bots = [p.id for p in rt.service.state(game_id).players.values()
                        if p.name in names]
            delivery = app.extensions["roleplay.delivery"]
            for bot, table, role in bot_seats(rt.service.state(game_id), bots):
                delivery.run_command(game_id, INSTRUCTOR_ACTOR, "move",
                                     {"player": bot, "table": table, "role": role})
            delivery.run_command(game_id, INSTRUCTOR_ACTOR, "start")
            mine = rt.service.state(game_id).scenario
        role = mine.role(seat_priority(mine)[0]).name
        print(f"roleplay demo: game {code} started; your seat ({role}, you sign or refuse "
              f"the deal): {base}/join/{code}", flush=True)

    threading.Thread(target=start_bots, name="demo-bots", daemon=True).start()
    threading.Thread(target=start_game, name="demo-start", daemon=True).start()
    print(f"roleplay demo: {players - 1} bots and one free seat in game {code}", flush=True)
    print(f"roleplay demo: your seat:   {base}/join/{code}", flush=True)
    print(f"roleplay demo: instructor:  {base}/instructor/games/{game_id} — {rt.login_hint}",
          flush=True)
    try:
        run_threaded(app, settings.host, settings.port)
    except OSError as e:
        print(f"roleplay demo: cannot listen on {settings.host}:{settings.port}: {e.strerror}",
              file=sys.stderr)
        return 1
    finally:
        stop.set()
    return 0
