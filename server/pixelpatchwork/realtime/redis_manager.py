"""A Redis Socket.IO manager that notices when its subscription has gone deaf and recovers
(and queues room broadcasts directly, see fanout.py).

python-socketio's manager reconnects when the connection raises, but a subscription can
also stop delivering without an error. Every process therefore publishes a heartbeat on the
room channel; the listener records when it last heard anything. A listener that has heard
nothing for three heartbeats is reported unhealthy (GET /healthz), and restarted at five.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import socketio

from .fanout import send_to_room

log = logging.getLogger(__name__)


class MonitoredRedisManager(socketio.AsyncRedisManager):
    def __init__(self, url: str, channel: str, heartbeat_s: float = 2.0, **kwargs: Any) -> None:
        super().__init__(url, channel=channel, **kwargs)
        self.heartbeat_s = heartbeat_s
        self.last_heard: float | None = None
        self.restarts = 0
        self._watchdog: asyncio.Task | None = None

    async def _listen(self):  # type: ignore[no-untyped-def]
        async for message in super()._listen():
            self.last_heard = time.monotonic()
            yield message

    async def _handle_emit(self, message):  # type: ignore[no-untyped-def]
        # Room broadcasts from any process are queued on this process's sockets directly.
        if message.get("callback") is not None or message.get("binary"):
            return await super()._handle_emit(message)
        data = message["data"]
        if isinstance(data, list):
            data = data[0] if len(data) == 1 else tuple(data)
        send_to_room(self, message["event"], data, message.get("namespace"), message.get("room"), message.get("skip_sid"))

    @property
    def silent_for_s(self) -> float | None:
        return None if self.last_heard is None else time.monotonic() - self.last_heard

    def deaf(self, heartbeats: int = 3) -> bool:
        silent = self.silent_for_s
        return silent is None or silent > heartbeats * self.heartbeat_s

    def start_watchdog(self) -> None:
        """Start listening now (python-socketio waits for the first client otherwise), publish
        heartbeats and watch the subscription. Call once, when the app starts serving."""
        if not self.server.manager_initialized:
            self.server.manager_initialized = True
            self.initialize()
        if self._watchdog is None:
            self.last_heard = time.monotonic()  # grace period while the subscription starts
            self._watchdog = asyncio.create_task(self._watch(), name="redis-watchdog")

    async def stop_watchdog(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
            await asyncio.gather(self._watchdog, return_exceptions=True)
            self._watchdog = None

    async def _watch(self) -> None:
        was_deaf = False
        while True:
            # The listener ignores messages that are not emits, so a heartbeat reaches no one
            # but proves the subscription delivers.
            await self._publish({"method": "heartbeat", "host_id": self.host_id})
            await asyncio.sleep(self.heartbeat_s)
            if self.deaf():
                if not was_deaf:
                    log.error("the Redis subscription has heard nothing for %.1f s", self.silent_for_s or 0)
                was_deaf = True
                # Health reports it from three silent heartbeats; a restart follows at five,
                # in case the listener only stalled.
                if self.deaf(heartbeats=5):
                    log.error("restarting the Redis subscription")
                    self._restart_listener()
            elif was_deaf:
                log.warning("the Redis subscription is live again")
                was_deaf = False

    def _restart_listener(self) -> None:
        thread = getattr(self, "thread", None)
        if thread is not None:
            thread.cancel()
        self.connected = False
        self.restarts += 1
        self.last_heard = time.monotonic()  # give the new subscription time to start
        self.thread = self.server.start_background_task(self._thread)
