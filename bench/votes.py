"""1,000 live voters on two server processes: vote throughput, tally propagation, correctness.

The real stack in one command: a throwaway MariaDB database, Redis pub/sub fan-out, two
hypercorn processes (one runs the generation worker), and separate client processes that
own the Socket.IO connections. ~20 participants submit an edit each over HTTP; once every
edit is finished the facilitator opens the vote. Then 1,000 Socket.IO clients (each its own
participant) join the room, spread evenly over both processes, and vote at a steady
aggregate rate: random images, random values, changing and withdrawing votes.

Per vote it records the send and acknowledgement times and the acknowledged tally `seq`;
every client records, per image, when it first saw each higher `seq` in a `tally` event.
A vote's tally propagation latency is the moment the LAST client first showed a tally of
that image with seq >= the vote's acknowledged seq, minus the acknowledgement time. The
floor is a plain python-socketio broadcast of a tally-sized event to the same clients
through the same processes and Redis channel, sent once a second during the voting (and,
for comparison, again on the quiet system after it). At the end the
database is checked against a replay of every acknowledged vote.

`python -m bench.votes` runs it alone (`--quick` or BENCH_QUICK=1: 200 clients, 5 s).
"""

from __future__ import annotations

import asyncio
import json
import math
import multiprocessing as mp
import os
import queue as queue_mod
import random
import resource
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import uvloop

from .common import ROOT, machine, percentile, stamp, throwaway_mariadb, write_section

CLIENTS = 1000
DURATION_S = 30.0
TARGET_VOTES_PER_S = 600.0
AUTHORS = 20
CLIENT_PROCESSES = 2
SERVERS = 2
FLOOR_BROADCASTS = 20
FLOOR_GAP_S = 0.15
LOADED_FLOOR_BASE = 1000  # idx of the floor broadcasts sent during the vote
LOADED_FLOOR_START_S = 2.0
LOADED_FLOOR_GAP_S = 1.0
VOTE_TIMEOUT_S = 10.0
MIN_CLIENT_GAP_S = 0.15  # one participant never votes more than ~6.7 times a second
TALLY_WINDOW_MS = 100

# Targets
TARGET_MIN_VOTES_PER_S = 500.0
TARGET_TALLY_P99_MS = 300.0
TARGET_TALLY_FLOOR_RATIO = 3.0

REDIS_URL = "redis://127.0.0.1:6379/0"
FACILITATOR_TOKEN = "bench-facilitator-" + secrets.token_hex(8)
SECRET_KEY = "bench-secret-key-" + secrets.token_hex(24)


