"""Local media folder: the embedded default. Files are served by the app at /media/<key>."""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path

from .base import Storage, StorageError


class LocalStorage(Storage):
    backend = "local"

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def path_for(self, key: str) -> Path:
        """The file behind `key`; refuses keys that would leave the media folder."""
        path = (self.root / key).resolve()
        if self.root not in path.parents:
            raise StorageError(f"invalid storage key: {key!r}")
        return path

    async def start(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(self._write, self.path_for(key), data)

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename, so a reader never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    async def get(self, key: str) -> bytes:
        try:
            return await asyncio.to_thread(self.path_for(key).read_bytes)
        except OSError as exc:
            raise StorageError(f"cannot read {key}: {exc.strerror}") from exc

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.path_for(key).unlink, missing_ok=True)

    async def url(self, key: str) -> str:
        return f"/media/{key}"

    async def check(self) -> None:
        if not os.access(self.root, os.W_OK):
            raise StorageError(f"media folder is not writable: {self.root.name}")
