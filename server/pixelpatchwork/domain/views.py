"""How rooms, rounds and images look on the wire (shapes defined in shared/protocol.json)."""

from __future__ import annotations

import math

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..db.models import Image, Room, Round, User, Vote
from ..sketch.labels import load_labels
from ..storage import Storage
from .clock import to_ms, utcnow
from .policy import RoomPolicy


def wilson_lower_bound(up: int, down: int, z: float = 1.96) -> float:
    """Lower bound of the 95% Wilson score interval of the share of up votes (0 without votes).

    It ranks an image with 9 up and 1 down above one with 1 up and 0 down, which a plain share
    of up votes would not.
    """
    n = up + down
    if n == 0:
        return 0.0
    p = up / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return round((centre - spread) / (1 + z * z / n), 4)


def tally_of(image_id: int, up: int, down: int, seq: int, sealed: bool = False) -> dict[str, Any]:
    """A tally on the wire; while voting is sealed only the sequence number is shown."""
    if sealed:
        return {"image_id": image_id, "up": None, "down": None, "score": None, "wilson": None, "seq": seq}
    return {"image_id": image_id, "up": up, "down": down, "score": up - down, "wilson": wilson_lower_bound(up, down), "seq": seq}


def tally_view(image: Image, sealed: bool = False) -> dict[str, Any]:
    """An image's votes as they are in the database row."""
    return tally_of(image.id, image.up_count, image.down_count, image.tally_seq, sealed)


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


async def image_view(storage: Storage, image: Image, author: User | None, sealed: bool = False) -> dict[str, Any]:
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
        "tally": tally_view(image, sealed),
        "created_at": to_ms(image.created_at),
        "entered": image.entered,
        "approved": image.approved,
        "hidden": image.hidden,
        "feather_px": image.feather_px,
        "quality": image.quality,
        "generation_ms": image.generation_ms,
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
        "paused": round_.paused_remaining_s is not None,
        "remaining_s": round_.paused_remaining_s,
        "kind": round_.kind,
        "sketch": {"locked": round_.sketch_locked, "palette": round_.sketch_palette or load_labels().default_palette} if round_.kind == "sketch" else None,
    }


async def load_image_view(session: AsyncSession, storage: Storage, image_id: int, sealed: bool = False) -> dict[str, Any]:
    row = (
        await session.execute(select(Image, User).outerjoin(User, Image.author_id == User.id).where(Image.id == image_id))
    ).one()
    return await image_view(storage, row[0], row[1], sealed)


async def votes_cast(session: AsyncSession, round_id: int) -> int:
    """Votes currently standing on the round's images (what a sealed projector shows)."""
    return int(
        await session.scalar(
            select(func.count())
            .select_from(Vote)
            .join(Image, Vote.image_id == Image.id)
            .where(Image.round_id == round_id, Vote.hidden.is_(False))
        )
        or 0
    )


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


def in_the_vote(image: Image, room: Room) -> bool:
    """Entered by its author, not hidden by the facilitator, and approved where that is needed."""
    return image.entered and not image.hidden and (image.approved or not room.requires_approval)


def visible_to(image: Image, viewer: User | None, room: Room) -> bool:
    """Whether a viewer's gallery shows this edit: their own always; others' while they are
    being generated, and once finished only when in the vote (attempts stay private, hidden
    and unapproved entries stay off every other screen)."""
    if viewer is not None and image.author_id == viewer.id:
        return True
    if image.status == "failed" or image.hidden:
        return False
    return image.status != "done" or in_the_vote(image, room)


async def quota(session: AsyncSession, policy: RoomPolicy, round_id: int, user: User) -> dict[str, int]:
    """The participant's generations and entries in a round against the limits.

    Failed generations do not count: safety rejections and system failures are refunded.
    """
    rows = await session.execute(
        select(Image.entered, func.count())
        .where(Image.round_id == round_id, Image.author_id == user.id, Image.status != "failed")
        .group_by(Image.entered)
    )
    counts = {bool(entered): int(count) for entered, count in rows}
    return {
        "generations_per_round": policy.generations_per_round,
        "generations_used": sum(counts.values()),
        "entries_per_round": policy.entries_per_round,
        "entries_used": counts.get(True, 0),
        "room_generations_per_minute": policy.room_generations_per_minute,
    }


async def snapshot(
    session: AsyncSession, storage: Storage, policy: RoomPolicy, room: Room, user: User | None
) -> dict[str, Any]:
    """Everything a screen needs to draw the room now, with the version it reflects."""
    from .game import game_view
    await session.refresh(room, ["version"])
    version = room.version
    round_, seed = await current_round(session, room)
    sealed = policy.sealed(room.mode, round_.phase)
    rows = [
        (image, author)
        for image, author in await session.execute(
            select(Image, User)
            .outerjoin(User, Image.author_id == User.id)
            .where(Image.round_id == round_.id, Image.kind == "edit")
            .order_by(Image.id)
        )
        if visible_to(image, user, room)
    ]
    my_votes: dict[str, str] = {}
    if user is not None and rows:
        votes = await session.scalars(
            select(Vote).where(Vote.user_id == user.id, Vote.image_id.in_([image.id for image, _ in rows]))
        )
        my_votes = {str(vote.image_id): "up" if vote.value > 0 else "down" for vote in votes}
    return {
        "room": {
            "slug": room.slug, "name": room.name, "mode": room.mode,
            "join_code": room.join_code, "join_path": f"/j/{room.join_code}" if room.join_code else None,
            "join_locked": room.join_locked, "research": room.research,
            "requires_approval": room.requires_approval,
        },
        "version": version,
        "server_time": to_ms(utcnow()),
        "round": await round_view(storage, round_, seed),
        "images": [await image_view(storage, image, author, sealed) for image, author in rows],
        "my_votes": my_votes,
        "me": {"id": user.id, "nickname": user.nickname, "room": room.slug} if user else None,
        "quota": await quota(session, policy, round_.id, user) if user else None,
        "entry_selection": policy.entry_selection,
        "generator": policy.generator_view(),
        "sealed": sealed,
        "votes_cast": await votes_cast(session, round_.id),
        "gallery_salt": policy.gallery_salt(round_.id, user.id if user else None),
        "winner_rule": policy.winner_rule,
        "voting": {"phases": list(policy.voting_phases()), "self_votes": policy.self_votes},
        "game": await game_view(session, storage, room, user),
    }
