"""Edits: a participant's mask and prompt on the current seed, queued as a generation job."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from ..db.models import Image, Job, Room, User
from ..imaging import Mask
from ..protocol import LIMITS
from ..storage import Storage
from .clock import utcnow
from .errors import DomainError, conflict, invalid
from .events import Outbox
from .rooms import bump_version
from .views import current_round, image_view


def clean_prompt(raw: str) -> str:
    prompt = raw.strip()
    if not prompt:
        raise invalid("invalid_prompt", "write a prompt that says what should appear in the painted area")
    if len(prompt) > LIMITS["prompt_max_chars"]:
        raise invalid("invalid_prompt", f"a prompt has at most {LIMITS['prompt_max_chars']} characters")
    return prompt


def image_keys(room_id: int, image_id: int) -> dict[str, str]:
    """Where an image's files live in storage."""
    base = f"rooms/{room_id}/images/{image_id}"
    return {"mask": f"{base}/mask.png", "result": f"{base}/result.png", "thumb": f"{base}/thumb.webp"}


async def submit_edit(
    session: AsyncSession, storage: Storage, room: Room, author: User, prompt: str, mask: Mask,
    provider: str, model: str | None, outbox: Outbox,
) -> tuple[dict, int]:
    """Store the mask, create the edit and its job in one transaction; returns (image view, job id).

    The caller has already checked the mask against the seed's size (it needs the seed's size
    before decoding); this checks the phase again inside the transaction.
    """
    if author.room_id != room.id:
        raise DomainError(401, "not_joined", "join this room before submitting")
    version = await bump_version(session, room.id)
    round_, seed = await current_round(session, room)
    if round_.phase != "generate":
        raise conflict("wrong_phase", f"edits are accepted only in the generate phase; the round is in the {round_.phase} phase")
    if mask.image.size != (seed.width, seed.height):
        raise conflict("seed_changed", "the seed changed while you were painting; paint again on the new seed")
    now = utcnow()
    image = Image(
        room_id=room.id, round_id=round_.id, parent_id=seed.id, author_id=author.id, kind="edit",
        prompt=prompt, status="queued", provider=provider, model=model,
        width=seed.width, height=seed.height, mask_area=mask.area, created_at=now,
        up_count=0, down_count=0, tally_seq=0,
    )
    session.add(image)
    await session.flush()
    keys = image_keys(room.id, image.id)
    image.mask_key = keys["mask"]
    await storage.put(keys["mask"], mask.png(), "image/png")
    job = Job(image_id=image.id, room_id=room.id, status="queued", attempts=0, available_at=now, created_at=now, updated_at=now)
    session.add(job)
    await session.flush()
    view = await image_view(storage, image, author)
    await session.commit()
    outbox.add(room.slug, "image:added", {"version": version, "image": view})
    return view, job.id
