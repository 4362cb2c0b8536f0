"""Room broadcasts without a task per recipient.

python-socketio sends a room event by starting one task per connected socket, each of which
puts the same encoded packet on that socket's queue. With a thousand screens and a tally
every 150 ms, those tasks are most of a process's work. Here the packet is encoded once and
put on every socket's queue directly; each socket's own writer sends it, as before. Events
with acknowledgement callbacks (never sent to a room here) take python-socketio's own path.
Ping timeouts are still enforced by engineio's service task. Each socket's writer waits for
its queue without starting a task per packet (install_fast_poll).
"""

from __future__ import annotations

import asyncio
from typing import Any

import socketio
from engineio import exceptions as engineio_exceptions
from engineio import packet as eio_packet
from engineio.async_socket import AsyncSocket
from socketio import packet


def _as_args(data: Any) -> list[Any]:
    if isinstance(data, tuple):
        return list(data)
    return [] if data is None else [data]


def send_to_room(manager: socketio.AsyncManager, event: str, data: Any, namespace: str | None, room: Any, skip_sid: Any) -> None:
    """Queue `event` once encoded on the socket of every participant of `room` in this process."""
    namespace = namespace or "/"
    if namespace not in manager.rooms:
        return
    server = manager.server
    encoded = server.packet_class(packet.EVENT, namespace=namespace, data=[event, *_as_args(data)]).encode()
    frames = [eio_packet.Packet(eio_packet.MESSAGE, part) for part in (encoded if isinstance(encoded, list) else [encoded])]
    skip = skip_sid if isinstance(skip_sid, list) else [skip_sid]
    sockets = server.eio.sockets
    for sid, eio_sid in manager.get_participants(namespace, room):
        if sid in skip:
            continue
        sock = sockets.get(eio_sid)
        if sock is None or sock.closed or sock.closing:
            continue
        for frame in frames:
            sock.queue.put_nowait(frame)


class FanoutManager(socketio.AsyncManager):
    """The single-process manager, with room broadcasts queued directly."""

    async def emit(self, event, data, namespace, room=None, skip_sid=None, callback=None, to=None, **kwargs):  # type: ignore[no-untyped-def]
        if callback is not None:
            return await super().emit(event, data, namespace, room=room, skip_sid=skip_sid, callback=callback, to=to, **kwargs)
        send_to_room(self, event, data, namespace, to or room, skip_sid)


async def _poll(self: Any) -> list[Any]:
    """engineio's AsyncSocket.poll (wait for packets to send, then take all that are queued)
    with asyncio.timeout instead of asyncio.wait_for, which on Python 3.11 starts a task for
    every packet of every connection."""
    try:
        async with asyncio.timeout(self.server.ping_interval + self.server.ping_timeout):
            packets = [await self.queue.get()]
        self.queue.task_done()
    except (TimeoutError, asyncio.CancelledError):
        raise engineio_exceptions.QueueEmpty() from None
    if packets == [None]:
        return []
    while True:
        try:
            pkt = self.queue.get_nowait()
        except asyncio.QueueEmpty:
            break
        self.queue.task_done()
        if pkt is None:
            self.queue.put_nowait(None)
            break
        packets.append(pkt)
    return packets


def install_fast_poll() -> None:
    """Use _poll for every engineio socket of this process (idempotent)."""
    AsyncSocket.poll = _poll  # type: ignore[method-assign]
