"""The rules of a room that come from settings and the generator: quotas, entries, context."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RoomPolicy:
    generations_per_round: int
    entries_per_round: int
    room_generations_per_minute: int
    entry_selection: bool
    provider: str
    model: str | None
    needs_context: bool

    def generator_view(self) -> dict:
        return {"provider": self.provider, "model": self.model, "offline": self.provider == "offline"}
