"""Sketch rounds on the production parts: two server processes sharing MariaDB and Redis, with
drawers on both drawing at once; every screen ends with the map the server renders."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from pixelpatchwork.sketch.raster import digest
from tests.factories import HOST
from tests.live import Screen
from tests.sketch_screens import join_sketch, map_of, stroke, strokes_after

pytestmark = [pytest.mark.mariadb, pytest.mark.redis]

LABELS = (157, 124, 169, 97)  # sky, grass, tree, bush (the park palette)


async def test_drawers_on_two_processes_reach_the_same_map(two_servers_and_a_worker) -> None:  # type: ignore[no-untyped-def]
    base_a, base_b, _worker = two_servers_and_a_worker
    async with httpx.AsyncClient() as host:
        made = await host.post(base_a + "/api/host/rooms/main/round-kind", json={"kind": "sketch"}, headers=HOST)
        assert made.status_code == 200, made.text
        round_id = made.json()["round"]["id"]
    screens = [Screen(base_a if n % 2 == 0 else base_b) for n in range(4)]
    try:
        states = []
        for n, screen in enumerate(screens):
            await screen.join_as(f"Drawer {n}")
            await screen.connect()
            states.append(await join_sketch(screen))

        async def draw(n: int, screen: Screen) -> None:
            for k in range(10):
                y = (37 * n + 29 * k) % 384
                data = {"tool": "brush", "label": LABELS[n], "size": 5 + k, "points": [[0, y], [255, (y + 90) % 384], [511, y]]}
                if k == 7:
                    data = {"tool": "fill", "label": LABELS[n], "points": [[(60 * n + 7) % 512, (50 * k) % 384]]}
                ack = await stroke(screen, round_id, data)
                assert ack["ok"], ack
                if k == 4:
                    undo = await screen.sio.call("sketch:undo", {"room": "main", "round_id": round_id}, timeout=10)
                    assert undo["ok"], undo

        await asyncio.gather(*(draw(n, screen) for n, screen in enumerate(screens)))
        last = 4 * 10 + 4  # 40 strokes and 4 undos
        async with httpx.AsyncClient() as http:
            server = (await http.get(base_b + "/api/rooms/main/sketch")).json()
        assert server["sketch"]["seq"] == last and len(server["sketch"]["strokes"]) == 36
        for screen, state in zip(screens, states, strict=True):
            await screen.wait_for("sketch:op", lambda d: d["seq"] == last, timeout=15)
            strokes, seq = strokes_after(state, screen.events["sketch:op"])
            assert seq == last
            assert digest(map_of(strokes)) == server["digest"]
        # Drafts sent on one process reach screens on the other.
        await screens[0].sio.emit("sketch:draft", {"room": "main", "round_id": round_id, "x": 42, "y": 43, "points": []})
        seen = await screens[1].wait_for("sketch:drafts", lambda d: any(dr["x"] == 42 for dr in d["drafts"]))
        assert seen["drafts"][0]["nickname"] == "Drawer 0"
    finally:
        for screen in screens:
            await screen.close()
