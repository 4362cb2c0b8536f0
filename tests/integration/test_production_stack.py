"""The production parts for real: MariaDB (asyncmy), Redis fan-out, S3 (moto over HTTP) and
OpenAI (a fake server speaking the images/edits wire format), across several processes."""

from __future__ import annotations

import asyncio
import io

import httpx
import pytest
from PIL import Image
from sqlalchemy import func, select

from pixelpatchwork.app import create_app
from pixelpatchwork.db.models import Image as ImageRow
from pixelpatchwork.db.models import Vote
from tests.factories import HOST
from tests.live import Screen, live_server
from tests.stack import SECRET

pytestmark = [pytest.mark.mariadb, pytest.mark.redis]


async def test_one_process_on_mariadb_s3_redis_and_openai(stack_env, make_settings, fake_openai, s3) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(
        database_url=stack_env["DATABASE_URL"], redis_url=stack_env["REDIS_URL"], redis_channel=stack_env["REDIS_CHANNEL"],
        s3_bucket=s3.bucket, s3_endpoint_url=s3.endpoint_url, openai_api_key="sk-test-key",
        openai_base_url=fake_openai.base_url, secret_key=SECRET,
    )
    async with live_server(create_app(settings)) as base:
        async with httpx.AsyncClient() as probe:
            health = (await probe.get(base + "/healthz")).json()
        assert health["status"] == "ok"
        assert health["checks"]["redis"]["ok"] is True and health["checks"]["redis"]["subscription"] == "live"
        assert health["checks"]["storage"] == {"ok": True, "backend": "s3"}
        assert health["checks"]["generator"] == {"provider": "openai", "model": "gpt-image-1.5"}

        author, voter = Screen(base), Screen(base)
        try:
            await author.join_as("Author")
            await voter.join_as("Voter")
            snap = await author.connect()
            await voter.connect()
            seed = snap["round"]["seed"]
            assert seed["url"].startswith(s3.endpoint_url) and "Signature" in seed["url"]
            response = await author.submit(snap, "a green door", (100, 100, 400, 300))
            assert response.status_code == 202
            image_id = response.json()["image"]["id"]
            done = await voter.wait_for("image:updated", lambda d: d["image"]["id"] == image_id and d["image"]["status"] in ("done", "failed"), timeout=20)
            assert done["image"]["status"] == "done", done["image"]["error"]
            await author.enter(image_id)
            assert done["image"]["provider"] == "openai" and done["image"]["model"] == "gpt-image-1.5" and not done["image"]["offline"]
            previews = [e for e in voter.events["image:progress"] if e["image_id"] == image_id and e["preview_url"]]
            assert previews, "partial images stream to every screen"

            request = fake_openai.requests[-1]
            assert request.fields["model"] == "gpt-image-1.5" and request.fields["prompt"] == "a green door"
            assert request.fields.get("safety_identifier") and "Author" not in request.fields["safety_identifier"]
            assert request.headers.get("authorization") == "Bearer sk-test-key"

            # The stored result only differs from the seed inside the mask.
            async with httpx.AsyncClient() as fetch:
                seed_png = (await fetch.get(seed["url"])).content
                result_png = (await fetch.get(done["image"]["url"])).content
            before = Image.open(io.BytesIO(seed_png)).convert("RGB")
            after = Image.open(io.BytesIO(result_png)).convert("RGB")
            assert after.size == before.size
            assert after.getpixel((50, 50)) == before.getpixel((50, 50))
            assert after.getpixel((600, 600)) == before.getpixel((600, 600))
            assert after.getpixel((250, 200)) != before.getpixel((250, 200))

            await author.http.post("/api/host/rooms/main/phase", json={"from": "generate", "to": "vote"}, headers=HOST)
            ack = await voter.sio.call("vote:cast", {"image_id": image_id, "value": "up"}, timeout=10)
            assert ack["ok"] and ack["tally"]["up"] == 1
            await author.wait_for("tally", lambda d: any(t["image_id"] == image_id and t["up"] == 1 for t in d["tallies"]))
        finally:
            await author.close()
            await voter.close()


async def test_safety_rejection_and_retries_reach_the_author(stack_env, make_settings, fake_openai, s3) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(
        database_url=stack_env["DATABASE_URL"], s3_bucket=s3.bucket, s3_endpoint_url=s3.endpoint_url,
        openai_api_key="sk-test-key", openai_base_url=fake_openai.base_url, secret_key=SECRET,
    )
    fake_openai.enqueue("moderation")
    async with live_server(create_app(settings)) as base:
        author = Screen(base)
        try:
            await author.join_as("Author")
            snap = await author.connect()
            response = await author.submit(snap, "something refused", (0, 0, 99, 99))
            image_id = response.json()["image"]["id"]
            failed = await author.wait_for("image:updated", lambda d: d["image"]["id"] == image_id and d["image"]["status"] == "failed", timeout=20)
            assert "safety system" in failed["image"]["error"]
        finally:
            await author.close()


