"""Rounds and phases: which moves are allowed, who wins, and starting the next round.

Every phase change is a conditional UPDATE (`WHERE phase = :from`), so when two
facilitators, two processes or a facilitator and the deadline clock race, exactly one
change happens and the others learn that the phase already moved.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..db.models import Image, Room, Round
from ..protocol import PROTOCOL
from ..storage import Storage
from .clock import utcnow
from .errors import DomainError, conflict
from .events import Outbox
from .rooms import bump_version
from .policy import RoomPolicy
from .schedule import daily_deadline
from .views import current_round, in_the_vote, load_image_view, round_view, seed_view, tally_view, wilson_lower_bound

TRANSITIONS: dict[str, list[str]] = PROTOCOL["phase_transitions"]
# Where the deadline clock moves a round when its deadline passes; reveal waits for a person.
AUTOMATIC_NEXT = {"lobby": "generate", "generate": "vote", "vote": "closed"}


def check_transition(current: str, to: str) -> None:
    """Raise unless `current -> to` is an allowed move."""
    if to not in TRANSITIONS.get(current, []):
        allowed = ", ".join(TRANSITIONS.get(current, [])) or "nothing"
        raise DomainError(422, "invalid_transition", f"a round in phase {current!r} can move to {allowed}, not {to!r}")


@dataclass(frozen=True)
class Entry:
    """What the winner rule looks at for one edit."""

    image_id: int
    status: str
    entered: bool
    up: int
    down: int
    created_at: datetime

    @property
    def score(self) -> int:
        return self.up - self.down


def pick_winner(entries: list[Entry], rule: str = "net") -> int | None:
    """The winner rule (docs/api.md): among entered finished edits with a net score of at least
    zero, the highest net score (rule "net") or Wilson lower bound (rule "wilson"); ties go to
    the other measure, then more up votes, then the earlier submission, then the lower id."""
    eligible = [entry for entry in entries if entry.score >= 0]
    ranked = rank_entries(eligible, rule)
    return ranked[0].image_id if ranked else None


def rank_entries(entries: list[Entry], rule: str = "net") -> list[Entry]:
    """Entered, finished edits from best to worst by the winner rule's ordering."""

    def key(e: Entry) -> tuple:
        wilson = wilson_lower_bound(e.up, e.down)
        first, second = (e.score, wilson) if rule == "net" else (wilson, e.score)
        return (-first, -second, -e.up, e.created_at, e.image_id)

    return sorted((e for e in entries if e.status == "done" and e.entered), key=key)


async def _entries(session: AsyncSession, room: Room, round_id: int) -> list[Entry]:
    images = await session.scalars(select(Image).where(Image.round_id == round_id, Image.kind == "edit"))
    return [
        Entry(image.id, image.status, in_the_vote(image, room), image.up_count, image.down_count, image.created_at)
        for image in images
    ]


async def change_phase(
    session: AsyncSession,
    storage: Storage,
    policy: RoomPolicy,
    room: Room,
    from_phase: str,
    to_phase: str,
    duration_s: int | None,
    outbox: Outbox,
    *,
    round_id: int | None = None,
) -> dict:
    """Move the room's current round from `from_phase` to `to_phase`, exactly once.

    Leaving the vote phase picks the winner; reaching `closed` opens the next round with the
    winner (or the same seed, without one) in the generate phase. Returns the current round's view.
    """
    check_transition(from_phase, to_phase)
    version = await bump_version(session, room.id)
    round_, _seed = await current_round(session, room)
    if round_id is not None and round_.id != round_id:
        raise conflict("phase_changed", "the round has already moved on")
    now = utcnow()
    values: dict = {
        "phase": to_phase,
        "phase_started_at": now,
        "deadline": phase_deadline(policy, room, to_phase, now, duration_s),
        "paused_remaining_s": None,
    }
    if to_phase == "closed":
        values["closed_at"] = now
    if to_phase == "vote":
        values["vote_started_at"] = now
    # The conditional update comes first: it takes the round's row lock, so votes still in
    # flight finish before the winner is read, and later ones see the phase has moved.
    result = await session.execute(
        update(Round).where(Round.id == round_.id, Round.phase == from_phase).values(**values)
    )
    if result.rowcount != 1:
        await session.rollback()
        raise conflict("phase_changed", f"the round is no longer in the {from_phase} phase; someone else moved it")
    winner_id = None
    if from_phase == "vote":
        winner_id = pick_winner(await _entries(session, room, round_.id), policy.winner_rule)
        await session.execute(update(Round).where(Round.id == round_.id).values(winner_image_id=winner_id))
    await session.refresh(round_)
    if to_phase == "closed":
        await _open_next_round(session, room, round_, now, phase_deadline(policy, room, "generate", now, None))
    new_round, new_seed = await current_round(session, room)
    view = await round_view(storage, new_round, new_seed)
    payload: dict = {"version": version, "round": view, "winner": None}
    if round_.winner_image_id:
        payload["winner"] = await load_image_view(session, storage, round_.winner_image_id)
    if from_phase == "vote":
        # The reveal: every entry's final tally, which sealed screens have not seen yet.
        images = await session.scalars(select(Image).where(Image.round_id == round_.id, Image.kind == "edit"))
        payload["tallies"] = [tally_view(image) for image in images if in_the_vote(image, room)]
    outbox.add(room.slug, "round:updated", payload)
    return view


