"""What the facilitator's console reads: rooms, participants, counters, the moderation list."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..db.models import Image, Job, Room, User, Vote
from ..storage import Storage
from .rooms import room_summary
from .views import current_round, image_view


async def rooms_overview(session: AsyncSession) -> list[dict]:
    rooms = list(await session.scalars(select(Room).order_by(Room.id)))
    out = []
    for room in rooms:
        round_, _seed = await current_round(session, room)
        people = await session.scalar(select(func.count()).select_from(User).where(User.room_id == room.id, User.removed.is_(None)))
        out.append({**room_summary(room), "round": {"number": round_.number, "phase": round_.phase}, "participants": int(people or 0)})
    return out


async def participants(session: AsyncSession, room: Room, connected: set[int]) -> list[dict]:
    """Everyone who joined the room, with what they did in the current round."""
    round_, _seed = await current_round(session, room)
    submissions = dict(
        (await session.execute(
            select(Image.author_id, func.count()).where(Image.round_id == round_.id, Image.kind == "edit").group_by(Image.author_id)
        )).all()
    )
    votes = dict(
        (await session.execute(
            select(Vote.user_id, func.count()).join(Image, Vote.image_id == Image.id)
            .where(Image.round_id == round_.id).group_by(Vote.user_id)
        )).all()
    )
    users = await session.scalars(select(User).where(User.room_id == room.id).order_by(User.id))
    return [
        {
            "id": user.id, "nickname": user.nickname, "connected": user.id in connected, "removed": user.removed,
            "participant_ref": user.participant_ref, "submissions": int(submissions.get(user.id, 0)),
            "votes": int(votes.get(user.id, 0)),
        }
        for user in users
    ]


async def counters(session: AsyncSession, room: Room, connected_sockets: int) -> dict[str, int]:
    """Live figures of the current round for the console."""
    round_, _seed = await current_round(session, room)
    edits = select(Image).where(Image.round_id == round_.id, Image.kind == "edit").subquery()
    by_status = dict((await session.execute(select(edits.c.status, func.count()).group_by(edits.c.status))).all())
    entered = await session.scalar(select(func.count()).select_from(edits).where(edits.c.entered.is_(True)))
    vote_rows = select(Vote).join(Image, Vote.image_id == Image.id).where(Image.round_id == round_.id, Vote.hidden.is_(False)).subquery()
    votes = await session.scalar(select(func.count()).select_from(vote_rows))
    voters = await session.scalar(select(func.count(func.distinct(vote_rows.c.user_id))))
    people = await session.scalar(select(func.count()).select_from(User).where(User.room_id == room.id, User.removed.is_(None)))
    queued = await session.scalar(select(func.count()).select_from(Job).where(Job.room_id == room.id, Job.status == "queued"))
    return {
        "connected": connected_sockets,
        "participants": int(people or 0),
        "submitted": int(sum(by_status.values())),
        "entered": int(entered or 0),
        "voters": int(voters or 0),
        "votes": int(votes or 0),
        "queued": int(queued or 0),
        "generating": int(by_status.get("generating", 0) + by_status.get("storing", 0)),
        "failed": int(by_status.get("failed", 0)),
    }


async def moderation_list(session: AsyncSession, storage: Storage, room: Room) -> list[dict]:
    """Every edit of the current round, hidden and unapproved ones included, with its prompt."""
    round_, _seed = await current_round(session, room)
    rows = await session.execute(
        select(Image, User).outerjoin(User, Image.author_id == User.id)
        .where(Image.round_id == round_.id, Image.kind == "edit").order_by(Image.id)
    )
    return [await image_view(storage, image, author) for image, author in rows]
