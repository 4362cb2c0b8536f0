"""Helpers that drive a room through the HTTP API the way a browser does."""

from __future__ import annotations

import asyncio
from typing import Any

from .conftest import FACILITATOR_TOKEN, mask_data_url

JSON = {"Content-Type": "application/json"}
HOST = {"Authorization": f"Bearer {FACILITATOR_TOKEN}"}


async def join(client, nickname: str, room: str = "main") -> dict[str, Any]:  # type: ignore[no-untyped-def]
    response = await client.post("/api/session", json={"room": room, "nickname": nickname})
    assert response.status_code == 201, await response.get_data(as_text=True)
    return (await response.get_json())["me"]


async def snapshot(client, room: str = "main") -> dict[str, Any]:  # type: ignore[no-untyped-def]
    response = await client.get(f"/api/rooms/{room}")
    assert response.status_code == 200
    return await response.get_json()


async def submit(client, prompt: str = "a red kite", box=(100, 100, 300, 260), room: str = "main"):  # type: ignore[no-untyped-def]
    snap = await snapshot(client, room)
    seed = snap["round"]["seed"]
    return await client.post(
        f"/api/rooms/{room}/submissions",
        json={"prompt": prompt, "mask": mask_data_url(seed["width"], seed["height"], box), "seed_id": seed["id"]},
    )


async def enter(client, image_id: int, entered: bool = True, room: str = "main"):  # type: ignore[no-untyped-def]
    """Enter a finished attempt into the vote (or withdraw it)."""
    return await client.post(f"/api/rooms/{room}/images/{image_id}/entry", json={"entered": entered})


async def wait_until_done(client, image_id: int, room: str = "main", timeout: float = 10.0) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Poll the snapshot until the image is done or failed."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        snap = await snapshot(client, room)
        for image in snap["images"]:
            if image["id"] == image_id and image["status"] in ("done", "failed"):
                return image
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"image {image_id} did not finish in {timeout}s")
        await asyncio.sleep(0.05)


async def move_phase(client, from_phase: str, to_phase: str, duration_s: int | None = None, room: str = "main"):  # type: ignore[no-untyped-def]
    return await client.post(
        f"/api/host/rooms/{room}/phase", json={"from": from_phase, "to": to_phase, "duration_s": duration_s}, headers=HOST
    )
