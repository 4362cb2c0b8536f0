"""A room as a research dataset: pictures, masks, tables in CSV and JSON, COCO masks, README.

`dataset_entries` yields the dataset one file at a time and reads the database in pages, so a
room with tens of thousands of images is exported with one picture in memory at a time.
Writers (a folder, a zip file, a zip streamed over HTTP) live in `sinks`.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import logging
import tempfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..db.models import Artwork, GameItem, Guess, Image, Room, Round, SketchStroke, User, Vote, VoteEvent
from ..domain.clock import utcnow
from ..domain.views import in_the_vote, wilson_lower_bound
from ..sketch.labels import load_labels
from ..storage import Storage, StorageError
from . import coco
from .readme import readme
from .tables import (
    ARTWORKS,
    GAME_ITEMS,
    GUESSES,
    IMAGES,
    LINEAGE,
    PARTICIPANTS,
    ROUNDS,
    SKETCH_STROKES,
    TABLES,
    VOTE_EVENTS,
    VOTES,
    Table,
    iso,
    json_line,
)

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
PAGE_SIZE = 500
CHUNK_BYTES = 64 * 1024
# Tables write a CSV and a JSON file each; README.md, room.json and coco/annotations.json.
FIXED_FILES = 3


@dataclass
class Entry:
    """One file of the dataset: its path inside the dataset and its bytes, given whole
    (`data`) or as chunks (`stream`)."""

    name: str
    data: bytes | None = None
    stream: Callable[[], AsyncIterator[bytes]] | None = None
    compress: bool = True

    async def chunks(self) -> AsyncIterator[bytes]:
        if self.data is not None:
            yield self.data
        elif self.stream is not None:
            async for chunk in self.stream():
                if chunk:
                    yield chunk


@dataclass
class ExportPlan:
    """How much there is to export (for progress bars)."""

    participants: int
    rounds: int
    images: int
    image_files: int
    mask_files: int
    votes: int
    vote_events: int
    artwork_files: int = 0
    guesses: int = 0
    sketch_files: int = 0

    @property
    def files(self) -> int:
        return self.image_files + self.mask_files + self.artwork_files + self.sketch_files + 2 * len(TABLE_ORDER) + FIXED_FILES


@dataclass
class Step:
    round: Round
    seed: Image | None
    winner: Image | None
    outcome: str


@dataclass
class ExportContext:
    """What the column getters need besides the row itself."""

    room: Room
    round_numbers: dict[int, int] = field(default_factory=dict)
    vote_opened: dict[int, datetime | None] = field(default_factory=dict)
    image_round: dict[int, int | None] = field(default_factory=dict)
    image_files: dict[int, str] = field(default_factory=dict)
    mask_files: dict[int, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    artwork_files: dict[int, str] = field(default_factory=dict)
    sketch_files: dict[int, str] = field(default_factory=dict)
    # The game's pictures: number, when shown, and their guesses counted.
    item_numbers: dict[int, int] = field(default_factory=dict)
    item_started: dict[int, datetime] = field(default_factory=dict)
    item_counts: dict[int, dict[str, Any]] = field(default_factory=dict)

    @property
    def default_palette(self) -> str:
        return load_labels().default_palette

    @staticmethod
    def label_name(label_id: int) -> str | None:
        if label_id == 0:
            return load_labels().unlabeled.name
        return next((label.name for label in load_labels().labels if label.id == label_id), None)

    def seconds_after_start(self, guess: Guess) -> float | None:
        started = self.item_started.get(guess.item_id)
        return None if started is None else round((guess.created_at - started).total_seconds(), 6)

    def in_vote(self, image: Image) -> bool | None:
        return in_the_vote(image, self.room) if image.kind == "edit" else None

    @staticmethod
    def wilson(image: Image) -> float | None:
        return wilson_lower_bound(image.up_count, image.down_count) if image.kind == "edit" else None

    def image_file(self, image: Image) -> str | None:
        return self.image_files.get(image.id)

    def mask_file(self, image: Image) -> str | None:
        return self.mask_files.get(image.id)

    def seconds_since_vote_opened(self, event: VoteEvent) -> float | None:
        round_id = self.image_round.get(event.image_id)
        opened = self.vote_opened.get(round_id) if round_id is not None else None
        if opened is None:
            return None
        return round((event.created_at - opened).total_seconds(), 6)


TABLE_ORDER = TABLES


def image_file_name(image: Image) -> str:
    suffix = PurePosixPath(image.result_key or "").suffix or ".png"
    return f"images/{image.id}{suffix}"


def mask_file_name(image: Image) -> str:
    return f"masks/{image.id}.png"


async def plan_export(session: AsyncSession, room: Room) -> ExportPlan:
    async def count(stmt: Select) -> int:
        return int(await session.scalar(stmt) or 0)

    in_room = Image.room_id == room.id
    plan = ExportPlan(
        participants=await count(select(func.count()).select_from(User).where(User.room_id == room.id)),
        rounds=await count(select(func.count()).select_from(Round).where(Round.room_id == room.id)),
        images=await count(select(func.count()).select_from(Image).where(in_room)),
        image_files=await count(select(func.count()).select_from(Image).where(in_room, Image.result_key.is_not(None))),
        mask_files=await count(select(func.count()).select_from(Image).where(in_room, Image.mask_key.is_not(None))),
        votes=await count(select(func.count()).select_from(Vote).join(Image, Vote.image_id == Image.id).where(in_room)),
        vote_events=await count(
            select(func.count()).select_from(VoteEvent).join(Image, VoteEvent.image_id == Image.id).where(in_room)
        ),
        artwork_files=await count(select(func.count()).select_from(Artwork).where(Artwork.room_id == room.id)),
        guesses=await count(
            select(func.count()).select_from(Guess).join(GameItem, Guess.item_id == GameItem.id).where(GameItem.room_id == room.id)
        ),
        sketch_files=await count(select(func.count()).select_from(Image).where(in_room, Image.sketch_key.is_not(None))),
    )
    await session.commit()
    return plan


async def _pages(session: AsyncSession, make: Callable[[int], Select], key: Callable[[Any], int]) -> AsyncIterator[Any]:
    """Rows of `make(last_id)` page by page (keyset pagination: `WHERE id > last_id ORDER BY id`)."""
    last = 0
    while True:
        rows = list(await session.scalars(make(last).limit(PAGE_SIZE)))
        # End the transaction between pages: an export may take minutes, and on SQLite an
        # open transaction holds the write lock the live room needs.
        await session.commit()
        for row in rows:
            yield row
        if len(rows) < PAGE_SIZE:
            return
        last = key(rows[-1])


def _csv_stream(table: Table, rows: Callable[[], AsyncIterator[Any]], ctx: ExportContext) -> Callable[[], AsyncIterator[bytes]]:
    async def stream() -> AsyncIterator[bytes]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(table.header)
        async for row in rows():
            writer.writerow(table.csv_row(row, ctx))
            if buffer.tell() >= CHUNK_BYTES:
                yield buffer.getvalue().encode()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue().encode()

    return stream


def _json_stream(table: Table, rows: Callable[[], AsyncIterator[Any]], ctx: ExportContext) -> Callable[[], AsyncIterator[bytes]]:
    async def stream() -> AsyncIterator[bytes]:
        parts: list[str] = ["["]
        size, first = 1, True
        async for row in rows():
            line = ("\n" if first else ",\n") + json_line(table.json_row(row, ctx))
            first = False
            parts.append(line)
            size += len(line)
            if size >= CHUNK_BYTES:
                yield "".join(parts).encode()
                parts, size = [], 0
        parts.append("\n]\n")
        yield "".join(parts).encode()

    return stream


async def _context(session: AsyncSession, room: Room) -> ExportContext:
    ctx = ExportContext(room=room)
    for round_id, number, opened in await session.execute(
        select(Round.id, Round.number, Round.vote_started_at).where(Round.room_id == room.id)
    ):
        ctx.round_numbers[round_id] = number
        ctx.vote_opened[round_id] = opened
    for image_id, round_id in await session.execute(select(Image.id, Image.round_id).where(Image.room_id == room.id)):
        ctx.image_round[image_id] = round_id
    for item_id, number, started in await session.execute(
        select(GameItem.id, GameItem.number, GameItem.started_at).where(GameItem.room_id == room.id)
    ):
        ctx.item_numbers[item_id] = number
        ctx.item_started[item_id] = started
        ctx.item_counts[item_id] = {"guesses": 0, "ai": 0, "human": 0, "right": 0}
    for item_id, guess, correct, n in await session.execute(
        select(Guess.item_id, Guess.guess, Guess.correct, func.count())
        .join(GameItem, Guess.item_id == GameItem.id)
        .where(GameItem.room_id == room.id)
        .group_by(Guess.item_id, Guess.guess, Guess.correct)
    ):
        counts = ctx.item_counts[item_id]
        counts["guesses"] += n
        counts[guess] += n
        counts["right"] += n if correct else 0
    for counts in ctx.item_counts.values():
        counts["majority"] = None if counts["ai"] == counts["human"] else ("ai" if counts["ai"] > counts["human"] else "human")
    await session.commit()
    return ctx


async def _lineage(session: AsyncSession, room: Room) -> list[Step]:
    rounds = list(await session.scalars(select(Round).where(Round.room_id == room.id).order_by(Round.number)))
    ids = {r.seed_image_id for r in rounds} | {r.winner_image_id for r in rounds if r.winner_image_id is not None}
    images = {image.id: image for image in await session.scalars(select(Image).where(Image.id.in_(ids)))} if ids else {}
    steps = []
    for round_ in rounds:
        winner = images.get(round_.winner_image_id) if round_.winner_image_id is not None else None
        outcome = "winner" if winner else ("no_winner" if round_.phase in ("reveal", "closed") else "open")
        steps.append(Step(round_, images.get(round_.seed_image_id), winner, outcome))
    await session.commit()
    return steps


def _notes(plan: ExportPlan, ctx: ExportContext) -> list[dict[str, str]]:
    notes = []
    if plan.rounds == 0:
        notes.append({"code": "no_rounds", "message": "The room has no rounds: the tables have headers and no rows."})
    if plan.mask_files == 0 and plan.rounds:
        notes.append({"code": "no_edits", "message": "Nobody has submitted an edit in this room: there are no masks and no COCO annotations."})
    if plan.votes == 0 and plan.vote_events == 0:
        notes.append({"code": "no_votes", "message": "Nobody has voted in this room: votes.csv and vote_events.csv have headers and no rows."})
    if ctx.missing:
        shown = ", ".join(ctx.missing[:20]) + (" ..." if len(ctx.missing) > 20 else "")
        notes.append(
            {
                "code": "missing_files",
                "message": f"{len(ctx.missing)} file(s) could not be read from the image store and are not in the dataset "
                f"(their image_file or mask_file is empty): {shown}",
            }
        )
    return notes


async def dataset_entries(
    session: AsyncSession, storage: Storage, room: Room, *, winner_rule: str, exported_at: datetime | None = None,
) -> AsyncIterator[Entry]:
    """Every file of the room's dataset, one at a time: pictures, masks, tables, COCO, room.json, README."""
    exported_at = exported_at or utcnow()
    plan = await plan_export(session, room)
    ctx = await _context(session, room)
    in_room = Image.room_id == room.id

    async def copy(rows: AsyncIterator[Any], key_of: Callable[[Any], str], name_of: Callable[[Any], str],
                   files: dict[int, str]) -> AsyncIterator[Entry]:
        """Stored files into the dataset, one at a time; a file the store cannot give is noted."""
        async for row in rows:
            try:
                data = await storage.get(key_of(row))
            except StorageError as exc:
                log.warning("export of room %s: %s", room.slug, exc)
                ctx.missing.append(key_of(row))
                continue
            files[row.id] = name_of(row)
            yield Entry(files[row.id], data=data, compress=False)

    def images_with(key: Any) -> AsyncIterator[Image]:
        return _pages(
            session, lambda last: select(Image).where(in_room, key.is_not(None), Image.id > last).order_by(Image.id),
            lambda image: image.id,
        )

    # Pictures, the label maps that sketch renderings were painted from, the game's artworks.
    async for entry in copy(images_with(Image.result_key), lambda i: i.result_key, image_file_name, ctx.image_files):
        yield entry
    async for entry in copy(images_with(Image.sketch_key), lambda i: i.sketch_key, lambda i: f"sketches/{i.id}.png", ctx.sketch_files):
        yield entry
    artworks = _pages(
        session, lambda last: select(Artwork).where(Artwork.room_id == room.id, Artwork.id > last).order_by(Artwork.id),
        lambda artwork: artwork.id,
    )
    async for entry in copy(artworks, lambda a: a.image_key, lambda a: f"artworks/{a.id}.png", ctx.artwork_files):
        yield entry

    # Masks, each also encoded as a COCO annotation, spooled to a temporary file.
    with tempfile.TemporaryFile() as annotations:
        annotated_seeds: set[int] = set()
        async for image in images_with(Image.mask_key):
            try:
                data = await storage.get(image.mask_key)  # type: ignore[arg-type]
                rle, area, bbox = await asyncio.to_thread(coco.segmentation, data)
            except (StorageError, OSError, ValueError) as exc:
                log.warning("export of room %s: mask of image %s: %s", room.slug, image.id, exc)
                ctx.missing.append(image.mask_key or "")
                continue
            name = mask_file_name(image)
            ctx.mask_files[image.id] = name
            yield Entry(name, data=data, compress=False)
            if image.parent_id is not None:
                annotated_seeds.add(image.parent_id)
                annotation = {
                    "id": image.id,
                    "image_id": image.parent_id,
                    "category_id": coco.CATEGORY["id"],
                    "segmentation": rle,
                    "area": area,
                    "bbox": bbox,
                    "iscrowd": 0,
                    "caption": image.prompt,
                    "edit_image_id": image.id,
                    "edit_file_name": ctx.image_files.get(image.id),
                    "mask_file_name": name,
                    "round_number": ctx.round_numbers.get(image.round_id) if image.round_id is not None else None,
                    "author_id": image.author_id,
                    "status": image.status,
                    "up_count": image.up_count,
                    "down_count": image.down_count,
                }
                annotations.write((json_line(annotation) + "\n").encode())

        # Tables, each as CSV and JSON, read from the database in pages.
        def rows_of(table: Table) -> Callable[[], AsyncIterator[Any]]:
            if table is PARTICIPANTS:
                return lambda: _pages(
                    session, lambda last: select(User).where(User.room_id == room.id, User.id > last).order_by(User.id),
                    lambda user: user.id,
                )
            if table is ROUNDS:
                return lambda: _pages(
                    session, lambda last: select(Round).where(Round.room_id == room.id, Round.id > last).order_by(Round.id),
                    lambda round_: round_.id,
                )
            if table is IMAGES:
                return lambda: _pages(
                    session, lambda last: select(Image).where(in_room, Image.id > last).order_by(Image.id), lambda image: image.id
                )
            if table is VOTES:
                return lambda: _pages(
                    session,
                    lambda last: select(Vote).join(Image, Vote.image_id == Image.id).where(in_room, Vote.id > last).order_by(Vote.id),
                    lambda vote: vote.id,
                )
            if table is VOTE_EVENTS:
                return lambda: _pages(
                    session,
                    lambda last: select(VoteEvent)
                    .join(Image, VoteEvent.image_id == Image.id)
                    .where(in_room, VoteEvent.id > last)
                    .order_by(VoteEvent.id),
                    lambda event: event.id,
                )
            if table is ARTWORKS:
                return lambda: _pages(
                    session,
                    lambda last: select(Artwork).where(Artwork.room_id == room.id, Artwork.id > last).order_by(Artwork.id),
                    lambda artwork: artwork.id,
                )
            if table is GAME_ITEMS:
                return lambda: _pages(
                    session,
                    lambda last: select(GameItem).where(GameItem.room_id == room.id, GameItem.id > last).order_by(GameItem.id),
                    lambda item: item.id,
                )
            if table is GUESSES:
                return lambda: _pages(
                    session,
                    lambda last: select(Guess)
                    .join(GameItem, Guess.item_id == GameItem.id)
                    .where(GameItem.room_id == room.id, Guess.id > last)
                    .order_by(Guess.id),
                    lambda guess: guess.id,
                )
            if table is SKETCH_STROKES:
                return lambda: _pages(
                    session,
                    lambda last: select(SketchStroke)
                    .join(Round, SketchStroke.round_id == Round.id)
                    .where(Round.room_id == room.id, SketchStroke.id > last)
                    .order_by(SketchStroke.id),
                    lambda stroke: stroke.id,
                )
            assert table is LINEAGE

            async def steps() -> AsyncIterator[Step]:
                for step in await _lineage(session, room):
                    yield step

            return steps

        for table in TABLE_ORDER:
            rows = rows_of(table)
            yield Entry(f"{table.name}.csv", stream=_csv_stream(table, rows, ctx))
            yield Entry(f"{table.name}.json", stream=_json_stream(table, rows, ctx))

        # COCO: the seeds that were edited, and one annotation per mask.
        seeds = []
        if annotated_seeds:
            async for seed in _pages(
                session, lambda last: select(Image).where(Image.id.in_(annotated_seeds), Image.id > last).order_by(Image.id),
                lambda image: image.id,
            ):
                seeds.append(
                    {"id": seed.id, "file_name": ctx.image_files.get(seed.id) or image_file_name(seed),
                     "width": seed.width, "height": seed.height, "kind": seed.kind}
                )

        async def coco_stream() -> AsyncIterator[bytes]:
            head = {
                "info": {
                    "description": f"PixelPatchwork room {room.slug}: every edit's mask on the seed it was painted on",
                    "version": str(FORMAT_VERSION),
                    "date_created": iso(exported_at),
                    "contributor": "PixelPatchwork",
                    "url": "",
                    "year": exported_at.year,
                },
                "licenses": [],
                "categories": [coco.CATEGORY],
                "images": seeds,
            }
            yield (json.dumps(head, ensure_ascii=False)[:-1] + ',"annotations":[').encode()
            annotations.seek(0)
            first = True
            while True:
                lines = annotations.readlines(CHUNK_BYTES)
                if not lines:
                    break
                text = b",\n".join(line.rstrip(b"\n") for line in lines)
                yield (b"\n" if first else b",\n") + text
                first = False
            yield b"\n]}\n"

        yield Entry("coco/annotations.json", stream=coco_stream)

    notes = _notes(plan, ctx)
    room_info = {
        "format_version": FORMAT_VERSION,
        "exported_at": iso(exported_at),
        "room": {
            "room_id": room.id, "slug": room.slug, "name": room.name, "mode": room.mode, "research": room.research,
            "requires_approval": room.requires_approval, "created_at": iso(room.created_at),
        },
        "winner_rule": winner_rule,
        "counts": {
            "participants": plan.participants, "rounds": plan.rounds, "images": plan.images,
            "image_files": len(ctx.image_files), "mask_files": len(ctx.mask_files), "votes": plan.votes,
            "vote_events": plan.vote_events, "artwork_files": len(ctx.artwork_files), "game_items": len(ctx.item_numbers),
            "guesses": plan.guesses, "sketch_files": len(ctx.sketch_files),
        },
        "notes": notes,
    }
    yield Entry("room.json", data=(json.dumps(room_info, ensure_ascii=False, indent=2) + "\n").encode())
    yield Entry("README.md", data=readme(room_info).encode())
