"""The research export of a room with 10,000 edits: time, files, and memory that does not grow
with the room.

A room is built on SQLite and the local media folder with N edits (each a 512 x 384 picture
and its mask, with votes), then exported to a zip file the way `pixelpatchwork export --zip`
does. The process's resident memory is sampled every 20 ms during the export; the figure is
its peak above the level just before the export. The same is done for a room a tenth the
size, so the two peaks show whether memory follows the number of images.

`python -m bench.export` runs it alone (BENCH_QUICK=1: 200 and 2,000 edits).
"""

from __future__ import annotations

import asyncio
import io
import os
import tempfile
import threading
import time
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image as PILImage
from sqlalchemy import insert

from pixelpatchwork.db.engine import make_engine, make_sessionmaker
from pixelpatchwork.db.migrate import upgrade
from pixelpatchwork.db.models import Image, Room, Round, User, Vote, VoteEvent
from pixelpatchwork.domain.clock import utcnow
from pixelpatchwork.export import dataset_entries, write_zip
from pixelpatchwork.settings import Settings
from pixelpatchwork.storage.local import LocalStorage

from .common import machine, stamp, write_section

EDITS = 10_000
WIDTH, HEIGHT = 256, 192
VOTERS = 20
TARGET_PEAK_MIB = 256.0


def _png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    PILImage.fromarray(array).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def _pictures(count: int) -> list[bytes]:
    """A few distinct pictures (noise, so they do not compress away) used in turn."""
    rng = np.random.default_rng(7)
    return [_png(rng.integers(0, 255, (HEIGHT, WIDTH, 3), dtype=np.uint8)) for _ in range(count)]


def _mask(n: int) -> bytes:
    mask = np.zeros((HEIGHT, WIDTH), dtype=np.uint8)
    top, left = (n * 7) % (HEIGHT - 60), (n * 13) % (WIDTH - 90)
    mask[top : top + 50, left : left + 80] = 255
    mask[top + 20 : top + 30, left + 30 : left + 50] = 0  # a hole
    return _png(mask)


def rss_kib() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class PeakSampler:
    """The highest resident memory seen while it runs, sampled from a thread."""

    def __init__(self, every_s: float = 0.02) -> None:
        self.every_s = every_s
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_kib())
            self._stop.wait(self.every_s)

    def __enter__(self) -> "PeakSampler":
        self.peak = rss_kib()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_kib())


async def _build(settings: Settings, storage: LocalStorage, edits: int) -> tuple[int, int]:
    """A room with `edits` finished edits in one round, their pictures and masks, and votes."""
    engine = make_engine(settings)
    sessionmaker = make_sessionmaker(engine)
    now = utcnow()
    pictures = _pictures(8)
    async with sessionmaker() as db:
        room = Room(slug="big", name="Big room", version=1, mode="facilitated", created_at=now)
        db.add(room)
        await db.flush()
        seed = Image(room_id=room.id, kind="seed", prompt="", status="done", provider="builtin", width=WIDTH, height=HEIGHT, created_at=now)
        db.add(seed)
        await db.flush()
        seed.result_key = f"rooms/{room.id}/images/{seed.id}/result.png"
        await storage.put(seed.result_key, pictures[0], "image/png")
        round_ = Round(room_id=room.id, number=1, seed_image_id=seed.id, phase="vote", phase_started_at=now, vote_started_at=now, created_at=now)
        db.add(round_)
        users = [User(room_id=room.id, nickname=f"P{n}", nickname_key=f"p{n}", created_at=now) for n in range(VOTERS)]
        db.add_all(users)
        await db.flush()
        user_ids = [user.id for user in users]
        room_id, round_id, seed_id = room.id, round_.id, seed.id
        await db.commit()
    rows = []
    for n in range(edits):
        rows.append(
            {
                "room_id": room_id, "round_id": round_id, "parent_id": seed_id, "author_id": user_ids[n % VOTERS],
                "kind": "edit", "prompt": f"edit number {n}: a kite over the hills", "status": "done", "provider": "offline",
                "model": "offline-1", "width": WIDTH, "height": HEIGHT, "mask_area": 0.07, "entered": True,
                "up_count": 1, "down_count": 0, "tally_seq": 1, "created_at": now + timedelta(milliseconds=n),
                "result_key": f"rooms/{room_id}/images/e{n}/result.png", "mask_key": f"rooms/{room_id}/masks/e{n}.png",
            }
        )
    async with engine.begin() as conn:
        await conn.execute(insert(Image), rows)
    async with sessionmaker() as db:
        ids = [i for (i,) in (await db.execute(Image.__table__.select().with_only_columns(Image.id).where(Image.kind == "edit")))]
    async with engine.begin() as conn:
        votes = [{"image_id": i, "user_id": user_ids[(k + 1) % VOTERS], "value": 1, "created_at": now, "updated_at": now} for k, i in enumerate(ids)]
        await conn.execute(insert(Vote), votes)
        await conn.execute(insert(VoteEvent), [{k: v for k, v in vote.items() if k != "updated_at"} for vote in votes])
    for n in range(edits):
        await storage.put(f"rooms/{room_id}/images/e{n}/result.png", pictures[n % len(pictures)], "image/png")
        await storage.put(f"rooms/{room_id}/masks/e{n}.png", _mask(n), "image/png")
    await engine.dispose()
    return room_id, edits


