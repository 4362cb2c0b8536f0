"""Edits: a participant's mask and prompt on the current seed, queued as a generation job."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..db.models import Image, Job, Room, Round, User
from ..imaging import Mask
from ..protocol import LIMITS
from ..storage import Storage
from .clock import utcnow
from .errors import DomainError, conflict, invalid, not_found
from .events import Outbox
from .policy import RoomPolicy
from .rooms import bump_version
from .views import current_round, image_view, quota


def clean_prompt(raw: str) -> str:
    prompt = raw.strip()
    if not prompt:
        raise invalid("invalid_prompt", "write a prompt that says what should appear in the painted area")
    if len(prompt) > LIMITS["prompt_max_chars"]:
        raise invalid("invalid_prompt", f"a prompt has at most {LIMITS['prompt_max_chars']} characters")
    return prompt


def check_generate_phase(phase: str) -> None:
    """Edits are accepted only while the round is in the generate phase."""
    if phase != "generate":
        raise conflict("wrong_phase", f"edits are accepted only in the generate phase; the round is in the {phase} phase")


def check_edit_round(round_: Round) -> None:
    """Masked edits are accepted in the generate phase of an edit round (not a sketch round)."""
    check_generate_phase(round_.phase)
    if round_.kind == "sketch":
        raise conflict("sketch_round", "this is a sketch round: draw on the shared sketch and press Paint it")


def image_keys(room_id: int, image_id: int) -> dict[str, str]:
    """Where an image's generated files live in storage (the mask is stored with the submission)."""
    base = f"rooms/{room_id}/images/{image_id}"
    return {"result": f"{base}/result.png", "thumb": f"{base}/thumb.webp"}


async def submit_edit(
    session: AsyncSession, storage: Storage, policy: RoomPolicy, room: Room, author: User, prompt: str,
    mask: Mask, seed_id: int, feather_px: int, outbox: Outbox,
) -> tuple[dict, int]:
    """Store the mask, create the edit and its job in one transaction; returns (image view, job id).

    The room row's lock (taken by bump_version first) serialises submissions in a room, so
    the quota and rate checks below cannot be raced past.
    """
    if author.room_id != room.id:
        raise DomainError(401, "not_joined", "join this room before submitting")
    # The mask is stored before the transaction so the room's lock is held only for database
    # work; a refused submission removes it again.
    mask_key = f"rooms/{room.id}/masks/{uuid.uuid4().hex}.png"
    await storage.put(mask_key, await asyncio.to_thread(mask.png), "image/png")
    try:
        return await _insert_edit(session, storage, policy, room, author, prompt, mask, mask_key, seed_id, feather_px, outbox)
    except BaseException:
        await session.rollback()
        await storage.delete(mask_key)
        raise


async def _insert_edit(
    session: AsyncSession, storage: Storage, policy: RoomPolicy, room: Room, author: User, prompt: str,
    mask: Mask, mask_key: str, seed_id: int, feather_px: int, outbox: Outbox,
) -> tuple[dict, int]:
    version = await bump_version(session, room.id)
    round_, seed = await current_round(session, room)
    check_edit_round(round_)
    if seed_id != seed.id or mask.image.size != (seed.width, seed.height):
        raise conflict("seed_changed", "the seed changed while you were painting; paint again on the new seed")
    if policy.needs_context and mask.area >= 1.0:
        raise invalid("invalid_mask", "the whole image is painted; leave part of it unpainted so the model has context")
    image = Image(
        room_id=room.id, round_id=round_.id, parent_id=seed.id, author_id=author.id, kind="edit",
        prompt=prompt, status="queued", provider=policy.provider, model=policy.model,
        width=seed.width, height=seed.height, mask_area=mask.area, feather_px=feather_px, entered=False,
        mask_key=mask_key, up_count=0, down_count=0, tally_seq=0,
    )
    return await queue_generation(session, storage, policy, room, round_.id, author, image, version, outbox)


async def queue_generation(
    session: AsyncSession, storage: Storage, policy: RoomPolicy, room: Room, round_id: int, author: User,
    image: Image, version: int, outbox: Outbox,
) -> tuple[dict, int]:
    """Check the author's and the room's generation limits, then store the new image with its
    job and commit; returns (image view, job id). The caller holds the room's lock."""
    used = await quota(session, policy, round_id, author)
    if used["generations_used"] >= policy.generations_per_round:
        raise DomainError(
            429, "quota_exceeded",
            f"you have used all {policy.generations_per_round} generations of this round; enter your best one into the vote",
        )
    now = utcnow()
    recent = await session.scalar(
        select(func.count()).select_from(Image).where(
            Image.room_id == room.id, Image.kind == "edit", Image.status != "failed",
            Image.created_at > now - timedelta(minutes=1),
        )
    )
    if int(recent or 0) >= policy.room_generations_per_minute:
        raise DomainError(
            429, "room_busy",
            f"the room has reached its limit of {policy.room_generations_per_minute} generations a minute; try again in a moment",
        )
    image.created_at = now
    session.add(image)
    await session.flush()
    job = Job(image_id=image.id, room_id=room.id, status="queued", attempts=0, available_at=now, created_at=now, updated_at=now)
    session.add(job)
    await session.flush()
    view = await image_view(storage, image, author)
    await session.commit()
    outbox.add(room.slug, "image:added", {"version": version, "image": view})
    return view, job.id


async def set_entry(
    session: AsyncSession, storage: Storage, policy: RoomPolicy, room: Room, author: User, image_id: int,
    entered: bool, outbox: Outbox,
) -> dict:
    """Enter a finished attempt into the vote, or withdraw it (generate phase only)."""
    if author.room_id != room.id:
        raise DomainError(401, "not_joined", "join this room first")
    version = await bump_version(session, room.id)
    image = await session.scalar(select(Image).where(Image.id == image_id).with_for_update())
    if image is None or image.room_id != room.id or image.kind != "edit":
        raise not_found("image_not_found", "there is no such image in this room")
    if image.author_id != author.id:
        raise DomainError(403, "not_author", "only the author of an edit can enter or withdraw it")
    round_, _seed = await current_round(session, room)
    if image.round_id != round_.id or round_.phase != "generate":
        raise conflict("wrong_phase", "edits are entered or withdrawn during the generate phase of their round")
    if image.status != "done":
        raise conflict("not_finished", "this edit is not finished yet; enter it once it is done")
    if image.entered != entered:
        if entered:
            used = await quota(session, policy, round_.id, author)
            if used["entries_used"] >= policy.entries_per_round:
                raise conflict(
                    "entry_limit",
                    f"you can enter {policy.entries_per_round} edit(s) per round; withdraw another entry first",
                )
        await session.execute(update(Image).where(Image.id == image.id).values(entered=entered))
        await session.refresh(image)
    view = await image_view(storage, image, author)
    await session.commit()
    outbox.add(room.slug, "image:updated", {"version": version, "image": view})
    return view