# --------------------------------------------------------------------------------------
# Helpers: ports, processes, memory
# --------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def raise_nofile(wanted: int = 65536) -> tuple[int, int]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def tree_rss_kib(pid: int) -> int:
    """VmRSS of a process and all its descendants (hypercorn serves from a spawned child)."""
    tree = _children()
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo.extend(tree.get(current, []))
        try:
            with open(f"/proc/{current}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            pass
    return total


def tree_pids(pid: int) -> list[int]:
    tree = _children()
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(tree.get(current, []))
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes (not their children), in seconds."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total / tick


def machine_busy_s() -> float:
    """CPU seconds spent by everything on the machine (all cores), from /proc/stat."""
    with open("/proc/stat") as fh:
        fields = [int(x) for x in fh.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def pids_named(*names: str) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as fh:
                    if fh.read().strip() in names:
                        found.append(int(entry))
            except OSError:
                pass
    return found


def kill_group(proc: subprocess.Popen, grace_s: float = 5.0) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(grace_s)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(5)
    # The hypercorn child may outlive its parent for a moment; make sure the group is gone.
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def log_tail(path: Path, chars: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return ""


# --------------------------------------------------------------------------------------
# Client processes
# --------------------------------------------------------------------------------------


class Voter:
    """One participant: cookie, Socket.IO connection, what it saw, what it voted."""

    __slots__ = ("ambiguous", "base", "cookie", "current", "dropped", "floor", "gid", "high", "hist", "sio", "user_id")

    def __init__(self, gid: int, base: str) -> None:
        self.gid = gid
        self.base = base
        self.cookie = ""
        self.user_id = 0
        self.sio: Any = None
        self.hist: dict[int, list[tuple[int, float]]] = {}  # image -> [(seq, first arrival)], seq increasing
        self.high: dict[int, int] = {}
        self.floor: dict[int, float] = {}
        self.current: dict[int, str] = {}  # image -> acknowledged value
        self.ambiguous: set[int] = set()  # images with a vote whose outcome is unknown (timed out)
        self.dropped = 0

    def on_tally(self, data: dict[str, Any]) -> None:
        now = time.time()
        high, hist = self.high, self.hist
        for tally in data.get("tallies", ()):
            image_id, seq = tally["image_id"], tally["seq"]
            if seq > high.get(image_id, -1):
                high[image_id] = seq
                hist.setdefault(image_id, []).append((seq, now))


def worker_main(wid: int, config: dict[str, Any], commands: Any, results: Any) -> None:
    import logging

    from pixelpatchwork.runtime import tune_gc

    tune_gc()  # 500 connections here too: no 200 ms collector pauses in the measurement

    # Closing 500 connections at the end makes engineio log one line per connection.
    logging.getLogger("engineio.client").setLevel(logging.CRITICAL)
    raise_nofile()
    try:
        uvloop.run(_worker(wid, config, commands, results))
    except BaseException as exc:  # report it to the coordinator, then fail
        results.put(("error", wid, f"{exc.__class__.__name__}: {exc}"))
        raise


async def _next_command(commands: Any, timeout: float) -> tuple:
    return await asyncio.to_thread(commands.get, True, timeout)


async def _worker(wid: int, config: dict[str, Any], commands: Any, results: Any) -> None:
    import aiohttp

    from .sioclient import LeanClient

    rng = random.Random(config["seed"] + wid)
    voters = [Voter(gid, config["bases"][gid % len(config["bases"])]) for gid in config["gids"]]

    # 1. Participant sessions over HTTP (no cookie jar: every session is a new participant).
    gate = asyncio.Semaphore(16)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar(), timeout=aiohttp.ClientTimeout(total=30)) as http:

        async def join(voter: Voter) -> None:
            async with gate:
                for attempt in range(3):
                    async with http.post(
                        voter.base + "/api/session", json={"room": "main", "nickname": f"{config['prefix']}{voter.gid}"}
                    ) as response:
                        if response.status == 201:
                            voter.user_id = (await response.json())["me"]["id"]
                            voter.cookie = response.cookies["ppw_session"].value
                            return
                        text = await response.text()
                    await asyncio.sleep(0.2 * (attempt + 1))
                raise RuntimeError(f"POST /api/session answered {response.status}: {text[:200]}")

        await asyncio.gather(*(join(v) for v in voters))
    results.put(("sessions", wid, len(voters)))

    # 2. Connect and join, when the coordinator says so (it measures server memory around it).
    command = await _next_command(commands, 120)
    assert command[0] == "connect", command
    join_times: list[float] = []
    failures: list[str] = []
    disconnects = [0]
    disconnect_reasons: dict[str, int] = {}
    disconnect_times: list[float] = []
    gate = asyncio.Semaphore(25)

    # One session for every connection of this process (no connection limit: they stay open).
    http = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar(), connector=aiohttp.TCPConnector(limit=0))

    def client_for(voter: Voter) -> LeanClient:
        client = LeanClient(http)
        client.on("tally", voter.on_tally)

        def on_floor(data: dict[str, Any], voter: Voter = voter) -> None:
            voter.floor.setdefault(data["idx"], time.time())

        def on_disconnect(reason: str) -> None:
            disconnects[0] += 1
            disconnect_reasons[reason] = disconnect_reasons.get(reason, 0) + 1
            disconnect_times.append(time.time())

        client.on("bench:floor", on_floor)
        client.on_disconnect = on_disconnect
        return client

    async def connect(voter: Voter) -> None:
        async with gate:
            for attempt in range(2):
                sio = voter.sio = client_for(voter)
                try:
                    started = time.time()
                    await sio.connect(voter.base, headers={"Cookie": f"ppw_session={voter.cookie}"}, timeout=30)
                    ack = await sio.call("room:join", {"room": "main"}, timeout=30)
                    if not ack.get("ok"):
                        raise RuntimeError(f"room:join refused: {ack}")
                    now = time.time()
                    join_times.append(now - started)
                    for image in ack["snapshot"]["images"]:
                        seq = image["tally"]["seq"]
                        if seq > voter.high.get(image["id"], -1):
                            voter.high[image["id"]] = seq
                            voter.hist.setdefault(image["id"], []).append((seq, now))
                    return
                except Exception as exc:  # noqa: BLE001 - retried once, then reported
                    sio.on_disconnect = None
                    await sio.disconnect()
                    if attempt == 1:
                        failures.append(f"{exc.__class__.__name__}: {exc}"[:200])
                        voter.sio = None
                    else:
                        await asyncio.sleep(0.5)

    await asyncio.gather(*(connect(v) for v in voters))
    joined = [v for v in voters if v.sio is not None]
    results.put(("joined", wid, len(joined), failures[:5], len(failures), percentile(join_times, 99)))

    # 3. Vote from the shared start time until its end.
    command = await _next_command(commands, 120)
    assert command[0] == "vote", command
    start, end, per_client_rate, images = command[1], command[2], command[3], command[4]
    interval = 1.0 / per_client_rate
    votes: list[tuple] = []  # (gid, user_id, image_id, value, send_t, ack_t, seq, status)

    async def vote_loop(voter: Voter) -> None:
        sio = voter.sio
        due = start + rng.random() * interval
        while due < end:
            delay = due - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            if time.time() >= end:
                break
            if not sio.connected:
                voter.dropped += 1
                break
            choices = [i for i in images if i not in voter.ambiguous]
            if not choices:
                break
            image_id = rng.choice(choices)
            current = voter.current.get(image_id, "none")
            value = rng.choice([v for v in ("up", "down", "none") if v != current])
            sent = time.time()
            try:
                ack = await sio.call("vote:cast", {"image_id": image_id, "value": value}, timeout=VOTE_TIMEOUT_S)
            except Exception as exc:  # noqa: BLE001 - a lost acknowledgement: outcome unknown
                voter.ambiguous.add(image_id)
                votes.append((voter.gid, voter.user_id, image_id, value, sent, time.time(), None, "timeout:" + exc.__class__.__name__))
                due = max(due + interval, time.time())
                continue
            acked = time.time()
            if isinstance(ack, dict) and ack.get("ok"):
                voter.current[image_id] = value
                votes.append((voter.gid, voter.user_id, image_id, value, sent, acked, ack["tally"]["seq"], "ok"))
            else:
                code = ack.get("error", {}).get("code", "?") if isinstance(ack, dict) else repr(ack)[:40]
                votes.append((voter.gid, voter.user_id, image_id, value, sent, acked, None, code))
            due = max(due + interval, sent + MIN_CLIENT_GAP_S)

    await asyncio.wait_for(
        asyncio.gather(*(vote_loop(v) for v in joined)), timeout=max(5.0, end - time.time()) + VOTE_TIMEOUT_S + 10
    )
    results.put(("voted", wid, len(votes)))

    # 4. Warm-up broadcasts (negative idx) tell the coordinator when every client here is
    # keeping up again; then the floor broadcasts arrive while we wait for the finish command.
    async def warm_reporter() -> None:
        reported: set[int] = set()
        while True:
            await asyncio.sleep(0.1)
            live = [v for v in joined if v.sio.connected]
            if not live:
                continue
            for idx in sorted({i for i in live[0].floor if i < 0} - reported):
                arrivals = [v.floor.get(idx) for v in live]
                if all(a is not None for a in arrivals):
                    reported.add(idx)
                    results.put(("warm", wid, idx, max(arrivals)))  # type: ignore[type-var]

    reporter = asyncio.create_task(warm_reporter())
    command = await _next_command(commands, 150)
    assert command[0] == "finish", command
    reporter.cancel()

    # Per image: for each seq s, the latest first-arrival over this process's clients of a
    # tally with seq >= s; `reach` = the highest s every client here has seen.
    best: dict[int, tuple[int, list[float]]] = {}
    for image_id in images:
        hists = [v.hist.get(image_id, []) for v in joined]
        top = max((h[-1][0] for h in hists if h), default=0)
        reach = min((h[-1][0] if h else -1) for h in hists) if hists else -1
        arr = [0.0] * (top + 1)
        for hist in hists:
            prev = -1
            for seq, at in hist:
                for s in range(prev + 1, seq + 1):
                    if arr[s] < at:  # noqa: PLR1730 - the hot loop; max() is slower
                        arr[s] = at
                prev = seq
        best[image_id] = (reach, arr)
    floor: dict[int, tuple[float, int]] = {}
    for voter in joined:
        for idx, at in voter.floor.items():
            latest, count = floor.get(idx, (0.0, 0))
            floor[idx] = (max(latest, at), count + 1)
    per_server: dict[str, int] = {}
    for voter in joined:
        per_server[voter.base] = per_server.get(voter.base, 0) + 1
    results.put(
        (
            "result",
            wid,
            {
                "joined": len(joined),
                "per_server": per_server,
                "votes": votes,
                "best": best,
                "floor": floor,
                "disconnects": disconnects[0],
                "disconnect_reasons": dict(disconnect_reasons),  # copies: the queue pickles later
                "disconnect_times": list(disconnect_times),
                "dropped": sum(v.dropped for v in joined),
                "last_seq": {
                    i: sorted({(v.hist[i][-1][0] if v.hist.get(i) else -1) for v in joined}) for i in images
                },
            },
        )
    )
    for voter in joined:
        voter.sio.on_disconnect = None
    await asyncio.wait_for(asyncio.gather(*(v.sio.disconnect() for v in joined), return_exceptions=True), timeout=20)
    await http.close()


class TallySizer:
    """Coordinator-side probe: one extra spectator connection that measures tally event sizes."""

    def __init__(self) -> None:
        self.sizes: list[int] = []
        self.last = time.time()

    def on_tally(self, data: dict[str, Any]) -> None:
        self.last = time.time()
        self.sizes.append(len(json.dumps(data, separators=(",", ":"))))


# --------------------------------------------------------------------------------------
# The coordinator
# --------------------------------------------------------------------------------------


def _server_env(database_url: str, channel: str, var_dir: Path, worker: bool) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "ENVIRONMENT": "development",
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "REDIS_CHANNEL": channel,
        "SECRET_KEY": SECRET_KEY,
        "FACILITATOR_TOKEN": FACILITATOR_TOKEN,
        "VAR_DIR": str(var_dir),
        "WORKER_IN_PROCESS": "true" if worker else "false",
        "GENERATOR": "offline",
        "SEALED_VOTING": "off",
        "ENTRY_SELECTION": "false",
        "TALLY_WINDOW_MS": str(TALLY_WINDOW_MS),
        "GENERATIONS_PER_ROUND": "5",
        "ROOM_GENERATIONS_PER_MINUTE": "1000",
        "DATABASE_POOL_SIZE": "20",
        # Every simulated participant shares the loopback address.
        "JOINS_PER_ADDRESS_PER_MINUTE": "1000000",
        "VOTES_PER_ADDRESS_PER_SECOND": "1000000",
        # Setup speed only: the 20 edits are generated 4 at a time.
        "WORKER_CONCURRENCY": "4",
        "GENERATION_GLOBAL_CONCURRENCY": "4",
    }


