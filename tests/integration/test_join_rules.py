"""Joining rules: offensive nicknames, suggestions, locked rooms, research consent."""

from __future__ import annotations

from sqlalchemy import select

from pixelpatchwork.db.models import User
from tests.factories import HOST, join
from tests.integration.test_bad_input_http import counts, error_of


async def test_offensive_nicknames_are_refused_and_suggestions_are_friendly(app, client) -> None:  # type: ignore[no-untyped-def]
    before = await counts(app)
    for bad in ("shit head", "sh1t", "A$$hole"):
        response = await client.post("/api/session", json={"room": "main", "nickname": bad})
        assert (await error_of(response))[:2] == (422, "offensive_nickname"), bad
    assert await counts(app) == before
    names = {(await (await client.get("/api/nickname")).get_json())["nickname"] for _ in range(5)}
    assert len(names) > 1 and all(0 < len(n) <= 32 for n in names)
    await join(client, names.pop())


async def test_locked_room_refuses_newcomers_but_keeps_its_participants(app) -> None:  # type: ignore[no-untyped-def]
    inside, newcomer, host = (app.quart_app.test_client() for _ in range(3))
    await join(inside, "Inside")
    participant = await inside.patch("/api/host/rooms/main", json={"join_locked": True})
    assert (await error_of(participant))[:2] == (401, "not_facilitator")
    locked = await host.patch("/api/host/rooms/main", json={"join_locked": True}, headers=HOST)
    assert (await locked.get_json())["room"]["join_locked"] is True
    refused = await newcomer.post("/api/session", json={"room": "main", "nickname": "Late"})
    assert (await error_of(refused))[:2] == (403, "join_locked")
    again = await inside.post("/api/session", json={"room": "main", "nickname": "Inside"})
    assert again.status_code == 201
    assert (await (await inside.get("/api/rooms/main")).get_json())["room"]["join_locked"] is True
    await host.patch("/api/host/rooms/main", json={"join_locked": False}, headers=HOST)
    await join(newcomer, "Late")
    for bad in ({}, {"join_locked": "yes"}, {"color": "red"}):
        response = await host.patch("/api/host/rooms/main", json=bad, headers=HOST)
        assert (await error_of(response))[:2] == (400, "invalid_request")


async def test_research_room_asks_for_consent_and_keeps_the_participant_id(app) -> None:  # type: ignore[no-untyped-def]
    host, person = app.quart_app.test_client(), app.quart_app.test_client()
    await host.patch("/api/host/rooms/main", json={"research": True}, headers=HOST)
    refused = await person.post("/api/session", json={"room": "main", "nickname": "Subject"})
    assert (await error_of(refused))[:2] == (409, "consent_required")
    bad_ref = await person.post("/api/session", json={"room": "main", "nickname": "Subject", "consent": True, "participant_ref": "x y"})
    assert (await error_of(bad_ref))[:2] == (400, "invalid_request")
    ok = await person.post("/api/session", json={"room": "main", "nickname": "Subject", "consent": True, "participant_ref": "P-017"})
    assert ok.status_code == 201
    async with app.services.sessionmaker() as db:
        user = await db.scalar(select(User).where(User.nickname == "Subject"))
        assert user.participant_ref == "P-017" and user.consented_at is not None
