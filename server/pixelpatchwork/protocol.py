"""The wire protocol, read from shared/protocol.json (the one definition server and client share)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import fastjsonschema
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from .domain.errors import DomainError

PROTOCOL_PATH = Path(__file__).resolve().parents[2] / "shared" / "protocol.json"
PROTOCOL: dict[str, Any] = json.loads(PROTOCOL_PATH.read_text(encoding="utf-8"))
LIMITS: dict[str, int] = PROTOCOL["limits"]
CLIENT_EVENTS: frozenset[str] = frozenset(PROTOCOL["client_events"])
SERVER_EVENTS: frozenset[str] = frozenset(PROTOCOL["server_events"])


@cache
def _validator(definition: str) -> Draft202012Validator:
    schema = {"$ref": f"#/definitions/{definition}", "definitions": PROTOCOL["definitions"]}
    return Draft202012Validator(schema)


@cache
def _fast_check(definition: str) -> Any:
    """The same check compiled to Python code: how valid payloads (nearly all) are accepted."""
    return fastjsonschema.compile({"$ref": f"#/definitions/{definition}", "definitions": PROTOCOL["definitions"]})


def validate(definition: str, payload: Any) -> dict[str, Any]:
    """Check `payload` against a protocol definition; DomainError(400) names the first problem.
    jsonschema, the reference, decides and words every refusal."""
    try:
        _fast_check(definition)(payload)
        return payload
    except fastjsonschema.JsonSchemaException:
        pass
    error = best_match(_validator(definition).iter_errors(payload))
    if error is not None:
        where = ".".join(str(part) for part in error.absolute_path)
        message = error.message if len(error.message) <= 200 else error.message[:200] + "..."
        raise DomainError(400, "invalid_request", f"{where}: {message}" if where else message)
    return payload


def event_payload_definition(event: str) -> str:
    """The definition name of a client event's payload."""
    return PROTOCOL["client_events"][event]["payload"]["$ref"].rsplit("/", 1)[-1]