async def test_two_processes_share_events_through_redis(two_servers_and_a_worker, stack_env) -> None:  # type: ignore[no-untyped-def]
    base_a, base_b, _worker = two_servers_and_a_worker
    alice, bob, projector = Screen(base_a), Screen(base_b), Screen(base_b)
    try:
        # A participant's cookie works on either process: they share the secret key.
        await alice.join_as("Alice")
        await bob.join_as("Bob")
        snap_a = await alice.connect()
        snap_b = await bob.connect()
        await projector.connect()
        assert snap_a["round"]["id"] == snap_b["round"]["id"]

        response = await alice.submit(snap_a, "a tall tower", (300, 100, 500, 400))
        assert response.status_code == 202
        image_id = response.json()["image"]["id"]
        # Submitted on process A, generated by the worker process, seen on process B.
        await bob.wait_for("image:added", lambda d: d["image"]["id"] == image_id)
        done = await projector.wait_for("image:updated", lambda d: d["image"]["id"] == image_id and d["image"]["status"] == "done", timeout=30)
        assert done["image"]["provider"] == "openai"
        await alice.enter(image_id)

        async with httpx.AsyncClient() as host:
            moved = await host.post(base_b + "/api/host/rooms/main/phase", json={"from": "generate", "to": "vote"}, headers=HOST)
            assert moved.status_code == 200
        await alice.wait_for("round:updated", lambda d: d["round"]["phase"] == "vote")

        # A vote on process B reaches a screen on process A.
        ack = await bob.sio.call("vote:cast", {"image_id": image_id, "value": "up"}, timeout=10)
        assert ack["ok"], ack
        tally = await alice.wait_for("tally", lambda d: any(t["image_id"] == image_id and t["up"] == 1 for t in d["tallies"]))
        assert tally["room"] == "main"
        # One event per room and window across both processes, not one per process.
        await asyncio.sleep(0.5)
        carrying = [e for e in alice.events["tally"] if any(t["image_id"] == image_id for t in e["tallies"])]
        assert len(carrying) == 1

        async with httpx.AsyncClient() as host:
            closed = await host.post(base_a + "/api/host/rooms/main/phase", json={"from": "vote", "to": "closed"}, headers=HOST)
            assert closed.status_code == 200
        for screen in (bob, projector):
            new_round = await screen.wait_for("round:updated", lambda d: d["round"]["number"] == 2)
            assert new_round["round"]["seed"]["id"] == image_id
    finally:
        for screen in (alice, bob, projector):
            await screen.close()


async def test_concurrent_votes_on_mariadb_equal_a_recount(stack_env, make_settings, s3) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(
        database_url=stack_env["DATABASE_URL"], s3_bucket=s3.bucket, s3_endpoint_url=s3.endpoint_url, secret_key=SECRET,
        entries_per_round=3,
    )
    async with live_server(create_app(settings)) as base:
        author = Screen(base)
        voters = [Screen(base) for _ in range(12)]
        try:
            await author.join_as("Author")
            snap = await author.connect()
            ids = []
            for n in range(3):
                response = await author.submit(snap, f"entry {n}", (0, 0, 50 + n, 50))
                ids.append(response.json()["image"]["id"])
            for image_id in ids:
                await author.wait_for("image:updated", lambda d, i=image_id: d["image"]["id"] == i and d["image"]["status"] == "done")
                await author.enter(image_id)
            await author.http.post("/api/host/rooms/main/phase", json={"from": "generate", "to": "vote"}, headers=HOST)
            for n, voter in enumerate(voters):
                await voter.join_as(f"Voter {n}")
                await voter.connect()

            async def storm(voter: Screen, n: int) -> None:
                # Each voter votes, changes, withdraws and re-votes, in parallel with the others.
                for round_ in range(4):
                    for image_id in ids:
                        value = ["up", "down", "none", "up"][(round_ + n + image_id) % 4]
                        ack = await voter.sio.call("vote:cast", {"image_id": image_id, "value": value}, timeout=20)
                        assert ack["ok"], ack

            await asyncio.gather(*(storm(voter, n) for n, voter in enumerate(voters)))
            app_services = None  # recount straight from the database
            from sqlalchemy.ext.asyncio import create_async_engine

            engine = create_async_engine(stack_env["DATABASE_URL"])
            async with engine.connect() as conn:
                for image_id in ids:
                    up = await conn.scalar(select(func.count()).select_from(Vote).where(Vote.image_id == image_id, Vote.value == 1))
                    down = await conn.scalar(select(func.count()).select_from(Vote).where(Vote.image_id == image_id, Vote.value == -1))
                    row = (await conn.execute(select(ImageRow.up_count, ImageRow.down_count).where(ImageRow.id == image_id))).one()
                    assert (row.up_count, row.down_count) == (up, down)
            await engine.dispose()
            del app_services
        finally:
            await author.close()
            for voter in voters:
                await voter.close()
