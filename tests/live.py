"""A real hypercorn server in the test's event loop, and real HTTP and Socket.IO clients for it."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import socketio
from hypercorn.asyncio import serve
from hypercorn.config import Config

from .services import free_port


@asynccontextmanager
async def live_server(asgi) -> AsyncIterator[str]:  # type: ignore[no-untyped-def]
    """Serve `asgi` on a free loopback port; yields its base URL."""
    port = free_port()
    config = Config()
    config.bind = [f"127.0.0.1:{port}"]
    config.accesslog = None
    config.errorlog = None
    config.graceful_timeout = 1
    stop = asyncio.Event()
    task = asyncio.create_task(serve(asgi, config, shutdown_trigger=stop.wait))  # type: ignore[arg-type]
    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient() as probe:
        for _ in range(200):
            try:
                await probe.get(base + "/healthz")
                break
            except httpx.TransportError:
                await asyncio.sleep(0.05)
    try:
        yield base
    finally:
        stop.set()
        # A loaded machine can take a while to stop the app (its clocks and worker finish first).
        await asyncio.wait_for(task, timeout=30)


class Screen:
    """One browser-like participant: an HTTP client with its cookie and a Socket.IO connection
    that records every event it receives."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = httpx.AsyncClient(base_url=base)
        self.sio = socketio.AsyncClient(reconnection=False)
        self.events: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.arrived = asyncio.Condition()

        @self.sio.on("*")
        async def _any(event: str, data: Any) -> None:
            async with self.arrived:
                self.events[event].append(data)
                self.arrived.notify_all()

    async def join_as(self, nickname: str, room: str = "main") -> dict[str, Any]:
        response = await self.http.post("/api/session", json={"room": room, "nickname": nickname})
        assert response.status_code == 201, response.text
        return response.json()["me"]

    async def connect(self, room: str = "main") -> dict[str, Any]:
        cookie = "; ".join(f"{name}={value}" for name, value in self.http.cookies.items())
        await self.sio.connect(self.base, headers={"Cookie": cookie} if cookie else {}, transports=["websocket"])
        ack = await self.sio.call("room:join", {"room": room}, timeout=10)
        assert ack["ok"], ack
        return ack["snapshot"]

    async def submit(self, snapshot: dict[str, Any], prompt: str, box: tuple[int, int, int, int]) -> httpx.Response:
        """Submit an edit of the snapshot's seed with `box` painted."""
        from .conftest import mask_data_url

        seed = snapshot["round"]["seed"]
        return await self.http.post(
            "/api/rooms/main/submissions",
            json={"prompt": prompt, "mask": mask_data_url(seed["width"], seed["height"], box), "seed_id": seed["id"]},
        )

    async def enter(self, image_id: int) -> dict[str, Any]:
        """Enter a finished attempt into the vote; returns the image."""
        response = await self.http.post(f"/api/rooms/main/images/{image_id}/entry", json={"entered": True})
        assert response.status_code == 200, response.text
        return response.json()["image"]

    async def wait_for(self, event: str, predicate=lambda data: True, timeout: float = 10.0) -> dict[str, Any]:  # type: ignore[no-untyped-def]
        async def found() -> dict[str, Any]:
            async with self.arrived:
                while True:
                    for data in self.events[event]:
                        if predicate(data):
                            return data
                    await self.arrived.wait()

        return await asyncio.wait_for(found(), timeout)

    async def close(self) -> None:
        if self.sio.connected:
            await self.sio.disconnect()
        await self.http.aclose()
