"""HTML pages (shells the client mounts into), the media folder, and the health check."""

from __future__ import annotations

import hashlib
from pathlib import Path

from quart import Blueprint, abort, current_app, jsonify, redirect, render_template, send_file, url_for
from sqlalchemy import text

from ..domain import rooms
from ..domain.errors import DomainError
from ..storage import StorageError
from ..storage.local import LocalStorage
from .auth import HOST_COOKIE, HOST_COOKIE_MAX_AGE_S, host_cookie_value, invite_is_valid, services

bp = Blueprint("pages", __name__)

CLIENT_DIST = Path(__file__).resolve().parents[3] / "client" / "dist"


def asset_version() -> str:
    """A short hash of the built client, so browsers reload it after each build."""
    cached = current_app.config.get("PPW_ASSET_VERSION")
    if cached:
        return cached
    digest = hashlib.sha256()
    for name in ("app.js", "app.css"):
        path = CLIENT_DIST / name
        if path.exists():
            digest.update(path.read_bytes())
    version = digest.hexdigest()[:10]
    current_app.config["PPW_ASSET_VERSION"] = version
    return version


async def _page(page: str, room: str):  # type: ignore[no-untyped-def]
    return await render_template("page.html", page=page, room=room, asset_version=asset_version())


@bp.get("/")
async def landing():  # type: ignore[no-untyped-def]
    return await _page("landing", services().settings.default_room)


@bp.get("/room/<slug>")
async def room_page(slug: str):  # type: ignore[no-untyped-def]
    return await _page("room", slug)


@bp.get("/projector/<slug>")
async def projector_page(slug: str):  # type: ignore[no-untyped-def]
    return await _page("projector", slug)


@bp.get("/lineage/<slug>")
async def lineage_page(slug: str):  # type: ignore[no-untyped-def]
    return await _page("lineage", slug)


@bp.get("/analytics/<slug>")
async def analytics_page(slug: str):  # type: ignore[no-untyped-def]
    """Research analytics of a room; its data comes from the facilitator API, so the page asks
    anyone else to sign in."""
    return await _page("analytics", slug)


@bp.get("/j/<code>")
async def join_link(code: str):  # type: ignore[no-untyped-def]
    """The join link behind the QR code: the landing page of the code's room."""
    async with services().sessionmaker() as db:
        try:
            room = await rooms.room_by_code(db, code)
        except DomainError:
            return redirect(url_for("pages.landing", code=code, unknown="1"))
    return redirect(url_for("pages.landing", room=room.slug))


@bp.get("/host/invite/<token>")
async def cofacilitator(token: str):  # type: ignore[no-untyped-def]
    """A co-facilitator's link: signs this browser in as a facilitator and opens the console."""
    if not invite_is_valid(token):
        return redirect(url_for("pages.host_page", invite="expired"))
    response = redirect(url_for("pages.host_page"))
    response.set_cookie(
        HOST_COOKIE, host_cookie_value(), max_age=HOST_COOKIE_MAX_AGE_S, httponly=True, samesite="Lax",
        secure=services().settings.session_cookie_secure,
    )
    return response


@bp.get("/host")
async def host_page():  # type: ignore[no-untyped-def]
    return await _page("host", services().settings.default_room)


@bp.get("/media/<path:key>")
async def media(key: str):  # type: ignore[no-untyped-def]
    storage = services().storage
    if not isinstance(storage, LocalStorage):
        abort(404)
    try:
        path = storage.path_for(key)
    except StorageError:
        abort(404)
    if not path.is_file():
        abort(404)
    response = await send_file(path)
    # Keys are never rewritten with other content except results, which keep their key
    # only within one job; a short cache is safe and keeps galleries fast.
    response.cache_control.max_age = 3600
    return response


@bp.get("/healthz")
async def healthz():  # type: ignore[no-untyped-def]
    svc = services()
    checks: dict = {}
    try:
        async with svc.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        checks["database"] = {"ok": True}
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
        checks["database"] = {"ok": False, "error": exc.__class__.__name__}
    try:
        await svc.storage.check()
        checks["storage"] = {"ok": True, "backend": svc.storage.backend}
    except Exception as exc:  # noqa: BLE001
        checks["storage"] = {"ok": False, "backend": svc.storage.backend, "error": str(exc)[:200]}
    redis_check = current_app.extensions.get("pixelpatchwork.redis_check")
    if redis_check is None:
        checks["redis"] = {"ok": None, "configured": False}
    else:
        checks["redis"] = await redis_check()
    checks["generator"] = {"provider": svc.provider.name, "model": svc.provider.model}
    healthy = all(check.get("ok") is not False for check in checks.values())
    return jsonify({"status": "ok" if healthy else "degraded", "checks": checks}), 200 if healthy else 503
