"""30 participants drawing one sketch at once: draft and stroke latency, server CPU per point,
a late joiner's snapshot, and whether every screen ends with the server's label map.

One hypercorn process (the production entry point) on a throwaway MariaDB database with
Redis fan-out, as the live-voting benchmark runs it (without MariaDB: the embedded SQLite;
without Redis: the in-process fan-out; the report says which). The facilitator makes the
default room's current round a sketch round; 30 participants join over HTTP (their cookie),
then over Socket.IO (room:join, sketch:join), with one spectator screen that only watches.

Then all 30 draw at once. Each participant draws strokes of about a second along a smooth
random path: about 30 times a second it sends `sketch:draft` with its pointer and the 2-5
points drawn since the last draft (the first with `start`), and at the end of the stroke
`sketch:stroke` with all of the stroke's points; after a stroke the pen is up for 0.1-0.3 s
(drafts with only the pointer), and after one stroke in ten the participant takes it back
with `sketch:undo`. Most strokes are brush strokes; a few erase, a few are a fill (a click:
one point, no drafts). Two shorter phases follow, drafts only and strokes only, so that the
server's CPU time can be split between the two; then a late joiner asks for the sketch.

`python -m bench.sketch` runs it alone (--clients N, --seconds S, --split-seconds S, --quick).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import resource
import secrets
import subprocess
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .common import ROOT, machine, percentile, stamp, throwaway_mariadb, write_section
from .votes import _wait_healthy, cpu_seconds, free_port, kill_group, log_tail, machine_busy_s, pids_named, raise_nofile, tree_pids

CLIENTS = 30
SECONDS = 15.0
SPLIT_SECONDS = 6.0  # each of the drafts-only and strokes-only phases
QUICK = (10, 5.0, 3.0)  # --quick or BENCH_QUICK=1: clients, seconds, split seconds
DRAFTS_PER_S = 30.0
STROKE_S = (0.7, 1.3)  # how long one stroke is drawn
PEN_UP_S = (0.1, 0.3)
POINTS_PER_DRAFT = (2, 5)
SPEED_PX_PER_S = 360.0  # pen speed along the path
UNDO_EVERY = 10  # on average one stroke in ten is taken back
ERASE_SHARE, FILL_SHARE = 0.06, 0.03
ACK_TIMEOUT_S = 10.0
IDLE_S = 3.0
LATE_REPEATS = 5

REDIS_URL = "redis://127.0.0.1:6379/0"
FACILITATOR_TOKEN = "bench-facilitator-" + secrets.token_hex(8)
SECRET_KEY = "bench-secret-key-" + secrets.token_hex(24)


# --------------------------------------------------------------------------------------
# Screens and drawers
# --------------------------------------------------------------------------------------


def draft_key(user_id: int, x: int, y: int, points: Any, start: bool) -> tuple:
    """What identifies a draft on the wire: the drawer, its pointer and its points (a drawer's
    key that repeats is left out of the latency figures; see Drawer.sent)."""
    return (user_id, x, y, tuple(p for point in points for p in point), bool(start))


@dataclass
class Screen:
    """One Socket.IO connection: what it saw and when (participants, the spectator, the late joiner)."""

    name: str
    user_id: int = 0
    cookie: str = ""
    sio: Any = None
    start_state: dict[str, Any] | None = None
    ops: dict[int, tuple[float, dict[str, Any]]] = field(default_factory=dict)  # seq -> (first arrival, op)
    drafts: dict[tuple, float] = field(default_factory=dict)  # draft key -> first arrival
    draft_events: int = 0
    batches: list[tuple[float, int]] = field(default_factory=list)  # (arrival, drafts): the spectator's
    disconnects: int = 0
    sketch_join_ms: float = 0.0

    def on_op(self, data: dict[str, Any]) -> None:
        self.ops.setdefault(data["seq"], (time.time(), data))

    def on_drafts(self, data: dict[str, Any]) -> None:
        now = time.time()
        self.draft_events += 1
        if self.name == "spectator":
            self.batches.append((now, len(data.get("drafts", ()))))
        seen = self.drafts
        for d in data.get("drafts", ()):
            key = (d["user_id"], d["x"], d["y"], tuple(p for point in d.get("points") or () for p in point), bool(d.get("start")))
            if key not in seen:
                seen[key] = now


@dataclass
class Tally:
    """Everything the drawers sent, and how the server answered."""

    drafts: dict[tuple, tuple[float, str] | None] = field(default_factory=dict)  # key -> (sent, phase); None: repeated key
    strokes: list[dict[str, Any]] = field(default_factory=list)  # sent, acked, seq, points, phase, user_id
    undos: list[dict[str, Any]] = field(default_factory=list)
    draft_points: dict[str, int] = field(default_factory=dict)
    draft_messages: dict[str, int] = field(default_factory=dict)
    stroke_points: dict[str, int] = field(default_factory=dict)
    stroke_messages: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    late_ticks: int = 0

    def error(self, event: str, ack: Any) -> None:
        if isinstance(ack, dict):
            code = (ack.get("error") or {}).get("code", "?")
        else:
            code = f"{ack.__class__.__name__}"
        key = f"{event}: {code}"
        self.errors[key] = self.errors.get(key, 0) + 1

    def count(self, table: dict[str, int], phase: str, n: int) -> None:
        table[phase] = table.get(phase, 0) + n


class Drawer:
    """One participant drawing: a pen moving along a smooth random path over the canvas."""

    def __init__(self, screen: Screen, round_id: int, labels: list[int], width: int, height: int, rng: random.Random) -> None:
        self.screen = screen
        self.round_id = round_id
        self.labels = labels
        self.width, self.height = width, height
        self.rng = rng
        self.x, self.y = rng.uniform(20, width - 20), rng.uniform(20, height - 20)
        self.heading = rng.uniform(0, 2 * math.pi)
        self.tasks: set[asyncio.Task] = set()

    def _step(self, distance: float) -> tuple[int, int]:
        self.heading += self.rng.gauss(0, 0.25)
        x, y = self.x + distance * math.cos(self.heading), self.y + distance * math.sin(self.heading)
        if not 0 <= x <= self.width - 1:
            self.heading = math.pi - self.heading
            x = min(max(x, 0), self.width - 1)
        if not 0 <= y <= self.height - 1:
            self.heading = -self.heading
            y = min(max(y, 0), self.height - 1)
        self.x, self.y = x, y
        return int(round(x)), int(round(y))

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _draft(self, tally: Tally, payload: dict[str, Any], phase: str) -> None:
        key = draft_key(self.screen.user_id, payload["x"], payload["y"], payload["points"], payload["start"])
        sent = time.time()
        tally.drafts[key] = None if key in tally.drafts else (sent, phase)
        tally.count(tally.draft_points, phase, len(payload["points"]))
        tally.count(tally.draft_messages, phase, 1)
        try:
            ack = await self.screen.sio.call("sketch:draft", payload, timeout=ACK_TIMEOUT_S)
        except Exception as exc:  # noqa: BLE001 - counted
            tally.error("sketch:draft", exc)
            return
        if not (isinstance(ack, dict) and ack.get("ok")):
            tally.error("sketch:draft", ack)

    async def _commit(self, tally: Tally, stroke: dict[str, Any], phase: str, undo: bool) -> None:
        sent = time.time()
        tally.count(tally.stroke_points, phase, len(stroke["points"]))
        tally.count(tally.stroke_messages, phase, 1)
        try:
            ack = await self.screen.sio.call(
                "sketch:stroke", {"room": "main", "round_id": self.round_id, "stroke": stroke}, timeout=ACK_TIMEOUT_S
            )
        except Exception as exc:  # noqa: BLE001 - counted
            tally.error("sketch:stroke", exc)
            return
        acked = time.time()
        if not (isinstance(ack, dict) and ack.get("ok")):
            tally.error("sketch:stroke", ack)
            return
        tally.strokes.append({"sent": sent, "acked": acked, "seq": ack["stroke"]["seq"], "points": len(stroke["points"]),
                              "phase": phase, "user_id": self.screen.user_id})
        if undo:
            sent = time.time()
            try:
                ack = await self.screen.sio.call("sketch:undo", {"room": "main", "round_id": self.round_id}, timeout=ACK_TIMEOUT_S)
            except Exception as exc:  # noqa: BLE001 - counted
                tally.error("sketch:undo", exc)
                return
            if isinstance(ack, dict) and ack.get("ok"):
                tally.undos.append({"sent": sent, "acked": time.time(), "seq": ack["seq"], "removed": ack["removed"], "phase": phase})
            else:
                tally.error("sketch:undo", ack)

    async def draw(self, tally: Tally, start: float, end: float, phase: str, drafts: bool = True, commits: bool = True) -> None:
        """Draw from `start` until `end`: drafts about 30 times a second, a commit per stroke."""
        rng = self.rng
        tick = 1.0 / DRAFTS_PER_S
        due = start + rng.random() * tick
        # Everyone starts somewhere in a stroke cycle of their own (not all at the same moment).
        pen_up_until = due + rng.uniform(0, STROKE_S[1] + PEN_UP_S[1])
        stroke: dict[str, Any] | None = None
        stroke_ends = 0.0
        while True:
            now = time.time()
            if due > now:
                await asyncio.sleep(due - now)
                now = time.time()
            if now >= end:
                break
            if now - due > tick:  # the loop fell behind: skip ahead rather than send a burst
                tally.late_ticks += 1
                due = now
            due += tick
            if stroke is None and now >= pen_up_until:
                choice = rng.random()
                if choice < FILL_SHARE:  # a click with the fill tool: one point, no drafts
                    point = [*self._step(0)]
                    if commits:
                        self._spawn(self._commit(tally, {"tool": "fill", "label": rng.choice(self.labels), "points": [point]}, phase, False))
                    pen_up_until = now + rng.uniform(*PEN_UP_S)
                    continue
                tool = "erase" if choice < FILL_SHARE + ERASE_SHARE else "brush"
                stroke = {"tool": tool, "label": 0 if tool == "erase" else rng.choice(self.labels),
                          "size": rng.randint(4, 24), "points": []}
                stroke_ends = now + rng.uniform(*STROKE_S)
                points = [[*self._step(0)]]
                points += [[*self._step(SPEED_PX_PER_S * tick / 3)] for _ in range(rng.randint(*POINTS_PER_DRAFT) - 1)]
                first = True
            elif stroke is not None:
                n = rng.randint(*POINTS_PER_DRAFT)
                points = [[*self._step(SPEED_PX_PER_S * tick / n)] for _ in range(n)]
                first = False
            else:
                points = []
                self._step(SPEED_PX_PER_S * tick)
                first = False
            if stroke is not None:
                stroke["points"].extend(points)
            if drafts:
                payload: dict[str, Any] = {"room": "main", "round_id": self.round_id, "x": int(round(self.x)), "y": int(round(self.y)),
                                           "points": points, "start": first}
                if stroke is not None:
                    payload.update(tool=stroke["tool"], label=stroke["label"], size=stroke["size"])
                self._spawn(self._draft(tally, payload, phase))
            if stroke is not None and now >= stroke_ends:
                if commits:
                    self._spawn(self._commit(tally, stroke, phase, rng.randrange(UNDO_EVERY) == 0 and phase == "mixed"))
                stroke = None
                pen_up_until = now + rng.uniform(*PEN_UP_S)
        if stroke is not None and commits and stroke["points"]:  # the pen lifts at the end
            self._spawn(self._commit(tally, stroke, phase, False))

    async def settle(self) -> None:
        while self.tasks:
            await asyncio.gather(*list(self.tasks), return_exceptions=True)


# --------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------


def _server_env(database_url: str, redis_url: str | None, channel: str, var_dir: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "ENVIRONMENT": "development",
        "DATABASE_URL": database_url,
        "REDIS_CHANNEL": channel,
        "SECRET_KEY": SECRET_KEY,
        "FACILITATOR_TOKEN": FACILITATOR_TOKEN,
        "VAR_DIR": str(var_dir),
        "WORKER_IN_PROCESS": "false",  # nothing is painted: no job polling in the CPU figures
        "GENERATOR": "offline",
        "DATABASE_POOL_SIZE": "20",
        # Every simulated participant shares the loopback address.
        "JOINS_PER_ADDRESS_PER_MINUTE": "1000000",
    }
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


async def _redis_answers(url: str) -> bool:
    import redis.asyncio as aioredis

    client = aioredis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        return bool(await client.ping())
    except Exception:  # noqa: BLE001 - no Redis: the in-process fan-out
        return False
    finally:
        await client.aclose()


def _replay(start: dict[str, Any], ops: dict[int, tuple[float, dict[str, Any]]]) -> tuple[dict[int, dict[str, Any]], int, int]:
    """The strokes on a screen's sketch after applying its operations in seq order to its
    sketch:join state (as tests/sketch_screens.py does); returns (strokes, seq, gaps)."""
    strokes = {s["seq"]: s for s in start["strokes"]}
    seq, gaps = start["seq"], 0
    for number in sorted(ops):
        if number <= seq or ops[number][1]["round_id"] != start["round_id"]:
            continue
        if number != seq + 1:
            gaps += number - seq - 1  # a real screen would fetch the sketch again here
        op = ops[number][1]
        seq = number
        if op["op"] == "stroke":
            strokes[number] = op["stroke"]
        for removed in op["removed"]:
            strokes.pop(removed, None)
    return strokes, seq, gaps


def _map_digest(strokes: list[dict[str, Any]]) -> str:
    from pixelpatchwork.sketch.raster import Stroke, digest, render

    return digest(render([
        Stroke(tool=s["tool"], label=s["label"], size=s["size"], points=tuple((p[0], p[1]) for p in s["points"])) for s in strokes
    ]))


async def _open_screen(http: Any, base: str, screen: Screen, tally: Tally) -> dict[str, Any]:
    """Connect, room:join and sketch:join; returns the sketch:join ack."""
    from .sioclient import LeanClient

    sio = screen.sio = LeanClient(http)
    sio.on("sketch:op", screen.on_op)
    sio.on("sketch:drafts", screen.on_drafts)

    def gone(reason: str) -> None:
        screen.disconnects += 1

    sio.on_disconnect = gone
    headers = {"Cookie": f"ppw_session={screen.cookie}"} if screen.cookie else {}
    await sio.connect(base, headers=headers, timeout=30)
    joined = await sio.call("room:join", {"room": "main"}, timeout=30)
    if not joined.get("ok"):
        tally.error("room:join", joined)
        raise RuntimeError(f"room:join refused: {joined}")
    asked = time.perf_counter()
    ack = await sio.call("sketch:join", {"room": "main"}, timeout=30)
    screen.sketch_join_ms = (time.perf_counter() - asked) * 1000
    if not ack.get("ok"):
        tally.error("sketch:join", ack)
        raise RuntimeError(f"sketch:join refused: {ack}")
    screen.start_state = ack["sketch"]
    return ack


async def _session(http: Any, base: str, nickname: str) -> tuple[int, str]:
    async with http.post(base + "/api/session", json={"room": "main", "nickname": nickname}) as response:
        if response.status != 201:
            raise RuntimeError(f"POST /api/session answered {response.status}: {(await response.text())[:200]}")
        return (await response.json())["me"]["id"], response.cookies["ppw_session"].value


async def _lag_monitor(lags: list[float], stop: asyncio.Event) -> None:
    """How late the load generator's event loop wakes from a 10 ms sleep (its own delay, which
    the latencies measured here include)."""
    while not stop.is_set():
        asked = time.perf_counter()
        await asyncio.sleep(0.01)
        lags.append((time.perf_counter() - asked - 0.01) * 1000)


async def _phase(drawers: list[Drawer], tally: Tally, pids: list[int], seconds: float, phase: str, **kind: bool) -> dict[str, Any]:
    """Everyone draws for `seconds`; the server's CPU time from the start until every answer is in."""
    start = time.time() + 0.3
    services = pids_named("mariadbd", "mysqld", "redis-server")
    cpu_before, services_before, own_before, machine_before = (
        cpu_seconds(pids), cpu_seconds(services), _own_cpu_s(), machine_busy_s()
    )
    lags: list[float] = []
    stop = asyncio.Event()
    monitor = asyncio.create_task(_lag_monitor(lags, stop))
    await asyncio.gather(*(d.draw(tally, start, start + seconds, phase, **kind) for d in drawers))
    await asyncio.gather(*(d.settle() for d in drawers))
    await asyncio.sleep(0.5)  # the last batch of drafts and the last operations reach the screens
    stop.set()
    await monitor
    wall = time.time() - start
    return {
        "cpu_s": cpu_seconds(pids) - cpu_before, "wall_s": wall, "seconds": seconds,
        "services_cores": (cpu_seconds(services) - services_before) / wall,
        "client_cores": (_own_cpu_s() - own_before) / wall,
        "machine_cores": (machine_busy_s() - machine_before) / wall,
        "lag_p50_ms": percentile(lags, 50), "lag_p99_ms": percentile(lags, 99), "lag_max_ms": max(lags, default=float("nan")),
    }


