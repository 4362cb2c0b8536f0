"""The room over real Socket.IO connections to a real hypercorn server (embedded defaults)."""

from __future__ import annotations

import asyncio

import pytest

from pixelpatchwork.app import create_app
from tests.factories import HOST
from tests.live import Screen, live_server


@pytest.fixture
async def server(make_settings):  # type: ignore[no-untyped-def]
    async with live_server(create_app(make_settings(entries_per_round=5))) as base:
        yield base


@pytest.fixture
async def screens(server):  # type: ignore[no-untyped-def]
    opened: list[Screen] = []

    def open_screen() -> Screen:
        screen = Screen(server)
        opened.append(screen)
        return screen

    yield open_screen
    for screen in opened:
        await screen.close()


async def test_submission_and_votes_reach_every_screen(screens) -> None:  # type: ignore[no-untyped-def]
    alice, bob, projector = screens(), screens(), screens()
    await alice.join_as("Alice")
    await bob.join_as("Bob")
    snap = await alice.connect()
    await bob.connect()
    spectator_snap = await projector.connect()
    assert spectator_snap["me"] is None and snap["me"]["nickname"] == "Alice"
    version = snap["version"]

    response = await alice.submit(snap, "a lighthouse", (0, 0, 200, 200))
    assert response.status_code == 202
    image_id = response.json()["image"]["id"]

    added = await bob.wait_for("image:added", lambda d: d["image"]["id"] == image_id)
    assert added["version"] == version + 1 and added["image"]["prompt"] == "a lighthouse"
    queued = await bob.wait_for("image:progress", lambda d: d["image_id"] == image_id and d["stage"] == "queued")
    assert queued["queue_position"] == 1
    done = await projector.wait_for("image:updated", lambda d: d["image"]["id"] == image_id and d["image"]["status"] == "done")
    assert done["image"]["thumb_url"] and done["image"]["offline"] and not done["image"]["entered"]
    await alice.enter(image_id)
    entered = await bob.wait_for("image:updated", lambda d: d["image"]["id"] == image_id and d["image"]["entered"])
    assert entered["version"] == done["version"] + 1
    previews = [e for e in projector.events["image:progress"] if e["image_id"] == image_id and e["preview_url"]]
    assert previews, "the offline generator streams previews"
    # Versioned events arrive in order, without gaps, on every screen.
    versions = sorted(e["version"] for name in ("image:added", "image:updated") for e in projector.events[name])
    assert versions == list(range(version + 1, version + 1 + len(versions)))

    phase = await alice.http.post("/api/host/rooms/main/phase", json={"from": "generate", "to": "vote"}, headers=HOST)
    assert phase.status_code == 200
    moved = await bob.wait_for("round:updated", lambda d: d["round"]["phase"] == "vote")
    assert moved["version"] > entered["version"]

    ack = await bob.sio.call("vote:cast", {"room": "main", "image_id": image_id, "value": "up"}, timeout=10)
    assert ack == {"ok": True, "image_id": image_id, "value": "up", "tally": {"image_id": image_id, "up": 1, "down": 0, "score": 1, "wilson": 0.2065, "seq": 1}}
    tally = await projector.wait_for("tally", lambda d: any(t["image_id"] == image_id and t["up"] == 1 for t in d["tallies"]))
    assert tally["version"] == moved["version"]

    ack = await bob.sio.call("vote:cast", {"image_id": image_id, "value": "none"}, timeout=10)
    assert ack["tally"]["up"] == 0 and ack["tally"]["seq"] == 2
    await alice.wait_for("tally", lambda d: any(t["image_id"] == image_id and t["seq"] == 2 and t["up"] == 0 for t in d["tallies"]))

    closed = await alice.http.post("/api/host/rooms/main/phase", json={"from": "vote", "to": "closed"}, headers=HOST)
    assert closed.status_code == 200
    new_round = await projector.wait_for("round:updated", lambda d: d["round"]["number"] == 2)
    assert new_round["round"]["seed"]["id"] == image_id  # nobody voted against it: score 0 wins
    assert new_round["winner"]["id"] == image_id


