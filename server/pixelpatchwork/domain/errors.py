"""The one exception type a person's mistake raises; the transport maps it to JSON or an ack."""

from __future__ import annotations


class DomainError(Exception):
    """A refused request. `code` is stable for programs, `message` tells a person what to do."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


def not_found(code: str, message: str) -> DomainError:
    return DomainError(404, code, message)


def conflict(code: str, message: str) -> DomainError:
    return DomainError(409, code, message)


def invalid(code: str, message: str) -> DomainError:
    return DomainError(422, code, message)