def phase_deadline(policy: RoomPolicy, room: Room, phase: str, now: datetime, duration_s: int | None) -> datetime | None:
    """A phase's deadline: the facilitator's duration, in a daily room the schedule's time, or
    the room's default length for the phase."""
    if duration_s:
        return now + timedelta(seconds=duration_s)
    if room.mode == "daily":
        return daily_deadline(phase, now, policy.daily_timezone, policy.daily_vote_at, policy.daily_close_at)
    default_s = {"generate": room.generate_s, "vote": room.vote_s}.get(phase)
    return now + timedelta(seconds=default_s) if default_s else None


async def _open_next_round(session: AsyncSession, room: Room, closed: Round, now: datetime, deadline: datetime | None) -> Round:
    seed_id = closed.winner_image_id or closed.seed_image_id
    next_round = Round(
        room_id=room.id, number=closed.number + 1, seed_image_id=seed_id, phase="generate",
        phase_started_at=now, deadline=deadline, created_at=now,
    )
    session.add(next_round)
    await session.flush()
    return next_round


async def due_rounds(session: AsyncSession, now: datetime) -> list[tuple[Room, Round]]:
    """Rounds whose deadline has passed in a phase the clock moves on by itself."""
    rows = await session.execute(
        select(Room, Round)
        .join(Round, Round.room_id == Room.id)
        .where(Round.deadline.is_not(None), Round.deadline <= now, Round.phase.in_(list(AUTOMATIC_NEXT)))
    )
    return [(room, round_) for room, round_ in rows]


async def lineage(session: AsyncSession, storage: Storage, policy: RoomPolicy, room: Room, runners_up: int = 3) -> list[dict]:
    """The chain of seeds, oldest first: every round with its seed, its winner (with mask,
    prompt, author and votes) and its best runners-up. Tallies of a round still being voted
    on stay sealed when the room's voting is."""
    rounds = list(await session.scalars(select(Round).where(Round.room_id == room.id).order_by(Round.number)))
    steps = []
    for round_ in rounds:
        seed = await session.get(Image, round_.seed_image_id)
        assert seed is not None
        sealed = policy.sealed(room.mode, round_.phase)
        ranked = [e.image_id for e in rank_entries(await _entries(session, room, round_.id), policy.winner_rule)]
        others = [image_id for image_id in ranked if image_id != round_.winner_image_id][:runners_up]
        steps.append(
            {
                "round": {"id": round_.id, "number": round_.number, "phase": round_.phase, "kind": round_.kind},
                "seed": await seed_view(storage, seed),
                "winner": await load_image_view(session, storage, round_.winner_image_id) if round_.winner_image_id else None,
                "runners_up": [await load_image_view(session, storage, image_id, sealed) for image_id in others]
                if not sealed else [],
            }
        )
    return steps



async def change_current_round(session: AsyncSession, storage: Storage, room: Room, outbox: Outbox, change) -> dict:  # type: ignore[no-untyped-def]
    """Apply `change(round_, now)` (a function or a coroutine function) to the current round
    under its row lock and announce the round as it is then."""
    version = await bump_version(session, room.id)
    round_ = await session.scalar(
        select(Round).where(Round.room_id == room.id).order_by(Round.number.desc()).limit(1).with_for_update()
    )
    assert round_ is not None
    if round_.phase == "closed":
        raise conflict("phase_changed", "the round is closed")
    changed = change(round_, utcnow())
    if inspect.isawaitable(changed):
        await changed
    await session.flush()
    seed = await session.get(Image, round_.seed_image_id)
    assert seed is not None
    view = await round_view(storage, round_, seed)
    await session.commit()
    outbox.add(room.slug, "round:updated", {"version": version, "round": view, "winner": None})
    return view


async def pause(session: AsyncSession, storage: Storage, room: Room, outbox: Outbox) -> dict:
    """Stop the clock: the deadline is put aside with the seconds that were left."""

    def change(round_: Round, now: datetime) -> None:
        if round_.paused_remaining_s is not None:
            raise conflict("already_paused", "the clock is already paused")
        if round_.deadline is None:
            raise conflict("no_deadline", "this phase has no deadline to pause")
        round_.paused_remaining_s = max(0.0, (round_.deadline - now).total_seconds())
        round_.deadline = None

    return await change_current_round(session, storage, room, outbox, change)


async def resume(session: AsyncSession, storage: Storage, room: Room, outbox: Outbox) -> dict:
    """Start the clock again with the seconds that were left when it was paused."""

    def change(round_: Round, now: datetime) -> None:
        if round_.paused_remaining_s is None:
            raise conflict("not_paused", "the clock is not paused")
        round_.deadline = now + timedelta(seconds=round_.paused_remaining_s)
        round_.paused_remaining_s = None

    return await change_current_round(session, storage, room, outbox, change)


async def extend(session: AsyncSession, storage: Storage, room: Room, seconds: int, outbox: Outbox) -> dict:
    """Give the current phase more time (a phase without deadline gets one, `seconds` from now)."""

    def change(round_: Round, now: datetime) -> None:
        if round_.paused_remaining_s is not None:
            round_.paused_remaining_s += seconds
        elif round_.deadline is not None:
            round_.deadline = max(round_.deadline, now) + timedelta(seconds=seconds)
        else:
            round_.deadline = now + timedelta(seconds=seconds)

    return await change_current_round(session, storage, room, outbox, change)
