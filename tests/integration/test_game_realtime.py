"""The "AI or human?" game over real Socket.IO connections: guesses with acks, the count,
the reveal by the facilitator and by the clock, and the refusals."""

from __future__ import annotations

import asyncio
import io
import json
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from pixelpatchwork.app import create_app
from pixelpatchwork.db.models import GameItem, Guess
from tests.factories import HOST
from tests.integration.test_game import picture_data_url
from tests.live import Screen, live_server

ROOT = "/api/host/rooms/main"


@pytest.fixture(params=["sqlite", pytest.param("mariadb", marks=pytest.mark.mariadb)])
async def served(request, make_settings):  # type: ignore[no-untyped-def]
    """The app on SQLite, and on MariaDB (where guesses and reveals really run concurrently)."""
    overrides = {"database_url": request.getfixturevalue("mariadb_url")} if request.param == "mariadb" else {}
    asgi = create_app(make_settings(**overrides))
    async with live_server(asgi) as base:
        yield asgi, base


@pytest.fixture
async def screens(served):  # type: ignore[no-untyped-def]
    opened: list[Screen] = []

    def open_screen() -> Screen:
        screen = Screen(served[1])
        opened.append(screen)
        return screen

    yield open_screen
    for screen in opened:
        await screen.close()


async def add_artwork(screen: Screen, title: str) -> int:
    response = await screen.http.post(
        f"{ROOT}/artworks", json={"image": picture_data_url(), "title": title, "artist": "Hilma af Klint"}, headers=HOST
    )
    assert response.status_code == 201, response.text
    return response.json()["artwork"]["id"]


