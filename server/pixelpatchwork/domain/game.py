"""The "AI or human?" game: artworks with credits, game items, guesses, the reveal and results.

A facilitator uploads human-made artworks (with title and artist) and starts items one at a
time. An item shows one picture, an artwork (truth ``human``) or one of the room's own
edits that were in a vote (truth ``ai``), through a neutral copy whose address tells
nothing. Participants guess until the deadline; each may guess once per item (a guess
cannot be changed: the first impression is what the game and the research count). The
reveal, by the facilitator or by the deadline, shows the truth, the room's share of right
guesses and the detector's guess. Items move ``guess -> reveal -> closed``; each move is a
conditional update, so it happens once however many processes or facilitators act. Starting
and moving items bumps the room's version (``game:updated`` is a versioned event).
"""

from __future__ import annotations

import logging
import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlparse

from PIL import Image as PILImage
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from .. import imaging
from ..db.models import Artwork, GameItem, Guess, Image, Room, User
from ..storage import Storage
from .clock import to_ms, utcnow
from .errors import DomainError, conflict, invalid, not_found
from .events import Outbox
from .rooms import bump_version

log = logging.getLogger(__name__)

GUESSES = ("human", "ai")
DEFAULT_DURATION_S = 20
# Guesses sent in the last moment still count while they travel; the clock reveals after it.
GUESS_GRACE_S = 1.0
# The console lists the newest unshown edits to choose from (the rest are drawn at random).
UNSHOWN_EDITS_LISTED = 24
TITLE_MAX = 200
SOURCE_URL_MAX = 500


# --- artworks -------------------------------------------------------------------------------


def clean_credit(title: str, artist: str, source_url: str | None) -> tuple[str, str, str | None]:
    """The credit as stored: trimmed title and artist (both required), an http(s) source or None."""
    title, artist = title.strip(), artist.strip()
    if not title:
        raise invalid("invalid_credit", "give the artwork's title")
    if not artist:
        raise invalid("invalid_credit", "name the artist (the credit shown at the reveal)")
    if len(title) > TITLE_MAX or len(artist) > TITLE_MAX:
        raise invalid("invalid_credit", f"title and artist may have at most {TITLE_MAX} characters each")
    if any(ord(c) < 32 for c in title + artist):
        raise invalid("invalid_credit", "title and artist may not contain control characters")
    url = (source_url or "").strip() or None
    if url is not None:
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc or len(url) > SOURCE_URL_MAX or any(c.isspace() for c in url):
            raise invalid("invalid_credit", f"the source must be an http:// or https:// address of at most {SOURCE_URL_MAX} characters")
    return title, artist, url


async def artwork_view(storage: Storage, artwork: Artwork, shown_in: int | None = None) -> dict[str, Any]:
    return {
        "id": artwork.id,
        "title": artwork.title,
        "artist": artwork.artist,
        "source_url": artwork.source_url,
        "url": await storage.url(artwork.image_key),
        "thumb_url": await storage.url(artwork.thumb_key),
        "width": artwork.width,
        "height": artwork.height,
        "created_at": to_ms(artwork.created_at),
        "shown_in": shown_in,
    }


async def add_artwork(
    session: AsyncSession, storage: Storage, room: Room, picture: PILImage.Image,
    title: str, artist: str, source_url: str | None,
) -> dict[str, Any]:
    """Store an artwork's picture and credit. The picture was decoded safely by the caller;
    the row is written only after the picture is stored, in one transaction."""
    title, artist, source_url = clean_credit(title, artist, source_url)
    now = utcnow()
    artwork = Artwork(
        room_id=room.id, title=title, artist=artist, source_url=source_url, image_key="", thumb_key="",
        width=picture.width, height=picture.height, created_at=now,
    )
    session.add(artwork)
    await session.flush()
    token = secrets.token_hex(6)
    artwork.image_key = f"rooms/{room.id}/artworks/{artwork.id}-{token}.png"
    artwork.thumb_key = f"rooms/{room.id}/artworks/{artwork.id}-{token}-thumb.webp"
    await storage.put(artwork.image_key, imaging.encode_png(picture), "image/png")
    await storage.put(artwork.thumb_key, imaging.thumbnail(picture), "image/webp")
    view = await artwork_view(storage, artwork)
    await session.commit()
    return view


