"""Who may vote on what, and when."""

from __future__ import annotations

import pytest

from pixelpatchwork.db.models import Image, User
from pixelpatchwork.domain.errors import DomainError
from pixelpatchwork.domain.votes import check_vote_allowed

VOTER = User(id=1, room_id=10, nickname="Ada", nickname_key="ada")


def image(**overrides: object) -> Image:
    values: dict[str, object] = {"id": 5, "room_id": 10, "round_id": 3, "author_id": 2, "kind": "edit", "status": "done", "entered": True}
    values.update(overrides)
    return Image(**values)


def refused(**kwargs: object) -> DomainError:
    with pytest.raises(DomainError) as caught:
        check_vote_allowed(**kwargs)  # type: ignore[arg-type]
    return caught.value


def test_a_finished_edit_of_someone_else_in_the_vote_phase_is_votable() -> None:
    check_vote_allowed(phase="vote", image=image(), round_id=3, voter=VOTER)


def test_own_image_is_refused() -> None:
    assert refused(phase="vote", image=image(author_id=1), round_id=3, voter=VOTER).code == "own_image"


@pytest.mark.parametrize("phase", ["lobby", "generate", "reveal", "closed"])
def test_outside_the_vote_phase_is_refused(phase: str) -> None:
    assert refused(phase=phase, image=image(), round_id=3, voter=VOTER).code == "wrong_phase"


def test_another_rooms_image_looks_unknown() -> None:
    error = refused(phase="vote", image=image(room_id=11), round_id=3, voter=VOTER)
    assert error.status == 404 and error.code == "image_not_found"


def test_seed_images_are_not_votable() -> None:
    assert refused(phase="vote", image=image(kind="seed"), round_id=3, voter=VOTER).code == "image_not_found"


def test_earlier_rounds_and_unfinished_images_are_refused() -> None:
    assert refused(phase="vote", image=image(round_id=2), round_id=3, voter=VOTER).code == "not_votable"
    assert refused(phase="vote", image=image(status="generating"), round_id=3, voter=VOTER).code == "not_votable"


def test_attempts_that_were_not_entered_are_refused() -> None:
    assert refused(phase="vote", image=image(entered=False), round_id=3, voter=VOTER).code == "not_votable"
