"""Rooms: finding them, creating the default one with its first seed, and their version."""

from __future__ import annotations

import secrets
from datetime import datetime

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


# No 0/O, 1/I/L: codes are read off a projector and typed on phones.
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 6


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def normalise_join_code(raw: str) -> str:
    """What a person typed, as a code: case and spaces do not matter."""
    return "".join(raw.split()).upper()


async def room_by_code(session: AsyncSession, raw_code: str) -> Room:
    code = normalise_join_code(raw_code)
    room = await session.scalar(select(Room).where(Room.join_code == code)) if code else None
    if room is None:
        raise not_found("join_code_unknown", "no room has that join code; check the code on the projector")
    return room


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


async def store_seed(
    session: AsyncSession, storage: Storage, room: Room, picture: PILImage.Image, provider: str, now: datetime
) -> Image:
    """A new seed image row for `room` with its picture and thumbnail in storage."""
    seed = Image(
        room_id=room.id, kind="seed", prompt="", status="done", provider=provider, model=None,
        width=picture.width, height=picture.height, created_at=now, finished_at=now, up_count=0, down_count=0, tally_seq=0,
    )
    session.add(seed)
    await session.flush()
    seed.result_key = f"rooms/{room.id}/images/{seed.id}/result.png"
    seed.thumb_key = f"rooms/{room.id}/images/{seed.id}/thumb.webp"
    await storage.put(seed.result_key, imaging.encode_png(picture), "image/png")
    await storage.put(seed.thumb_key, imaging.thumbnail(picture), "image/webp")
    return seed


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
        room = Room(slug=slug, name=name, version=1, mode=mode, join_code=new_join_code(), created_at=now)
        session.add(room)
        try:
            await session.flush()
        except IntegrityError:
            await session.rollback()
            return
        picture = seed_picture or imaging.default_seed()
        seed = await store_seed(session, storage, room, picture, "builtin", now)
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


async def ensure_join_code(sessionmaker: async_sessionmaker[AsyncSession], slug: str) -> None:
    """Give a room created before join codes existed its code."""
    async with sessionmaker() as session:
        room = await session.scalar(select(Room).where(Room.slug == slug))
        if room is not None and room.join_code is None:
            room.join_code = new_join_code()
            try:
                await session.commit()
            except IntegrityError:
                await session.rollback()


def room_summary(room: Room) -> dict:
    """A room's settings as the console shows them."""
    return {
        "slug": room.slug, "name": room.name, "mode": room.mode, "join_code": room.join_code,
        "join_locked": room.join_locked, "research": room.research, "requires_approval": room.requires_approval,
        "generate_s": room.generate_s, "vote_s": room.vote_s,
    }


def slug_for(name: str) -> str:
    """A URL-safe room slug from a display name, with a random suffix so names may repeat."""
    import re
    import unicodedata

    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:30] or "room"
    return f"{base}-{secrets.token_hex(3)}"


async def create_room(
    sessionmaker: async_sessionmaker[AsyncSession], storage: Storage, policy: RoomPolicy, name: str, mode: str,
    seed_picture: PILImage.Image | None,
) -> str:
    """A new room with its first seed; facilitated rooms wait in the lobby, daily ones start."""
    slug = slug_for(name)
    await ensure_room(sessionmaker, storage, slug, name, seed_picture=seed_picture, mode=mode, policy=policy)
    if mode == "facilitated":
        async with sessionmaker() as session:
            room = await get_room(session, slug)
            await session.execute(update(Round).where(Round.room_id == room.id, Round.number == 1).values(phase="lobby"))
            await session.commit()
    return slug


async def replace_seed(session: AsyncSession, storage: Storage, room: Room, picture: PILImage.Image) -> int:
    """Put a new picture in as the current round's seed, while nobody has edited the old one."""
    from .errors import conflict
    from .views import current_round

    version = await bump_version(session, room.id)
    round_, _seed = await current_round(session, room)
    edits = await session.scalar(select(Image.id).where(Image.round_id == round_.id, Image.kind == "edit").limit(1))
    if round_.phase not in ("lobby", "generate") or edits is not None:
        raise conflict("seed_locked", "the seed can be changed only before anyone has submitted an edit on it")
    now = utcnow()
    seed = await store_seed(session, storage, room, picture, "upload", now)
    round_.seed_image_id = seed.id
    return version
