"""Token buckets per key (a participant), kept in the process: a flood from one participant
is refused with a clear error while normal voting never notices."""

from __future__ import annotations

import time
from collections import OrderedDict

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

    def check(self, key: object, what: str) -> None:
        if not self.allow(key):
            raise DomainError(429, "rate_limited", f"you are sending {what} too fast; wait a moment and try again")
