"""A batch of votes decides exactly what the same votes would, one transaction each, in order."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from sqlalchemy.exc import DataError

from pixelpatchwork.domain.events import Outbox
from pixelpatchwork.domain.policy import RoomPolicy
from pixelpatchwork.domain.votes import Ballot, Outcome, VoteWriter, plan_votes

POLICY = RoomPolicy(
    generations_per_round=5, entries_per_round=1, room_generations_per_minute=10, entry_selection=False,
    provider="offline", model="offline", needs_context=False, sealed_voting="off",
)
ROOM_ID, ROUND_ID = 10, 3


def voter(user_id: int, phase: str = "vote", slug: str = "main") -> SimpleNamespace:
    return SimpleNamespace(
        id=user_id, room_id=ROOM_ID, slug=slug, mode="facilitated", requires_approval=False, round_id=ROUND_ID, phase=phase
    )


def image(image_id: int, author_id: int = 99, up: int = 0, down: int = 0, seq: int = 0) -> SimpleNamespace:
    return SimpleNamespace(
        id=image_id, room_id=ROOM_ID, round_id=ROUND_ID, kind="edit", status="done", entered=True, hidden=False,
        approved=False, author_id=author_id, up_count=up, down_count=down, tally_seq=seq,
    )


def counts(outcome) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    return outcome.tally["up"], outcome.tally["down"], outcome.tally["seq"]


def test_one_persons_votes_on_one_image_apply_in_order() -> None:
    ballots = [Ballot(1, 5, 1), Ballot(1, 5, -1), Ballot(1, 5, 0)]
    outcomes, plan = plan_votes(ballots, {1: voter(1)}, {5: image(5, up=2, down=1, seq=7)}, {}, POLICY)
    assert [counts(o) for o in outcomes] == [(3, 1, 8), (2, 2, 9), (2, 1, 10)]
    assert all(o.changed and o.room_slug == "main" for o in outcomes)
    # It ends withdrawn and was never stored: nothing to write but the history and the seq.
    assert plan.upserts == {} and plan.deletes == []
    assert [e["value"] for e in plan.events] == [1, -1, 0]
    assert plan.counts == {5: [0, 0, 3]}


def test_a_stored_vote_changed_is_upserted_and_a_withdrawn_one_deleted() -> None:
    existing = {(5, 1): (100, 1), (6, 1): (101, -1)}
    ballots = [Ballot(1, 5, -1), Ballot(1, 6, 0)]
    images = {5: image(5, up=1, seq=1), 6: image(6, down=1, seq=1)}
    outcomes, plan = plan_votes(ballots, {1: voter(1)}, images, existing, POLICY)
    assert [counts(o) for o in outcomes] == [(0, 1, 2), (0, 0, 2)]
    assert list(plan.upserts) == [(5, 1)] and plan.upserts[(5, 1)]["value"] == -1
    assert plan.deletes == [101]
    assert plan.counts == {5: [-1, 1, 1], 6: [0, -1, 1]}


def test_withdrawn_and_cast_again_in_one_batch_keeps_the_row() -> None:
    outcomes, plan = plan_votes([Ballot(1, 5, 0), Ballot(1, 5, 1)], {1: voter(1)}, {5: image(5, up=1, seq=4)}, {(5, 1): (100, 1)}, POLICY)
    assert [counts(o) for o in outcomes] == [(0, 0, 5), (1, 0, 6)]
    assert plan.deletes == [] and plan.upserts[(5, 1)]["value"] == 1
    assert plan.counts == {5: [0, 0, 2]}


def test_a_refused_vote_changes_nothing_and_leaves_the_others_alone() -> None:
    ballots = [Ballot(1, 5, 1), Ballot(2, 5, 1), Ballot(3, 5, 1), Ballot(1, 404, 1), Ballot(4, 5, 1)]
    voters = {1: voter(1), 2: voter(2), 4: voter(4, slug="other")}
    ballots[4].rooms = ["main"]
    outcomes, plan = plan_votes(ballots, voters, {5: image(5, author_id=2)}, {}, POLICY)
    assert counts(outcomes[0]) == (1, 0, 1)
    assert [o.error.code for o in outcomes[1:]] == ["own_image", "not_joined", "image_not_found", "not_in_room"]  # type: ignore[union-attr]
    assert plan.counts == {5: [1, 0, 1]} and len(plan.events) == 1 and list(plan.upserts) == [(5, 1)]


def test_the_same_value_again_is_answered_but_not_written() -> None:
    outcomes, plan = plan_votes([Ballot(1, 5, 1)], {1: voter(1)}, {5: image(5, up=1, seq=3)}, {(5, 1): (100, 1)}, POLICY)
    assert counts(outcomes[0]) == (1, 0, 3) and not outcomes[0].changed
    assert plan.events == [] and plan.counts == {} and plan.upserts == {} and plan.deletes == []


def test_votes_outside_the_vote_phase_are_refused() -> None:
    outcomes, plan = plan_votes([Ballot(1, 5, 1)], {1: voter(1, phase="reveal")}, {5: image(5)}, {}, POLICY)
    assert outcomes[0].error is not None and outcomes[0].error.code == "wrong_phase"
    assert plan.events == []


async def test_a_vote_the_database_refuses_does_not_sink_its_batch() -> None:
    class Writer(VoteWriter):
        async def _commit(self, ballots: list[Ballot]) -> list[Outcome]:  # type: ignore[override]
            commits.append([b.image_id for b in ballots])
            if any(b.image_id == 13 for b in ballots):
                raise DataError("UPDATE images ...", {}, Exception("out of range value"))
            return [Outcome(tally={"image_id": b.image_id}, room_slug="main", changed=True) for b in ballots]

    commits: list[list[int]] = []
    writer = Writer(engine=None, policy=POLICY)  # type: ignore[arg-type]
    results = await asyncio.gather(*(writer.cast(1, i, "up", Outbox()) for i in (5, 13, 6)), return_exceptions=True)
    assert commits == [[5, 13, 6], [5], [13], [6]], "the batch failed, then each vote went alone"
    assert results[0] == {"image_id": 5} and results[2] == {"image_id": 6}
    assert isinstance(results[1], DataError)
