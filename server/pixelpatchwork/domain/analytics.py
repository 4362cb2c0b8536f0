"""Research analytics of one room: winners and lineage, vote distributions, how individual
voters agree with the crowd's ranking, participation per round, and prompts.

`load_room_data` reads what the figures need in a few queries (metadata only, never image
bytes); `compute` is a pure function of that data, so every figure can be checked against a
room whose votes are known. `analytics_view` puts both together for the HTTP route and adds
image URLs. The measures are explained on the analytics page and in docs/api.md.
"""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..db.models import Image, Room, Round, User, Vote, VoteEvent
from ..detector.room import load_scores
from ..storage import Storage
from .clock import to_ms, utcnow
from .game import analytics_section as game_analytics
from .views import in_the_vote, wilson_lower_bound

# Phases after which a round's ranking is final (its votes are sealed for good).
FINAL_PHASES = ("reveal", "closed")
# Width of the bars of the agreement histogram.
AGREEMENT_BINS = 10
# Candidate widths (seconds) of the time bins of "votes over time": the smallest that keeps
# the longest vote phase within MAX_TIME_BINS bins is used.
TIME_BIN_WIDTHS_S = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 21600, 43200, 86400)
MAX_TIME_BINS = 60
TOP_WORDS = 25
TOP_WINNER_WORDS = 10
# Frequent function words of the two languages the app speaks; they would crowd out the
# words that say what people asked for. The page names this list's purpose.
STOPWORDS = frozenset(
    """
    a an and are as at be but by for from has have her his in into is it its of on or our she
    so than that the their them then there these they this to was were with without while
    der die das den dem des ein eine einen einem einer eines und oder mit ohne im in am an auf
    aus bei für von vom zu zum zur ist sind war als wie auch nicht nur noch so über unter vor
    hinter neben zwischen durch um sein seine ihr ihre es er sie wir ich du
    """.split()
)
WORD_RE = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


@dataclass(frozen=True)
class RoundRow:
    id: int
    number: int
    phase: str
    seed_image_id: int
    winner_image_id: int | None
    created_at: datetime
    vote_started_at: datetime | None
    closed_at: datetime | None

    @property
    def final(self) -> bool:
        return self.phase in FINAL_PHASES


@dataclass(frozen=True)
class EditRow:
    id: int
    round_id: int | None
    author_id: int | None
    prompt: str
    status: str
    in_vote: bool
    mask_area: float | None
    up: int
    down: int
    created_at: datetime
    generation_ms: int | None = None
    thumb_key: str | None = None  # the thumbnail, else the full picture


@dataclass(frozen=True)
class VoteRow:
    image_id: int
    user_id: int
    value: int  # +1 or -1


@dataclass(frozen=True)
class EventRow:
    image_id: int
    user_id: int
    value: int  # +1, -1, or 0 (withdrawn)
    created_at: datetime


@dataclass(frozen=True)
class UserRow:
    id: int
    nickname: str
    removed: str | None = None


@dataclass
class RoomData:
    """Everything the analytics read about one room (votes of removed participants excluded,
    as in every tally)."""

    rounds: list[RoundRow] = field(default_factory=list)
    edits: list[EditRow] = field(default_factory=list)
    votes: list[VoteRow] = field(default_factory=list)
    events: list[EventRow] = field(default_factory=list)
    users: list[UserRow] = field(default_factory=list)
    winner_rule: str = "net"