def _own_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def run(clients: int = CLIENTS, seconds: float = SECONDS, split_seconds: float = SPLIT_SECONDS) -> dict[str, Any]:
    """The whole measurement; returns its figures (see report())."""
    import aiohttp
    import httpx

    from pixelpatchwork.runtime import tune_gc

    tune_gc()  # the load generator keeps every arrival: no long collector pauses in its timings
    raise_nofile()
    run_started = time.monotonic()
    rng = random.Random(20261202)
    tally = Tally()
    figures: dict[str, Any] = {"clients": clients, "seconds": seconds, "split_seconds": split_seconds}
    redis_url = REDIS_URL if await _redis_answers(REDIS_URL) else None
    channel = f"ppw-bench-sketch-{secrets.token_hex(4)}"
    async with throwaway_mariadb() as mariadb_url:
        with tempfile.TemporaryDirectory(prefix="ppw-bench-sketch-") as tmp:
            var_dir = Path(tmp) / "var"
            var_dir.mkdir()
            database_url = mariadb_url
            if not database_url:
                from pixelpatchwork.db.migrate import upgrade

                database_url = f"sqlite+aiosqlite:///{var_dir / 'bench.db'}"
                upgrade(database_url)
            figures["database"] = "MariaDB" if mariadb_url else "SQLite"
            figures["fanout"] = "Redis" if redis_url else "in-process"
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            log = Path(tmp) / "server.log"
            server = subprocess.Popen(  # noqa: ASYNC220 - one server, started once
                [sys.executable, "-m", "hypercorn", "pixelpatchwork.asgi:app", "--worker-class", "uvloop", "--bind", f"127.0.0.1:{port}"],
                cwd=ROOT, env=_server_env(database_url, redis_url, channel, var_dir),
                stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
            )
            http = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar(), connector=aiohttp.TCPConnector(limit=0))
            screens: list[Screen] = []
            try:
                await _wait_healthy(base, server, log)
                async with httpx.AsyncClient(base_url=base, timeout=30) as host:
                    made = await host.post("/api/host/rooms/main/round-kind", json={"kind": "sketch"},
                                           headers={"Authorization": f"Bearer {FACILITATOR_TOKEN}"})
                    if made.status_code != 200:
                        raise RuntimeError(f"round-kind answered {made.status_code}: {made.text[:300]}")
                    round_id = made.json()["round"]["id"]

                # Participants (an HTTP session each, for the cookie), then the spectator.
                participants = [Screen(f"drawer{n}") for n in range(clients)]
                for screen in participants:
                    screen.user_id, screen.cookie = await _session(http, base, screen.name)
                spectator = Screen("spectator")
                screens = [*participants, spectator]
                gate = asyncio.Semaphore(10)

                async def open_one(screen: Screen) -> dict[str, Any]:
                    async with gate:
                        return await _open_screen(http, base, screen, tally)

                acks = await asyncio.gather(*(open_one(s) for s in screens))
                sketch0 = acks[0]["sketch"]
                labels = [label["id"] for label in sketch0["palette"]["labels"] if label["id"] != 0]
                width, height = sketch0["canvas"]["width"], sketch0["canvas"]["height"]
                pids = tree_pids(server.pid)
                figures["server_processes"] = len(pids)

                # The server's CPU time with every screen connected and nobody drawing.
                cpu_before = cpu_seconds(pids)
                await asyncio.sleep(IDLE_S)
                figures["idle_cpu_per_s"] = (cpu_seconds(pids) - cpu_before) / IDLE_S

                drawers = [Drawer(s, round_id, labels, width, height, random.Random(rng.random())) for s in participants]
                events_before = sum(s.draft_events for s in screens)
                mixed = await _phase(drawers, tally, pids, seconds, "mixed")
                mixed["draft_events"] = sum(s.draft_events for s in screens) - events_before
                figures["client_cpu_per_s"] = mixed["client_cores"]
                figures["services_cpu_per_s"] = mixed["services_cores"]
                figures["machine_cores_busy"] = mixed["machine_cores"]
                figures["client_lag_ms"] = [round(mixed[k], 1) for k in ("lag_p50_ms", "lag_p99_ms", "lag_max_ms")]

                # A late joiner: a new participant asks for the sketch as it is after the drawing.
                late = Screen("late")
                late.user_id, late.cookie = await _session(http, base, late.name)
                screens.append(late)
                asked = time.time()
                ack = await _open_screen(http, base, late, tally)
                figures["late_ack_ms"] = (time.time() - asked) * 1000  # connect + room:join + sketch:join
                figures["late_sketch_join_ms"] = late.sketch_join_ms
                again = []
                cpu_before = cpu_seconds(pids)
                for _ in range(LATE_REPEATS):  # the same request again: its time without the first-time costs
                    asked = time.perf_counter()
                    repeat = await late.sio.call("sketch:join", {"room": "main"}, timeout=30)
                    again.append((time.perf_counter() - asked) * 1000)
                    if not repeat.get("ok"):
                        tally.error("sketch:join", repeat)
                figures["late_sketch_join_again_ms"] = percentile(again, 50)
                figures["late_sketch_join_cpu_ms"] = (cpu_seconds(pids) - cpu_before) / LATE_REPEATS * 1000
                wire = json.dumps(ack, separators=(",", ":")).encode()
                figures["snapshot_bytes"] = len(wire)
                figures["snapshot_deflated_bytes"] = len(zlib.compress(wire, 6))
                figures["snapshot_strokes"] = len(ack["sketch"]["strokes"])
                figures["snapshot_points"] = sum(len(s["points"]) for s in ack["sketch"]["strokes"])
                figures["snapshot_seq"] = ack["sketch"]["seq"]

                drafts_only = await _phase(drawers, tally, pids, split_seconds, "drafts", commits=False)
                strokes_only = await _phase(drawers, tally, pids, split_seconds, "strokes", drafts=False)

                await asyncio.sleep(1.0)
                async with httpx.AsyncClient(base_url=base, timeout=30) as anon:
                    final = (await anon.get("/api/rooms/main/sketch")).json()
            finally:
                for screen in screens:
                    if screen.sio is not None:
                        screen.sio.on_disconnect = None
                await asyncio.wait_for(
                    asyncio.gather(*(s.sio.disconnect() for s in screens if s.sio is not None), return_exceptions=True), timeout=20
                )
                await http.close()
                kill_group(server)
                figures["server_log_tail"] = log_tail(log, 1500)

    figures.update(_figures(tally, screens, participants, spectator, late, final, mixed, drafts_only, strokes_only))
    figures["total_s"] = round(time.monotonic() - run_started, 1)
    return figures


