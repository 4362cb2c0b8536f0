"""Bad input over HTTP: a clear 4xx naming the problem, and nothing stored."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pixelpatchwork.db.models import Image, Job, User, Vote
from tests.conftest import mask_data_url
from tests.factories import HOST, enter, join, move_phase, snapshot, submit, wait_until_done
from tests.unit.test_imaging import decompression_bomb


async def counts(app) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Rows of every table a request could write, and stored mask files."""
    async with app.services.sessionmaker() as db:
        found = {
            model.__name__: int(await db.scalar(select(func.count()).select_from(model)))
            for model in (Image, Job, User, Vote)
        }
    found["mask files"] = len(list(app.services.settings.media_dir.glob("rooms/*/masks/*")))
    return found


async def error_of(response) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    body = await response.get_json()
    return response.status_code, body["error"]["code"], body["error"]["message"]


@pytest.fixture
async def joined(app):  # type: ignore[no-untyped-def]
    client = app.quart_app.test_client()
    await join(client, "Ada")
    return client


def edit_body(snap, prompt: str = "a kite", mask: str | None = None, box=(10, 10, 50, 50)) -> dict:  # type: ignore[no-untyped-def]
    seed = snap["round"]["seed"]
    return {"prompt": prompt, "mask": mask or mask_data_url(seed["width"], seed["height"], box), "seed_id": seed["id"]}


@pytest.mark.parametrize(
    ("prompt", "code"),
    [("", "invalid_prompt"), ("   ", "invalid_prompt"), ("x" * 501, "invalid_prompt")],
)
async def test_bad_prompts(app, joined, prompt: str, code: str) -> None:  # type: ignore[no-untyped-def]
    before = await counts(app)
    snap = await snapshot(joined)
    response = await joined.post("/api/rooms/main/submissions", json=edit_body(snap, prompt))
    status, got, message = await error_of(response)
    assert (status, got) == (422, code) and message
    assert await counts(app) == before


async def test_bad_masks(app, joined) -> None:  # type: ignore[no-untyped-def]
    import base64

    before = await counts(app)
    snap = await snapshot(joined)
    seed = snap["round"]["seed"]
    bomb = "data:image/png;base64," + base64.b64encode(decompression_bomb(50_000, 50_000)).decode()
    cases = [
        (mask_data_url(100, 100, (0, 0, 10, 10)), "the seed is"),
        (mask_data_url(seed["width"], seed["height"], None), "empty"),
        ("data:image/gif;base64,R0lGODlhAQABAAAAACw=", "data URL"),
        ("data:image/png;base64," + base64.b64encode(b"%PDF-1.4 not an image").decode(), "must be a PNG"),
        (bomb, "exceeds the limit"),
        ("data:image/png;base64,@@@@", "base64"),
    ]
    for mask, reason in cases:
        response = await joined.post("/api/rooms/main/submissions", json=edit_body(snap, mask=mask))
        status, code, message = await error_of(response)
        assert (status, code) == (422, "invalid_mask"), message
        assert reason in message
    assert await counts(app) == before


async def test_malformed_bodies(app, joined) -> None:  # type: ignore[no-untyped-def]
    before = await counts(app)
    for body in (b"not json", b"[1,2]", b'{"prompt": 5, "mask": "x"}', b'{"prompt": "a"}', b'{"prompt":"a","mask":"x","extra":1}'):
        response = await joined.post("/api/rooms/main/submissions", data=body, headers={"Content-Type": "application/json"})
        status, code, _ = await error_of(response)
        assert (status, code) == (400, "invalid_request")
    response = await joined.post("/api/rooms/main/submissions", data=b"prompt=a", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert (await error_of(response))[:2] == (415, "unsupported_media_type")
    assert await counts(app) == before


async def test_oversized_body_is_refused(make_settings) -> None:  # type: ignore[no-untyped-def]
    """Through a real hypercorn server: a body announced over the limit gets 413 before it is read."""
    import asyncio
    import json as jsonlib
    from urllib.parse import urlparse

    from pixelpatchwork.app import create_app
    from tests.live import live_server

    async with live_server(create_app(make_settings())) as base:
        url = urlparse(base)
        reader, writer = await asyncio.open_connection(url.hostname, url.port)
        writer.write(
            b"POST /api/rooms/main/submissions HTTP/1.1\r\nHost: localhost\r\n"
            b"Content-Type: application/json\r\nContent-Length: 13000000\r\n\r\n" + b'{"prompt":"a","mask":"AAAA'
        )
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)
        assert head.startswith(b"HTTP/1.1 413"), head
        length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
        body = jsonlib.loads(await reader.readexactly(length))
        assert body["error"]["code"] == "too_large"
        writer.close()


