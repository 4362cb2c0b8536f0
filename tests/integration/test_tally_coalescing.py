"""Tally coalescing across processes: two broadcasters sharing Redis (as two server processes
do) send one tally event per room and window, holding the images both of them counted, and
a change counted by either waits at most about one window."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from sqlalchemy import select

from pixelpatchwork.app import create_app
from pixelpatchwork.db.models import Image, Round
from pixelpatchwork.domain.clock import utcnow
from pixelpatchwork.realtime.broadcast import Broadcaster

WINDOW_MS = 200


async def two_edits(services) -> list[int]:  # type: ignore[no-untyped-def]
    async with services.sessionmaker() as db:
        round_ = await db.scalar(select(Round).order_by(Round.id.desc()).limit(1))
        images = [
            Image(
                room_id=round_.room_id, round_id=round_.id, kind="edit", status="done", provider="offline",
                width=8, height=8, entered=True, created_at=utcnow(),
            )
            for _ in range(2)
        ]
        db.add_all(images)
        await db.commit()
        return [image.id for image in images]


async def test_two_processes_send_one_event_per_window(make_settings, redis_url, unique_channel) -> None:  # type: ignore[no-untyped-def]
    app = create_app(make_settings())
    async with app.quart_app.test_app():
        services = app.services
        first, second = await two_edits(services)
        sent: list[tuple[float, str, dict[str, Any]]] = []

        async def emit(event: str, data: dict[str, Any], room: str) -> None:
            sent.append((time.monotonic(), event, data))

        processes = [
            Broadcaster(services.sessionmaker, emit, WINDOW_MS, services.policy, redis_url=redis_url, key_prefix=unique_channel)
            for _ in range(2)
        ]
        try:
            for round_number in range(3):
                sent.clear()
                started = time.monotonic()
                processes[0].tally_changed("main", first)
                await asyncio.sleep(WINDOW_MS / 4000)  # the other process counts a vote a moment later
                processes[1].tally_changed("main", second)
                await asyncio.sleep(WINDOW_MS * 3 / 1000)
                assert [event for _, event, _ in sent] == ["tally"], f"round {round_number}: {sent}"
                at, _, payload = sent[0]
                assert {tally["image_id"] for tally in payload["tallies"]} == {first, second}
                assert at - started < 2 * WINDOW_MS / 1000, "both changes went out within about one window"
                await asyncio.sleep(WINDOW_MS * 2 / 1000)  # the sender lets go of the room
        finally:
            for broadcaster in processes:
                await broadcaster.close()
