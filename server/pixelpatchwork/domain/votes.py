"""Votes: one per participant and image, tallies changed in the same transaction.

The votes table is the truth; `images.up_count/down_count` change by the same delta in the
same transaction, with an atomic `count = count + delta`, so tallies always equal a recount.

A vote is the hottest path of a room (a thousand screens voting at once), so each process
writes votes in batches: the votes that arrive while a batch is being written form the next
one, which costs a handful of statements and one commit however many votes it holds (group
commit). Within a batch, votes take effect one after another in arrival order, exactly as if
each had its own transaction, and each vote's answer (its tally, or why it was refused) is
its own. Nobody is answered before the batch holding their vote has committed.

Locks: the voters, their room and its current round are share-locked first (a phase change,
which takes the round's exclusive lock, waits for the votes in flight, and the votes after
it see the new phase; a kick or ban waits the same way), then the images and the voters'
votes on them exclusively, in image id order. That is the order every structural
transaction follows (room, round, images), so votes and phase changes queue instead of
deadlocking, and batches of two processes cannot deadlock each other on images.
"""

from __future__ import annotations

import asyncio
import logging
from functools import lru_cache
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import TextClause, bindparam, delete, func, insert, select, text
from sqlalchemy.dialects import mysql, sqlite
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ..db.models import Image, Room, Round, User, Vote, VoteEvent
from .clock import utcnow
from .errors import DomainError, conflict, not_found
from .events import Outbox
from .policy import RoomPolicy
from .views import tally_of

log = logging.getLogger(__name__)

VALUES = {"up": 1, "down": -1, "none": 0}
DEADLOCK_CODES = {1205, 1213}  # lock wait timeout, deadlock (MariaDB/MySQL)
MAX_BATCH = 200

_latest = select(func.max(Round.number)).where(Round.room_id == Room.id).correlate(Room).scalar_subquery()
VOTER_CONTEXTS = (
    select(
        User.id, User.room_id, Room.slug, Room.mode, Room.requires_approval,
        Round.id.label("round_id"), Round.phase,
    )
    .join(Room, Room.id == User.room_id)
    .join(Round, (Round.room_id == Room.id) & (Round.number == _latest))
    .where(User.id.in_(bindparam("user_ids", expanding=True)), User.removed.is_(None))
    .with_for_update(read=True)
)
IMAGES_AND_VOTES = (
    select(
        Image.id, Image.room_id, Image.round_id, Image.kind, Image.status, Image.entered, Image.hidden,
        Image.approved, Image.author_id, Image.up_count, Image.down_count, Image.tally_seq,
        Vote.id.label("vote_id"), Vote.user_id.label("vote_user_id"), Vote.value.label("vote_value"),
    )
    .outerjoin(Vote, (Vote.image_id == Image.id) & Vote.user_id.in_(bindparam("user_ids", expanding=True)))
    .where(Image.id.in_(bindparam("image_ids", expanding=True)))
    .order_by(Image.id)
    .with_for_update()
)
DELETE_VOTES = delete(Vote).where(Vote.id.in_(bindparam("vote_ids", expanding=True)))
INSERT_EVENTS = insert(VoteEvent)


@lru_cache(maxsize=128)
def _count_statement(images: int) -> TextClause:
    """One UPDATE that moves the counters of `images` images, each by its own deltas."""

    def by_image(name: str) -> str:
        return "CASE id " + " ".join(f"WHEN :i{k} THEN :{name}{k}" for k in range(images)) + " END"

    ids = ", ".join(f":i{k}" for k in range(images))
    return text(
        f"UPDATE {Image.__tablename__} SET up_count = up_count + {by_image('u')}, "
        f"down_count = down_count + {by_image('d')}, tally_seq = tally_seq + {by_image('n')} WHERE id IN ({ids})"
    )


def count_changes(counts: dict[int, list[int]]) -> tuple[TextClause, dict[str, int]]:
    """The statement and parameters that add each image's [up, down, changes] deltas."""
    params: dict[str, int] = {}
    for k, (image_id, (up, down, changes)) in enumerate(sorted(counts.items())):
        params.update({f"i{k}": image_id, f"u{k}": up, f"d{k}": down, f"n{k}": changes})
    return _count_statement(len(counts)), params