async def _wait_healthy(base: str, proc: subprocess.Popen, log: Path, timeout: float = 40.0) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=2) as probe:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"server {base} exited with {proc.returncode}:\n{log_tail(log)}")
            try:
                response = await probe.get(base + "/healthz")
                if response.status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"server {base} not healthy after {timeout:.0f} s:\n{log_tail(log)}")


async def _setup_round(base: str, other: str) -> list[int]:
    """~20 participants submit an edit each; wait until all are finished; open the vote."""
    import httpx

    from .burst import mask_url

    async with httpx.AsyncClient(base_url=base, timeout=30) as anon:
        snapshot = (await anon.get("/api/rooms/main")).json()
    seed = snapshot["round"]["seed"]
    mask = mask_url(seed["width"], seed["height"])
    authors = [httpx.AsyncClient(base_url=(base, other)[n % 2], timeout=60) for n in range(AUTHORS)]
    try:
        for n, client in enumerate(authors):
            response = await client.post("/api/session", json={"room": "main", "nickname": f"author{n}"})
            assert response.status_code == 201, response.text

        async def submit(n: int, client: httpx.AsyncClient) -> int:
            response = await client.post(
                "/api/rooms/main/submissions", json={"prompt": f"bench edit {n}", "mask": mask, "seed_id": seed["id"]}
            )
            assert response.status_code == 202, response.text
            return response.json()["image"]["id"]

        submitted = await asyncio.gather(*(submit(n, c) for n, c in enumerate(authors)))
    finally:
        for client in authors:
            await client.aclose()
    deadline = time.monotonic() + 90
    async with httpx.AsyncClient(base_url=base, timeout=30) as anon:
        while True:
            images = (await anon.get("/api/rooms/main")).json()["images"]
            status = {i["id"]: i["status"] for i in images if i["id"] in submitted}
            if len(status) == len(submitted) and all(s in ("done", "failed") for s in status.values()):
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"edits not finished after 90 s: {status}")
            await asyncio.sleep(0.3)
        done = sorted(i for i, s in status.items() if s == "done")
        if len(done) < 2:
            raise RuntimeError(f"only {len(done)} edits finished: {status}")
        response = await anon.post(
            "/api/host/rooms/main/phase",
            json={"from": "generate", "to": "vote"},
            headers={"Authorization": f"Bearer {FACILITATOR_TOKEN}"},
        )
        assert response.status_code == 200, response.text
    return done


