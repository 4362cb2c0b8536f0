"""A lean Socket.IO client for the load generator: Engine.IO 4 / Socket.IO 5 over one
WebSocket, the default namespace, events and acknowledgements, answering the server's pings.

python-socketio's client starts a task for every message it receives; with 500 connections
per process and a tally every 150 ms each, that overhead alone would take a large share of the
machine the servers are measured on. This client decodes only what the benchmark reads.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable
from typing import Any

import aiohttp
import orjson

Handler = Callable[[Any], None]


class LeanClient:
    def __init__(self, http: aiohttp.ClientSession) -> None:
        self.http = http
        self.handlers: dict[str, Handler] = {}
        self.on_disconnect: Callable[[str], None] | None = None
        self.connected = False
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._acks: dict[int, asyncio.Future] = {}
        self._ids = itertools.count()
        self._reader: asyncio.Task | None = None

    def on(self, event: str, handler: Handler) -> None:
        self.handlers[event] = handler

    async def connect(self, base: str, headers: dict[str, str], timeout: float = 30) -> None:
        url = base.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
        ws = await self.http.ws_connect(url, headers=headers, timeout=aiohttp.ClientWSTimeout(ws_close=timeout), max_msg_size=0)
        opened = await asyncio.wait_for(ws.receive_str(), timeout)
        if not opened.startswith("0"):
            await ws.close()
            raise ConnectionError(f"not an Engine.IO open packet: {opened[:80]}")
        await ws.send_str("40")
        while True:  # the namespace connect answer (pings may come first)
            message = await asyncio.wait_for(ws.receive_str(), timeout)
            if message == "2":
                await ws.send_str("3")
            elif message.startswith("40"):
                break
            elif message.startswith("44"):
                await ws.close()
                raise ConnectionError(f"namespace refused: {message[2:200]}")
        self._ws = ws
        self.connected = True
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        ws = self._ws
        assert ws is not None
        reason = "transport close"
        try:
            async for message in ws:
                if message.type != aiohttp.WSMsgType.TEXT:
                    if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                        break
                    continue
                data: str = message.data
                if data == "2":
                    await ws.send_str("3")
                elif data.startswith("42"):
                    name, *args = orjson.loads(data[2:])
                    handler = self.handlers.get(name)
                    if handler is not None:
                        handler(args[0] if args else None)
                elif data.startswith("43"):
                    split = data.index("[", 2)
                    future = self._acks.pop(int(data[2:split]), None)
                    if future is not None and not future.done():
                        args = orjson.loads(data[split:])
                        future.set_result(args[0] if args else None)
                elif data.startswith("41"):
                    reason = "server disconnect"
                    break
        except (aiohttp.ClientError, ConnectionError):
            reason = "transport error"
        finally:
            self.connected = False
            for future in self._acks.values():
                if not future.done():
                    future.set_exception(ConnectionError(reason))
            self._acks.clear()
            if self.on_disconnect is not None:
                self.on_disconnect(reason)

    async def call(self, event: str, data: Any, timeout: float) -> Any:
        """Emit `event` with `data` and wait for its acknowledgement."""
        if not self.connected or self._ws is None:
            raise ConnectionError("not connected")
        ack_id = next(self._ids)
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        self._acks[ack_id] = future
        await self._ws.send_str(f"42{ack_id}" + json.dumps([event, data], separators=(",", ":")))
        try:
            return await asyncio.wait_for(future, timeout)
        finally:
            self._acks.pop(ack_id, None)

    async def disconnect(self) -> None:
        if self._ws is not None and not self._ws.closed:
            try:
                await self._ws.send_str("41")
            except (aiohttp.ClientError, ConnectionError):
                pass
            await self._ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)
