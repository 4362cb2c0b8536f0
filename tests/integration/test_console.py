"""The console's API: rooms, seed uploads, participants with presence, counters, moderation list."""

from __future__ import annotations

import base64
import io

from PIL import Image

from pixelpatchwork.app import create_app
from tests.factories import HOST, join, snapshot, submit
from tests.integration.test_bad_input_http import error_of
from tests.live import Screen, live_server


def data_url(image: Image.Image, fmt: str = "PNG", **save: object) -> str:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **save)
    return f"data:image/{fmt.lower()};base64," + base64.b64encode(buffer.getvalue()).decode()


async def test_create_rooms_that_stay_apart(app) -> None:  # type: ignore[no-untyped-def]
    host, person = app.quart_app.test_client(), app.quart_app.test_client()
    assert (await error_of(await person.post("/api/host/rooms", json={"name": "Mine"})))[:2] == (401, "not_facilitator")
    seed = Image.new("RGB", (3000, 1000), (10, 120, 200))
    created = await host.post("/api/host/rooms", json={"name": "Friday Workshop!", "seed": data_url(seed), "vote_s": 60}, headers=HOST)
    assert created.status_code == 201
    room = (await created.get_json())["room"]
    assert room["slug"].startswith("friday-workshop-") and room["vote_s"] == 60 and len(room["join_code"]) == 6
    snap = await snapshot(person, room["slug"])
    assert snap["round"]["phase"] == "lobby"
    assert (snap["round"]["seed"]["width"], snap["round"]["seed"]["height"]) == (1536, 512)  # scaled, aspect kept
    listed = (await (await host.get("/api/host/rooms", headers=HOST)).get_json())["rooms"]
    assert {r["slug"] for r in listed} == {"main", room["slug"]}
    # Isolation: a participant of one room cannot act in the other.
    await join(person, "Ada", room=room["slug"])
    other = await person.post("/api/rooms/main/votes", json={"image_id": 1, "value": "up"})
    assert (await error_of(other))[:2] == (401, "not_joined")
    for bad in ({"name": "  "}, {"name": "x", "mode": "hourly"}, {"name": "x", "seed": "data:image/gif;base64,R0lG"}):
        response = await host.post("/api/host/rooms", json=bad, headers=HOST)
        assert response.status_code in (400, 422), bad
    assert len((await (await host.get("/api/host/rooms", headers=HOST)).get_json())["rooms"]) == 2


async def test_seed_upload_turns_upright_and_locks_after_the_first_edit(app) -> None:  # type: ignore[no-untyped-def]
    host, author = app.quart_app.test_client(), app.quart_app.test_client()
    picture = Image.new("RGB", (400, 200), (200, 10, 10))
    exif = picture.getexif()
    exif[0x0112] = 6  # "rotate 90° clockwise to view"
    uploaded = await host.post("/api/host/rooms/main/seed", json={"image": data_url(picture, "JPEG", exif=exif)}, headers=HOST)
    assert uploaded.status_code == 200
    seed = (await uploaded.get_json())["round"]["seed"]
    assert (seed["width"], seed["height"]) == (200, 400)
    not_image = await host.post("/api/host/rooms/main/seed", json={"image": "data:image/png;base64," + base64.b64encode(b"hello").decode()}, headers=HOST)
    assert (await error_of(not_image))[:2] == (422, "invalid_image")
    await join(author, "Author")
    await submit(author)
    locked = await host.post("/api/host/rooms/main/seed", json={"image": data_url(picture)}, headers=HOST)
    assert (await error_of(locked))[:2] == (409, "seed_locked")


async def test_participants_counters_and_the_moderation_list(make_settings) -> None:  # type: ignore[no-untyped-def]
    async with live_server(create_app(make_settings())) as base:
        author, watcher = Screen(base), Screen(base)
        try:
            await author.join_as("Author")
            snap = await author.connect()
            await watcher.connect()
            image_id = (await author.submit(snap, "a hidden message", (0, 0, 40, 40))).json()["image"]["id"]
            await author.wait_for("image:updated", lambda d: d["image"]["id"] == image_id and d["image"]["status"] == "done")
            await author.enter(image_id)
            http = author.http
            people = (await http.get("/api/host/rooms/main/participants", headers=HOST)).json()["participants"]
            assert people == [{"id": snap["me"]["id"], "nickname": "Author", "connected": True, "removed": None,
                               "participant_ref": None, "submissions": 1, "votes": 0}]
            counters = (await http.get("/api/host/rooms/main/counters", headers=HOST)).json()
            assert counters == {"connected": 2, "participants": 1, "submitted": 1, "entered": 1, "voters": 0, "votes": 0,
                                "queued": 0, "generating": 0, "failed": 0}
            await http.post(f"/api/host/rooms/main/images/{image_id}/moderation", json={"action": "hide"}, headers=HOST)
            listed = (await http.get("/api/host/rooms/main/images", headers=HOST)).json()["images"]
            assert [(i["prompt"], i["hidden"]) for i in listed] == [("a hidden message", True)]
            assert (await http.get("/api/host/rooms/main/counters")).status_code == 401
            await author.sio.disconnect()
            import asyncio

            await asyncio.sleep(0.2)
            people = (await http.get("/api/host/rooms/main/participants", headers=HOST)).json()["participants"]
            assert people[0]["connected"] is False
        finally:
            await author.close()
            await watcher.close()


async def test_presence_is_shared_between_processes(make_settings, redis_url, unique_channel) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    common = dict(redis_url=redis_url, redis_channel=unique_channel)
    first = make_settings(**common)
    second = make_settings(**common, database_url=first.database_url, media_dir=first.media_dir)
    async with live_server(create_app(first)) as base_a, live_server(create_app(second)) as base_b:
        person = Screen(base_b)
        try:
            me = await person.join_as("Remote")
            await person.connect()
            await asyncio.sleep(0.3)
            people = (await person.http.get(base_a + "/api/host/rooms/main/participants", headers=HOST)).json()["participants"]
            assert [(p["id"], p["connected"]) for p in people] == [(me["id"], True)]
        finally:
            await person.close()


async def test_cofacilitator_link_signs_in_without_the_token(app) -> None:  # type: ignore[no-untyped-def]
    host, helper, stranger = (app.quart_app.test_client() for _ in range(3))
    assert (await stranger.post("/api/host/invites", json={})).status_code == 401
    link = (await (await host.post("/api/host/invites", json={}, headers=HOST)).get_json())["link"]
    opened = await helper.get(link)
    assert opened.status_code == 302 and opened.headers["Location"].endswith("/host")
    assert (await (await helper.get("/api/host/session")).get_json()) == {"facilitator": True}
    forged = await stranger.get(link[:-3] + "abc")
    assert forged.status_code == 302 and "invite=expired" in forged.headers["Location"]
    assert (await (await stranger.get("/api/host/session")).get_json()) == {"facilitator": False}
