"""Moderation: approval before the vote, hiding, kicking and banning with votes kept but not counted."""

from __future__ import annotations

from sqlalchemy import func, select

from pixelpatchwork.db.models import Image, Vote
from tests.factories import HOST, enter, join, move_phase, snapshot, submit, wait_until_done
from tests.integration.test_bad_input_http import error_of


async def entered_edit(client, name: str) -> int:  # type: ignore[no-untyped-def]
    await join(client, name)
    image = (await (await submit(client, f"by {name}")).get_json())["image"]
    await wait_until_done(client, image["id"])
    assert (await enter(client, image["id"])).status_code == 200
    return image["id"]


async def moderate(client, image_id: int, action: str):  # type: ignore[no-untyped-def]
    return await client.post(f"/api/host/rooms/main/images/{image_id}/moderation", json={"action": action}, headers=HOST)


async def test_entries_need_approval_when_the_room_requires_it(app) -> None:  # type: ignore[no-untyped-def]
    author, voter, host = (app.quart_app.test_client() for _ in range(3))
    await host.patch("/api/host/rooms/main", json={"requires_approval": True}, headers=HOST)
    image_id = await entered_edit(author, "Author")
    await join(voter, "Voter")
    assert (await snapshot(voter))["images"] == []
    assert (await error_of(await voter.post(f"/api/host/rooms/main/images/{image_id}/moderation", json={"action": "approve"})))[:2] == (401, "not_facilitator")
    approved = await (await moderate(host, image_id, "approve")).get_json()
    assert approved["image"]["approved"] is True
    assert [i["id"] for i in (await snapshot(voter))["images"]] == [image_id]
    assert (await error_of(await moderate(host, 99999, "approve")))[:2] == (404, "image_not_found")
    bad = await host.post(f"/api/host/rooms/main/images/{image_id}/moderation", json={"action": "delete"}, headers=HOST)
    assert (await error_of(bad))[:2] == (400, "invalid_request")


async def test_hidden_edits_leave_every_gallery_and_cannot_win(app) -> None:  # type: ignore[no-untyped-def]
    author, voter, host = (app.quart_app.test_client() for _ in range(3))
    image_id = await entered_edit(author, "Author")
    await join(voter, "Voter")
    await moderate(host, image_id, "hide")
    assert (await snapshot(voter))["images"] == []
    assert (await snapshot(author))["images"][0]["hidden"] is True  # the author still sees it, marked
    await move_phase(host, "generate", "vote")
    refused = await voter.post("/api/rooms/main/votes", json={"image_id": image_id, "value": "up"})
    assert (await error_of(refused))[:2] == (409, "not_votable")
    closed = await (await move_phase(host, "vote", "closed")).get_json()
    assert closed["round"]["seed"]["id"] != image_id


async def test_kick_hides_entries_and_uncounts_votes_and_ban_refuses_rejoining(app) -> None:  # type: ignore[no-untyped-def]
    author, rowdy, other, host = (app.quart_app.test_client() for _ in range(4))
    image_id = await entered_edit(author, "Author")
    rowdy_id = await entered_edit(rowdy, "Rowdy")
    await join(other, "Other")
    await move_phase(host, "generate", "vote")
    await rowdy.post("/api/rooms/main/votes", json={"image_id": image_id, "value": "up"})
    await other.post("/api/rooms/main/votes", json={"image_id": image_id, "value": "up"})
    snap = await snapshot(other)
    assert {i["id"]: i["tally"]["up"] for i in snap["images"]}[image_id] == 2

    participant = await rowdy.post("/api/host/rooms/main/participants/1/kick", json={})
    assert (await error_of(participant))[:2] == (401, "not_facilitator")
    rowdy_user = (await (await rowdy.get("/api/session")).get_json())["me"]["id"]
    kicked = await host.post(f"/api/host/rooms/main/participants/{rowdy_user}/kick", json={}, headers=HOST)
    assert (await kicked.get_json())["participant"] == {"id": rowdy_user, "nickname": "Rowdy", "removed": "kicked"}

    snap = await snapshot(other)
    assert [i["id"] for i in snap["images"]] == [image_id]  # Rowdy's entry is hidden
    assert snap["images"][0]["tally"]["up"] == 1  # Rowdy's vote no longer counts
    assert (await (await rowdy.get("/api/session")).get_json())["me"] is None
    refused = await rowdy.post("/api/rooms/main/votes", json={"image_id": image_id, "value": "down"})
    assert (await error_of(refused))[:2] == (401, "not_joined")
    async with app.services.sessionmaker() as db:
        kept = await db.scalar(select(func.count()).select_from(Vote).where(Vote.user_id == rowdy_user))
        counted = await db.scalar(select(func.count()).select_from(Vote).where(Vote.image_id == image_id, Vote.hidden.is_(False), Vote.value == 1))
        row = await db.get(Image, image_id)
        assert kept == 1 and counted == row.up_count == 1
        assert (await db.get(Image, rowdy_id)).hidden

    # A kicked participant may come back under a new name; a banned one may not.
    assert (await rowdy.post("/api/session", json={"room": "main", "nickname": "Calmer"})).status_code == 201
    calmer = (await (await rowdy.get("/api/session")).get_json())["me"]["id"]
    await host.post(f"/api/host/rooms/main/participants/{calmer}/ban", json={}, headers=HOST)
    again = await rowdy.post("/api/session", json={"room": "main", "nickname": "Sneaky"})
    assert (await error_of(again))[:2] == (403, "banned")
    assert (await error_of(await host.post("/api/host/rooms/main/participants/99999/ban", json={}, headers=HOST)))[:2] == (404, "participant_not_found")


async def test_room_default_phase_lengths(app) -> None:  # type: ignore[no-untyped-def]
    host = app.quart_app.test_client()
    await host.patch("/api/host/rooms/main", json={"vote_s": 90}, headers=HOST)
    moved = await (await move_phase(host, "generate", "vote")).get_json()
    span = moved["round"]["deadline"] - moved["round"]["phase_started_at"]
    assert 89_000 < span <= 90_500
