"""The "AI or human?" game on the socket: guesses, their coalesced count, and the game's clock.

A guess is acknowledged to the guesser at once; the room hears how many guesses an item has
in one `game:guesses` event per room and TALLY_WINDOW_MS (the count is read from the
database, so it is right whichever process stored the guess; with several processes each
sends at most one per window). The clock reveals an item once its deadline and the grace
for guesses in flight have passed; the conditional update makes each reveal happen once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..db.models import Room
from ..domain import game
from ..domain.errors import DomainError
from ..domain.events import Outbox
from ..services import Services
from .broadcast import channel

log = logging.getLogger(__name__)

Emit = Callable[[str, dict[str, Any], str], Awaitable[None]]


class GuessCounts:
    """Sends each room's guess count once per window after guesses arrived."""

    def __init__(self, services: Services, emit: Emit) -> None:
        self.services = services
        self._emit = emit
        self._pending: dict[str, asyncio.Task] = {}

    def changed(self, room_slug: str) -> None:
        if room_slug not in self._pending:
            self._pending[room_slug] = asyncio.create_task(self._send_later(room_slug))

    async def _send_later(self, room_slug: str) -> None:
        try:
            await asyncio.sleep(self.services.settings.tally_window_ms / 1000.0)
        finally:
            self._pending.pop(room_slug, None)
        try:
            async with self.services.sessionmaker() as db:
                room = await db.scalar(select(Room).where(Room.slug == room_slug))
                item = await game.active_item(db, room.id) if room is not None else None
                if room is None or item is None:
                    return
                payload = {"room": room_slug, "version": room.version, "item_id": item.id, "guesses": await game.guess_count(db, item.id)}
            await self._emit("game:guesses", payload, channel(room_slug))
        except Exception:
            log.exception("sending the guess count of %s failed", room_slug)


async def cast(services: Services, counts: GuessCounts, user_id: int | None, joined: list[str], data: dict[str, Any]) -> dict[str, Any]:
    """The `guess:cast` event of a connection whose participant is `user_id`."""
    if not user_id:
        raise DomainError(401, "not_joined", "join the room with a nickname before guessing")
    if data["room"] not in joined:
        raise DomainError(409, "not_in_room", "join the room before guessing")
    services.vote_limiter.check(user_id, "guesses")  # one bucket per participant with their votes
    async with services.sessionmaker() as db:
        ack = await game.cast_guess(db, user_id, data["room"], data["item_id"], data["guess"])
    counts.changed(data["room"])
    return ack


async def game_clock(services: Services) -> None:
    """Reveal items whose time is up. Every process runs this; each reveal happens once."""

    async def reveal(db: AsyncSession, due: tuple, outbox: Outbox) -> None:
        room, item_id = due
        await game.reveal(db, services.storage, room, outbox, item_id=item_id)

    await services.every_tick("game clock", game.due_items, reveal)
