"""The daily schedule, when voting is sealed, gallery salts and the vote rate limiter."""

from __future__ import annotations

from datetime import datetime

from pixelpatchwork.domain.policy import RoomPolicy
from pixelpatchwork.domain.schedule import daily_deadline, next_local_time
from pixelpatchwork.ratelimit import RateLimiter


def policy(**overrides: object) -> RoomPolicy:
    values: dict[str, object] = dict(
        generations_per_round=5, entries_per_round=1, room_generations_per_minute=60, entry_selection=True,
        provider="offline", model=None, needs_context=False, salt_secret="s",
    )
    values.update(overrides)
    return RoomPolicy(**values)  # type: ignore[arg-type]


def test_next_local_time_same_day_and_next_day() -> None:
    # 10:00 UTC is 11:00 in Berlin in winter: 18:00 Berlin is 17:00 UTC the same day.
    assert next_local_time(datetime(2026, 1, 15, 10, 0), "18:00", "Europe/Berlin") == datetime(2026, 1, 15, 17, 0)
    # After 18:00 local, the next one is tomorrow.
    assert next_local_time(datetime(2026, 1, 15, 17, 30), "18:00", "Europe/Berlin") == datetime(2026, 1, 16, 17, 0)


def test_next_local_time_follows_daylight_saving() -> None:
    # Berlin moves to summer time on 2026-03-29: 18:00 local is 16:00 UTC from then on.
    assert next_local_time(datetime(2026, 3, 28, 18, 0), "18:00", "Europe/Berlin") == datetime(2026, 3, 29, 16, 0)


def test_a_local_time_inside_the_spring_gap_lands_on_a_real_instant() -> None:
    # 02:30 does not exist in Berlin on 2026-03-29; the deadline still falls on that day.
    moment = next_local_time(datetime(2026, 3, 29, 0, 0), "02:30", "Europe/Berlin")
    assert datetime(2026, 3, 29, 0, 0) < moment < datetime(2026, 3, 29, 2, 0)


def test_daily_deadlines_per_phase() -> None:
    now = datetime(2026, 6, 1, 12, 0)
    assert daily_deadline("generate", now, "UTC", "18:00", "23:00") == datetime(2026, 6, 1, 18, 0)
    assert daily_deadline("vote", now, "UTC", "18:00", "23:00") == datetime(2026, 6, 1, 23, 0)
    assert daily_deadline("reveal", now, "UTC", "18:00", "23:00") is None


def test_sealed_voting_modes() -> None:
    assert policy().sealed("facilitated", "vote") and not policy().sealed("daily", "vote")
    assert not policy().sealed("facilitated", "reveal") and not policy().sealed("facilitated", "closed")
    assert policy(sealed_voting="on").sealed("daily", "generate")
    assert not policy(sealed_voting="off").sealed("facilitated", "vote")


def test_voting_phases_setting() -> None:
    assert policy().voting_phases() == ("vote",)
    assert policy(votes_during_generate=True).voting_phases() == ("generate", "vote")


def test_gallery_salt_is_fixed_per_participant_and_round() -> None:
    p = policy()
    assert p.gallery_salt(1, 7) == p.gallery_salt(1, 7)
    assert p.gallery_salt(1, 7) != p.gallery_salt(1, 8)
    assert p.gallery_salt(1, 7) != p.gallery_salt(2, 7)
    assert policy(salt_secret="other").gallery_salt(1, 7) != p.gallery_salt(1, 7)


def test_rate_limiter_allows_a_burst_then_refills() -> None:
    limiter = RateLimiter(per_second=2, burst=3)
    assert [limiter.allow("a", now=0.0) for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("b", now=0.0), "keys are independent"
    assert not limiter.allow("a", now=0.2)
    assert limiter.allow("a", now=0.6)  # 0.6 s x 2/s refilled one token
