"""Sketch rounds: the room draws one label map together, in the order the server gives.

Every operation on a round's sketch (a stroke, an undo, a clear) takes the next number of
`rounds.sketch_seq` with a conditional UPDATE that also checks the round is a sketch round in
its generate phase and unlocked. That UPDATE holds the round row's lock until the commit, so
strokes from any number of processes get one gap-free order; clients apply operations in that
order (and fetch the sketch again when they see a gap), which is why every screen and the
server's own rendering reach the same label map.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import datetime
from typing import Any

import numpy as np
import orjson
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..db.models import Image, Room, Round, SketchStroke, User
from ..sketch import paint as paint_prompt
from ..sketch.labels import Label, Palette, load_labels
from ..sketch.raster import Stroke, render
from ..sketch.validate import parse_stroke
from ..storage import Storage
from .clock import utcnow
from .errors import DomainError, conflict, invalid
from .events import Outbox
from .images import check_generate_phase, queue_generation
from .policy import RoomPolicy
from .rooms import bump_version
from .rounds import change_current_round
from .views import current_round


def round_palette(round_: Round) -> Palette:
    """The label palette a sketch round is drawn with (the facilitator's choice, or the default)."""
    return load_labels().palette(round_.sketch_palette)


def label_view(label: Label) -> dict[str, Any]:
    return {"id": label.id, "name": label.name, "title": label.title, "color": label.color}


def stroke_view(row: Any) -> dict[str, Any]:
    """A stroke on the wire (from a SketchStroke or a row of STROKE_COLUMNS)."""
    return {
        "seq": row.seq,
        "user_id": row.user_id,
        "tool": row.tool,
        "label": row.label,
        "size": row.size,
        "points": orjson.loads(row.points),
    }


#: What a screen needs of a stroke (read as plain rows: a sketch can hold thousands of strokes).
STROKE_COLUMNS = (
    SketchStroke.seq, SketchStroke.user_id, SketchStroke.tool, SketchStroke.label, SketchStroke.size, SketchStroke.points,
)


async def active_strokes(session: AsyncSession, round_id: int) -> list[Any]:
    """The strokes that make up the round's sketch now, in the server's order."""
    rows = await session.execute(
        select(*STROKE_COLUMNS)
        .where(SketchStroke.round_id == round_id, SketchStroke.removed_seq.is_(None))
        .order_by(SketchStroke.seq)
    )
    return list(rows)


def strokes_of(rows: list[Any]) -> list[Stroke]:
    return [Stroke.from_dict(stroke_view(row)) for row in rows]


async def label_map(session: AsyncSession, round_id: int) -> tuple[np.ndarray, int]:
    """The round's label map as the server renders it, with the sequence number it reflects."""
    seq = int(await session.scalar(select(Round.sketch_seq).where(Round.id == round_id)) or 0)
    return render(strokes_of(await active_strokes(session, round_id))), seq


async def sketch_state(session: AsyncSession, room: Room, round_: Round | None = None) -> dict[str, Any]:
    """What a screen needs to draw the current round's sketch and follow its operations."""
    if round_ is None:
        round_, _seed = await current_round(session, room)
    palette = round_palette(round_)
    strokes = await active_strokes(session, round_.id) if round_.kind == "sketch" else []
    users = {row.user_id for row in strokes if row.user_id is not None}
    used = {row.label for row in strokes if row.label != 0}
    names = dict((await session.execute(select(User.id, User.nickname).where(User.id.in_(users)))).all()) if users else {}
    return {
        "round_id": round_.id,
        "kind": round_.kind,
        "seq": round_.sketch_seq,
        "locked": round_.sketch_locked,
        "palette": {
            "name": palette.name, "title": palette.title,
            "labels": [label_view(label) for label in palette.labels],
        },
        # Labels on the sketch that the palette no longer offers (it was changed mid-round).
        "other_labels": [label_view(load_labels().label(i)) for i in sorted(used - {lb.id for lb in palette.labels})],
        "canvas": load_labels().canvas.model_dump(),
        "authors": {str(user_id): name for user_id, name in names.items()},
        "strokes": [stroke_view(row) for row in strokes],
    }


async def _next_seq(session: AsyncSession, room: Room, round_id: int) -> int:
    """Take the round's next operation number, or explain why its sketch takes no operations."""
    result = await session.execute(
        update(Round)
        .where(
            Round.id == round_id, Round.room_id == room.id, Round.kind == "sketch",
            Round.phase == "generate", Round.sketch_locked.is_(False),
        )
        .values(sketch_seq=Round.sketch_seq + 1)
    )
    if result.rowcount != 1:
        room_id = room.id
        await session.rollback()
        round_ = await session.get(Round, round_id)
        latest = await session.scalar(select(func.max(Round.id)).where(Round.room_id == room_id))
        if round_ is None or round_.room_id != room_id or round_.id != latest:
            raise conflict("sketch_round_over", "that round is over; draw on the current round's sketch")
        if round_.kind != "sketch":
            raise conflict("not_a_sketch_round", "this round is not a sketch round; mask the seed and write a prompt instead")
        if round_.phase != "generate":
            raise conflict("wrong_phase", f"the sketch takes strokes in the generate phase; the round is in the {round_.phase} phase")
        raise conflict("sketch_locked", "the facilitator has locked the sketch; wait until it is unlocked")
    return int(await session.scalar(select(Round.sketch_seq).where(Round.id == round_id)))


def _participant(user: User | None, room: Room) -> User:
    if user is None or user.room_id != room.id or user.removed:
        raise DomainError(401, "not_joined", "join the room with a nickname before drawing")
    return user


async def add_stroke(
    session: AsyncSession, room: Room, user: User | None, round_id: int, data: Any, outbox: Outbox
) -> dict[str, Any]:
    """Check a stroke, give it the next place in the round's order and store it."""
    author = _participant(user, room)
    round_ = await session.get(Round, round_id)
    stroke = parse_stroke(data, round_palette(round_) if round_ is not None else load_labels().palette())
    seq = await _next_seq(session, room, round_id)
    row = SketchStroke(
        round_id=round_id, seq=seq, user_id=author.id, tool=stroke.tool, label=stroke.label, size=stroke.size,
        points=json.dumps([list(p) for p in stroke.points], separators=(",", ":")), created_at=utcnow(),
    )
    session.add(row)
    await session.commit()
    view = stroke_view(row)
    outbox.add(room.slug, "sketch:op", {"round_id": round_id, "seq": seq, "op": "stroke", "stroke": view,
                                          "user": {"id": author.id, "nickname": author.nickname}, "removed": []})
    return view


async def undo_stroke(session: AsyncSession, room: Room, user: User | None, round_id: int, outbox: Outbox) -> dict[str, Any]:
    """Take back the participant's latest stroke that is still on the sketch."""
    author = _participant(user, room)
    seq = await _next_seq(session, room, round_id)
    last = await session.scalar(
        select(SketchStroke)
        .where(SketchStroke.round_id == round_id, SketchStroke.user_id == author.id, SketchStroke.removed_seq.is_(None))
        .order_by(SketchStroke.seq.desc())
        .limit(1)
    )
    if last is None:
        await session.rollback()
        raise conflict("nothing_to_undo", "you have no stroke on the sketch to undo")
    last.removed_seq = seq
    await session.commit()
    outbox.add(room.slug, "sketch:op", {"round_id": round_id, "seq": seq, "op": "undo", "stroke": None,
                                          "user": {"id": author.id, "nickname": author.nickname}, "removed": [last.seq]})
    return {"seq": seq, "removed": [last.seq]}


async def clear(session: AsyncSession, room: Room, outbox: Outbox) -> dict[str, Any]:
    """The facilitator wipes the current round's sketch (the strokes stay in the history)."""
    round_, _seed = await current_round(session, room)
    seq = await _next_seq(session, room, round_.id)
    removed = list(
        await session.scalars(
            select(SketchStroke.seq).where(SketchStroke.round_id == round_.id, SketchStroke.removed_seq.is_(None))
        )
    )
    await session.execute(
        update(SketchStroke)
        .where(SketchStroke.round_id == round_.id, SketchStroke.removed_seq.is_(None))
        .values(removed_seq=seq)
    )
    await session.commit()
    outbox.add(room.slug, "sketch:op", {"round_id": round_.id, "seq": seq, "op": "clear", "stroke": None,
                                          "user": None, "removed": removed})
    return {"seq": seq, "removed": len(removed)}


async def set_locked(session: AsyncSession, storage: Storage, room: Room, locked: bool, outbox: Outbox) -> dict:
    """Lock the current round's sketch (nobody draws) or unlock it."""

    async def change(round_: Round, _now: datetime) -> None:
        if round_.kind != "sketch":
            raise conflict("not_a_sketch_round", "the current round is not a sketch round")
        round_.sketch_locked = locked

    return await change_current_round(session, storage, room, outbox, change)


async def set_kind(session: AsyncSession, storage: Storage, room: Room, kind: str, outbox: Outbox) -> dict:
    """Make the current round a sketch round or an edit round, before anyone has worked in it."""

    async def change(round_: Round, _now: datetime) -> None:
        if round_.kind == kind:
            return
        if round_.phase not in ("lobby", "generate"):
            raise conflict("wrong_phase", f"a round's kind is chosen before voting; the round is in the {round_.phase} phase")
        worked = await session.scalar(select(Image.id).where(Image.round_id == round_.id, Image.kind == "edit").limit(1))
        drawn = await session.scalar(select(SketchStroke.id).where(SketchStroke.round_id == round_.id).limit(1))
        if worked is not None or drawn is not None:
            raise conflict(
                "round_started",
                "people have already worked in this round; change the kind at the start of the next round",
            )
        round_.kind = kind
        round_.sketch_locked = False
        round_.sketch_palette = room.sketch_palette if kind == "sketch" else None

    return await change_current_round(session, storage, room, outbox, change)


async def set_palette(session: AsyncSession, storage: Storage, room: Room, name: str, outbox: Outbox) -> dict:
    """Choose the room's label palette; a sketch round in progress draws with it from now on."""
    load_labels().palette(name)  # refuses an unknown name

    async def change(round_: Round, _now: datetime) -> None:
        room.sketch_palette = name
        if round_.kind == "sketch":
            round_.sketch_palette = name

    return await change_current_round(session, storage, room, outbox, change)


async def paint(
    session: AsyncSession, storage: Storage, policy: RoomPolicy, room: Room, user: User | None, round_id: int,
    style: str | None, outbox: Outbox,
) -> tuple[dict, int]:
    """"Paint it": queue a rendering of the sketch as it is now; returns (image view, job id).

    The label map is stored first (as an indexed PNG) so the room's lock is held only for the
    database work; a refused request removes it again."""
    author = _participant(user, room)
    labels = load_labels()
    label_map_now, seq = await label_map(session, round_id)
    room_id = room.id
    await session.rollback()  # the rendering is read; the room's lock is taken only below
    await session.refresh(room)
    await session.refresh(author)
    found = paint_prompt.regions(label_map_now, labels)
    if not found:
        raise invalid("sketch_empty", "the sketch has no labelled areas yet; draw something first")
    style = paint_prompt.clean_style(style)
    key = f"rooms/{room_id}/sketches/{round_id}-{seq}-{uuid.uuid4().hex[:8]}.png"
    await storage.put(key, await asyncio.to_thread(paint_prompt.label_png, label_map_now, labels), "image/png")
    try:
        version = await bump_version(session, room.id)
        round_, seed = await current_round(session, room)
        if round_.id != round_id:
            raise conflict("sketch_round_over", "that round is over; paint the current round's sketch")
        check_generate_phase(round_.phase)
        if round_.kind != "sketch":
            raise conflict("not_a_sketch_round", "this round is not a sketch round; mask the seed and write a prompt instead")
        width, height = label_map_now.shape[1] * paint_prompt.SCALE, label_map_now.shape[0] * paint_prompt.SCALE
        image = Image(
            room_id=room.id, round_id=round_.id, parent_id=seed.id, author_id=author.id, kind="edit",
            prompt=paint_prompt.summary(found, style), status="queued", provider=policy.provider, model=policy.model,
            width=width, height=height, mask_area=1.0, feather_px=0, entered=False, sketch_key=key,
            details=json.dumps({"sketch": {"seq": seq, "style": style, "labels": [r.label_id for r in found]}}),
            up_count=0, down_count=0, tally_seq=0,
        )
        return await queue_generation(session, storage, policy, room, round_.id, author, image, version, outbox)
    except BaseException:
        await session.rollback()
        await storage.delete(key)
        raise
