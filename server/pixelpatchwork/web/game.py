"""The facilitator's side of the "AI or human?" game: artworks, starting and revealing items, results.

Participants guess over Socket.IO (`guess:cast`, realtime/namespace.py); the rules live in
domain/game.py. Starting an item decodes its picture, writes a neutral copy and, with
DETECTOR_CHECKPOINT set, the detector's score and heatmap, all off the event loop and
before anything is recorded, so a refused start leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import io
import logging
import secrets
from pathlib import Path

from PIL import Image as PILImage
from quart import Blueprint, jsonify, make_response

from .. import imaging
from ..db.models import Room
from ..detector import INSTALL_HINT, DetectorError
from ..detector import room as detector_room
from ..domain import game
from ..domain.errors import DomainError
from ..domain.events import Outbox
from ..storage import StorageError
from .api import json_body
from .auth import check_csrf, services
from .host import facilitator_room

log = logging.getLogger(__name__)

bp = Blueprint("game", __name__, url_prefix="/api/host/rooms/<slug>")

# The game's pictures are re-encoded alike, whatever their source, so neither the file
# format, its metadata nor its address gives the truth away.
PICTURE_FORMAT = ("WEBP", "image/webp", "webp")
PICTURE_QUALITY = 90
# Every game picture is this many pixels on its long side: the room's edits share their seed's
# size, so a picture's size in pixels would otherwise tell them from uploaded artworks.
PICTURE_LONG_SIDE = 1024


@bp.before_request
async def _csrf() -> None:
    check_csrf()


def _artwork_picture(data_url: str) -> PILImage.Image:
    settings = services().settings
    try:
        return imaging.read_seed(data_url, max_bytes=settings.max_request_bytes, max_pixels=settings.max_image_pixels)
    except imaging.ImageRejected as exc:
        raise DomainError(422, exc.code, exc.message) from exc


@bp.post("/artworks")
async def upload_artwork(slug: str):  # type: ignore[no-untyped-def]
    """Upload a human-made artwork with its credit for the game."""
    async with facilitator_room(slug) as (svc, db, room):
        body = await json_body("ArtworkRequest")
        game.clean_credit(body["title"], body["artist"], body.get("source_url"))  # refuse before decoding
        picture = await asyncio.to_thread(_artwork_picture, body["image"])
        view = await game.add_artwork(db, svc.storage, room, picture, body["title"], body["artist"], body.get("source_url"))
    return jsonify({"artwork": view}), 201


@bp.get("/artworks")
async def list_artworks(slug: str):  # type: ignore[no-untyped-def]
    """The room's artworks for the game, with their credits."""
    async with facilitator_room(slug) as (svc, db, room):
        return jsonify({"artworks": await game.list_artworks(db, svc.storage, room)})


@bp.delete("/artworks/<int:artwork_id>")
async def delete_artwork(slug: str, artwork_id: int):  # type: ignore[no-untyped-def]
    """Remove an artwork that has not been shown."""
    async with facilitator_room(slug) as (svc, db, room):
        await game.delete_artwork(db, svc.storage, room, artwork_id)
    return await make_response("", 204)


@bp.get("/game")
async def results(slug: str):  # type: ignore[no-untyped-def]
    """Every game item with its outcome, and the room's accuracy against the detector's."""
    async with facilitator_room(slug) as (svc, db, room):
        return jsonify(await game.results(db, svc.storage, room, svc.settings.detector_checkpoint is not None))


def _neutral_copy(data: bytes, max_pixels: int) -> tuple[PILImage.Image, bytes]:
    """The stored picture, decoded safely, re-encoded without metadata: (the copy as shown, its bytes)."""
    try:
        picture = imaging.open_untrusted(data, max_pixels=max_pixels, allowed_formats=("PNG", "JPEG", "WEBP"), code="unreadable")
    except imaging.ImageRejected as exc:
        log.warning("a stored game picture could not be decoded: %s", exc.message)
        raise DomainError(500, "picture_unreadable", "the chosen picture could not be read from storage; choose another") from exc
    picture = picture.convert("RGB")
    scale = PICTURE_LONG_SIDE / max(picture.size)
    size = (max(1, round(picture.width * scale)), max(1, round(picture.height * scale)))
    if size != picture.size:
        picture = picture.resize(size, PILImage.Resampling.LANCZOS)
    buffer = io.BytesIO()
    picture.save(buffer, format=PICTURE_FORMAT[0], quality=PICTURE_QUALITY)
    # The detector judges exactly what the room sees: the copy as encoded, decoded again.
    shown = PILImage.open(io.BytesIO(buffer.getvalue()))
    shown.load()
    return shown.convert("RGB"), buffer.getvalue()