async def load_room_data(session: AsyncSession, room: Room, winner_rule: str) -> RoomData:
    rounds = [
        RoundRow(r.id, r.number, r.phase, r.seed_image_id, r.winner_image_id, r.created_at, r.vote_started_at, r.closed_at)
        for r in await session.scalars(select(Round).where(Round.room_id == room.id).order_by(Round.number))
    ]
    edits = [
        EditRow(
            image.id, image.round_id, image.author_id, image.prompt, image.status, in_the_vote(image, room), image.mask_area,
            image.up_count, image.down_count, image.created_at, image.generation_ms, image.thumb_key or image.result_key,
        )
        for image in await session.scalars(
            select(Image).where(Image.room_id == room.id, Image.kind == "edit").order_by(Image.id)
        )
    ]
    votes = [
        VoteRow(image_id, user_id, value)
        for image_id, user_id, value in await session.execute(
            select(Vote.image_id, Vote.user_id, Vote.value)
            .join(Image, Vote.image_id == Image.id)
            .where(Image.room_id == room.id, Vote.hidden.is_(False))
            .order_by(Vote.id)
        )
    ]
    events = [
        EventRow(image_id, user_id, value, created_at)
        for image_id, user_id, value, created_at in await session.execute(
            select(VoteEvent.image_id, VoteEvent.user_id, VoteEvent.value, VoteEvent.created_at)
            .join(Image, VoteEvent.image_id == Image.id)
            .join(User, VoteEvent.user_id == User.id)
            .where(Image.room_id == room.id, User.removed.is_(None))
            .order_by(VoteEvent.id)
        )
    ]
    users = [
        UserRow(user.id, user.nickname, user.removed)
        for user in await session.scalars(select(User).where(User.room_id == room.id).order_by(User.id))
    ]
    return RoomData(rounds, edits, votes, events, users, winner_rule)


# --- small statistics -------------------------------------------------------------------


def ranks(values: Sequence[float]) -> list[float]:
    """1-based ranks with ties given their average rank."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    out = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            out[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return out


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    if len(xs) != len(ys) or len(xs) < 3:
        return None
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return sxy / math.sqrt(sxx * syy)


def spearman(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Spearman's rank correlation (Pearson's r of the ranks); None for fewer than 3 pairs or
    when either side does not vary."""
    if len(xs) != len(ys) or len(xs) < 3:
        return None
    value = pearson(ranks(xs), ranks(ys))
    return None if value is None else round(value, 4)


def words_of(prompt: str) -> list[str]:
    """The prompt's words, lower-cased, without digits, punctuation and stop words."""
    return [w for w in WORD_RE.findall(prompt.lower()) if len(w) > 1 and w not in STOPWORDS]


def time_bin_width(span_s: float) -> int:
    for width in TIME_BIN_WIDTHS_S:
        if span_s / width <= MAX_TIME_BINS:
            return width
    return TIME_BIN_WIDTHS_S[-1]


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _sign(value: float) -> int:
    return (value > 0) - (value < 0)


# --- the figures ------------------------------------------------------------------------


def measure(rule: str, up: int, down: int) -> float:
    """The winner rule's ranking measure: net score, or the Wilson lower bound."""
    return float(up - down) if rule == "net" else wilson_lower_bound(up, down)


def _entries_by_round(data: RoomData) -> dict[int, list[EditRow]]:
    """The edits that took part in each round's vote (finished and in the vote)."""
    by_round: dict[int, list[EditRow]] = defaultdict(list)
    for edit in data.edits:
        if edit.round_id is not None and edit.status == "done" and edit.in_vote:
            by_round[edit.round_id].append(edit)
    return by_round


