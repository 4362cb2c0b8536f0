"""Sketch rounds over HTTP: read the sketch, paint it, download pictures; the facilitator's
round kind, palette, lock, clear and COCO export."""

from __future__ import annotations

import asyncio
import io
import tempfile
import zipfile
from pathlib import Path

from PIL import Image as PILImage
from PIL import ImageOps
from quart import Blueprint, jsonify, request
from sqlalchemy import select

from ..db.models import Image, Round
from ..domain import rooms, sketch
from ..domain.clock import utcnow
from ..domain.errors import invalid, not_found
from ..domain.events import Outbox
from ..domain.views import current_round, in_the_vote
from ..generation.jobs import queue_position
from ..sketch import coco, paint
from ..sketch.labels import load_labels
from ..sketch.raster import Stroke, digest, histogram, render
from .api import json_body, queued
from .auth import check_csrf, current_user, limit_address, require_facilitator, require_participant, services
from .host import facilitator_room, round_change

bp = Blueprint("sketch", __name__, url_prefix="/api")

#: Sizes a picture can be downloaded at (each side), e.g. a 3840 x 2160 event background.
DOWNLOAD_MIN_SIDE = 16
DOWNLOAD_MAX_SIDE = 7680


@bp.before_request
async def _csrf() -> None:
    check_csrf()


@bp.get("/rooms/<slug>/sketch")
async def read_sketch(slug: str):  # type: ignore[no-untyped-def]
    """The current round's sketch: its strokes in order, and the digest and label histogram of
    the label map the server renders from them."""
    svc = services()
    async with svc.sessionmaker() as db:
        room = await rooms.get_room(db, slug)
        state = await sketch.sketch_state(db, room)
    label_map = await asyncio.to_thread(render, [Stroke.from_dict(stroke) for stroke in state["strokes"]])
    return jsonify({
        "sketch": state,
        "digest": digest(label_map),
        "labels": {str(label): count for label, count in histogram(label_map).items()},
    })


@bp.get("/rooms/<slug>/sketch.png")
async def sketch_png(slug: str):  # type: ignore[no-untyped-def]
    """The current round's label map as an indexed PNG (pixel value = label id)."""
    svc = services()
    async with svc.sessionmaker() as db:
        room = await rooms.get_room(db, slug)
        round_, _seed = await current_round(db, room)
        label_map, seq = await sketch.label_map(db, round_.id)
    png = await asyncio.to_thread(paint.label_png, label_map)
    return png, 200, {"Content-Type": "image/png", "Cache-Control": "no-store", "X-Sketch-Seq": str(seq)}


@bp.post("/rooms/<slug>/sketch/paint")
async def paint_sketch(slug: str):  # type: ignore[no-untyped-def]
    """"Paint it": queue a rendering of the sketch as it is now (counts as one generation)."""
    body = await json_body("PaintRequest")
    limit_address("generations", "generations")
    svc = services()
    outbox = Outbox()
    async with svc.sessionmaker() as db:
        room = await rooms.get_room(db, slug)
        author = await require_participant(db, room)
        image, job_id = await sketch.paint(db, svc.storage, svc.policy, room, author, body["round_id"], body.get("style"), outbox)
        position = await queue_position(db, job_id)
    return await queued(svc, room.slug, image, job_id, position, outbox)


