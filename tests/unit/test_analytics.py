"""Analytics of a room whose votes are known (tests/research_room.py): every expected figure
below is worked out by hand from that room's table, not from the code under test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from pixelpatchwork.db.engine import make_engine, make_sessionmaker
from pixelpatchwork.db.models import Room, Round
from pixelpatchwork.domain import analytics
from pixelpatchwork.domain.analytics import RoomData, RoundRow, compute, load_room_data
from pixelpatchwork.domain.clock import to_ms
from pixelpatchwork.storage.local import LocalStorage
from tests import research_room
from tests.research_room import T0


@pytest.fixture
async def study(make_settings) -> AsyncIterator:  # type: ignore[no-untyped-def]
    settings = make_settings()
    engine = make_engine(settings)
    sessionmaker = make_sessionmaker(engine)
    assert settings.media_dir is not None
    storage = LocalStorage(settings.media_dir)
    await storage.start()
    built = await research_room.build(sessionmaker, storage)
    yield sessionmaker, storage, built
    await engine.dispose()


async def figures(sessionmaker, built, rule: str = "net") -> dict:  # type: ignore[no-untyped-def]
    async with sessionmaker() as db:
        room = await db.get(Room, built.room_id)
        return compute(await load_room_data(db, room, rule))


def by_nickname(rows: list[dict]) -> dict[str, dict]:
    return {row["nickname"]: row for row in rows}


async def test_agreement_of_each_voter_with_the_final_ranking(study) -> None:  # type: ignore[no-untyped-def]
    sessionmaker, _storage, built = study
    result = (await figures(sessionmaker, built))["agreement"]
    voters = by_nickname(result["voters"])
    # Round 3 is still being voted on, and zed's vote is hidden: neither counts.
    assert set(voters) == {"Ada", "Bob", "Cy", "Dee", "Eve"}
    assert result["rounds"] == 2
    expected = {
        # name: (votes, counted, agree, counted_others, agree_others)
        "Ada": (4, 3, 2, 3, 0),
        "Bob": (3, 3, 2, 3, 2),
        "Cy": (3, 2, 2, 1, 1),
        "Dee": (5, 4, 3, 3, 2),
        "Eve": (1, 1, 0, 1, 0),
    }
    for name, (votes, counted, agree, counted_others, agree_others) in expected.items():
        row = voters[name]
        assert (row["votes"], row["counted"], row["agree"], row["counted_others"], row["agree_others"]) == (
            votes, counted, agree, counted_others, agree_others,
        ), name
    assert voters["Ada"]["agreement"] == pytest.approx(2 / 3, abs=1e-4)
    assert voters["Ada"]["agreement_others"] == 0.0
    assert voters["Dee"]["agreement"] == 0.75
    assert voters["Cy"]["agreement"] == 1.0
    assert voters["Eve"]["rounds"] == 1 and voters["Dee"]["rounds"] == 2
    # Histogram bins of a tenth: Eve 0 -> bin 0; Ada, Bob 2/3 -> bin 6; Dee .75 -> 7; Cy 1 -> 9 (last bin is closed).
    assert [b["voters"] for b in result["histogram"]] == [1, 0, 0, 0, 0, 0, 2, 1, 0, 1]
    # Leave-one-out: Ada 0, Eve 0, Bob and Dee 2/3, Cy 1.
    assert [b["voters_others"] for b in result["histogram"]] == [2, 0, 0, 0, 0, 0, 2, 0, 0, 1]
    assert result["summary"]["agreement"]["voters"] == 5
    assert result["summary"]["agreement"]["median"] == pytest.approx(2 / 3, abs=1e-4)
    assert result["summary"]["agreement"]["mean"] == pytest.approx((2 / 3 + 2 / 3 + 1 + 0.75 + 0) / 5, abs=1e-4)


async def test_how_often_the_winner_was_a_majority_choice(study) -> None:  # type: ignore[no-untyped-def]
    sessionmaker, _storage, built = study
    majority = (await figures(sessionmaker, built))["agreement"]["winner_majority"]
    rounds = {r["round"]: r for r in majority["rounds"]}
    # Round 1: E1 (Ada's) up-voted by all three other voters. Round 2: F2 (Cy's) up-voted by
    # Ada and Dee of the four other voters (Ada, Bob, Dee, Eve): half is not a majority.
    assert (rounds[1]["up_voters"], rounds[1]["voters"], rounds[1]["majority"]) == (3, 3, True)
    assert (rounds[2]["up_voters"], rounds[2]["voters"], rounds[2]["majority"]) == (2, 4, False)
    assert rounds[2]["share"] == 0.5
    assert (majority["rounds_with_winner"], majority["majority"], majority["share"]) == (2, 1, 0.5)


async def test_vote_distribution_and_votes_over_time(study) -> None:  # type: ignore[no-untyped-def]
    sessionmaker, _storage, built = study
    votes = (await figures(sessionmaker, built))["votes"]
    # Entries: E1 3, E2 1, E3 -1, F1 0, F2 1, G1 1 (E4 failed, E5 never entered).
    assert votes["entries"] == 6
    assert votes["net_histogram"] == [
        {"score": -1, "images": 1}, {"score": 0, "images": 1}, {"score": 1, "images": 3}, {"score": 2, "images": 0}, {"score": 3, "images": 1},
    ]
    assert votes["count_histogram"] == [
        {"votes": 0, "up": 0, "down": 2}, {"votes": 1, "up": 2, "down": 2}, {"votes": 2, "up": 3, "down": 2}, {"votes": 3, "up": 1, "down": 0},
    ]
    assert votes["votes"] == 17
    people = by_nickname(votes["per_participant"])
    assert (people["Ada"]["votes"], people["Ada"]["up"], people["Ada"]["down"]) == (5, 4, 1)
    assert (people["Dee"]["votes"], people["Dee"]["up"], people["Dee"]["down"]) == (5, 3, 2)
    assert (people["Eve"]["votes"], people["Eve"]["up"]) == (1, 1)
    assert "Zed" not in people
    assert [row["nickname"] for row in votes["per_participant"]][:2] == ["Ada", "Dee"]  # most votes first, then by id

    over_time = votes["over_time"]
    assert over_time["bin_s"] == 1  # the longest span is 18 s
    series = {s["round"]: s for s in over_time["rounds"]}
    assert set(series) == {1, 2, 3}
    first = series[1]
    assert first["origin"] == "vote_opened" and first["events"] == 12  # 9 standing votes + 3 changes; zed's excluded
    assert first["points"][0] == {"t_s": 3, "events": 1, "cumulative": 1}
    assert {"t_s": 7, "events": 1, "cumulative": 3} in first["points"]
    assert {"t_s": 5, "events": 0, "cumulative": 2} in first["points"]
    assert first["points"][-1] == {"t_s": 18, "events": 1, "cumulative": 12}
    assert [p["cumulative"] for p in series[2]["points"]] == [1, 2, 3, 4, 5, 6, 7]
    assert series[2]["points"][0]["t_s"] == 10


async def test_votes_over_time_counts_from_the_first_vote_when_the_opening_is_unknown(study) -> None:  # type: ignore[no-untyped-def]
    sessionmaker, _storage, built = study
    async with sessionmaker() as db:
        round_ = await db.get(Round, built.rounds[2])
        round_.vote_started_at = None
        await db.commit()
    series = {s["round"]: s for s in (await figures(sessionmaker, built))["votes"]["over_time"]["rounds"]}
    assert series[2]["origin"] == "first_vote"
    assert series[2]["points"][0] == {"t_s": 0, "events": 1, "cumulative": 1}
    assert series[2]["points"][-1]["t_s"] == 6


async def test_participation_per_round(study) -> None:  # type: ignore[no-untyped-def]
    sessionmaker, _storage, built = study
    rows = {row["round"]: row for row in (await figures(sessionmaker, built))["participation"]}
    assert rows[1] | {"mean_generation_s": None} == {
        "round": 1, "phase": "closed", "participants": 4, "submitters": 4, "submissions": 5, "entries": 3,
        "failures": 1, "voters": 4, "votes": 9, "vote_events": 12, "mean_generation_s": None,
    }
    # Done edits of round 1 took 2.0, 2.5, 3.0 and 4.0 s (E4, the fourth, failed): mean 2.875 s.
    assert rows[1]["mean_generation_s"] == pytest.approx(2.875, abs=0.006)
    assert (rows[2]["participants"], rows[2]["submissions"], rows[2]["voters"], rows[2]["votes"], rows[2]["failures"]) == (5, 2, 5, 7, 0)
    assert (rows[3]["participants"], rows[3]["submissions"], rows[3]["voters"], rows[3]["votes"], rows[3]["phase"]) == (2, 1, 1, 1, "vote")


async def test_prompt_words_and_length_and_mask_area_against_score(study) -> None:  # type: ignore[no-untyped-def]
    sessionmaker, _storage, built = study
    prompts = (await figures(sessionmaker, built))["prompts"]
    assert (prompts["prompts"], prompts["winning_prompts"]) == (8, 2)
    words = {w["word"]: w for w in prompts["words"]}
    assert (words["red"]["all"], words["red"]["all_share"], words["red"]["winners"], words["red"]["winners_share"]) == (3, 0.375, 2, 1.0)
    assert (words["kite"]["all"], words["kite"]["winners"]) == (3, 2)
    assert (words["dragon"]["all"], words["dragon"]["winners_share"]) == (2, 0.5)
    assert "kite-surfing" in words and "cat" in words
    assert "a" not in words and "the" not in words  # stop words
    assert [w["word"] for w in prompts["words"]][:2] == ["kite", "red"]  # most frequent first, ties by winners then word
    # Entries of finished votes: E1 E2 E3 F1 F2 (G1's round is still open).
    entries = {e["id"]: e for e in prompts["entries"]}
    assert set(entries) == {built.images[n] for n in ("E1", "E2", "E3", "F1", "F2")}
    e1 = entries[built.images["E1"]]
    assert (e1["words"], e1["chars"], e1["mask_area"], e1["score"], e1["winner"]) == (6, 25, 0.1, 3, True)
    # Spearman by hand: words [6,3,2,3,4] vs scores [3,1,-1,0,1] -> 8.75 / 9.5; mask area
    # [.10,.20,.30,.05,.15] vs the same scores -> -3.5 / sqrt(95).
    assert prompts["correlations"]["words_score"] == pytest.approx(8.75 / 9.5, abs=1e-4)
    assert prompts["correlations"]["mask_area_score"] == pytest.approx(-3.5 / 95**0.5, abs=1e-4)


async def test_lineage_summary(study) -> None:  # type: ignore[no-untyped-def]
    sessionmaker, _storage, built = study
    lineage = {row["round"]: row for row in (await figures(sessionmaker, built))["lineage"]}
    assert lineage[1]["outcome"] == "winner" and lineage[1]["winner"]["id"] == built.images["E1"]
    assert lineage[1]["winner"]["author"] == "Ada" and lineage[1]["winner"]["score"] == 3 and lineage[1]["entries"] == 3
    assert lineage[2]["seed_id"] == built.images["E1"] and lineage[2]["winner"]["prompt"] == "a red dragon kite"
    assert lineage[3]["outcome"] == "open" and lineage[3]["winner"] is None
    assert lineage[1]["vote_started_at"] == to_ms(T0) and lineage[3]["closed_at"] is None


async def test_the_wilson_rule_ranks_by_the_lower_bound(study) -> None:  # type: ignore[no-untyped-def]
    sessionmaker, _storage, built = study
    result = (await figures(sessionmaker, built, rule="wilson"))["agreement"]
    voters = by_nickname(result["voters"])
    # Round 1 by Wilson: E1 3/0 .4385 > E2 2/1 .2077 > E3 1/2 .0615: the same sides as by net
    # score. Round 2: F1 2/2 .15 < F2 2/1 .2077: the same too, so agreement is unchanged.
    assert result["rule"] == "wilson"
    assert (voters["Dee"]["counted"], voters["Dee"]["agree"]) == (4, 3)
    # Leave-one-out differs: without Cy, F1 is 2/1 and F2 2/1 (equal), so Cy has nothing counted in round 2.
    assert voters["Cy"]["counted_others"] == 1


async def test_an_empty_room_gives_empty_figures_with_notes(make_settings) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings()
    engine = make_engine(settings)
    try:
        async with make_sessionmaker(engine)() as db:
            room = Room(slug="empty", name="Empty", version=1, created_at=T0)
            db.add(room)
            await db.commit()
            result = compute(await load_room_data(db, room, "net"))
    finally:
        await engine.dispose()
    assert {note["code"] for note in result["notes"]} == {"no_rounds", "no_votes"}
    assert result["lineage"] == [] and result["participation"] == []
    assert result["votes"]["net_histogram"] == [] and result["votes"]["over_time"]["rounds"] == []
    assert result["agreement"]["voters"] == [] and result["agreement"]["winner_majority"]["share"] is None
    assert result["prompts"]["words"] == [] and result["prompts"]["correlations"]["words_score"] is None


def test_a_round_without_a_final_ranking_is_noted() -> None:
    data = RoomData(rounds=[RoundRow(1, 1, "generate", 1, None, T0, None, None)])
    codes = {note["code"] for note in compute(data)["notes"]}
    assert codes == {"no_submissions", "no_votes", "no_final_rounds"}


def test_ranks_and_spearman() -> None:
    assert analytics.ranks([10, 20, 20, 5]) == [2.0, 3.5, 3.5, 1.0]
    assert analytics.spearman([1, 2, 3, 4], [10, 20, 30, 40]) == 1.0
    assert analytics.spearman([1, 2, 3, 4], [4, 3, 2, 1]) == -1.0
    assert analytics.spearman([1, 2, 3], [5, 5, 5]) is None  # no variation
    assert analytics.spearman([1, 2], [1, 2]) is None  # too few pairs


def test_time_bins_and_words() -> None:
    assert analytics.time_bin_width(0) == 1
    assert analytics.time_bin_width(60) == 1
    assert analytics.time_bin_width(61) == 2
    assert analytics.time_bin_width(3600) == 60
    assert analytics.words_of("Ein roter Drache über dem Meer, 3 Möwen & the sea-side!") == ["roter", "drache", "meer", "möwen", "sea-side"]


async def test_votes_of_removed_participants_are_left_out(study) -> None:  # type: ignore[no-untyped-def]
    sessionmaker, _storage, built = study
    async with sessionmaker() as db:
        room = await db.get(Room, built.room_id)
        data = await load_room_data(db, room, "net")
        rounds = list(await db.scalars(select(Round).where(Round.room_id == built.room_id)))
    assert len(rounds) == 3
    assert all(vote.user_id != built.users["zed"] for vote in data.votes)
    assert all(event.user_id != built.users["zed"] for event in data.events)
