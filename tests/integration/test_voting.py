"""Voting and the round clock over real connections: sealed voting and the reveal, the winner
rule, rate limits, settings for self votes and early votes, pause/resume/extend, daily rooms."""

from __future__ import annotations

import asyncio

import pytest

from pixelpatchwork.app import create_app
from tests.factories import HOST, enter, join, move_phase, snapshot, submit, wait_until_done
from tests.integration.test_bad_input_http import error_of
from tests.live import Screen, live_server


async def entries(client_of, authors: list[str]) -> list[int]:  # type: ignore[no-untyped-def]
    """Each author submits and enters one edit; returns the image ids."""
    ids = []
    for name in authors:
        client = client_of(name)
        await join(client, name)
        image = (await (await submit(client, f"by {name}")).get_json())["image"]
        await wait_until_done(client, image["id"])
        assert (await enter(client, image["id"])).status_code == 200
        ids.append(image["id"])
    return ids


async def test_sealed_voting_hides_counts_until_the_reveal(make_settings) -> None:  # type: ignore[no-untyped-def]
    async with live_server(create_app(make_settings(sealed_voting="on"))) as base:
        author, voter, projector = Screen(base), Screen(base), Screen(base)
        try:
            await author.join_as("Author")
            await voter.join_as("Voter")
            snap = await author.connect()
            image_id = (await author.submit(snap, "a red door", (0, 0, 100, 100))).json()["image"]["id"]
            await author.wait_for("image:updated", lambda d: d["image"]["id"] == image_id and d["image"]["status"] == "done")
            await author.enter(image_id)
            await author.http.post("/api/host/rooms/main/phase", json={"from": "generate", "to": "vote"}, headers=HOST)
            await voter.connect()
            seen = await projector.connect()
            assert seen["sealed"] is True and seen["votes_cast"] == 0
            assert seen["images"][0]["tally"]["up"] is None

            ack = await voter.sio.call("vote:cast", {"image_id": image_id, "value": "up"}, timeout=10)
            assert ack["ok"] and ack["tally"]["up"] is None and ack["tally"]["score"] is None and ack["tally"]["seq"] == 1
            event = await projector.wait_for("tally", lambda d: d["votes_cast"] == 1)
            assert event["sealed"] is True and event["tallies"][0]["up"] is None

            await author.http.post("/api/host/rooms/main/phase", json={"from": "vote", "to": "reveal"}, headers=HOST)
            reveal = await projector.wait_for("round:updated", lambda d: d["round"]["phase"] == "reveal")
            assert reveal["tallies"] == [{"image_id": image_id, "up": 1, "down": 0, "score": 1, "wilson": 0.2065, "seq": 1}]
            assert reveal["winner"]["id"] == image_id
            after = (await projector.sio.call("room:sync", {"room": "main"}, timeout=10))["snapshot"]
            assert after["sealed"] is False and after["images"][0]["tally"]["up"] == 1
        finally:
            for screen in (author, voter, projector):
                await screen.close()


async def test_wilson_winner_rule(make_settings) -> None:  # type: ignore[no-untyped-def]
    asgi = create_app(make_settings(winner_rule="wilson"))
    async with asgi.quart_app.test_app():
        clients: dict[str, object] = {}

        def client_of(name: str):  # type: ignore[no-untyped-def]
            return clients.setdefault(name, asgi.quart_app.test_client())

        mixed, liked = await entries(client_of, ["Mixed", "Liked"])
        await move_phase(client_of("Mixed"), "generate", "vote")
        # Mixed: 4 up 2 down (net 2, Wilson 0.30); Liked: 2 up (net 2, Wilson 0.34).
        voters = [client_of(f"voter-{n}") for n in range(6)]
        for n, voter in enumerate(voters):
            await join(voter, f"voter-{n}")
        plan = {mixed: ["up"] * 4 + ["down"] * 2, liked: ["up"] * 2}
        for image_id, values in plan.items():
            for voter, value in zip(voters, values):
                response = await voter.post("/api/rooms/main/votes", json={"image_id": image_id, "value": value})
                assert response.status_code == 200
        closed = await (await move_phase(client_of("Mixed"), "vote", "closed")).get_json()
        assert closed["round"]["seed"]["id"] == liked
        snap = await snapshot(client_of("Mixed"))
        assert snap["winner_rule"] == "wilson"


async def test_vote_flood_is_rate_limited_and_the_connection_stays(make_settings) -> None:  # type: ignore[no-untyped-def]
    async with live_server(create_app(make_settings(votes_per_second=2))) as base:
        author, voter = Screen(base), Screen(base)
        try:
            await author.join_as("Author")
            await voter.join_as("Flood")
            snap = await author.connect()
            image_id = (await author.submit(snap, "a kite", (0, 0, 50, 50))).json()["image"]["id"]
            await author.wait_for("image:updated", lambda d: d["image"]["id"] == image_id and d["image"]["status"] == "done")
            await author.enter(image_id)
            await author.http.post("/api/host/rooms/main/phase", json={"from": "generate", "to": "vote"}, headers=HOST)
            await voter.connect()
            acks = [await voter.sio.call("vote:cast", {"image_id": image_id, "value": v}, timeout=10) for v in ["up", "down"] * 5]
            refused = [a for a in acks if not a["ok"]]
            assert refused and all(a["error"]["code"] == "rate_limited" for a in refused)
            accepted = [a for a in acks if a["ok"]]
            assert len(accepted) == 4  # a burst of twice the rate
            await asyncio.sleep(1.0)
            again = await voter.sio.call("vote:cast", {"image_id": image_id, "value": "none"}, timeout=10)
            assert again["ok"], "the connection stays usable and the bucket refills"
            assert again["tally"]["up"] + again["tally"]["down"] == 0
        finally:
            await author.close()
            await voter.close()


