"""Limits per client network address: joins, generations and votes, with clear errors."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from pixelpatchwork.app import create_app
from pixelpatchwork.ratelimit import client_address
from tests.factories import HOST, enter, join, move_phase, snapshot, submit, wait_until_done
from tests.integration.test_bad_input_http import counts
from tests.live import Screen, live_server


def at(address: str) -> dict[str, Any]:
    return {"scope_base": {"client": (address, 40000)}}


@pytest.mark.parametrize(
    ("peer", "forwarded", "hops", "expected"),
    [
        ("10.0.0.1", None, 0, "10.0.0.1"),
        ("10.0.0.1", "6.6.6.6", 0, "10.0.0.1"),  # no trusted proxy: the header is anyone's to forge
        ("10.0.0.1", "6.6.6.6, 192.0.2.7", 1, "192.0.2.7"),  # the proxy appended the real client
        ("10.0.0.1", "192.0.2.7, 10.0.0.9", 2, "192.0.2.7"),
        ("10.0.0.1", "192.0.2.7", 2, "10.0.0.1"),  # fewer entries than proxies: not trusted
        (None, None, 0, "unknown"),
    ],
)
def test_client_address(peer, forwarded, hops, expected) -> None:  # type: ignore[no-untyped-def]
    assert client_address(peer, forwarded, hops) == expected


async def test_joins_per_address(make_settings) -> None:  # type: ignore[no-untyped-def]
    asgi = create_app(make_settings(joins_per_address_per_minute=2))
    async with asgi.quart_app.test_app():
        client = asgi.quart_app.test_client
        for name in ("Ada", "Bea"):
            response = await client().post("/api/session", json={"room": "main", "nickname": name}, **at("192.0.2.1"))
            assert response.status_code == 201
        before = await counts(asgi)
        refused = await client().post("/api/session", json={"room": "main", "nickname": "Cy"}, **at("192.0.2.1"))
        body = await refused.get_json()
        assert refused.status_code == 429 and body["error"]["code"] == "rate_limited"
        assert "network address" in body["error"]["message"]
        assert await counts(asgi) == before, "a refused join creates no participant"
        # A forged X-Forwarded-For does not help without a trusted proxy...
        forged = await client().post(
            "/api/session", json={"room": "main", "nickname": "Cy"}, headers={"X-Forwarded-For": "203.0.113.9"}, **at("192.0.2.1")
        )
        assert forged.status_code == 429
        # ...while another address still joins.
        other = await client().post("/api/session", json={"room": "main", "nickname": "Cy"}, **at("192.0.2.2"))
        assert other.status_code == 201


async def test_joins_behind_a_trusted_proxy_count_per_forwarded_address(make_settings) -> None:  # type: ignore[no-untyped-def]
    asgi = create_app(make_settings(joins_per_address_per_minute=1, proxy_hops=1))
    async with asgi.quart_app.test_app():
        client = asgi.quart_app.test_client

        async def join_via_proxy(name: str, forwarded: str) -> int:
            response = await client().post(
                "/api/session", json={"room": "main", "nickname": name}, headers={"X-Forwarded-For": forwarded}, **at("10.0.0.1")
            )
            return response.status_code

        assert await join_via_proxy("Ada", "198.51.100.1") == 201
        assert await join_via_proxy("Bea", "198.51.100.2") == 201
        assert await join_via_proxy("Cy", "198.51.100.1") == 429


async def test_generations_per_address_spend_no_quota(make_settings) -> None:  # type: ignore[no-untyped-def]
    asgi = create_app(make_settings(generations_per_address_per_minute=1))
    async with asgi.quart_app.test_app():
        ada, bea = asgi.quart_app.test_client(), asgi.quart_app.test_client()
        await join(ada, "Ada")
        await join(bea, "Bea")
        await move_phase(ada, "lobby", "generate")
        assert (await submit(ada)).status_code == 202
        before = await counts(asgi)
        refused = await submit(bea)
        body = await refused.get_json()
        assert refused.status_code == 429 and body["error"]["code"] == "rate_limited"
        assert await counts(asgi) == before
        quota = (await snapshot(bea))["quota"]
        assert quota["generations_used"] == 0, "the refused submission spent none of Bea's generations"


async def test_votes_per_address_over_http(make_settings) -> None:  # type: ignore[no-untyped-def]
    asgi = create_app(make_settings(votes_per_address_per_second=1))  # bursts of 2
    async with asgi.quart_app.test_app():
        author, *voters = (asgi.quart_app.test_client() for _ in range(4))
        await join(author, "Author")
        for n, voter in enumerate(voters):
            await join(voter, f"Voter{n}")
        await move_phase(author, "lobby", "generate")
        image_id = (await (await submit(author)).get_json())["image"]["id"]
        await wait_until_done(author, image_id)
        await enter(author, image_id)
        await move_phase(author, "generate", "vote")
        statuses = []
        for voter in voters:  # each voter is far under their own limit; the address is not
            response = await voter.post("/api/rooms/main/votes", json={"image_id": image_id, "value": "up"})
            statuses.append(response.status_code)
        assert statuses[:2] == [200, 200] and statuses[2] == 429
        tally = (await snapshot(author))["images"][0]["tally"]
        assert tally["up"] == 2, "the refused vote was not counted"


async def test_votes_per_address_over_the_socket(make_settings) -> None:  # type: ignore[no-untyped-def]
    async with live_server(create_app(make_settings(votes_per_address_per_second=1))) as base:
        author, ada, bea = Screen(base), Screen(base), Screen(base)
        try:
            await author.join_as("Author")
            await ada.join_as("Ada")
            await bea.join_as("Bea")
            snap = await author.connect()
            image_id = (await author.submit(snap, "a kite", (0, 0, 50, 50))).json()["image"]["id"]
            await author.wait_for("image:updated", lambda d: d["image"]["id"] == image_id and d["image"]["status"] == "done")
            await author.enter(image_id)
            await author.http.post("/api/host/rooms/main/phase", json={"from": "generate", "to": "vote"}, headers=HOST)
            await ada.connect()
            await bea.connect()
            acks = [
                await screen.sio.call("vote:cast", {"image_id": image_id, "value": "up"}, timeout=10)
                for screen in (ada, bea, ada)
            ]
            assert [a["ok"] for a in acks] == [True, True, False]
            assert acks[2]["error"]["code"] == "rate_limited" and "network address" in acks[2]["error"]["message"]
            await asyncio.sleep(1.1)
            again = await bea.sio.call("vote:cast", {"image_id": image_id, "value": "down"}, timeout=10)
            assert again["ok"] and again["tally"]["up"] == 1 and again["tally"]["down"] == 1
        finally:
            for screen in (author, ada, bea):
                await screen.close()
