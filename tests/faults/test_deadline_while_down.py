"""A phase deadline that passes while every server process is down: the phase changes exactly
once when they come back, however many processes race for it."""

from __future__ import annotations

import asyncio
import random
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from pixelpatchwork.db.models import Round
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from tests.factories import HOST

from .conftest import AppProcess, Figures
from .harness import Balancer, Voter, move_phase, now, seconds, stored

pytestmark = [pytest.mark.mariadb, pytest.mark.redis]

DEADLINE_S = 2


async def round_times(database_url: str, number: int) -> dict[str, datetime | None]:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            row = (await conn.execute(
                select(Round.phase, Round.vote_started_at, Round.closed_at).where(Round.number == number)
            )).one()
        return {"phase": row.phase, "vote_started_at": row.vote_started_at, "closed_at": row.closed_at}
    finally:
        await engine.dispose()


def wall(moment: datetime) -> float:
    """A naive UTC database time as a Unix timestamp."""
    return moment.replace(tzinfo=UTC).timestamp()


async def test_deadlines_that_pass_while_every_process_is_down_fire_once(
    stack_env: dict[str, str], processes: list[AppProcess], figures: Figures, tmp_path: Path
) -> None:
    """Both server processes (all the stack has: no separate worker) are SIGKILLed right after a
    facilitator gives the phase a short deadline; the deadline passes while nothing runs. When
    both start again at the same moment, both deadline clocks find the round overdue; the
    round moves on exactly once (one new round, the room's version up by exactly one), and
    the screens that reconnect see the new phase. Done twice: vote -> closed (a new round
    opens) and generate -> vote."""
    env = {**stack_env, "CLOCK_TICK_S": "0.05"}
    servers = [AppProcess.server("server-a", env, tmp_path), AppProcess.server("server-b", env, tmp_path)]
    processes.extend(servers)
    for server in servers:
        server.start()
    await asyncio.gather(*(server.wait_ready() for server in servers))
    bases = [server.base for server in servers]
    screens = [Voter(f"Screen {n}", base, Balancer(bases), random.Random(n)) for n, base in enumerate(bases)]
    for screen in screens:
        await screen.join()
        await screen.connect(screen.home)
    database_url = stack_env["DATABASE_URL"]

    async def give_deadline(cycle: int) -> float:
        """Set the deadline for this cycle's phase; returns it as a Unix timestamp."""
        if cycle == 0:
            response = await move_phase(bases[0], "generate", "vote", duration_s=DEADLINE_S)
        else:
            async with httpx.AsyncClient(timeout=30) as http:
                response = await http.post(bases[1] + "/api/host/rooms/main/extend", json={"seconds": DEADLINE_S}, headers=HOST)
        assert response.status_code == 200, response.text
        return response.json()["round"]["deadline"] / 1000.0

    cycles = [
        {"move": "vote -> closed", "round": 1, "field": "closed_at", "expect": [(1, "closed"), (2, "generate")]},
        {"move": "generate -> vote", "round": 2, "field": "vote_started_at", "expect": [(1, "closed"), (2, "vote")]},
    ]
    results = []
    for cycle, plan in enumerate(cycles):
        deadline = await give_deadline(cycle)
        version_before = (await stored(database_url)).version
        for server in servers:
            server.kill()
        down_at = time.time()
        assert down_at < deadline, "the processes were down before the deadline"
        await asyncio.sleep(max(0.0, deadline - time.time()) + 1.0)
        restarted_at = time.time()
        for server in servers:
            server.start()
        ready = await asyncio.gather(*(server.wait_ready() for server in servers))
        began = now()
        while (await round_times(database_url, plan["round"]))[plan["field"]] is None:
            assert now() - began < 60, f"the overdue deadline never fired ({plan['move']})"
            await asyncio.sleep(0.05)
        moved_at = wall((await round_times(database_url, plan["round"]))[plan["field"]])  # type: ignore[arg-type]
        await asyncio.sleep(1.5)  # both clocks tick about 30 more times each
        db = await stored(database_url)
        resynced = []
        for screen in screens:
            snapshot = await screen.connect(screen.home)  # the browser reconnects to its server
            resynced.append((snapshot["round"]["number"], snapshot["round"]["phase"], snapshot["version"]))
        results.append({
            "move": plan["move"], "rounds": db.rounds, "version_delta": db.version - version_before,
            "down_s": seconds(restarted_at - down_at), "overdue_at_restart_s": seconds(restarted_at - deadline),
            "process_start_s": seconds(max(ready)), "moved_after_restart_s": seconds(moved_at - restarted_at),
            "screens": resynced,
        })
        assert db.rounds == plan["expect"], results[-1]
        assert db.version == version_before + 1, results[-1]
        assert all(s[:2] == plan["expect"][-1] and s[2] == db.version for s in resynced), results[-1]
    bad_resyncs = [r for screen in screens for r in screen.resyncs if not r["version_ok"]]
    for screen in screens:
        await screen.close()

    figures.note(
        fault="phase deadline passes while every server process is down",
        injected=f"SIGKILL to both server processes right after a {DEADLINE_S} s deadline is set; both restarted 1 s after it passed",
        injections=len(results),
        operations={"phase_changes_due": len(results), "phase_changes_made": sum(r["version_delta"] for r in results)},
        in_flight_at_fault=[1 for _ in results],
        acknowledged_lost=sum(1 for r in results if r["version_delta"] < 1),  # a deadline the server accepted, never applied
        duplicate_changes=sum(r["version_delta"] - 1 for r in results),
        recovery_s=max(r["moved_after_restart_s"] for r in results),
        recovery_measure="both processes started -> the overdue phase change committed (process start-up included)",
        cycles=results,
    )
    assert not bad_resyncs, bad_resyncs