async def test_cross_site_requests_are_refused(app, joined) -> None:  # type: ignore[no-untyped-def]
    response = await joined.post("/api/rooms/main/votes", json={"image_id": 1, "value": "up"}, headers={"Origin": "https://evil.example"})
    assert (await error_of(response))[:2] == (403, "cross_origin")


async def test_submission_without_joining(app, client) -> None:  # type: ignore[no-untyped-def]
    snap = await snapshot(client)
    response = await client.post("/api/rooms/main/submissions", json=edit_body(snap, "a"))
    assert (await error_of(response))[:2] == (401, "not_joined")


async def test_unknown_room(app, joined) -> None:  # type: ignore[no-untyped-def]
    assert (await error_of(await joined.get("/api/rooms/nowhere")))[:2] == (404, "room_not_found")
    response = await joined.post("/api/session", json={"room": "nowhere", "nickname": "Ada"})
    assert (await error_of(response))[:2] == (404, "room_not_found")
    response = await joined.post("/api/session", json={"room": "Bad Slug!", "nickname": "Ada"})
    assert (await error_of(response))[:2] == (400, "invalid_request")


async def test_nicknames(app) -> None:  # type: ignore[no-untyped-def]
    first, second = app.quart_app.test_client(), app.quart_app.test_client()
    await join(first, "Ada")
    before = await counts(app)
    response = await second.post("/api/session", json={"room": "main", "nickname": "  ADA "})
    assert (await error_of(response))[:2] == (409, "nickname_taken")
    for bad in ("", "   ", "a\u0000b", "x" * 33):
        response = await second.post("/api/session", json={"room": "main", "nickname": bad})
        assert response.status_code in (400, 422)
    assert await counts(app) == before
    # The same browser joining again under its own nickname stays the same participant.
    again = await first.post("/api/session", json={"room": "main", "nickname": "ada"})
    assert again.status_code == 201


async def test_submission_outside_the_generate_phase(app, joined) -> None:  # type: ignore[no-untyped-def]
    snap = await snapshot(joined)
    await move_phase(joined, "generate", "vote")
    before = await counts(app)
    response = await joined.post("/api/rooms/main/submissions", json=edit_body(snap, "a"))
    assert (await error_of(response))[:2] == (409, "wrong_phase")
    assert await counts(app) == before


async def test_vote_refusals(app) -> None:  # type: ignore[no-untyped-def]
    author, voter = app.quart_app.test_client(), app.quart_app.test_client()
    await join(author, "Author")
    await join(voter, "Voter")
    image = (await (await submit(author)).get_json())["image"]
    attempt = (await (await submit(author, "a second try")).get_json())["image"]
    await wait_until_done(author, image["id"])
    await wait_until_done(author, attempt["id"])

    async def vote(client, image_id, value="up"):  # type: ignore[no-untyped-def]
        return await error_of(await client.post("/api/rooms/main/votes", json={"image_id": image_id, "value": value}))

    assert (await enter(author, image["id"])).status_code == 200
    assert (await vote(voter, image["id"]))[:2] == (409, "wrong_phase")
    await move_phase(author, "generate", "vote")
    assert (await vote(voter, attempt["id"]))[:2] == (409, "not_votable")  # never entered

    before = await counts(app)
    assert (await vote(author, image["id"]))[:2] == (403, "own_image")
    assert (await vote(voter, 999_999))[:2] == (404, "image_not_found")
    assert (await vote(voter, 1))[:2] == (404, "image_not_found")  # the seed is not an entry
    assert (await vote(voter, image["id"], "sideways"))[:2] == (400, "invalid_request")
    outsider = app.quart_app.test_client()
    assert (await vote(outsider, image["id"]))[:2] == (401, "not_joined")
    assert await counts(app) == before


