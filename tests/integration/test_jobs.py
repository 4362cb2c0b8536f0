"""The generation pipeline: quotas and limits, retries with backoff, refunds, global slots,
and a worker killed in the middle of a job."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time

import boto3
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from pixelpatchwork.app import create_app
from pixelpatchwork.db.models import Image, Job
from pixelpatchwork.generation.jobs import backoff_s
from tests.conftest import mask_data_url
from tests.factories import join, snapshot, submit, wait_until_done
from tests.integration.test_bad_input_http import counts, error_of
from tests.stack import spawn
from tests.live import Screen
from tests.services import free_port, wait_for_port


def test_backoff_doubles_and_is_capped() -> None:
    assert [backoff_s(n, 2.0) for n in (1, 2, 3, 4)] == [2.0, 4.0, 8.0, 16.0]
    assert backoff_s(20, 2.0) == 60.0


async def test_generation_quota_per_round_and_refund_of_failures(make_settings) -> None:  # type: ignore[no-untyped-def]
    asgi = create_app(make_settings(generations_per_round=2))
    async with asgi.quart_app.test_app():
        client = asgi.quart_app.test_client()
        await join(client, "Quinn")
        first = (await (await submit(client, "one")).get_json())["image"]
        second = (await (await submit(client, "two")).get_json())["image"]
        await wait_until_done(client, first["id"])
        await wait_until_done(client, second["id"])
        before = await counts(asgi)
        status, code, message = await error_of(await submit(client, "three"))
        assert (status, code) == (429, "quota_exceeded") and "2 generations" in message
        assert await counts(asgi) == before
        snap = await snapshot(client)
        assert snap["quota"]["generations_used"] == 2 and snap["quota"]["generations_per_round"] == 2

        # A failed generation is refunded: it no longer counts against the quota.
        async with asgi.services.sessionmaker() as db:
            await db.execute(text("UPDATE images SET status = 'failed' WHERE id = :id"), {"id": second["id"]})
            await db.commit()
        assert (await snapshot(client))["quota"]["generations_used"] == 1
        assert (await submit(client, "three")).status_code == 202


async def test_room_cap_per_minute(make_settings) -> None:  # type: ignore[no-untyped-def]
    asgi = create_app(make_settings(room_generations_per_minute=2))
    async with asgi.quart_app.test_app():
        clients = [asgi.quart_app.test_client() for _ in range(3)]
        for n, client in enumerate(clients):
            await join(client, f"P{n}")
        assert (await submit(clients[0])).status_code == 202
        assert (await submit(clients[1])).status_code == 202
        status, code, message = await error_of(await submit(clients[2]))
        assert (status, code) == (429, "room_busy") and "2 generations a minute" in message


async def test_entry_limit_and_withdrawal(make_settings) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import enter, move_phase

    asgi = create_app(make_settings(entries_per_round=1))
    async with asgi.quart_app.test_app():
        author, other = asgi.quart_app.test_client(), asgi.quart_app.test_client()
        await join(author, "Author")
        await join(other, "Other")
        a = (await (await submit(author, "a")).get_json())["image"]
        b = (await (await submit(author, "b")).get_json())["image"]
        queued = await error_of(await enter(author, a["id"]))
        assert queued[:2] == (409, "not_finished")
        await wait_until_done(author, a["id"])
        await wait_until_done(author, b["id"])
        assert (await enter(author, a["id"])).status_code == 200
        assert (await error_of(await enter(author, b["id"])))[:2] == (409, "entry_limit")
        assert (await error_of(await enter(other, a["id"], False)))[:2] == (403, "not_author")
        assert (await error_of(await enter(author, 999999)))[:2] == (404, "image_not_found")
        assert (await enter(author, a["id"], False)).status_code == 200
        assert (await enter(author, b["id"])).status_code == 200
        assert [i["id"] for i in (await snapshot(other))["images"]] == [b["id"]]
        await move_phase(author, "generate", "vote")
        assert (await error_of(await enter(author, a["id"])))[:2] == (409, "wrong_phase")


async def test_seed_changed_and_full_mask_for_a_model_that_needs_context(make_settings, fake_openai) -> None:  # type: ignore[no-untyped-def]
    asgi = create_app(make_settings(openai_api_key="sk-test", openai_base_url=fake_openai.base_url))
    async with asgi.quart_app.test_app():
        client = asgi.quart_app.test_client()
        await join(client, "Ada")
        seed = (await snapshot(client))["round"]["seed"]
        before = await counts(asgi)
        stale = {"prompt": "a", "mask": mask_data_url(seed["width"], seed["height"], (0, 0, 9, 9)), "seed_id": seed["id"] + 100}
        assert (await error_of(await client.post("/api/rooms/main/submissions", json=stale)))[:2] == (409, "seed_changed")
        full = {"prompt": "a", "mask": mask_data_url(seed["width"], seed["height"], (0, 0, seed["width"], seed["height"])), "seed_id": seed["id"]}
        status, code, message = await error_of(await client.post("/api/rooms/main/submissions", json=full))
        assert (status, code) == (422, "invalid_mask") and "context" in message
        for feather in (-1, 65, "soft"):
            body = {**full, "mask": stale["mask"], "seed_id": seed["id"], "feather_px": feather}
            assert (await error_of(await client.post("/api/rooms/main/submissions", json=body)))[:2] == (400, "invalid_request")
        assert await counts(asgi) == before
        assert (await snapshot(client))["quota"]["generations_used"] == 0


async def test_rate_limits_and_server_errors_are_retried(make_settings, fake_openai) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(openai_api_key="sk-test", openai_base_url=fake_openai.base_url, job_retry_base_s=0.1, openai_partial_images=0)
    fake_openai.enqueue("rate_limit")
    fake_openai.enqueue("server_error")
    asgi = create_app(settings)
    async with asgi.quart_app.test_app():
        client = asgi.quart_app.test_client()
        await join(client, "Ada")
        image = (await (await submit(client, "a kite")).get_json())["image"]
        done = await wait_until_done(client, image["id"], timeout=20)
        assert done["status"] == "done" and done["model"] == "gpt-image-1.5" and done["quality"] == "medium"
        async with asgi.services.sessionmaker() as db:
            job = await db.scalar(select(Job).where(Job.image_id == image["id"]))
            assert job.attempts == 3 and job.status == "done"
            row = await db.get(Image, image["id"])
            assert '"seconds"' in row.details and row.generation_ms > 0
        assert len(fake_openai.requests) == 3


async def test_repeated_failures_fail_cleanly_with_a_message(make_settings, fake_openai) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(
        openai_api_key="sk-test", openai_base_url=fake_openai.base_url, job_retry_base_s=0.05, job_max_attempts=2,
        openai_partial_images=0,
    )
    fake_openai.enqueue("server_error", times=5)
    asgi = create_app(settings)
    async with asgi.quart_app.test_app():
        client = asgi.quart_app.test_client()
        await join(client, "Ada")
        image = (await (await submit(client, "a kite")).get_json())["image"]
        failed = await wait_until_done(client, image["id"], timeout=20)
        assert failed["status"] == "failed" and "server error" in failed["error"]
        assert (await snapshot(client))["quota"]["generations_used"] == 0


async def test_global_concurrency_is_bounded_across_workers(make_settings, fake_openai) -> None:  # type: ignore[no-untyped-def]
    """Two apps (two worker pools of 3) share one database with 2 global slots: never more than
    2 generations at once reach the provider."""
    fake_openai.delay = 0.4
    db_path = None
    common = dict(openai_api_key="sk-test", openai_base_url=fake_openai.base_url, generation_global_concurrency=2,
                  worker_concurrency=3, openai_partial_images=0, generations_per_round=10)
    first = make_settings(**common)
    db_path = first.database_url
    second = make_settings(**common, database_url=db_path, media_dir=first.media_dir)
    peak = 0

    async def watch_running_jobs() -> None:
        nonlocal peak
        engine = create_async_engine(db_path)
        try:
            while True:
                async with engine.connect() as conn:
                    running = await conn.scalar(select(func.count()).select_from(Job).where(Job.status == "running"))
                peak = max(peak, int(running))
                await asyncio.sleep(0.02)
        finally:
            await engine.dispose()

    a, b = create_app(first), create_app(second)
    async with a.quart_app.test_app(), b.quart_app.test_app():
        client = a.quart_app.test_client()
        await join(client, "Burst")
        watcher = asyncio.create_task(watch_running_jobs())
        ids = [(await (await submit(client, f"n{n}")).get_json())["image"]["id"] for n in range(8)]
        for image_id in ids:
            assert (await wait_until_done(client, image_id, timeout=30))["status"] == "done"
        watcher.cancel()
    assert peak == 2, "both slots were used, and never more"


@pytest.mark.mariadb
@pytest.mark.redis
async def test_worker_killed_mid_job_the_job_finishes_elsewhere_with_one_result(stack_env, fake_openai, s3, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """SIGKILL a worker process while the provider is working: after its lease runs out another
    worker claims the job, and exactly one result is stored."""
    fake_openai.delay = 3.0
    env = {**stack_env, "WORKER_IN_PROCESS": "false", "JOB_LEASE_S": "2", "OPENAI_PARTIAL_IMAGES": "0"}
    port = free_port()
    web = spawn(["-m", "hypercorn", "pixelpatchwork.asgi:app", "--bind", f"127.0.0.1:{port}"], env, tmp_path / "web.log")
    first = spawn(["-m", "pixelpatchwork.cli", "worker"], env, tmp_path / "worker-1.log")
    second = None
    sync_url = stack_env["DATABASE_URL"]
    engine = create_async_engine(sync_url)
    try:
        wait_for_port("127.0.0.1", port, timeout=30)
        screen = Screen(f"http://127.0.0.1:{port}")
        await screen.join_as("Author")
        snap = await screen.connect()
        image_id = (await screen.submit(snap, "a windmill", (10, 10, 300, 300))).json()["image"]["id"]

        async def job_row():  # type: ignore[no-untyped-def]
            async with engine.connect() as conn:
                return (await conn.execute(select(Job.status, Job.worker_id, Job.attempts).where(Job.image_id == image_id))).one()

        deadline = time.monotonic() + 20
        while (await job_row()).status != "running":
            assert time.monotonic() < deadline, "the first worker never claimed the job"
            await asyncio.sleep(0.05)
        first_worker = (await job_row()).worker_id
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        second = spawn(["-m", "pixelpatchwork.cli", "worker"], env, tmp_path / "worker-2.log")

        done = await screen.wait_for("image:updated", lambda d: d["image"]["id"] == image_id and d["image"]["status"] in ("done", "failed"), timeout=40)
        assert done["image"]["status"] == "done", done["image"]["error"]
        row = await job_row()
        assert row.status == "done" and row.attempts == 2 and row.worker_id != first_worker
        async with engine.connect() as conn:
            images = await conn.scalar(select(func.count()).select_from(Image).where(Image.kind == "edit"))
        assert images == 1
        client = boto3.client("s3", endpoint_url=s3.endpoint_url, region_name=s3.region,
                              aws_access_key_id=s3.access_key, aws_secret_access_key=s3.secret_key)
        keys = [o["Key"] for o in client.list_objects_v2(Bucket=s3.bucket, Prefix=f"rooms/1/images/{image_id}/").get("Contents", [])]
        assert sorted(k.rsplit("/", 1)[1] for k in keys) == ["result.png", "thumb.webp"]
        masks = client.list_objects_v2(Bucket=s3.bucket, Prefix="rooms/1/masks/").get("Contents", [])
        assert len(masks) == 1
        await screen.close()
    finally:
        await engine.dispose()
        for process in (web, first, second):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
