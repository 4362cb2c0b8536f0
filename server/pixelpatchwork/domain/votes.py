"""Votes: one per participant and image, tallies changed in the same transaction.

The votes table is the truth; `images.up_count/down_count` change by the same delta in the
same transaction, with an atomic `count = count + delta`, so tallies always equal a recount.
"""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from ..db.models import Image, Room, Round, User, Vote, VoteEvent
from .clock import utcnow
from .errors import DomainError, conflict, not_found
from .events import Outbox
from .policy import RoomPolicy
from .views import tally_of, tally_view

VALUES = {"up": 1, "down": -1, "none": 0}
DEADLOCK_CODES = {1205, 1213}  # lock wait timeout, deadlock (MariaDB/MySQL)


def is_deadlock(exc: OperationalError) -> bool:
    args = getattr(exc.orig, "args", ())
    return bool(args) and args[0] in DEADLOCK_CODES


def check_vote_allowed(
    *, phase: str, image: Image, round_id: int, voter: User, phases: tuple[str, ...] = ("vote",), self_votes: bool = False,
    requires_approval: bool = False,
) -> None:
    """Who may vote on what, and when (raises DomainError)."""
    if image.room_id != voter.room_id or image.kind != "edit":
        raise not_found("image_not_found", "there is no such image in your room")
    if image.round_id != round_id:
        raise conflict("not_votable", "this image belongs to an earlier round; vote on the current round's images")
    if phase not in phases:
        raise conflict("wrong_phase", f"votes are accepted only in the {' and '.join(phases)} phase; the round is in the {phase} phase")
    if image.status != "done":
        raise conflict("not_votable", "this image is not finished; vote once it has been generated")
    if not image.entered:
        raise conflict("not_votable", "this edit was not entered into the vote by its author")
    if image.hidden or (requires_approval and not image.approved):
        raise conflict("not_votable", "this edit is not in the vote")
    if image.author_id == voter.id and not self_votes:
        raise DomainError(403, "own_image", "you cannot vote on your own image")


async def cast_vote(
    session: AsyncSession, policy: RoomPolicy, voter: User, room: Room, image_id: int, value: str, outbox: Outbox
) -> dict:
    """Record `voter`'s vote (`up`, `down`, or `none` to take it back) and return the new tally
    (sealed while the room's voting is)."""
    new = VALUES[value]
    for attempt in range(3):
        try:
            return await _cast_once(session, policy, voter, room, image_id, new, outbox)
        except (IntegrityError, OperationalError) as exc:
            # Two first votes of one person on one image raced (the unique key let one in),
            # or the database chose this transaction as a deadlock victim: try again.
            await session.rollback()
            if attempt == 2 or (isinstance(exc, OperationalError) and not is_deadlock(exc)):
                raise
    raise AssertionError("unreachable")


async def _cast_once(
    session: AsyncSession, policy: RoomPolicy, voter: User, room: Room, image_id: int, new: int, outbox: Outbox
) -> dict:
    # The image row's exclusive lock first: concurrent votes on one image queue here instead
    # of deadlocking on the shared locks their foreign-key checks would take.
    image = await session.scalar(select(Image).where(Image.id == image_id).with_for_update())
    if image is None:
        raise not_found("image_not_found", "there is no such image in your room")
    # A shared lock on the current round: a phase change (which takes the row's exclusive
    # lock) waits for votes in flight, and votes after it see the new phase.
    round_ = await session.scalar(
        select(Round)
        .where(Round.room_id == voter.room_id)
        .order_by(Round.number.desc())
        .limit(1)
        .with_for_update(read=True)
    )
    assert round_ is not None
    check_vote_allowed(
        phase=round_.phase, image=image, round_id=round_.id, voter=voter,
        phases=policy.voting_phases(), self_votes=policy.self_votes, requires_approval=room.requires_approval,
    )
    sealed = policy.sealed(room.mode, round_.phase)
    existing = await session.scalar(
        select(Vote).where(Vote.image_id == image_id, Vote.user_id == voter.id).with_for_update()
    )
    old = existing.value if existing else 0
    if old == new:
        unchanged = tally_view(image, sealed)
        await session.rollback()
        return unchanged
    now = utcnow()
    if existing is None:
        session.add(Vote(image_id=image_id, user_id=voter.id, value=new, created_at=now, updated_at=now))
    elif new == 0:
        await session.execute(delete(Vote).where(Vote.id == existing.id))
    else:
        existing.value = new
        existing.updated_at = now
    session.add(VoteEvent(image_id=image_id, user_id=voter.id, value=new, created_at=now))
    up_delta = (new == 1) - (old == 1)
    down_delta = (new == -1) - (old == -1)
    # The row is locked since the first SELECT, so the new counts are known without reading them.
    tally = tally_of(image.id, image.up_count + up_delta, image.down_count + down_delta, image.tally_seq + 1, sealed)
    await session.execute(
        update(Image)
        .where(Image.id == image_id)
        .values(
            up_count=Image.up_count + up_delta,
            down_count=Image.down_count + down_delta,
            tally_seq=Image.tally_seq + 1,
        )
    )
    await session.commit()
    outbox.tally_changed(room.slug, image_id)
    return tally