def _take_warm(results: Any, warm: dict[int, dict[int, float]]) -> None:
    """Collect the warm-up reports that have arrived (without waiting)."""
    while True:
        try:
            message = results.get_nowait()
        except queue_mod.Empty:
            return
        if message[0] == "error":
            raise RuntimeError(f"client process {message[1]} failed: {message[2]}")
        if message[0] == "warm":
            warm.setdefault(message[2], {})[message[1]] = message[3]


async def _gather_messages(results: Any, kind: str, count: int, timeout: float) -> list[tuple]:
    got: list[tuple] = []
    deadline = time.monotonic() + timeout
    while len(got) < count:
        left = deadline - time.monotonic()
        if left <= 0:
            raise RuntimeError(f"client processes: {len(got)}/{count} reported {kind!r} in {timeout:.0f} s")
        try:
            message = await asyncio.to_thread(results.get, True, min(left, 1.0))
        except queue_mod.Empty:
            continue
        if message[0] == "error":
            raise RuntimeError(f"client process {message[1]} failed: {message[2]}")
        if message[0] == "warm":
            continue  # a late warm-up report
        if message[0] != kind:
            raise RuntimeError(f"client process {message[1]} sent {message[0]!r}, expected {kind!r}")
        got.append(message)
    return got


async def _check_database(database_url: str, votes: list[tuple]) -> dict[str, Any]:
    """Counters equal a recount; the votes table equals a replay of acknowledged votes."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            counters = {
                row[0]: (int(row[1]), int(row[2]))
                for row in await conn.execute(text("SELECT id, up_count, down_count FROM images"))
            }
            recount = {
                row[0]: (int(row[1] or 0), int(row[2] or 0))
                for row in await conn.execute(
                    text("SELECT image_id, SUM(value = 1), SUM(value = -1) FROM votes GROUP BY image_id")
                )
            }
            rows = {(row[0], row[1]): int(row[2]) for row in await conn.execute(text("SELECT user_id, image_id, value FROM votes"))}
    finally:
        await engine.dispose()

    # Replay: one vote in flight per client, so acknowledgement order is send order.
    expected: dict[tuple[int, int], int] = {}
    maybe: dict[tuple[int, int], set[int]] = {}  # values of votes whose acknowledgement never came
    numeric = {"up": 1, "down": -1, "none": 0}
    for _gid, user_id, image_id, value, _sent, _acked, _seq, status in sorted(votes, key=lambda v: (v[0], v[5])):
        key = (user_id, image_id)
        if status == "ok":
            expected[key] = numeric[value]
        elif status.startswith("timeout"):
            maybe.setdefault(key, set()).add(numeric[value])
    lost = unexplained = 0
    for key in set(expected) | set(rows) | set(maybe):
        actual, wanted = rows.get(key, 0), expected.get(key, 0)
        if actual == wanted or actual in maybe.get(key, ()):
            continue  # explained by the last acknowledged vote, or by one whose ack never came
        if wanted != 0:
            lost += 1  # an acknowledged final vote missing or different
        else:
            unexplained += 1  # a row that no acknowledged vote explains
    counter_drift = sum(
        abs(counters.get(i, (0, 0))[0] - recount.get(i, (0, 0))[0]) + abs(counters.get(i, (0, 0))[1] - recount.get(i, (0, 0))[1])
        for i in set(counters) | set(recount)
    )
    return {
        "lost_votes": lost,
        "double_votes": unexplained + counter_drift,
        "unexplained_rows": unexplained,
        "counter_drift": counter_drift,
        "vote_rows": len(rows),
        "expected_rows": sum(1 for v in expected.values() if v != 0),
        "ambiguous_pairs": len(maybe),
    }


async def run(quick: bool | None = None) -> dict[str, Any]:
    """The whole measurement; returns its figures (see report())."""
    if quick is None:
        quick = os.environ.get("BENCH_QUICK", "") not in ("", "0", "false") or "--quick" in sys.argv
    clients = 200 if quick else CLIENTS
    duration = 5.0 if quick else DURATION_S
    target_rate = TARGET_VOTES_PER_S * clients / CLIENTS
    # Overrides for experiments (the figures of `make bench` use the defaults above).
    clients = int(os.environ.get("BENCH_VOTES_CLIENTS", clients))
    duration = float(os.environ.get("BENCH_VOTES_DURATION", duration))
    target_rate = float(os.environ.get("BENCH_VOTES_RATE", target_rate))
    nofile = raise_nofile()
    channel = f"ppw-bench-votes-{secrets.token_hex(4)}"
    servers: list[subprocess.Popen] = []
    workers: list[Any] = []
    logs: list[Path] = []
    figures: dict[str, Any] = {"quick": quick, "clients": clients, "duration_s": duration, "target_votes_per_s": target_rate}
    run_started = time.monotonic()
    async with throwaway_mariadb() as database_url:
        if not database_url:
            raise RuntimeError("the votes benchmark needs MariaDB at 127.0.0.1:3306")
        with tempfile.TemporaryDirectory(prefix="ppw-bench-votes-") as tmp:
            var_dir = Path(tmp) / "var"
            var_dir.mkdir()
            ctx = mp.get_context("spawn")
            results = ctx.Queue()
            commands = [ctx.Queue() for _ in range(CLIENT_PROCESSES)]
            finished = False
            try:
                # Servers
                ports = [free_port() for _ in range(SERVERS)]
                bases = [f"http://127.0.0.1:{p}" for p in ports]
                for n, port in enumerate(ports):
                    log = Path(tmp) / f"server{n}.log"
                    logs.append(log)
                    servers.append(
                        subprocess.Popen(  # noqa: ASYNC220 - starting two servers, once
                            [sys.executable, "-m", "hypercorn", "pixelpatchwork.asgi:app", "--worker-class", "uvloop", "--bind", f"127.0.0.1:{port}"],
                            cwd=ROOT, env=_server_env(database_url, channel, var_dir, worker=(n == 0)),
                            stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
                        )
                    )
                for base, proc, log in zip(bases, servers, logs):
                    await _wait_healthy(base, proc, log)
                images = await _setup_round(bases[0], bases[1])
                figures["images"] = len(images)
                figures["setup_s"] = round(time.monotonic() - run_started, 1)

                # Client processes: sessions first
                gids = list(range(clients))
                share = [gids[w::CLIENT_PROCESSES] for w in range(CLIENT_PROCESSES)]
                seed = random.randrange(1 << 30)
                for w in range(CLIENT_PROCESSES):
                    config = {"bases": bases, "gids": share[w], "prefix": "v", "seed": seed}
                    proc = ctx.Process(target=worker_main, args=(w, config, commands[w], results), daemon=True)
                    proc.start()
                    workers.append(proc)
                await _gather_messages(results, "sessions", CLIENT_PROCESSES, 90)

                # Memory around connecting and joining
                await asyncio.sleep(1.0)
                rss_before = sum(tree_rss_kib(p.pid) for p in servers)
                connect_started = time.monotonic()
                for q in commands:
                    q.put(("connect",))
                joined_msgs = await _gather_messages(results, "joined", CLIENT_PROCESSES, 120)
                figures["connect_s"] = round(time.monotonic() - connect_started, 1)
                joined = sum(m[2] for m in joined_msgs)
                figures["joined"] = joined
                figures["join_failures"] = sum(m[4] for m in joined_msgs)
                figures["join_failure_samples"] = [s for m in joined_msgs for s in m[3]][:3]
                figures["connect_join_p99_ms"] = round(max(m[5] for m in joined_msgs) * 1000, 1)
                await asyncio.sleep(1.0)
                rss_after = sum(tree_rss_kib(p.pid) for p in servers)
                figures["server_rss_before_mib"] = round(rss_before / 1024, 1)
                figures["server_rss_after_mib"] = round(rss_after / 1024, 1)
                figures["kib_per_connection"] = round((rss_after - rss_before) / max(joined, 1), 1)

                # A spectator on each process: tally sizes (for the floor's payload) and pings
                # (to see when the servers are quiet again after the voting).
                import socketio

                sizer = TallySizer()
                probes = []
                for base in bases:
                    probe = socketio.AsyncClient(reconnection=False)
                    probe.on("tally", sizer.on_tally)
                    await probe.connect(base, transports=["websocket"], wait_timeout=30)
                    await probe.call("room:join", {"room": "main"}, timeout=30)
                    probes.append(probe)

                # Voting
                start = time.time() + 1.5
                end = start + duration
                per_client_rate = target_rate / max(joined, 1)
                for q in commands:
                    q.put(("vote", start, end, per_client_rate, images))
                groups = {
                    "servers": [p for s in servers for p in tree_pids(s.pid)],
                    "client processes": [w.pid for w in workers],
                    "mariadb": pids_named("mariadbd", "mysqld"),
                    "redis": pids_named("redis-server"),
                }
                await asyncio.sleep(max(0.0, start - time.time()))
                cpu_start = {k: cpu_seconds(v) for k, v in groups.items()}
                busy_start = machine_busy_s()
                manager = socketio.AsyncRedisManager(REDIS_URL, channel=channel, write_only=True)

                def floor_payload(idx: int) -> dict[str, Any]:
                    sizes = sorted(sizer.sizes)
                    size = sizes[len(sizes) // 2] if sizes else 1000
                    payload = {"idx": idx, "sent_at": time.time(), "pad": ""}
                    payload["pad"] = "x" * max(0, size - len(json.dumps(payload, separators=(",", ":"))))
                    return payload

                # The floor under load: the same plain broadcast, once a second during the vote.
                loaded_sent_at: dict[int, float] = {}
                await asyncio.sleep(LOADED_FLOOR_START_S)
                while time.time() < end - 1.0:
                    payload = floor_payload(LOADED_FLOOR_BASE + len(loaded_sent_at))
                    loaded_sent_at[payload["idx"]] = payload["sent_at"]
                    await manager.emit("bench:floor", payload, room="room:main", namespace="/")
                    await asyncio.sleep(LOADED_FLOOR_GAP_S)
                await asyncio.sleep(max(0.0, end - time.time()))
                busy = {k: round((cpu_seconds(v) - cpu_start[k]) / duration, 2) for k, v in groups.items()}
                busy["whole machine"] = round((machine_busy_s() - busy_start) / duration, 2)
                busy["other processes"] = round(busy["whole machine"] - sum(busy[k] for k in groups), 2)
                figures["cpu_cores_busy"] = busy
                figures["cpu_cores"] = os.cpu_count()
                await _gather_messages(results, "voted", CLIENT_PROCESSES, VOTE_TIMEOUT_S + 60)
                sizes = sorted(sizer.sizes)
                figures["tally_event_bytes"] = sizes[len(sizes) // 2] if sizes else 1000

                # Let the last tallies propagate and the backlog drain, so that the floor is
                # measured on a quiet system: no tally event for 1.5 s, both servers answering a
                # ping within 50 ms three times in a row, and the last three warm-up broadcasts
                # (every 0.3 s, tally-sized) each reaching every client within 100 ms. At most 45 s.
                quiet_started = time.monotonic()
                warm: dict[int, dict[int, float]] = {}
                warm_sent: dict[int, float] = {}
                fast = 0
                quiet = False
                while not quiet and time.monotonic() - quiet_started < 45:
                    idx = -(len(warm_sent) + 1)
                    payload = floor_payload(idx)
                    warm_sent[idx] = payload["sent_at"]
                    await manager.emit("bench:floor", payload, room="room:main", namespace="/")
                    pings = []
                    for probe in probes:
                        sent = time.time()
                        try:
                            await probe.call("time:ping", {"client_time": int(sent * 1000)}, timeout=5)
                            pings.append(time.time() - sent)
                        except Exception:  # noqa: BLE001 - a slow server is not quiet yet
                            pings.append(5.0)
                    fast = fast + 1 if max(pings) < 0.05 else 0
                    await asyncio.sleep(0.3)
                    _take_warm(results, warm)
                    previous = [-(n) for n in range(len(warm_sent) - 1, len(warm_sent) - 4, -1) if n >= 1]
                    warm_ok = len(previous) == 3 and all(
                        len(warm.get(i, {})) == CLIENT_PROCESSES and max(warm[i].values()) - warm_sent[i] < 0.1
                        for i in previous
                    )
                    quiet = fast >= 3 and warm_ok and time.time() - sizer.last >= 1.5
                figures["drain_s"] = round(time.monotonic() - quiet_started, 1)
                figures["quiet_before_floor"] = quiet
                figures["warmups"] = len(warm_sent)

                # The floor: a plain broadcast of a tally-sized event, same clients, processes, Redis.
                figures["tally_events_seen_by_probe"] = len(sizes)
                for probe in probes:
                    await probe.disconnect()
                sent_at: dict[int, float] = {}
                for idx in range(FLOOR_BROADCASTS):
                    payload = floor_payload(idx)
                    sent_at[idx] = payload["sent_at"]
                    await manager.emit("bench:floor", payload, room="room:main", namespace="/")
                    await asyncio.sleep(FLOOR_GAP_S)
                await asyncio.sleep(2.0)
                for q in commands:
                    q.put(("finish",))
                worker_results = [m[2] for m in await _gather_messages(results, "result", CLIENT_PROCESSES, 90)]
                finished = True
            finally:
                for proc in workers:
                    proc.join(timeout=25 if finished else 0.1)
                    if proc.is_alive():
                        proc.kill()
                        proc.join(5)
                for proc in servers:
                    kill_group(proc)
                figures["server_log_tail"] = [log_tail(log, 600) for log in logs]
                keep = os.environ.get("BENCH_VOTES_LOGS")
                if keep:
                    Path(keep).mkdir(parents=True, exist_ok=True)
                    for log in logs:
                        (Path(keep) / log.name).write_bytes(log.read_bytes())
            figures["server_rss_source"] = "VmRSS of each hypercorn process tree (parent + its serving child)"
        figures.update(_merge(worker_results, sent_at, start, end))
        figures.update(_floor(worker_results, loaded_sent_at, "floor"))
        figures.update(await _check_database(database_url, [v for r in worker_results for v in r["votes"]]))
    figures["nofile_limit"] = nofile[0]
    figures["total_s"] = round(time.monotonic() - run_started, 1)
    figures["targets"] = targets(figures)
    return figures


def _floor(worker_results: list[dict[str, Any]], sent_at: dict[int, float], name: str) -> dict[str, Any]:
    """Latency of the floor broadcasts `sent_at` (idx -> send time): the last client's arrival."""
    joined = sum(r["joined"] for r in worker_results)
    floor_ms: list[float] = []
    missing = 0
    for idx, sent in sent_at.items():
        arrivals = [a for a in (r["floor"].get(idx) for r in worker_results) if a]
        missing += joined - sum(a[1] for a in arrivals)
        if arrivals:
            floor_ms.append((max(a[0] for a in arrivals) - sent) * 1000)
    return {
        f"{name}_p50_ms": round(percentile(floor_ms, 50), 1),
        f"{name}_p99_ms": round(percentile(floor_ms, 99), 1),
        f"{name}_broadcasts": len(floor_ms),
        f"{name}_missing_deliveries": missing,
    }


