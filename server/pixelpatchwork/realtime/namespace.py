"""The room namespace: join a room's channel, get snapshots, vote, sync clocks.

Every client event is acknowledged with {"ok": true, ...} or {"ok": false, "error": ...};
an unknown event or a malformed payload is refused the same way and the connection stays.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from http.cookies import CookieError, SimpleCookie
from typing import Any

import socketio
from itsdangerous import BadSignature
from sqlalchemy.exc import DBAPIError

from ..domain import rooms, sketch
from ..domain.clock import to_ms, utcnow
from ..domain.errors import DomainError
from ..domain.events import Outbox
from ..domain.users import get_user
from ..domain.views import snapshot
from ..protocol import CLIENT_EVENTS, event_payload_definition, validate
from ..ratelimit import client_address
from ..services import Services
from . import game
from .broadcast import channel

log = logging.getLogger(__name__)

SessionReader = Callable[[str], dict[str, Any] | None]
Handler = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]


def error_ack(code: str, message: str) -> dict[str, Any]:
    return {"ok": False, "error": {"code": code, "message": message}}


class RoomNamespace(socketio.AsyncNamespace):
    def __init__(self, services: Services, read_session: SessionReader, session_cookie: str) -> None:
        super().__init__("/")
        self.services = services
        self.read_session = read_session
        self.session_cookie = session_cookie
        self.handlers: dict[str, Handler] = {
            "room:join": self.join,
            "room:sync": self.sync,
            "vote:cast": self.cast_vote,
            "time:ping": self.time_ping,
            "sketch:join": self.sketch_join,
            "sketch:stroke": self.sketch_stroke,
            "sketch:undo": self.sketch_undo,
            "sketch:draft": self.sketch_draft,
            "guess:cast": self.cast_guess,
        }
        self.guess_counts = game.GuessCounts(services, lambda event, data, to: self.emit(event, data, room=to))
        assert set(self.handlers) == CLIENT_EVENTS, "every protocol client event needs a handler"

    async def trigger_event(self, event: str, *args: Any) -> Any:
        if event in ("connect", "disconnect"):
            return await super().trigger_event(event, *args)
        sid = args[0] if args else ""
        handler = self.handlers.get(event)
        if handler is None:
            return error_ack("unknown_event", f"there is no event called {str(event)[:60]!r}")
        payload = args[1] if len(args) > 1 else None
        try:
            return await handler(sid, validate(event_payload_definition(event), payload))
        except DomainError as exc:
            return {"ok": False, "error": exc.as_dict()}
        except DBAPIError:
            log.error("database unavailable during %s", event)
            return error_ack("database_unavailable", "the database is not answering; try again in a moment")
        except Exception:
            log.exception("unexpected error during socket event %s", event)
            return error_ack("internal_error", "something went wrong on the server; it has been logged")

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        user_id = None
        raw = environ.get("HTTP_COOKIE", "")
        try:
            cookie = SimpleCookie(raw).get(self.session_cookie)
        except CookieError:
            cookie = None
        if cookie is not None:
            try:
                data = self.read_session(cookie.value) or {}
            except BadSignature:
                data = {}
            if isinstance(data.get("user_id"), int):
                user_id = data["user_id"]
        scope = environ.get("asgi.scope") or {}
        peer = (scope.get("client") or (None,))[0]
        address = client_address(peer, environ.get("HTTP_X_FORWARDED_FOR"), self.services.settings.proxy_hops)
        await self.save_session(sid, {"user_id": user_id, "rooms": [], "address": address})

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        self.services.presence.left(sid)

    async def _snapshot_for(self, sid: str, slug: str) -> dict[str, Any]:
        state = await self.get_session(sid)
        svc = self.services
        async with svc.sessionmaker() as db:
            room = await rooms.get_room(db, slug)
            user = await get_user(db, state.get("user_id"))
            if user is not None and user.room_id != room.id:
                user = None
            return {"ok": True, "snapshot": await snapshot(db, svc.storage, svc.policy, room, user)}

    async def join(self, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        slug = data["room"]
        # Enter the channel before reading the snapshot, so no event falls between the two.
        async with self.services.sessionmaker() as db:
            await rooms.get_room(db, slug)
        await self.enter_room(sid, channel(slug))
        async with self.session(sid) as state:
            if slug not in state["rooms"]:
                state["rooms"].append(slug)
            self.services.presence.joined(slug, sid, state.get("user_id"))
        return await self._snapshot_for(sid, slug)

    async def sync(self, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        state = await self.get_session(sid)
        if data["room"] not in state["rooms"]:
            raise DomainError(409, "not_in_room", "join the room before asking for its snapshot")
        return await self._snapshot_for(sid, data["room"])

    async def cast_vote(self, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        state = await self.get_session(sid)
        svc = self.services
        user_id = state.get("user_id")
        if not user_id:
            raise DomainError(401, "not_joined", "join the room with a nickname before voting")
        svc.vote_limiter.check(user_id, "votes")
        svc.address_limits.check(svc.address_limits.votes, state.get("address", "unknown"), "votes")
        joined = state["rooms"] if data.get("room") is None else [r for r in state["rooms"] if r == data["room"]]
        outbox = Outbox()
        tally = await svc.votes.cast(user_id, data["image_id"], data["value"], outbox, rooms=joined)
        await svc.publish(outbox)
        return {"ok": True, "image_id": data["image_id"], "value": data["value"], "tally": tally}

    async def time_ping(self, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "client_time": data["client_time"], "server_time": to_ms(utcnow())}

    async def _joined(self, sid: str, slug: str) -> dict[str, Any]:
        state = await self.get_session(sid)
        if slug not in state["rooms"]:
            raise DomainError(409, "not_in_room", "join the room (room:join) before its sketch")
        return state

    async def sketch_join(self, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        await self._joined(sid, data["room"])
        async with self.services.sessionmaker() as db:
            room = await rooms.get_room(db, data["room"])
            return {"ok": True, "sketch": await sketch.sketch_state(db, room)}

    async def _sketch_op(self, sid: str, data: dict[str, Any], operation) -> Any:  # type: ignore[no-untyped-def]
        """Run one stroke or undo for the connection's participant and publish it."""
        state = await self._joined(sid, data["room"])
        if not state.get("user_id"):
            raise DomainError(401, "not_joined", "join the room with a nickname before drawing")
        svc = self.services
        svc.sketch_limiter.check(state["user_id"], "strokes")
        outbox = Outbox()
        async with svc.sessionmaker() as db:
            room = await rooms.get_room(db, data["room"])
            user = await get_user(db, state["user_id"])
            result = await operation(db, room, user, outbox)
        await svc.publish(outbox)
        return result

    async def sketch_stroke(self, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        view = await self._sketch_op(
            sid, data, lambda db, room, user, outbox: sketch.add_stroke(db, room, user, data["round_id"], data["stroke"], outbox)
        )
        return {"ok": True, "stroke": view}

    async def sketch_undo(self, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        done = await self._sketch_op(
            sid, data, lambda db, room, user, outbox: sketch.undo_stroke(db, room, user, data["round_id"], outbox)
        )
        return {"ok": True, **done}

    async def sketch_draft(self, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        """Relay a pointer and the points of a stroke in progress; nothing is stored. The drawer's
        nickname is looked up once per connection and room."""
        state = await self._joined(sid, data["room"])
        user_id = state.get("user_id")
        if not user_id:
            raise DomainError(401, "not_joined", "join the room with a nickname before drawing")
        svc = self.services
        if not svc.draft_limiter.allow(user_id):
            return error_ack("rate_limited", "you are sending pointer moves too fast; send about 30 a second")
        nickname = state.get("drawer", {}).get(data["room"])
        if nickname is None:
            async with svc.sessionmaker() as db:
                room = await rooms.get_room(db, data["room"])
                user = await get_user(db, user_id)
            if user is None or user.room_id != room.id or user.removed:
                raise DomainError(401, "not_joined", "join this room with a nickname before drawing")
            nickname = user.nickname
            async with self.session(sid) as saved:
                saved.setdefault("drawer", {})[data["room"]] = nickname
        assert svc.drafts is not None
        svc.drafts.add(data["room"], data["round_id"], {
            "user_id": user_id, "nickname": nickname, "x": data["x"], "y": data["y"],
            "tool": data.get("tool"), "label": data.get("label"), "size": data.get("size"),
            "points": data.get("points", []), "start": bool(data.get("start", False)),
        })
        return {"ok": True}

    async def cast_guess(self, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        state = await self.get_session(sid)
        return await game.cast(self.services, self.guess_counts, state.get("user_id"), state["rooms"], data)