async def test_self_votes_and_votes_during_generate_settings(make_settings) -> None:  # type: ignore[no-untyped-def]
    asgi = create_app(make_settings(self_votes=True, votes_during_generate=True))
    async with asgi.quart_app.test_app():
        author = asgi.quart_app.test_client()
        await join(author, "Author")
        image = (await (await submit(author)).get_json())["image"]
        await wait_until_done(author, image["id"])
        await enter(author, image["id"])
        response = await author.post("/api/rooms/main/votes", json={"image_id": image["id"], "value": "up"})
        assert response.status_code == 200 and (await response.get_json())["tally"]["up"] == 1


async def test_pause_resume_extend(make_settings) -> None:  # type: ignore[no-untyped-def]
    asgi = create_app(make_settings())
    async with asgi.quart_app.test_app():
        client = asgi.quart_app.test_client()
        await join(client, "Participant")
        for path in ("pause", "resume"):
            assert (await error_of(await client.post(f"/api/host/rooms/main/{path}", json={})))[:2] == (401, "not_facilitator")
        assert (await error_of(await client.post("/api/host/rooms/main/pause", json={}, headers=HOST)))[:2] == (409, "no_deadline")
        assert (await error_of(await client.post("/api/host/rooms/main/resume", json={}, headers=HOST)))[:2] == (409, "not_paused")

        extended = await (await client.post("/api/host/rooms/main/extend", json={"seconds": 120}, headers=HOST)).get_json()
        deadline = extended["round"]["deadline"]
        assert deadline is not None and not extended["round"]["paused"]
        paused = await (await client.post("/api/host/rooms/main/pause", json={}, headers=HOST)).get_json()
        assert paused["round"]["paused"] and paused["round"]["deadline"] is None and 118 < paused["round"]["remaining_s"] <= 120
        assert (await error_of(await client.post("/api/host/rooms/main/pause", json={}, headers=HOST)))[:2] == (409, "already_paused")
        more = await (await client.post("/api/host/rooms/main/extend", json={"seconds": 30}, headers=HOST)).get_json()
        assert 148 < more["round"]["remaining_s"] <= 150
        await asyncio.sleep(0.5)  # time does not run while paused
        resumed = await (await client.post("/api/host/rooms/main/resume", json={}, headers=HOST)).get_json()
        assert not resumed["round"]["paused"] and resumed["round"]["remaining_s"] is None
        assert resumed["round"]["deadline"] - resumed["round"]["phase_started_at"] > 148_000
        for bad in ({"seconds": 0}, {"seconds": "ten"}, {}, {"seconds": 100_000}):
            response = await client.post("/api/host/rooms/main/extend", json=bad, headers=HOST)
            assert (await error_of(response))[:2] == (400, "invalid_request")


async def test_a_paused_deadline_does_not_fire(make_settings) -> None:  # type: ignore[no-untyped-def]
    asgi = create_app(make_settings())
    async with asgi.quart_app.test_app():
        client = asgi.quart_app.test_client()
        await move_phase(client, "generate", "vote", duration_s=1)
        await client.post("/api/host/rooms/main/pause", json={}, headers=HOST)
        await asyncio.sleep(1.5)
        assert (await snapshot(client))["round"]["phase"] == "vote"
        await client.post("/api/host/rooms/main/resume", json={}, headers=HOST)
        for _ in range(40):
            await asyncio.sleep(0.1)
            if (await snapshot(client))["round"]["number"] == 2:
                break
        assert (await snapshot(client))["round"]["number"] == 2


async def test_daily_room_takes_its_deadlines_from_the_schedule(make_settings) -> None:  # type: ignore[no-untyped-def]
    asgi = create_app(make_settings(default_room_mode="daily", daily_timezone="Europe/Berlin", daily_vote_at="18:00", daily_close_at="23:00"))
    async with asgi.quart_app.test_app():
        client = asgi.quart_app.test_client()
        snap = await snapshot(client)
        assert snap["room"]["mode"] == "daily" and snap["sealed"] is False
        assert snap["round"]["deadline"] is not None
        moved = await (await move_phase(client, "generate", "vote")).get_json()
        assert moved["round"]["deadline"] is not None and moved["round"]["deadline"] != snap["round"]["deadline"]


@pytest.mark.mariadb
async def test_a_phase_change_raced_by_two_processes_happens_once(stack_env, make_settings, s3) -> None:  # type: ignore[no-untyped-def]
    """Two app processes share MariaDB; both facilitators press "close" at once and both
    deadline clocks see the same deadline: exactly one round 2 exists."""
    common = dict(database_url=stack_env["DATABASE_URL"], s3_bucket=s3.bucket, s3_endpoint_url=s3.endpoint_url,
                  secret_key=stack_env["SECRET_KEY"], clock_tick_s=0.05)
    first, second = create_app(make_settings(**common)), create_app(make_settings(**common))
    async with first.quart_app.test_app(), second.quart_app.test_app():
        a, b = first.quart_app.test_client(), second.quart_app.test_client()
        assert (await move_phase(a, "generate", "vote")).status_code == 200
        responses = await asyncio.gather(*(move_phase(c, "vote", "closed") for c in (a, b, a, b)))
        assert sorted(r.status_code for r in responses) == [200, 409, 409, 409]
        # Round 2's deadline passes with both clocks running.
        assert (await move_phase(b, "generate", "vote", duration_s=1)).status_code == 200
        await asyncio.sleep(2.0)
        from sqlalchemy import select
        from pixelpatchwork.db.models import Round

        async with first.services.sessionmaker() as db:
            rounds = [(r.number, r.phase) for r in await db.scalars(select(Round).order_by(Round.number))]
        assert rounds == [(1, "closed"), (2, "closed"), (3, "generate")]
