"""MariaDB crashed and restarted: requests during the outage get a clear 503 and write nothing,
acknowledged votes survive the crash, and the servers' pools reconnect by themselves."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from pixelpatchwork.db.migrate import upgrade
from pixelpatchwork.db.models import Image, Job, User
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from tests.factories import HOST
from tests.live import Screen

from .conftest import AppProcess, Figures, PrivateMariaDB
from .harness import (
    LOAD_ENV,
    Balancer,
    Op,
    VoteLoad,
    compare,
    entries_ready,
    health,
    make_voters,
    move_phase,
    now,
    outcome_counts,
    seconds,
    stored,
)

pytestmark = [pytest.mark.mariadb, pytest.mark.redis]

VOTERS = 8
ENTRIES = 2
OUTAGE_S = 3.0


async def probe(name: str, request: Any) -> dict[str, Any]:
    """One request during the outage: its status, error code and how long the answer took."""
    began = now()
    response: httpx.Response = await request
    body = response.json()
    if "checks" in body:  # /healthz
        code = "database_down" if body["checks"]["database"]["ok"] is False else "database_up"
    else:
        code = body.get("error", {}).get("code")
    return {"request": name, "status": response.status_code, "code": code, "answered_in_s": seconds(now() - began)}


async def rows(database_url: str) -> dict[str, int]:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            return {model.__name__: int(await conn.scalar(select(func.count()).select_from(model)) or 0) for model in (User, Image, Job)}
    finally:
        await engine.dispose()


async def test_mariadb_crash_and_restart(
    stack_env: dict[str, str], private_mariadb: PrivateMariaDB, processes: list[AppProcess], figures: Figures, tmp_path: Path
) -> None:
    """Two servers and a worker on a private MariaDB, which is SIGKILLed while participants vote
    and started again on the same data a few seconds later. During the outage every HTTP
    request and socket event is answered at once with 503 / `database_unavailable`, and none
    of them leaves a row behind; every vote acknowledged before the crash is still counted
    after InnoDB's recovery; the servers and the worker serve again without being restarted."""
    database_url = private_mariadb.create_database("ppw")
    upgrade(database_url)
    env = {**stack_env, **LOAD_ENV, "DATABASE_URL": database_url, "WORKER_IN_PROCESS": "false",
           "ENTRIES_PER_ROUND": str(ENTRIES)}
    a, b = AppProcess.server("server-a", env, tmp_path), AppProcess.server("server-b", env, tmp_path)
    worker = AppProcess.worker("worker", env, tmp_path)
    processes.extend([a, b, worker])
    for process in processes:
        process.start()
    await asyncio.gather(a.wait_ready(), b.wait_ready())
    servers = [a.base, b.base]

    images = await entries_ready(a.base, ENTRIES)
    assert (await move_phase(b.base, "generate", "vote")).status_code == 200
    voters = await make_voters(VOTERS, servers, Balancer(servers), images)
    load = VoteLoad(voters)
    load.start()
    try:
        await asyncio.sleep(2.0)
        before = await rows(database_url)
        version_before = (await stored(database_url)).version
        in_flight = load.in_flight()
        crash_at = now()
        await asyncio.to_thread(private_mariadb.kill)
        dead_at = now()
        voter = voters[0]
        async with httpx.AsyncClient(base_url=a.base, timeout=30) as http_a, \
                httpx.AsyncClient(base_url=b.base, timeout=30, headers={"Cookie": voter.cookie}) as http_b:
            probes = await asyncio.gather(
                probe("POST /api/session", http_a.post("/api/session", json={"room": "main", "nickname": "Late Comer"})),
                probe("GET /api/rooms/main", http_b.get("/api/rooms/main")),
                probe("POST /api/rooms/main/votes", http_b.post("/api/rooms/main/votes", json={"image_id": images[0], "value": "up"})),
                probe("POST /api/host/rooms/main/phase", http_a.post(
                    "/api/host/rooms/main/phase", json={"from": "vote", "to": "closed"}, headers=HOST)),
                probe("GET /healthz (a)", http_a.get("/healthz")),
                probe("GET /healthz (b)", http_b.get("/healthz")),
            )
        sync_began = now()
        sync_ack = await voters[1]._call("room:sync", {"room": "main"}, timeout=30)
        probes.append({"request": "socket room:sync", "status": None, "code": sync_ack["error"]["code"],
                       "answered_in_s": seconds(now() - sync_began)})
        await asyncio.sleep(max(0.0, OUTAGE_S - (now() - crash_at)))
        refused_during = load.count("refused", since=dead_at)
        acked_during = load.count("acked", since=dead_at + 0.5)
        startup_s = await asyncio.to_thread(private_mariadb.start)  # the voters keep trying meanwhile
        back_at = now()

        def first_ack(base: str) -> float | None:
            return load.first_ack_after(back_at, server=base)

        await load.until(lambda: all(first_ack(base) for base in servers), 60, "a vote acknowledged on every server")
        recovered = {base: first_ack(base) - back_at for base in servers}  # type: ignore[operator]
        health_after = {base: await health(base) for base in servers}
        await asyncio.sleep(1.0)
    finally:
        await load.stop()

    # Nothing the refused requests asked for happened.
    after = await rows(database_url)
    db = await stored(database_url)
    assert db.rounds == [(1, "vote")] and db.version == version_before, (db.rounds, db.version, version_before)
    assert after == before, (before, after)

    def doubtful(op: Op) -> bool:
        # A vote whose batch was committing when the server died may have been written.
        return op.code == "database_unavailable" and op.sent < dead_at

    result = compare(voters, db, doubtful)
    await asyncio.gather(*(voter.sync() for voter in voters))
    resyncs = [r for v in voters for r in v.resyncs]
    bad_resyncs = [r for r in resyncs if not r["version_ok"] or r["my_votes_mismatched"]]
    counts = outcome_counts(load.ops)

    # The pools (servers and worker) reconnected by themselves: the nickname tried during the
    # outage is free, the round closes, and a new edit is generated and stored.
    late = Screen(a.base)
    try:
        joined = await late.http.post("/api/session", json={"room": "main", "nickname": "Late Comer"})
        assert joined.status_code == 201, joined.text
        assert (await move_phase(a.base, "vote", "closed")).status_code == 200
        snapshot = await late.connect()
        submitted = await late.submit(snapshot, "after the outage", (0, 0, 64, 64))
        assert submitted.status_code == 202, submitted.text
        image_id = submitted.json()["image"]["id"]
        done = await late.wait_for("image:updated", lambda d: d["image"]["id"] == image_id and d["image"]["status"] in ("done", "failed"), timeout=60)
        assert done["image"]["status"] == "done", done["image"]["error"]
    finally:
        await late.close()
        for voter in voters:
            await voter.close()

    figures.note(
        fault="MariaDB crashed (SIGKILL) and restarted on the same data",
        injected=f"SIGKILL to the private mariadbd for {OUTAGE_S:.0f} s (plus its crash recovery) while {VOTERS} participants vote on two servers",
        injections=1,
        operations=counts,
        in_flight_at_fault=[in_flight],
        refused_during_outage=refused_during,
        acked_during_outage=acked_during,
        probes=probes,
        acknowledged_lost=len(result["lost"]),
        refused_but_written=len(result["refused_written"]),
        unanswered_but_stored=result["in_doubt_stored"],
        counter_mismatches=len(db.counter_mismatches()),
        bad_resyncs=len(bad_resyncs),
        bad_resync_examples=bad_resyncs[:3],
        mariadb_restart_s=seconds(startup_s),
        recovery_s=seconds(max(recovered.values())),
        recovery_per_server_s={name: seconds(recovered[base]) for name, base in (("server-a", a.base), ("server-b", b.base))},
        recovery_measure="MariaDB answering again -> a vote acknowledged on every server (no process restarted)",
    )
    for found in probes:
        assert found["status"] in (503, None) and found["answered_in_s"] < 10, found
        assert found["code"] in ("database_unavailable", "database_down"), found
    assert refused_during > 0 and acked_during == 0, (refused_during, acked_during)
    assert not result["lost"], result["lost"]
    assert not result["refused_written"], result["refused_written"]
    assert not db.counter_mismatches(), db.counter_mismatches()
    assert not bad_resyncs, bad_resyncs
    assert all(status == 200 for status, _ in health_after.values()), health_after
    assert set(counts) <= {"acked", "refused", "refused:database_unavailable"}, counts
