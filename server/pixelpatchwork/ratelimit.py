"""Token buckets per key (a participant, or a client address), kept in the process: a flood
from one participant or one network is refused with a clear error while normal use never
notices."""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass

from .domain.errors import DomainError


class RateLimiter:
    def __init__(self, per_second: float, burst: float | None = None, max_keys: int = 100_000) -> None:
        self.rate = per_second
        self.burst = burst if burst is not None else max(1.0, per_second * 2)
        self.max_keys = max_keys
        self._buckets: OrderedDict[object, tuple[float, float]] = OrderedDict()

    def allow(self, key: object, now: float | None = None) -> bool:
        """Take one token for `key`; False when its bucket is empty."""
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.pop(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        allowed = tokens >= 1.0
        self._buckets[key] = (tokens - 1.0 if allowed else tokens, now)
        if len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)  # forget the longest-idle participant
        return allowed

    def check(self, key: object, what: str, message: str | None = None) -> None:
        if not self.allow(key):
            raise DomainError(429, "rate_limited", message or f"you are sending {what} too fast; wait a moment and try again")


@dataclass
class AddressLimits:
    """Limits per client address, generous enough for a room behind one network address."""

    joins: RateLimiter
    generations: RateLimiter
    votes: RateLimiter

    @classmethod
    def per(cls, joins_per_minute: int, generations_per_minute: int, votes_per_second: float) -> "AddressLimits":
        return cls(
            joins=RateLimiter(joins_per_minute / 60.0, burst=float(joins_per_minute)),
            generations=RateLimiter(generations_per_minute / 60.0, burst=float(generations_per_minute)),
            votes=RateLimiter(votes_per_second),
        )

    def check(self, limiter: RateLimiter, address: str, what: str) -> None:
        limiter.check(address, what, f"too many {what} from your network address; wait a moment and try again")


def client_address(peer: str | None, forwarded_for: str | None, proxy_hops: int) -> str:
    """The client's address: the peer's, or with `proxy_hops` trusted proxies in front, the
    X-Forwarded-For entry the outermost of them added (entries before it can be forged)."""
    if proxy_hops and forwarded_for:
        entries = [entry.strip() for entry in forwarded_for.split(",") if entry.strip()]
        if len(entries) >= proxy_hops:
            return entries[-proxy_hops]
    return peer or "unknown"
