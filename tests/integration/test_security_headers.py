"""Security headers on pages and API answers."""

from __future__ import annotations

from pixelpatchwork.web.security import content_security_policy


async def test_pages_and_api_carry_security_headers(client) -> None:  # type: ignore[no-untyped-def]
    for path in ("/", "/room/main", "/api/rooms/main", "/api/rooms/nowhere"):
        response = await client.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "object-src 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert response.headers["X-Frame-Options"] == "DENY"


def test_images_may_come_from_the_s3_endpoint(make_settings) -> None:  # type: ignore[no-untyped-def]
    policy = content_security_policy(make_settings(s3_bucket="b", s3_endpoint_url="http://127.0.0.1:9000"))
    assert "img-src 'self' data: blob: http://127.0.0.1:9000" in policy
