"""The "AI or human?" game over HTTP: artworks with credits, starting, revealing and closing
pictures, results, and refusals that leave nothing behind."""

from __future__ import annotations

import base64
import io
from pathlib import Path

from PIL import Image

from tests.factories import HOST, enter, join, snapshot, submit, wait_until_done

ROOT = "/api/host/rooms/main"


def picture_data_url(colour=(200, 40, 40), size=(320, 240), fmt: str = "JPEG") -> str:
    image = Image.new("RGB", size, colour)
    for x in range(0, size[0], 20):  # some structure, so it is not one flat colour
        image.paste((colour[0] // 2, colour[1], 255 - colour[2]), (x, 0, x + 6, size[1]))
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return f"data:image/{fmt.lower()};base64," + base64.b64encode(buffer.getvalue()).decode()


async def upload(client, title: str = "Haystacks", artist: str = "Claude Monet", **extra):  # type: ignore[no-untyped-def]
    body = {"image": picture_data_url(), "title": title, "artist": artist, **extra}
    return await client.post(f"{ROOT}/artworks", json=body, headers=HOST)


def media_files(app, folder: str) -> list[Path]:  # type: ignore[no-untyped-def]
    root = Path(app.services.settings.media_dir)
    return sorted(p for p in root.glob(f"rooms/*/{folder}/*") if p.is_file())


async def test_artworks_upload_list_and_delete(app, client) -> None:  # type: ignore[no-untyped-def]
    response = await upload(client, source_url="https://example.org/haystacks")
    assert response.status_code == 201, await response.get_data(as_text=True)
    artwork = (await response.get_json())["artwork"]
    assert artwork["title"] == "Haystacks" and artwork["artist"] == "Claude Monet"
    assert artwork["source_url"] == "https://example.org/haystacks"
    assert (artwork["width"], artwork["height"]) == (320, 240) and artwork["shown_in"] is None
    assert (await client.get(artwork["url"])).status_code == 200
    listed = (await (await client.get(f"{ROOT}/artworks", headers=HOST)).get_json())["artworks"]
    assert [a["id"] for a in listed] == [artwork["id"]]
    assert len(media_files(app, "artworks")) == 2  # the picture and its thumbnail

    deleted = await client.delete(f"{ROOT}/artworks/{artwork['id']}", headers=HOST)
    assert deleted.status_code == 204
    assert (await (await client.get(f"{ROOT}/artworks", headers=HOST)).get_json())["artworks"] == []
    assert media_files(app, "artworks") == []
    missing = await client.delete(f"{ROOT}/artworks/{artwork['id']}", headers=HOST)
    assert missing.status_code == 404 and (await missing.get_json())["error"]["code"] == "artwork_not_found"


async def test_bad_uploads_are_refused_and_write_nothing(app, client) -> None:  # type: ignore[no-untyped-def]
    text = "data:image/png;base64," + base64.b64encode(b"this is not a picture at all").decode()
    cases = [
        ({"image": text, "title": "T", "artist": "A"}, 422, "invalid_image"),
        ({"image": "data:text/plain;base64,aGVsbG8=", "title": "T", "artist": "A"}, 422, "invalid_image"),
        ({"image": "data:image/png;base64,@@@", "title": "T", "artist": "A"}, 422, "invalid_image"),
        ({"image": picture_data_url(), "title": "   ", "artist": "A"}, 422, "invalid_credit"),
        ({"image": picture_data_url(), "title": "T", "artist": " "}, 422, "invalid_credit"),
        ({"image": picture_data_url(), "title": "T", "artist": "A", "source_url": "javascript:alert(1)"}, 422, "invalid_credit"),
        ({"image": picture_data_url(), "title": "T"}, 400, "invalid_request"),
    ]
    for body, status, code in cases:
        response = await client.post(f"{ROOT}/artworks", json=body, headers=HOST)
        error = (await response.get_json())["error"]
        assert (response.status_code, error["code"]) == (status, code), (body.get("title"), error)
        assert error["message"] and "Traceback" not in error["message"]
    # A picture over MAX_IMAGE_PIXELS is refused from its header.
    big = picture_data_url(size=(5000, 4000), fmt="PNG")
    response = await client.post(f"{ROOT}/artworks", json={"image": big, "title": "T", "artist": "A"}, headers=HOST)
    assert response.status_code == 422 and (await response.get_json())["error"]["code"] == "invalid_image"
    assert (await (await client.get(f"{ROOT}/artworks", headers=HOST)).get_json())["artworks"] == []
    assert media_files(app, "artworks") == []


async def test_participants_cannot_use_the_facilitator_routes(client) -> None:  # type: ignore[no-untyped-def]
    await join(client, "Ada")
    for method, path, body in [
        ("post", f"{ROOT}/artworks", {"image": picture_data_url(), "title": "T", "artist": "A"}),
        ("get", f"{ROOT}/artworks", None),
        ("delete", f"{ROOT}/artworks/1", None),
        ("post", f"{ROOT}/game/items", {}),
        ("post", f"{ROOT}/game/reveal", {}),
        ("post", f"{ROOT}/game/close", {}),
        ("get", f"{ROOT}/game", None),
    ]:
        kwargs = {"json": body} if body is not None else {}
        if method == "delete":
            kwargs = {"headers": {"Content-Type": "application/json"}}
        response = await getattr(client, method)(path, **kwargs)
        assert response.status_code == 401, (method, path)
        assert (await response.get_json())["error"]["code"] == "not_facilitator"


async def test_a_game_round_trip_over_http(app, client) -> None:  # type: ignore[no-untyped-def]
    artwork = (await (await upload(client)).get_json())["artwork"]
    await join(client, "Ada")
    edit = (await (await submit(client, "a glass lighthouse")).get_json())["image"]
    await wait_until_done(client, edit["id"])
    assert (await enter(client, edit["id"])).status_code == 200
    before = (await snapshot(client))
    assert before["game"] is None
    listed = (await (await client.get(f"{ROOT}/game", headers=HOST)).get_json())["unshown_edits"]
    assert [(e["id"], e["prompt"], e["author"]) for e in listed] == [(edit["id"], "a glass lighthouse", "Ada")]

    started = await client.post(f"{ROOT}/game/items", json={"artwork_id": artwork["id"], "duration_s": 30}, headers=HOST)
    assert started.status_code == 201, await started.get_data(as_text=True)
    item = (await started.get_json())["item"]
    assert item["phase"] == "guess" and item["number"] == 1 and item["reveal"] is None and item["guesses"] == 0
    assert item["deadline"] - item["started_at"] == 30_000
    assert (item["width"], item["height"]) == (1024, 768), "every game picture is 1024 pixels on its long side"
    # The picture is a neutral copy: its address says nothing about where it came from.
    assert "/game/" in item["picture_url"] and "artwork" not in item["picture_url"]
    assert (await client.get(item["picture_url"])).status_code == 200
    snap = await snapshot(client)
    assert snap["version"] == before["version"] + 1
    assert snap["game"]["id"] == item["id"] and snap["game"]["reveal"] is None and snap["game"]["my_guess"] is None

    # While a picture takes guesses, another cannot start.
    again = await client.post(f"{ROOT}/game/items", json={}, headers=HOST)
    assert again.status_code == 409 and (await again.get_json())["error"]["code"] == "game_in_progress"
    shown = await client.delete(f"{ROOT}/artworks/{artwork['id']}", headers=HOST)
    assert shown.status_code == 409 and (await shown.get_json())["error"]["code"] == "artwork_shown"
    results = await (await client.get(f"{ROOT}/game", headers=HOST)).get_json()
    assert results["items"][0]["reveal"] is None, "the truth stays hidden until the reveal, on the console too"

    revealed = await client.post(f"{ROOT}/game/reveal", json={}, headers=HOST)
    assert revealed.status_code == 200
    reveal = (await revealed.get_json())["item"]["reveal"]
    assert reveal["truth"] == "human" and reveal["share_right"] is None
    assert reveal["source"] == {"kind": "artwork", "id": artwork["id"], "title": "Haystacks", "artist": "Claude Monet", "source_url": None}
    assert reveal["detector"] == {"status": "not_configured"}
    twice = await client.post(f"{ROOT}/game/reveal", json={}, headers=HOST)
    assert twice.status_code == 409 and (await twice.get_json())["error"]["code"] == "no_open_item"

    # The next picture (random: only the edit is left) closes the revealed one.
    second = await client.post(f"{ROOT}/game/items", json={"detector": False}, headers=HOST)
    assert second.status_code == 201
    item2 = (await second.get_json())["item"]
    assert item2["number"] == 2
    await client.post(f"{ROOT}/game/reveal", json={}, headers=HOST)
    results = await (await client.get(f"{ROOT}/game", headers=HOST)).get_json()
    assert [i["phase"] for i in results["items"]] == ["closed", "reveal"]
    second_reveal = results["items"][1]["reveal"]
    assert second_reveal["truth"] == "ai" and second_reveal["detector"] == {"status": "off"}
    assert second_reveal["source"]["prompt"] == "a glass lighthouse" and second_reveal["source"]["author"] == "Ada"
    assert results["pool"] == {"artworks": 0, "edits": 0}
    assert results["unshown_edits"] == []
    assert results["totals"]["items"] == 2 and results["totals"]["room_accuracy"] is None

    empty = await client.post(f"{ROOT}/game/items", json={}, headers=HOST)
    assert empty.status_code == 409 and (await empty.get_json())["error"]["code"] == "game_pool_empty"
    closed = await client.post(f"{ROOT}/game/close", json={}, headers=HOST)
    assert closed.status_code == 200 and (await closed.get_json())["item"]["phase"] == "closed"
    assert (await snapshot(client))["game"] is None
    nothing = await client.post(f"{ROOT}/game/close", json={}, headers=HOST)
    assert nothing.status_code == 409 and (await nothing.get_json())["error"]["code"] == "no_open_item"


async def test_choices_that_cannot_be_shown(client) -> None:  # type: ignore[no-untyped-def]
    artwork = (await (await upload(client)).get_json())["artwork"]
    await join(client, "Ada")
    attempt = (await (await submit(client, "a private attempt")).get_json())["image"]
    await wait_until_done(client, attempt["id"])
    cases = [
        ({"artwork_id": 999}, 404, "artwork_not_found"),
        ({"image_id": attempt["id"]}, 404, "image_not_found"),  # never entered: a private attempt
        ({"artwork_id": artwork["id"], "image_id": attempt["id"]}, 422, "invalid_choice"),
        ({"duration_s": 2}, 400, "invalid_request"),
        ({"duration_s": 601}, 400, "invalid_request"),
    ]
    for body, status, code in cases:
        response = await client.post(f"{ROOT}/game/items", json=body, headers=HOST)
        assert (response.status_code, (await response.get_json())["error"]["code"]) == (status, code), body
    results = await (await client.get(f"{ROOT}/game", headers=HOST)).get_json()
    assert results["items"] == [] and results["pool"] == {"artworks": 1, "edits": 0}
    unknown = await client.get("/api/host/rooms/nowhere/game", headers=HOST)
    assert unknown.status_code == 404
