"""Participants: joining a room under a nickname."""

from __future__ import annotations

import unicodedata

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ..db.models import Room, User
from .clock import utcnow
from .errors import DomainError, conflict
from .nicknames import is_offensive

NICKNAME_MAX = 32


def clean_nickname(raw: str) -> str:
    """Trim and normalise a nickname; refuse empty, too long, or control characters."""
    nickname = unicodedata.normalize("NFC", raw).strip()
    nickname = " ".join(nickname.split())
    if not nickname:
        raise DomainError(422, "invalid_nickname", "choose a nickname of at least one character")
    if len(nickname) > NICKNAME_MAX:
        raise DomainError(422, "invalid_nickname", f"a nickname has at most {NICKNAME_MAX} characters")
    if any(unicodedata.category(ch).startswith("C") for ch in nickname):
        raise DomainError(422, "invalid_nickname", "a nickname cannot contain control characters")
    if is_offensive(nickname):
        raise DomainError(422, "offensive_nickname", "please choose a friendlier nickname")
    return nickname


def nickname_key(nickname: str) -> str:
    return nickname.casefold()[:NICKNAME_MAX]


async def join(
    session: AsyncSession, room: Room, raw_nickname: str, current: User | None,
    *, consent: bool = False, participant_ref: str | None = None, banned_here: bool = False,
) -> User:
    """The participant for this nickname in `room`: the caller's own if it matches, else a new one.

    A locked room takes no new participants; a research room asks for consent first.
    """
    nickname = clean_nickname(raw_nickname)
    key = nickname_key(nickname)
    if current is not None and current.room_id == room.id and current.nickname_key == key:
        return current
    if banned_here:
        raise DomainError(403, "banned", "the facilitator has removed you from this room")
    if room.join_locked:
        raise DomainError(403, "join_locked", "the facilitator has closed this room to new participants")
    if room.research and not consent:
        raise conflict("consent_required", "this room is part of a research study: agree to take part to join")
    now = utcnow()
    user = User(
        room_id=room.id, nickname=nickname, nickname_key=key, created_at=now,
        participant_ref=participant_ref, consented_at=now if room.research else None,
    )
    session.add(user)
    try:
        await session.flush()
    except IntegrityError:
        await session.rollback()
        raise conflict("nickname_taken", f"someone in this room is already called {nickname!r}; pick another nickname")
    return user


async def get_user(session: AsyncSession, user_id: int | None) -> User | None:
    """The participant of a session, unless the facilitator removed them."""
    if user_id is None:
        return None
    user = await session.get(User, user_id)
    return None if user is None or user.removed else user


async def users_in_room(session: AsyncSession, room: Room) -> list[User]:
    return list(await session.scalars(select(User).where(User.room_id == room.id)))
