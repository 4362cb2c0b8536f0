"""Fuzzing every Socket.IO client event with malformed payloads: wrong types, missing and
extra fields, huge and binary values, unknown events. Each gets an error acknowledgement (or
a normal answer when the payload happens to be valid), the server keeps running, the
connection stays usable and nothing is stored."""

from __future__ import annotations

import asyncio
import random
from typing import Any

from sqlalchemy import func, select

from pixelpatchwork.app import create_app
from pixelpatchwork.db.models import Vote, VoteEvent
from pixelpatchwork.protocol import CLIENT_EVENTS, PROTOCOL
from tests.live import Screen, live_server

CASES = 400
FIELDS = {"room", "image_id", "value", "client_time"}


def random_value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.choice(["none", "bool", "int", "big", "float", "text", "long", "bytes", "list", "dict"] if depth < 3 else ["int", "text"])
    if kind == "none":
        return None
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "int":
        return rng.choice([0, -1, 1, 2, 7, 2**31, -(2**31)])
    if kind == "big":
        return rng.choice([2**53, 2**63, 2**64 + 1, -(2**70), 10**30])
    if kind == "float":
        return rng.choice([0.5, -1.5, 1e308, 3.14159])
    if kind == "text":
        return rng.choice(["", "main", "up", "down", "none", "<script>", "🙂" * 5, "\x00\x01", "a" * 200, "' OR 1=1 --"])
    if kind == "long":
        return "x" * rng.choice([1_000, 20_000, 50_000])
    if kind == "bytes":
        return bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 64)))
    if kind == "list":
        return [random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    keys = rng.sample(sorted(FIELDS), rng.randint(0, len(FIELDS))) + [f"extra{i}" for i in range(rng.randint(0, 2))]
    return {key: random_value(rng, depth + 1) for key in keys}


def random_case(rng: random.Random) -> tuple[str, Any]:
    """An event name and a payload under the message size limit (over it, engineio closes the
    connection: see the test of oversized messages)."""
    events = sorted(CLIENT_EVENTS) + ["unknown:event", "", "connect", "disconnect", "vote:cast:extra"]
    while True:
        event, payload = rng.choice(events), random_value(rng)
        if len(repr(payload)) < 60_000:
            return event, payload


async def rows(app) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    async with app.services.sessionmaker() as db:
        return (
            int(await db.scalar(select(func.count()).select_from(Vote))),
            int(await db.scalar(select(func.count()).select_from(VoteEvent))),
        )


async def test_malformed_events_get_error_acks_and_change_nothing(make_settings) -> None:  # type: ignore[no-untyped-def]
    app = create_app(make_settings())
    async with live_server(app) as base:
        screen = Screen(base)
        try:
            await screen.join_as("Fuzzer")
            await screen.connect()
            before = await rows(app)
            rng = random.Random(20261122)
            answers: dict[str, int] = {}
            for _ in range(CASES):
                event, payload = random_case(rng)
                if event in ("connect", "disconnect"):
                    continue  # reserved by Socket.IO in the client; sent raw below
                ack = await screen.sio.call(event, payload, timeout=10)
                assert isinstance(ack, dict) and "ok" in ack, (event, payload, ack)
                if not ack["ok"]:
                    assert ack["error"]["code"] and ack["error"]["message"], (event, payload, ack)
                    answers[ack["error"]["code"]] = answers.get(ack["error"]["code"], 0) + 1
            assert answers.get("invalid_request", 0) > CASES / 4 and answers.get("unknown_event", 0) > 0
            assert "internal_error" not in answers
            # The connection is still usable, and nothing was stored.
            pong = await screen.sio.call("time:ping", {"client_time": 1}, timeout=10)
            assert pong["ok"]
            assert (await screen.sio.call("room:sync", {"room": "main"}, timeout=10))["ok"]
            assert await rows(app) == before
        finally:
            await screen.close()


async def test_oversized_messages_close_only_their_connection(make_settings) -> None:  # type: ignore[no-untyped-def]
    app = create_app(make_settings())
    async with live_server(app) as base:
        big, other = Screen(base), Screen(base)
        try:
            await big.join_as("Big")
            await other.join_as("Other")
            await big.connect()
            await other.connect()
            # Just under the message limit: refused like any malformed payload.
            ack = await big.sio.call("vote:cast", {"image_id": 1, "value": "x" * 60_000}, timeout=10)
            assert ack["ok"] is False and ack["error"]["code"] == "invalid_request"
            # Over it: engineio closes that one connection; the server and the others go on.
            await big.sio.emit("vote:cast", {"image_id": 1, "value": "x" * 200_000})
            for _ in range(50):
                if not big.sio.connected:
                    break
                await asyncio.sleep(0.1)
            assert not big.sio.connected
            assert (await other.sio.call("time:ping", {"client_time": 1}, timeout=10))["ok"]
            again = Screen(base)
            try:
                await again.connect()
                assert (await again.sio.call("room:sync", {"room": "main"}, timeout=10))["ok"]
            finally:
                await again.close()
        finally:
            await big.close()
            await other.close()


def test_every_client_event_is_fuzzed() -> None:
    rng = random.Random(20261122)
    seen = {random_case(rng)[0] for _ in range(CASES)}
    assert set(PROTOCOL["client_events"]) <= seen
