"""The winner rule and the phase machine."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from pixelpatchwork.domain.errors import DomainError
from pixelpatchwork.domain.rounds import Entry, check_transition, pick_winner

T0 = datetime(2026, 1, 1, 12, 0, 0)


def entry(image_id: int, up: int, down: int, minutes: int = 0, status: str = "done", entered: bool = True) -> Entry:
    return Entry(image_id=image_id, status=status, entered=entered, up=up, down=down, created_at=T0 + timedelta(minutes=minutes))


def test_highest_net_score_wins() -> None:
    assert pick_winner([entry(1, 3, 1), entry(2, 5, 1), entry(3, 9, 8)]) == 2


def test_tie_on_score_goes_to_the_higher_wilson_bound() -> None:
    # 2 up of 2 is surer than 4 up of 6, though both nets are 2.
    assert pick_winner([entry(1, 4, 2), entry(2, 2, 0)]) == 2


def test_wilson_rule_prefers_broad_agreement_over_a_larger_net() -> None:
    mixed, liked = entry(1, 30, 20), entry(2, 8, 0)
    assert pick_winner([mixed, liked], "net") == 1
    assert pick_winner([mixed, liked], "wilson") == 2


def test_wilson_lower_bound_values() -> None:
    from pixelpatchwork.domain.views import wilson_lower_bound

    assert wilson_lower_bound(0, 0) == 0.0
    assert wilson_lower_bound(1, 0) == pytest.approx(0.2065, abs=1e-3)
    assert wilson_lower_bound(9, 1) == pytest.approx(0.5958, abs=1e-3)
    assert wilson_lower_bound(90, 10) > wilson_lower_bound(9, 1)


def test_tie_on_score_and_up_goes_to_earlier_submission() -> None:
    assert pick_winner([entry(1, 2, 0, minutes=5), entry(2, 2, 0, minutes=1)]) == 2


def test_full_tie_goes_to_lower_id() -> None:
    assert pick_winner([entry(7, 1, 0), entry(3, 1, 0)]) == 3


def test_negative_scores_never_win() -> None:
    assert pick_winner([entry(1, 0, 2), entry(2, 1, 3)]) is None


def test_zero_score_can_win_when_nobody_voted() -> None:
    assert pick_winner([entry(4, 0, 0, minutes=2), entry(5, 0, 0, minutes=1)]) == 5


def test_unfinished_and_failed_edits_cannot_win() -> None:
    assert pick_winner([entry(1, 9, 0, status="failed"), entry(2, 9, 0, status="generating"), entry(3, 0, 0)]) == 3


def test_attempts_that_were_not_entered_cannot_win() -> None:
    assert pick_winner([entry(1, 9, 0, entered=False), entry(2, 1, 0)]) == 2


def test_no_entries_no_winner() -> None:
    assert pick_winner([]) is None


@pytest.mark.parametrize(
    ("current", "to"),
    [("lobby", "generate"), ("generate", "vote"), ("vote", "reveal"), ("vote", "closed"), ("reveal", "closed")],
)
def test_allowed_transitions(current: str, to: str) -> None:
    check_transition(current, to)


@pytest.mark.parametrize(
    ("current", "to"),
    [("generate", "closed"), ("vote", "generate"), ("closed", "generate"), ("generate", "generate"), ("lobby", "vote"), ("vote", "banana")],
)
def test_refused_transitions(current: str, to: str) -> None:
    with pytest.raises(DomainError) as refused:
        check_transition(current, to)
    assert refused.value.status == 422 and refused.value.code == "invalid_transition"
