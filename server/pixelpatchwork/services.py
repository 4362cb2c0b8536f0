"""Everything the app and the worker share, built once from settings and passed around."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from .db.engine import make_engine, make_sessionmaker
from .domain.events import Outbox
from .domain.policy import RoomPolicy
from .generation import Provider, make_provider
from .generation.jobs import Worker
from .realtime.broadcast import Broadcaster, Emit
from .settings import Settings
from .storage import Storage, make_storage

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    storage: Storage
    provider: Provider
    policy: RoomPolicy
    broadcaster: Broadcaster | None = None
    worker: Worker | None = None
    background: list[asyncio.Task] = field(default_factory=list)

    @classmethod
    def build(cls, settings: Settings, provider: Provider | None = None) -> "Services":
        """Everything from settings; `provider` replaces the configured generator (benchmarks)."""
        engine = make_engine(settings)
        provider = provider or make_provider(settings)
        policy = RoomPolicy(
            generations_per_round=settings.generations_per_round,
            entries_per_round=settings.entries_per_round,
            room_generations_per_minute=settings.room_generations_per_minute,
            entry_selection=settings.entry_selection,
            provider=provider.name,
            model=provider.model,
            needs_context=provider.needs_context,
        )
        return cls(
            settings=settings,
            engine=engine,
            sessionmaker=make_sessionmaker(engine),
            storage=make_storage(settings),
            provider=provider,
            policy=policy,
        )

    async def start(self, emit: Emit, *, run_worker: bool) -> None:
        """Open connections; start the broadcaster and, if asked, the in-process worker."""
        await self.storage.start()
        await self.provider.start()
        self.broadcaster = Broadcaster(self.sessionmaker, emit, self.settings.tally_window_ms)
        if run_worker:
            self.worker = Worker(self.settings, self.sessionmaker, self.storage, self.provider, self.publish)
            await self.worker.ensure_slots()
            self.worker.start()

    async def publish(self, outbox: Outbox) -> None:
        assert self.broadcaster is not None
        await self.broadcaster.publish(outbox)

    def wake_worker(self) -> None:
        if self.worker is not None:
            self.worker.wake.set()

    async def stop(self) -> None:
        for task in self.background:
            task.cancel()
        await asyncio.gather(*self.background, return_exceptions=True)
        if self.worker is not None:
            await self.worker.stop()
        if self.broadcaster is not None:
            await self.broadcaster.close()
        await self.provider.close()
        await self.storage.close()
        await self.engine.dispose()
