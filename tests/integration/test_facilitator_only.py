"""A participant session can call no facilitator action, over HTTP or the socket."""

from __future__ import annotations

import re

from tests.factories import join, snapshot
from tests.integration.test_bad_input_http import counts


async def test_every_facilitator_route_refuses_a_participant(app) -> None:  # type: ignore[no-untyped-def]
    participant = app.quart_app.test_client()
    await join(participant, "Mallory")
    before_counts, before_round = await counts(app), (await snapshot(participant))["round"]
    checked = 0
    for rule in app.quart_app.url_map.iter_rules():
        if not rule.rule.startswith("/api/host/") or rule.rule == "/api/host/session":
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: "main" if m.group(1) == "slug" else "1", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = await participant.open(path, method=method, json={} if method != "GET" else None)
            body = await response.get_json()
            assert response.status_code == 401 and body["error"]["code"] == "not_facilitator", (method, path, body)
            checked += 1
    assert checked >= 15
    assert await counts(app) == before_counts
    assert (await snapshot(participant))["round"] == before_round


async def test_the_socket_has_no_facilitator_events(make_settings) -> None:  # type: ignore[no-untyped-def]
    from pixelpatchwork.app import create_app
    from pixelpatchwork.protocol import CLIENT_EVENTS
    from tests.live import Screen, live_server

    assert CLIENT_EVENTS == {
        "room:join", "room:sync", "vote:cast", "time:ping", "guess:cast",
        "sketch:join", "sketch:stroke", "sketch:undo", "sketch:draft",
    }
    async with live_server(create_app(make_settings())) as base:
        screen = Screen(base)
        try:
            await screen.join_as("Mallory")
            await screen.connect()
            for event in ("phase:change", "host:phase", "round:close", "image:hide", "participant:kick"):
                ack = await screen.sio.call(event, {"room": "main", "from": "generate", "to": "vote"}, timeout=10)
                assert ack["ok"] is False and ack["error"]["code"] == "unknown_event"
            snap = (await screen.sio.call("room:sync", {"room": "main"}, timeout=10))["snapshot"]
            assert snap["round"]["phase"] == "generate"
        finally:
            await screen.close()
