"""Pipeline overhead per 1024x1024 edit, excluding the provider's own time.

Each edit goes through what the server does around the model: reading and checking the
mask, the submission transaction (mask stored, job queued), claiming the job, loading seed
and mask, compositing, PNG encoding, the WebP thumbnail, storing both, and the final
transaction. The provider answers instantly. The pure Pillow PNG encode of the same
1024x1024 picture is measured in the same run, as the floor to compare with.
"""

from __future__ import annotations

import asyncio
import io
import tempfile
import time
from pathlib import Path

from PIL import Image
from sqlalchemy import select

from pixelpatchwork import imaging
from pixelpatchwork.db.migrate import upgrade
from pixelpatchwork.db.models import Room, User
from pixelpatchwork.domain.clock import utcnow
from pixelpatchwork.domain.events import Outbox
from pixelpatchwork.domain.images import submit_edit
from pixelpatchwork.domain.rooms import ensure_room
from pixelpatchwork.domain.views import current_round
from pixelpatchwork.generation.jobs import Worker
from pixelpatchwork.services import Services
from pixelpatchwork.settings import Settings

from .common import TimedProvider, machine, median, percentile, stamp, write_section

EDITS = 40
SIZE = 1024


def photo_like(size: int) -> Image.Image:
    """A picture that compresses like a photograph (noise over gradients), not like flat colour."""
    noise = Image.effect_noise((size, size), 40).convert("RGB")
    gradient = Image.linear_gradient("L").resize((size, size)).convert("RGB")
    return Image.blend(noise, gradient, 0.5)


def mask_png(size: int) -> bytes:
    mask = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    mask.paste((255, 255, 255, 255), (size // 4, size // 4, size * 3 // 4, size * 3 // 4))
    buffer = io.BytesIO()
    mask.save(buffer, format="PNG")
    return buffer.getvalue()


async def run() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            _env_file=None, var_dir=Path(tmp), facilitator_token="bench", generations_per_round=1000,
            room_generations_per_minute=100_000, generations_per_address_per_minute=100_000,
        )
        upgrade(settings.database_url)
        services = Services.build(settings, TimedProvider(0))

        async def no_emit(event: str, data: dict, room: str) -> None:
            return None

        await services.start(no_emit, run_worker=False)
        seed = photo_like(SIZE)
        await ensure_room(services.sessionmaker, services.storage, "bench", "Bench", seed_picture=seed)
        worker = Worker(settings, services.sessionmaker, services.storage, services.provider, services.publish)
        await worker.ensure_slots()
        data = mask_png(SIZE)
        async with services.sessionmaker() as db:
            room_id = await db.scalar(select(Room.id).where(Room.slug == "bench"))
            user = User(room_id=room_id, nickname="bench", nickname_key="bench", created_at=utcnow())
            db.add(user)
            await db.commit()
        pipeline_ms: list[float] = []
        for _ in range(EDITS):
            started = time.perf_counter()
            async with services.sessionmaker() as db:
                room_row = await db.get(Room, room_id)
                _round, seed_row = await current_round(db, room_row)
                mask = imaging.read_mask(data, width=SIZE, height=SIZE, max_pixels=settings.max_image_pixels)
                await submit_edit(db, services.storage, services.policy, room_row, user, "bench", mask, seed_row.id, 0, Outbox())
            job_id = await worker.claim()
            assert job_id is not None
            await worker.run_job(job_id)
            pipeline_ms.append((time.perf_counter() - started) * 1000)
        await services.stop()

    final = imaging.composite(seed, Image.new("RGB", (SIZE, SIZE), (200, 90, 40)), Image.new("L", (SIZE, SIZE), 0))
    encode_ms = []
    for _ in range(EDITS):
        started = time.perf_counter()
        imaging.encode_png(final)
        encode_ms.append((time.perf_counter() - started) * 1000)
    figures = {
        "edits": EDITS,
        "pipeline_median_ms": round(median(pipeline_ms[3:]), 1),
        "pipeline_p90_ms": round(percentile(pipeline_ms[3:], 90), 1),
        "encode_median_ms": round(median(encode_ms), 1),
    }
    figures["ratio_to_encode"] = round(figures["pipeline_median_ms"] / figures["encode_median_ms"], 2)
    return figures


def report(figures: dict) -> str:
    ok_time = figures["pipeline_median_ms"] < 150
    ok_ratio = figures["ratio_to_encode"] < 3
    return f"""## Generation pipeline overhead (1024x1024 edit)

{stamp()} on {machine()}; SQLite and the local media folder; the provider answers instantly,
so the figures are the server's own work per edit (mask check, submission transaction,
claim, load, composite, PNG encode, WebP thumbnail, two stores, final transaction). The
first 3 edits are warm-up and not counted.

| measure | value | target |
|---|---|---|
| pipeline median per edit | {figures['pipeline_median_ms']} ms | under 150 ms: {'met' if ok_time else 'missed'} |
| pipeline p90 per edit | {figures['pipeline_p90_ms']} ms | |
| pure Pillow PNG encode of the same image (median) | {figures['encode_median_ms']} ms | |
| pipeline / encode | {figures['ratio_to_encode']} x | under 3 x: {'met' if ok_ratio else 'missed'} |
"""


if __name__ == "__main__":
    result = asyncio.run(run())
    write_section("pipeline", report(result))
    print(result)
