"""Publishing room events after commit, and coalescing tally changes per room.

Votes do not each send an event: a vote marks its image dirty, and once per
`TALLY_WINDOW_MS` per room one `tally` event carries the absolute counts of every image
that changed, read from the database so it is right whichever process counted the vote.

With several processes (REDIS_URL), each process's dirty images go into one Redis set per
room and a short Redis lock elects the process that sends the room's event for the window,
so every screen gets one tally event per window, not one per process. The lock holder
keeps flushing until the set stays empty; a process that finds the lock taken leaves its
images to the holder. Should Redis fail, each process sends its own events.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from redis.exceptions import RedisError
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
    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], emit: Emit, window_ms: int, policy: RoomPolicy,
        redis_url: str | None = None, key_prefix: str = "pixelpatchwork",
    ) -> None:
        self.sessionmaker = sessionmaker
        self.policy = policy
        self._emit = emit
        self.window_s = window_ms / 1000.0
        self._dirty: dict[str, set[int]] = {}
        self._flushers: dict[str, asyncio.Task] = {}
        self._redis = None
        if redis_url:
            import redis.asyncio as aioredis

            self._redis = aioredis.from_url(redis_url, socket_connect_timeout=1, socket_timeout=1)
        self._prefix = key_prefix
        self._token = uuid.uuid4().hex

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
        if not image_ids:
            return
        try:
            if self._redis is not None:
                try:
                    await self._flush_shared(room_slug, image_ids)
                    return
                except RedisError as exc:
                    log.warning("coalescing tallies through Redis failed (%s); sending this process's own", exc.__class__.__name__)
            await self.flush(room_slug, image_ids)
        except Exception:
            log.exception("sending tallies of %s failed", room_slug)

    async def _flush_shared(self, room_slug: str, image_ids: set[int]) -> None:
        """Add our dirty images to the room's shared set; the process holding the room's lock
        sends one event per window for all of them."""
        assert self._redis is not None
        dirty, lock = f"{self._prefix}:tally:{room_slug}", f"{self._prefix}:tally-lock:{room_slug}"
        lock_ms = int(self.window_s * 4000) + 1000
        await self._redis.sadd(dirty, *image_ids)
        if not await self._redis.set(lock, self._token, nx=True, px=lock_ms):
            return  # the holder will send them
        while True:
            async with self._redis.pipeline(transaction=True) as pipe:
                members, _ = await pipe.smembers(dirty).delete(dirty).execute()
            if members:
                await self.flush(room_slug, {int(member) for member in members})
            await asyncio.sleep(self.window_s)
            if await self._redis.scard(dirty):
                await self._redis.pexpire(lock, lock_ms)
                continue
            if await self._redis.get(lock) == self._token.encode():
                await self._redis.delete(lock)
            # An image added between the check and the release is ours again if we can lock.
            if not await self._redis.scard(dirty) or not await self._redis.set(lock, self._token, nx=True, px=lock_ms):
                return

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
        if self._redis is not None:
            try:
                await self._redis.aclose()
            except RedisError:
                pass
        for task in list(self._flushers.values()):
            task.cancel()
        pending, self._dirty = self._dirty, {}
        for room_slug, image_ids in pending.items():
            try:
                await self.flush(room_slug, image_ids)
            except Exception:
                log.exception("final tally flush of %s failed", room_slug)