def agreement(data: RoomData) -> dict:
    """How each voter's votes agree with the room's final ranking (see docs/api.md).

    In every round whose vote has ended and that had at least two entries, each entry lies
    above, at or below the median of the entries' ranking measures. A vote agrees when it is
    up on an entry above the median or down on one below; votes on an entry at the median
    are not counted. `agreement_others` repeats this with every entry's tally recomputed
    without the voter's own votes, so nobody is compared with themselves.
    """
    rule = data.winner_rule
    entries = _entries_by_round(data)
    round_of = {edit.id: edit.round_id for edits in entries.values() for edit in edits}
    votes_by_round: dict[int, dict[int, dict[int, int]]] = defaultdict(lambda: defaultdict(dict))
    for vote in data.votes:
        round_id = round_of.get(vote.image_id)
        if round_id is not None:
            votes_by_round[round_id][vote.user_id][vote.image_id] = vote.value
    per_voter: dict[int, Counter] = defaultdict(Counter)
    rounds_used = 0
    majority_rounds: list[dict] = []
    author_of = {edit.id: edit.author_id for edit in data.edits}
    for round_ in data.rounds:
        if not round_.final:
            continue
        round_entries = entries.get(round_.id, [])
        ballots = votes_by_round.get(round_.id, {})
        if round_.winner_image_id is not None:
            eligible = [user for user in ballots if user != author_of.get(round_.winner_image_id)]
            up = sum(1 for user in eligible if ballots[user].get(round_.winner_image_id) == 1)
            majority_rounds.append(
                {
                    "round": round_.number,
                    "winner_id": round_.winner_image_id,
                    "up_voters": up,
                    "voters": len(eligible),
                    "share": _share(up, len(eligible)),
                    "majority": (up * 2 > len(eligible)) if eligible else None,
                }
            )
        if len(round_entries) < 2 or not ballots:
            continue
        rounds_used += 1
        scores = {e.id: measure(rule, e.up, e.down) for e in round_entries}
        median = statistics.median(scores.values())
        for user, ballot in ballots.items():
            others = {
                e.id: measure(rule, e.up - (ballot.get(e.id) == 1), e.down - (ballot.get(e.id) == -1))
                for e in round_entries
            }
            median_others = statistics.median(others.values())
            tally = per_voter[user]
            tally["rounds"] += 1
            for image_id, value in ballot.items():
                tally["votes"] += 1
                side = _sign(scores[image_id] - median)
                if side:
                    tally["counted"] += 1
                    tally["agree"] += value == side
                side_others = _sign(others[image_id] - median_others)
                if side_others:
                    tally["counted_others"] += 1
                    tally["agree_others"] += value == side_others
    nickname = {user.id: user.nickname for user in data.users}
    voters = [
        {
            "user_id": user,
            "nickname": nickname.get(user, ""),
            "rounds": tally["rounds"],
            "votes": tally["votes"],
            "counted": tally["counted"],
            "agree": tally["agree"],
            "agreement": _share(tally["agree"], tally["counted"]),
            "counted_others": tally["counted_others"],
            "agree_others": tally["agree_others"],
            "agreement_others": _share(tally["agree_others"], tally["counted_others"]),
        }
        for user, tally in sorted(per_voter.items())
    ]

    def histogram(key: str) -> list[int]:
        counts = [0] * AGREEMENT_BINS
        for voter in voters:
            if voter[key] is not None:
                counts[min(int(voter[key] * AGREEMENT_BINS), AGREEMENT_BINS - 1)] += 1
        return counts

    def summary(key: str) -> dict:
        values = [voter[key] for voter in voters if voter[key] is not None]
        return {
            "voters": len(values),
            "mean": round(statistics.fmean(values), 4) if values else None,
            "median": round(statistics.median(values), 4) if values else None,
        }

    final_ranking, others_ranking = histogram("agreement"), histogram("agreement_others")
    decided = [r for r in majority_rounds if r["majority"] is not None]
    return {
        "rule": rule,
        "rounds": rounds_used,
        "voters": voters,
        "histogram": [
            {"from": i / AGREEMENT_BINS, "to": (i + 1) / AGREEMENT_BINS, "voters": final_ranking[i], "voters_others": others_ranking[i]}
            for i in range(AGREEMENT_BINS)
        ],
        "summary": {"agreement": summary("agreement"), "agreement_others": summary("agreement_others")},
        "winner_majority": {
            "rounds": majority_rounds,
            "rounds_with_winner": len(majority_rounds),
            "decided": len(decided),
            "majority": sum(1 for r in decided if r["majority"]),
            "share": _share(sum(1 for r in decided if r["majority"]), len(decided)),
        },
    }


