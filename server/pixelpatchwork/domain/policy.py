"""The rules of a room that come from settings and the generator: quotas, entries, voting,
the winner rule and the daily schedule."""

from __future__ import annotations

import hashlib
import hmac
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
    self_votes: bool = False
    votes_during_generate: bool = False
    sealed_voting: str = "auto"  # auto: sealed in facilitated rooms, open in daily rooms
    winner_rule: str = "net"
    salt_secret: str = ""
    daily_timezone: str = "UTC"
    daily_vote_at: str = "18:00"
    daily_close_at: str = "23:00"

    def generator_view(self) -> dict:
        return {"provider": self.provider, "model": self.model, "offline": self.provider == "offline"}

    def sealed(self, room_mode: str, phase: str) -> bool:
        """Whether tallies are hidden now: sealed rooms reveal them when voting ends."""
        if phase not in ("lobby", "generate", "vote"):
            return False
        if self.sealed_voting == "auto":
            return room_mode == "facilitated"
        return self.sealed_voting == "on"

    def voting_phases(self) -> tuple[str, ...]:
        return ("generate", "vote") if self.votes_during_generate else ("vote",)

    def gallery_salt(self, round_id: int, user_id: int | None) -> str:
        """A per-participant, per-round key that fixes their random gallery order."""
        message = f"gallery:{round_id}:{user_id if user_id is not None else 'spectator'}".encode()
        return hmac.new(self.salt_secret.encode(), message, hashlib.sha256).hexdigest()[:16]