def _figures(tally: Tally, screens: list[Screen], participants: list[Screen], spectator: Screen, late: Screen,
             final: dict[str, Any], mixed: dict[str, Any], drafts_only: dict[str, Any], strokes_only: dict[str, Any]) -> dict[str, Any]:
    drawing = [*participants, spectator]  # the screens there from the start

    # (a) drafts of the mixed phase: every other screen's first arrival of it.
    pair_ms: list[float] = []
    last_ms: list[float] = []
    missing_pairs = measured = repeated = 0
    for key, sent in tally.drafts.items():
        if sent is None:
            repeated += 1
            continue
        at, phase = sent
        if phase != "mixed":
            continue
        measured += 1
        latest = 0.0
        for screen in drawing:
            if screen.user_id == key[0]:
                continue
            arrived = screen.drafts.get(key)
            if arrived is None:
                missing_pairs += 1
                continue
            pair_ms.append((arrived - at) * 1000)
            latest = max(latest, arrived)
        if latest:
            last_ms.append((latest - at) * 1000)

    # (b) committed strokes of the mixed phase: every screen's arrival of the sketch:op.
    op_pair_ms: list[float] = []
    op_last_ms: list[float] = []
    ack_ms: list[float] = []
    op_missing = 0
    for stroke in tally.strokes:
        if stroke["phase"] != "mixed":
            continue
        ack_ms.append((stroke["acked"] - stroke["sent"]) * 1000)
        latest = 0.0
        for screen in drawing:
            arrived = screen.ops.get(stroke["seq"])
            if arrived is None:
                op_missing += 1
                continue
            op_pair_ms.append((arrived[0] - stroke["sent"]) * 1000)
            latest = max(latest, arrived[0])
        if latest:
            op_last_ms.append((latest - stroke["sent"]) * 1000)
    undo_last_ms = [
        (max(s.ops[u["seq"]][0] for s in drawing if u["seq"] in s.ops) - u["sent"]) * 1000
        for u in tally.undos if any(u["seq"] in s.ops for s in drawing)
    ]

    # (e) every screen's map against the server's.
    server_digest, server_seq = final["digest"], final["sketch"]["seq"]
    mismatches = gaps = behind = 0
    for screen in screens:
        assert screen.start_state is not None
        strokes, seq, screen_gaps = _replay(screen.start_state, screen.ops)
        gaps += screen_gaps
        behind += seq != server_seq
        if _map_digest([strokes[k] for k in sorted(strokes)]) != server_digest:
            mismatches += 1
    server_self = _map_digest(final["sketch"]["strokes"]) == server_digest

    def r(value: float) -> float:
        return round(value, 1)

    draft_pts = tally.draft_points
    stroke_pts = tally.stroke_points
    mixed_points = draft_pts.get("mixed", 0) + stroke_pts.get("mixed", 0)
    strokes_mixed = [s for s in tally.strokes if s["phase"] == "mixed"]
    return {
        "screens": len(screens),
        "draft_messages": dict(tally.draft_messages),
        "draft_points": dict(draft_pts),
        "stroke_messages": dict(tally.stroke_messages),
        "stroke_points": dict(stroke_pts),
        "strokes_committed": len(tally.strokes),
        "strokes_committed_mixed": len(strokes_mixed),
        "undos": len(tally.undos),
        "drafts_per_s_sent": r(tally.draft_messages.get("mixed", 0) / mixed["seconds"]),
        "draft_pair_p50_ms": r(percentile(pair_ms, 50)),
        "draft_pair_p99_ms": r(percentile(pair_ms, 99)),
        "draft_last_p50_ms": r(percentile(last_ms, 50)),
        "draft_last_p99_ms": r(percentile(last_ms, 99)),
        "draft_pairs": len(pair_ms),
        "drafts_measured": measured,
        "drafts_repeated_key": repeated,
        "draft_pairs_missing": missing_pairs,
        "draft_events_per_screen_s": r(mixed["draft_events"] / len(drawing) / mixed["seconds"]),
        "stroke_ack_p50_ms": r(percentile(ack_ms, 50)),
        "stroke_ack_p99_ms": r(percentile(ack_ms, 99)),
        "stroke_pair_p50_ms": r(percentile(op_pair_ms, 50)),
        "stroke_pair_p99_ms": r(percentile(op_pair_ms, 99)),
        "stroke_last_p50_ms": r(percentile(op_last_ms, 50)),
        "stroke_last_p99_ms": r(percentile(op_last_ms, 99)),
        "undo_last_p50_ms": r(percentile(undo_last_ms, 50)),
        "undo_last_p99_ms": r(percentile(undo_last_ms, 99)),
        "stroke_pairs_missing": op_missing,
        "points_per_stroke": r(stroke_pts.get("mixed", 0) / max(1, tally.stroke_messages.get("mixed", 0))),
        "points_per_draft": round(draft_pts.get("mixed", 0) / max(1, tally.draft_messages.get("mixed", 0)), 2),
        "cpu_mixed_s": round(mixed["cpu_s"], 2),
        "cpu_mixed_cores": round(mixed["cpu_s"] / mixed["wall_s"], 2),
        "cpu_us_per_point_mixed": r(mixed["cpu_s"] / max(1, mixed_points) * 1e6),
        "cpu_drafts_s": round(drafts_only["cpu_s"], 2),
        "cpu_drafts_cores": round(drafts_only["cpu_s"] / drafts_only["wall_s"], 2),
        "cpu_us_per_draft_point": r(drafts_only["cpu_s"] / max(1, draft_pts.get("drafts", 0)) * 1e6),
        "cpu_us_per_draft": r(drafts_only["cpu_s"] / max(1, tally.draft_messages.get("drafts", 0)) * 1e6),
        "cpu_strokes_s": round(strokes_only["cpu_s"], 2),
        "cpu_strokes_cores": round(strokes_only["cpu_s"] / strokes_only["wall_s"], 2),
        "cpu_us_per_stroke_point": r(strokes_only["cpu_s"] / max(1, stroke_pts.get("strokes", 0)) * 1e6),
        "cpu_ms_per_stroke": round(strokes_only["cpu_s"] / max(1, tally.stroke_messages.get("strokes", 0)) * 1e3, 2),
        "phase_wall_s": [round(p["wall_s"], 1) for p in (mixed, drafts_only, strokes_only)],
        "server_seq": server_seq,
        "server_strokes": len(final["sketch"]["strokes"]),
        "expected_strokes": len(tally.strokes) - sum(len(u["removed"]) for u in tally.undos),
        "server_map_matches_its_strokes": server_self,
        "map_mismatches": mismatches,
        "op_gaps": gaps,
        "screens_behind": behind,
        "errors": dict(sorted(tally.errors.items())),
        "refused_or_unanswered": sum(tally.errors.values()),
        "late_ticks": tally.late_ticks,
        "disconnects": sum(s.disconnects for s in screens),
        "late_joiner_ops": len(late.ops),
    }