def vote_distribution(data: RoomData) -> dict:
    entries = [edit for edits in _entries_by_round(data).values() for edit in edits]
    net = Counter(edit.up - edit.down for edit in entries)
    ups, downs = Counter(edit.up for edit in entries), Counter(edit.down for edit in entries)
    net_range = range(min(net), max(net) + 1) if net else range(0)
    count_range = range(0, max([*ups, *downs]) + 1) if entries else range(0)
    per_user: dict[int, Counter] = defaultdict(Counter)
    for vote in data.votes:
        per_user[vote.user_id]["up" if vote.value > 0 else "down"] += 1
    nickname = {user.id: user.nickname for user in data.users}
    per_participant = sorted(
        (
            {"user_id": user, "nickname": nickname.get(user, ""), "votes": c["up"] + c["down"], "up": c["up"], "down": c["down"]}
            for user, c in per_user.items()
        ),
        key=lambda row: (-row["votes"], row["user_id"]),
    )
    return {
        "entries": len(entries),
        "votes": len(data.votes),
        "net_histogram": [{"score": s, "images": net.get(s, 0)} for s in net_range],
        "count_histogram": [{"votes": n, "up": ups.get(n, 0), "down": downs.get(n, 0)} for n in count_range],
        "per_participant": per_participant,
        "over_time": votes_over_time(data),
    }


def votes_over_time(data: RoomData) -> dict:
    """Vote changes (events) per time bin since each round's vote phase opened; rounds whose
    opening was not recorded count from their first vote."""
    round_by_id = {r.id: r for r in data.rounds}
    round_of = {edit.id: edit.round_id for edit in data.edits}
    by_round: dict[int, list[EventRow]] = defaultdict(list)
    for event in data.events:
        round_id = round_of.get(event.image_id)
        if round_id in round_by_id:
            by_round[round_id].append(event)
    offsets: dict[int, list[float]] = {}
    origins: dict[int, str] = {}
    for round_id, events in by_round.items():
        round_ = round_by_id[round_id]
        origin = round_.vote_started_at or min(e.created_at for e in events)
        origins[round_id] = "vote_opened" if round_.vote_started_at else "first_vote"
        offsets[round_id] = [(e.created_at - origin).total_seconds() for e in events]
    span = max((max(abs(t) for t in ts) for ts in offsets.values()), default=0.0)
    width = time_bin_width(span)
    series = []
    for round_ in data.rounds:
        if round_.id not in offsets:
            continue
        bins = Counter(math.floor(t / width) for t in offsets[round_.id])
        points, total = [], 0
        for b in range(min(bins), max(bins) + 1):
            total += bins.get(b, 0)
            points.append({"t_s": b * width, "events": bins.get(b, 0), "cumulative": total})
        series.append({"round": round_.number, "origin": origins[round_.id], "events": total, "points": points})
    return {"bin_s": width, "rounds": series}


def participation(data: RoomData) -> list[dict]:
    round_of = {edit.id: edit.round_id for edit in data.edits}
    edits_by_round: dict[int, list[EditRow]] = defaultdict(list)
    for edit in data.edits:
        if edit.round_id is not None:
            edits_by_round[edit.round_id].append(edit)
    votes_by_round: dict[int, list[VoteRow]] = defaultdict(list)
    for vote in data.votes:
        votes_by_round[round_of.get(vote.image_id, -1)].append(vote)
    events_by_round: Counter = Counter(round_of.get(event.image_id, -1) for event in data.events)
    rows = []
    for round_ in data.rounds:
        edits = edits_by_round.get(round_.id, [])
        votes = votes_by_round.get(round_.id, [])
        submitters = {edit.author_id for edit in edits if edit.author_id is not None}
        voters = {vote.user_id for vote in votes}
        timings = [edit.generation_ms for edit in edits if edit.status == "done" and edit.generation_ms is not None]
        rows.append(
            {
                "round": round_.number,
                "phase": round_.phase,
                "participants": len(submitters | voters),
                "submitters": len(submitters),
                "submissions": len(edits),
                "entries": sum(1 for edit in edits if edit.status == "done" and edit.in_vote),
                "failures": sum(1 for edit in edits if edit.status == "failed"),
                "voters": len(voters),
                "votes": len(votes),
                "vote_events": events_by_round.get(round_.id, 0),
                "mean_generation_s": round(statistics.fmean(timings) / 1000, 2) if timings else None,
            }
        )
    return rows


