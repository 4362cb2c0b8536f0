"""The storage interface every backend implements."""

from __future__ import annotations

from abc import ABC, abstractmethod


class StorageError(RuntimeError):
    """A storage backend failed to read or write an object."""


class Storage(ABC):
    """Where image bytes live. Keys are relative paths such as `rooms/1/images/7/result.png`."""

    backend: str

    async def start(self) -> None:
        """Open connections (called once when the app or worker starts)."""

    async def close(self) -> None:
        """Release connections."""

    @abstractmethod
    async def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store `data` under `key`, replacing what was there."""

    @abstractmethod
    async def get(self, key: str) -> bytes:
        """Read the object at `key`; StorageError if it is missing or unreadable."""

    @abstractmethod
    async def delete(self, key: str) -> None:
        """Remove `key` if it exists."""

    @abstractmethod
    async def url(self, key: str) -> str:
        """A URL a browser can load the object from."""

    @abstractmethod
    async def check(self) -> None:
        """Raise StorageError when the backend cannot be used (health checks)."""
