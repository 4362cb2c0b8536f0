"""Where a dataset goes: a folder, a zip file on disk, or a zip streamed over HTTP.

Each writes the entries as they come, one file at a time, so memory holds one picture (or
one chunk of a table) whatever the size of the room.
"""

from __future__ import annotations

import asyncio
import zipfile
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path

from .dataset import Entry

Progress = Callable[[Entry], None]


def _zip_info(entry: Entry, moment: datetime) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(entry.name, date_time=moment.timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED if entry.compress else zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    if entry.data is not None:
        info.file_size = len(entry.data)
    return info


async def write_folder(entries: AsyncIterator[Entry], folder: Path, progress: Progress | None = None) -> int:
    """Write every entry under `folder` (created; it must be empty or new). Returns the file count."""
    written = 0
    root = folder.resolve()
    async for entry in entries:
        path = (root / entry.name).resolve()
        if root not in path.parents:
            raise ValueError(f"entry {entry.name!r} would leave the dataset folder")
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            async for chunk in entry.chunks():
                await asyncio.to_thread(handle.write, chunk)
        written += 1
        if progress:
            progress(entry)
    return written


async def write_zip(entries: AsyncIterator[Entry], path: Path, progress: Progress | None = None) -> int:
    """Write every entry into a new zip file at `path`. Returns the file count."""
    written = 0
    moment = datetime.now()
    with zipfile.ZipFile(path, "x", allowZip64=True) as archive:
        async for entry in entries:
            with archive.open(_zip_info(entry, moment), "w", force_zip64=entry.data is None) as handle:
                async for chunk in entry.chunks():
                    await asyncio.to_thread(handle.write, chunk)
            written += 1
            if progress:
                progress(entry)
    return written


class _Pipe:
    """A write-only file for ZipFile: it collects what is written until it is taken."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        return data


async def zip_stream(entries: AsyncIterator[Entry]) -> AsyncIterator[bytes]:
    """The zip file of the entries as a stream of byte chunks (for a streamed HTTP response).

    ZipFile writes to an unseekable stream with data descriptors after each member, so
    nothing needs to be held back; each chunk is handed on as soon as it is written.
    """
    pipe = _Pipe()
    moment = datetime.now()
    archive = zipfile.ZipFile(pipe, "w", allowZip64=True)  # type: ignore[arg-type]
    try:
        async for entry in entries:
            with archive.open(_zip_info(entry, moment), "w", force_zip64=entry.data is None) as handle:
                async for chunk in entry.chunks():
                    handle.write(chunk)
                    data = pipe.take()
                    if data:
                        yield data
            data = pipe.take()
            if data:
                yield data
    finally:
        archive.close()
    yield pipe.take()
