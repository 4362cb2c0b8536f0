"""How rooms, rounds and images look on the wire (shapes defined in shared/protocol.json)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..db.models import Image, Room, Round, User, Vote
from ..storage import Storage
from .clock import to_ms, utcnow


def tally_view(image: Image) -> dict[str, int]:
    return {
        "image_id": image.id,
        "up": image.up_count,
        "down": image.down_count,
        "score": image.up_count - image.down_count,
        "seq": image.tally_seq,
    }


async def _url(storage: Storage, key: str | None) -> str | None:
    return await storage.url(key) if key else None


async def seed_view(storage: Storage, seed: Image) -> dict[str, Any]:
    return {
        "id": seed.id,
        "url": await storage.url(seed.result_key or ""),
        "thumb_url": await storage.url(seed.thumb_key or seed.result_key or ""),
        "width": seed.width,
        "height": seed.height,
    }


async def image_view(storage: Storage, image: Image, author: User | None) -> dict[str, Any]:
    done = image.status == "done"
    return {
        "id": image.id,
        "round_id": image.round_id,
        "parent_id": image.parent_id,
        "author": {"id": author.id, "nickname": author.nickname} if author else None,
        "prompt": image.prompt,
        "status": image.status,
        "error": image.error,
        "provider": image.provider,
        "model": image.model,
        "offline": image.provider == "offline",
        "url": await _url(storage, image.result_key) if done else None,
        "thumb_url": await _url(storage, image.thumb_key) if done else None,
        "mask_url": await _url(storage, image.mask_key) if done else None,
        "width": image.width,
        "height": image.height,
        "tally": tally_view(image),
        "created_at": to_ms(image.created_at),
    }


async def round_view(storage: Storage, round_: Round, seed: Image) -> dict[str, Any]:
    return {
        "id": round_.id,
        "number": round_.number,
        "phase": round_.phase,
        "seed": await seed_view(storage, seed),
        "deadline": to_ms(round_.deadline),
        "phase_started_at": to_ms(round_.phase_started_at),
        "winner_id": round_.winner_image_id,
    }


async def load_image_view(session: AsyncSession, storage: Storage, image_id: int) -> dict[str, Any]:
    row = (
        await session.execute(select(Image, User).outerjoin(User, Image.author_id == User.id).where(Image.id == image_id))
    ).one()
    return await image_view(storage, row[0], row[1])


async def current_round(session: AsyncSession, room: Room) -> tuple[Round, Image]:
    """The room's newest round and its seed image."""
    row = (
        await session.execute(
            select(Round, Image)
            .join(Image, Round.seed_image_id == Image.id)
            .where(Round.room_id == room.id)
            .order_by(Round.number.desc())
            .limit(1)
        )
    ).one()
    return row[0], row[1]


async def snapshot(session: AsyncSession, storage: Storage, room: Room, user: User | None) -> dict[str, Any]:
    """Everything a screen needs to draw the room now, with the version it reflects."""
    await session.refresh(room, ["version"])
    version = room.version
    round_, seed = await current_round(session, room)
    rows = (
        await session.execute(
            select(Image, User)
            .outerjoin(User, Image.author_id == User.id)
            .where(Image.round_id == round_.id, Image.kind == "edit")
            .order_by(Image.id)
        )
    ).all()
    my_votes: dict[str, str] = {}
    if user is not None and rows:
        votes = await session.scalars(
            select(Vote).where(Vote.user_id == user.id, Vote.image_id.in_([image.id for image, _ in rows]))
        )
        my_votes = {str(vote.image_id): "up" if vote.value > 0 else "down" for vote in votes}
    return {
        "room": {"slug": room.slug, "name": room.name},
        "version": version,
        "server_time": to_ms(utcnow()),
        "round": await round_view(storage, round_, seed),
        "images": [await image_view(storage, image, author) for image, author in rows],
        "my_votes": my_votes,
        "me": {"id": user.id, "nickname": user.nickname, "room": room.slug} if user else None,
    }
