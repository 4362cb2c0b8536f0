"""OpenAI timing out or answering nonsense, through the whole stack (server, job queue,
provider): each bad answer is retried with backoff, a job that never gets a good answer
fails with a sentence for its author and is refunded, and the next edit goes through."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pixelpatchwork.db.models import Job
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from tests.live import Screen

from .conftest import AppProcess, Figures
from .harness import now, seconds

pytestmark = [pytest.mark.mariadb, pytest.mark.redis]

MAX_ATTEMPTS = 4
# Bad answers before a good one: a hang past the client's timeout and two broken bodies.
RECOVERED = [("timeout", {"seconds": 1.0}), ("malformed", {"variant": "invalid_json"}), ("malformed", {"variant": "not_image"})]
# Bad answers until the job gives up.
GIVEN_UP = [("malformed", {"variant": v}) for v in ("no_b64", "bad_b64", "html", "empty_data")]


async def job_of(database_url: str, image_id: int) -> tuple[str, int]:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            row = (await conn.execute(select(Job.status, Job.attempts).where(Job.image_id == image_id))).one()
        return row.status, row.attempts
    finally:
        await engine.dispose()


async def test_openai_timeouts_and_malformed_answers_are_retried_then_fail_cleanly(
    stack_env: dict[str, str], fake_openai: Any, processes: list[AppProcess], figures: Figures, tmp_path: Path
) -> None:
    """A server (with its in-process worker) on MariaDB, Redis, S3 and the fake OpenAI, whose
    answers are scripted: first a request that outlasts OPENAI_TIMEOUT_S and two malformed
    bodies, then a good image (the edit is done after four attempts); then four malformed
    answers in a row (the edit fails after JOB_MAX_ATTEMPTS with a message, and does not count
    against the quota); then a good answer again."""
    env = {**stack_env, "OPENAI_TIMEOUT_S": "1", "JOB_RETRY_BASE_S": "0.1", "JOB_MAX_ATTEMPTS": str(MAX_ATTEMPTS),
           "OPENAI_PARTIAL_IMAGES": "0"}
    server = AppProcess.server("server", env, tmp_path)
    processes.append(server)
    server.start()
    await server.wait_ready()
    database_url = stack_env["DATABASE_URL"]

    author = Screen(server.base)
    steps = []
    try:
        await author.join_as("Author")
        snapshot = await author.connect()

        async def attempt(prompt: str, script: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
            for kind, opts in script:
                fake_openai.enqueue(kind, **opts)
            began = now()
            response = await author.submit(snapshot, prompt, (10, 10, 110, 110))
            assert response.status_code == 202, response.text
            image_id = response.json()["image"]["id"]
            final = await author.wait_for(
                "image:updated", lambda d: d["image"]["id"] == image_id and d["image"]["status"] in ("done", "failed"), timeout=60
            )
            status, attempts = await job_of(database_url, image_id)
            return {"script": [opts.get("variant", kind) for kind, opts in script], "image": final["image"]["status"],
                    "error": final["image"]["error"], "job": status, "attempts": attempts, "took_s": seconds(now() - began)}

        steps.append(await attempt("a paper boat", RECOVERED))
        steps.append(await attempt("a glass boat", GIVEN_UP))
        used_after_failure = (await author.sio.call("room:sync", {"room": "main"}, timeout=15))["snapshot"]["quota"]["generations_used"]
        steps.append(await attempt("a wooden boat", []))
        assert not fake_openai.pending, fake_openai.pending
    finally:
        await author.close()

    figures.note(
        fault="OpenAI timeouts and malformed answers",
        injected="scripted fake OpenAI answers: 1 request hanging past OPENAI_TIMEOUT_S, 6 malformed bodies "
                 "(invalid JSON, no image, no b64, bad base64, not an image, HTML)",
        injections=len(RECOVERED) + len(GIVEN_UP),
        operations={"submissions": len(steps), "provider_requests": sum(s["attempts"] for s in steps)},
        in_flight_at_fault=[1 for _ in RECOVERED + GIVEN_UP],
        acknowledged_lost=sum(1 for s in steps if s["image"] not in ("done", "failed")),
        quota_used_after_failure=used_after_failure,
        steps=steps,
        recovery_s=steps[0]["took_s"],
        recovery_measure="submission -> edit done, through three bad answers and their retries",
    )
    assert steps[0]["image"] == "done" and steps[0]["attempts"] == len(RECOVERED) + 1, steps[0]
    assert steps[1]["image"] == "failed" and steps[1]["job"] == "failed" and steps[1]["attempts"] == MAX_ATTEMPTS, steps[1]
    assert steps[1]["error"].startswith("the image model"), steps[1]
    assert used_after_failure == 1, "the failed edit is not counted against the author's quota"
    assert steps[2]["image"] == "done" and steps[2]["attempts"] == 1, steps[2]
