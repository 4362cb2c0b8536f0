"""The facilitator's moderation: approving and hiding edits, removing participants.

Nothing is deleted: a hidden edit and a removed participant's votes stay in the database
for research; they just no longer show, count or win.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..db.models import Image, Room, User, Vote
from ..storage import Storage
from .errors import DomainError, not_found
from .events import Outbox
from .rooms import bump_version
from .views import load_image_view

ACTIONS = {"approve": {"approved": True}, "hide": {"hidden": True}, "unhide": {"hidden": False}}


async def moderate_image(
    session: AsyncSession, storage: Storage, room: Room, image_id: int, action: str, outbox: Outbox
) -> dict:
    """Approve an entry for the projector and the vote, or hide/unhide an edit."""
    version = await bump_version(session, room.id)
    image = await session.scalar(select(Image).where(Image.id == image_id).with_for_update())
    if image is None or image.room_id != room.id or image.kind != "edit":
        raise not_found("image_not_found", "there is no such image in this room")
    for field, value in ACTIONS[action].items():
        setattr(image, field, value)
    await session.flush()
    view = await load_image_view(session, storage, image.id)
    await session.commit()
    outbox.add(room.slug, "image:updated", {"version": version, "image": view})
    return view


async def remove_participant(
    session: AsyncSession, storage: Storage, room: Room, user_id: int, how: str, outbox: Outbox
) -> dict:
    """Kick or ban a participant: their session ends, their edits are hidden, and their votes
    stop counting (the image counters move by the same amounts, in this transaction)."""
    version = await bump_version(session, room.id)
    user = await session.scalar(select(User).where(User.id == user_id).with_for_update())
    if user is None or user.room_id != room.id:
        raise not_found("participant_not_found", "there is no such participant in this room")
    if user.removed == "banned" and how == "kicked":
        raise DomainError(409, "already_banned", "this participant is already banned")
    user.removed = how
    images = list(await session.scalars(select(Image).where(Image.author_id == user.id, Image.hidden.is_(False))))
    for image in images:
        image.hidden = True
    votes = list(await session.scalars(select(Vote).where(Vote.user_id == user.id, Vote.hidden.is_(False)).with_for_update()))
    for vote in votes:
        vote.hidden = True
        await session.execute(
            update(Image)
            .where(Image.id == vote.image_id)
            .values(
                up_count=Image.up_count - (1 if vote.value > 0 else 0),
                down_count=Image.down_count - (1 if vote.value < 0 else 0),
                tally_seq=Image.tally_seq + 1,
            )
        )
    await session.flush()
    # One version per event, so every screen applies each hidden edit in order.
    for n, image in enumerate(images):
        event_version = version if n == 0 else await bump_version(session, room.id)
        outbox.add(room.slug, "image:updated", {"version": event_version, "image": await load_image_view(session, storage, image.id)})
    await session.commit()
    for vote in votes:
        outbox.tally_changed(room.slug, vote.image_id)
    outbox.add(room.slug, "session:ended", {"version": None, "user_id": user.id, "reason": how})
    return {"id": user.id, "nickname": user.nickname, "removed": how}
