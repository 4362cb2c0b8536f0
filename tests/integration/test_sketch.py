"""Sketch rounds over real Socket.IO connections to a real server (embedded defaults): drawing
together, undo, lock and clear, painting the sketch, voting on renderings, COCO export, and
the bad input the sketch refuses."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import zipfile

import numpy as np
import pytest
from PIL import Image
from pycocotools import mask as mask_utils

from pixelpatchwork.app import create_app
from pixelpatchwork.sketch.coco import label_map_from_coco
from pixelpatchwork.sketch.raster import digest
from tests.factories import HOST
from tests.live import Screen, live_server
from tests.sketch_screens import join_sketch, map_of, stroke, strokes_after

SKY, GRASS, TREE = 157, 124, 169  # in the default `park` palette
BEACH_ONLY = 154  # sand: in `beach` and `playground`, not in `park`


@pytest.fixture
async def server(make_settings):  # type: ignore[no-untyped-def]
    async with live_server(create_app(make_settings(entries_per_round=3))) as base:
        yield base


@pytest.fixture
async def screens(server):  # type: ignore[no-untyped-def]
    opened: list[Screen] = []

    async def open_screen(nickname: str | None = None) -> Screen:
        screen = Screen(server)
        opened.append(screen)
        if nickname:
            await screen.join_as(nickname)
        await screen.connect()
        return screen

    yield open_screen
    for screen in opened:
        await screen.close()


async def make_sketch_round(screen: Screen) -> dict:
    response = await screen.http.post("/api/host/rooms/main/round-kind", json={"kind": "sketch"}, headers=HOST)
    assert response.status_code == 200, response.text
    return response.json()["round"]


async def test_drawing_together_ends_with_the_servers_map_on_every_screen(screens) -> None:  # type: ignore[no-untyped-def]
    alice, bob, projector = await screens("Alice"), await screens("Bob"), await screens()
    round_ = await make_sketch_round(alice)
    assert round_["kind"] == "sketch" and round_["sketch"] == {"locked": False, "palette": "park"}
    await bob.wait_for("round:updated", lambda d: d["round"]["kind"] == "sketch")
    start = await join_sketch(projector)
    assert start["seq"] == 0 and start["strokes"] == [] and start["canvas"]["width"] == 512
    assert any(label["id"] == SKY and label["color"].startswith("#") for label in start["palette"]["labels"])

    async def draw(screen: Screen, label: int, row: int) -> list[dict]:
        acks = []
        for n in range(8):
            y = (row + 17 * n) % 384
            acks.append(await stroke(screen, round_["id"], {"tool": "brush", "label": label, "size": 9 + n, "points": [[5, y], [250 + 20 * n, (y + 40) % 384], [500, y]]}))
        return acks

    # Both draw at once, crossing each other's strokes: the order the server gives decides.
    acks_a, acks_b = await asyncio.gather(draw(alice, SKY, 3), draw(bob, GRASS, 11))
    assert all(ack["ok"] for ack in acks_a + acks_b), acks_a + acks_b
    fill = await stroke(alice, round_["id"], {"tool": "fill", "label": TREE, "points": [[511, 383]]})
    erase = await stroke(bob, round_["id"], {"tool": "erase", "label": 0, "size": 20, "points": [[100, 100], [300, 200]]})
    assert fill["ok"] and erase["ok"]
    seqs = sorted(ack["stroke"]["seq"] for ack in [*acks_a, *acks_b, fill, erase])
    assert seqs == list(range(1, 19)), "every stroke gets its own place in one gap-free order"

    undo = await bob.sio.call("sketch:undo", {"room": "main", "round_id": round_["id"]}, timeout=10)
    assert undo == {"ok": True, "seq": 19, "removed": [erase["stroke"]["seq"]]}

    server = (await alice.http.get("/api/rooms/main/sketch")).json()
    assert server["sketch"]["seq"] == 19 and len(server["sketch"]["strokes"]) == 17
    assert server["sketch"]["authors"] == {str(acks_a[0]["stroke"]["user_id"]): "Alice", str(acks_b[0]["stroke"]["user_id"]): "Bob"}
    for screen in (alice, bob, projector):
        await screen.wait_for("sketch:op", lambda d: d["seq"] == 19)
        strokes, seq = strokes_after(start, screen.events["sketch:op"])
        assert seq == 19
        assert digest(map_of(strokes)) == server["digest"]
    late = await screens("Late")
    state = await join_sketch(late)
    assert digest(map_of(state["strokes"])) == server["digest"], "a late joiner gets the map as it is"
    png = await alice.http.get("/api/rooms/main/sketch.png")
    with Image.open(io.BytesIO(png.content)) as picture:
        assert picture.mode == "P" and digest(np.array(picture)) == server["digest"]
    assert set(server["labels"]) >= {str(SKY), str(GRASS), str(TREE)}


async def test_drafts_reach_the_room_with_the_drawers_name(screens) -> None:  # type: ignore[no-untyped-def]
    alice, projector = await screens("Alice"), await screens()
    round_ = await make_sketch_round(alice)
    for n in range(5):
        await alice.sio.emit("sketch:draft", {"room": "main", "round_id": round_["id"], "x": 10 + n, "y": 20, "tool": "brush",
                                              "label": SKY, "size": 8, "points": [[10 + n, 20]], "start": n == 0})
    seen = await projector.wait_for("sketch:drafts", lambda d: any(dr["x"] == 14 for dr in d["drafts"]))
    draft = next(dr for dr in seen["drafts"] if dr["x"] == 14)
    assert draft["nickname"] == "Alice" and draft["points"] == [[14, 20]] and draft["label"] == SKY
    batches = projector.events["sketch:drafts"]
    for _ in range(100):
        if sum(len(batch["drafts"]) for batch in batches) >= 5:
            break
        await asyncio.sleep(0.02)
    assert sum(len(batch["drafts"]) for batch in batches) == 5
    assert len(batches) < 5, "drafts are sent in batches, not one event per pointer move"
    # A spectator (no nickname) cannot draw.
    refused = await projector.sio.call("sketch:draft", {"room": "main", "round_id": round_["id"], "x": 1, "y": 1}, timeout=10)
    assert refused["ok"] is False and refused["error"]["code"] == "not_joined"


async def test_lock_clear_and_palette(screens) -> None:  # type: ignore[no-untyped-def]
    alice, bob = await screens("Alice"), await screens("Bob")
    round_ = await make_sketch_round(alice)
    assert (await stroke(alice, round_["id"], {"tool": "brush", "label": GRASS, "size": 30, "points": [[50, 50]]}))["ok"]

    locked = await alice.http.post("/api/host/rooms/main/sketch/lock", json={"locked": True}, headers=HOST)
    assert locked.status_code == 200 and locked.json()["round"]["sketch"]["locked"] is True
    await bob.wait_for("round:updated", lambda d: d["round"]["sketch"] and d["round"]["sketch"]["locked"])
    refused = await stroke(bob, round_["id"], {"tool": "brush", "label": GRASS, "size": 5, "points": [[1, 1]]})
    assert refused["ok"] is False and refused["error"]["code"] == "sketch_locked"
    undo = await alice.sio.call("sketch:undo", {"room": "main", "round_id": round_["id"]}, timeout=10)
    assert undo["ok"] is False and undo["error"]["code"] == "sketch_locked"
    assert (await alice.http.post("/api/host/rooms/main/sketch/lock", json={"locked": False}, headers=HOST)).status_code == 200

    # The facilitator picks another palette: its labels are accepted from now on, the old ones not.
    assert (await stroke(bob, round_["id"], {"tool": "brush", "label": BEACH_ONLY, "size": 5, "points": [[1, 1]]}))["error"]["code"] == "sketch_unknown_label"
    chosen = await alice.http.post("/api/host/rooms/main/sketch/palette", json={"palette": "beach"}, headers=HOST)
    assert chosen.status_code == 200 and chosen.json()["round"]["sketch"]["palette"] == "beach"
    assert (await stroke(bob, round_["id"], {"tool": "brush", "label": BEACH_ONLY, "size": 5, "points": [[1, 1]]}))["ok"]
    # Grass (drawn with the park palette) is no beach label: the sketch still says how to colour it.
    beach = await join_sketch(bob)
    assert GRASS not in {label["id"] for label in beach["palette"]["labels"]}
    assert [(label["id"], label["name"]) for label in beach["other_labels"]] == [(GRASS, "grass")]
    unknown = await alice.http.post("/api/host/rooms/main/sketch/palette", json={"palette": "moon"}, headers=HOST)
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "sketch_unknown_palette"
    palettes = (await alice.http.get("/api/host/rooms/main/palettes", headers=HOST)).json()
    assert palettes["current"] == "beach" and {"park", "beach", "all"} <= {p["name"] for p in palettes["palettes"]}

    cleared = await alice.http.post("/api/host/rooms/main/sketch/clear", json={}, headers=HOST)
    assert cleared.status_code == 200 and cleared.json()["removed"] == 2
    op = await bob.wait_for("sketch:op", lambda d: d["op"] == "clear")
    assert len(op["removed"]) == 2
    state = (await bob.http.get("/api/rooms/main/sketch")).json()
    assert state["sketch"]["strokes"] == [] and state["labels"] == {"0": 512 * 384}
    nothing = await bob.sio.call("sketch:undo", {"room": "main", "round_id": round_["id"]}, timeout=10)
    assert nothing["ok"] is False and nothing["error"]["code"] == "nothing_to_undo"

    # Participants are not facilitators.
    for path, body in (("round-kind", {"kind": "edit"}), ("sketch/lock", {"locked": True}), ("sketch/clear", {})):
        assert (await bob.http.post(f"/api/host/rooms/main/{path}", json=body)).status_code == 401


async def test_bad_strokes_are_refused_and_the_connection_stays(screens) -> None:  # type: ignore[no-untyped-def]
    alice = await screens("Alice")
    # Not a sketch round yet.
    snap = (await alice.http.get("/api/rooms/main")).json()
    edit_round = snap["round"]["id"]
    refused = await stroke(alice, edit_round, {"tool": "brush", "label": SKY, "size": 5, "points": [[1, 1]]})
    assert refused["error"]["code"] == "not_a_sketch_round"
    round_ = await make_sketch_round(alice)
    good = {"tool": "brush", "label": SKY, "size": 5, "points": [[1, 1]]}
    cases = {
        "sketch_unknown_label": {**good, "label": 999},
        "sketch_point_outside": {**good, "points": [[1, 1], [512, 10]]},
        "sketch_too_many_points": {**good, "points": [[1, 1]] * 2001},
        "sketch_bad_size": {**good, "size": 0},
        "sketch_invalid_stroke": {**good, "tool": "spray"},
    }
    for code, data in cases.items():
        ack = await stroke(alice, round_["id"], data)
        assert ack["ok"] is False and ack["error"]["code"] == code, (code, ack)
        assert ack["error"]["message"]
    not_points = await stroke(alice, round_["id"], {**good, "points": "everywhere"})
    assert not_points["error"]["code"] == "sketch_invalid_stroke"
    bad_payload = await alice.sio.call("sketch:stroke", {"room": "main", "stroke": good}, timeout=10)
    assert bad_payload["error"]["code"] == "invalid_request"
    huge = await alice.sio.call("sketch:draft", {"room": "main", "round_id": round_["id"], "x": 1, "y": 1, "points": [[1, 1]] * 201}, timeout=10)
    assert huge["error"]["code"] == "invalid_request"
    wrong_round = await stroke(alice, edit_round + 1000, good)
    assert wrong_round["error"]["code"] == "sketch_round_over"
    # Nothing was stored, and the same connection still draws.
    state = (await alice.http.get("/api/rooms/main/sketch")).json()["sketch"]
    assert state["seq"] == 0 and state["strokes"] == []
    assert (await stroke(alice, round_["id"], good))["ok"]
    # Edits (mask + prompt) are refused in a sketch round, and painting in an edit round.
    snap = (await alice.http.get("/api/rooms/main")).json()
    assert (await alice.submit(snap, "a boat", (0, 0, 10, 10))).json()["error"]["code"] == "sketch_round"
    kind = await alice.http.post("/api/host/rooms/main/round-kind", json={"kind": "edit"}, headers=HOST)
    assert kind.status_code == 409 and kind.json()["error"]["code"] == "round_started"


async def test_paint_vote_and_the_winner_becomes_the_seed(screens) -> None:  # type: ignore[no-untyped-def]
    alice, bob = await screens("Alice"), await screens("Bob")
    round_ = await make_sketch_round(alice)
    empty = await alice.http.post("/api/rooms/main/sketch/paint", json={"round_id": round_["id"]})
    assert empty.status_code == 422 and empty.json()["error"]["code"] == "sketch_empty"
    await stroke(alice, round_["id"], {"tool": "brush", "label": SKY, "size": 64, "points": [[0, 30], [511, 30], [511, 90], [0, 90]]})
    await stroke(bob, round_["id"], {"tool": "fill", "label": GRASS, "points": [[200, 300]]})
    painted = await alice.http.post("/api/rooms/main/sketch/paint", json={"round_id": round_["id"], "style": "  watercolour   at dusk "})
    assert painted.status_code == 202, painted.text
    image = painted.json()["image"]
    assert image["prompt"] == "grass, sky · watercolour at dusk" and (image["width"], image["height"]) == (1024, 768)
    done = await bob.wait_for("image:updated", lambda d: d["image"]["id"] == image["id"] and d["image"]["status"] == "done")
    assert done["image"]["offline"]
    picture = await alice.http.get(done["image"]["url"])
    with Image.open(io.BytesIO(picture.content)) as rendered:
        assert rendered.size == (1024, 768)
        # The offline painter follows the map: the grass region takes grass's colour family.
        r, g, b = rendered.convert("RGB").getpixel((400, 650))
        assert g > r and g > b
    await alice.enter(image["id"])
    assert (await alice.http.post("/api/host/rooms/main/phase", json={"from": "generate", "to": "vote"}, headers=HOST)).status_code == 200
    vote = await bob.sio.call("vote:cast", {"room": "main", "image_id": image["id"], "value": "up"}, timeout=10)
    assert vote["ok"], vote
    late = await stroke(bob, round_["id"], {"tool": "brush", "label": SKY, "size": 5, "points": [[1, 1]]})
    assert late["error"]["code"] == "wrong_phase"
    assert (await alice.http.post("/api/host/rooms/main/phase", json={"from": "vote", "to": "closed"}, headers=HOST)).status_code == 200
    new_round = await bob.wait_for("round:updated", lambda d: d["round"]["number"] == 2)
    assert new_round["round"]["seed"]["id"] == image["id"] and new_round["round"]["kind"] == "edit"

    # The winner as an event background at a chosen size.
    download = await bob.http.get(f"/api/rooms/main/images/{image['id']}/download", params={"width": 1920, "height": 1080})
    assert download.status_code == 200 and "attachment" in download.headers["content-disposition"]
    with Image.open(io.BytesIO(download.content)) as background:
        assert background.size == (1920, 1080) and background.format == "PNG"
    for params in ({"width": "0"}, {"width": "big"}, {"width": 7680, "height": 7680}):
        bad = await bob.http.get(f"/api/rooms/main/images/{image['id']}/download", params=params)
        assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_size"
    assert (await bob.http.get("/api/rooms/main/images/999999/download")).status_code == 404

    # The sketch round as a COCO dataset: the map and the rendering, exactly.
    server_map = (await alice.http.get("/api/rooms/main/sketch")).json()  # round 2: an edit round now
    assert server_map["sketch"]["kind"] == "edit"
    export = await alice.http.get("/api/host/rooms/main/rounds/1/sketch-coco.zip", headers=HOST)
    assert export.status_code == 200
    with zipfile.ZipFile(io.BytesIO(export.content)) as archive:
        names = set(archive.namelist())
        dataset = json.loads(archive.read("annotations.json"))
    assert {"annotations.json", "labels/round-1-sketch.png", f"images/round-1-rendering-{image['id']}.png"} <= names
    sketch_entry, rendering_entry = dataset["images"]
    assert (sketch_entry["width"], sketch_entry["height"]) == (512, 384)
    assert (rendering_entry["width"], rendering_entry["height"]) == (1024, 768)
    decoded = label_map_from_coco(dataset, sketch_entry["id"])
    assert set(np.unique(decoded).tolist()) == {GRASS, SKY}
    for annotation in dataset["annotations"]:
        rle = annotation["segmentation"]
        assert isinstance(rle["counts"], str) and annotation["area"] == int(mask_utils.area({**rle, "counts": rle["counts"].encode()}))
    assert np.array_equal(label_map_from_coco(dataset, rendering_entry["id"])[::2, ::2], decoded)
    assert (await alice.http.get("/api/host/rooms/main/rounds/2/sketch-coco.zip", headers=HOST)).status_code == 404
    assert (await bob.http.get("/api/host/rooms/main/rounds/1/sketch-coco.zip")).status_code == 401


async def test_openai_gets_the_label_map_and_a_prompt_of_its_labels(make_settings, fake_openai) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(openai_api_key="sk-test-key", openai_base_url=fake_openai.base_url)
    async with live_server(create_app(settings)) as base:
        alice = Screen(base)
        try:
            await alice.join_as("Alice")
            await alice.connect()
            round_ = await make_sketch_round(alice)
            await stroke(alice, round_["id"], {"tool": "brush", "label": SKY, "size": 64, "points": [[0, 20], [511, 20], [511, 70], [0, 70]]})
            await stroke(alice, round_["id"], {"tool": "brush", "label": GRASS, "size": 64, "points": [[0, 330], [511, 330], [511, 370], [0, 370]]})
            painted = await alice.http.post("/api/rooms/main/sketch/paint", json={"round_id": round_["id"], "style": "oil painting"})
            assert painted.status_code == 202, painted.text
            image_id = painted.json()["image"]["id"]
            done = await alice.wait_for("image:updated", lambda d: d["image"]["id"] == image_id and d["image"]["status"] in ("done", "failed"), timeout=20)
            assert done["image"]["status"] == "done", done["image"]["error"]
            assert done["image"]["provider"] == "openai" and not done["image"]["offline"]
            assert any(e["image_id"] == image_id and e["preview_url"] for e in alice.events["image:progress"]), "previews stream"

            request = fake_openai.edit_requests[-1]
            assert request.mask is None, "the whole picture is painted: no mask"
            assert request.image_sizes == [(1024, 768)]
            prompt = request.prompt or ""
            lines = prompt.splitlines()
            assert any(line.startswith("- ") and "= sky (" in line and "top" in line for line in lines), prompt
            assert any(line.startswith("- ") and "= grass (" in line and "bottom" in line for line in lines), prompt
            assert prompt.endswith("Style: oil painting")
            picture = await alice.http.get(done["image"]["url"])
            with Image.open(io.BytesIO(picture.content)) as rendered:
                assert rendered.size == (1024, 768)
        finally:
            await alice.close()


async def test_the_dataset_export_keeps_the_sketch_and_its_history(screens) -> None:  # type: ignore[no-untyped-def]
    alice = await screens("Alice")
    round_ = await make_sketch_round(alice)
    kept = await stroke(alice, round_["id"], {"tool": "brush", "label": SKY, "size": 40, "points": [[0, 40], [511, 40]]})
    undone = await stroke(alice, round_["id"], {"tool": "brush", "label": TREE, "size": 9, "points": [[100, 200]]})
    await alice.sio.call("sketch:undo", {"room": "main", "round_id": round_["id"]}, timeout=10)
    painted = await alice.http.post("/api/rooms/main/sketch/paint", json={"round_id": round_["id"]})
    image_id = painted.json()["image"]["id"]
    await alice.wait_for("image:updated", lambda d: d["image"]["id"] == image_id and d["image"]["status"] == "done")
    server = (await alice.http.get("/api/rooms/main/sketch")).json()

    export = await alice.http.get("/api/host/rooms/main/export.zip", headers=HOST)
    assert export.status_code == 200
    with zipfile.ZipFile(io.BytesIO(export.content)) as archive:
        label_png = archive.read(f"sketches/{image_id}.png")
        strokes = list(csv.DictReader(io.StringIO(archive.read("sketch_strokes.csv").decode())))
        rounds = list(csv.DictReader(io.StringIO(archive.read("rounds.csv").decode())))
        images = {row["image_id"]: row for row in json.loads(archive.read("images.json"))}
        info = json.loads(archive.read("room.json"))
        readme = archive.read("README.md").decode()
    with Image.open(io.BytesIO(label_png)) as picture:
        assert digest(np.array(picture)) == server["digest"], "the rendering's label map is the sketch it was painted from"
    assert [(row["seq"], row["label_name"], row["removed_seq"]) for row in strokes] == [
        (str(kept["stroke"]["seq"]), "sky-other", ""), (str(undone["stroke"]["seq"]), "tree", "3"),
    ]
    assert json.loads(strokes[0]["points"]) == [[0, 40], [511, 40]] and strokes[0]["point_count"] == "2"
    assert rounds[0]["kind"] == "sketch" and rounds[0]["sketch_palette"] == "park"
    assert images[image_id]["sketch_file"] == f"sketches/{image_id}.png" and images[image_id]["mask_file"] is None
    assert info["counts"]["sketch_files"] == 1
    assert "sketch_strokes.csv" in readme and "sketches/<image_id>.png" in readme