async def test_guesses_count_and_reveal(served, screens) -> None:  # type: ignore[no-untyped-def]
    asgi, _base = served
    ada, bo, cy, projector = screens(), screens(), screens(), screens()
    for screen, name in ((ada, "Ada"), (bo, "Bo"), (cy, "Cy")):
        await screen.join_as(name)
    snap = await ada.connect()
    await bo.connect()
    await projector.connect()
    artwork_id = await add_artwork(ada, "The Ten Largest")

    started = await ada.http.post(f"{ROOT}/game/items", json={"artwork_id": artwork_id, "duration_s": 60}, headers=HOST)
    assert started.status_code == 201, started.text
    item = started.json()["item"]
    event = await projector.wait_for("game:updated", lambda d: d["game"]["id"] == item["id"])
    assert event["version"] == snap["version"] + 1 and event["game"]["phase"] == "guess" and event["game"]["reveal"] is None

    ack = await ada.sio.call("guess:cast", {"room": "main", "item_id": item["id"], "guess": "human"}, timeout=10)
    assert ack == {"ok": True, "item_id": item["id"], "guess": "human", "guesses": 1}
    ack = await bo.sio.call("guess:cast", {"room": "main", "item_id": item["id"], "guess": "ai"}, timeout=10)
    assert ack["ok"] and ack["guesses"] == 2
    count = await projector.wait_for("game:guesses", lambda d: d["guesses"] == 2)
    assert count["item_id"] == item["id"] and count["version"] == event["version"]

    # One guess per participant and picture: a second one is refused and changes nothing.
    again = await ada.sio.call("guess:cast", {"room": "main", "item_id": item["id"], "guess": "ai"}, timeout=10)
    assert again["ok"] is False and again["error"]["code"] == "already_guessed"
    # A screen without a participant (the projector) cannot guess; nor one that has not joined the room.
    spectator = await projector.sio.call("guess:cast", {"room": "main", "item_id": item["id"], "guess": "ai"}, timeout=10)
    assert spectator["error"]["code"] == "not_joined"
    cy_cookie = "; ".join(f"{k}={v}" for k, v in cy.http.cookies.items())
    await cy.sio.connect(cy.base, headers={"Cookie": cy_cookie}, transports=["websocket"])
    outside = await cy.sio.call("guess:cast", {"room": "main", "item_id": item["id"], "guess": "ai"}, timeout=10)
    assert outside["error"]["code"] == "not_in_room"
    await cy.sio.call("room:join", {"room": "main"}, timeout=10)
    for bad, code in [
        ({"room": "main", "item_id": item["id"] + 1000, "guess": "ai"}, "item_not_found"),
        ({"room": "main", "item_id": item["id"], "guess": "maybe"}, "invalid_request"),
        ({"room": "main", "item_id": item["id"]}, "invalid_request"),
    ]:
        refused = await cy.sio.call("guess:cast", bad, timeout=10)
        assert refused["ok"] is False and refused["error"]["code"] == code, bad

    # A fresh snapshot carries the picture and the viewer's own guess, never the truth.
    resynced = await ada.sio.call("room:sync", {"room": "main"}, timeout=10)
    game = resynced["snapshot"]["game"]
    assert game["id"] == item["id"] and game["my_guess"] == "human" and game["reveal"] is None and game["guesses"] == 2

    revealed = await ada.http.post(f"{ROOT}/game/reveal", json={}, headers=HOST)
    assert revealed.status_code == 200
    shown = await projector.wait_for("game:updated", lambda d: d["game"]["phase"] == "reveal")
    assert shown["version"] == event["version"] + 1
    reveal = shown["game"]["reveal"]
    assert (reveal["truth"], reveal["human_guesses"], reveal["ai_guesses"], reveal["right"], reveal["share_right"]) == ("human", 1, 1, 1, 0.5)
    assert reveal["source"]["title"] == "The Ten Largest" and reveal["source"]["artist"] == "Hilma af Klint"
    late = await cy.sio.call("guess:cast", {"room": "main", "item_id": item["id"], "guess": "human"}, timeout=10)
    assert late["error"]["code"] == "guessing_closed"

    # Stored per guess, for research.
    async with asgi.services.sessionmaker() as db:
        rows = (await db.execute(select(Guess.guess, Guess.correct).where(Guess.item_id == item["id"]).order_by(Guess.id))).all()
    assert [tuple(r) for r in rows] == [("human", True), ("ai", False)]
    results = (await ada.http.get(f"{ROOT}/game", headers=HOST)).json()
    assert results["totals"]["guesses"] == 2 and results["totals"]["room_accuracy"] == 0.5
    assert results["totals"]["majority_items"] == 0  # a tie has no majority
    assert results["items"][0]["room_guess"] is None

    # The analytics page sets the room's accuracy against the detector's (not configured here).
    figures = (await ada.http.get(f"{ROOT}/analytics", headers=HOST)).json()["game"]
    assert figures["items"] == [{
        "number": 1, "truth": "human", "source": "The Ten Largest", "guesses": 2, "right": 1, "share_right": 0.5,
        "room_guess": None, "detector_p_ai": None, "detector_guess": None,
    }]
    assert (figures["totals"]["room_accuracy"], figures["totals"]["majority_accuracy"], figures["totals"]["detector_accuracy"]) == (0.5, None, None)

    # The research dataset carries the artwork, the picture and every guess.
    download = await ada.http.get(f"{ROOT}/export.zip", headers=HOST)
    assert download.status_code == 200
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        names = set(archive.namelist())
        artworks = json.loads(archive.read("artworks.json"))
        items = json.loads(archive.read("game_items.json"))
        guesses = json.loads(archive.read("guesses.json"))
        counts = json.loads(archive.read("room.json"))["counts"]
    assert f"artworks/{artwork_id}.png" in names
    assert [(a["artwork_id"], a["title"], a["artist"], a["artwork_file"]) for a in artworks] == [
        (artwork_id, "The Ten Largest", "Hilma af Klint", f"artworks/{artwork_id}.png")
    ]
    assert len(items) == 1
    row = items[0]
    assert (row["item_id"], row["truth"], row["artwork_id"], row["guesses"], row["ai_guesses"], row["right_guesses"], row["room_guess"]) == (
        item["id"], "human", artwork_id, 2, 1, 1, None
    )
    assert row["detector_status"] == "not_configured" and row["detector_p_ai"] is None
    assert [(g["item_number"], g["guess"], g["correct"]) for g in guesses] == [(1, "human", True), (1, "ai", False)]
    assert all(0 <= g["seconds_after_start"] < 60 for g in guesses)
    assert (counts["artwork_files"], counts["game_items"], counts["guesses"]) == (1, 1, 2)