async def list_artworks(session: AsyncSession, storage: Storage, room: Room) -> list[dict[str, Any]]:
    """The room's artworks, oldest first, each with the game item number it was shown in."""
    shown = dict(
        (
            await session.execute(
                select(GameItem.artwork_id, func.min(GameItem.number))
                .where(GameItem.room_id == room.id, GameItem.artwork_id.is_not(None))
                .group_by(GameItem.artwork_id)
            )
        ).all()
    )
    artworks = await session.scalars(select(Artwork).where(Artwork.room_id == room.id).order_by(Artwork.id))
    return [await artwork_view(storage, a, shown.get(a.id)) for a in artworks]


async def _artwork(session: AsyncSession, room: Room, artwork_id: int) -> Artwork:
    artwork = await session.get(Artwork, artwork_id)
    if artwork is None or artwork.room_id != room.id:
        raise not_found("artwork_not_found", f"this room has no artwork {artwork_id}")
    return artwork


async def delete_artwork(session: AsyncSession, storage: Storage, room: Room, artwork_id: int) -> None:
    """Remove an artwork that was never shown (a shown one stays with the game's results)."""
    artwork = await _artwork(session, room, artwork_id)
    if await session.scalar(select(GameItem.id).where(GameItem.artwork_id == artwork.id).limit(1)) is not None:
        raise conflict("artwork_shown", "this artwork was shown in the game; it stays with the game's results")
    keys: list[str | None] = [artwork.image_key, artwork.thumb_key]
    await session.delete(artwork)
    await session.commit()
    await remove_files_of(storage, keys)


# --- picking and starting an item -------------------------------------------------------------


def ai_pool_query(room: Room):  # type: ignore[no-untyped-def]
    """The room's own AI pictures for the game: finished edits that were in a vote (entered,
    not hidden, approved where the room requires it); private attempts are never shown."""
    query = select(Image).where(
        Image.room_id == room.id, Image.kind == "edit", Image.status == "done", Image.result_key.is_not(None),
        Image.entered.is_(True), Image.hidden.is_(False),
    )
    if room.requires_approval:
        query = query.where(Image.approved.is_(True))
    return query


@dataclass(frozen=True)
class Pick:
    """What a new item shows: an artwork or an edit, where its picture is, and the truth."""

    truth: str
    key: str
    artwork_id: int | None = None
    image_id: int | None = None


async def unused(session: AsyncSession, room: Room) -> tuple[list[Artwork], list[Image]]:
    """Artworks and edits of the room not shown in the game yet."""
    used_artworks = select(GameItem.artwork_id).where(GameItem.room_id == room.id, GameItem.artwork_id.is_not(None))
    used_images = select(GameItem.image_id).where(GameItem.room_id == room.id, GameItem.image_id.is_not(None))
    artworks = list(
        await session.scalars(select(Artwork).where(Artwork.room_id == room.id, Artwork.id.not_in(used_artworks)).order_by(Artwork.id))
    )
    images = list(await session.scalars(ai_pool_query(room).where(Image.id.not_in(used_images)).order_by(Image.id)))
    return artworks, images


async def pick(
    session: AsyncSession, room: Room, *, artwork_id: int | None = None, image_id: int | None = None,
    rng: random.Random | None = None,
) -> Pick:
    """The chosen artwork or edit, or a random unshown one: human or AI with even odds where
    both are left (so the truth is a coin toss for the room), then any of that kind."""
    if artwork_id is not None and image_id is not None:
        raise invalid("invalid_choice", "choose an artwork or an edit, not both")
    if artwork_id is not None:
        artwork = await _artwork(session, room, artwork_id)
        return Pick("human", artwork.image_key, artwork_id=artwork.id)
    if image_id is not None:
        image = await session.scalar(ai_pool_query(room).where(Image.id == image_id))
        if image is None:
            raise not_found("image_not_found", f"edit {image_id} is not a finished edit of this room that was in a vote")
        return Pick("ai", image.result_key or "", image_id=image.id)
    artworks, images = await unused(session, room)
    if not artworks and not images:
        raise conflict(
            "game_pool_empty",
            "every artwork and every edit of this room has been shown: upload more artworks, or wait for edits to be entered into a vote",
        )
    rng = rng or random.SystemRandom()
    kinds = [kind for kind, left in (("human", artworks), ("ai", images)) if left]
    if rng.choice(kinds) == "human":
        artwork = rng.choice(artworks)
        return Pick("human", artwork.image_key, artwork_id=artwork.id)
    image = rng.choice(images)
    return Pick("ai", image.result_key or "", image_id=image.id)


