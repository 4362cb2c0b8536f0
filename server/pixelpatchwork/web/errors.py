"""One error shape for every HTTP failure: {"error": {"code", "message"}}, never a stack trace."""

from __future__ import annotations

import logging

from quart import Quart, Response, jsonify, request
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from ..domain.errors import DomainError
from ..storage import StorageError

log = logging.getLogger(__name__)

_HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    413: "too_large", 415: "unsupported_media_type", 429: "rate_limited",
}


def error_response(status: int, code: str, message: str) -> tuple[Response, int]:
    return jsonify({"error": {"code": code, "message": message}}), status


def register_error_handlers(app: Quart) -> None:
    @app.errorhandler(DomainError)
    async def _domain(exc: DomainError):  # type: ignore[no-untyped-def]
        return error_response(exc.status, exc.code, exc.message)

    @app.errorhandler(HTTPException)
    async def _http(exc: HTTPException):  # type: ignore[no-untyped-def]
        status = exc.code or 500
        if status == 413:
            return error_response(413, "too_large", "the request body is too large")
        return error_response(status, _HTTP_CODES.get(status, "http_error"), exc.description or exc.name)

    @app.errorhandler(OperationalError)
    @app.errorhandler(DBAPIError)
    async def _database(exc: Exception):  # type: ignore[no-untyped-def]
        log.error("database unavailable during %s %s: %s", request.method, request.path, exc.__class__.__name__)
        return error_response(503, "database_unavailable", "the database is not answering; try again in a moment")

    @app.errorhandler(StorageError)
    async def _storage(exc: StorageError):  # type: ignore[no-untyped-def]
        # S3 (or the media folder) is out of reach: nothing was stored, the request can be retried.
        log.error("storage unavailable during %s %s: %s", request.method, request.path, exc)
        return error_response(503, "storage_unavailable", "the image store is not answering; try again in a moment")

    @app.errorhandler(Exception)
    async def _unexpected(exc: Exception):  # type: ignore[no-untyped-def]
        log.exception("unexpected error during %s %s", request.method, request.path)
        return error_response(500, "internal_error", "something went wrong on the server; it has been logged")
