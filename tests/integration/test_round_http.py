"""One complete round through the HTTP API on the embedded defaults (SQLite, local media, offline)."""

from __future__ import annotations

import io

from PIL import Image

from tests.factories import enter, join, move_phase, snapshot, submit, wait_until_done


async def test_full_round_winner_becomes_next_seed(app):  # type: ignore[no-untyped-def]
    alice, bob, carol = (app.quart_app.test_client() for _ in range(3))
    await join(alice, "Alice")
    await join(bob, "Bob")
    await join(carol, "Carol")

    first = await snapshot(alice)
    assert first["round"]["number"] == 1 and first["round"]["phase"] == "generate"

    response = await submit(alice, "a red kite")
    assert response.status_code == 202
    body = await response.get_json()
    kite = body["image"]
    assert kite["status"] == "queued" and kite["author"]["nickname"] == "Alice" and body["job_id"] > 0
    response = await submit(bob, "a yellow balloon", box=(500, 50, 700, 250))
    balloon = (await response.get_json())["image"]

    done = await wait_until_done(alice, kite["id"])
    assert done["status"] == "done" and done["offline"] is True and done["provider"] == "offline"
    assert done["url"] and done["thumb_url"] and done["mask_url"]
    await wait_until_done(bob, balloon["id"])
    # Finished edits are private attempts until their authors enter them.
    assert [i["id"] for i in (await snapshot(carol))["images"]] == []
    assert (await enter(alice, kite["id"])).status_code == 200
    assert (await enter(bob, balloon["id"])).status_code == 200
    assert [i["id"] for i in (await snapshot(carol))["images"]] == [kite["id"], balloon["id"]]

    assert (await move_phase(alice, "generate", "vote")).status_code == 200

    # Votes: Bob and Carol like the kite; Carol dislikes the balloon, then changes her mind.
    for voter, image_id, value in [(bob, kite["id"], "up"), (carol, kite["id"], "up"), (carol, balloon["id"], "down"), (carol, balloon["id"], "none")]:
        response = await voter.post("/api/rooms/main/votes", json={"image_id": image_id, "value": value})
        assert response.status_code == 200, await response.get_data(as_text=True)
    tally = (await response.get_json())["tally"]
    assert tally == {"image_id": balloon["id"], "up": 0, "down": 0, "score": 0, "wilson": 0.0, "seq": 2}

    snap = await snapshot(carol)
    assert snap["my_votes"] == {str(kite["id"]): "up"}

    response = await move_phase(alice, "vote", "closed")
    assert response.status_code == 200
    new_round = (await response.get_json())["round"]
    assert new_round["number"] == 2 and new_round["phase"] == "generate"
    assert new_round["seed"]["id"] == kite["id"]

    # The new seed is the winner's composited result: outside the mask it equals the old seed.
    old_seed = Image.open(io.BytesIO(await (await alice.get(first["round"]["seed"]["url"])).get_data()))
    new_seed = Image.open(io.BytesIO(await (await alice.get(new_round["seed"]["url"])).get_data()))
    assert new_seed.size == old_seed.size
    assert new_seed.convert("RGB").getpixel((10, 10)) == old_seed.convert("RGB").getpixel((10, 10))
    assert new_seed.convert("RGB").getpixel((200, 180)) != old_seed.convert("RGB").getpixel((200, 180))

    lineage = await (await alice.get("/api/rooms/main/lineage")).get_json()
    assert [step["round"]["number"] for step in lineage["steps"]] == [1, 2]
    assert lineage["steps"][0]["winner"]["id"] == kite["id"]
    assert (await snapshot(alice))["images"] == []


async def test_round_without_entries_keeps_its_seed(client):  # type: ignore[no-untyped-def]
    before = await snapshot(client)
    assert (await move_phase(client, "generate", "vote")).status_code == 200
    response = await move_phase(client, "vote", "closed")
    after = (await response.get_json())["round"]
    assert after["number"] == 2 and after["seed"]["id"] == before["round"]["seed"]["id"]


async def test_deadline_moves_the_phase_by_itself(client):  # type: ignore[no-untyped-def]
    import asyncio

    response = await move_phase(client, "generate", "vote", duration_s=1)
    assert (await response.get_json())["round"]["deadline"] is not None
    for _ in range(50):
        await asyncio.sleep(0.1)
        snap = await snapshot(client)
        if snap["round"]["number"] == 2:
            break
    assert snap["round"]["number"] == 2 and snap["round"]["phase"] == "generate"


async def test_healthz_reports_each_part(client):  # type: ignore[no-untyped-def]
    response = await client.get("/healthz")
    assert response.status_code == 200
    body = await response.get_json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["storage"] == {"ok": True, "backend": "local"}
    assert body["checks"]["redis"] == {"ok": None, "configured": False}
    assert body["checks"]["generator"]["provider"] == "offline"


async def test_pages_render_the_client_shell(client):  # type: ignore[no-untyped-def]
    for path, page in [("/", "landing"), ("/room/main", "room"), ("/host", "host")]:
        response = await client.get(path)
        assert response.status_code == 200
        html = await response.get_data(as_text=True)
        assert f'data-page="{page}"' in html and "/static/app.js" in html