async def active_item(session: AsyncSession, room_id: int) -> GameItem | None:
    """The item on the screens now: the newest one in the guess or reveal phase."""
    return await session.scalar(
        select(GameItem)
        .where(GameItem.room_id == room_id, GameItem.phase.in_(("guess", "reveal")))
        .order_by(GameItem.number.desc())
        .limit(1)
    )


async def refuse_while_guessing(session: AsyncSession, room: Room) -> None:
    item = await active_item(session, room.id)
    if item is not None and item.phase == "guess":
        raise conflict("game_in_progress", f"picture {item.number} is still open for guesses; reveal it first")


@dataclass(frozen=True)
class Detection:
    """The detector's part of a new item: status "ok" with a score and a heatmap key,
    "not_configured" (no DETECTOR_CHECKPOINT) or "off" (the facilitator started without it)."""

    status: str
    p_ai: float | None = None
    checkpoint: str | None = None
    heatmap_key: str | None = None


async def start_item(
    session: AsyncSession, storage: Storage, room: Room, chosen: Pick, picture_key: str, width: int, height: int,
    duration_s: int, detection: Detection, outbox: Outbox,
) -> GameItem:
    """Record the new item (its neutral picture and heatmap are stored already) and close a
    revealed one. Refused while another item takes guesses, or when the pick was shown."""
    version = await bump_version(session, room.id)  # the room lock first: one start at a time
    await refuse_while_guessing(session, room)
    shown = select(GameItem.id).where(GameItem.room_id == room.id)
    if chosen.artwork_id is not None and await session.scalar(shown.where(GameItem.artwork_id == chosen.artwork_id).limit(1)):
        raise conflict("already_shown", "this artwork was shown in the game already")
    if chosen.image_id is not None and await session.scalar(shown.where(GameItem.image_id == chosen.image_id).limit(1)):
        raise conflict("already_shown", "this edit was shown in the game already")
    now = utcnow()
    await session.execute(
        update(GameItem).where(GameItem.room_id == room.id, GameItem.phase == "reveal").values(phase="closed", closed_at=now)
    )
    number = int(await session.scalar(select(func.coalesce(func.max(GameItem.number), 0)).where(GameItem.room_id == room.id)) or 0) + 1
    item = GameItem(
        room_id=room.id, number=number, artwork_id=chosen.artwork_id, image_id=chosen.image_id, truth=chosen.truth,
        phase="guess", picture_key=picture_key, width=width, height=height, started_at=now,
        deadline=now + timedelta(seconds=duration_s), detector_status=detection.status, detector_p_ai=detection.p_ai,
        detector_checkpoint=detection.checkpoint, heatmap_key=detection.heatmap_key,
    )
    session.add(item)
    await session.flush()
    outbox.add(room.slug, "game:updated", {"version": version, "game": await item_view(session, storage, item)})
    return item


# --- moving items on ------------------------------------------------------------------------------


