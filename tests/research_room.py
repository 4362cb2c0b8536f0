"""A room with known rounds, edits, masks and votes, written straight into the database, for the
analytics and export tests. The expected figures in those tests are worked out by hand from
the table below (see tests/unit/test_analytics.py).

Round 1 (closed, winner E1), vote opened at T0:
    E1 ada "a red kite over the hills"  area .10  up: bob cy dee        down: -           net 3
    E2 bob "a red balloon"              area .20  up: cy ada            down: dee         net 1
    E3 cy  "purple dragon"              area .30  up: ada (zed hidden)  down: bob dee     net -1
    E4 dee "a stormy sky"               failed
    E5 dee "a small boat"               done, never entered
Round 2 (closed, winner F2), vote opened at T1, seed E1:
    F1 bob "a blue kite"                area .05  up: dee eve           down: ada cy      net 0
    F2 cy  "a red dragon kite"          area .15  up: ada dee           down: bob         net 1
Round 3 (vote, open), seed F2:
    G1 eve "Kite-surfing cat!"          area .25  up: ada                                 net 1
zed was banned: his vote is hidden and counts nowhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from PIL import Image as PILImage
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pixelpatchwork import imaging
from pixelpatchwork.db.models import Image, Room, Round, User, Vote, VoteEvent
from pixelpatchwork.storage import Storage

WIDTH, HEIGHT = 40, 30
T0 = datetime(2025, 3, 1, 18, 0, 0)
T1 = T0 + timedelta(hours=1)
T2 = T0 + timedelta(hours=2)


def mask_shape(name: str) -> np.ndarray:
    """A distinct 0/1 mask per edit, some with holes and lone pixels (RLE must keep them)."""
    mask = np.zeros((HEIGHT, WIDTH), dtype=np.uint8)
    index = sum(map(ord, name)) % 5
    if index == 0:  # a ring: a square with a hole
        mask[5:25, 5:25] = 1
        mask[10:20, 10:20] = 0
    elif index == 1:  # two blobs and a lone pixel
        mask[2:8, 2:12] = 1
        mask[20:28, 30:38] = 1
        mask[15, 20] = 1
    elif index == 2:  # a checkerboard corner
        mask[0:10, 0:10] = (np.indices((10, 10)).sum(axis=0) % 2).astype(np.uint8)
    elif index == 3:  # a frame around the whole picture
        mask[:, :] = 1
        mask[1:-1, 1:-1] = 0
    else:
        mask[10:20, 3:37] = 1
    return mask


def png(mask: np.ndarray) -> bytes:
    return imaging.encode_png(PILImage.fromarray(mask * 255, mode="L"))


def picture(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    image = PILImage.fromarray(rng.integers(0, 255, (HEIGHT, WIDTH, 3), dtype=np.uint8), mode="RGB")
    return imaging.encode_png(image)


@dataclass
class ResearchRoom:
    slug: str
    room_id: int
    users: dict[str, int] = field(default_factory=dict)
    images: dict[str, int] = field(default_factory=dict)
    rounds: dict[int, int] = field(default_factory=dict)
    masks: dict[str, np.ndarray] = field(default_factory=dict)


EDITS = {
    # name: (round, author, prompt, status, entered, mask_area, up voters, down voters)
    "E1": (1, "ada", "a red kite over the hills", "done", True, 0.10, ["bob", "cy", "dee"], []),
    "E2": (1, "bob", "a red balloon", "done", True, 0.20, ["cy", "ada"], ["dee"]),
    "E3": (1, "cy", "purple dragon", "done", True, 0.30, ["ada"], ["bob", "dee"]),
    "E4": (1, "dee", "a stormy sky", "failed", False, 0.40, [], []),
    "E5": (1, "dee", "a small boat", "done", False, 0.50, [], []),
    "F1": (2, "bob", "a blue kite", "done", True, 0.05, ["dee", "eve"], ["ada", "cy"]),
    "F2": (2, "cy", "a red dragon kite", "done", True, 0.15, ["ada", "dee"], ["bob"]),
    "G1": (3, "eve", "Kite-surfing cat!", "done", True, 0.25, ["ada"], []),
}
WINNERS = {1: "E1", 2: "F2"}
VOTE_OPENED = {1: T0, 2: T1, 3: T2}
# Vote changes before the standing votes above: dee first voted E2 up, then down; cy voted
# E3 up and took it back. Offsets are seconds after the round's vote opened.
EXTRA_EVENTS = [("dee", "E2", 1, 3.0), ("cy", "E3", 1, 4.0), ("cy", "E3", 0, 7.5)]


async def build(sessionmaker: async_sessionmaker[AsyncSession], storage: Storage, slug: str = "study") -> ResearchRoom:
    async with sessionmaker() as db:
        room = Room(slug=slug, name="Study room", version=1, mode="facilitated", join_code="STUDY2", research=True, created_at=T0 - timedelta(hours=1))
        db.add(room)
        await db.flush()
        out = ResearchRoom(slug=slug, room_id=room.id)
        for index, name in enumerate(["ada", "bob", "cy", "dee", "eve", "zed"]):
            user = User(
                room_id=room.id, nickname=name.capitalize(), nickname_key=name, participant_ref=f"P{index:03d}",
                consented_at=T0 - timedelta(minutes=30 - index), removed="banned" if name == "zed" else None,
                created_at=T0 - timedelta(minutes=30 - index),
            )
            db.add(user)
            await db.flush()
            out.users[name] = user.id
        seed = Image(
            room_id=room.id, kind="seed", prompt="", status="done", provider="builtin", width=WIDTH, height=HEIGHT,
            created_at=T0 - timedelta(hours=1), finished_at=T0 - timedelta(hours=1), up_count=0, down_count=0, tally_seq=0,
        )
        db.add(seed)
        await db.flush()
        seed.result_key = f"rooms/{room.id}/images/{seed.id}/result.png"
        await storage.put(seed.result_key, picture(seed.id), "image/png")
        out.images["seed"] = seed.id
        rounds: dict[int, Round] = {}
        parent = seed.id
        for number in (1, 2, 3):
            round_ = Round(
                room_id=room.id, number=number, seed_image_id=parent, phase="closed" if number < 3 else "vote",
                phase_started_at=VOTE_OPENED[number], vote_started_at=VOTE_OPENED[number],
                created_at=VOTE_OPENED[number] - timedelta(minutes=20),
                closed_at=VOTE_OPENED[number] + timedelta(minutes=10) if number < 3 else None,
            )
            db.add(round_)
            await db.flush()
            rounds[number] = round_
            out.rounds[number] = round_.id
            for position, (name, spec) in enumerate(item for item in EDITS.items() if item[1][0] == number):
                _round, author, prompt, status, entered, area, ups, downs = spec
                created = VOTE_OPENED[number] - timedelta(minutes=15 - position)
                image = Image(
                    room_id=room.id, round_id=round_.id, parent_id=parent, author_id=out.users[author], kind="edit",
                    prompt=prompt, status=status, error="the model refused" if status == "failed" else None,
                    provider="offline", model="offline-1", width=WIDTH, height=HEIGHT, mask_area=area, feather_px=0,
                    entered=entered, up_count=len(ups), down_count=len(downs), tally_seq=len(ups) + len(downs),
                    created_at=created, started_at=created + timedelta(seconds=1),
                    finished_at=created + timedelta(seconds=3), generation_ms=2000 + 500 * position if status == "done" else None,
                    details='{"seconds": 1.5}' if status == "done" else None,
                )
                db.add(image)
                await db.flush()
                out.images[name] = image.id
                mask = mask_shape(name)
                out.masks[name] = mask
                image.mask_key = f"rooms/{room.id}/masks/{name.lower()}-{image.id}.png"
                await storage.put(image.mask_key, png(mask), "image/png")
                if status == "done":
                    image.result_key = f"rooms/{room.id}/images/{image.id}/result.png"
                    await storage.put(image.result_key, picture(image.id), "image/png")
            if number in WINNERS:
                round_.winner_image_id = out.images[WINNERS[number]]
                parent = round_.winner_image_id
        # Standing votes, each with its event, one second apart in the order of the table.
        offsets: dict[int, float] = {1: 10.0, 2: 10.0, 3: 10.0}
        for name, (number, _a, _p, _s, _e, _area, ups, downs) in EDITS.items():
            for voters, value in ((ups, 1), (downs, -1)):
                for voter in voters:
                    moment = VOTE_OPENED[number] + timedelta(seconds=offsets[number])
                    offsets[number] += 1.0
                    db.add(Vote(image_id=out.images[name], user_id=out.users[voter], value=value, created_at=moment, updated_at=moment))
                    db.add(VoteEvent(image_id=out.images[name], user_id=out.users[voter], value=value, created_at=moment))
        for voter, name, value, offset in EXTRA_EVENTS:
            number = EDITS[name][0]
            db.add(VoteEvent(image_id=out.images[name], user_id=out.users[voter], value=value,
                             created_at=VOTE_OPENED[number] + timedelta(seconds=offset)))
        # The banned participant's vote: kept, hidden, not in the tally.
        zed_at = T0 + timedelta(seconds=5)
        db.add(Vote(image_id=out.images["E3"], user_id=out.users["zed"], value=1, hidden=True, created_at=zed_at, updated_at=zed_at))
        db.add(VoteEvent(image_id=out.images["E3"], user_id=out.users["zed"], value=1, created_at=zed_at))
        await db.commit()
    return out


async def build_for(settings) -> ResearchRoom:  # type: ignore[no-untyped-def]
    """The study room in the database and media folder of `settings`."""
    from pixelpatchwork.db.engine import make_engine, make_sessionmaker
    from pixelpatchwork.storage.local import LocalStorage

    engine = make_engine(settings)
    storage = LocalStorage(settings.media_dir)
    await storage.start()
    try:
        return await build(make_sessionmaker(engine), storage)
    finally:
        await engine.dispose()


def command_environment(monkeypatch, settings, folder, unset: tuple[str, ...] = ()) -> None:  # type: ignore[no-untyped-def]
    """The environment a `pixelpatchwork` command reads `settings` from, run in `folder`."""
    from tests.conftest import FACILITATOR_TOKEN

    monkeypatch.chdir(folder)
    monkeypatch.setenv("VAR_DIR", str(settings.var_dir))
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("MEDIA_DIR", str(settings.media_dir))
    monkeypatch.setenv("FACILITATOR_TOKEN", FACILITATOR_TOKEN)
    for name in ("S3_BUCKET", "ENVIRONMENT", *unset):
        monkeypatch.delenv(name, raising=False)
