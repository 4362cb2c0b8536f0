"""Redis crashed and restarted under vote load: votes keep being recorded, every process hears
the room channel again afterwards, screens resync, and /healthz reports the outage."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import Any

import pytest

from .conftest import SLOW, AppProcess, Figures, PrivateRedis
from .harness import (
    LOAD_ENV,
    Balancer,
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

pytestmark = [pytest.mark.mariadb, pytest.mark.redis, *SLOW]

VOTERS = 16
ENTRIES = 3
STEADY_S = 3.0
# (signal, seconds down): a crash long enough for every subscription to be reported deaf and
# restarted, then a clean stop shorter than the deaf threshold (3 x REDIS_HEARTBEAT_S = 1.5 s).
OUTAGES = ((signal.SIGKILL, 6.0), (signal.SIGTERM, 1.0))


async def watch_health(base: str, stop: asyncio.Event, seen: list[tuple[float, int, dict[str, Any]]]) -> None:
    """Poll /healthz until `stop`, recording (when, status, redis check)."""
    while not stop.is_set():
        status, body = await health(base)
        seen.append((now(), status, body.get("checks", {}).get("redis", {})))
        await asyncio.sleep(0.1)


async def test_redis_crash_and_restart_under_vote_load(
    stack_env: dict[str, str], private_redis: PrivateRedis, processes: list[AppProcess], figures: Figures, tmp_path: Path
) -> None:
    """Two servers and a worker share a private Redis, which goes away while participants
    vote (SIGKILL for 6 s, then SIGTERM for 1 s) and comes back empty. Votes are acknowledged
    throughout (the database, not Redis, records them) and none is lost; /healthz on both
    servers reports the long outage while it lasts; after each outage every server's screens
    receive tally events again (no process is left deaf) and a resync shows each participant
    their acknowledged votes."""
    env = {**stack_env, **LOAD_ENV, "REDIS_URL": private_redis.url, "WORKER_IN_PROCESS": "false",
           "ENTRIES_PER_ROUND": str(ENTRIES)}
    a, b = AppProcess.server("server-a", env, tmp_path), AppProcess.server("server-b", env, tmp_path)
    worker = AppProcess.worker("worker", env, tmp_path)
    processes.extend([a, b, worker])
    for process in processes:
        process.start()
    await asyncio.gather(a.wait_ready(), b.wait_ready())
    servers = [a.base, b.base]
    names = {a.base: a.name, b.base: b.name}

    images = await entries_ready(a.base, ENTRIES)
    assert (await move_phase(b.base, "generate", "vote")).status_code == 200
    voters = await make_voters(VOTERS, servers, Balancer(servers), images)
    load = VoteLoad(voters)
    began = now()
    load.start()
    outages = []
    try:
        for sig, down_s in OUTAGES:
            await asyncio.sleep(STEADY_S)
            for base in servers:
                status, body = await health(base)
                assert status == 200 and body["checks"]["redis"]["subscription"] == "live", body
            watched: dict[str, list[tuple[float, int, dict[str, Any]]]] = {base: [] for base in servers}
            watching = asyncio.Event()
            watchers = [asyncio.create_task(watch_health(base, watching, watched[base])) for base in servers]
            in_flight = load.in_flight()
            killed_at = now()
            await asyncio.to_thread(private_redis.kill, sig)
            await asyncio.sleep(down_s)
            acked_during = load.count("acked", since=killed_at)
            await asyncio.to_thread(private_redis.start)
            restarted_at = now()  # Redis answers PING again

            def healthy_again(base: str, seen: dict[str, list[Any]] = watched, since: float = restarted_at) -> float | None:
                return next((t for t, status, redis in seen[base] if t > since and status == 200
                             and redis.get("subscription") == "live"), None)

            def heard_again(voter: Any, since: float = restarted_at) -> float | None:
                return next((t for t, event, _ in voter.events if event == "tally" and t > since), None)

            try:
                await load.until(lambda: all(healthy_again(base) for base in servers), 60, "/healthz 200 on every server")
                await load.until(lambda: all(heard_again(voter) for voter in voters), 60, "tally events on every screen")
            finally:
                watching.set()
                await asyncio.gather(*watchers)
            # Screens missed events while Redis was away: each asks for a fresh snapshot.
            await asyncio.gather(*(voter.sync() for voter in voters))
            reported = {
                base: next((t - killed_at for t, status, redis in watched[base]
                            if killed_at < t < restarted_at and status == 503 and redis.get("ok") is False), None)
                for base in servers
            }
            heard = {base: max(heard_again(v) for v in voters if v.server == base) - restarted_at for base in servers}  # type: ignore[operator]
            healthy = {base: healthy_again(base) - restarted_at for base in servers}  # type: ignore[operator]
            outages.append({
                "signal": signal.Signals(sig).name, "down_s": down_s, "votes_in_flight": in_flight,
                "votes_acked_while_down": acked_during,
                "outage_reported_after_s": {names[k]: seconds(v) for k, v in reported.items()},
                "healthy_after_restart_s": {names[k]: seconds(v) for k, v in healthy.items()},
                "fanout_after_restart_s": {names[k]: seconds(v) for k, v in heard.items()},
                "recovery_s": seconds(max(max(heard.values()), max(healthy.values()))),
            })
        await asyncio.sleep(1.0)
    finally:
        await load.stop()
    duration = now() - began

    await asyncio.sleep(0.5)
    snapshots = await asyncio.gather(*(voter.sync() for voter in voters))
    db = await stored(stack_env["DATABASE_URL"])
    result = compare(voters, db)
    resyncs = [r for voter in voters for r in voter.resyncs]
    bad_resyncs = [r for r in resyncs if not r["version_ok"] or r["my_votes_mismatched"]]
    counts = outcome_counts(load.ops)
    shown = {image["id"]: (image["tally"]["up"], image["tally"]["down"]) for image in snapshots[0]["images"]}
    restarts = {}
    for base in servers:
        _status, body = await health(base)
        restarts[names[base]] = body["checks"]["redis"]["restarts"]
    for voter in voters:
        await voter.close()

    figures.note(
        fault="Redis stopped (SIGKILL, then SIGTERM) and restarted empty under vote load",
        injected=f"the private redis-server killed for {OUTAGES[0][1]:.0f} s, later stopped for {OUTAGES[1][1]:.0f} s, "
                 f"while {VOTERS} participants vote on two servers",
        injections=len(outages),
        operations=counts,
        votes_per_s=round(counts.get("acked", 0) / duration, 1),
        in_flight_at_fault=[o["votes_in_flight"] for o in outages],
        acknowledged_lost=len(result["lost"]),
        refused_but_written=len(result["refused_written"]),
        counter_mismatches=len(db.counter_mismatches()),
        bad_resyncs=len(bad_resyncs),
        bad_resync_examples=bad_resyncs[:3],
        subscription_restarts=restarts,
        recovery_s=max(o["recovery_s"] for o in outages),
        recovery_measure="Redis back -> /healthz 200 with a live subscription and a tally event on every screen of every server",
        outages=outages,
    )
    long_outage = outages[0]["outage_reported_after_s"]
    assert all(v is not None for v in long_outage.values()), f"/healthz did not report the outage: {outages}"
    assert all(o["votes_acked_while_down"] > 0 for o in outages), outages
    assert not result["lost"], result["lost"]
    assert not result["refused_written"], result["refused_written"]
    assert not db.counter_mismatches(), db.counter_mismatches()
    assert not bad_resyncs, bad_resyncs
    assert shown == {i: db.counters[i][:2] for i in images}
    assert set(counts) <= {"acked"}, f"a Redis outage refused or dropped votes: {counts}"