async def test_tallies_are_coalesced(screens) -> None:  # type: ignore[no-untyped-def]
    author = screens()
    await author.join_as("Author")
    snap = await author.connect()
    ids = []
    for n in range(3):
        response = await author.submit(snap, f"thing {n}", (0, 0, 64, 64))
        ids.append(response.json()["image"]["id"])
    for image_id in ids:
        await author.wait_for("image:updated", lambda d, i=image_id: d["image"]["id"] == i and d["image"]["status"] == "done")
        await author.enter(image_id)
    await author.http.post("/api/host/rooms/main/phase", json={"from": "generate", "to": "vote"}, headers=HOST)
    voters = [screens() for _ in range(6)]
    for n, voter in enumerate(voters):
        await voter.join_as(f"Voter {n}")
        await voter.connect()
    acks = await asyncio.gather(
        *(voter.sio.call("vote:cast", {"image_id": image_id, "value": "up"}, timeout=10) for voter in voters for image_id in ids)
    )
    assert all(ack["ok"] for ack in acks)
    await author.wait_for("tally", lambda d: any(t["image_id"] == ids[-1] and t["up"] == 6 for t in d["tallies"]))
    await asyncio.sleep(0.3)  # let the last window close
    final: dict[int, dict] = {}
    for event in author.events["tally"]:
        for t in event["tallies"]:
            if t["seq"] > final.get(t["image_id"], {"seq": -1})["seq"]:
                final[t["image_id"]] = t
    assert {i: final[i]["up"] for i in ids} == {i: 6 for i in ids}
    # 18 votes, far fewer events: one event carries every image that changed in a window.
    assert len(author.events["tally"]) < 18


async def test_bad_socket_events_get_error_acks_and_the_connection_stays(screens) -> None:  # type: ignore[no-untyped-def]
    screen = screens()
    await screen.join_as("Mallory")
    await screen.connect()
    cases = [
        ("no:such:event", {"x": 1}, "unknown_event"),
        ("vote:cast", None, "invalid_request"),
        ("vote:cast", "up", "invalid_request"),
        ("vote:cast", {"image_id": "one", "value": "up"}, "invalid_request"),
        ("vote:cast", {"image_id": 1, "value": "sideways"}, "invalid_request"),
        ("vote:cast", {"image_id": 1}, "invalid_request"),
        ("vote:cast", {"image_id": 123456, "value": "up"}, "image_not_found"),
        ("vote:cast", {"image_id": 1, "value": "up", "room": "other"}, "not_in_room"),
        ("room:join", {"room": "nowhere"}, "room_not_found"),
        ("room:join", {"room": "<script>"}, "invalid_request"),
        ("room:sync", {"room": "elsewhere"}, "not_in_room"),
        ("room:join", b"\x00\x01binary", "invalid_request"),
        ("time:ping", {"client_time": "noon"}, "invalid_request"),
    ]
    for event, payload, code in cases:
        ack = await screen.sio.call(event, payload, timeout=10)
        assert ack["ok"] is False and ack["error"]["code"] == code, (event, payload, ack)
        assert ack["error"]["message"]
    pong = await screen.sio.call("time:ping", {"client_time": 1000}, timeout=10)
    assert pong["ok"] and pong["client_time"] == 1000 and pong["server_time"] > 1000
    assert (await screen.sio.call("room:sync", {"room": "main"}, timeout=10))["ok"]


async def test_spectator_cannot_vote(screens) -> None:  # type: ignore[no-untyped-def]
    spectator = screens()
    await spectator.connect()
    ack = await spectator.sio.call("vote:cast", {"image_id": 1, "value": "up"}, timeout=10)
    assert ack["error"]["code"] == "not_joined"


async def test_reconnect_gets_a_complete_snapshot(screens) -> None:  # type: ignore[no-untyped-def]
    alice = screens()
    await alice.join_as("Alice")
    first = await alice.connect()
    response = await alice.submit(first, "a boat", (5, 5, 60, 60))
    image_id = response.json()["image"]["id"]
    await alice.sio.disconnect()
    await asyncio.sleep(1.0)  # the image finishes while the screen is away
    again = await alice.connect()
    assert again["version"] > first["version"]
    assert [(i["id"], i["status"]) for i in again["images"]] == [(image_id, "done")]
    assert again["me"]["nickname"] == "Alice"
