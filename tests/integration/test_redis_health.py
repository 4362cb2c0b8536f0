"""A process whose Redis subscription goes deaf reports it on /healthz, restarts it, and hears
other processes' events again."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import socketio

from pixelpatchwork.app import create_app
from tests.live import Screen, live_server

pytestmark = pytest.mark.redis


async def test_deaf_subscription_is_reported_and_recovers(make_settings, redis_url, unique_channel) -> None:  # type: ignore[no-untyped-def]
    asgi = create_app(make_settings(redis_url=redis_url, redis_channel=unique_channel, redis_heartbeat_s=0.3))
    async with live_server(asgi) as base:
        manager = asgi.sio.manager
        screen = Screen(base)
        other_process = socketio.AsyncRedisManager(redis_url, channel=unique_channel, write_only=True)
        try:
            await screen.connect()
            async with httpx.AsyncClient(base_url=base) as http:
                assert (await http.get("/healthz")).status_code == 200

                # The listener stops without an error reaching anyone (python-socketio's own
                # listener ends like this when its pubsub iterator returns): messages just stop.
                manager.thread.cancel()
                for _ in range(40):
                    health = await http.get("/healthz")
                    if health.status_code == 503:
                        break
                    await asyncio.sleep(0.05)
                assert health.status_code == 503
                assert health.json()["checks"]["redis"]["subscription"] == "deaf"

                for _ in range(100):
                    health = await http.get("/healthz")
                    if health.status_code == 200 and manager.restarts >= 1:
                        break
                    await asyncio.sleep(0.05)
                assert health.status_code == 200 and health.json()["checks"]["redis"]["restarts"] >= 1

            # An event published by another process reaches this process's client again.
            await other_process.emit("tally", {"room": "main", "version": 0, "tallies": [], "votes_cast": 7, "sealed": False}, room="room:main")
            event = await screen.wait_for("tally", lambda d: d["votes_cast"] == 7, timeout=5)
            assert event["room"] == "main"
        finally:
            await screen.close()


async def test_killed_subscription_connection_reconnects(make_settings, redis_url, unique_channel) -> None:  # type: ignore[no-untyped-def]
    import redis.asyncio as aioredis

    asgi = create_app(make_settings(redis_url=redis_url, redis_channel=unique_channel, redis_heartbeat_s=0.3))
    async with live_server(asgi) as base:
        screen = Screen(base)
        other_process = socketio.AsyncRedisManager(redis_url, channel=unique_channel, write_only=True)
        admin = aioredis.from_url(redis_url)
        try:
            await screen.connect()
            killed = await admin.client_kill_filter(_type="pubsub", skipme=True)
            assert killed >= 1
            for n in range(60):
                await other_process.emit("tally", {"room": "main", "version": 0, "tallies": [], "votes_cast": n, "sealed": False}, room="room:main")
                if screen.events["tally"]:
                    break
                await asyncio.sleep(0.1)
            assert screen.events["tally"], "fan-out resumed after the subscription's connection was killed"
        finally:
            await admin.aclose()
            await screen.close()