def _side(name: str, default: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not DOWNLOAD_MIN_SIDE <= int(raw) <= DOWNLOAD_MAX_SIDE:
        raise invalid("invalid_size", f"{name} is a whole number of pixels from {DOWNLOAD_MIN_SIDE} to {DOWNLOAD_MAX_SIDE}")
    return int(raw)


@bp.get("/rooms/<slug>/images/<int:image_id>/download")
async def download(slug: str, image_id: int):  # type: ignore[no-untyped-def]
    """A finished picture as a PNG file at a chosen size (?width=&height=; cropped to fill,
    centred), e.g. as an event background. Without a size: the picture as it is."""
    svc = services()
    async with svc.sessionmaker() as db:
        room = await rooms.get_room(db, slug)
        image = await db.get(Image, image_id)
        viewer = await current_user(db)
        seeds = set(await db.scalars(select(Round.seed_image_id).where(Round.room_id == room.id)))
        visible = image is not None and image.room_id == room.id and image.status == "done" and (
            image.id in seeds or (in_the_vote(image, room)) or (viewer is not None and image.author_id == viewer.id)
        )
        if not visible or image is None or not image.result_key:
            raise not_found("image_not_found", "there is no such finished picture in this room")
        width, height = _side("width", image.width), _side("height", image.height)
        if width * height > svc.settings.max_image_pixels:
            raise invalid("invalid_size", f"at most {svc.settings.max_image_pixels} pixels (width x height)")
        key = image.result_key
    data = await svc.storage.get(key)

    def fit() -> bytes:
        with PILImage.open(io.BytesIO(data)) as picture:
            resized = ImageOps.fit(picture.convert("RGB"), (width, height), PILImage.Resampling.LANCZOS)
            buffer = io.BytesIO()
            resized.save(buffer, format="PNG")
            return buffer.getvalue()

    png = await asyncio.to_thread(fit)
    return png, 200, {
        "Content-Type": "image/png",
        "Content-Disposition": f'attachment; filename="{slug}-{image_id}-{width}x{height}.png"',
    }


# --- the facilitator -------------------------------------------------------------------


@bp.post("/host/rooms/<slug>/round-kind")
async def round_kind(slug: str):  # type: ignore[no-untyped-def]
    """Make the current round a sketch round or an edit round (before anyone has worked in it)."""
    return await round_change(
        slug, "RoundKindRequest", lambda db, storage, room, body, outbox: sketch.set_kind(db, storage, room, body["kind"], outbox)
    )


@bp.post("/host/rooms/<slug>/sketch/palette")
async def set_palette(slug: str):  # type: ignore[no-untyped-def]
    """Choose the label palette of the room's sketch rounds."""
    return await round_change(
        slug, "PaletteRequest",
        lambda db, storage, room, body, outbox: sketch.set_palette(db, storage, room, body["palette"], outbox),
    )


@bp.post("/host/rooms/<slug>/sketch/lock")
async def lock(slug: str):  # type: ignore[no-untyped-def]
    """Lock the current round's sketch (nobody draws) or unlock it."""
    return await round_change(
        slug, "SketchLockRequest",
        lambda db, storage, room, body, outbox: sketch.set_locked(db, storage, room, body["locked"], outbox),
    )


@bp.post("/host/rooms/<slug>/sketch/clear")
async def clear(slug: str):  # type: ignore[no-untyped-def]
    """Wipe the current round's sketch (its strokes stay in the history)."""
    require_facilitator()
    await json_body("EmptyRequest")
    outbox = Outbox()
    async with facilitator_room(slug) as (svc, db, room):
        done = await sketch.clear(db, room, outbox)
    await svc.publish(outbox)
    return jsonify(done)


@bp.get("/host/rooms/<slug>/palettes")
async def palettes(slug: str):  # type: ignore[no-untyped-def]
    """The label palettes a facilitator can choose from, and the room's current one."""
    async with facilitator_room(slug) as (_svc, _db, room):
        labels = load_labels()
        choices = [*labels.palette_names(), "all"]
        views = []
        for name in choices:
            palette = labels.palette(name)
            views.append({"name": palette.name, "title": palette.title, "labels": [label.name for label in palette.labels]})
        return jsonify({"palettes": views, "current": room.sketch_palette or labels.default_palette})


@bp.get("/host/rooms/<slug>/rounds/<int:number>/sketch-coco.zip")
async def sketch_coco(slug: str, number: int):  # type: ignore[no-untyped-def]
    """A sketch round as a COCO dataset (zip): the label map, every finished rendering with
    its label map scaled to it, and annotations.json with one RLE annotation per label."""
    async with facilitator_room(slug) as (svc, db, room):
        round_ = await db.scalar(select(Round).where(Round.room_id == room.id, Round.number == number))
        if round_ is None or round_.kind != "sketch":
            raise not_found("sketch_not_found", f"round {number} of this room is not a sketch round")
        label_map, seq = await sketch.label_map(db, round_.id)
        renderings = list(await db.scalars(
            select(Image).where(Image.round_id == round_.id, Image.sketch_key.is_not(None), Image.status == "done").order_by(Image.id)
        ))
        palette = sketch.round_palette(round_)
        sketches = [coco.SketchImage(f"round-{number}-sketch", label_map, extra={"sketch_seq": seq})]
        for image in renderings:
            drawn = await asyncio.to_thread(paint.read_label_png, await svc.storage.get(image.sketch_key or ""))
            picture = await asyncio.to_thread(_open_picture, await svc.storage.get(image.result_key or ""))
            sketches.append(coco.SketchImage(
                f"round-{number}-rendering-{image.id}", drawn, picture,
                extra={"image_id": image.id, "prompt": image.prompt, "up": image.up_count, "down": image.down_count,
                       "winner": image.id == round_.winner_image_id},
            ))
        info = {"description": f"{room.name}: sketch of round {number}", "date_created": utcnow().isoformat()}
    data = await asyncio.to_thread(_coco_zip, sketches, palette, info)
    return data, 200, {
        "Content-Type": "application/zip",
        "Content-Disposition": f'attachment; filename="{slug}-round-{number}-sketch-coco.zip"',
        "Cache-Control": "no-store",
    }


def _open_picture(data: bytes) -> PILImage.Image:
    with PILImage.open(io.BytesIO(data)) as picture:
        return picture.convert("RGB")


def _coco_zip(sketches: list[coco.SketchImage], palette, info: dict) -> bytes:  # type: ignore[no-untyped-def]
    with tempfile.TemporaryDirectory() as folder:
        coco.write_dataset(Path(folder), sketches, palette, info=info)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(Path(folder).rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(folder).as_posix())
        return buffer.getvalue()

