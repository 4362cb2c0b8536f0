"""Vote load for fault tests: participants who vote continuously over Socket.IO, reconnect
through a load balancer when their server goes away, resync, and keep a log of every vote
and its answer, plus the checks that compare that log with what the database holds."""

from __future__ import annotations

import asyncio
import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx
import socketio
from pixelpatchwork.db.models import Image, Room, Round, Vote, VoteEvent
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from tests.factories import HOST
from tests.live import Screen

VALUES = {"up": 1, "down": -1, "none": 0}
ACK_TIMEOUT_S = 30.0
# Every test participant votes from 127.0.0.1: lift the per-participant and per-address vote
# limits so the load is all real votes, not rate-limit refusals.
LOAD_ENV = {"VOTES_PER_SECOND": "100", "VOTES_PER_ADDRESS_PER_SECOND": "100000", "OPENAI_PARTIAL_IMAGES": "0",
            "REDIS_HEARTBEAT_S": "0.5"}


def now() -> float:
    return time.monotonic()


@dataclass
class Op:
    """One vote as a participant sent it, and what came back."""

    user_id: int
    image_id: int
    value: str
    server: str
    sent: float
    done: float | None = None
    outcome: str = "pending"  # acked | refused | in_doubt (no answer: connection lost or timed out)
    code: str | None = None

    @property
    def number(self) -> int:
        return VALUES[self.value]


class Balancer:
    """Sends a (re)connecting screen to its preferred server first, then to the others, as a
    load balancer does when a server stops accepting connections."""

    def __init__(self, bases: Iterable[str]) -> None:
        self.bases = list(bases)

    def order(self, preferred: str) -> list[str]:
        if preferred not in self.bases:
            return list(self.bases)
        start = self.bases.index(preferred)
        return self.bases[start:] + self.bases[:start]