def _judge(checkpoint: Path, picture: PILImage.Image):  # type: ignore[no-untyped-def]
    from ..detector.game import judge

    return judge(checkpoint, picture)


async def _detect(
    checkpoint: Path | None, wanted: bool, picture: PILImage.Image, room_id: int, token: str, stored: list[str | None],
) -> game.Detection:
    """The detector's verdict on the picture, its heatmap stored (its key added to `stored`);
    errors a person can act on."""
    if not wanted:
        return game.Detection("off")
    if checkpoint is None:
        return game.Detection("not_configured")
    if not await asyncio.to_thread(detector_room.torch_available):
        raise DomainError(
            503, "detector_unavailable",
            f"the detector cannot run on this server: {INSTALL_HINT}; or start the picture without the detector",
        )
    try:
        verdict = await asyncio.to_thread(_judge, checkpoint, picture)
    except DetectorError as exc:
        raise DomainError(
            422, "detector_checkpoint_invalid",
            f"DETECTOR_CHECKPOINT cannot be used: {exc}; fix the setting, or start the picture without the detector",
        ) from exc
    key = f"rooms/{room_id}/game/{token}-heatmap.png"
    await services().storage.put(key, verdict.heatmap_png, "image/png")
    stored.append(key)
    return game.Detection("ok", p_ai=verdict.p_ai, checkpoint=verdict.checkpoint, heatmap_key=key)


@bp.post("/game/items")
async def start_item(slug: str):  # type: ignore[no-untyped-def]
    """Show a picture (a random unshown artwork or edit, or the one chosen) for guesses."""
    async with facilitator_room(slug) as (svc, db, room):
        body = await json_body("GameStartRequest")
        await game.refuse_while_guessing(db, room)
        chosen = await game.pick(db, room, artwork_id=body.get("artwork_id"), image_id=body.get("image_id"))
        room_id = room.id
    svc = services()
    try:
        data = await svc.storage.get(chosen.key)
    except StorageError as exc:
        log.warning("game picture %s of room %s is missing: %s", chosen.key, slug, exc)
        raise DomainError(409, "picture_missing", "the chosen picture is missing from the image store; choose another") from exc
    picture, encoded = await asyncio.to_thread(_neutral_copy, data, svc.settings.max_image_pixels)
    token = secrets.token_urlsafe(12)
    stored: list[str | None] = []
    try:
        detection = await _detect(svc.settings.detector_checkpoint, body.get("detector", True), picture, room_id, token, stored)
        picture_key = f"rooms/{room_id}/game/{token}.{PICTURE_FORMAT[2]}"
        await svc.storage.put(picture_key, encoded, PICTURE_FORMAT[1])
        stored.append(picture_key)
        outbox = Outbox()
        async with svc.sessionmaker() as db:
            room = await game_room(db, room_id)
            item = await game.start_item(
                db, svc.storage, room, chosen, picture_key, picture.width, picture.height,
                body.get("duration_s", game.DEFAULT_DURATION_S), detection, outbox,
            )
            view = await game.item_view(db, svc.storage, item)
            await db.commit()
    except BaseException:
        await game.remove_files_of(svc.storage, stored)
        raise
    await svc.publish(outbox)
    return jsonify({"item": view}), 201


async def game_room(db, room_id: int) -> Room:  # type: ignore[no-untyped-def]
    room = await db.get(Room, room_id)
    if room is None:
        raise DomainError(404, "room_not_found", "the room was removed")
    return room


async def _move(slug: str, definition: str, action):  # type: ignore[no-untyped-def]
    async with facilitator_room(slug) as (svc, db, room):
        await json_body(definition)
        outbox = Outbox()
        item = await action(db, svc.storage, room, outbox)
        view = await game.item_view(db, svc.storage, item)
        await db.commit()
    await svc.publish(outbox)
    return jsonify({"item": view})


@bp.post("/game/reveal")
async def reveal(slug: str):  # type: ignore[no-untyped-def]
    """Close the guesses of the picture on screen and reveal the truth."""
    return await _move(slug, "EmptyRequest", game.reveal)


@bp.post("/game/close")
async def close(slug: str):  # type: ignore[no-untyped-def]
    """Take the revealed picture off the screens."""
    return await _move(slug, "EmptyRequest", game.close)