async def test_facilitator_actions_need_the_token(app, joined) -> None:  # type: ignore[no-untyped-def]
    response = await joined.post("/api/host/rooms/main/phase", json={"from": "generate", "to": "vote"})
    assert (await error_of(response))[:2] == (401, "not_facilitator")
    response = await joined.post(
        "/api/host/rooms/main/phase", json={"from": "generate", "to": "vote"}, headers={"Authorization": "Bearer wrong"}
    )
    assert (await error_of(response))[:2] == (401, "not_facilitator")
    response = await joined.post("/api/host/session", json={"token": "wrong"})
    assert (await error_of(response))[:2] == (403, "bad_token")
    assert (await snapshot(joined))["round"]["phase"] == "generate"


async def test_facilitator_cookie_sign_in_and_out(app) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import FACILITATOR_TOKEN

    host = app.quart_app.test_client()
    assert (await (await host.get("/api/host/session")).get_json()) == {"facilitator": False}
    assert (await host.post("/api/host/session", json={"token": FACILITATOR_TOKEN})).status_code == 204
    assert (await (await host.get("/api/host/session")).get_json()) == {"facilitator": True}
    response = await host.post("/api/host/rooms/main/phase", json={"from": "generate", "to": "vote"})
    assert response.status_code == 200
    assert (await host.delete("/api/host/session")).status_code == 204
    assert (await (await host.get("/api/host/session")).get_json()) == {"facilitator": False}


async def test_phase_race_and_bad_transitions(app, joined) -> None:  # type: ignore[no-untyped-def]
    assert (await move_phase(joined, "generate", "vote")).status_code == 200
    assert (await error_of(await move_phase(joined, "generate", "vote")))[:2] == (409, "phase_changed")
    assert (await error_of(await move_phase(joined, "vote", "generate")))[:2] == (422, "invalid_transition")
    response = await joined.post("/api/host/rooms/main/phase", json={"from": "vote", "to": "closed", "duration_s": 0}, headers=HOST)
    assert (await error_of(response))[:2] == (400, "invalid_request")
    assert (await snapshot(joined))["round"]["phase"] == "vote"


async def test_tampered_session_cookie_is_ignored(app, joined) -> None:  # type: ignore[no-untyped-def]
    outsider = app.quart_app.test_client()
    outsider.set_cookie("localhost", "ppw_session", "eyJ1c2VyX2lkIjoxfQ.forged.signature")
    assert (await (await outsider.get("/api/session")).get_json()) == {"me": None}


async def test_media_paths_cannot_escape_the_media_folder(client) -> None:  # type: ignore[no-untyped-def]
    for path in ("/media/../../etc/passwd", "/media/%2e%2e/%2e%2e/etc/passwd", "/media/rooms/1/nothing.png"):
        assert (await client.get(path)).status_code == 404


async def test_ids_too_large_for_the_database_are_refused(app, joined) -> None:  # type: ignore[no-untyped-def]
    before = await counts(app)
    huge = 2**64
    response = await joined.post(f"/api/rooms/main/images/{huge}/entry", json={"entered": True})
    assert response.status_code == 404
    for body in ({"image_id": huge, "value": "up"}, {"image_id": 2**53, "value": "up"}):
        response = await joined.post("/api/rooms/main/votes", json=body)
        assert (await error_of(response))[:2] == (400, "invalid_request")
    assert await counts(app) == before
