"""What a screen of a sketch round does with what it hears: follow the numbered operations and
rebuild the label map from them, as the browser client does."""

from __future__ import annotations

from typing import Any

import numpy as np

from pixelpatchwork.sketch.raster import Stroke, render

from .live import Screen


def strokes_after(state: dict[str, Any], ops: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """The strokes on the sketch after applying `ops` (in seq order, each at most once) to a
    sketch:join state; raises when an operation is missing (a gap)."""
    strokes = {stroke["seq"]: stroke for stroke in state["strokes"]}
    seq = state["seq"]
    for op in sorted({op["seq"]: op for op in ops if op["round_id"] == state["round_id"]}.values(), key=lambda o: o["seq"]):
        if op["seq"] <= seq:
            continue
        assert op["seq"] == seq + 1, f"operation {seq + 1} never arrived"
        seq = op["seq"]
        if op["op"] == "stroke":
            strokes[op["seq"]] = op["stroke"]
        for removed in op["removed"]:
            strokes.pop(removed, None)
    return [strokes[key] for key in sorted(strokes)], seq


def map_of(strokes: list[dict[str, Any]]) -> np.ndarray:
    return render([
        Stroke(tool=s["tool"], label=s["label"], size=s["size"], points=tuple((p[0], p[1]) for p in s["points"]))
        for s in strokes
    ])


async def join_sketch(screen: Screen, room: str = "main") -> dict[str, Any]:
    ack = await screen.sio.call("sketch:join", {"room": room}, timeout=10)
    assert ack["ok"], ack
    return ack["sketch"]


async def stroke(screen: Screen, round_id: int, data: dict[str, Any], room: str = "main") -> dict[str, Any]:
    return await screen.sio.call("sketch:stroke", {"room": room, "round_id": round_id, "stroke": data}, timeout=10)
