"""Strokes in progress and pointers of a sketch's drawers, relayed to the room in batches.

Drafts are volatile: they are not stored, and a lost one is simply not drawn (the finished
stroke follows as a numbered `sketch:op`). Each process gathers the drafts its clients send
for `window_s` (about 33 ms, so screens update about 30 times a second) and sends one
`sketch:drafts` event per room and round and window, instead of one event per pointer move: with 30
drawers that is 30 events a second to each screen rather than 900.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from .broadcast import Emit, channel

log = logging.getLogger(__name__)

#: Drafts kept per room and window; past that the oldest are dropped (they are volatile).
MAX_PER_WINDOW = 400


class DraftRelay:
    def __init__(self, emit: Emit, window_s: float = 1 / 30) -> None:
        self._emit = emit
        self.window_s = window_s
        self._pending: dict[tuple[str, int], list[dict[str, Any]]] = {}
        self._senders: dict[tuple[str, int], asyncio.Task] = {}
        self._last_sent: dict[tuple[str, int], float] = {}

    def add(self, room_slug: str, round_id: int, draft: dict[str, Any]) -> None:
        """Queue one participant's draft for the room's next batch."""
        key = (room_slug, round_id)
        batch = self._pending.setdefault(key, [])
        batch.append(draft)
        if len(batch) > MAX_PER_WINDOW:
            del batch[: len(batch) - MAX_PER_WINDOW]
        if key not in self._senders:
            self._senders[key] = asyncio.create_task(self._send_later(key))

    async def _send_later(self, key: tuple[str, int]) -> None:
        # Windows keep a fixed beat from the last send (not from the first draft after it), so
        # a busy room still gets about 30 batches a second; after a pause the first goes at once.
        loop = asyncio.get_running_loop()
        delay = self._last_sent.get(key, float("-inf")) + self.window_s - loop.time()
        try:
            if delay > 0:
                await asyncio.sleep(delay)
        finally:
            self._senders.pop(key, None)
        drafts = self._pending.pop(key, [])
        if not drafts:
            return
        self._last_sent[key] = loop.time()
        if len(self._last_sent) > 10_000:
            self._last_sent.clear()  # rooms and rounds come and go; forgetting costs one early send
        room_slug, round_id = key
        try:
            await self._emit("sketch:drafts", {"room": room_slug, "round_id": round_id, "drafts": drafts}, channel(room_slug))
        except Exception:
            log.exception("relaying sketch drafts of %s failed", room_slug)

    async def close(self) -> None:
        for task in self._senders.values():
            task.cancel()
        self._senders.clear()
        self._pending.clear()
