"""Rounds and phases: which moves are allowed, who wins, and starting the next round.

Every phase change is a conditional UPDATE (`WHERE phase = :from`), so when two
facilitators, two processes or a facilitator and the deadline clock race, exactly one
change happens and the others learn that the phase already moved.
"""

from __future__ import annotations

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
from .views import current_round, load_image_view, round_view, seed_view

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


def pick_winner(entries: list[Entry]) -> int | None:
    """The winner rule (docs/api.md): highest net score among entered finished edits, ties to more up
    votes, then the earlier submission, then the lower id; a negative score never wins."""
    eligible = [entry for entry in entries if entry.status == "done" and entry.entered and entry.score >= 0]
    if not eligible:
        return None
    best = min(eligible, key=lambda e: (-e.score, -e.up, e.created_at, e.image_id))
    return best.image_id


async def _entries(session: AsyncSession, round_id: int) -> list[Entry]:
    rows = await session.execute(
        select(Image.id, Image.status, Image.entered, Image.up_count, Image.down_count, Image.created_at).where(
            Image.round_id == round_id, Image.kind == "edit"
        )
    )
    return [Entry(*row) for row in rows]


async def change_phase(
    session: AsyncSession,
    storage: Storage,
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
        "deadline": now + timedelta(seconds=duration_s) if duration_s else None,
    }
    if to_phase == "closed":
        values["closed_at"] = now
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
        winner_id = pick_winner(await _entries(session, round_.id))
        await session.execute(update(Round).where(Round.id == round_.id).values(winner_image_id=winner_id))
    await session.refresh(round_)
    if to_phase == "closed":
        await _open_next_round(session, room, round_, now)
    new_round, new_seed = await current_round(session, room)
    view = await round_view(storage, new_round, new_seed)
    payload: dict = {"version": version, "round": view, "winner": None}
    if round_.winner_image_id:
        payload["winner"] = await load_image_view(session, storage, round_.winner_image_id)
    outbox.add(room.slug, "round:updated", payload)
    return view


async def _open_next_round(session: AsyncSession, room: Room, closed: Round, now: datetime) -> Round:
    seed_id = closed.winner_image_id or closed.seed_image_id
    next_round = Round(
        room_id=room.id, number=closed.number + 1, seed_image_id=seed_id, phase="generate",
        phase_started_at=now, created_at=now,
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


async def lineage(session: AsyncSession, storage: Storage, room: Room) -> list[dict]:
    """The chain of seeds: every round with its seed and its winner, oldest first."""
    rounds = list(await session.scalars(select(Round).where(Round.room_id == room.id).order_by(Round.number)))
    steps = []
    for round_ in rounds:
        seed = await session.get(Image, round_.seed_image_id)
        assert seed is not None
        steps.append(
            {
                "round": {"id": round_.id, "number": round_.number, "phase": round_.phase},
                "seed": await seed_view(storage, seed),
                "winner": await load_image_view(session, storage, round_.winner_image_id) if round_.winner_image_id else None,
            }
        )
    return steps

