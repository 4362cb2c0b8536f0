"""Publishing room events after commit, and coalescing tally changes per room.

Votes do not each send an event: a vote marks its image dirty, and once per
`TALLY_WINDOW_MS` per room one `tally` event carries the absolute counts of every image
that changed, read from the database so it is right whichever process counted the vote.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ..db.models import Image, Room
from ..domain.events import Outbox
from ..domain.policy import RoomPolicy
from ..domain.views import current_round, tally_view, votes_cast

log = logging.getLogger(__name__)

Emit = Callable[[str, dict[str, Any], str], Awaitable[None]]


def channel(room_slug: str) -> str:
    """The Socket.IO room that every screen of a PixelPatchwork room joins."""
    return f"room:{room_slug}"


class Broadcaster:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], emit: Emit, window_ms: int, policy: RoomPolicy) -> None:
        self.sessionmaker = sessionmaker
        self.policy = policy
        self._emit = emit
        self.window_s = window_ms / 1000.0
        self._dirty: dict[str, set[int]] = {}
        self._flushers: dict[str, asyncio.Task] = {}

    async def publish(self, outbox: Outbox) -> None:
        """Send the outbox's events (after their transaction committed) and schedule its tallies."""
        for event in outbox.events:
            payload = event.payload
            if payload.get("version") is None:
                payload["version"] = await self._room_version(event.room_slug)
            try:
                await self._emit(event.name, payload, channel(event.room_slug))
            except Exception:
                # Fan-out is at-most-once; clients recover from a gap with a snapshot.
                log.exception("emitting %s to %s failed", event.name, event.room_slug)
        for room_slug, image_id in outbox.dirty_tallies:
            self.tally_changed(room_slug, image_id)

    def tally_changed(self, room_slug: str, image_id: int) -> None:
        self._dirty.setdefault(room_slug, set()).add(image_id)
        if room_slug not in self._flushers:
            self._flushers[room_slug] = asyncio.create_task(self._flush_later(room_slug))

    async def _flush_later(self, room_slug: str) -> None:
        try:
            await asyncio.sleep(self.window_s)
        finally:
            self._flushers.pop(room_slug, None)
        image_ids = self._dirty.pop(room_slug, set())
        if image_ids:
            try:
                await self.flush(room_slug, image_ids)
            except Exception:
                log.exception("sending tallies of %s failed", room_slug)

    async def flush(self, room_slug: str, image_ids: set[int]) -> None:
        async with self.sessionmaker() as session:
            room = await session.scalar(select(Room).where(Room.slug == room_slug))
            if room is None:
                return
            round_, _seed = await current_round(session, room)
            sealed = self.policy.sealed(room.mode, round_.phase)
            images = await session.scalars(select(Image).where(Image.id.in_(sorted(image_ids))))
            tallies = [tally_view(image, sealed) for image in images]
            cast = await votes_cast(session, round_.id)
        payload = {"room": room_slug, "version": room.version, "tallies": tallies, "votes_cast": cast, "sealed": sealed}
        await self._emit("tally", payload, channel(room_slug))

    async def _room_version(self, room_slug: str) -> int | None:
        async with self.sessionmaker() as session:
            return await session.scalar(select(Room.version).where(Room.slug == room_slug))

    async def close(self) -> None:
        """Send what is pending and stop."""
        for task in list(self._flushers.values()):
            task.cancel()
        pending, self._dirty = self._dirty, {}
        for room_slug, image_ids in pending.items():
            try:
                await self.flush(room_slug, image_ids)
            except Exception:
                log.exception("final tally flush of %s failed", room_slug)
