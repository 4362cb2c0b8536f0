"""Publishing room events after commit, and coalescing tally changes per room.

Votes do not each send an event: a vote marks its image dirty, and once per
`TALLY_WINDOW_MS` per room one `tally` event carries the absolute counts of every image
that changed, read from the database so it is right whichever process counted the vote.

With several processes (REDIS_URL), each process puts its dirty images into one Redis set
per room at once (one pipelined round trip per event-loop turn, however many votes it
holds), and a short Redis lock elects the process that sends the room's event once per
window, so every screen gets one tally event per window, not one per process, and a vote
waits at most one window whichever process counted it. The lock holder keeps flushing
until the set stays empty; a process that finds the lock taken leaves its images to the
holder. Should Redis fail, each process sends its own events.
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
        self._senders: dict[str, asyncio.Task] = {}
        self._lock_ms = int(self.window_s * 4000) + 1000

    async def publish(self, outbox: Outbox) -> None:
        """Send the outbox's events (after their transaction committed) and schedule its tallies."""
        for event in outbox.events:
            payload = event.payload
            # Events that carry the room's version without advancing it say so with None;
            # sketch operations have a sequence of their own and no version.
            if "version" in payload and payload["version"] is None:
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
            later = self._share_now if self._redis is not None else self._flush_later
            self._flushers[room_slug] = asyncio.create_task(later(room_slug))

    async def _flush_later(self, room_slug: str) -> None:
        """One process: send the room's changed tallies once its window has passed."""
        try:
            await asyncio.sleep(self.window_s)
        finally:
            self._flushers.pop(room_slug, None)
        image_ids = self._dirty.pop(room_slug, set())
        if image_ids:
            await self._flush_logged(room_slug, image_ids)

    async def _flush_logged(self, room_slug: str, image_ids: set[int]) -> None:
        try:
            await self.flush(room_slug, image_ids)
        except Exception:
            log.exception("sending tallies of %s failed", room_slug)

    async def _share_now(self, room_slug: str) -> None:
        """Several processes: add this turn's dirty images to the room's shared set, and
        become the room's sender if nobody is."""
        assert self._redis is not None
        self._flushers.pop(room_slug, None)  # later changes start a new share
        image_ids = self._dirty.pop(room_slug, set())
        if not image_ids:
            return
        dirty, lock = f"{self._prefix}:tally:{room_slug}", f"{self._prefix}:tally-lock:{room_slug}"
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                _added, locked = await pipe.sadd(dirty, *image_ids).set(lock, self._token, nx=True, px=self._lock_ms).execute()
        except RedisError as exc:
            log.warning("coalescing tallies through Redis failed (%s); sending this process's own", exc.__class__.__name__)
            await asyncio.sleep(self.window_s)
            await self._flush_logged(room_slug, image_ids)
            return
        if locked:
            self._senders[room_slug] = asyncio.create_task(self._send_shared(room_slug))

    async def _send_shared(self, room_slug: str) -> None:
        """While this process holds the room's lock: once per window, send every image in the
        shared set; let go once a window passes with nothing new."""
        assert self._redis is not None
        dirty, lock = f"{self._prefix}:tally:{room_slug}", f"{self._prefix}:tally-lock:{room_slug}"
        try:
            while True:
                await asyncio.sleep(self.window_s)
                async with self._redis.pipeline(transaction=True) as pipe:
                    members, _ = await pipe.smembers(dirty).delete(dirty).execute()
                if members:
                    await self._flush_logged(room_slug, {int(member) for member in members})
                    await self._redis.pexpire(lock, self._lock_ms)
                    continue
                if await self._redis.get(lock) == self._token.encode():
                    await self._redis.delete(lock)
                # An image added between the check and the release is ours again if we can lock.
                if not await self._redis.scard(dirty) or not await self._redis.set(lock, self._token, nx=True, px=self._lock_ms):
                    return
        except RedisError as exc:
            log.warning("sending shared tallies of %s failed (%s)", room_slug, exc.__class__.__name__)
        finally:
            self._senders.pop(room_slug, None)

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
        for task in [*self._flushers.values(), *self._senders.values()]:
            task.cancel()
        pending, self._dirty = self._dirty, {}
        for room_slug, image_ids in pending.items():
            try:
                await self.flush(room_slug, image_ids)
            except Exception:
                log.exception("final tally flush of %s failed", room_slug)
