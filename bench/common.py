"""Shared pieces of the benchmarks: percentiles, a timed fake provider, the results file."""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import platform
import statistics
import time
from pathlib import Path
from typing import Any

from PIL import Image

from pixelpatchwork.generation.base import EditRequest, EditResult, ProgressCallback, Provider, SketchRequest

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "docs" / "benchmarks.md"


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


class TimedProvider(Provider):
    """Stands in for an image model that takes `seconds`, with two progress steps on the way."""

    name = "bench"
    model = "bench-fixed-delay"
    needs_context = False

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    async def edit(self, request: EditRequest, progress: ProgressCallback) -> EditResult:
        return await self._wait(Image.new("RGB", request.seed.size, (200, 90, 40)), progress)

    async def paint(self, request: SketchRequest, progress: ProgressCallback) -> EditResult:
        return await self._wait(request.label_map.convert("RGB"), progress)

    async def _wait(self, picture: Image.Image, progress: ProgressCallback) -> EditResult:
        if self.seconds > 0:
            await asyncio.sleep(self.seconds / 2)
            await progress(0.5, None)
            await asyncio.sleep(self.seconds / 2)
        return EditResult(image=picture, model=self.model)


def machine() -> str:
    import os

    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def write_section(name: str, markdown: str) -> None:
    """Replace (or add) the section `name` of docs/benchmarks.md, keeping the others."""
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmarks\n\nFigures written by `make bench` (one section per benchmark; each run replaces its section).\n"
    start_marker, end_marker = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start_marker}\n{markdown.strip()}\n{end_marker}"
    if start_marker in text:
        before, rest = text.split(start_marker, 1)
        after = rest.split(end_marker, 1)[1]
        text = before + block + after
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    RESULTS.write_text(text)


def stamp() -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())


def dump(figures: dict[str, Any]) -> str:
    return json.dumps(figures, sort_keys=False)


@contextlib.asynccontextmanager
async def throwaway_mariadb(server: str = "mysql+asyncmy://root@127.0.0.1:3306"):  # type: ignore[no-untyped-def]
    """A migrated throwaway database on the local MariaDB; yields its URL, or "" without MariaDB."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    from pixelpatchwork.db.migrate import upgrade

    name = f"ppw_bench_{secrets.token_hex(4)}"
    admin = create_async_engine(server, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
    except Exception as exc:  # noqa: BLE001 - no MariaDB: the MariaDB rows are skipped
        print(f"MariaDB not available ({exc.__class__.__name__}); skipping its figures")
        await admin.dispose()
        yield ""
        return
    url = f"{server}/{name}?charset=utf8mb4"
    try:
        upgrade(url)
        yield url
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
        await admin.dispose()