def prompts(data: RoomData) -> dict:
    winners = {r.winner_image_id for r in data.rounds if r.winner_image_id is not None}
    all_docs = [set(words_of(edit.prompt)) for edit in data.edits]
    winner_docs = [set(words_of(edit.prompt)) for edit in data.edits if edit.id in winners]
    all_counts: Counter = Counter(word for doc in all_docs for word in doc)
    winner_counts: Counter = Counter(word for doc in winner_docs for word in doc)

    def top(counts: Counter, n: int) -> list[str]:
        return [word for word, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]

    chosen = list(dict.fromkeys(top(all_counts, TOP_WORDS) + top(winner_counts, TOP_WINNER_WORDS)))
    words = [
        {
            "word": word,
            "all": all_counts.get(word, 0),
            "all_share": _share(all_counts.get(word, 0), len(all_docs)),
            "winners": winner_counts.get(word, 0),
            "winners_share": _share(winner_counts.get(word, 0), len(winner_docs)),
        }
        for word in chosen
    ]
    words.sort(key=lambda w: (-w["all"], -w["winners"], w["word"]))
    final_rounds = {r.id: r.number for r in data.rounds if r.final}
    entries = [
        {
            "id": edit.id,
            "round": final_rounds[edit.round_id],
            "words": len(WORD_RE.findall(edit.prompt)),
            "chars": len(edit.prompt),
            "mask_area": round(edit.mask_area, 4) if edit.mask_area is not None else None,
            "score": edit.up - edit.down,
            "winner": edit.id in winners,
        }
        for edit in data.edits
        if edit.round_id in final_rounds and edit.status == "done" and edit.in_vote
    ]
    with_area = [e for e in entries if e["mask_area"] is not None]
    return {
        "prompts": len(all_docs),
        "winning_prompts": len(winner_docs),
        "words": words,
        "entries": entries,
        "correlations": {
            "words_score": spearman([e["words"] for e in entries], [e["score"] for e in entries]),
            "mask_area_score": spearman([e["mask_area"] for e in with_area], [e["score"] for e in with_area]),
        },
    }


def lineage_summary(data: RoomData) -> list[dict]:
    by_id = {edit.id: edit for edit in data.edits}
    nickname = {user.id: user.nickname for user in data.users}
    entries = _entries_by_round(data)
    rows = []
    for round_ in data.rounds:
        winner = by_id.get(round_.winner_image_id) if round_.winner_image_id is not None else None
        if winner is not None:
            outcome = "winner"
        elif round_.final:
            outcome = "no_winner"
        else:
            outcome = "open"
        rows.append(
            {
                "round": round_.number,
                "phase": round_.phase,
                "seed_id": round_.seed_image_id,
                "entries": len(entries.get(round_.id, [])),
                "outcome": outcome,
                "vote_started_at": to_ms(round_.vote_started_at),
                "closed_at": to_ms(round_.closed_at),
                "winner": None
                if winner is None
                else {
                    "id": winner.id,
                    "prompt": winner.prompt,
                    "author": nickname.get(winner.author_id) if winner.author_id is not None else None,
                    "up": winner.up,
                    "down": winner.down,
                    "score": winner.up - winner.down,
                    "wilson": wilson_lower_bound(winner.up, winner.down),
                    "mask_area": winner.mask_area,
                },
            }
        )
    return rows


def notes(data: RoomData) -> list[dict[str, str]]:
    """Why parts of the page are empty, in words a person can act on."""
    out = []
    if not data.rounds:
        out.append({"code": "no_rounds", "message": "this room has no rounds yet, so there is nothing to analyse"})
    if not data.edits and data.rounds:
        out.append({"code": "no_submissions", "message": "nobody has submitted an edit in this room yet"})
    if not data.votes:
        out.append({"code": "no_votes", "message": "nobody has voted in this room yet, so the vote charts are empty"})
    if data.rounds and not any(r.final for r in data.rounds):
        out.append(
            {"code": "no_final_rounds", "message": "no round has finished its vote yet; agreement needs a round whose ranking is final"}
        )
    return out