def _upsert(dialect: str) -> Any:
    """Insert a vote or change the one already there (one statement for a batch)."""
    if dialect == "sqlite":
        stmt = sqlite.insert(Vote)
        return stmt.on_conflict_do_update(
            index_elements=[Vote.image_id, Vote.user_id],
            set_={"value": stmt.excluded.value, "updated_at": stmt.excluded.updated_at},
        )
    stmt = mysql.insert(Vote)
    return stmt.on_duplicate_key_update(value=stmt.inserted.value, updated_at=stmt.inserted.updated_at)


UPSERTS = {"sqlite": _upsert("sqlite"), "mysql": _upsert("mysql")}


def is_deadlock(exc: OperationalError) -> bool:
    args = getattr(exc.orig, "args", ())
    return bool(args) and args[0] in DEADLOCK_CODES


def check_vote_allowed(
    *, phase: str, image: Any, round_id: int, voter: Any, phases: tuple[str, ...] = ("vote",), self_votes: bool = False,
    requires_approval: bool = False,
) -> None:
    """Who may vote on what, and when (raises DomainError). `image` and `voter` are rows or
    objects with the Image and User attributes used here."""
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


@dataclass
class Ballot:
    """One vote as it arrived: who, on what, which value, and the rooms it may touch."""

    user_id: int
    image_id: int
    value: int  # +1, -1, 0 (withdraw)
    rooms: Collection[str] | None = None
    at: datetime = field(default_factory=utcnow)


@dataclass
class Outcome:
    """A ballot's answer: the tally after it (and the room it changed), or why it was refused."""

    tally: dict[str, Any] | None = None
    room_slug: str | None = None
    changed: bool = False
    error: DomainError | None = None


@dataclass
class Plan:
    """What a batch writes: the votes as they end up, the history rows, the counter deltas."""

    upserts: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    deletes: list[int] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    counts: dict[int, list[int]] = field(default_factory=dict)  # image -> [up delta, down delta, changes]


def plan_votes(
    ballots: Sequence[Ballot], voters: dict[int, Any], images: dict[int, Any], existing: dict[tuple[int, int], tuple[int, int]],
    policy: RoomPolicy,
) -> tuple[list[Outcome], Plan]:
    """Apply `ballots` in order to what the database holds (`voters` by id with their room's
    current round, `images` by id, `existing` votes as (image, user) -> (vote id, value)).
    Returns each ballot's outcome and the writes that bring the database to the same end."""
    outcomes: list[Outcome] = []
    plan = Plan()
    current = {key: value for key, (_id, value) in existing.items()}
    counters = {image_id: [row.up_count, row.down_count, row.tally_seq] for image_id, row in images.items()}
    for ballot in ballots:
        try:
            voter = voters.get(ballot.user_id)
            if voter is None:
                raise DomainError(401, "not_joined", "join the room with a nickname before voting")
            if ballot.rooms is not None and voter.slug not in ballot.rooms:
                raise DomainError(409, "not_in_room", "join your room's channel before voting")
            image = images.get(ballot.image_id)
            if image is None:
                raise not_found("image_not_found", "there is no such image in your room")
            check_vote_allowed(
                phase=voter.phase, image=image, round_id=voter.round_id, voter=voter,
                phases=policy.voting_phases(), self_votes=policy.self_votes, requires_approval=voter.requires_approval,
            )
        except DomainError as exc:
            outcomes.append(Outcome(error=exc))
            continue
        key = (ballot.image_id, ballot.user_id)
        old, new = current.get(key, 0), ballot.value
        count = counters[ballot.image_id]
        changed = old != new
        if changed:
            current[key] = new
            up_delta, down_delta = (new == 1) - (old == 1), (new == -1) - (old == -1)
            count[0] += up_delta
            count[1] += down_delta
            count[2] += 1
            delta = plan.counts.setdefault(ballot.image_id, [0, 0, 0])
            delta[0] += up_delta
            delta[1] += down_delta
            delta[2] += 1
            plan.events.append({"image_id": ballot.image_id, "user_id": ballot.user_id, "value": new, "created_at": ballot.at})
            if new == 0:
                plan.upserts.pop(key, None)
            else:
                plan.upserts[key] = {
                    "image_id": ballot.image_id, "user_id": ballot.user_id, "value": new, "created_at": ballot.at,
                    "updated_at": ballot.at,
                }
        sealed = policy.sealed(voter.mode, voter.phase)
        outcomes.append(Outcome(tally_of(ballot.image_id, count[0], count[1], count[2], sealed), voter.slug, changed))
    # A vote that ends withdrawn is deleted; one that was there and ends changed is upserted.
    for key, (vote_id, _value) in existing.items():
        if current.get(key, 0) == 0:
            plan.deletes.append(vote_id)
    return outcomes, plan


