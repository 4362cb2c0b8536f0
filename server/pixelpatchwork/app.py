"""create_app(settings) -> the ASGI app: Quart for HTTP, wrapped by Socket.IO for the room."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

import socketio
from sqlalchemy.ext.asyncio import AsyncSession
from quart import Quart
from werkzeug.routing import IntegerConverter

from . import fastjson
from .domain import rounds
from .domain.events import Outbox
from .domain.rooms import ensure_join_code, ensure_room
from .generation import Provider
from .realtime.namespace import RoomNamespace
from .realtime.fanout import FanoutManager, install_fast_poll
from .realtime.redis_manager import MonitoredRedisManager
from .services import Services
from .settings import Settings
from .realtime.game import game_clock
from .web import api, game, host, pages, sketch
from .web.errors import register_error_handlers
from .web.security import install_security_headers
from .web.pages import CLIENT_DIST

log = logging.getLogger(__name__)

SESSION_COOKIE = "ppw_session"


MAX_ID = 2**53 - 1  # the largest id a browser's numbers hold exactly


class IdConverter(IntegerConverter):
    """Ids in paths: integers up to MAX_ID; a larger one matches no route (404)."""

    def __init__(self, url_map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def create_app(settings: Settings | None = None, provider: Provider | None = None) -> socketio.ASGIApp:
    """Build the whole server from settings; nothing is connected until the app starts serving.

    Arguments:
        settings: the configuration (read from the environment when omitted).
        provider: a generator to use instead of the configured one (benchmarks, experiments).
    """
    settings = settings or Settings()
    services = Services.build(settings, provider)

    app = Quart(__name__, static_folder=str(CLIENT_DIST), static_url_path="/static")
    app.url_map.converters["int"] = IdConverter
    app.config.update(
        SECRET_KEY=settings.secret_key.get_secret_value(),
        SESSION_COOKIE_NAME=SESSION_COOKIE,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.session_cookie_secure,
        PERMANENT_SESSION_LIFETIME=timedelta(days=30),
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["pixelpatchwork"] = services
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(host.bp)
    app.register_blueprint(sketch.bp)
    app.register_blueprint(game.bp)
    register_error_handlers(app)
    install_security_headers(app, settings)

    install_fast_poll()
    manager: socketio.AsyncManager = FanoutManager()
    redis_manager: MonitoredRedisManager | None = None
    if settings.redis_url:
        manager = redis_manager = MonitoredRedisManager(settings.redis_url, channel=settings.redis_channel, heartbeat_s=settings.redis_heartbeat_s)
        app.extensions["pixelpatchwork.redis_check"] = _redis_check(settings.redis_url, redis_manager)
    sio = socketio.AsyncServer(
        async_mode="asgi",
        client_manager=manager,
        cors_allowed_origins=settings.allowed_origins or None,
        max_http_buffer_size=64_000,
        ping_interval=20,
        ping_timeout=20,
        json=fastjson,
    )
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    sio.register_namespace(RoomNamespace(services, serializer.loads, SESSION_COOKIE))

    async def emit(event: str, data: dict[str, Any], room: str) -> None:
        await sio.emit(event, data, room=room)

    @app.before_serving
    async def _start() -> None:
        await services.start(emit, run_worker=settings.worker_in_process)
        await ensure_room(
            services.sessionmaker, services.storage, settings.default_room, settings.default_room_name,
            mode=settings.default_room_mode, policy=services.policy,
        )
        await ensure_join_code(services.sessionmaker, settings.default_room)
        services.background.append(asyncio.create_task(_deadline_clock(services), name="deadline-clock"))
        services.background.append(asyncio.create_task(game_clock(services), name="game-clock"))
        if redis_manager is not None:
            redis_manager.start_watchdog()
        log.info(
            "PixelPatchwork serving: database %s, storage %s, generator %s, fan-out %s",
            services.engine.dialect.name, services.storage.backend, services.provider.name,
            "redis" if settings.redis_url else "in-process",
        )

    @app.after_serving
    async def _stop() -> None:
        # Close the remaining connections (their clients reconnect to another process) and
        # stop Socket.IO's background tasks before the services they use go away.
        if redis_manager is not None:
            await redis_manager.stop_watchdog()
        if sio.eio.sockets:
            await sio.eio.disconnect()
        await sio.shutdown()
        await services.stop()

    asgi = socketio.ASGIApp(sio, other_asgi_app=app)
    asgi.quart_app = app  # type: ignore[attr-defined]
    asgi.sio = sio  # type: ignore[attr-defined]
    asgi.services = services  # type: ignore[attr-defined]
    return asgi


def _redis_check(url: str, manager: MonitoredRedisManager):  # type: ignore[no-untyped-def]
    """Redis answers, and this process's subscription still hears the room channel."""
    import redis.asyncio as aioredis

    client = aioredis.from_url(url, socket_connect_timeout=2, socket_timeout=2)

    async def check() -> dict[str, Any]:
        silent = manager.silent_for_s
        subscription = {"subscription": "deaf" if manager.deaf() else "live",
                        "silent_for_s": None if silent is None else round(silent, 1), "restarts": manager.restarts}
        try:
            await client.ping()
        except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
            return {"ok": False, "error": exc.__class__.__name__, **subscription}
        return {"ok": not manager.deaf(), **subscription}

    return check


async def _deadline_clock(services: Services) -> None:
    """Move rounds on when their deadline passes. Every process runs this; the conditional
    update in change_phase makes sure each move happens once."""

    async def move(db: AsyncSession, due: tuple, outbox: Outbox) -> None:
        room, round_ = due
        await rounds.change_phase(
            db, services.storage, services.policy, room, round_.phase, rounds.AUTOMATIC_NEXT[round_.phase], None, outbox,
            round_id=round_.id,
        )

    await services.every_tick("deadline clock", rounds.due_rounds, move)