async def export_room(edits: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(_env_file=None, var_dir=Path(tmp) / "var", facilitator_token="bench")
        upgrade(settings.database_url)
        storage = LocalStorage(settings.media_dir)  # type: ignore[arg-type]
        await storage.start()
        started = time.perf_counter()
        room_id, _ = await _build(settings, storage, edits)
        built_s = time.perf_counter() - started
        engine = make_engine(settings)
        sessionmaker = make_sessionmaker(engine)
        target = Path(tmp) / "big.zip"
        before = rss_kib()
        started = time.perf_counter()
        with PeakSampler() as sampler:
            async with sessionmaker() as db:
                room = await db.get(Room, room_id)
                written = await write_zip(dataset_entries(db, storage, room, winner_rule="net"), target)  # type: ignore[arg-type]
        export_s = time.perf_counter() - started
        await engine.dispose()
        with zipfile.ZipFile(target) as archive:
            names = archive.namelist()
        pictures = sum(1 for name in names if name.startswith("images/"))
        masks = sum(1 for name in names if name.startswith("masks/"))
        return {
            "edits": edits,
            "files": written,
            "pictures": pictures,
            "masks": masks,
            "zip_mib": round(target.stat().st_size / 2**20, 1),
            "build_s": round(built_s, 1),
            "export_s": round(export_s, 1),
            "files_per_s": round(written / export_s, 1),
            "rss_before_mib": round(before / 1024, 1),
            "peak_above_mib": round((sampler.peak - before) / 1024, 1),
        }


async def run(quick: bool | None = None) -> list[dict[str, Any]]:
    quick = os.environ.get("BENCH_QUICK") == "1" if quick is None else quick
    large = 2_000 if quick else EDITS
    return [await export_room(large // 10), await export_room(large)]


def report(rows: list[dict[str, Any]]) -> str:
    small, large = rows
    flat = large["peak_above_mib"] <= max(2 * small["peak_above_mib"], small["peak_above_mib"] + 32)
    met = "met" if large["peak_above_mib"] < TARGET_PEAK_MIB and flat else "**not met**"
    lines = "\n".join(
        f"| {r['edits']} | {r['files']} ({r['pictures']} pictures, {r['masks']} masks) | {r['zip_mib']} MiB | "
        f"{r['export_s']} s ({r['files_per_s']} files/s) | {r['rss_before_mib']} MiB | {r['peak_above_mib']} MiB |"
        for r in rows
    )
    return f"""## Research export of a room with {large['edits']} edits

{stamp()} on {machine()}. A room on SQLite and the local media folder with N finished edits
in one round (each a {WIDTH} x {HEIGHT} noise picture, stored once per edit, and a mask with
a hole), one vote each, exported to a zip file as `pixelpatchwork export --zip` does:
pictures, masks, tables in CSV and JSON, COCO annotations of every mask, README.

| edits | files in the zip | zip | export time | memory before | peak memory above it |
|---|---|---|---|---|---|
{lines}

Target: memory does not follow the room's size (the peak for {large['edits']} edits within twice
that for {small['edits']}, or 32 MiB more) and stays under {TARGET_PEAK_MIB:.0f} MiB: {met}. Memory is the
process's VmRSS sampled every 20 ms during the export, minus its level just before; the
build of the room is not timed in.
"""


def main() -> None:
    rows = asyncio.run(run())
    write_section("export", report(rows))
    for row in rows:
        print("export:", row, flush=True)


if __name__ == "__main__":
    main()