async def write_batch(conn: AsyncConnection, policy: RoomPolicy, ballots: Sequence[Ballot]) -> list[Outcome]:
    """Read, decide and write `ballots` in the connection's open transaction."""
    user_ids = sorted({b.user_id for b in ballots})
    voters = {row.id: row for row in await conn.execute(VOTER_CONTEXTS, {"user_ids": user_ids})}
    images: dict[int, Any] = {}
    existing: dict[tuple[int, int], tuple[int, int]] = {}
    image_ids = sorted({b.image_id for b in ballots})
    for row in await conn.execute(IMAGES_AND_VOTES, {"user_ids": user_ids, "image_ids": image_ids}):
        images.setdefault(row.id, row)
        if row.vote_id is not None:
            existing[(row.id, row.vote_user_id)] = (row.vote_id, row.vote_value)
    outcomes, plan = plan_votes(ballots, voters, images, existing, policy)
    if plan.deletes:
        await conn.execute(DELETE_VOTES, {"vote_ids": plan.deletes})
    if plan.upserts:
        await conn.execute(UPSERTS["sqlite" if conn.dialect.name == "sqlite" else "mysql"], list(plan.upserts.values()))
    if plan.events:
        await conn.execute(INSERT_EVENTS, plan.events)
    if plan.counts:
        await conn.execute(*count_changes(plan.counts))
    return outcomes


class VoteWriter:
    """This process's vote queue: one writer commits whatever has queued up as one batch."""

    def __init__(self, engine: AsyncEngine, policy: RoomPolicy, max_batch: int = MAX_BATCH) -> None:
        self.engine = engine
        self.policy = policy
        self.max_batch = max_batch
        self._queue: asyncio.Queue[tuple[Ballot, asyncio.Future[Outcome]]] = asyncio.Queue()
        self._task: asyncio.Task | None = None

    async def cast(self, user_id: int, image_id: int, value: str, outbox: Outbox, rooms: Collection[str] | None = None) -> dict[str, Any]:
        """Record a vote (`up`, `down`, `none` to take it back) once its batch has committed and
        return the tally after it; a refused vote raises its DomainError."""
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((Ballot(user_id, image_id, VALUES[value], rooms), future))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())
        outcome = await asyncio.shield(future)
        if outcome.error is not None:
            raise outcome.error
        if outcome.changed and outcome.room_slug:
            outbox.tally_changed(outcome.room_slug, image_id)
        assert outcome.tally is not None
        return outcome.tally

    async def _run(self) -> None:
        while not self._queue.empty():
            batch = [self._queue.get_nowait() for _ in range(min(self.max_batch, self._queue.qsize()))]
            if not await self._settle(batch):
                # One vote the database refuses must not sink the others: one by one.
                log.warning("a batch of %d votes failed; writing them one by one", len(batch))
                for item in batch:
                    await self._settle([item])

    async def _settle(self, batch: list[tuple[Ballot, asyncio.Future[Outcome]]]) -> bool:
        """Commit a batch and answer each of its votes. False, with nobody answered, when a
        batch of several failed on something other than the connection (a vote of it)."""
        try:
            outcomes = await self._commit([ballot for ballot, _ in batch])
        except Exception as exc:
            connection = isinstance(exc, (OperationalError, InterfaceError)) or getattr(exc, "connection_invalidated", False)
            if len(batch) > 1 and not connection:
                return False
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return True
        for (_, future), outcome in zip(batch, outcomes):
            if not future.done():
                future.set_result(outcome)
        return True

    async def _commit(self, ballots: list[Ballot]) -> list[Outcome]:
        async with self.engine.connect() as conn:
            for attempt in range(3):
                try:
                    async with conn.begin():
                        return await write_batch(conn, self.policy, ballots)
                except OperationalError as exc:
                    # The database chose this transaction as a deadlock victim: again.
                    if attempt == 2 or not is_deadlock(exc):
                        raise
                    log.info("vote batch of %d was a deadlock victim; retrying", len(ballots))
        raise AssertionError("unreachable")

    async def close(self) -> None:
        """Let the votes already queued be written."""
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
