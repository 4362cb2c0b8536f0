"""The socket writer's wait for packets: what engineio's own poll does, without a task per packet."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from engineio.exceptions import QueueEmpty

from pixelpatchwork.realtime.fanout import _poll


def socket(timeout: float = 5.0) -> SimpleNamespace:
    return SimpleNamespace(queue=asyncio.Queue(), server=SimpleNamespace(ping_interval=timeout / 2, ping_timeout=timeout / 2))


async def test_takes_every_queued_packet() -> None:
    sock = socket()
    for packet in ("a", "b", "c"):
        sock.queue.put_nowait(packet)
    assert await _poll(sock) == ["a", "b", "c"]
    assert sock.queue.empty()


async def test_waits_for_the_first_packet() -> None:
    sock = socket()
    asyncio.get_running_loop().call_later(0.05, sock.queue.put_nowait, "late")
    assert await _poll(sock) == ["late"]


async def test_close_marker_ends_the_writer_after_what_came_before() -> None:
    sock = socket()
    for packet in ("a", None, "b"):
        sock.queue.put_nowait(packet)
    assert await _poll(sock) == ["a"]
    assert await _poll(sock) == ["b"], "the close marker goes back in the queue, behind what is there"
    assert await _poll(sock) == []


async def test_silence_past_the_ping_timeout_ends_the_writer() -> None:
    with pytest.raises(QueueEmpty):
        await _poll(socket(timeout=0.1))