def report(f: dict[str, Any]) -> str:
    errors = ", ".join(f"{code}: {n}" for code, n in f["errors"].items()) or "none"
    dm, dp = f["draft_messages"], f["draft_points"]
    sm, sp = f["stroke_messages"], f["stroke_points"]
    return f"""## Sketch round: {f['clients']} participants drawing at once

{stamp()} on {machine()}.
One hypercorn process (its {f['server_processes']} OS processes counted), {f['database']}, {f['fanout']} fan-out,
no in-process worker. The load generator (one process: {f['clients']} participants, a spectator
and a late joiner) shares the machine with the server, the database and Redis, and with
whatever else runs there: while everyone drew, {f['machine_cores_busy']:.2f} of {os.cpu_count()} cores were busy
(the server {f['cpu_mixed_cores']:.2f}, the load generator {f['client_cpu_per_s']:.2f}, MariaDB and Redis
{f['services_cpu_per_s']:.2f}, the rest other work), and the load generator's event loop woke from a
10 ms sleep {f['client_lag_ms'][0]} / {f['client_lag_ms'][1]} ms late (p50 / p99; max {f['client_lag_ms'][2]} ms),
which the latencies below include.

Every participant draws for {f['seconds']:.0f} s: a stroke of {STROKE_S[0]}-{STROKE_S[1]} s, then the pen
up for {PEN_UP_S[0]}-{PEN_UP_S[1]} s; `sketch:draft` {DRAFTS_PER_S:.0f} times a second ({f['points_per_draft']} new points
per draft on average, counting the pen-up pointer moves, which have none), at the end of
each stroke `sketch:stroke` with the whole stroke ({f['points_per_stroke']} points on average), and
after one stroke in {UNDO_EVERY} `sketch:undo`. {ERASE_SHARE:.0%} of strokes erase and {FILL_SHARE:.0%} are a fill.
Sent: {dm.get('mixed', 0)} drafts ({f['drafts_per_s_sent']} a second) with {dp.get('mixed', 0)} points,
{sm.get('mixed', 0)} strokes with {sp.get('mixed', 0)} points, {f['undos']} undos.

| figure | value |
|---|---|
| draft latency, sender to each other screen, p50 / p99 | {f['draft_pair_p50_ms']} / {f['draft_pair_p99_ms']} ms ({f['draft_pairs']} pairs) |
| draft latency, sender to the last screen, p50 / p99 | {f['draft_last_p50_ms']} / {f['draft_last_p99_ms']} ms ({f['drafts_measured']} drafts) |
| committed stroke, `sketch:stroke` sent to each screen's `sketch:op`, p50 / p99 | {f['stroke_pair_p50_ms']} / {f['stroke_pair_p99_ms']} ms |
| committed stroke, to the last screen, p50 / p99 | {f['stroke_last_p50_ms']} / {f['stroke_last_p99_ms']} ms ({f['strokes_committed_mixed']} strokes) |
| stroke acknowledgement p50 / p99 | {f['stroke_ack_p50_ms']} / {f['stroke_ack_p99_ms']} ms |
| undo, sent to the last screen, p50 / p99 | {f['undo_last_p50_ms']} / {f['undo_last_p99_ms']} ms ({f['undos']} undos) |
| server CPU per point, everyone drawing (drafts + strokes) | {f['cpu_us_per_point_mixed']} µs ({f['cpu_mixed_s']} s for {dp.get('mixed', 0) + sp.get('mixed', 0)} points; {f['cpu_mixed_cores']} cores busy) |
| server CPU per draft point (drafts only, {f['split_seconds']:.0f} s) | {f['cpu_us_per_draft_point']} µs ({f['cpu_us_per_draft']} µs per draft; {f['cpu_drafts_cores']} cores busy) |
| server CPU per committed stroke point (strokes only, {f['split_seconds']:.0f} s) | {f['cpu_us_per_stroke_point']} µs ({f['cpu_ms_per_stroke']} ms per stroke; {f['cpu_strokes_cores']} cores busy) |
| server CPU with every screen connected and nobody drawing | {f['idle_cpu_per_s'] * 1000:.1f} ms a second |
| late joiner's snapshot (`sketch:join` ack, compact JSON) | {f['snapshot_bytes']:,} bytes ({f['snapshot_deflated_bytes']:,} deflated; {f['snapshot_bytes'] / max(1, f['snapshot_strokes']):,.0f} bytes a stroke), {f['snapshot_strokes']} strokes, {f['snapshot_points']:,} points, seq {f['snapshot_seq']}; the ack came {f['late_sketch_join_ms']:.0f} ms after `sketch:join` ({f['late_ack_ms']:.0f} ms after connecting; asked {LATE_REPEATS} times more, {f['late_sketch_join_again_ms']:.0f} ms median and {f['late_sketch_join_cpu_ms']:.0f} ms of server CPU each) |
| screens whose final label map differs from the server's | {f['map_mismatches']} of {f['screens']} ({f['op_gaps']} operations missed, {f['screens_behind']} screens behind seq {f['server_seq']}) |
| acks refused or unanswered ({ACK_TIMEOUT_S:.0f} s) | {f['refused_or_unanswered']} ({errors}) |
| `sketch:drafts` events per screen and second, while everyone draws | {f['draft_events_per_screen_s']} |
| drafts or operations that never reached a screen; disconnects | {f['draft_pairs_missing']} draft deliveries, {f['stroke_pairs_missing']} stroke deliveries; {f['disconnects']} |

Method: one clock (`time.time()` in the load generator). A draft is known on arrival by its
drawer, pointer and points (the protocol carries no id; the {f['drafts_repeated_key']} drafts whose key a
drawer had already sent are left out); its latency is the first arrival in a `sketch:drafts`
batch at each screen other than the drawer's (the spectator included) minus the moment it was
sent. The server relays each room's drafts in batches on a 33 ms beat (the first draft after a
quiet spell goes at once), so a draft waits half a window on average, about 17 ms,
and more when the batches come further apart than 33 ms ({f['draft_events_per_screen_s']} a second here, not 30).
A committed stroke is known by the seq its acknowledgement carries; its latency is each
screen's (the drawer's own included) arrival of the `sketch:op` with that seq minus the moment `sketch:stroke` was sent. Server CPU is user + system time of
the server's processes (/proc/<pid>/stat) from the start of a phase until every
acknowledgement was in and 0.5 s more, divided by the points sent in it: in the {f['seconds']:.0f} s phase
drafts and strokes together; then {f['split_seconds']:.0f} s of the same drawing sending only the drafts
(pointer moves included), and {f['split_seconds']:.0f} s sending only the finished strokes (about one a
second per participant); a draft's cost is mostly per message (decoding, checking, the
acknowledgement, its share of the batches sent to every screen), so the CPU per draft is
the more telling figure, and a stroke's mostly per stroke (its transaction and `sketch:op`).
The late joiner connects after the {f['seconds']:.0f} s phase; its snapshot size is the `sketch:join`
acknowledgement as compact JSON (the Socket.IO frame adds a few bytes). The snapshot holds
every stroke still on the sketch with all its points, so it grows with the drawing.
At the end every screen's label map (its `sketch:join` state plus the `sketch:op`s it
received, in seq order, rasterized with `pixelpatchwork.sketch.raster`) is compared with the
digest of `GET /api/rooms/main/sketch` ({f['server_strokes']} strokes on the sketch, {f['expected_strokes']} expected from the
acknowledgements). The whole run, setup included, took {f['total_s']} s.
"""


