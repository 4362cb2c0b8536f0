"""The draft relay sends one batch per room, round and window, on a fixed beat."""

from __future__ import annotations

import asyncio

from pixelpatchwork.realtime.drafts import MAX_PER_WINDOW, DraftRelay


async def test_batches_keep_a_fixed_beat_and_rooms_apart() -> None:
    sent: list[tuple[float, str, dict]] = []
    loop = asyncio.get_running_loop()

    async def emit(event: str, payload: dict, channel: str) -> None:
        sent.append((loop.time(), channel, payload))

    relay = DraftRelay(emit, window_s=0.05)
    relay.add("main", 1, {"x": 0})
    await asyncio.sleep(0.005)
    assert len(sent) == 1, "after a quiet spell the first draft goes at once"
    for n in range(1, 6):
        relay.add("main", 1, {"x": n})
        relay.add("other", 1, {"x": n})
    await asyncio.sleep(0.12)
    main = [payload for _t, channel, payload in sent if channel == "room:main"]
    other = [payload for _t, channel, payload in sent if channel == "room:other"]
    assert [d["x"] for batch in main for d in batch["drafts"]] == [0, 1, 2, 3, 4, 5]
    assert len(main) == 2 and len(other) == 1, "drafts of one window travel together"
    first, second = [t for t, channel, _p in sent if channel == "room:main"]
    assert second - first >= 0.045, "the next batch waits for the window"
    await relay.close()


async def test_a_flood_keeps_only_the_newest_drafts() -> None:
    sent: list[dict] = []

    async def emit(event: str, payload: dict, channel: str) -> None:
        sent.append(payload)

    relay = DraftRelay(emit, window_s=0.02)
    relay.add("main", 1, {"x": -1})
    await asyncio.sleep(0.001)
    for n in range(MAX_PER_WINDOW + 50):
        relay.add("main", 1, {"x": n})
    await asyncio.sleep(0.05)
    last = sent[-1]["drafts"]
    assert len(last) == MAX_PER_WINDOW and last[-1]["x"] == MAX_PER_WINDOW + 49
    await relay.close()