async def test_the_clock_reveals_when_time_is_up(served, screens) -> None:  # type: ignore[no-untyped-def]
    asgi, _base = served
    ada, bo, projector = screens(), screens(), screens()
    await ada.join_as("Ada")
    await bo.join_as("Bo")
    await ada.connect()
    await bo.connect()
    await projector.connect()
    artwork_id = await add_artwork(ada, "Primordial Chaos")
    assert (await ada.http.get(f"{ROOT}/analytics", headers=HOST)).json()["game"] is None
    item = (await ada.http.post(f"{ROOT}/game/items", json={"artwork_id": artwork_id, "duration_s": 600}, headers=HOST)).json()["item"]
    ack = await ada.sio.call("guess:cast", {"room": "main", "item_id": item["id"], "guess": "human"}, timeout=10)
    assert ack["ok"]
    # Time runs out (moved into the past rather than waited for).
    async with asgi.services.sessionmaker() as db:
        past = (await db.get(GameItem, item["id"])).started_at - timedelta(seconds=5)
        await db.execute(update(GameItem).where(GameItem.id == item["id"]).values(deadline=past))
        await db.commit()
    late = await bo.sio.call("guess:cast", {"room": "main", "item_id": item["id"], "guess": "ai"}, timeout=10)
    assert late["error"]["code"] == "guessing_closed"
    shown = await projector.wait_for("game:updated", lambda d: d["game"]["phase"] == "reveal", timeout=10)
    assert shown["game"]["reveal"]["share_right"] == 1.0
    # Exactly one reveal, whatever the clock's ticks.
    assert len([e for e in projector.events["game:updated"] if e["game"]["phase"] == "reveal"]) == 1


async def test_a_reveal_during_a_burst_of_guesses_counts_exactly_the_accepted_ones(served, screens) -> None:  # type: ignore[no-untyped-def]
    asgi, _base = served
    players = [screens() for _ in range(12)]
    for n, screen in enumerate(players):
        await screen.join_as(f"Player {n}")
        await screen.connect()
    artwork_id = await add_artwork(players[0], "Burst")
    item = (await players[0].http.post(f"{ROOT}/game/items", json={"artwork_id": artwork_id}, headers=HOST)).json()["item"]

    async def guess(screen: Screen, n: int) -> dict:
        await asyncio.sleep(0.002 * n)
        return await screen.sio.call("guess:cast", {"room": "main", "item_id": item["id"], "guess": "ai" if n % 3 else "human"}, timeout=10)

    async def reveal() -> int:
        await asyncio.sleep(0.012)
        return (await players[0].http.post(f"{ROOT}/game/reveal", json={}, headers=HOST)).status_code

    # The reveal lands among the guesses (on SQLite typically half are in time; timing decides).
    *acks, status = await asyncio.gather(*(guess(s, n) for n, s in enumerate(players)), reveal())
    assert status == 200
    accepted = [a for a in acks if a["ok"]]
    refused = [a for a in acks if not a["ok"]]
    assert all(a["error"]["code"] == "guessing_closed" for a in refused), refused
    results = (await players[0].http.get(f"{ROOT}/game", headers=HOST)).json()
    reveal_view = results["items"][0]["reveal"]
    # Every acknowledged guess is in the reveal, and nothing else is.
    assert reveal_view["human_guesses"] + reveal_view["ai_guesses"] == len(accepted)
    async with asgi.services.sessionmaker() as db:
        stored = (await db.execute(select(Guess.id).where(Guess.item_id == item["id"]))).all()
    assert len(stored) == len(accepted)
