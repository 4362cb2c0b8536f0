"""Outcomes of domain operations that the transport publishes after the transaction commits."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Event:
    """One server event for a room: `name` is a key of shared/protocol.json's server_events."""

    room_slug: str
    name: str
    payload: dict[str, Any]


@dataclass
class Outbox:
    """Events collected during a transaction, sent only once it has committed."""

    events: list[Event] = field(default_factory=list)
    dirty_tallies: list[tuple[str, int]] = field(default_factory=list)

    def add(self, room_slug: str, name: str, payload: dict[str, Any]) -> None:
        self.events.append(Event(room_slug, name, {"room": room_slug, **payload}))

    def tally_changed(self, room_slug: str, image_id: int) -> None:
        self.dirty_tallies.append((room_slug, image_id))
