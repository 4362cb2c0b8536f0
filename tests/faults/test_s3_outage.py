"""S3 unreachable: a submission is refused with a clear 503 and spends no quota, a generation
whose result cannot be stored fails cleanly with its quota refunded, the rest of the room
(joining, snapshots, votes) keeps working, and everything works again once S3 is back."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from pixelpatchwork.db.models import Image, Job
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from tests.live import Screen

from .conftest import AppProcess, Figures
from .harness import (
    LOAD_ENV,
    Balancer,
    VoteLoad,
    compare,
    entries_ready,
    health,
    make_voters,
    now,
    outcome_counts,
    seconds,
    stored,
)
from .link import TcpLink

pytestmark = [pytest.mark.mariadb, pytest.mark.redis]


async def painter_rows(database_url: str, author_id: int) -> dict[str, Any]:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            images = int(await conn.scalar(select(func.count()).select_from(Image).where(Image.author_id == author_id)) or 0)
            jobs = [(j.status, j.attempts) for j in await conn.execute(
                select(Job.status, Job.attempts).join(Image, Image.id == Job.image_id).where(Image.author_id == author_id).order_by(Job.id)
            )]
        return {"images": images, "jobs": jobs}
    finally:
        await engine.dispose()


async def quota_used(screen: Screen) -> int:
    ack = await screen.sio.call("room:sync", {"room": "main"}, timeout=15)
    return ack["snapshot"]["quota"]["generations_used"]


async def test_s3_unreachable_submissions_and_generations_fail_cleanly(
    stack_env: dict[str, str], s3: Any, s3_link: TcpLink, fake_openai: Any, processes: list[AppProcess],
    figures: Figures, tmp_path: Path,
) -> None:
    """The server and the worker reach S3 through a link that the test cuts (connections
    refused, open ones reset) while a generation runs. The generation's result cannot be
    stored: the edit fails with a sentence for its author and its quota is given back. A
    submission made during the cut is refused with 503 `storage_unavailable` and leaves no
    row and no quota spent; /healthz reports the storage check failing; votes (allowed during
    the generate phase here) are acknowledged throughout. Once the link is back, health
    recovers and the next edit is generated and stored. (One attempt per job, to keep the test
    short: the S3 client's own retries already take about ten seconds per operation.)"""
    env = {**stack_env, **LOAD_ENV, "S3_ENDPOINT_URL": f"http://{s3_link.address}", "WORKER_IN_PROCESS": "false",
           "JOB_MAX_ATTEMPTS": "1", "VOTES_DURING_GENERATE": "true"}
    server, worker = AppProcess.server("server", env, tmp_path), AppProcess.worker("worker", env, tmp_path)
    processes.extend([server, worker])
    for process in processes:
        process.start()
    await server.wait_ready()
    database_url = stack_env["DATABASE_URL"]

    entry = await entries_ready(server.base, 1)
    voters = await make_voters(4, [server.base], Balancer([server.base]), entry)
    load = VoteLoad(voters)
    load.start()
    painter = Screen(server.base)
    painter.http.timeout = httpx.Timeout(60)
    try:
        me = await painter.join_as("Painter")
        snapshot = await painter.connect()
        fake_openai.delay = 1.5
        submitted = await painter.submit(snapshot, "a windmill", (20, 20, 120, 120))
        assert submitted.status_code == 202, submitted.text
        doomed = submitted.json()["image"]["id"]
        await painter.wait_for("image:updated", lambda d: d["image"]["id"] == doomed and d["image"]["status"] == "generating", timeout=30)

        s3_link.cut()
        cut_at = now()

        async def refused_submission() -> tuple[dict[str, Any], float]:
            response = await painter.submit(snapshot, "a lighthouse", (20, 20, 120, 120))
            return {"status": response.status_code, "code": response.json().get("error", {}).get("code")}, now() - cut_at

        (refused, refused_in), (health_status, health_body), failed = await asyncio.gather(
            refused_submission(), health(server.base, timeout=60),
            painter.wait_for("image:updated", lambda d: d["image"]["id"] == doomed and d["image"]["status"] in ("done", "failed"), timeout=90),
        )
        failed_in = now() - cut_at
        acked_while_cut = load.count("acked", since=cut_at)
        rows_while_cut = await painter_rows(database_url, me["id"])
        used_after_failure = await quota_used(painter)
        keys = [o["Key"] for o in s3.client().list_objects_v2(Bucket=s3.bucket, Prefix=f"rooms/1/images/{doomed}/").get("Contents", [])]
        fake_openai.delay = 0.0
        s3_link.restore()
        restored_at = now()

        while (await health(server.base))[0] != 200:
            assert now() - restored_at < 60, "/healthz never recovered"
            await asyncio.sleep(0.1)
        healthy_in = now() - restored_at
        submitted = await painter.submit(snapshot, "a windmill, again", (20, 20, 120, 120))
        assert submitted.status_code == 202, submitted.text
        retried = submitted.json()["image"]["id"]
        done = await painter.wait_for("image:updated", lambda d: d["image"]["id"] == retried and d["image"]["status"] in ("done", "failed"), timeout=60)
        generated_in = now() - restored_at
        used_at_end = await quota_used(painter)
    finally:
        fake_openai.delay = 0.0
        await load.stop()
        await painter.close()

    db = await stored(database_url)
    result = compare(voters, db)
    counts = outcome_counts(load.ops)
    for voter in voters:
        await voter.close()
    figures.note(
        fault="S3 unreachable (connections refused and reset)",
        injected="the link between the app processes and S3 cut while a generation ran; a submission and a health check made meanwhile",
        injections=s3_link.cuts,
        operations={**counts, "submissions": 3},
        in_flight_at_fault=[1],
        acknowledged_lost=len(result["lost"]),
        counter_mismatches=len(db.counter_mismatches()),
        submission_during_cut={**refused, "answered_in_s": seconds(refused_in)},
        healthz_during_cut={"status": health_status, "storage": health_body.get("checks", {}).get("storage", {}).get("ok")},
        generation_during_cut={"status": failed["image"]["status"], "error": failed["image"]["error"],
                               "failed_after_s": seconds(failed_in), "jobs": rows_while_cut["jobs"], "result_objects": keys},
        votes_acked_during_cut=acked_while_cut,
        quota_used={"after_failed_generation": used_after_failure, "after_recovery": used_at_end},
        healthy_after_restore_s=seconds(healthy_in),
        recovery_s=seconds(generated_in),
        recovery_measure="S3 reachable again -> /healthz 200 and the next edit generated and stored",
    )
    assert refused == {"status": 503, "code": "storage_unavailable"}, refused
    assert health_status == 503 and health_body["checks"]["storage"]["ok"] is False, health_body
    assert failed["image"]["status"] == "failed" and failed["image"]["error"] == "the image could not be stored", failed
    assert rows_while_cut == {"images": 1, "jobs": [("failed", 1)]} and keys == [], (rows_while_cut, keys)
    assert used_after_failure == 0, "neither the refused submission nor the failed generation is counted"
    assert done["image"]["status"] == "done", done["image"]["error"]
    assert used_at_end == 1
    assert acked_while_cut > 0
    assert not result["lost"] and not result["refused_written"], result
    assert not db.counter_mismatches(), db.counter_mismatches()
    assert set(counts) <= {"acked"}, counts
