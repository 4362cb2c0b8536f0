"""Everything the app and the worker share, built once from settings and passed around."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from .db.engine import make_engine, make_sessionmaker
from .domain.clock import utcnow
from .domain.errors import DomainError
from .domain.events import Outbox
from .domain.policy import RoomPolicy
from .domain.votes import VoteWriter
from .generation import Provider, make_provider
from .generation.jobs import Worker
from .ratelimit import AddressLimits, RateLimiter
from .realtime.presence import Presence
from .realtime.broadcast import Broadcaster, Emit
from .realtime.drafts import DraftRelay
from .settings import Settings
from .storage import Storage, make_storage

log = logging.getLogger(__name__)

SKETCH_OPS_PER_SECOND = 20
DRAFTS_PER_SECOND = 45


@dataclass
class Services:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    storage: Storage
    provider: Provider
    policy: RoomPolicy
    vote_limiter: RateLimiter
    # Sketch strokes and undos per participant, and pointer drafts (about 30 a second are sent).
    sketch_limiter: RateLimiter
    draft_limiter: RateLimiter
    address_limits: AddressLimits
    votes: VoteWriter
    presence: Presence
    broadcaster: Broadcaster | None = None
    drafts: DraftRelay | None = None
    worker: Worker | None = None
    background: list[asyncio.Task] = field(default_factory=list)
    stopping: asyncio.Event = field(default_factory=asyncio.Event)

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
            self_votes=settings.self_votes,
            votes_during_generate=settings.votes_during_generate,
            sealed_voting=settings.sealed_voting,
            winner_rule=settings.winner_rule,
            salt_secret=settings.secret_key.get_secret_value(),
            daily_timezone=settings.daily_timezone,
            daily_vote_at=settings.daily_vote_at,
            daily_close_at=settings.daily_close_at,
        )
        return cls(
            settings=settings,
            engine=engine,
            sessionmaker=make_sessionmaker(engine),
            storage=make_storage(settings),
            provider=provider,
            policy=policy,
            vote_limiter=RateLimiter(settings.votes_per_second),
            sketch_limiter=RateLimiter(SKETCH_OPS_PER_SECOND),
            draft_limiter=RateLimiter(DRAFTS_PER_SECOND),
            address_limits=AddressLimits.per(
                settings.joins_per_address_per_minute, settings.generations_per_address_per_minute,
                settings.votes_per_address_per_second,
            ),
            votes=VoteWriter(engine, policy),
            presence=Presence(settings.redis_url, settings.redis_channel, uuid.uuid4().hex),
        )

    async def start(self, emit: Emit, *, run_worker: bool) -> None:
        """Open connections; start the broadcaster and, if asked, the in-process worker."""
        await self.storage.start()
        await self.provider.start()
        self.presence.start()
        self.broadcaster = Broadcaster(
            self.sessionmaker, emit, self.settings.tally_window_ms, self.policy,
            redis_url=self.settings.redis_url, key_prefix=self.settings.redis_channel,
        )
        self.drafts = DraftRelay(emit)
        if run_worker:
            self.worker = Worker(self.settings, self.sessionmaker, self.storage, self.provider, self.publish)
            await self.worker.ensure_slots()
            self.worker.start()

    async def every_tick(self, what: str, due: Callable[[AsyncSession, datetime], Awaitable[list[Any]]],
                         act: Callable[[AsyncSession, Any, Outbox], Awaitable[object]]) -> None:
        """Until stopped, once per CLOCK_TICK_S: find what is `due` and `act` on each in a
        transaction of its own, then publish what it announced. Every process runs such clocks;
        an act answered with DomainError was done first by another process or a facilitator."""
        while not self.stopping.is_set():
            try:
                await asyncio.wait_for(self.stopping.wait(), timeout=self.settings.clock_tick_s)
                return
            except asyncio.TimeoutError:
                pass
            try:
                async with self.sessionmaker() as db:
                    items = await due(db, utcnow())
                for item in items:
                    outbox = Outbox()
                    async with self.sessionmaker() as db:
                        try:
                            await act(db, item, outbox)
                            await db.commit()
                        except DomainError:
                            continue
                    await self.publish(outbox)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("the %s failed; it keeps running", what)

    async def publish(self, outbox: Outbox) -> None:
        assert self.broadcaster is not None
        await self.broadcaster.publish(outbox)

    def wake_worker(self) -> None:
        if self.worker is not None:
            self.worker.wake.set()

    async def stop(self) -> None:
        # Background loops watch `stopping` and finish their current database call first.
        self.stopping.set()
        if self.background:
            _done, pending = await asyncio.wait(self.background, timeout=5)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        if self.worker is not None:
            await self.worker.stop()
        await self.votes.close()
        if self.broadcaster is not None:
            await self.broadcaster.close()
        if self.drafts is not None:
            await self.drafts.close()
        await self.presence.stop()
        await self.provider.close()
        await self.storage.close()
        await self.engine.dispose()
