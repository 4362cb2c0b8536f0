"""The `pixelpatchwork` command: serve, worker, db upgrade, token, export, coco from-labelme,
detector train|eval|explain|score."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, NoReturn

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
    from .runtime import tune_gc

    settings = _settings()
    if args.port:
        settings.port = args.port
    config = Config()
    config.bind = [f"{settings.host}:{settings.port}"]
    config.accesslog = None
    config.graceful_timeout = 5
    _banner(settings)
    app = create_app(settings)
    tune_gc()
    run_loop(serve(app, config))  # type: ignore[arg-type]


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


def cmd_export(args: argparse.Namespace) -> None:
    settings = _settings()
    out = Path(args.out) if args.out else Path(f"{args.room}-dataset" + (".zip" if args.zip else ""))
    if args.zip and out.exists():
        sys.exit(f"pixelpatchwork export: {out} already exists; choose another --out or remove it")
    if not args.zip and out.exists() and (not out.is_dir() or any(out.iterdir())):
        sys.exit(f"pixelpatchwork export: {out} exists and is not an empty folder; choose another --out or remove it")
    try:
        summary = asyncio.run(_export(settings, args.room, out, args.zip))
    except ExportRefused as exc:
        sys.exit(f"pixelpatchwork export: {exc}")
    print(summary, flush=True)


class ExportRefused(Exception):
    """The export cannot start (unknown room); the message says why."""


async def _export(settings: Settings, slug: str, out: Path, as_zip: bool) -> str:
    from tqdm import tqdm

    from .domain import rooms
    from .domain.errors import DomainError
    from .export import dataset_entries, plan_export, write_folder, write_zip
    from .offline import opened

    async with opened(settings) as (sessionmaker, storage), sessionmaker() as db:
        try:
            room = await rooms.get_room(db, slug)
        except DomainError as exc:
            raise ExportRefused(exc.message) from exc
        plan = await plan_export(db, room)
        with tqdm(total=plan.files, unit="file", desc=f"export {slug}", disable=None) as bar:
            entries = dataset_entries(db, storage, room, winner_rule=settings.winner_rule)
            if as_zip:
                written = await write_zip(entries, out, progress=lambda entry: bar.update(1))
            else:
                out.mkdir(parents=True, exist_ok=True)
                written = await write_folder(entries, out, progress=lambda entry: bar.update(1))
    return (
        f"exported room {slug}: {written} files ({plan.images} images, {plan.votes} votes, {plan.vote_events} vote changes, "
        f"{plan.rounds} rounds) to {out}; see README.md inside"
    )


def cmd_coco_from_labelme(args: argparse.Namespace) -> None:
    """Exit 0: everything converted; 1: the file is written but some shapes or files were not
    converted (listed); 2: nothing usable (no folder, no labelme file, unknown palette, --out taken)."""
    from .domain.errors import DomainError
    from .sketch.labelme import LabelmeInputError, convert_folder
    from .sketch.labels import LabelsError, load_labels

    def refuse(message: str) -> NoReturn:
        print(f"pixelpatchwork coco from-labelme: {message}", file=sys.stderr, flush=True)
        sys.exit(2)

    folder = Path(args.folder)
    out = Path(args.out) if args.out else Path(f"{folder.resolve().name}-coco.json")
    if out.exists() and not args.force:
        refuse(f"{out} already exists; choose another --out, remove it or add --force")
    try:
        labels = load_labels()
        palette = labels.palette(args.palette)
        result = convert_folder(folder, palette, labels)
    except (LabelmeInputError, LabelsError) as exc:
        refuse(str(exc))
    except DomainError as exc:
        refuse(exc.message)
    if result.images == 0:
        for problem in result.problems:
            print(f"  {problem}", file=sys.stderr)
        refuse(f"none of the {result.files} .json files in {folder} is a readable labelme file; nothing written")
    out.write_text(json.dumps(result.coco, separators=(",", ":")), encoding="utf-8")
    print(f"{result.summary()}: {out}", flush=True)
    if result.complete:
        return
    print(f"{len(result.problems)} shapes or files could not be converted:", flush=True)
    for problem in result.problems:
        print(f"  {problem}", flush=True)
    if any("label" in problem.reason for problem in result.problems):
        names = ", ".join(label.name for label in palette.labels)
        print(f"labels of palette {palette.name!r}: {names}", flush=True)
    sys.exit(1)


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
    export = commands.add_parser(
        "export", help="write a room's research dataset (pictures, masks, CSV/JSON tables, COCO masks, README)"
    )
    export.add_argument("room", help="the room's slug (as in /room/<slug>)")
    export.add_argument("--out", default=None, help="folder (or zip file with --zip) to write; default ROOM-dataset[.zip]")
    export.add_argument("--zip", action="store_true", help="write one zip file instead of a folder")
    export.set_defaults(func=cmd_export)
    coco = commands.add_parser("coco", help="COCO datasets of sketch labels")
    coco_commands = coco.add_subparsers(dest="coco_command", required=True)
    from_labelme = coco_commands.add_parser(
        "from-labelme", help="convert a folder of labelme JSON files into one COCO file with a palette's categories"
    )
    from_labelme.add_argument("folder", help="folder whose *.json files are labelme annotations")
    from_labelme.add_argument("--out", default=None, help="COCO file to write; default FOLDER-coco.json here")
    from_labelme.add_argument(
        "--palette", default=None, help="palette of shared/labels.json whose labels are the categories; 'all': every label"
    )
    from_labelme.add_argument("--force", action="store_true", help="overwrite --out when it exists")
    from_labelme.set_defaults(func=cmd_coco_from_labelme)
    # The detector's parser imports no PyTorch; its commands say how to install it when missing.
    from .detector.cli import add_parser as add_detector_parser

    add_detector_parser(commands)
    args = parser.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