async def _move(
    session: AsyncSession, storage: Storage, room: Room, item_id: int, from_phase: str, to_phase: str, outbox: Outbox,
) -> GameItem:
    version = await bump_version(session, room.id)
    now = utcnow()
    values: dict[str, Any] = {"phase": to_phase}
    values["revealed_at" if to_phase == "reveal" else "closed_at"] = now
    moved = await session.execute(
        update(GameItem).where(GameItem.id == item_id, GameItem.room_id == room.id, GameItem.phase == from_phase).values(**values)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise conflict("phase_changed", "the picture has moved on already (another facilitator or the timer); look again")
    item = await session.get(GameItem, item_id, populate_existing=True)
    assert item is not None
    outbox.add(room.slug, "game:updated", {"version": version, "game": await item_view(session, storage, item)})
    return item


async def reveal(session: AsyncSession, storage: Storage, room: Room, outbox: Outbox, item_id: int | None = None) -> GameItem:
    """Close the guesses of the item on screen and show its truth (the facilitator's button)."""
    if item_id is None:
        item = await active_item(session, room.id)
        if item is None or item.phase != "guess":
            raise conflict("no_open_item", "no picture is open for guesses; start one first")
        item_id = item.id
    return await _move(session, storage, room, item_id, "guess", "reveal", outbox)


async def close(session: AsyncSession, storage: Storage, room: Room, outbox: Outbox) -> GameItem:
    """Take the revealed item off the screens; the room goes back to its round."""
    item = await active_item(session, room.id)
    if item is None:
        raise conflict("no_open_item", "no picture of the game is on the screens")
    if item.phase == "guess":
        raise conflict("game_in_progress", f"picture {item.number} is still open for guesses; reveal it first")
    return await _move(session, storage, room, item.id, "reveal", "closed", outbox)


async def due_items(session: AsyncSession, now: datetime) -> list[tuple[Room, int]]:
    """Items whose guessing time (with the grace) is over: the clock reveals them."""
    rows = await session.execute(
        select(Room, GameItem.id)
        .join(GameItem, GameItem.room_id == Room.id)
        .where(GameItem.phase == "guess", GameItem.deadline <= now - timedelta(seconds=GUESS_GRACE_S))
    )
    return [(room, item_id) for room, item_id in rows]


# --- guesses ----------------------------------------------------------------------------------------


async def cast_guess(session: AsyncSession, user_id: int, room_slug: str, item_id: int, guess: str) -> dict[str, Any]:
    """Store a participant's guess: once per item, while the item takes guesses."""
    if guess not in GUESSES:
        raise invalid("invalid_guess", "guess \"ai\" or \"human\"")
    user = await session.get(User, user_id)
    room = await session.scalar(select(Room).where(Room.slug == room_slug))
    if user is None or room is None or user.room_id != room.id:
        raise DomainError(401, "not_joined", "join the room with a nickname before guessing")
    if user.removed is not None:
        raise DomainError(403, "removed", "the facilitator removed you from this room")
    # A shared lock on the item: a reveal (an exclusive update) waits for guesses in flight,
    # and a guess after it sees the new phase, so every counted guess was made in time.
    item = await session.scalar(select(GameItem).where(GameItem.id == item_id).with_for_update(read=True))
    if item is None or item.room_id != room.id:
        raise not_found("item_not_found", "there is no such picture in this room's game")
    now = utcnow()
    if item.phase != "guess" or now > item.deadline + timedelta(seconds=GUESS_GRACE_S):
        raise conflict("guessing_closed", "the time for guessing this picture is over")
    session.add(Guess(item_id=item.id, user_id=user.id, guess=guess, correct=guess == item.truth, created_at=now))
    try:
        await session.flush()
    except IntegrityError:
        await session.rollback()
        raise conflict("already_guessed", "you have guessed this picture already; a guess cannot be changed") from None
    count = await guess_count(session, item.id)
    await session.commit()
    return {"ok": True, "item_id": item.id, "guess": guess, "guesses": count}


async def guess_count(session: AsyncSession, item_id: int) -> int:
    return int(await session.scalar(select(func.count()).select_from(Guess).where(Guess.item_id == item_id)) or 0)


async def my_guess(session: AsyncSession, item_id: int, user_id: int) -> str | None:
    return await session.scalar(select(Guess.guess).where(Guess.item_id == item_id, Guess.user_id == user_id))


# --- views ----------------------------------------------------------------------------------------------


async def _counts(session: AsyncSession, item_ids: list[int]) -> dict[int, dict[str, int]]:
    """Per item: guesses of each kind, right ones."""
    counts: dict[int, dict[str, int]] = {i: {"human": 0, "ai": 0, "right": 0} for i in item_ids}
    if not item_ids:
        return counts
    rows = await session.execute(
        select(Guess.item_id, Guess.guess, Guess.correct, func.count())
        .where(Guess.item_id.in_(item_ids))
        .group_by(Guess.item_id, Guess.guess, Guess.correct)
    )
    for item_id, guess, correct, n in rows:
        counts[item_id][guess] += n
        if correct:
            counts[item_id]["right"] += n
    return counts


def share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


async def _source(session: AsyncSession, item: GameItem) -> dict[str, Any]:
    """What the picture was: an artwork's credit, or an edit's prompt and author."""
    if item.artwork_id is not None:
        artwork = await session.get(Artwork, item.artwork_id)
        assert artwork is not None
        return {"kind": "artwork", "id": artwork.id, "title": artwork.title, "artist": artwork.artist, "source_url": artwork.source_url}
    row = (
        await session.execute(select(Image, User).outerjoin(User, Image.author_id == User.id).where(Image.id == item.image_id))
    ).one()
    image, author = row
    return {"kind": "edit", "id": image.id, "prompt": image.prompt, "author": author.nickname if author else None, "model": image.model}


async def _detector_view(storage: Storage, item: GameItem) -> dict[str, Any]:
    if item.detector_status != "ok" or item.detector_p_ai is None:
        return {"status": item.detector_status}
    guess = "ai" if item.detector_p_ai >= 0.5 else "human"
    return {
        "status": "ok", "p_ai": round(item.detector_p_ai, 4), "guess": guess, "correct": guess == item.truth,
        "checkpoint": item.detector_checkpoint,
        "heatmap_url": await storage.url(item.heatmap_key) if item.heatmap_key else None,
    }


async def item_view(
    session: AsyncSession, storage: Storage, item: GameItem, counts: dict[str, int] | None = None,
) -> dict[str, Any]:
    """An item as every screen sees it: the truth and what goes with it only once revealed."""
    if counts is None:
        counts = (await _counts(session, [item.id]))[item.id]
    total = counts["human"] + counts["ai"]
    revealed = item.phase != "guess"
    return {
        "id": item.id,
        "number": item.number,
        "phase": item.phase,
        "picture_url": await storage.url(item.picture_key),
        "width": item.width,
        "height": item.height,
        "started_at": to_ms(item.started_at),
        "deadline": to_ms(item.deadline),
        "guesses": total,
        "reveal": {
            "truth": item.truth,
            "human_guesses": counts["human"],
            "ai_guesses": counts["ai"],
            "right": counts["right"],
            "share_right": share(counts["right"], total),
            "source": await _source(session, item),
            "detector": await _detector_view(storage, item),
        } if revealed else None,
    }


async def game_view(session: AsyncSession, storage: Storage, room: Room, user: User | None) -> dict[str, Any] | None:
    """The snapshot's `game`: the item on the screens (null when none) with the viewer's guess."""
    item = await active_item(session, room.id)
    if item is None:
        return None
    view = await item_view(session, storage, item)
    view["my_guess"] = await my_guess(session, item.id, user.id) if user is not None else None
    return view


def majority(counts: dict[str, int]) -> str | None:
    """The room's verdict on an item: the guess most made (None without guesses or on a tie)."""
    if counts["human"] == counts["ai"]:
        return None
    return "human" if counts["human"] > counts["ai"] else "ai"


async def results(session: AsyncSession, storage: Storage, room: Room, detector_configured: bool) -> dict[str, Any]:
    """Every item with its outcome (the truth of an item still open for guesses stays hidden),
    and the room's accuracy against the detector's over the revealed items."""
    items = list(await session.scalars(select(GameItem).where(GameItem.room_id == room.id).order_by(GameItem.number)))
    counts = await _counts(session, [item.id for item in items])
    rows = []
    totals = {"items": 0, "guesses": 0, "right": 0, "majority_items": 0, "majority_right": 0, "detector_items": 0, "detector_right": 0}
    for item in items:
        view = await item_view(session, storage, item, counts[item.id])
        c = counts[item.id]
        verdict = majority(c)
        view["room_guess"] = verdict if view["reveal"] is not None else None
        rows.append(view)
        if view["reveal"] is None:
            continue
        totals["items"] += 1
        totals["guesses"] += c["human"] + c["ai"]
        totals["right"] += c["right"]
        if verdict is not None:
            totals["majority_items"] += 1
            totals["majority_right"] += verdict == item.truth
        detector = view["reveal"]["detector"]
        if detector["status"] == "ok":
            totals["detector_items"] += 1
            totals["detector_right"] += detector["correct"]
    artworks, images = await unused(session, room)
    current = await active_item(session, room.id)
    authors = dict(
        (await session.execute(select(User.id, User.nickname).where(User.id.in_({i.author_id for i in images if i.author_id})))).all()
    ) if images else {}
    unshown_edits = [
        {
            "id": image.id, "prompt": image.prompt, "author": authors.get(image.author_id) if image.author_id else None,
            "thumb_url": await storage.url(image.thumb_key or image.result_key or ""),
        }
        for image in images[-UNSHOWN_EDITS_LISTED:][::-1]
    ]
    return {
        "items": rows,
        "current_id": current.id if current is not None else None,
        "totals": {
            **totals,
            "room_accuracy": share(totals["right"], totals["guesses"]),
            "majority_accuracy": share(totals["majority_right"], totals["majority_items"]),
            "detector_accuracy": share(totals["detector_right"], totals["detector_items"]),
        },
        "pool": {"artworks": len(artworks), "edits": len(images)},
        "unshown_edits": unshown_edits,
        "detector_configured": detector_configured,
    }


async def remove_files_of(storage: Storage, keys: list[str | None]) -> None:
    """Best-effort removal of files nothing refers to (a refused start, a removed artwork)."""
    for key in keys:
        if key:
            try:
                await storage.delete(key)
            except Exception:  # noqa: BLE001 - an orphaned file is harmless; what was asked is done
                log.warning("could not remove %s from storage; it is left orphaned", key, exc_info=True)



async def analytics_section(session: AsyncSession, room: Room) -> dict[str, Any] | None:
    """The analytics page's "AI or human?" figures: the revealed pictures (truth, guesses, the
    room's verdict, the detector's) and the room's accuracy against the detector's; None when
    the room has not revealed a picture."""
    items = list(
        await session.scalars(
            select(GameItem).where(GameItem.room_id == room.id, GameItem.phase != "guess").order_by(GameItem.number)
        )
    )
    if not items:
        return None
    counts = await _counts(session, [item.id for item in items])
    rows = []
    totals = {"items": len(items), "guesses": 0, "right": 0, "majority_items": 0, "majority_right": 0, "detector_items": 0, "detector_right": 0}
    for item in items:
        c = counts[item.id]
        guesses = c["human"] + c["ai"]
        verdict = majority(c)
        detector_guess = None if item.detector_p_ai is None else ("ai" if item.detector_p_ai >= 0.5 else "human")
        source = await _source(session, item)
        rows.append({
            "number": item.number, "truth": item.truth, "source": source["title"] if source["kind"] == "artwork" else source["prompt"],
            "guesses": guesses, "right": c["right"], "share_right": share(c["right"], guesses), "room_guess": verdict,
            "detector_p_ai": None if item.detector_p_ai is None else round(item.detector_p_ai, 4), "detector_guess": detector_guess,
        })
        totals["guesses"] += guesses
        totals["right"] += c["right"]
        if verdict is not None:
            totals["majority_items"] += 1
            totals["majority_right"] += verdict == item.truth
        if detector_guess is not None:
            totals["detector_items"] += 1
            totals["detector_right"] += detector_guess == item.truth
    return {
        "items": rows,
        "totals": {
            **totals,
            "room_accuracy": share(totals["right"], totals["guesses"]),
            "majority_accuracy": share(totals["majority_right"], totals["majority_items"]),
            "detector_accuracy": share(totals["detector_right"], totals["detector_items"]),
        },
    }
