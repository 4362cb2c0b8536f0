"""The facilitator API: sign in with the token, move the round through its phases."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from quart import Blueprint, Response, jsonify, make_response, url_for
from sqlalchemy.ext.asyncio import AsyncSession

from .. import imaging
from ..db.models import Room
from ..detector import INSTALL_HINT, DetectorError
from ..detector import room as detector_room
from ..domain import analytics, console, moderation, rooms, rounds
from ..domain.clock import utcnow
from ..domain.errors import DomainError
from ..domain.events import Outbox
from ..domain.views import current_round, round_view
from ..export import dataset_entries, zip_stream
from ..services import Services
from .api import json_body
from .auth import (
    HOST_COOKIE,
    HOST_COOKIE_MAX_AGE_S,
    INVITE_MAX_AGE_S,
    check_csrf,
    host_cookie_value,
    invite_token,
    is_facilitator,
    require_facilitator,
    services,
    token_matches,
)

log = logging.getLogger(__name__)

bp = Blueprint("host", __name__, url_prefix="/api/host")


@bp.before_request
async def _csrf() -> None:
    check_csrf()


@bp.post("/session")
async def sign_in():  # type: ignore[no-untyped-def]
    body = await json_body("FacilitatorSignIn")
    if not token_matches(body["token"]):
        raise DomainError(403, "bad_token", "that is not the facilitator token; copy it from the server's start-up output")
    response = await make_response("", 204)
    response.set_cookie(
        HOST_COOKIE, host_cookie_value(), max_age=HOST_COOKIE_MAX_AGE_S, httponly=True, samesite="Strict",
        secure=services().settings.session_cookie_secure,
    )
    return response


@bp.get("/session")
async def who():  # type: ignore[no-untyped-def]
    return jsonify({"facilitator": is_facilitator()})


@bp.delete("/session")
async def sign_out():  # type: ignore[no-untyped-def]
    response = await make_response("", 204)
    response.delete_cookie(HOST_COOKIE)
    return response


@bp.post("/rooms/<slug>/phase")
async def change_phase(slug: str):  # type: ignore[no-untyped-def]
    require_facilitator()
    body = await json_body("PhaseRequest")
    svc = services()
    outbox = Outbox()
    async with svc.sessionmaker() as db:
        room = await rooms.get_room(db, slug)
        view = await rounds.change_phase(db, svc.storage, svc.policy, room, body["from"], body["to"], body.get("duration_s"), outbox)
        await db.commit()
    await svc.publish(outbox)
    return jsonify({"round": view})


async def round_change(slug: str, definition: str, action):  # type: ignore[no-untyped-def]
    """A facilitator's change of the current round: check the body, run `action(db, storage,
    room, body, outbox)` and publish; answers {"round": Round}."""
    require_facilitator()
    body = await json_body(definition)
    svc = services()
    outbox = Outbox()
    async with svc.sessionmaker() as db:
        room = await rooms.get_room(db, slug)
        view = await action(db, svc.storage, room, body, outbox)
    await svc.publish(outbox)
    return jsonify({"round": view})


@bp.post("/rooms/<slug>/pause")
async def pause(slug: str):  # type: ignore[no-untyped-def]
    return await round_change(slug, "EmptyRequest", lambda db, storage, room, body, outbox: rounds.pause(db, storage, room, outbox))


@bp.post("/rooms/<slug>/resume")
async def resume(slug: str):  # type: ignore[no-untyped-def]
    return await round_change(slug, "EmptyRequest", lambda db, storage, room, body, outbox: rounds.resume(db, storage, room, outbox))


@bp.post("/rooms/<slug>/extend")
async def extend(slug: str):  # type: ignore[no-untyped-def]
    return await round_change(
        slug, "ExtendRequest", lambda db, storage, room, body, outbox: rounds.extend(db, storage, room, body["seconds"], outbox)
    )


@bp.patch("/rooms/<slug>")
async def room_settings(slug: str):  # type: ignore[no-untyped-def]
    """Lock or unlock joining; make the room a research study (consent step) or not."""
    require_facilitator()
    body = await json_body("RoomSettingsRequest")
    svc = services()
    async with svc.sessionmaker() as db:
        room = await rooms.get_room(db, slug)
        for field in ("join_locked", "research", "name", "requires_approval", "generate_s", "vote_s"):
            if field in body:
                setattr(room, field, body[field])
        summary = rooms.room_summary(room)
        await db.commit()
    return jsonify({"room": summary})


@bp.post("/rooms/<slug>/images/<int:image_id>/moderation")
async def moderate(slug: str, image_id: int):  # type: ignore[no-untyped-def]
    require_facilitator()
    body = await json_body("ModerationRequest")
    svc = services()
    outbox = Outbox()
    async with svc.sessionmaker() as db:
        room = await rooms.get_room(db, slug)
        view = await moderation.moderate_image(db, svc.storage, room, image_id, body["action"], outbox)
    await svc.publish(outbox)
    return jsonify({"image": view})


@bp.post("/rooms/<slug>/participants/<int:user_id>/kick")
async def kick(slug: str, user_id: int):  # type: ignore[no-untyped-def]
    return await _remove(slug, user_id, "kick")


@bp.post("/rooms/<slug>/participants/<int:user_id>/ban")
async def ban(slug: str, user_id: int):  # type: ignore[no-untyped-def]
    return await _remove(slug, user_id, "ban")


async def _remove(slug: str, user_id: int, action: str):  # type: ignore[no-untyped-def]
    require_facilitator()
    await json_body("EmptyRequest")
    svc = services()
    outbox = Outbox()
    async with svc.sessionmaker() as db:
        room = await rooms.get_room(db, slug)
        removed = await moderation.remove_participant(
            db, svc.storage, room, user_id, "kicked" if action == "kick" else "banned", outbox
        )
    await svc.publish(outbox)
    return jsonify({"participant": removed})


@bp.get("/rooms")
async def list_rooms():  # type: ignore[no-untyped-def]
    require_facilitator()
    async with services().sessionmaker() as db:
        return jsonify({"rooms": await console.rooms_overview(db)})


def _seed_picture(data_url: str):  # type: ignore[no-untyped-def]
    settings = services().settings
    try:
        return imaging.read_seed(data_url, max_bytes=settings.max_request_bytes, max_pixels=settings.max_image_pixels)
    except imaging.ImageRejected as exc:
        raise DomainError(422, exc.code, exc.message) from exc


@bp.post("/rooms")
async def create_room():  # type: ignore[no-untyped-def]
    require_facilitator()
    body = await json_body("CreateRoomRequest")
    if not body["name"].strip():
        raise DomainError(422, "invalid_name", "give the room a name")
    svc = services()
    picture = await asyncio.to_thread(_seed_picture, body["seed"]) if body.get("seed") else None
    slug = await rooms.create_room(svc.sessionmaker, svc.storage, svc.policy, body["name"].strip(), body.get("mode", "facilitated"), picture)
    async with svc.sessionmaker() as db:
        room = await rooms.get_room(db, slug)
        for field in ("research", "requires_approval", "generate_s", "vote_s"):
            if field in body:
                setattr(room, field, body[field])
        summary = rooms.room_summary(room)
        await db.commit()
    return jsonify({"room": summary}), 201


@bp.post("/rooms/<slug>/seed")
async def upload_seed(slug: str):  # type: ignore[no-untyped-def]
    require_facilitator()
    body = await json_body("SeedRequest")
    svc = services()
    picture = await asyncio.to_thread(_seed_picture, body["image"])
    outbox = Outbox()
    async with svc.sessionmaker() as db:
        room = await rooms.get_room(db, slug)
        version = await rooms.replace_seed(db, svc.storage, room, picture)
        round_, seed = await current_round(db, room)
        view = await round_view(svc.storage, round_, seed)
        await db.commit()
    outbox.add(slug, "round:updated", {"version": version, "round": view, "winner": None})
    await svc.publish(outbox)
    return jsonify({"round": view})


@asynccontextmanager
async def facilitator_room(slug: str) -> AsyncIterator[tuple[Services, AsyncSession, Room]]:
    """The facilitator's view of room `slug`: 401 for anyone else, 404 for an unknown room."""
    require_facilitator()
    svc = services()
    async with svc.sessionmaker() as db:
        yield svc, db, await rooms.get_room(db, slug)


@bp.get("/rooms/<slug>/participants")
async def list_participants(slug: str):  # type: ignore[no-untyped-def]
    async with facilitator_room(slug) as (svc, db, room):
        _sockets, connected = await svc.presence.room(slug)
        return jsonify({"participants": await console.participants(db, room, connected)})


@bp.get("/rooms/<slug>/counters")
async def room_counters(slug: str):  # type: ignore[no-untyped-def]
    async with facilitator_room(slug) as (svc, db, room):
        sockets, _users = await svc.presence.room(slug)
        return jsonify(await console.counters(db, room, sockets))


@bp.get("/rooms/<slug>/images")
async def moderation_images(slug: str):  # type: ignore[no-untyped-def]
    async with facilitator_room(slug) as (svc, db, room):
        return jsonify({"images": await console.moderation_list(db, svc.storage, room)})


@bp.get("/rooms/<slug>/analytics")
async def room_analytics(slug: str):  # type: ignore[no-untyped-def]
    """The analytics page's figures: winners, votes, agreement, participation, prompts."""
    async with facilitator_room(slug) as (svc, db, room):
        return jsonify(
            await analytics.analytics_view(
                db, svc.storage, room, svc.policy.winner_rule,
                detector_configured=svc.settings.detector_checkpoint is not None,
            )
        )


# Rooms being scored in this process: a second request for one of them is refused.
_scoring: set[int] = set()


def _score_single_threaded(score, data: bytes) -> float:  # type: ignore[no-untyped-def]
    import torch

    torch.set_num_threads(1)
    return score(data)


def _load_scorer(path):  # type: ignore[no-untyped-def]
    import torch

    torch.set_num_threads(1)
    return detector_room.Scorer.load(path)


@bp.post("/rooms/<slug>/detector-scores")
async def detector_scores(slug: str):  # type: ignore[no-untyped-def]
    """Score the room's finished images (seeds and edits) with the DETECTOR_CHECKPOINT and store the scores."""
    async with facilitator_room(slug) as (svc, db, room):
        await json_body("EmptyRequest")
        checkpoint_path = svc.settings.detector_checkpoint
        if checkpoint_path is None:
            raise DomainError(
                409, "detector_not_configured",
                "no detector is configured: set DETECTOR_CHECKPOINT to a checkpoint written by `pixelpatchwork detector train`",
            )
        images = await detector_room.finished_images(db, room)
        room_id = room.id
    # The first import of PyTorch takes seconds: off the event loop, with no session open.
    if not await asyncio.to_thread(detector_room.torch_available):
        raise DomainError(503, "detector_unavailable", f"the detector cannot run on this server: {INSTALL_HINT}")
    if room_id in _scoring:
        raise DomainError(409, "detector_busy", "this room's images are being scored already; wait for that to finish")
    _scoring.add(room_id)
    try:
        try:
            scorer = await asyncio.to_thread(_load_scorer, checkpoint_path)
        except DetectorError as exc:
            raise DomainError(422, "detector_checkpoint_invalid", f"DETECTOR_CHECKPOINT cannot be used: {exc}") from exc
        scores = await detector_room.score_images(
            svc.storage, images, scorer, lambda score, data: asyncio.to_thread(_score_single_threaded, score, data),
        )
        await detector_room.save_scores(svc.storage, room_id, scores)
    finally:
        _scoring.discard(room_id)
    log.info("scored %d images of room %s with %s (%d skipped)", len(scores.scores), slug, scorer.path.name, len(scores.skipped))
    async with svc.sessionmaker() as db:
        current = await db.get(Room, room_id)
        assert current is not None
        view = await analytics.analytics_view(db, svc.storage, current, svc.policy.winner_rule, detector_configured=True)
    return jsonify({"scored": len(scores.scores), "skipped": scores.skipped, "detector": view["detector"]})


@bp.get("/rooms/<slug>/export.zip")
async def export_zip(slug: str):  # type: ignore[no-untyped-def]
    """The room's research dataset as a zip, streamed one file at a time while it is written."""
    async with facilitator_room(slug) as (svc, _db, room):
        room_id = room.id
    stamp = utcnow().strftime("%Y%m%d-%H%M")

    async def body() -> AsyncIterator[bytes]:
        async with svc.sessionmaker() as db:
            current = await db.get(Room, room_id)
            assert current is not None
            try:
                async for chunk in zip_stream(dataset_entries(db, svc.storage, current, winner_rule=svc.policy.winner_rule)):
                    yield chunk
            except Exception:
                # The status line has gone out: all that is left is to stop, which the browser
                # reports as a failed download. The cause goes to the log, never to the client.
                log.exception("export of room %s failed while streaming", slug)
                raise

    response = Response(body(), mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{slug}-dataset-{stamp}.zip"'
    response.headers["Cache-Control"] = "no-store"
    response.timeout = None  # a large room takes longer than the default response timeout
    return response


@bp.post("/invites")
async def invite():  # type: ignore[no-untyped-def]
    """A second link for co-facilitators, valid for 24 hours."""
    require_facilitator()
    await json_body("EmptyRequest")
    path = url_for("pages.cofacilitator", token=invite_token())
    return jsonify({"link": path, "expires_in_s": INVITE_MAX_AGE_S}), 201
