"""The participant REST API: join, snapshot, submit an edit, vote, lineage."""

from __future__ import annotations

import asyncio
from typing import Any

from quart import Blueprint, current_app, jsonify, request, session, url_for

from .. import imaging
from ..domain import rooms, rounds, users
from ..domain.errors import DomainError
from ..domain.events import Outbox
from ..domain.nicknames import random_nickname
from ..domain.images import check_edit_round, clean_prompt, set_entry, submit_edit
from ..domain.views import current_round, snapshot
from ..generation.jobs import queue_position
from ..protocol import LIMITS, validate
from ..db.models import User
from ..services import Services
from . import openapi
from .auth import check_csrf, current_user, limit_address, require_participant, services, session_user_id

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.before_request
async def _csrf() -> None:
    check_csrf()


async def json_body(definition: str) -> dict[str, Any]:
    """The request's JSON body, checked against a protocol definition."""
    body = await request.get_json(silent=True)
    if body is None:
        raise DomainError(400, "invalid_request", "the body must be a JSON object")
    return validate(definition, body)


@bp.post("/session")
async def join():  # type: ignore[no-untyped-def]
    body = await json_body("JoinRequest")
    limit_address("joins", "joins")
    svc = services()
    async with svc.sessionmaker() as db:
        room = await rooms.get_room(db, body["room"])
        previous = await db.get(User, session_user_id()) if session_user_id() else None
        user = await users.join(
            db, room, body["nickname"], await current_user(db),
            consent=body.get("consent", False), participant_ref=body.get("participant_ref"),
            banned_here=previous is not None and previous.room_id == room.id and previous.removed == "banned",
        )
        me = {"id": user.id, "nickname": user.nickname, "room": room.slug}
        await db.commit()
    session.clear()
    session["user_id"] = me["id"]
    session.permanent = True
    return jsonify({"me": me}), 201


@bp.get("/nickname")
async def suggest_nickname():  # type: ignore[no-untyped-def]
    return jsonify({"nickname": random_nickname()})


@bp.get("/session")
async def whoami():  # type: ignore[no-untyped-def]
    svc = services()
    async with svc.sessionmaker() as db:
        user = await current_user(db)
        if user is None:
            return jsonify({"me": None})
        room = await db.get(rooms.Room, user.room_id)
        return jsonify({"me": {"id": user.id, "nickname": user.nickname, "room": room.slug if room else None}})


@bp.delete("/session")
async def leave():  # type: ignore[no-untyped-def]
    session.clear()
    return "", 204


@bp.get("/rooms/<slug>")
async def room_snapshot(slug: str):  # type: ignore[no-untyped-def]
    svc = services()
    async with svc.sessionmaker() as db:
        room = await rooms.get_room(db, slug)
        user = await current_user(db)
        if user is not None and user.room_id != room.id:
            user = None
        return jsonify(await snapshot(db, svc.storage, svc.policy, room, user))


@bp.post("/rooms/<slug>/submissions")
async def submit(slug: str):  # type: ignore[no-untyped-def]
    body = await json_body("SubmissionRequest")
    limit_address("generations", "generations")
    svc = services()
    outbox = Outbox()
    async with svc.sessionmaker() as db:
        room = await rooms.get_room(db, slug)
        author = await require_participant(db, room)
        prompt = clean_prompt(body["prompt"])
        round_, seed = await current_round(db, room)
        check_edit_round(round_)  # before decoding: a closed phase or a sketch round says so first
        try:
            data = imaging.decode_data_url(body["mask"], max_bytes=LIMITS["mask_max_bytes"])
            # Decoding runs in a thread: the event loop keeps serving the room meanwhile.
            mask = await asyncio.to_thread(
                imaging.read_mask, data, width=seed.width, height=seed.height, max_pixels=svc.settings.max_image_pixels
            )
        except imaging.ImageRejected as exc:
            raise DomainError(422, exc.code, exc.message) from exc
        image, job_id = await submit_edit(
            db, svc.storage, svc.policy, room, author, prompt, mask, body["seed_id"], body.get("feather_px", 0), outbox
        )
        position = await queue_position(db, job_id)
    return await queued(svc, room.slug, image, job_id, position, outbox)


async def queued(svc: Services, room_slug: str, image: dict, job_id: int, position: int, outbox: Outbox):  # type: ignore[no-untyped-def]
    """The answer to a new generation: the room hears it is queued and where, the worker wakes."""
    outbox.add(room_slug, "image:progress", {
        "version": None, "image_id": image["id"], "stage": "queued", "progress": 0.0,
        "preview_url": None, "queue_position": position,
    })
    await svc.publish(outbox)
    svc.wake_worker()
    return jsonify({"image": image, "job_id": job_id, "queue_position": position}), 202


@bp.post("/rooms/<slug>/images/<int:image_id>/entry")
async def entry(slug: str, image_id: int):  # type: ignore[no-untyped-def]
    body = await json_body("EntryRequest")
    svc = services()
    outbox = Outbox()
    async with svc.sessionmaker() as db:
        room = await rooms.get_room(db, slug)
        author = await require_participant(db, room)
        image = await set_entry(db, svc.storage, svc.policy, room, author, image_id, body["entered"], outbox)
    await svc.publish(outbox)
    return jsonify({"image": image})


@bp.post("/rooms/<slug>/votes")
async def vote(slug: str):  # type: ignore[no-untyped-def]
    body = await json_body("VoteRequest")
    svc = services()
    outbox = Outbox()
    async with svc.sessionmaker() as db:
        room = await rooms.get_room(db, slug)
        voter = await require_participant(db, room)
    svc.vote_limiter.check(voter.id, "votes")
    limit_address("votes", "votes")
    tally = await svc.votes.cast(voter.id, body["image_id"], body["value"], outbox, rooms=[room.slug])
    await svc.publish(outbox)
    return jsonify({"ok": True, "image_id": body["image_id"], "value": body["value"], "tally": tally})


@bp.get("/openapi.json")
async def openapi_description():  # type: ignore[no-untyped-def]
    """The HTTP API as an OpenAPI 3.1 document."""
    return jsonify(openapi.describe(current_app, services().settings.default_room))


@bp.get("/join/<code>")
async def join_code(code: str):  # type: ignore[no-untyped-def]
    async with services().sessionmaker() as db:
        room = await rooms.room_by_code(db, code)
        return jsonify({"room": {"slug": room.slug, "name": room.name}})


@bp.get("/rooms/<slug>/join-qr.svg")
async def join_qr(slug: str):  # type: ignore[no-untyped-def]
    """The room's join link as a QR code (SVG), for the projector and the console."""
    async with services().sessionmaker() as db:
        room = await rooms.get_room(db, slug)
    svg = qr_svg(join_url(room.join_code or ""))
    return svg, 200, {"Content-Type": "image/svg+xml", "Cache-Control": "max-age=300"}


def join_url(code: str) -> str:
    """The absolute join link: PUBLIC_URL when set (behind a proxy), else this request's host."""
    public = services().settings.public_url
    path = url_for("pages.join_link", code=code)
    return public.rstrip("/") + path if public else url_for("pages.join_link", code=code, _external=True)


def qr_svg(data: str) -> bytes:
    import io

    import qrcode
    import qrcode.image.svg

    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()


@bp.get("/rooms/<slug>/lineage")
async def room_lineage(slug: str):  # type: ignore[no-untyped-def]
    svc = services()
    async with svc.sessionmaker() as db:
        room = await rooms.get_room(db, slug)
        return jsonify({"steps": await rounds.lineage(db, svc.storage, svc.policy, room)})
