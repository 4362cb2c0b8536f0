"""The database and the image store for commands that run beside the server (export, scoring)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .db.engine import make_engine, make_sessionmaker
from .settings import Settings
from .storage import Storage, make_storage


@asynccontextmanager
async def opened(settings: Settings) -> AsyncIterator[tuple[async_sessionmaker[AsyncSession], Storage]]:
    """Sessions and a started store for `settings`, closed again afterwards."""
    engine = make_engine(settings)
    storage = make_storage(settings)
    await storage.start()
    try:
        yield make_sessionmaker(engine), storage
    finally:
        await storage.close()
        await engine.dispose()
