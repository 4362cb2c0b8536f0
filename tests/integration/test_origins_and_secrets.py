"""Socket.IO accepts only the site's own origin (and ALLOWED_ORIGINS); secrets never reach
the log, whatever happens."""

from __future__ import annotations

import logging

import pytest
import socketio
from socketio.exceptions import ConnectionError as SocketConnectionError

from pixelpatchwork.app import create_app
from tests.conftest import FACILITATOR_TOKEN
from tests.live import Screen, live_server


async def connects(base: str, origin: str | None) -> bool:
    client = socketio.AsyncClient(reconnection=False)
    try:
        await client.connect(base, headers={"Origin": origin} if origin else {}, transports=["websocket"], wait_timeout=5)
    except SocketConnectionError:
        return False
    await client.disconnect()
    return True


async def test_socket_origins(make_settings) -> None:  # type: ignore[no-untyped-def]
    async with live_server(create_app(make_settings())) as base:
        assert await connects(base, None), "a client without an Origin header (not a browser) connects"
        assert await connects(base, base), "the site's own pages connect"
        assert not await connects(base, "https://evil.example"), "another site's page does not"
    async with live_server(create_app(make_settings(allowed_origins=["https://patchwork.example"]))) as base:
        assert await connects(base, "https://patchwork.example")
        assert not await connects(base, "https://evil.example")


SECRETS = {
    "secret_key": "secret-key-that-must-never-be-logged-0123456789abcdef",
    "facilitator_token": "facilitator-token-never-logged-42",
    "openai_api_key": "sk-never-logged-0123456789",
}


@pytest.mark.parametrize("environment", ["development", "production"])
async def test_secrets_are_never_logged(make_settings, caplog, environment) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    settings = make_settings(environment=environment, generator="offline", **SECRETS)
    async with live_server(create_app(settings)) as base:
        screen = Screen(base)
        try:
            await screen.join_as("Ada")
            await screen.connect()
            # Sign-ins that succeed and fail, a refused event, a server error page.
            await screen.http.post("/api/host/session", json={"token": SECRETS["facilitator_token"]})
            await screen.http.post("/api/host/session", json={"token": "wrong-" + SECRETS["facilitator_token"]})
            await screen.http.get("/api/host/rooms", headers={"Authorization": f"Bearer {SECRETS['facilitator_token']}x"})
            await screen.sio.call("vote:cast", {"image_id": 1, "value": "up"}, timeout=10)
            await screen.http.get("/api/rooms/nowhere")
        finally:
            await screen.close()
    logged = "\n".join(record.getMessage() + str(record.exc_info or "") for record in caplog.records)
    assert logged, "the log is captured"
    for name, value in SECRETS.items():
        assert value not in logged, f"{name} appeared in the log"
    assert FACILITATOR_TOKEN not in logged
