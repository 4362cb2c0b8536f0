"""Who is asking: the participant session cookie, the facilitator cookie or token, CSRF checks."""

from __future__ import annotations

import hmac
from urllib.parse import urlparse

from itsdangerous import BadSignature, URLSafeTimedSerializer
from quart import Quart, current_app, request, session
from sqlalchemy.ext.asyncio import AsyncSession

from ..db.models import Room, User
from ..domain.errors import DomainError
from ..domain.users import get_user
from ..ratelimit import RateLimiter, client_address
from ..services import Services

HOST_COOKIE = "ppw_host"
HOST_COOKIE_MAX_AGE_S = 12 * 3600


def services() -> Services:
    return current_app.extensions["pixelpatchwork"]


def limit_address(limiter_name: str, what: str) -> None:
    """Refuse with 429 when the caller's network address has used up `limiter_name`."""
    svc = services()
    limiter: RateLimiter = getattr(svc.address_limits, limiter_name)
    address = client_address(request.remote_addr, request.headers.get("X-Forwarded-For"), svc.settings.proxy_hops)
    svc.address_limits.check(limiter, address, what)


def session_user_id() -> int | None:
    value = session.get("user_id")
    return value if isinstance(value, int) else None


async def current_user(db: AsyncSession) -> User | None:
    return await get_user(db, session_user_id())


async def require_participant(db: AsyncSession, room: Room) -> User:
    """The caller's participant in `room`, or 401 not_joined."""
    user = await current_user(db)
    if user is None or user.room_id != room.id:
        raise DomainError(401, "not_joined", "join this room with a nickname first")
    return user


def _host_serializer(app: Quart) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(app.secret_key, salt="pixelpatchwork.facilitator")  # type: ignore[arg-type]


def token_matches(candidate: str) -> bool:
    expected = services().settings.facilitator_token.get_secret_value()  # type: ignore[union-attr]
    return hmac.compare_digest(candidate.encode(), expected.encode())


def host_cookie_value() -> str:
    return _host_serializer(current_app).dumps({"facilitator": True})


def is_facilitator() -> bool:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return token_matches(header[len("Bearer ") :].strip())
    cookie = request.cookies.get(HOST_COOKIE)
    if not cookie:
        return False
    try:
        data = _host_serializer(current_app).loads(cookie, max_age=HOST_COOKIE_MAX_AGE_S)
    except BadSignature:
        return False
    return isinstance(data, dict) and data.get("facilitator") is True


def require_facilitator() -> None:
    if not is_facilitator():
        raise DomainError(401, "not_facilitator", "sign in as the facilitator (token from the server's start-up output)")


def check_csrf() -> None:
    """State-changing requests must be JSON from our own origin (a cross-site form can be neither)."""
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return
    origin = request.headers.get("Origin")
    if origin and origin != "null":
        allowed = set(services().settings.allowed_origins)
        if urlparse(origin).netloc != request.host and origin not in allowed:
            raise DomainError(403, "cross_origin", "requests from other sites are not accepted")
    if request.method != "DELETE" and request.mimetype != "application/json":
        raise DomainError(415, "unsupported_media_type", "send the body as JSON with Content-Type: application/json")


INVITE_MAX_AGE_S = 24 * 3600


def _invite_serializer(app: Quart) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(app.secret_key, salt="pixelpatchwork.cofacilitator")  # type: ignore[arg-type]


def invite_token() -> str:
    """A signed, expiring link token that signs a co-facilitator in without the main token."""
    return _invite_serializer(current_app).dumps({"cofacilitator": True})


def invite_is_valid(token: str) -> bool:
    try:
        data = _invite_serializer(current_app).loads(token, max_age=INVITE_MAX_AGE_S)
    except BadSignature:
        return False
    return isinstance(data, dict) and data.get("cofacilitator") is True
