"""A burst of 200 submissions at the start of a phase, with a provider that takes 2 s.

200 participants submit at once through the HTTP API of a real server; a spectator's
Socket.IO connection records every event. For each concurrency N (worker slots and the
global limit), it reports the time until every edit is done, the latency of the first
progress event each author's screen receives, how long edits wait in the queue, and
whether any job was lost.
"""

from __future__ import annotations

import asyncio
import base64
import io
import tempfile
import time
from pathlib import Path

import httpx
import socketio
from PIL import Image

from pixelpatchwork.app import create_app
from pixelpatchwork.db.migrate import upgrade
from pixelpatchwork.settings import Settings

from .common import TimedProvider, machine, percentile, stamp, throwaway_mariadb, write_section

SUBMISSIONS = 200
PROVIDER_SECONDS = 2.0
CONCURRENCY = (16, 64)


def mask_url(width: int, height: int) -> str:
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    image.paste((255, 255, 255, 255), (0, 0, width // 3, height // 3))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


async def one_burst(concurrency: int, database_url: str = "") -> dict:
    from tests.live import live_server  # the same in-loop hypercorn runner the tests use

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            _env_file=None, var_dir=Path(tmp), facilitator_token="bench", worker_concurrency=concurrency,
            database_url=database_url,
            generation_global_concurrency=concurrency, room_generations_per_minute=10_000, job_poll_s=0.1,
            # Every simulated participant shares the loopback address.
            joins_per_address_per_minute=100_000, generations_per_address_per_minute=100_000,
        )
        upgrade(settings.database_url)
        async with live_server(create_app(settings, TimedProvider(PROVIDER_SECONDS))) as base:
            first_event: dict[int, float] = {}
            started: dict[int, float] = {}
            finished: dict[int, float] = {}
            spectator = socketio.AsyncClient(reconnection=False)

            @spectator.on("image:progress")
            async def _progress(data: dict) -> None:
                now = time.perf_counter()
                first_event.setdefault(data["image_id"], now)
                if data["stage"] == "generating":
                    started.setdefault(data["image_id"], now)

            @spectator.on("image:updated")
            async def _updated(data: dict) -> None:
                now = time.perf_counter()
                image = data["image"]
                if image["status"] == "generating":
                    started.setdefault(image["id"], now)
                if image["status"] in ("done", "failed"):
                    finished[image["id"]] = now

            await spectator.connect(base, transports=["websocket"])
            snapshot = (await spectator.call("room:join", {"room": "main"}, timeout=30))["snapshot"]
            seed = snapshot["round"]["seed"]
            mask = mask_url(seed["width"], seed["height"])
            limits = httpx.Limits(max_connections=SUBMISSIONS)
            clients = [httpx.AsyncClient(base_url=base, limits=limits, timeout=60) for _ in range(SUBMISSIONS)]
            try:
                for n, client in enumerate(clients):
                    response = await client.post("/api/session", json={"room": "main", "nickname": f"p{n}"})
                    assert response.status_code == 201, response.text
                sent: dict[int, float] = {}

                async def submit(client: httpx.AsyncClient, n: int) -> None:
                    t0 = time.perf_counter()
                    response = await client.post(
                        "/api/rooms/main/submissions", json={"prompt": f"burst {n}", "mask": mask, "seed_id": seed["id"]}
                    )
                    assert response.status_code == 202, response.text
                    sent[response.json()["image"]["id"]] = t0

                burst_start = time.perf_counter()
                await asyncio.gather(*(submit(client, n) for n, client in enumerate(clients)))
                deadline = time.perf_counter() + SUBMISSIONS * PROVIDER_SECONDS / concurrency * 3 + 30
                while len(finished) < len(sent) and time.perf_counter() < deadline:
                    await asyncio.sleep(0.1)
                all_done_s = max(finished.values()) - burst_start
            finally:
                for client in clients:
                    await client.aclose()
                await spectator.disconnect()
    first_ms = [(first_event[i] - sent[i]) * 1000 for i in sent if i in first_event]
    wait_ms = [(started[i] - sent[i]) * 1000 for i in sent if i in started]
    return {
        "database": "MariaDB" if database_url else "SQLite",
        "concurrency": concurrency,
        "submissions": len(sent),
        "all_done_s": round(all_done_s, 2),
        "ideal_s": round(SUBMISSIONS * PROVIDER_SECONDS / concurrency, 2),
        "first_event_p50_ms": round(percentile(first_ms, 50), 1),
        "first_event_p99_ms": round(percentile(first_ms, 99), 1),
        "queue_wait_p99_s": round(percentile(wait_ms, 99) / 1000, 2),
        "lost_jobs": len(sent) - len(finished),
    }


async def run() -> list[dict]:
    """The burst on the embedded SQLite, and on MariaDB when it answers at 127.0.0.1:3306."""
    rows = [await one_burst(n) for n in CONCURRENCY]
    for n in CONCURRENCY:
        async with throwaway_mariadb() as url:
            if url:
                rows.append(await one_burst(n, url))
    return rows


def report(rows: list[dict]) -> str:
    lines = "\n".join(
        f"| {r['database']} | {r['concurrency']} | {r['submissions']} | {r['all_done_s']} s | {r['ideal_s']} s | "
        f"{r['first_event_p50_ms']} ms | {r['first_event_p99_ms']} ms | {r['queue_wait_p99_s']} s | {r['lost_jobs']} |"
        for r in rows
    )
    return f"""## Burst of {SUBMISSIONS} submissions (provider takes {PROVIDER_SECONDS:.0f} s)

{stamp()} on {machine()}; one server process (the load generator runs in the same
process and event loop), local media, in-process worker with N slots and a global limit of
N, on the embedded SQLite and on MariaDB. All {SUBMISSIONS} participants submit at the same moment.
*First event* is the time from sending the submission until the room's screens receive
that edit's first progress event (its queue position); *queue wait* is until it starts
generating. *Ideal* is {SUBMISSIONS} x {PROVIDER_SECONDS:.0f} s / N.

| database | N | submitted | all done | ideal | first event p50 | first event p99 | queue wait p99 | lost jobs |
|---|---|---|---|---|---|---|---|---|
{lines}
"""


if __name__ == "__main__":
    results = asyncio.run(run())
    write_section("burst", report(results))
    for row in results:
        print(row)
