"""Who is connected: each process knows its own sockets; with Redis, every process writes its
list of connected participants per room to a shared hash that expires unless refreshed, so
the console sees everyone, whichever process they are connected to."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import defaultdict

from redis.exceptions import RedisError

log = logging.getLogger(__name__)

REFRESH_S = 5.0
STALE_S = 15.0


class Presence:
    def __init__(self, redis_url: str | None, key_prefix: str, host_id: str) -> None:
        self._local: dict[str, dict[str, int | None]] = defaultdict(dict)  # room -> sid -> user id
        self._prefix = key_prefix
        self._host = host_id
        self._redis = None
        if redis_url:
            import redis.asyncio as aioredis

            self._redis = aioredis.from_url(redis_url, socket_connect_timeout=1, socket_timeout=1)
        self._task: asyncio.Task | None = None

    def joined(self, room: str, sid: str, user_id: int | None) -> None:
        self._local[room][sid] = user_id
        self._share_soon(room)

    def left(self, sid: str) -> None:
        for room, sockets in self._local.items():
            if sid in sockets:
                del sockets[sid]
                self._share_soon(room)

    def _share_soon(self, room: str) -> None:
        """Tell the other processes at once rather than at the next refresh."""
        if self._redis is not None and self._task is not None:
            asyncio.create_task(self._share(room))

    async def _share(self, room: str) -> None:
        assert self._redis is not None
        count, users = self.local(room)
        entry = json.dumps({"sockets": count, "users": sorted(users), "at": time.time()})
        try:
            await self._redis.hset(self._key(room), self._host, entry)
            await self._redis.expire(self._key(room), int(STALE_S * 2))
        except RedisError as exc:
            log.warning("publishing presence failed: %s", exc.__class__.__name__)

    def local(self, room: str) -> tuple[int, set[int]]:
        """Sockets in the room on this process, and the participants among them."""
        sockets = self._local.get(room, {})
        return len(sockets), {user for user in sockets.values() if user is not None}

    async def room(self, room: str) -> tuple[int, set[int]]:
        """Sockets and participants connected to the room on every process."""
        count, users = self.local(room)
        if self._redis is None:
            return count, users
        try:
            entries = await self._redis.hgetall(self._key(room))
        except RedisError:
            return count, users
        now = time.time()
        for host, raw in entries.items():
            if host.decode() == self._host:
                continue
            entry = json.loads(raw)
            if now - entry["at"] < STALE_S:
                count += entry["sockets"]
                users.update(entry["users"])
        return count, users

    def _key(self, room: str) -> str:
        return f"{self._prefix}:presence:{room}"

    def start(self) -> None:
        if self._redis is not None and self._task is None:
            self._task = asyncio.create_task(self._publish_forever(), name="presence")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._redis is not None:
            await self._redis.aclose()

    async def _publish_forever(self) -> None:
        assert self._redis is not None
        while True:
            for room in list(self._local):
                await self._share(room)
            await asyncio.sleep(REFRESH_S)