def measure(clients: int | None = None, seconds: float | None = None, split_seconds: float | None = None) -> dict[str, Any]:
    """run() on uvloop (the load generator's loop, as in the voting benchmark's client
    processes); BENCH_QUICK=1 makes the defaults those of --quick."""
    import uvloop

    quick = os.environ.get("BENCH_QUICK", "") not in ("", "0", "false")
    return uvloop.run(run(
        clients if clients is not None else (QUICK[0] if quick else CLIENTS),
        seconds if seconds is not None else (QUICK[1] if quick else SECONDS),
        split_seconds if split_seconds is not None else (QUICK[2] if quick else SPLIT_SECONDS),
    ))


def brief(f: dict[str, Any]) -> dict[str, Any]:
    keys = ("clients", "draft_pair_p50_ms", "draft_pair_p99_ms", "stroke_pair_p50_ms", "stroke_pair_p99_ms",
            "cpu_us_per_point_mixed", "cpu_us_per_draft_point", "cpu_us_per_stroke_point", "snapshot_bytes",
            "snapshot_strokes", "map_mismatches", "refused_or_unanswered")
    return {k: f[k] for k in keys}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.sketch", description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=None, help=f"participants drawing at once ({CLIENTS})")
    parser.add_argument("--seconds", type=float, default=None, help=f"how long everyone draws ({SECONDS:.0f})")
    parser.add_argument("--split-seconds", type=float, default=None, help=f"the drafts-only and strokes-only phases ({SPLIT_SECONDS:.0f})")
    parser.add_argument("--quick", action="store_true", help="%d participants, %.0f s, %.0f s phases (or BENCH_QUICK=1)" % QUICK)
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args()
    if args.quick:
        os.environ["BENCH_QUICK"] = "1"
    figures = measure(args.clients, args.seconds, args.split_seconds)
    if not args.no_write:
        write_section("sketch", report(figures))
    for key, value in figures.items():
        if key != "server_log_tail":
            print(f"{key}: {value}")
    if figures["map_mismatches"] or figures["refused_or_unanswered"]:
        print("server log tail:\n" + figures["server_log_tail"])


if __name__ == "__main__":
    main()
