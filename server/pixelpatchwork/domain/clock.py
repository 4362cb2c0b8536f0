"""Time in one convention: naive UTC datetimes in the database, epoch milliseconds on the wire."""

from __future__ import annotations

from datetime import datetime, timezone


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def to_ms(moment: datetime | None) -> float | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc).timestamp() * 1000.0