class Voter:
    """A participant's phone: joined once over HTTP, then a Socket.IO connection that votes,
    and reconnects (to whichever server accepts it) and resyncs when the connection drops."""

    def __init__(self, nickname: str, home: str, balancer: Balancer, rng: random.Random) -> None:
        self.nickname = nickname
        self.home = home
        self.balancer = balancer
        self.rng = rng
        self.cookie = ""
        self.user_id = 0
        self.sio: socketio.AsyncClient | None = None
        self.server: str | None = None
        self.dropped = asyncio.Event()
        self.dropped_at: float | None = None
        self.ops: list[Op] = []
        self.pending: Op | None = None
        self.last_version = -1
        self.events: list[tuple[float, str, dict[str, Any]]] = []
        self.resyncs: list[dict[str, Any]] = []
        self.images: list[int] = []

    async def join(self) -> None:
        async with httpx.AsyncClient(base_url=self.home, timeout=30) as http:
            response = await http.post("/api/session", json={"room": "main", "nickname": self.nickname})
            assert response.status_code == 201, response.text
            self.user_id = response.json()["me"]["id"]
            self.cookie = "; ".join(f"{name}={value}" for name, value in http.cookies.items())

    @property
    def connected(self) -> bool:
        return self.sio is not None and self.sio.connected and not self.dropped.is_set()

    async def connect(self, base: str) -> dict[str, Any]:
        """Connect to `base`, join the room and check the snapshot against what this screen
        knew: its version is not older, and its own votes are the ones it was told were counted."""
        await self.close()
        sio = socketio.AsyncClient(reconnection=False)
        dropped = asyncio.Event()

        @sio.on("*")
        async def _any(event: str, data: Any) -> None:
            if isinstance(data, dict):
                self.events.append((now(), event, data))
                if isinstance(data.get("version"), int):
                    self.last_version = max(self.last_version, data["version"])

        @sio.on("disconnect")
        async def _gone(*_args: Any) -> None:
            if not dropped.is_set():
                self.dropped_at = now()
            dropped.set()

        self.sio, self.dropped, self.server = sio, dropped, base
        await sio.connect(base, headers={"Cookie": self.cookie}, transports=["websocket"], wait_timeout=10)
        asked_at = now()
        ack = await self._call("room:join", {"room": "main"}, timeout=15)
        if not isinstance(ack, dict) or not ack.get("ok"):
            raise ConnectionError(f"room:join on {base} failed: {ack}")
        snapshot = ack["snapshot"]
        self.check_snapshot(snapshot, base, "join", asked_at)
        return snapshot

    def check_snapshot(self, snapshot: dict[str, Any], base: str, how: str, asked_at: float) -> dict[str, Any]:
        """Record a resync: version not older than the last one seen, own votes as acknowledged.

        The snapshot was read at some moment between `asked_at` and now: it may show the state
        at `asked_at` (where a vote still unanswered then may or may not count) or any vote
        sent since."""
        mine = snapshot.get("my_votes") or {}
        mismatched = []
        for image_id in {op.image_id for op in self.ops}:
            shown = VALUES[mine.get(str(image_id), "none")]
            allowed = self.possible(image_id, include_pending=True, before=asked_at) | {
                op.number for op in self.ops if op.image_id == image_id and op.sent >= asked_at
            }
            if shown not in allowed:
                mismatched.append({"image_id": image_id, "shown": shown, "possible": sorted(allowed)})
        record = {
            "at": now(), "server": base, "how": how, "version": snapshot["version"], "last_seen": self.last_version,
            "version_ok": snapshot["version"] >= self.last_version, "my_votes_mismatched": mismatched,
        }
        self.last_version = max(self.last_version, snapshot["version"])
        self.resyncs.append(record)
        return record

    async def sync(self) -> dict[str, Any]:
        """Ask for a fresh snapshot on the open connection (room:sync) and check it."""
        assert self.server is not None
        asked_at = now()
        ack = await self._call("room:sync", {"room": "main"}, timeout=15)
        assert isinstance(ack, dict) and ack.get("ok"), ack
        self.check_snapshot(ack["snapshot"], self.server, "sync", asked_at)
        return ack["snapshot"]

    async def _call(self, event: str, data: dict[str, Any], timeout: float) -> Any:
        """Emit and wait for the acknowledgement, or for the connection to drop (None)."""
        assert self.sio is not None
        call = asyncio.ensure_future(self.sio.call(event, data, timeout=timeout))
        gone = asyncio.ensure_future(self.dropped.wait())
        try:
            await asyncio.wait({call, gone}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            gone.cancel()
        if call.done():
            return call.result()
        call.cancel()
        return None

    async def cast(self, image_id: int, value: str) -> Op:
        assert self.server is not None
        op = Op(self.user_id, image_id, value, self.server, now())
        self.ops.append(op)
        self.pending = op
        try:
            ack = await self._call("vote:cast", {"image_id": image_id, "value": value}, timeout=ACK_TIMEOUT_S)
            if ack is None:
                op.outcome, op.code = "in_doubt", "disconnected"
            elif ack.get("ok"):
                op.outcome = "acked"
            else:
                op.outcome, op.code = "refused", ack["error"]["code"]
        except socketio.exceptions.TimeoutError:
            op.outcome, op.code = "in_doubt", "timeout"
        except socketio.exceptions.BadNamespaceError:
            op.outcome, op.code = "refused", "not_sent"  # the connection was already gone
        finally:
            op.done = now()
            self.pending = None
        return op

    async def reconnect(self, stop: asyncio.Event) -> None:
        """Connect again, to the home server if it accepts, otherwise to another one."""
        while not stop.is_set():
            for base in self.balancer.order(self.home):
                try:
                    await self.connect(base)
                    return
                except Exception:  # noqa: BLE001, S112 - that server is not taking connections; try the next
                    continue
            await asyncio.sleep(0.2)

    async def run(self, stop: asyncio.Event, think: tuple[float, float] = (0.02, 0.08)) -> None:
        """Vote on random entries with random values until `stop`; reconnect when dropped."""
        while not stop.is_set():
            if not self.connected:
                await self.reconnect(stop)
                continue
            op = await self.cast(self.rng.choice(self.images), self.rng.choice(list(VALUES)))
            pause = self.rng.uniform(*think)
            if op.outcome == "refused":
                pause += 0.2  # a refused vote: the client waits a little before the next
            await asyncio.sleep(pause)

    def possible(
        self, image_id: int, doubtful: Callable[[Op], bool] | None = None, include_pending: bool = False,
        before: float | None = None,
    ) -> set[int]:
        """The values this participant's vote on `image_id` may have in the database: the last
        acknowledged value, or any later vote that got no answer (or that `doubtful` names,
        or, with `include_pending`, that is still waiting for its answer). With `before`, as
        things stood at that moment: later votes ignored, votes answered later still pending."""
        state = {0}
        for op in self.ops:
            if op.image_id != image_id or (before is not None and op.sent >= before):
                continue
            outcome = "pending" if before is not None and (op.done is None or op.done >= before) else op.outcome
            if outcome == "acked":
                state = {op.number}
            elif outcome == "in_doubt" or (outcome == "pending" and include_pending) or (doubtful is not None and doubtful(op)):
                state = state | {op.number}
        return state

    async def close(self) -> None:
        if self.sio is not None:
            sio, self.sio = self.sio, None
            try:
                await asyncio.wait_for(sio.disconnect(), timeout=5)
            except Exception:  # noqa: BLE001, S110 - the server may be gone already
                pass


class VoteLoad:
    """Many voters spread over servers, voting continuously until stopped."""

    def __init__(self, voters: list[Voter]) -> None:
        self.voters = voters
        self.stop_event = asyncio.Event()
        self.tasks: list[asyncio.Task] = []

    def start(self) -> None:
        self.tasks = [asyncio.create_task(voter.run(self.stop_event), name=f"voter-{voter.nickname}") for voter in self.voters]

    async def stop(self) -> None:
        self.stop_event.set()
        await asyncio.wait_for(asyncio.gather(*self.tasks), timeout=ACK_TIMEOUT_S + 30)

    @property
    def ops(self) -> list[Op]:
        return [op for voter in self.voters for op in voter.ops]

    def in_flight(self, server: str | None = None) -> int:
        """Votes sent and not yet answered, on `server` or anywhere."""
        return sum(1 for voter in self.voters if voter.pending is not None and server in (None, voter.pending.server))

    def count(self, outcome: str, since: float = 0.0, until: float = float("inf"), server: str | None = None) -> int:
        return sum(
            1 for op in self.ops
            if op.outcome == outcome and since <= (op.done or 0) <= until and server in (None, op.server)
        )

    def first_ack_after(self, moment: float, voters: Iterable[Voter] | None = None, server: str | None = None) -> float | None:
        """When the first vote sent after `moment` was acknowledged (by `voters`, on `server`)."""
        times = [
            op.done for voter in (voters or self.voters) for op in voter.ops
            if op.outcome == "acked" and op.sent >= moment and op.done is not None and server in (None, op.server)
        ]
        return min(times) if times else None

    async def until(self, condition: Callable[[], bool], timeout: float, what: str) -> float:
        """Wait until `condition()` holds while the load runs; returns when it did."""
        deadline = now() + timeout
        while not condition():
            if now() > deadline:
                raise AssertionError(f"timed out after {timeout} s waiting for {what}")
            await asyncio.sleep(0.05)
        return now()


async def make_voters(count: int, servers: list[str], balancer: Balancer, images: list[int], seed: int = 7) -> list[Voter]:
    """`count` participants, joined and connected, spread evenly over `servers`."""
    rng = random.Random(seed)
    voters = [Voter(f"Voter {n:02d}", servers[n % len(servers)], balancer, random.Random(rng.random())) for n in range(count)]
    await asyncio.gather(*(voter.join() for voter in voters))
    await asyncio.gather(*(voter.connect(voter.home) for voter in voters))
    for voter in voters:
        voter.images = list(images)
    return voters


# --- the room around the votes ------------------------------------------------------------


async def facilitator(base: str, path: str, body: dict[str, Any]) -> httpx.Response:
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        return await http.post(path, json=body, headers=HOST)


async def move_phase(base: str, from_phase: str, to_phase: str, duration_s: int | None = None) -> httpx.Response:
    return await facilitator(base, "/api/host/rooms/main/phase", {"from": from_phase, "to": to_phase, "duration_s": duration_s})


async def entries_ready(base: str, count: int, nickname: str = "Author", timeout: float = 60.0) -> list[int]:
    """An author submits `count` edits, waits for them to be generated and enters them all."""
    author = Screen(base)
    try:
        await author.join_as(nickname)
        snapshot = await author.connect()
        ids = []
        for n in range(count):
            response = await author.submit(snapshot, f"entry number {n}", (10 + 20 * n, 10, 60 + 20 * n, 80))
            assert response.status_code == 202, response.text
            ids.append(response.json()["image"]["id"])
        for image_id in ids:
            done = await author.wait_for(
                "image:updated", lambda d, i=image_id: d["image"]["id"] == i and d["image"]["status"] in ("done", "failed"), timeout=timeout
            )
            assert done["image"]["status"] == "done", done["image"]["error"]
            await author.enter(image_id)
        return ids
    finally:
        await author.close()


async def health(base: str, timeout: float = 15.0) -> tuple[int, dict[str, Any]]:
    """GET /healthz: (status, body), or (0, {}) when the server does not answer."""
    try:
        async with httpx.AsyncClient(timeout=timeout) as http:
            response = await http.get(base + "/healthz")
        return response.status_code, response.json()
    except (httpx.TransportError, ValueError):
        return 0, {}


# --- the database, recounted ---------------------------------------------------------------


@dataclass
class Stored:
    """What the database holds after a test: votes, counters, recounts and history rows."""

    votes: dict[tuple[int, int], int] = field(default_factory=dict)  # (user, image) -> value
    counters: dict[int, tuple[int, int, int]] = field(default_factory=dict)  # image -> up, down, seq
    recount: dict[int, tuple[int, int]] = field(default_factory=dict)
    history: dict[int, int] = field(default_factory=dict)  # image -> vote events
    rounds: list[tuple[int, str]] = field(default_factory=list)
    version: int = 0

    def counter_mismatches(self) -> list[dict[str, Any]]:
        """Images whose counters differ from a recount of their votes or of their history."""
        wrong = []
        for image_id, (up, down, seq) in self.counters.items():
            if (up, down) != self.recount.get(image_id, (0, 0)) or seq != self.history.get(image_id, 0):
                wrong.append({"image_id": image_id, "counters": (up, down, seq), "recount": self.recount.get(image_id),
                              "history": self.history.get(image_id, 0)})
        return wrong


async def stored(database_url: str) -> Stored:
    engine = create_async_engine(database_url)
    found = Stored()
    try:
        async with engine.connect() as conn:
            for user_id, image_id, value in await conn.execute(select(Vote.user_id, Vote.image_id, Vote.value)):
                found.votes[(user_id, image_id)] = value
            rows = await conn.execute(select(Image.id, Image.up_count, Image.down_count, Image.tally_seq).where(Image.kind == "edit"))
            for image_id, up, down, seq in rows:
                found.counters[image_id] = (up, down, seq)
                found.recount[image_id] = (
                    sum(1 for (_, i), v in found.votes.items() if i == image_id and v == 1),
                    sum(1 for (_, i), v in found.votes.items() if i == image_id and v == -1),
                )
            for image_id, events in await conn.execute(select(VoteEvent.image_id, func.count()).group_by(VoteEvent.image_id)):
                found.history[image_id] = events
            found.rounds = [(n, p) for n, p in await conn.execute(select(Round.number, Round.phase).order_by(Round.number))]
            found.version = int(await conn.scalar(select(Room.version).where(Room.slug == "main")) or 0)
    finally:
        await engine.dispose()
    return found


def compare(voters: list[Voter], db: Stored, doubtful: Callable[[Op], bool] | None = None) -> dict[str, Any]:
    """Replay every participant's votes against the database.

    An acknowledged vote must be there unless a later vote replaced it; a vote that got no
    answer may or may not be there; a refused vote must not be (unless `doubtful` says its
    outcome cannot be known, e.g. refused because the database died during its commit)."""
    lost: list[dict[str, Any]] = []
    refused_written: list[dict[str, Any]] = []
    pairs = 0
    doubt_stored = 0
    for voter in voters:
        by_image: dict[int, list[Op]] = defaultdict(list)
        for op in voter.ops:
            by_image[op.image_id].append(op)
        for image_id, ops in by_image.items():
            pairs += 1
            value = db.votes.get((voter.user_id, image_id), 0)
            allowed = voter.possible(image_id, doubtful)
            acked = [op for op in ops if op.outcome == "acked"]
            if value in allowed:
                if acked and value != acked[-1].number:
                    doubt_stored += 1
                continue
            later = ops[ops.index(acked[-1]) + 1:] if acked else ops
            if any(op.outcome == "refused" and op.number == value for op in later):
                refused_written.append({"user_id": voter.user_id, "image_id": image_id, "stored": value})
            else:
                lost.append({"user_id": voter.user_id, "image_id": image_id, "stored": value, "allowed": sorted(allowed)})
    return {"pairs": pairs, "lost": lost, "refused_written": refused_written, "in_doubt_stored": doubt_stored}


def outcome_counts(ops: list[Op]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for op in ops:
        counts[op.outcome] += 1
        if op.code:
            counts[f"{op.outcome}:{op.code}"] += 1
    return dict(sorted(counts.items()))


def seconds(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
