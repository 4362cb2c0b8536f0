"""The daily schedule: deadlines at local clock times in the room's time zone."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo


def next_local_time(now_utc: datetime, clock: str, zone: str) -> datetime:
    """The first moment after `now_utc` (naive UTC) when the local clock in `zone` shows
    `clock` (HH:MM); returned as naive UTC. Days on which that local time does not exist
    (a spring-forward gap) use the moment the clocks jump to."""
    tz = ZoneInfo(zone)
    hours, minutes = (int(part) for part in clock.split(":"))
    local_now = now_utc.replace(tzinfo=timezone.utc).astimezone(tz)
    day = local_now.date()
    for offset in range(0, 3):
        candidate = datetime.combine(day + timedelta(days=offset), time(hours, minutes), tzinfo=tz)
        # Normalise through UTC so a time inside a DST gap lands on a real instant.
        as_utc = candidate.astimezone(timezone.utc)
        if as_utc > now_utc.replace(tzinfo=timezone.utc):
            return as_utc.replace(tzinfo=None)
    raise AssertionError("unreachable: a clock time recurs within two days")


def daily_deadline(phase: str, now_utc: datetime, zone: str, vote_at: str, close_at: str) -> datetime | None:
    """When a daily room's round leaves `phase`: generate ends at `vote_at`, vote at `close_at`."""
    if phase == "generate":
        return next_local_time(now_utc, vote_at, zone)
    if phase == "vote":
        return next_local_time(now_utc, close_at, zone)
    return None
