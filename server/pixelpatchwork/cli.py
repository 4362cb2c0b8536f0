"""The `pixelpatchwork` command: serve, worker, db upgrade, token."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Coroutine
from typing import Any

from .settings import Settings, SettingsError

log = logging.getLogger("pixelpatchwork")


def run_loop(main: Coroutine[Any, Any, None]) -> None:
    """Run on uvloop where it is installed (Linux, macOS), else on asyncio's own loop."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(main)
    else:
        uvloop.run(main)


def _settings() -> Settings:
    try:
        return Settings()
    except (SettingsError, ValueError) as exc:
        sys.exit(f"pixelpatchwork: cannot start: {exc}")


def _banner(settings: Settings) -> None:
    print(f"PixelPatchwork on http://{settings.host}:{settings.port}", flush=True)
    if settings.facilitator_token_generated:
        token = settings.facilitator_token.get_secret_value()  # type: ignore[union-attr]
        print(f"Facilitator token (development): {token}", flush=True)
        print(f"  sign in at http://{settings.host}:{settings.port}/host", flush=True)
    else:
        print("Facilitator token: the FACILITATOR_TOKEN setting", flush=True)


def cmd_serve(args: argparse.Namespace) -> None:
    from hypercorn.asyncio import serve
    from hypercorn.config import Config

    from .app import create_app

    settings = _settings()
    if args.port:
        settings.port = args.port
    config = Config()
    config.bind = [f"{settings.host}:{settings.port}"]
    config.accesslog = None
    config.graceful_timeout = 5
    _banner(settings)
    run_loop(serve(create_app(settings), config))  # type: ignore[arg-type]


def cmd_worker(args: argparse.Namespace) -> None:
    settings = _settings()
    if not settings.redis_url:
        sys.exit(
            "pixelpatchwork worker: REDIS_URL is required so the worker's events reach the web processes; "
            "without Redis the web process runs the worker itself (WORKER_IN_PROCESS=true)."
        )
    run_loop(_run_worker(settings))


async def _run_worker(settings: Settings) -> None:
    import socketio

    from .services import Services

    services = Services.build(settings)
    manager = socketio.AsyncRedisManager(settings.redis_url, channel=settings.redis_channel, write_only=True)

    async def emit(event: str, data: dict[str, Any], room: str) -> None:
        await manager.emit(event, data, namespace="/", room=room)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await services.start(emit, run_worker=True)
    log.info("generation worker %s running (%s)", services.worker.worker_id, services.provider.name)  # type: ignore[union-attr]
    await stop.wait()
    await services.stop()


def cmd_db_upgrade(args: argparse.Namespace) -> None:
    from .db.migrate import upgrade

    settings = _settings()
    upgrade(settings.database_url, args.revision)
    print(f"database at revision {args.revision}", flush=True)


def cmd_token(args: argparse.Namespace) -> None:
    settings = _settings()
    print(settings.facilitator_token.get_secret_value())  # type: ignore[union-attr]


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(prog="pixelpatchwork", description="A live, collaborative AI-image room.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the web app and the room (one hypercorn process)")
    serve.add_argument("--port", type=int, default=None, help="port (default: the PORT setting)")
    serve.set_defaults(func=cmd_serve)
    worker = commands.add_parser("worker", help="run generation jobs in a separate process (needs REDIS_URL)")
    worker.set_defaults(func=cmd_worker)
    db = commands.add_parser("db", help="database tasks")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    up = db_commands.add_parser("upgrade", help="apply migrations")
    up.add_argument("revision", nargs="?", default="head")
    up.set_defaults(func=cmd_db_upgrade)
    token = commands.add_parser("token", help="print the facilitator token")
    token.set_defaults(func=cmd_token)
    args = parser.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