def _merge(worker_results: list[dict[str, Any]], sent_at: dict[int, float], start: float, end: float) -> dict[str, Any]:
    votes = [v for r in worker_results for v in r["votes"]]
    ok = [v for v in votes if v[7] == "ok"]
    errors: dict[str, int] = {}
    for v in votes:
        if v[7] != "ok":
            errors[v[7]] = errors.get(v[7], 0) + 1
    last_ack = max((v[5] for v in ok), default=end)
    window = max(last_ack, end) - start if ok else end - start
    ack_ms = [(v[5] - v[4]) * 1000 for v in ok]

    # Tally propagation: latest first arrival over ALL clients of seq >= the ack's seq.
    images = set(worker_results[0]["best"]) if worker_results else set()
    latency_ms: list[float] = []
    missing = 0
    missing_samples: list[dict[str, Any]] = []
    for v in ok:
        image_id, seq, acked = v[2], v[6], v[5]
        latest = 0.0
        for r in worker_results:
            reach, arr = r["best"].get(image_id, (-1, []))
            if seq > reach or seq >= len(arr):
                latest = float("inf")
                break
            latest = max(latest, arr[seq])
        if latest == float("inf"):
            missing += 1
            if len(missing_samples) < 5:
                missing_samples.append(
                    {"image_id": image_id, "seq": seq, "acked_after_end_s": round(acked - end, 3),
                     "last_seqs": [r["last_seq"].get(image_id, [])[:4] for r in worker_results],
                     "top_seq": max(len(r["best"].get(image_id, (0, []))[1]) - 1 for r in worker_results)}
                )
        else:
            latency_ms.append((latest - acked) * 1000)

    joined = sum(r["joined"] for r in worker_results)
    timeline: list[int] = []
    for v in ok:
        bucket = int((v[5] - start) // 5)
        if bucket >= 0:
            timeline.extend([0] * (bucket + 1 - len(timeline)))
            timeline[bucket] += 1
    per_server: dict[str, int] = {}
    for r in worker_results:
        for base, n in r["per_server"].items():
            per_server[base] = per_server.get(base, 0) + n
    return {
        "clients_joined": joined,
        "clients_per_server": sorted(per_server.values()),
        "votes_sent": len(votes),
        "votes_acked": len(ok),
        "vote_errors": errors,
        "measured_s": round(window, 2),
        "votes_per_s": round(len(ok) / window, 1) if window > 0 else 0.0,
        "vote_ack_p50_ms": round(percentile(ack_ms, 50), 1),
        "vote_ack_p99_ms": round(percentile(ack_ms, 99), 1),
        "tally_p50_ms": round(percentile(latency_ms, 50), 1),
        "tally_p99_ms": round(percentile(latency_ms, 99), 1),
        "tally_max_ms": round(max(latency_ms), 1) if latency_ms else float("nan"),
        "tally_min_ms": round(min(latency_ms), 1) if latency_ms else float("nan"),
        "tally_missing": missing,
        "tally_missing_samples": missing_samples,
        **_floor(worker_results, sent_at, "floor_quiet"),
        "acks_per_5s": timeline,
        "client_disconnects": sum(r["disconnects"] for r in worker_results),
        "disconnect_reasons": _sum_counts(r["disconnect_reasons"] for r in worker_results),
        "disconnects_after_start_s": sorted({round(t - start) for r in worker_results for t in r["disconnect_times"]})[:20],
        "clients_dropped_mid_vote": sum(r["dropped"] for r in worker_results),
        "images_voted": len(images),
    }


def _sum_counts(dicts: Any) -> dict[str, int]:
    total: dict[str, int] = {}
    for d in dicts:
        for k, n in d.items():
            total[k] = total.get(k, 0) + n
    return total


def targets(f: dict[str, Any]) -> dict[str, bool]:
    floor = f.get("floor_p99_ms", float("nan"))
    tally = f.get("tally_p99_ms", float("nan"))
    return {
        "votes_per_s >= 500": f.get("votes_per_s", 0) >= TARGET_MIN_VOTES_PER_S,
        "tally p99 < 300 ms": tally < TARGET_TALLY_P99_MS and f.get("tally_missing", 1) == 0,
        "tally p99 < 3x floor p99": tally < TARGET_TALLY_FLOOR_RATIO * floor,
        "lost votes = 0": f.get("lost_votes", 1) == 0,
        "double votes = 0": f.get("double_votes", 1) == 0,
    }


def _finite(value: Any) -> Any:
    return None if isinstance(value, float) and math.isnan(value) else value


def summary(f: dict[str, Any]) -> dict[str, Any]:
    """The one-line JSON of `make bench` (NaN, for a figure that could not be measured, is null)."""
    return {
        "clients": f["clients_joined"],
        "votes_per_s": f["votes_per_s"],
        "vote_ack_p99_ms": f["vote_ack_p99_ms"],
        "tally_p50_ms": f["tally_p50_ms"],
        "tally_p99_ms": f["tally_p99_ms"],
        "floor_p99_ms": f["floor_p99_ms"],
        "floor_quiet_p99_ms": f["floor_quiet_p99_ms"],
        "lost_votes": f["lost_votes"],
        "double_votes": f["double_votes"],
        "kib_per_connection": f["kib_per_connection"],
    }


def summary_json(f: dict[str, Any]) -> str:
    return json.dumps({k: _finite(v) for k, v in summary(f).items()})


def report(f: dict[str, Any]) -> str:
    t = f["targets"]

    def met(key: str) -> str:
        return "met" if t[key] else "**not met**"

    errors = ", ".join(f"{code}: {n}" for code, n in sorted(f["vote_errors"].items())) or "none"
    cpu = f.get("cpu_cores_busy", {})
    cpu_text = ", ".join(f"{k} {v}" for k, v in cpu.items())
    quick = " (quick run: fewer clients, shorter)" if f.get("quick") else ""
    timeline = ", ".join(str(n) for n in f.get("acks_per_5s", []))
    return f"""## {f['clients']} live voters on two processes{quick}

{stamp()} on {machine()}; the load generator, MariaDB and Redis share the machine with
the servers (and with whatever else runs on it: see *CPU* below). Two hypercorn processes
(one also runs the generation worker) on a throwaway MariaDB database, Redis pub/sub
fan-out, `TALLY_WINDOW_MS={TALLY_WINDOW_MS}`, sealed voting off, `DATABASE_POOL_SIZE=20`.
{AUTHORS} participants submitted one edit each ({f['images']} finished and were voted on);
then {f['clients_joined']} Socket.IO clients (websocket, each its own participant) joined,
{' + '.join(str(n) for n in f['clients_per_server'])} per server process, owned by {CLIENT_PROCESSES}
client processes, and voted for {f['duration_s']:.0f} s at a target of {f['target_votes_per_s']:.0f} votes/s.

| figure | value | target | |
|---|---|---|---|
| votes acknowledged per second | {f['votes_per_s']} ({f['votes_acked']} of {f['votes_sent']} sent, in {f['measured_s']} s) | >= {TARGET_MIN_VOTES_PER_S:.0f} | {met('votes_per_s >= 500')} |
| vote acknowledgement p50 / p99 | {f['vote_ack_p50_ms']} / {f['vote_ack_p99_ms']} ms | | |
| tally propagation p50 / p99 (max) | {f['tally_p50_ms']} / {f['tally_p99_ms']} ms ({f['tally_max_ms']} ms) | p99 < {TARGET_TALLY_P99_MS:.0f} ms | {met('tally p99 < 300 ms')} |
| floor: plain broadcast during the vote, p50 / p99 | {f['floor_p50_ms']} / {f['floor_p99_ms']} ms ({f['floor_broadcasts']} broadcasts of {f['tally_event_bytes']} bytes) | tally p99 < 3x floor p99 | {met('tally p99 < 3x floor p99')} |
| floor on the quiet system after the vote, p50 / p99 | {f['floor_quiet_p50_ms']} / {f['floor_quiet_p99_ms']} ms ({f['floor_quiet_broadcasts']} broadcasts); tally p99 is {f['tally_p99_ms'] / max(f['floor_quiet_p99_ms'], 0.1):.1f}x this | | |
| lost votes | {f['lost_votes']} | 0 | {met('lost votes = 0')} |
| double votes | {f['double_votes']} ({f['unexplained_rows']} unexplained rows, {f['counter_drift']} counter drift) | 0 | {met('double votes = 0')} |
| server memory per connection | {f['kib_per_connection']} KiB ({f['server_rss_before_mib']} -> {f['server_rss_after_mib']} MiB, both processes) | | |
| votes refused or unanswered (10 s) | {errors} | 0 | |
| acknowledged votes per 5 s | {timeline} | | |
| votes without a complete tally; clients disconnected; floor deliveries missing | {f['tally_missing']}; {f['client_disconnects']}; {f['floor_missing_deliveries'] + f['floor_quiet_missing_deliveries']} | 0 | |
| CPU (cores busy during the vote) | {cpu_text} (of {f.get('cpu_cores')}) | | |

Method: each client process owns half the clients, half of them on each server; all
processes vote from one shared start time, each client at the same steady rate with a
random phase, one vote in flight per client (never faster than one per {MIN_CLIENT_GAP_S:.2f} s,
a vote unanswered after {VOTE_TIMEOUT_S:.0f} s is given up and its image left alone by that
client), on a random image, with a value other than its current one, so every vote changes
a tally (first votes, changes, withdrawals). For each acknowledged vote the benchmark keeps
the send and acknowledgement times (`time.time()`, one clock) and the acknowledged tally
`seq`; every client keeps, per image, the arrival time of each higher `seq` it received
(its join snapshot included). A vote's tally propagation latency is the latest, over all
{f['clients_joined']} clients, of the first arrival of a tally with seq >= the vote's seq,
minus the vote's acknowledgement (per client process first, then merged by maximum).
Throughput is acknowledged votes over the time from the start to the last acknowledgement.
The floor is a `bench:floor` event the size of a median tally event, emitted into the room's
Socket.IO room through the same Redis channel by a write-only `AsyncRedisManager` (a plain
python-socketio broadcast, delivered by the same two server processes to the same clients),
once a second during the vote ({LOADED_FLOOR_START_S:.0f} s after its start until 1 s before its end): the
floor under the same load as the tallies, which the ratio target uses. The same broadcast
is also measured on the quiet system after the voting ({FLOOR_BROADCASTS} broadcasts,
{FLOOR_GAP_S * 1000:.0f} ms apart, once there was no tally for 1.5 s, both servers answering a `time:ping` within 50 ms three times
in a row, and three warm-up broadcasts in a row reaching every client within 100 ms
(waited {f.get('drain_s')} s; quiet {'reached' if f.get('quiet_before_floor') else '**not reached** in 45 s'})). A floor broadcast's latency is the last
client's arrival minus the send time. The window alone delays a tally by up to
`TALLY_WINDOW_MS`, which is more than the quiet floor itself: against the quiet floor the
3x ratio cannot hold with any window of about 100 ms or more. Afterwards the servers are stopped and the database is checked: every
image's up/down counters against a recount of `votes`, and every (participant, image) row
against a replay of that participant's acknowledged votes in order (a vote whose answer never
came may or may not be stored; either is accepted); lost = acknowledged final votes missing or
different, double = rows no acknowledged vote explains plus counter drift. Memory is VmRSS
of both server process trees before connecting and after every client joined, divided by
the clients joined. The whole run, setup included, took {f['total_s']} s.
"""


def main() -> None:
    figures = asyncio.run(run())
    write_section("votes", report(figures))
    for key, value in figures.items():
        if key != "server_log_tail":
            print(f"{key}: {value}")
    print(summary_json(figures), flush=True)


if __name__ == "__main__":
    main()
