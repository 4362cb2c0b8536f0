"""Security headers on every response: what pages may load, who may frame them."""

from __future__ import annotations

from urllib.parse import urlparse

from quart import Quart, Response

from ..settings import Settings


def content_security_policy(settings: Settings) -> str:
    """Scripts and styles only from this origin; images also from the S3 endpoint (presigned
    URLs) and data/blob URLs (masks drawn in the browser); sockets to this origin."""
    images = ["'self'", "data:", "blob:"]
    if settings.s3_bucket:
        endpoint = settings.s3_endpoint_url or f"https://{settings.s3_bucket}.s3.{settings.s3_region}.amazonaws.com"
        parsed = urlparse(endpoint)
        images.append(f"{parsed.scheme}://{parsed.netloc}")
        if not settings.s3_endpoint_url:
            images.append("https://*.amazonaws.com")
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src {' '.join(images)}",
            "connect-src 'self' ws: wss:",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def install_security_headers(app: Quart, settings: Settings) -> None:
    policy = content_security_policy(settings)

    @app.after_request
    async def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if settings.session_cookie_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