def detector_section(data: RoomData, stored: dict | None, seed_rounds: dict[int, int | None]) -> dict | None:
    """The stored detector scores (see detector/room.py) joined with each image's votes; None
    when the room was never scored. `seed_rounds` maps the room's seed images to the id of
    their round (None where unrecorded). Images scored but since gone are left out."""
    if stored is None:
        return None
    number = {r.id: r.number for r in data.rounds}
    seeded = {}
    for round_ in data.rounds:
        seeded.setdefault(round_.seed_image_id, round_.number)
    winners = {r.winner_image_id for r in data.rounds if r.winner_image_id is not None}
    edits = {edit.id: edit for edit in data.edits}
    rows = []
    for key, p_ai in stored.get("scores", {}).items():
        try:
            image_id, p = int(key), float(p_ai)
        except (TypeError, ValueError):
            continue
        edit = edits.get(image_id)
        if edit is not None:
            rows.append({
                "id": image_id, "kind": "edit", "round": number.get(edit.round_id) if edit.round_id is not None else None,
                "in_vote": edit.status == "done" and edit.in_vote, "winner": image_id in winners,
                "up": edit.up, "down": edit.down, "score": edit.up - edit.down, "p_ai": round(p, 6),
            })
        elif image_id in seed_rounds:
            round_id = seed_rounds[image_id]
            rows.append({
                "id": image_id, "kind": "seed",
                "round": number.get(round_id) if round_id is not None else seeded.get(image_id),
                "in_vote": False, "winner": False, "up": 0, "down": 0, "score": 0, "p_ai": round(p, 6),
            })
    rows.sort(key=lambda row: row["id"])
    entries = [row for row in rows if row["in_vote"]]
    return {
        "scored_at": stored.get("scored_at"),
        "checkpoint": stored.get("checkpoint", {}),
        "images": rows,
        "skipped": stored.get("skipped", []),
        "correlation_score": spearman([row["p_ai"] for row in entries], [row["score"] for row in entries]),
    }


def compute(data: RoomData) -> dict:
    return {
        "winner_rule": data.winner_rule,
        "notes": notes(data),
        "lineage": lineage_summary(data),
        "participation": participation(data),
        "votes": vote_distribution(data),
        "agreement": agreement(data),
        "prompts": prompts(data),
    }


async def analytics_view(
    session: AsyncSession, storage: Storage, room: Room, winner_rule: str, *, detector_configured: bool = False
) -> dict:
    """The analytics page's data for `room`, with thumbnail URLs of seeds and winners, and the
    stored detector scores, if any."""
    data = await load_room_data(session, room, winner_rule)
    result = compute(data)
    stored = await load_scores(storage, room.id)
    seed_rounds: dict[int, int | None] = {}
    if stored is not None:
        seed_rounds = {
            image_id: round_id
            for image_id, round_id in await session.execute(
                select(Image.id, Image.round_id).where(Image.room_id == room.id, Image.kind == "seed")
            )
        }
    result["detector"] = detector_section(data, stored, seed_rounds)
    result["detector_configured"] = detector_configured
    result["game"] = await game_analytics(session, room)
    thumbs = {edit.id: edit.thumb_key for edit in data.edits}
    seed_ids = {row["seed_id"] for row in result["lineage"]}
    seeds = {
        image_id: thumb or key
        for image_id, thumb, key in await session.execute(
            select(Image.id, Image.thumb_key, Image.result_key).where(Image.id.in_(seed_ids))
        )
    } if seed_ids else {}
    for row in result["lineage"]:
        row["seed_thumb_url"] = await _url(storage, seeds.get(row["seed_id"]))
        if row["winner"] is not None:
            row["winner"]["thumb_url"] = await _url(storage, thumbs.get(row["winner"]["id"]))
    return {
        "room": {"slug": room.slug, "name": room.name, "mode": room.mode},
        "generated_at": to_ms(utcnow()),
        **result,
    }


async def _url(storage: Storage, key: str | None) -> str | None:
    return await storage.url(key) if key else None
