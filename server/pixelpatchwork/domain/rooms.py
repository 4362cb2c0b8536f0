"""Rooms: finding them, creating the default one with its first seed, and their version."""

from __future__ import annotations

from PIL import Image as PILImage
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .. import imaging
from ..db.models import Image, Room, Round
from ..storage import Storage
from .clock import utcnow
from .errors import not_found
from .policy import RoomPolicy
from .schedule import daily_deadline


async def get_room(session: AsyncSession, slug: str) -> Room:
    room = await session.scalar(select(Room).where(Room.slug == slug))
    if room is None:
        raise not_found("room_not_found", f"there is no room called {slug!r}")
    return room


async def bump_version(session: AsyncSession, room_id: int) -> int:
    """Advance the room's version inside the current transaction and return the new value.

    Call it first in a transaction that changes a room's structure: it takes the room row's
    exclusive lock before any foreign-key check takes a shared one, which is the lock order
    that keeps concurrent submissions, phase changes and job updates free of deadlocks.
    """
    await session.execute(update(Room).where(Room.id == room_id).values(version=Room.version + 1))
    return int(await session.scalar(select(Room.version).where(Room.id == room_id)))


async def ensure_room(
    sessionmaker: async_sessionmaker[AsyncSession], storage: Storage, slug: str, name: str,
    seed_picture: PILImage.Image | None = None, mode: str = "facilitated", policy: RoomPolicy | None = None,
) -> None:
    """Create room `slug` with a first seed (drawn, unless given) and round 1 (phase generate)
    unless it exists.

    Safe to call from several processes at once: the unique slug lets exactly one win.
    """
    async with sessionmaker() as session:
        if await session.scalar(select(Room.id).where(Room.slug == slug)) is not None:
            return
        now = utcnow()
        room = Room(slug=slug, name=name, version=1, mode=mode, created_at=now)
        session.add(room)
        try:
            await session.flush()
        except IntegrityError:
            await session.rollback()
            return
        picture = seed_picture or imaging.default_seed()
        seed = Image(
            room_id=room.id, kind="seed", prompt="", status="done", provider="builtin", model=None,
            width=picture.width, height=picture.height, created_at=now, finished_at=now,
            up_count=0, down_count=0, tally_seq=0,
        )
        session.add(seed)
        await session.flush()
        seed.result_key = f"rooms/{room.id}/images/{seed.id}/result.png"
        seed.thumb_key = f"rooms/{room.id}/images/{seed.id}/thumb.webp"
        await storage.put(seed.result_key, imaging.encode_png(picture), "image/png")
        await storage.put(seed.thumb_key, imaging.thumbnail(picture), "image/webp")
        deadline = None
        if mode == "daily" and policy is not None:
            deadline = daily_deadline("generate", now, policy.daily_timezone, policy.daily_vote_at, policy.daily_close_at)
        session.add(
            Round(room_id=room.id, number=1, seed_image_id=seed.id, phase="generate", phase_started_at=now,
                  deadline=deadline, created_at=now)
        )
        try:
            await session.commit()
        except IntegrityError:
            await session.rollback()
